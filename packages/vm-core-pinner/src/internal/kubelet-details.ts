// kubelet's view of a topology (pkg/kubelet/cm/cpumanager/topology): per CPU its socket, NUMA node,
// core and uncore cache ids; a core's id is the lowest CPU id of the core (kubelet's
// getUniqueCoreID), so it is unique in the machine unlike the OS core_id.
import type { Topology } from "../topology";

export interface KubeletTopology {
  readonly numCPUs: number;
  readonly numCores: number;
  readonly numSockets: number;
  readonly numNUMANodes: number;
  readonly numUncoreCaches: number;
  readonly cpus: readonly number[];
  readonly socketOf: ReadonlyMap<number, number>;
  readonly numaOf: ReadonlyMap<number, number>;
  readonly coreOf: ReadonlyMap<number, number>;
  readonly uncoreOf: ReadonlyMap<number, number>;
  readonly cpusInCore: ReadonlyMap<number, readonly number[]>;
  readonly cpusInSocket: ReadonlyMap<number, readonly number[]>;
  readonly cpusInNUMA: ReadonlyMap<number, readonly number[]>;
  readonly cpusInUncore: ReadonlyMap<number, readonly number[]>;
  /** Core ids of each socket / NUMA node, ascending. */
  readonly coresInSocket: ReadonlyMap<number, readonly number[]>;
  readonly coresInNUMA: ReadonlyMap<number, readonly number[]>;
  /** Sockets meeting each NUMA node, NUMA nodes meeting each socket, uncore caches meeting each NUMA node. */
  readonly socketsInNUMA: ReadonlyMap<number, readonly number[]>;
  readonly numasInSocket: ReadonlyMap<number, readonly number[]>;
  readonly uncoresInNUMA: ReadonlyMap<number, readonly number[]>;
  /** Dense indexes (id or pair key → index) and, per CPU id, the dense index of its core, socket, … */
  readonly dense: Readonly<Record<DenseKind, ReadonlyMap<number, number>>>;
  readonly cpuDense: Readonly<Record<DenseKind, Int32Array>>;
  /** CPUsPerCore(), CPUsPerSocket(), CPUsPerUncore(): integer divisions, as kubelet computes them. */
  readonly cpusPerCore: number;
  readonly cpusPerSocket: number;
  readonly cpusPerUncore: number;
}

/** What a dense counter counts: cores, sockets, NUMA nodes, uncore caches, (NUMA, socket) and (NUMA, uncore) pairs. */
export type DenseKind = "core" | "socket" | "numa" | "uncore" | "numaSocket" | "numaUncore";

/** Pair keys: NUMA ids are small; socket and uncore ids stay below 2^26. */
export const pairKey = (outer: number, inner: number) => outer * 2 ** 26 + inner;

const cache = new WeakMap<Topology, KubeletTopology>();

