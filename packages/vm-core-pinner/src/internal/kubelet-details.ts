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
  /** CPUsPerCore(), CPUsPerSocket(), CPUsPerUncore(): integer divisions, as kubelet computes them. */
  readonly cpusPerCore: number;
  readonly cpusPerSocket: number;
  readonly cpusPerUncore: number;
}

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
    cpusPerCore: numCores === 0 ? 0 : Math.floor(numCPUs / numCores),
    cpusPerSocket: numSockets === 0 ? 0 : Math.floor(numCPUs / numSockets),
    cpusPerUncore: numUncore === 0 ? 0 : Math.floor(numCPUs / numUncore),
  };
  cache.set(t, k);
  return k;
}
