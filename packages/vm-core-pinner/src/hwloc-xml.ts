import { parseCpuMask } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { parseXml, type XmlElement, xmlError } from "./internal/xml";
import { buildTopology, type PuDraft, type Topology } from "./topology";

/** Which hwloc XML format a document uses. */
export type HwlocXmlVersion = "v1" | "v2" | "v3";

/**
 * The format of an hwloc XML export: `<topology>` without a version is v1 (hwloc 1.x, NUMA nodes
 * in the CPU tree); `version="2.0"` is v2 (NUMA nodes as memory children); `version="3.0"` is v3.
 *
 * @example
 * ```ts
 * hwlocXmlVersion('<topology version="2.0"></topology>'); // "v2"
 * ```
 */
export function hwlocXmlVersion(xml: string): HwlocXmlVersion {
  const root = parseXml(xml, "hwloc XML");
  return versionOf(root);
}

function versionOf(root: XmlElement): HwlocXmlVersion {
  if (root.name !== "topology")
    xmlError("HWLOC_XML_INVALID", "hwloc XML", root, "root element must be <topology>");
  const v = root.attrs.version;
  if (v === undefined || v === "" || v.startsWith("1.")) return "v1";
  if (v.startsWith("2.")) return "v2";
  if (v.startsWith("3.")) return "v3";
  return xmlError(
    "HWLOC_XML_UNSUPPORTED",
    "hwloc XML",
    root,
    `unsupported version ${JSON.stringify(v)}`,
    "version",
  );
}

const IO_TYPES = new Set(["Bridge", "PCIDev", "OSDev", "Misc"]);
const GROUP_TYPES = new Set(["Group", "Die", "Cluster", "Module"]);

function intAttr(el: XmlElement, name: string, what: string): number | null {
  const v = el.attrs[name];
  if (v === undefined) return null;
  if (!/^\d+$/.test(v))
    xmlError(
      "HWLOC_XML_INVALID",
      what,
      el,
      `attribute ${name}=${JSON.stringify(v)} is not a number`,
      name,
    );
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    xmlError("HWLOC_XML_INVALID", what, el, `attribute ${name} out of range`, name);
  return n;
}

function maskAttr(el: XmlElement, name: string, what: string): number[] | null {
  const v = el.attrs[name];
  if (v === undefined) return null;
  try {
    return parseCpuMask(v);
  } catch (e) {
    return xmlError(
      "HWLOC_XML_INVALID",
      what,
      el,
      `attribute ${name}: ${(e as Error).message}`,
      name,
    );
  }
}

/** Normalised object type: v1 `Socket` → `Package`, v1 `Cache depth=N` → `LNCache`. */
function objectType(el: XmlElement, what: string): string {
  const t = el.attrs.type;
  if (t === undefined) xmlError("HWLOC_XML_INVALID", what, el, "object without type", "type");
  if (t === "Socket") return "Package";
  if (t === "Cache") {
    const depth = el.attrs.depth ?? "0";
    const ct = el.attrs.cache_type;
    // cache_type 2 = instruction cache: never an L3/uncore candidate.
    return ct === "2" ? `L${depth}iCache` : `L${depth}Cache`;
  }
  return t as string;
}

interface Ctx {
  packageKey: string;
  packageOs: number | null;
  numaOs: number | null;
  l3Key: string | null;
  l3Os: number | null;
  l3Size: number | null;
  groups: string[];
  coreKey: string | null;
  coreId: number | null;
}

