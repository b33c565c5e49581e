/// <reference path="./internal/seek-bzip.d.ts" />
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Bunzip from "seek-bzip";
import { parseCpuList, parseCpuMask } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { readTar } from "./internal/tar";
import { buildTopology, type PuDraft, type Topology } from "./topology";

/**
 * The files of a Linux sysfs tree, by path relative to the root that holds `sys/` (e.g.
 * `sys/devices/system/cpu/cpu0/topology/core_id`), with their text contents.
 */
export type SysfsFiles = ReadonlyMap<string, string>;

const CPU_DIR = "sys/devices/system/cpu";
const NODE_DIR = "sys/devices/system/node";

function sizeToBytes(v: string): number | null {
  const m = /^(\d+)\s*([KMG]?)/i.exec(v.trim());
  if (!m) return null;
  const mult: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
  return Number(m[1]) * (mult[(m[2] ?? "").toUpperCase()] ?? 1);
}

/**
 * Build a topology from the files of a Linux sysfs tree (as collected by `hwloc-gather-topology`
 * or read from a live `/sys`).
 *
 * Cores are identified by their thread-sibling set (`core_cpus_list`, `thread_siblings_list`, or
 * the older hex `thread_siblings` mask), never by `core_id`, which repeats across packages.
 * Packages come from `physical_package_id`, dies (when a package has several) become groups,
 * L3 caches from `cache/index*` with `level` 3, NUMA nodes from `node*` (`cpulist` or `cpumap`;
 * nodes without CPUs are CPU-less), offline CPUs from `offline` (or `present` minus `online`).
 * Hybrid CPUs are ranked from `/sys/devices/cpu_atom|cpu_core/cpus`, or else by
 * `cpufreq/base_frequency`.
 *
 * @throws {@link VmCorePinnerError} `SYSFS_INVALID` naming the file (field) at fault.
 * @example
 * ```ts
 * const files = new Map([
 *   ["sys/devices/system/cpu/online", "0-1\n"],
 *   ["sys/devices/system/cpu/cpu0/topology/physical_package_id", "0"],
 *   ["sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0-1"],
 *   ["sys/devices/system/cpu/cpu1/topology/physical_package_id", "0"],
 *   ["sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "0-1"],
 * ]);
 * parseSysfsTree(files).cores[0]?.pus; // [0, 1]
 * ```
 */
