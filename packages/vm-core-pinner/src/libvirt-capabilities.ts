import { parseCpuList } from "./cpu-list";
import { parseXml, type XmlElement, xmlError } from "./internal/xml";
import { buildTopology, type PuDraft, type Topology } from "./topology";

/**
 * Load a topology from libvirt host capabilities XML (`virsh capabilities`):
 * `<host><topology><cells><cell id>` with `<cpu id socket_id die_id core_id siblings>` and
 * `<memory unit='KiB'>`; L3 banks from `<host><cache><bank level='3' cpus=…>`.
 *
 * Cores are keyed by their `siblings` set (falling back to socket/die/core ids), never by `core_id`
 * alone. Cells without CPUs are CPU-less NUMA nodes. CPUs listed without `socket_id` (offline in
 * libvirt's view) are reported offline.
 *
 * @throws {@link VmCorePinnerError} `XML_MALFORMED`, `LIBVIRT_XML_INVALID` with line and element.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const t = parseLibvirtCapabilities(readFileSync("host-capabilities-sample-2s8c2t.xml", "utf8"));
 * t.numaNodes.length; // 2
 * ```
 */
export function parseLibvirtCapabilities(
  xml: string,
  options: { readonly name?: string } = {},
): Topology {
  const what = options.name ?? "libvirt capabilities";
  const root = parseXml(xml, what);
  if (root.name !== "capabilities")
    xmlError("LIBVIRT_XML_INVALID", what, root, "root element must be <capabilities>");
  const host = root.children.find((c) => c.name === "host");
  if (!host) return xmlError("LIBVIRT_XML_INVALID", what, root, "no <host> element");
  const topo = host.children.find((c) => c.name === "topology");
  const cells = topo?.children.find((c) => c.name === "cells");
  if (!cells)
    return xmlError("LIBVIRT_XML_INVALID", what, topo ?? host, "no <topology><cells> element");

  const int = (el: XmlElement, attr: string): number | null => {
    const v = el.attrs[attr];
    if (v === undefined) return null;
    if (!/^\d+$/.test(v))
      xmlError(
        "LIBVIRT_XML_INVALID",
        what,
        el,
        `${attr}=${JSON.stringify(v)} is not a number`,
        attr,
      );
    return Number(v);
  };
  const list = (el: XmlElement, attr: string): number[] | null => {
    const v = el.attrs[attr];
    if (v === undefined) return null;
    try {
      return parseCpuList(v);
    } catch (e) {
      return xmlError("LIBVIRT_XML_INVALID", what, el, `${attr}: ${(e as Error).message}`, attr);
    }
  };

  // L3 banks: cpu → bank id.
  const l3Of = new Map<number, { key: string; id: number | null; size: number | null }>();
  const cache = host.children.find((c) => c.name === "cache");
  for (const bank of cache?.children.filter((c) => c.name === "bank") ?? []) {
    if (bank.attrs.level !== "3") continue;
    const cpus = list(bank, "cpus") ?? [];
    const size = int(bank, "size");
    const unit = bank.attrs.unit ?? "B";
    const mult: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
    const id = int(bank, "id");
    for (const c of cpus) {
      l3Of.set(c, {
        key: `l3:${id ?? cpus.join(",")}`,
        id,
        size: size === null ? null : size * (mult[unit] ?? 1),
      });
    }
  }

  const pus: PuDraft[] = [];
  const offline: number[] = [];
  const numaNodes: { os: number; memoryBytes: number | null }[] = [];
  for (const cell of cells.children.filter((c) => c.name === "cell")) {
    const id = int(cell, "id");
    if (id === null) xmlError("LIBVIRT_XML_INVALID", what, cell, "cell without id", "id");
    const mem = cell.children.find((c) => c.name === "memory");
    let memoryBytes: number | null = null;
    if (mem && /^\d+$/.test(mem.text)) {
      const unit = mem.attrs.unit ?? "KiB";
      const mult: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
      memoryBytes = Number(mem.text) * (mult[unit] ?? 1024);
    }
    numaNodes.push({ os: id as number, memoryBytes });
    const cpus = cell.children.find((c) => c.name === "cpus");
    for (const cpu of cpus?.children.filter((c) => c.name === "cpu") ?? []) {
      const os = int(cpu, "id");
      if (os === null) xmlError("LIBVIRT_XML_INVALID", what, cpu, "cpu without id", "id");
      const socket = int(cpu, "socket_id");
      if (socket === null) {
        offline.push(os as number);
        continue;
      }
      const die = int(cpu, "die_id") ?? 0;
      const coreId = int(cpu, "core_id");
      const siblings = list(cpu, "siblings");
      if (siblings && !siblings.includes(os as number)) {
        xmlError(
          "LIBVIRT_XML_INVALID",
          what,
          cpu,
          `cpu ${os} is not among its siblings`,
          "siblings",
        );
      }
      const l3 = l3Of.get(os as number);
      pus.push({
        os: os as number,
        coreKey: siblings ? `sib:${siblings.join(",")}` : `s${socket}.d${die}.c${coreId ?? os}`,
        coreId,
        packageKey: `pkg${socket}`,
        packageOs: socket,
        numaOs: id,
        l3Key: l3?.key ?? null,
        l3Os: l3?.id ?? null,
        l3SizeBytes: l3?.size ?? null,
        groupKeys: [],
      });
    }
  }
  // Siblings may name CPUs that are offline: keep core keys to the online ones.
  const online = new Set(pus.map((p) => p.os));
  const fixed = pus.map((p) =>
    p.coreKey.startsWith("sib:")
      ? {
          ...p,
          coreKey: `sib:${p.coreKey
            .slice(4)
            .split(",")
            .filter((c) => online.has(Number(c)))
            .join(",")}`,
        }
      : p,
  );
  return buildTopology({
    source: "libvirt capabilities",
    pus: fixed,
    numaNodes,
    offlineCpus: offline,
  });
}