function push(m: Map<number, number[]>, k: number, v: number) {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

export function kubeletTopology(t: Topology): KubeletTopology {
  const hit = cache.get(t);
  if (hit) return hit;
  const socketOf = new Map<number, number>();
  const numaOf = new Map<number, number>();
  const coreOf = new Map<number, number>();
  const uncoreOf = new Map<number, number>();
  const cpusInCore = new Map<number, number[]>();
  const cpusInSocket = new Map<number, number[]>();
  const cpusInNUMA = new Map<number, number[]>();
  const cpusInUncore = new Map<number, number[]>();
  const UNCORE_SOCKET_BASE = 1 << 24; // socket-keyed fallback when there is no L3 (kubelet: socket id)
  for (const core of t.cores) {
    const pkg = t.packages[core.package];
    const socket = pkg?.osIndex ?? core.package;
    const numa = core.numaNode >= 0 ? (t.numaNodes[core.numaNode]?.osIndex ?? 0) : 0;
    const coreId = core.pus[0] as number;
    const l3 = core.l3 >= 0 ? t.l3Caches[core.l3] : undefined;
    const uncore = l3 ? (l3.osIndex ?? core.l3) : UNCORE_SOCKET_BASE + socket;
    for (const cpu of core.pus) {
      socketOf.set(cpu, socket);
      numaOf.set(cpu, numa);
      coreOf.set(cpu, coreId);
      uncoreOf.set(cpu, uncore);
      push(cpusInCore, coreId, cpu);
      push(cpusInSocket, socket, cpu);
      push(cpusInNUMA, numa, cpu);
      push(cpusInUncore, uncore, cpu);
    }
  }
  for (const m of [cpusInCore, cpusInSocket, cpusInNUMA, cpusInUncore])
    for (const a of m.values()) a.sort((x, y) => x - y);
  const coresInSocket = new Map<number, number[]>();
  const coresInNUMA = new Map<number, number[]>();
  const socketsInNUMA = new Map<number, number[]>();
  const numasInSocket = new Map<number, number[]>();
  const uncoresInNUMA = new Map<number, number[]>();
  const addUnique = (m: Map<number, number[]>, k: number, v: number) => {
    const a = m.get(k);
    if (!a) m.set(k, [v]);
    else if (!a.includes(v)) a.push(v);
  };
  for (const [core, cpus] of cpusInCore) {
    addUnique(coresInSocket, socketOf.get(cpus[0] as number) as number, core);
    addUnique(coresInNUMA, numaOf.get(cpus[0] as number) as number, core);
  }
  for (const cpu of socketOf.keys()) {
    const numa = numaOf.get(cpu) as number;
    const socket = socketOf.get(cpu) as number;
    addUnique(socketsInNUMA, numa, socket);
    addUnique(numasInSocket, socket, numa);
    addUnique(uncoresInNUMA, numa, uncoreOf.get(cpu) as number);
  }
  for (const m of [coresInSocket, coresInNUMA, socketsInNUMA, numasInSocket, uncoresInNUMA]) {
    for (const a of m.values()) a.sort((x, y) => x - y);
  }
  const maxCpu = t.cpus.reduce((m, c) => Math.max(m, c), 0);
  const kinds: [DenseKind, (cpu: number) => number][] = [
    ["core", (c) => coreOf.get(c) as number],
    ["socket", (c) => socketOf.get(c) as number],
    ["numa", (c) => numaOf.get(c) as number],
    ["uncore", (c) => uncoreOf.get(c) as number],
    ["numaSocket", (c) => pairKey(numaOf.get(c) as number, socketOf.get(c) as number)],
    ["numaUncore", (c) => pairKey(numaOf.get(c) as number, uncoreOf.get(c) as number)],
  ];
  const dense = {} as Record<DenseKind, Map<number, number>>;
  const cpuDense = {} as Record<DenseKind, Int32Array>;
  for (const [kind, key] of kinds) {
    const ids = [...new Set([...socketOf.keys()].map(key))].sort((a, b) => a - b);
    const m = new Map(ids.map((id, i) => [id, i]));
    const byCpu = new Int32Array(maxCpu + 1).fill(-1);
    for (const c of socketOf.keys()) byCpu[c] = m.get(key(c)) as number;
    dense[kind] = m;
    cpuDense[kind] = byCpu;
  }
  const numCPUs = t.cpus.length;
  const numCores = cpusInCore.size;
  const numSockets = cpusInSocket.size;
  const numUncore = cpusInUncore.size;
  const k: KubeletTopology = {
    numCPUs,
    numCores,
    numSockets,
    numNUMANodes: cpusInNUMA.size,
    numUncoreCaches: numUncore,
    cpus: t.cpus,
    socketOf,
    numaOf,
    coreOf,
    uncoreOf,
    cpusInCore,
    cpusInSocket,
    cpusInNUMA,
    cpusInUncore,
    coresInSocket,
    coresInNUMA,
    socketsInNUMA,
    numasInSocket,
    uncoresInNUMA,
    dense,
    cpuDense,
    cpusPerCore: numCores === 0 ? 0 : Math.floor(numCPUs / numCores),
    cpusPerSocket: numSockets === 0 ? 0 : Math.floor(numCPUs / numSockets),
    cpusPerUncore: numUncore === 0 ? 0 : Math.floor(numCPUs / numUncore),
  };
  cache.set(t, k);
  return k;
}