export function parseSysfsTree(
  files: SysfsFiles,
  options: { readonly name?: string } = {},
): Topology {
  const what = options.name ?? "sysfs";
  const read = (p: string): string | undefined => {
    const v = files.get(p);
    return v === undefined ? undefined : v.replace(/\n$/, "");
  };
  // A CPU list or mask file parsed, its parse error made a SYSFS_INVALID naming the file.
  const readCpus =
    (parse: (text: string) => number[]) =>
    (p: string): number[] | undefined => {
      const v = read(p);
      if (v === undefined) return undefined;
      try {
        return parse(v.trim());
      } catch (e) {
        throw new VmCorePinnerError(
          "SYSFS_INVALID",
          `${what}: ${p}: ${(e as Error).message}`,
          { field: p },
          { cause: e },
        );
      }
    };
  const readList = readCpus(parseCpuList);
  const readMask = readCpus(parseCpuMask);
  const readInt = (p: string): number | undefined => {
    const v = read(p);
    if (v === undefined) return undefined;
    const t = v.trim();
    if (!/^-?\d+$/.test(t))
      throw new VmCorePinnerError(
        "SYSFS_INVALID",
        `${what}: ${p}: not a number: ${JSON.stringify(t)}`,
        { field: p },
      );
    return Number(t);
  };

  // CPU directories present in the tree.
  const cpuDirs = new Set<number>();
  const nodeDirs = new Set<number>();
  for (const path of files.keys()) {
    const m = /^sys\/devices\/system\/cpu\/cpu(\d+)\//.exec(path);
    if (m) cpuDirs.add(Number(m[1]));
    const n = /^sys\/devices\/system\/node\/node(\d+)\//.exec(path);
    if (n) nodeDirs.add(Number(n[1]));
  }
  if (cpuDirs.size === 0)
    throw new VmCorePinnerError("SYSFS_INVALID", `${what}: no ${CPU_DIR}/cpuN directory`, {
      field: CPU_DIR,
    });

  let online = readList(`${CPU_DIR}/online`);
  if (online === undefined) {
    online = [...cpuDirs].filter((c) => {
      const v = read(`${CPU_DIR}/cpu${c}/online`);
      return v === undefined
        ? files.has(`${CPU_DIR}/cpu${c}/topology/physical_package_id`) || c === 0
        : v.trim() === "1";
    });
  }
  online = online.filter((c) => cpuDirs.has(c)).sort((a, b) => a - b);
  const onlineSet = new Set(online);
  let offline = readList(`${CPU_DIR}/offline`);
  if (offline === undefined) {
    const present = readList(`${CPU_DIR}/present`) ?? [...cpuDirs];
    offline = present.filter((c) => !onlineSet.has(c));
  }

  // NUMA: home node of each CPU.
  const numaOf = new Map<number, number>();
  const numaNodes: { os: number; memoryBytes: number | null }[] = [];
  for (const node of [...nodeDirs].sort((a, b) => a - b)) {
    const cpus =
      readList(`${NODE_DIR}/node${node}/cpulist`) ??
      readMask(`${NODE_DIR}/node${node}/cpumap`) ??
      [];
    for (const c of cpus) if (!numaOf.has(c)) numaOf.set(c, node);
    const meminfo = read(`${NODE_DIR}/node${node}/meminfo`);
    const mt = meminfo ? /MemTotal:\s+(\d+)\s*kB/.exec(meminfo) : null;
    numaNodes.push({ os: node, memoryBytes: mt ? Number(mt[1]) * 1024 : null });
  }

  // Hybrid kinds.
  const atom = readList("sys/devices/cpu_atom/cpus");
  const coreP = readList("sys/devices/cpu_core/cpus");
  const kindOf = new Map<number, number>();
  let kindTypes: (string | null)[] | undefined;
  if (atom && coreP) {
    for (const c of atom) kindOf.set(c, 0);
    for (const c of coreP) kindOf.set(c, 1);
    kindTypes = ["IntelAtom", "IntelCore"];
  } else {
    const freqs = new Map<number, number>();
    // cpuN/cpufreq is a link to ../cpufreq/policyM in sysfs (and in hwloc's tarballs).
    for (const path of files.keys()) {
      const m = /^sys\/devices\/system\/cpu\/cpufreq\/policy(\d+)\/base_frequency$/.exec(path);
      if (!m) continue;
      const f = readInt(path) as number;
      const policy = `${CPU_DIR}/cpufreq/policy${m[1]}`;
      const related = readList(`${policy}/related_cpus`) ??
        readList(`${policy}/affected_cpus`) ?? [Number(m[1])];
      for (const c of related) freqs.set(c, f);
    }
    for (const c of online) {
      const f = readInt(`${CPU_DIR}/cpu${c}/cpufreq/base_frequency`);
      if (f !== undefined) freqs.set(c, f);
    }
    const distinct = [...new Set(freqs.values())].sort((a, b) => a - b);
    if (distinct.length > 1 && freqs.size === online.length) {
      for (const [c, f] of freqs) kindOf.set(c, distinct.indexOf(f));
    }
  }

  const pus: PuDraft[] = [];
  const diesPerPackage = new Map<number, Set<number>>();
  for (const c of online) {
    const pkg = readInt(`${CPU_DIR}/cpu${c}/topology/physical_package_id`);
    const die = readInt(`${CPU_DIR}/cpu${c}/topology/die_id`);
    if (pkg !== undefined && die !== undefined) {
      let s = diesPerPackage.get(pkg);
      if (!s) {
        s = new Set();
        diesPerPackage.set(pkg, s);
      }
      s.add(die);
    }
  }
  for (const c of online) {
    const base = `${CPU_DIR}/cpu${c}`;
    const pkg = readInt(`${base}/topology/physical_package_id`);
    const die = readInt(`${base}/topology/die_id`);
    const coreId = readInt(`${base}/topology/core_id`);
    const siblings = readList(`${base}/topology/core_cpus_list`) ??
      readList(`${base}/topology/thread_siblings_list`) ??
      readMask(`${base}/topology/thread_siblings`) ?? [c];
    if (!siblings.includes(c)) {
      throw new VmCorePinnerError(
        "SYSFS_INVALID",
        `${what}: cpu${c} is not among its own thread siblings`,
        {
          field: `${base}/topology/thread_siblings_list`,
        },
      );
    }
    const sib = siblings.filter((s) => onlineSet.has(s));
    // L3: the cache index whose level is 3 (unified or data).
    let l3Key: string | null = null;
    let l3Os: number | null = null;
    let l3Size: number | null = null;
    for (let idx = 0; idx < 8; idx++) {
      const level = readInt(`${base}/cache/index${idx}/level`);
      if (level === undefined) continue;
      if (level !== 3) continue;
      const type = read(`${base}/cache/index${idx}/type`)?.trim();
      if (type === "Instruction") continue;
      const shared = readList(`${base}/cache/index${idx}/shared_cpu_list`) ??
        readMask(`${base}/cache/index${idx}/shared_cpu_map`) ?? [c];
      const id = readInt(`${base}/cache/index${idx}/id`);
      l3Os = id ?? null;
      l3Key = `l3:${shared.join(",")}`;
      const size = read(`${base}/cache/index${idx}/size`);
      l3Size = size === undefined ? null : sizeToBytes(size);
      break;
    }
    const pkgKey = pkg === undefined || pkg < 0 ? "machine" : `pkg${pkg}`;
    const groupKeys =
      pkg !== undefined && die !== undefined && (diesPerPackage.get(pkg)?.size ?? 0) > 1
        ? [`Die:${pkg}.${die}`]
        : [];
    pus.push({
      os: c,
      // Thread siblings with different core_ids are separate cores (AMD family 15h reports its
      // compute units as siblings; hwloc splits them the same way).
      coreKey: `core:${sib.join(",")}:${coreId ?? ""}`,
      coreId: coreId ?? null,
      packageKey: pkgKey,
      packageOs: pkg === undefined || pkg < 0 ? null : pkg,
      numaOs: numaOf.get(c) ?? (nodeDirs.size === 0 ? 0 : null),
      l3Key,
      l3Os,
      l3SizeBytes: l3Size,
      groupKeys,
      ...(kindOf.size > 0 ? { kind: kindOf.get(c) ?? 0 } : {}),
    });
  }
  if (nodeDirs.size === 0) numaNodes.push({ os: 0, memoryBytes: null });
  return buildTopology({
    source: "sysfs",
    pus,
    numaNodes,
    offlineCpus: offline,
    ...(kindTypes ? { cpuKindTypes: kindTypes } : {}),
  });
}

