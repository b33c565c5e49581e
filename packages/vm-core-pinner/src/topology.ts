import { formatCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";

/** A processor package (socket). */
export interface Package {
  /** Dense index in {@link Topology.packages}. */
  readonly index: number;
  /** OS index (`physical_package_id`, hwloc `os_index`), when the source gives one. */
  readonly osIndex: number | null;
  /** Online CPUs (PU OS indexes) of the package, ascending. */
  readonly cpus: readonly number[];
}

/** A NUMA node. CPU-less nodes (memory only: CXL, MCDRAM, distant memory) have no `cpus`. */
export interface NumaNode {
  /** Dense index in {@link Topology.numaNodes}. */
  readonly index: number;
  /** OS index (`/sys/devices/system/node/nodeN`). */
  readonly osIndex: number;
  /** Online CPUs whose home node this is, ascending (empty for a CPU-less node). */
  readonly cpus: readonly number[];
  /** Local memory in bytes, when known. */
  readonly memoryBytes: number | null;
  /** Memory kind as hwloc names it (`MCDRAM`, `DRAM`, `CXL-DRAM`, …), when known. */
  readonly subtype: string | null;
}

/** A last-level (L3, "uncore") cache shared by a set of cores. */
export interface L3Cache {
  /** Dense index in {@link Topology.l3Caches}. */
  readonly index: number;
  /** Cache id (sysfs `cache/index3/id`, hwloc `os_index`), when known. */
  readonly osIndex: number | null;
  /** Size in bytes, when known. */
  readonly sizeBytes: number | null;
  /** Online CPUs sharing the cache, ascending. */
  readonly cpus: readonly number[];
}

/** An hwloc Group (Cluster-on-Die half, sub-NUMA cluster, die, irregular group). */
export interface CpuGroup {
  /** Dense index in {@link Topology.groups}. */
  readonly index: number;
  /** Kind as the source names it (`Group`, `Die`, `Cluster`). */
  readonly kind: string;
  /** Online CPUs of the group, ascending. */
  readonly cpus: readonly number[];
}

/** A CPU kind of a hybrid processor (hwloc `cpukind`): ranked by efficiency, 0 = least. */
export interface CpuKind {
  /** Rank: 0 is the least efficient / slowest kind (Atom/E-cores). */
  readonly index: number;
  /** Core type as reported (`IntelAtom`, `IntelCore`), when known. */
  readonly coreType: string | null;
  /** CPUs of this kind, ascending. */
  readonly cpus: readonly number[];
}

/**
 * A physical core. Cores are identified by `index`, unique in the machine; `coreId` is only the
 * OS's `core_id`, which repeats across packages (and even within one package on some machines),
 * so it is kept for display and never used as a key.
 */
export interface Core {
  /** Dense, machine-unique index in {@link Topology.cores}. */
  readonly index: number;
  /** OS `core_id` / hwloc Core `os_index` (not unique), when known. */
  readonly coreId: number | null;
  /** Hardware threads (PU OS indexes) of the core, ascending: SMT siblings. */
  readonly pus: readonly number[];
  /** Index of the package. */
  readonly package: number;
  /** Index of the home NUMA node, or -1 when the source has no NUMA information. */
  readonly numaNode: number;
  /** Index of the L3 cache, or -1 when the source describes none. */
  readonly l3: number;
  /** Indexes of enclosing groups, outermost first. */
  readonly groups: readonly number[];
  /** CPU kind rank (0 on homogeneous machines). */
  readonly kind: number;
}

/**
 * A machine's CPU topology: machine → packages → NUMA nodes → L3 caches → cores → PUs.
 * Real machines do not always nest these levels (a NUMA node may hold several packages, a package
 * several NUMA nodes, an L3 may span a NUMA node), so each core points to its package, NUMA node,
 * L3 and groups; {@link topologyTree} gives the nested view.
 */
export interface Topology {
  /** Where the topology came from (`hwloc-xml v2`, `sysfs`, `synthetic …`, `libvirt`). */
  readonly source: string;
  readonly packages: readonly Package[];
  readonly numaNodes: readonly NumaNode[];
  readonly l3Caches: readonly L3Cache[];
  readonly groups: readonly CpuGroup[];
  readonly cpuKinds: readonly CpuKind[];
  /** Cores, ordered by their lowest PU OS index. */
  readonly cores: readonly Core[];
  /** Online CPUs (PU OS indexes), ascending. */
  readonly cpus: readonly number[];
  /** CPUs present in the machine but offline (no placement known), ascending. */
  readonly offlineCpus: readonly number[];
}

/** One online CPU of a {@link TopologyDraft}, with the identities of what contains it. */
export interface PuDraft {
  /** OS index of the PU (Linux CPU number). */
  readonly os: number;
  /** Unique identity of the core within the draft (never the bare `core_id`). */
  readonly coreKey: string;
  readonly coreId?: number | null;
  /** Unique identity of the package. */
  readonly packageKey: string;
  readonly packageOs?: number | null;
  /** OS index of the home NUMA node. */
  readonly numaOs?: number | null;
  /** Unique identity of the L3 cache. */
  readonly l3Key?: string | null;
  readonly l3Os?: number | null;
  readonly l3SizeBytes?: number | null;
  /** Identities of enclosing groups, outermost first, each `kind:key`. */
  readonly groupKeys?: readonly string[];
  /** CPU kind rank. */
  readonly kind?: number;
}

/** Input of {@link buildTopology}: what a loader found. */
export interface TopologyDraft {
  readonly source: string;
  readonly pus: readonly PuDraft[];
  /** All NUMA nodes, including CPU-less ones. */
  readonly numaNodes?: readonly {
    readonly os: number;
    readonly memoryBytes?: number | null;
    readonly subtype?: string | null;
  }[];
  readonly offlineCpus?: readonly number[];
  readonly cpuKindTypes?: readonly (string | null)[];
}

function minOf(xs: readonly number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/**
 * Build and validate a {@link Topology} from a loader's draft.
 *
 * @throws {@link VmCorePinnerError} `TOPOLOGY_INVALID` when a CPU is listed twice, a core spans
 *   packages or NUMA nodes, a CPU is both online and offline, or there is no CPU.
 * @example
 * ```ts
 * const t = buildTopology({
 *   source: "hand-made",
 *   pus: [
 *     { os: 0, coreKey: "c0", packageKey: "p0", numaOs: 0 },
 *     { os: 1, coreKey: "c0", packageKey: "p0", numaOs: 0 },
 *   ],
 * });
 * t.cores[0]?.pus; // [0, 1]
 * ```
 */
export function buildTopology(draft: TopologyDraft): Topology {
  const bad = (msg: string, field?: string): never => {
    throw new VmCorePinnerError(
      "TOPOLOGY_INVALID",
      `${draft.source}: ${msg}`,
      field ? { field } : {},
    );
  };
  if (draft.pus.length === 0) bad("no online CPU");
  const seen = new Set<number>();
  for (const p of draft.pus) {
    if (!Number.isSafeInteger(p.os) || p.os < 0) bad(`invalid CPU number ${p.os}`, "os");
    if (seen.has(p.os)) bad(`CPU ${p.os} listed twice`, "os");
    seen.add(p.os);
  }
  const offline = [...new Set(draft.offlineCpus ?? [])].sort((a, b) => a - b);
  for (const c of offline) if (seen.has(c)) bad(`CPU ${c} is both online and offline`, "offline");

  const pus = [...draft.pus].sort((a, b) => a.os - b.os);
  const group = <K>(key: (p: PuDraft) => K | null | undefined) => {
    const m = new Map<K, PuDraft[]>();
    for (const p of pus) {
      const k = key(p);
      if (k === null || k === undefined) continue;
      let arr = m.get(k);
      if (!arr) {
        arr = [];
        m.set(k, arr);
      }
      arr.push(p);
    }
    return m;
  };

  // Packages, ordered by OS index then lowest CPU.
  const pkgGroups = [...group((p) => p.packageKey).entries()].sort((a, b) => {
    const ao = a[1][0]?.packageOs ?? null;
    const bo = b[1][0]?.packageOs ?? null;
    if (ao !== null && bo !== null && ao !== bo) return ao - bo;
    return minOf(a[1].map((p) => p.os)) - minOf(b[1].map((p) => p.os));
  });
  const pkgIndex = new Map<string, number>();
  const packages: Package[] = pkgGroups.map(([key, ps], index) => {
    pkgIndex.set(key, index);
    return { index, osIndex: ps[0]?.packageOs ?? null, cpus: ps.map((p) => p.os) };
  });

  // NUMA nodes: all declared plus all referenced.
  const numaInfo = new Map<number, { memoryBytes: number | null; subtype: string | null }>();
  for (const n of draft.numaNodes ?? []) {
    numaInfo.set(n.os, { memoryBytes: n.memoryBytes ?? null, subtype: n.subtype ?? null });
  }
  const numaCpus = group((p) => p.numaOs);
  for (const os of numaCpus.keys())
    if (!numaInfo.has(os)) numaInfo.set(os, { memoryBytes: null, subtype: null });
  const numaOrder = [...numaInfo.keys()].sort((a, b) => a - b);
  const numaIndex = new Map<number, number>();
  const numaNodes: NumaNode[] = numaOrder.map((os, index) => {
    numaIndex.set(os, index);
    const info = numaInfo.get(os) as { memoryBytes: number | null; subtype: string | null };
    return {
      index,
      osIndex: os,
      cpus: (numaCpus.get(os) ?? []).map((p) => p.os),
      memoryBytes: info.memoryBytes,
      subtype: info.subtype,
    };
  });

  const l3Groups = [...group((p) => p.l3Key).entries()].sort(
    (a, b) => minOf(a[1].map((p) => p.os)) - minOf(b[1].map((p) => p.os)),
  );
  const l3Index = new Map<string, number>();
  const l3Caches: L3Cache[] = l3Groups.map(([key, ps], index) => {
    l3Index.set(key, index);
    return {
      index,
      osIndex: ps[0]?.l3Os ?? null,
      sizeBytes: ps[0]?.l3SizeBytes ?? null,
      cpus: ps.map((p) => p.os),
    };
  });

  const groupMembers = new Map<string, PuDraft[]>();
  for (const p of pus) {
    for (const g of p.groupKeys ?? []) {
      let arr = groupMembers.get(g);
      if (!arr) {
        arr = [];
        groupMembers.set(g, arr);
      }
      arr.push(p);
    }
  }
  const groupEntries = [...groupMembers.entries()].sort((a, b) => {
    const d = minOf(a[1].map((p) => p.os)) - minOf(b[1].map((p) => p.os));
    return d !== 0 ? d : b[1].length - a[1].length;
  });
  const groupIndex = new Map<string, number>();
  const groups: CpuGroup[] = groupEntries.map(([key, ps], index) => {
    groupIndex.set(key, index);
    const colon = key.indexOf(":");
    return { index, kind: colon > 0 ? key.slice(0, colon) : "Group", cpus: ps.map((p) => p.os) };
  });

  const coreGroups = [...group((p) => p.coreKey).entries()].sort(
    (a, b) => minOf(a[1].map((p) => p.os)) - minOf(b[1].map((p) => p.os)),
  );
  const cores: Core[] = coreGroups.map(([key, ps], index) => {
    const first = ps[0] as PuDraft;
    for (const p of ps) {
      if (p.packageKey !== first.packageKey) bad(`core ${key} spans two packages`, "package");
      if ((p.numaOs ?? null) !== (first.numaOs ?? null))
        bad(`core ${key} spans two NUMA nodes`, "numa");
      if ((p.l3Key ?? null) !== (first.l3Key ?? null)) bad(`core ${key} spans two L3 caches`, "l3");
    }
    return {
      index,
      coreId: first.coreId ?? null,
      pus: ps.map((p) => p.os),
      package: pkgIndex.get(first.packageKey) as number,
      numaNode:
        first.numaOs === null || first.numaOs === undefined
          ? -1
          : (numaIndex.get(first.numaOs) as number),
      l3:
        first.l3Key === null || first.l3Key === undefined
          ? -1
          : (l3Index.get(first.l3Key) as number),
      groups: (first.groupKeys ?? []).map((g) => groupIndex.get(g) as number),
      kind: first.kind ?? 0,
    };
  });

  const kindRanks = [...new Set(pus.map((p) => p.kind ?? 0))].sort((a, b) => a - b);
  const cpuKinds: CpuKind[] =
    kindRanks.length <= 1
      ? []
      : kindRanks.map((rank, index) => ({
          index,
          coreType: draft.cpuKindTypes?.[rank] ?? null,
          cpus: pus.filter((p) => (p.kind ?? 0) === rank).map((p) => p.os),
        }));
  if (cpuKinds.length > 0) {
    // Re-rank densely so that core.kind indexes cpuKinds.
    const dense = new Map(kindRanks.map((r, i) => [r, i]));
    for (let i = 0; i < cores.length; i++) {
      const c = cores[i] as Core;
      cores[i] = { ...c, kind: dense.get(c.kind) ?? 0 };
    }
  } else {
    for (let i = 0; i < cores.length; i++) {
      const c = cores[i] as Core;
      if (c.kind !== 0) cores[i] = { ...c, kind: 0 };
    }
  }

  return {
    source: draft.source,
    packages,
    numaNodes,
    l3Caches,
    groups,
    cpuKinds,
    cores,
    cpus: pus.map((p) => p.os),
    offlineCpus: offline,
  };
}

/**
 * The core holding CPU `cpu`, or `undefined` when the CPU is not online in `t`.
 *
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:1 core:2 pu:2");
 * coreOfCpu(t, 3)?.pus; // [2, 3]
 * ```
 */
export function coreOfCpu(t: Topology, cpu: number): Core | undefined {
  for (const c of t.cores) if (c.pus.includes(cpu)) return c;
  return undefined;
}

/**
 * The largest number of hardware threads of any core (2 on most SMT machines, 1 without SMT,
 * 4 or 8 on POWER/KNL).
 *
 * @example
 * ```ts
 * maxThreadsPerCore(parseHwlocSynthetic("pack:1 core:2 pu:2")); // 2
 * ```
 */
export function maxThreadsPerCore(t: Topology): number {
  let m = 0;
  for (const c of t.cores) if (c.pus.length > m) m = c.pus.length;
  return m;
}

/** A node of the nested view returned by {@link topologyTree}. */
export interface TopologyTreeNode {
  readonly type: "Machine" | "Package" | "NUMANode" | "L3Cache" | "Core" | "PU";
  /** OS index (Package, NUMANode, PU), core_id (Core), or cache id (L3Cache), when known. */
  readonly osIndex: number | null;
  /** Dense index in the corresponding {@link Topology} list (PU: its OS index). */
  readonly index: number;
  /** Online CPUs below this node, ascending. */
  readonly cpus: readonly number[];
  readonly children: readonly TopologyTreeNode[];
}

/**
 * The nested view machine → packages → NUMA nodes → L3 caches → cores → PUs. Where the hardware
 * nests the other way (a NUMA node holding several packages), the NUMA node appears under each
 * package with the cores it shares with it; levels the source does not describe are skipped.
 *
 * @example
 * ```ts
 * const tree = topologyTree(parseHwlocSynthetic("pack:2 numa:1 l3:1 core:2 pu:2"));
 * tree.children.length; // 2 packages
 * ```
 */
export function topologyTree(t: Topology): TopologyTreeNode {
  const cpusOf = (cores: readonly Core[]) => cores.flatMap((c) => c.pus).sort((a, b) => a - b);
  const coreNode = (c: Core): TopologyTreeNode => ({
    type: "Core",
    osIndex: c.coreId,
    index: c.index,
    cpus: c.pus,
    children: c.pus.map((p) => ({ type: "PU", osIndex: p, index: p, cpus: [p], children: [] })),
  });
  const byL3 = (cores: readonly Core[]): TopologyTreeNode[] => {
    const out: TopologyTreeNode[] = [];
    const l3s = [...new Set(cores.map((c) => c.l3))].sort((a, b) => a - b);
    for (const l of l3s) {
      const cs = cores.filter((c) => c.l3 === l);
      if (l < 0) out.push(...cs.map(coreNode));
      else {
        const cache = t.l3Caches[l] as L3Cache;
        out.push({
          type: "L3Cache",
          osIndex: cache.osIndex,
          index: l,
          cpus: cpusOf(cs),
          children: cs.map(coreNode),
        });
      }
    }
    return out;
  };
  const packages = t.packages.map((pkg): TopologyTreeNode => {
    const cores = t.cores.filter((c) => c.package === pkg.index);
    const numas = [...new Set(cores.map((c) => c.numaNode))].sort((a, b) => a - b);
    const children: TopologyTreeNode[] = [];
    for (const n of numas) {
      const cs = cores.filter((c) => c.numaNode === n);
      if (n < 0) children.push(...byL3(cs));
      else {
        const node = t.numaNodes[n] as NumaNode;
        children.push({
          type: "NUMANode",
          osIndex: node.osIndex,
          index: n,
          cpus: cpusOf(cs),
          children: byL3(cs),
        });
      }
    }
    return { type: "Package", osIndex: pkg.osIndex, index: pkg.index, cpus: pkg.cpus, children };
  });
  return { type: "Machine", osIndex: 0, index: 0, cpus: t.cpus, children: packages };
}

/**
 * A one-paragraph summary, in lstopo's words (`2 Package, 4 NUMANode, 8 L3Cache, 32 Core, 64 PU`).
 *
 * @example
 * ```ts
 * describeTopology(parseHwlocSynthetic("pack:2 core:2 pu:2"));
 * // "synthetic pack:2 core:2 pu:2: 2 Package, 0 NUMANode, 0 L3Cache, 4 Core, 8 PU (online 0-7)"
 * ```
 */
export function describeTopology(t: Topology): string {
  const cpuLess = t.numaNodes.filter((n) => n.cpus.length === 0).length;
  const extra = [
    cpuLess > 0 ? `${cpuLess} CPU-less NUMANode` : "",
    t.offlineCpus.length > 0 ? `offline ${formatCpuList(t.offlineCpus)}` : "",
    t.cpuKinds.length > 1 ? `${t.cpuKinds.length} CPU kinds` : "",
    t.groups.length > 0 ? `${t.groups.length} Group` : "",
  ].filter((s) => s !== "");
  return (
    `${t.source}: ${t.packages.length} Package, ${t.numaNodes.length} NUMANode, ${t.l3Caches.length} L3Cache, ` +
    `${t.cores.length} Core, ${t.cpus.length} PU (online ${formatCpuList(t.cpus)})` +
    (extra.length > 0 ? `; ${extra.join(", ")}` : "")
  );
}