/**
 * Load a topology from an hwloc XML export (`lstopo --of xml`), formats v1, v2 and v3.
 *
 * Online CPUs are the PU objects inside the machine's `cpuset` (and v1 `online_cpuset`); CPUs of
 * `complete_cpuset` without such a PU are reported as offline. NUMA nodes with no CPU (CXL memory,
 * MCDRAM, distant memory) become CPU-less nodes; a core's home node is the nearest attached DRAM
 * node (v2/v3) or enclosing NUMANode (v1). Cores are keyed by their place in the tree, never by
 * `os_index` (which repeats per package). `cpukind` elements (hybrid CPUs) give CPU kinds,
 * ranked by `forced_efficiency` when present.
 *
 * @throws {@link VmCorePinnerError} `XML_MALFORMED` (with line), `HWLOC_XML_INVALID` (with line,
 *   element and attribute), `TOPOLOGY_INVALID`.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const t = parseHwlocXml(readFileSync("16em64t-4s2c2t.xml", "utf8"));
 * t.packages.length; // 4
 * ```
 */
export function parseHwlocXml(xml: string, options: { readonly name?: string } = {}): Topology {
  const what = options.name ?? "hwloc XML";
  const root = parseXml(xml, what);
  const version = versionOf(root);
  const machine = root.children.find((c) => c.name === "object");
  if (!machine) return xmlError("HWLOC_XML_INVALID", what, root, "no root object");
  const machineCpuset = maskAttr(machine, "cpuset", what);
  const machineOnline = maskAttr(machine, "online_cpuset", what);
  const complete = maskAttr(machine, "complete_cpuset", what) ?? machineCpuset ?? [];
  const inCpuset = machineCpuset ? new Set(machineCpuset) : null;
  const inOnline = machineOnline ? new Set(machineOnline) : null;

  const pus: PuDraft[] = [];
  const seenPu = new Set<number>();
  const numaNodes = new Map<number, { memoryBytes: number | null; subtype: string | null }>();
  let counter = 0;

  const numaInfo = (el: XmlElement) => {
    const os = intAttr(el, "os_index", what);
    if (os === null)
      xmlError("HWLOC_XML_INVALID", what, el, "NUMANode without os_index", "os_index");
    let memory = intAttr(el, "local_memory", what);
    if (memory === null) {
      // v2/v3: <memory_attr>? no; local memory is an attribute, or page_type sizes × counts.
      let sum = 0;
      let any = false;
      for (const c of el.children) {
        if (c.name === "page_type") {
          const size = intAttr(c, "size", what) ?? 0;
          const count = intAttr(c, "count", what) ?? 0;
          sum += size * count;
          any = true;
        }
      }
      memory = any ? sum : null;
    }
    const subtype =
      el.attrs.subtype ??
      el.children.find((c) => c.name === "info" && c.attrs.name === "subtype")?.attrs.value ??
      null;
    numaNodes.set(os as number, { memoryBytes: memory, subtype });
    return { os: os as number, subtype, cpuset: maskAttr(el, "cpuset", what) ?? [] };
  };

  /** Memory children (v2/v3): NUMANode objects directly or below MemCache objects. */
  const memoryChildren = (el: XmlElement): XmlElement[] => {
    const out: XmlElement[] = [];
    for (const c of el.children) {
      if (c.name !== "object") continue;
      const t = c.attrs.type;
      if (t === "NUMANode") out.push(c);
      else if (t === "MemCache") out.push(...memoryChildren(c));
    }
    return out;
  };

  const visit = (el: XmlElement, ctx: Ctx, depth: number): void => {
    if (depth > 64) xmlError("HWLOC_XML_INVALID", what, el, "object tree nested too deeply");
    const type = objectType(el, what);
    if (IO_TYPES.has(type)) return;
    const next: Ctx = { ...ctx, groups: ctx.groups };
    const id = counter++;
    switch (type) {
      case "Package":
        next.packageKey = `pkg${id}`;
        next.packageOs = intAttr(el, "os_index", what);
        break;
      case "NUMANode": {
        const info = numaInfo(el);
        // v1: NUMA nodes are in the CPU tree; v2/v3 memory children are handled by the parent.
        if (version === "v1" && info.cpuset.length > 0) next.numaOs = info.os;
        break;
      }
      case "L3Cache":
        next.l3Key = `l3-${id}`;
        next.l3Os = intAttr(el, "os_index", what);
        next.l3Size = intAttr(el, "cache_size", what);
        break;
      case "Core":
        next.coreKey = `core${id}`;
        next.coreId = intAttr(el, "os_index", what);
        break;
      case "PU": {
        const os = intAttr(el, "os_index", what);
        if (os === null) xmlError("HWLOC_XML_INVALID", what, el, "PU without os_index", "os_index");
        const cpu = os as number;
        if (seenPu.has(cpu))
          xmlError("HWLOC_XML_INVALID", what, el, `PU ${cpu} appears twice`, "os_index");
        seenPu.add(cpu);
        const usable =
          (inCpuset === null || inCpuset.has(cpu)) && (inOnline === null || inOnline.has(cpu));
        const puOnline = maskAttr(el, "online_cpuset", what);
        if (usable && (puOnline === null || puOnline.includes(cpu))) {
          pus.push({
            os: cpu,
            coreKey: ctx.coreKey ?? `pu${cpu}`,
            coreId: ctx.coreKey === null ? null : ctx.coreId,
            packageKey: ctx.packageKey,
            packageOs: ctx.packageOs,
            numaOs: ctx.numaOs,
            l3Key: ctx.l3Key,
            l3Os: ctx.l3Os,
            l3SizeBytes: ctx.l3Size,
            groupKeys: ctx.groups,
          });
        }
        return;
      }
      default:
        if (GROUP_TYPES.has(type)) next.groups = [...ctx.groups, `${type}:${id}`];
    }
    if (version !== "v1") {
      const mems = memoryChildren(el).map(numaInfo);
      // Home node: the lowest-numbered ordinary DRAM node attached here (not MCDRAM/HBM/CXL).
      const dram = mems
        .filter((m) => m.subtype === null || m.subtype === "DRAM")
        .sort((a, b) => a.os - b.os);
      if (dram[0]) next.numaOs = dram[0].os;
    }
    for (const c of el.children) {
      if (c.name !== "object") continue;
      if (version !== "v1" && (c.attrs.type === "NUMANode" || c.attrs.type === "MemCache"))
        continue;
      visit(c, next, depth + 1);
    }
  };
  visit(
    machine,
    {
      packageKey: "machine",
      packageOs: null,
      numaOs: null,
      l3Key: null,
      l3Os: null,
      l3Size: null,
      groups: [],
      coreKey: null,
      coreId: null,
    },
    0,
  );

  // Hybrid CPUs: <cpukind cpuset=... forced_efficiency=...> at the end of v2/v3 files.
  const kinds = root.children
    .filter((c) => c.name === "cpukind")
    .map((c, order) => ({
      order,
      cpus: maskAttr(c, "cpuset", what) ?? [],
      efficiency: intAttr(c, "forced_efficiency", what),
      coreType:
        c.children.find((i) => i.name === "info" && i.attrs.name === "CoreType")?.attrs.value ??
        null,
    }))
    .sort((a, b) => (a.efficiency ?? a.order) - (b.efficiency ?? b.order) || a.order - b.order);
  const kindOf = new Map<number, number>();
  kinds.forEach((k, rank) => {
    for (const c of k.cpus) kindOf.set(c, rank + 1);
  });
  const withKinds =
    kinds.length > 0 ? pus.map((p) => ({ ...p, kind: kindOf.get(p.os) ?? 0 })) : pus;

  const online = new Set(withKinds.map((p) => p.os));
  const offline = complete.filter((c) => !online.has(c));
  if (withKinds.length === 0) {
    throw new VmCorePinnerError("HWLOC_XML_INVALID", `${what}: no online PU in the topology`, {
      ...(machine.line !== undefined ? { line: machine.line } : {}),
      field: "PU",
    });
  }
  return buildTopology({
    source: `hwloc-xml ${version}`,
    pus: withKinds,
    numaNodes: [...numaNodes.entries()].map(([os, n]) => ({ os, ...n })),
    offlineCpus: offline,
    cpuKindTypes: ["unlisted", ...kinds.map((k) => k.coreType)],
  });
}