/** Keep only what the topology reader needs, and strip the archive's leading directory. */
function filesUnderRoot(entries: Iterable<[string, string]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, text] of entries) {
    const k = path.indexOf("sys/devices/");
    if (k < 0) continue;
    if (k > 0 && path[k - 1] !== "/") continue;
    out.set(path.slice(k), text);
  }
  return out;
}

/**
 * Read a sysfs tree from a directory holding `sys/` (a live machine: `/`; an extracted
 * `hwloc-gather-topology` tarball: its top directory), or from a sysfs mount itself (`/sys`, a
 * directory holding `devices/system/cpu`), and build its topology.
 *
 * @example
 * ```ts
 * const t = loadSysfsDirectory("/"); // this machine
 * const same = loadSysfsDirectory("/sys"); // the same CPUs
 * ```
 */
export function loadSysfsDirectory(root: string): Topology {
  const files = new Map<string, string>();
  // A sysfs mount given directly: its paths are the tree's minus the leading "sys/".
  const isDir = (p: string) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const mount = !isDir(join(root, CPU_DIR)) && isDir(join(root, "devices/system/cpu"));
  const onDisk = (rel: string) => join(root, mount ? rel.replace(/^sys\//, "") : rel);
  const add = (rel: string) => {
    try {
      const full = onDisk(rel);
      if (statSync(full).isFile()) files.set(rel, readFileSync(full, "utf8"));
    } catch {
      // absent or unreadable attribute: the reader falls back to what else is there
    }
  };
  const list = (rel: string): string[] => {
    try {
      return readdirSync(onDisk(rel));
    } catch {
      return [];
    }
  };
  for (const f of ["online", "offline", "present", "possible"]) add(`${CPU_DIR}/${f}`);
  for (const cpu of list(CPU_DIR).filter((n) => /^cpu\d+$/.test(n))) {
    const base = `${CPU_DIR}/${cpu}`;
    add(`${base}/online`);
    add(`${base}/cpufreq/base_frequency`);
    for (const f of list(`${base}/topology`)) add(`${base}/topology/${f}`);
    for (const idx of list(`${base}/cache`).filter((n) => /^index\d+$/.test(n))) {
      for (const f of ["level", "type", "shared_cpu_list", "shared_cpu_map", "id", "size"])
        add(`${base}/cache/${idx}/${f}`);
    }
  }
  for (const node of list(NODE_DIR).filter((n) => /^node\d+$/.test(n))) {
    for (const f of ["cpulist", "cpumap", "meminfo"]) add(`${NODE_DIR}/${node}/${f}`);
  }
  for (const policy of list(`${CPU_DIR}/cpufreq`).filter((n) => /^policy\d+$/.test(n))) {
    for (const f of ["base_frequency", "related_cpus"]) add(`${CPU_DIR}/cpufreq/${policy}/${f}`);
  }
  add("sys/devices/cpu_atom/cpus");
  add("sys/devices/cpu_core/cpus");
  return parseSysfsTree(files, { name: root });
}

/**
 * Read hwloc's sysfs test tarballs (`hwloc-gather-topology` output, `.tar.bz2`, `.tar.gz` or
 * plain `.tar`) and build the topology they describe.
 *
 * @throws {@link VmCorePinnerError} `TAR_INVALID`, `SYSFS_INVALID`.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const t = loadSysfsTarball(readFileSync("16em64t-4s2c2t.tar.bz2"));
 * ```
 */
export function loadSysfsTarball(
  data: Uint8Array,
  options: { readonly name?: string } = {},
): Topology {
  const what = options.name ?? "sysfs tarball";
  let tar: Uint8Array;
  try {
    if (data[0] === 0x42 && data[1] === 0x5a && data[2] === 0x68) tar = Bunzip.decode(data);
    else if (data[0] === 0x1f && data[1] === 0x8b) tar = gunzipSync(data);
    else tar = data;
  } catch (e) {
    throw new VmCorePinnerError(
      "TAR_INVALID",
      `${what}: cannot decompress: ${(e as Error).message}`,
      { offset: 0 },
      { cause: e },
    );
  }
  const dec = new TextDecoder("utf-8");
  const members = readTar(tar, what);
  const entries: [string, string][] = [];
  for (const [p, body] of members)
    if (p.includes("sys/devices/")) entries.push([p, dec.decode(body)]);
  return parseSysfsTree(filesUnderRoot(entries), { name: what });
}

/**
 * Parse a text dump of sysfs attributes, one `path: value` per line (as produced by
 * `grep -r . /sys/devices/system/cpu/*​/topology …` or `for f in …; do echo "$f: $(cat $f)"; done`),
 * and build the topology.
 *
 * @example
 * ```ts
 * const t = parseSysfsDump("/sys/devices/system/cpu/online: 0\n/sys/devices/system/cpu/cpu0/topology/physical_package_id: 0\n");
 * t.cpus; // [0]
 * ```
 */
export function parseSysfsDump(text: string, options: { readonly name?: string } = {}): Topology {
  const entries: [string, string][] = [];
  for (const line of text.split("\n")) {
    const m = /^\/?(sys\/[^:]+):\s?(.*)$/.exec(line);
    if (m) entries.push([m[1] as string, m[2] as string]);
  }
  return parseSysfsTree(filesUnderRoot(entries), { name: options.name ?? "sysfs dump" });
}
