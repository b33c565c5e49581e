import { formatCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import {
  type DenseKind,
  type KubeletTopology,
  kubeletTopology,
  pairKey,
} from "./internal/kubelet-details";
import type { Topology } from "./topology";

/** kubelet CPU manager static policy options, by kubelet's own names. */
export type KubeletPolicyOption =
  | "full-pcpus-only"
  | "distribute-cpus-across-numa"
  | "distribute-cpus-across-cores"
  | "align-by-socket"
  | "prefer-align-cpus-by-uncorecache"
  | "strict-cpu-reservation";

/**
 * Every {@link KubeletPolicyOption}.
 *
 * @example
 * ```ts
 * KUBELET_POLICY_OPTIONS.includes("full-pcpus-only"); // true
 * ```
 */
export const KUBELET_POLICY_OPTIONS: readonly KubeletPolicyOption[] = [
  "full-pcpus-only",
  "distribute-cpus-across-numa",
  "distribute-cpus-across-cores",
  "align-by-socket",
  "prefer-align-cpus-by-uncorecache",
  "strict-cpu-reservation",
];

/** kubelet's `StaticPolicyOptions`. */
export interface KubeletStaticOptions {
  readonly fullPhysicalCPUsOnly: boolean;
  readonly distributeCPUsAcrossNUMA: boolean;
  readonly distributeCPUsAcrossCores: boolean;
  readonly alignBySocket: boolean;
  readonly preferAlignByUncoreCache: boolean;
  readonly strictCPUReservation: boolean;
}

/** Topology manager policies (`--topology-manager-policy`). */
export type TopologyManagerPolicy = "none" | "best-effort" | "restricted" | "single-numa-node";

/** A kubelet error, with kubelet's own text in `message` and its admission reason in `reason`. */
export interface KubeletError {
  /** `SMTAlignmentError`, `TopologyAffinityError`, or `Error` for plain allocation errors. */
  readonly reason: "SMTAlignmentError" | "TopologyAffinityError" | "Error";
  /** Exactly what kubelet reports, e.g. `not enough cpus available to satisfy request: requested=5, available=4`. */
  readonly message: string;
}

/** Outcome of a kubelet allocation: CPUs, or kubelet's error. */
export type KubeletResult =
  | { readonly ok: true; readonly cpus: number[] }
  | { readonly ok: false; readonly error: KubeletError };

/**
 * Parse kubelet static policy options (`cpuManagerPolicyOptions`), checking the combinations kubelet
 * refuses, with kubelet's error texts.
 *
 * @throws {@link VmCorePinnerError} `KUBELET_OPTIONS` with kubelet's message (e.g.
 *   `static policy options full-pcpus-only and distribute-cpus-across-cores can not be used at the same time`).
 * @example
 * ```ts
 * kubeletStaticOptions({ "full-pcpus-only": "true" }).fullPhysicalCPUsOnly; // true
 * ```
 */
export function kubeletStaticOptions(
  options: Readonly<Record<string, string>> | readonly string[],
): KubeletStaticOptions {
  const entries: [string, string][] = Array.isArray(options)
    ? (options as readonly string[]).map((n) => [n, "true"])
    : Object.entries(options as Record<string, string>);
  const o = {
    fullPhysicalCPUsOnly: false,
    distributeCPUsAcrossNUMA: false,
    distributeCPUsAcrossCores: false,
    alignBySocket: false,
    preferAlignByUncoreCache: false,
    strictCPUReservation: false,
  };
  const fail = (msg: string): never => {
    throw new VmCorePinnerError("KUBELET_OPTIONS", msg, { field: "cpuManagerPolicyOptions" });
  };
  for (const [name, value] of entries) {
    if (!(KUBELET_POLICY_OPTIONS as readonly string[]).includes(name))
      fail(`unknown CPU Manager Policy option: ${JSON.stringify(name)}`);
    // Go strconv.ParseBool accepts 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.
    let b: boolean;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) b = true;
    else if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) b = false;
    else
      b = fail(
        `bad value for option ${JSON.stringify(name)}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    switch (name as KubeletPolicyOption) {
      case "full-pcpus-only":
        o.fullPhysicalCPUsOnly = b;
        break;
      case "distribute-cpus-across-numa":
        o.distributeCPUsAcrossNUMA = b;
        break;
      case "distribute-cpus-across-cores":
        o.distributeCPUsAcrossCores = b;
        break;
      case "align-by-socket":
        o.alignBySocket = b;
        break;
      case "prefer-align-cpus-by-uncorecache":
        o.preferAlignByUncoreCache = b;
        break;
      case "strict-cpu-reservation":
        o.strictCPUReservation = b;
        break;
    }
  }
  const both = (a: string, b: string) =>
    fail(`static policy options ${a} and ${b} can not be used at the same time`);
  if (o.fullPhysicalCPUsOnly && o.distributeCPUsAcrossCores)
    both("full-pcpus-only", "distribute-cpus-across-cores");
  if (o.distributeCPUsAcrossNUMA && o.distributeCPUsAcrossCores)
    both("distribute-cpus-across-numa", "distribute-cpus-across-cores");
  if (o.preferAlignByUncoreCache && o.distributeCPUsAcrossCores)
    both("prefer-align-cpus-by-uncorecache", "distribute-cpus-across-cores");
  if (o.preferAlignByUncoreCache && o.distributeCPUsAcrossNUMA)
    both("prefer-align-cpus-by-uncorecache", "distribute-cpus-across-numa");
  return o;
}

type SortingStrategy = "packed" | "spread";

// cpuAccumulator (cpu_assignment.go): `details` = available CPUs, `result` = CPUs taken so far.
class Accumulator {
  readonly k: KubeletTopology;
  // Available CPUs ("details"): a flag per CPU id, and how many are set.
  private readonly availFlag: Uint8Array;
  private availCount = 0;
  readonly result: number[] = [];
  needed: number;
  readonly numaFirst: boolean;
  readonly strategy: SortingStrategy;
  readonly freeInCore: Counter;
  readonly freeInSocket: Counter;
  readonly freeInNUMA: Counter;
  readonly freeInUncore: Counter;
  // Free CPUs per (NUMA node, socket) and (NUMA node, uncore cache) pair.
  readonly freeInNumaSocket: Counter;
  readonly freeInNumaUncore: Counter;
  private readonly counters: Counter[];

  constructor(
    k: KubeletTopology,
    available: Iterable<number>,
    numCPUs: number,
    strategy: SortingStrategy,
  ) {
    this.k = k;
    this.needed = numCPUs;
    this.strategy = strategy;
    // NUMA nodes are "higher" than sockets when there are at most as many of them.
    this.numaFirst = k.numSockets >= k.numNUMANodes;
    this.freeInCore = new Counter(k, "core");
    this.freeInSocket = new Counter(k, "socket");
    this.freeInNUMA = new Counter(k, "numa");
    this.freeInUncore = new Counter(k, "uncore");
    this.freeInNumaSocket = new Counter(k, "numaSocket");
    this.freeInNumaUncore = new Counter(k, "numaUncore");
    this.counters = [
      this.freeInCore,
      this.freeInSocket,
      this.freeInNUMA,
      this.freeInUncore,
      this.freeInNumaSocket,
      this.freeInNumaUncore,
    ];
    this.availFlag = new Uint8Array(k.cpuDense.core.length);
    for (const c of available) {
      if (!k.coreOf.has(c) || this.availFlag[c] === 1) continue;
      this.availFlag[c] = 1;
      this.availCount++;
      for (const counter of this.counters) counter.addCpu(c, 1);
    }
  }

  take(cpus: readonly number[]) {
    for (const c of cpus) {
      if (this.availFlag[c] !== 1) continue;
      this.availFlag[c] = 0;
      this.availCount--;
      this.result.push(c);
      for (const counter of this.counters) counter.addCpu(c, -1);
    }
    this.needed -= cpus.length;
  }
  needsAtLeast(n: number) {
    return this.needed >= n;
  }
  isSatisfied() {
    return this.needed < 1;
  }
  isFailed() {
    return this.needed > this.availCount;
  }
  private sortBy(ids: number[], count: Counter) {
    ids.sort((a, b) => (count.get(a) ?? 0) - (count.get(b) ?? 0) || a - b);
    return ids;
  }
  private present(count: Counter): number[] {
    const out: number[] = [];
    for (const [id, n] of count) if (n > 0) out.push(id);
    return out;
  }
  private pairPresent(ids: readonly number[] | undefined, outer: number, pair: Counter): number[] {
    const out: number[] = [];
    for (const id of ids ?? []) if (pair.get(pairKey(outer, id)) > 0) out.push(id);
    return out;
  }
  private pairPresentRev(
    ids: readonly number[] | undefined,
    inner: number,
    pair: Counter,
  ): number[] {
    const out: number[] = [];
    for (const id of ids ?? []) if (pair.get(pairKey(id, inner)) > 0) out.push(id);
    return out;
  }
  private withFree(ids: readonly number[] | undefined, count: Counter): number[] {
    const out: number[] = [];
    for (const id of ids ?? []) if ((count.get(id) ?? 0) > 0) out.push(id);
    return out;
  }
  sortAvailableNUMANodes(): number[] {
    if (this.numaFirst) return this.sortBy(this.present(this.freeInNUMA), this.freeInNUMA);
    const out: number[] = [];
    for (const socket of this.sortAvailableSockets()) {
      // NUMA nodes with an available CPU in this socket.
      out.push(
        ...this.sortBy(
          this.pairPresentRev(this.k.numasInSocket.get(socket), socket, this.freeInNumaSocket),
          this.freeInNUMA,
        ),
      );
    }
    return out;
  }
  sortAvailableSockets(): number[] {
    if (!this.numaFirst) return this.sortBy(this.present(this.freeInSocket), this.freeInSocket);
    const out: number[] = [];
    for (const numa of this.sortAvailableNUMANodes()) {
      // Sockets with an available CPU in this NUMA node.
      out.push(
        ...this.sortBy(
          this.pairPresent(this.k.socketsInNUMA.get(numa), numa, this.freeInNumaSocket),
          this.freeInSocket,
        ),
      );
    }
    return out;
  }
  sortAvailableCores(): number[] {
    const out: number[] = [];
    if (this.numaFirst) {
      for (const socket of this.sortAvailableSockets()) {
        out.push(
          ...this.sortBy(
            this.withFree(this.k.coresInSocket.get(socket), this.freeInCore),
            this.freeInCore,
          ),
        );
      }
    } else {
      for (const numa of this.sortAvailableNUMANodes()) {
        out.push(
          ...this.sortBy(
            this.withFree(this.k.coresInNUMA.get(numa), this.freeInCore),
            this.freeInCore,
          ),
        );
      }
    }
    return out;
  }
  sortAvailableUncoreCaches(): number[] {
    const out: number[] = [];
    for (const numa of this.sortAvailableNUMANodes()) {
      out.push(
        ...this.sortBy(
          this.pairPresent(this.k.uncoresInNUMA.get(numa), numa, this.freeInNumaUncore),
          this.freeInUncore,
        ),
      );
    }
    return out;
  }
  availIn(cpus: readonly number[]): number[] {
    return cpus.filter((c) => this.availFlag[c] === 1);
  }
  sortAvailableCPUs(): number[] {
    const out: number[] = [];
    if (this.strategy === "packed") {
      for (const core of this.sortAvailableCores())
        out.push(...this.availIn(this.k.cpusInCore.get(core) ?? []));
    } else {
      for (const socket of this.sortAvailableSockets())
        out.push(...this.availIn(this.k.cpusInSocket.get(socket) ?? []));
    }
    return out;
  }
  takeFullNUMANodes() {
    const free = this.sortAvailableNUMANodes().filter(
      (n) => (this.freeInNUMA.get(n) ?? 0) === (this.k.cpusInNUMA.get(n)?.length ?? -1),
    );
    for (const numa of free) {
      const cpus = this.k.cpusInNUMA.get(numa) ?? [];
      if (!this.needsAtLeast(cpus.length)) continue;
      this.take(cpus);
    }
  }
  takeFullSockets() {
    // kubelet compares with CPUsPerSocket() (NumCPUs / NumSockets), which assumes equal sockets;
    // also requiring every CPU of the socket to be free keeps irregular machines (sockets of
    // different sizes) from taking an unavailable CPU. On regular machines both tests agree.
    const free = this.sortAvailableSockets().filter((s) => {
      const n = this.freeInSocket.get(s) ?? 0;
      return n === this.k.cpusPerSocket && n === (this.k.cpusInSocket.get(s)?.length ?? -1);
    });
    for (const socket of free) {
      const cpus = this.k.cpusInSocket.get(socket) ?? [];
      if (!this.needsAtLeast(cpus.length)) continue;
      this.take(cpus);
    }
  }
  takeFullCores() {
    // Same for cores: CPUsPerCore() on hybrid machines is not every core's size.
    const free = this.sortAvailableCores().filter((c) => {
      const n = this.freeInCore.get(c) ?? 0;
      return n === this.k.cpusPerCore && n === (this.k.cpusInCore.get(c)?.length ?? -1);
    });
    for (const core of free) {
      const cpus = this.k.cpusInCore.get(core) ?? [];
      if (!this.needsAtLeast(cpus.length)) continue;
      this.take(cpus);
    }
  }
  takeFullFirstLevel() {
    if (this.numaFirst) this.takeFullNUMANodes();
    else this.takeFullSockets();
  }
  takeFullSecondLevel() {
    if (this.numaFirst) this.takeFullSockets();
    else this.takeFullNUMANodes();
  }
  takeFullUncore() {
    const free = this.sortAvailableUncoreCaches().filter(
      (u) => (this.freeInUncore.get(u) ?? 0) === (this.k.cpusInUncore.get(u)?.length ?? -1),
    );
    for (const uncore of free) {
      const cpus = this.k.cpusInUncore.get(uncore) ?? [];
      if (!this.needsAtLeast(cpus.length)) continue;
      this.take(cpus);
    }
  }
  takePartialUncore(uncore: number) {
    const perCore = this.k.cpusPerCore;
    const numCoresNeeded = perCore === 0 ? 0 : Math.ceil(this.needed / perCore);
    // Cores of this uncore cache with at least one available CPU, lowest core id first.
    const cores = [
      ...new Set(
        this.availIn(this.k.cpusInUncore.get(uncore) ?? []).map(
          (c) => this.k.coreOf.get(c) as number,
        ),
      ),
    ].sort((a, b) => a - b);
    const chosen = cores.slice(0, numCoresNeeded);
    let freeCPUs = chosen
      .flatMap((c) => this.availIn(this.k.cpusInCore.get(c) ?? []))
      .sort((a, b) => a - b);
    // An odd remainder on SMT: leave the last thread of the last core.
    if (this.needed % 2 !== 0 && perCore > 1 && freeCPUs.length > this.needed)
      freeCPUs = freeCPUs.slice(0, freeCPUs.length - 1);
    if (this.needed !== freeCPUs.length) return;
    this.take(freeCPUs);
  }
  takeUncoreCache() {
    const perUncore = this.k.cpusPerUncore;
    for (const uncore of this.sortAvailableUncoreCaches()) {
      if (this.needsAtLeast(perUncore)) this.takeFullUncore();
      if (this.isSatisfied()) return;
      this.takePartialUncore(uncore);
      if (this.isSatisfied()) return;
    }
  }
  takeRemainingCPUs() {
    for (const cpu of this.sortAvailableCPUs()) {
      this.take([cpu]);
      if (this.isSatisfied()) return;
    }
  }
}

/** Free-CPU counts per core / socket / NUMA node / … id, in a typed array behind a dense index. */
class Counter {
  private readonly index: ReadonlyMap<number, number>;
  private readonly byCpu: Int32Array;
  private readonly counts: Int32Array;
  constructor(k: KubeletTopology, kind: DenseKind) {
    this.index = k.dense[kind];
    this.byCpu = k.cpuDense[kind];
    this.counts = new Int32Array(this.index.size);
  }
  get(id: number): number {
    const d = this.index.get(id);
    return d === undefined ? 0 : (this.counts[d] as number);
  }
  addCpu(cpu: number, delta: number) {
    const d = this.byCpu[cpu] as number;
    this.counts[d] = (this.counts[d] as number) + delta;
  }
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (const [id, d] of this.index) yield [id, this.counts[d] as number];
  }
}

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);

function notEnough(numCPUs: number, available: number): KubeletResult {
  return {
    ok: false,
    error: {
      reason: "Error",
      message: `not enough cpus available to satisfy request: requested=${numCPUs}, available=${available}`,
    },
  };
}

function availableSize(k: KubeletTopology, available: Iterable<number>): number {
  // cpuset.Size() of the argument: distinct ids, whether or not in the topology.
  void k;
  return new Set(available).size;
}

/**
 * kubelet's `takeByTopologyNUMAPacked` (cpu_assignment.go): take whole NUMA nodes or sockets
 * (whichever is higher in the hierarchy first), then, with `prefer-align-cpus-by-uncorecache`,
 * whole and partial uncore (L3) caches, then whole cores (not with the spread strategy of
 * `distribute-cpus-across-cores`), then single threads; at each level candidates are sorted by
 * ascending number of free CPUs ("fullest first"), then by id.
 *
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:1 core:4 pu:2(indexes=1*4:4*2)"); // CPU i and i+4 siblings
 * kubeletTakeByTopologyNUMAPacked(t, [0, 1, 2, 3, 4, 5, 6, 7], 2); // { ok: true, cpus: [0, 4] }
 * ```
 */
export function kubeletTakeByTopologyNUMAPacked(
  t: Topology,
  available: Iterable<number>,
  numCPUs: number,
  options: {
    readonly distributeCPUsAcrossCores?: boolean;
    readonly preferAlignByUncoreCache?: boolean;
  } = {},
): KubeletResult {
  return takeByTopologyNUMAPacked(
    kubeletTopology(t),
    [...available],
    numCPUs,
    options.distributeCPUsAcrossCores ? "spread" : "packed",
    options.preferAlignByUncoreCache ?? false,
  );
}

function takeByTopologyNUMAPacked(
  k: KubeletTopology,
  available: readonly number[],
  numCPUs: number,
  strategy: SortingStrategy,
  preferAlignByUncoreCache: boolean,
): KubeletResult {
  const acc = new Accumulator(k, available, numCPUs, strategy);
  if (acc.isSatisfied()) return { ok: true, cpus: [] };
  if (acc.isFailed()) return notEnough(numCPUs, availableSize(k, available));
  acc.takeFullFirstLevel();
  if (acc.isSatisfied()) return { ok: true, cpus: sorted(acc.result) };
  acc.takeFullSecondLevel();
  if (acc.isSatisfied()) return { ok: true, cpus: sorted(acc.result) };
  if (preferAlignByUncoreCache) {
    acc.takeUncoreCache();
    if (acc.isSatisfied()) return { ok: true, cpus: sorted(acc.result) };
  }
  if (strategy !== "spread") {
    acc.takeFullCores();
    if (acc.isSatisfied()) return { ok: true, cpus: sorted(acc.result) };
  }
  acc.takeRemainingCPUs();
  if (acc.isSatisfied()) return { ok: true, cpus: sorted(acc.result) };
  return { ok: false, error: { reason: "Error", message: "failed to allocate cpus" } };
}

function iterateCombinations(
  n: readonly number[],
  k: number,
  f: (combo: number[]) => boolean,
): void {
  if (k < 1) return;
  const helper = (start: number, kk: number, accum: number[]): boolean => {
    if (kk === 0) return f(accum);
    for (let i = start; i <= n.length - kk; i++) {
      if (helper(i + 1, kk - 1, [...accum, n[i] as number])) return true;
    }
    return false;
  };
  helper(0, k, []);
}

const MAX_COMBINATIONS = 100_000;
function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * kubelet's topology manager refuses machines with more NUMA nodes than this.
 *
 * @example
 * ```ts
 * KUBELET_MAX_NUMA_NODES; // 8
 * ```
 */
export const KUBELET_MAX_NUMA_NODES = 8;

const round3 = (x: number) => Math.round(x * 1000) / 1000;
function standardDeviation(xs: readonly number[]): number {
  const m = round3(xs.reduce((a, b) => a + b, 0) / xs.length);
  const s = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
  return round3(Math.sqrt(s / xs.length));
}

/**
 * kubelet's `takeByTopologyNUMADistributed` (KEP-2902, option `distribute-cpus-across-numa`):
 * when a request needs more than one NUMA node, spread it evenly over the smallest set of NUMA
 * nodes, in groups of `cpuGroupSize` CPUs (a core's worth with `full-pcpus-only`), choosing the
 * NUMA combination and remainder placement with the lowest standard deviation of free CPUs.
 *
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:2 core:3 pu:2");
 * kubeletTakeByTopologyNUMADistributed(t, t.cpus, 4, 1).ok; // true
 * ```
 */
export function kubeletTakeByTopologyNUMADistributed(
  t: Topology,
  available: Iterable<number>,
  numCPUs: number,
  cpuGroupSize: number,
  options: { readonly distributeCPUsAcrossCores?: boolean } = {},
): KubeletResult {
  return takeByTopologyNUMADistributed(
    kubeletTopology(t),
    [...available],
    numCPUs,
    cpuGroupSize,
    options.distributeCPUsAcrossCores ? "spread" : "packed",
  );
}

function takeByTopologyNUMADistributed(
  k: KubeletTopology,
  available: readonly number[],
  numCPUs: number,
  cpuGroupSize: number,
  strategy: SortingStrategy,
): KubeletResult {
  if (cpuGroupSize < 1 || numCPUs % cpuGroupSize !== 0)
    return takeByTopologyNUMAPacked(k, available, numCPUs, strategy, false);
  const acc = new Accumulator(k, available, numCPUs, strategy);
  if (acc.isSatisfied()) return { ok: true, cpus: [] };
  if (acc.isFailed()) return notEnough(numCPUs, availableSize(k, available));
  const numas = acc.sortAvailableNUMANodes();
  const freeIn = (numa: number) => acc.freeInNUMA.get(numa) ?? 0;

  // rangeNUMANodesNeededToSatisfy
  const numNUMANodes = k.numNUMANodes;
  const numNUMANodesAvailable = numas.length;
  const numCPUGroups = Math.floor((k.numCPUs - 1) / cpuGroupSize) + 1;
  const numCPUGroupsPerNUMANode = Math.floor((numCPUGroups - 1) / numNUMANodes) + 1;
  const numCPUGroupsNeeded = Math.floor((acc.needed - 1) / cpuGroupSize) + 1;
  const minNUMAs = Math.floor((numCPUGroupsNeeded - 1) / numCPUGroupsPerNUMANode) + 1;
  const maxNUMAs = Math.min(numCPUGroupsNeeded, numNUMANodesAvailable);

  for (let kk = minNUMAs; kk <= maxNUMAs; kk++) {
    // kubelet walks every k-combination; past this many (machines with dozens of NUMA nodes) the
    // walk would not finish, so that size is skipped, as if no balanced combination existed.
    // (Each combination also walks up to 2^k subsets for the remainder.)
    if (binomial(numas.length, kk) * 2 ** kk > MAX_COMBINATIONS) continue;
    let bestBalance = Number.MAX_VALUE;
    let bestRemainder: number[] | null = null;
    let bestCombo: number[] | null = null;
    iterateCombinations(numas, kk, (combo) => {
      if (bestBalance === 0) return true;
      if (combo.reduce((a, n) => a + freeIn(n), 0) < numCPUs) return false;
      let numCPUGroupsInCombo = 0;
      for (const numa of combo) numCPUGroupsInCombo += Math.floor(freeIn(numa) / cpuGroupSize);
      if (numCPUGroupsInCombo * cpuGroupSize < numCPUs) return false;
      const distribution = Math.floor(numCPUs / combo.length / cpuGroupSize) * cpuGroupSize;
      for (const numa of combo) if (freeIn(numa) < distribution) return false;
      const after = new Map<number, number>();
      for (const numa of numas) after.set(numa, freeIn(numa));
      for (const numa of combo) after.set(numa, (after.get(numa) as number) - distribution);
      const remainder = numCPUs - distribution * combo.length;
      const remainderCombo = combo.filter((numa) => (after.get(numa) as number) >= cpuGroupSize);
      let bestLocalBalance = Number.MAX_VALUE;
      let bestLocalRemainder: number[] | null = null;
      if (remainder === 0) {
        bestLocalBalance = standardDeviation([...after.values()]);
        bestLocalRemainder = null;
      }
      for (let r = remainderCombo.length; remainder > 0 && r >= 1; r--) {
        iterateCombinations(remainderCombo, r, (subset) => {
          let rem = remainder;
          const local = new Map(after);
          if (subset.reduce((a, n) => a + (local.get(n) as number), 0) < rem) return false;
          while (rem > 0) {
            let progressed = false;
            for (const numa of subset) {
              if (rem === 0) break;
              if ((local.get(numa) as number) < cpuGroupSize) continue;
              local.set(numa, (local.get(numa) as number) - cpuGroupSize);
              rem -= cpuGroupSize;
              progressed = true;
            }
            if (!progressed) break; // kubelet would spin here; this cannot happen after the sum check
          }
          const balance = standardDeviation([...local.values()]);
          if (balance < bestLocalBalance) {
            bestLocalBalance = balance;
            bestLocalRemainder = subset;
          }
          return false;
        });
      }
      if (bestLocalBalance < bestBalance) {
        bestBalance = bestLocalBalance;
        bestRemainder = bestLocalRemainder;
        bestCombo = combo;
      }
      return false;
    });
    if (bestCombo === null) continue;
    const combo: number[] = bestCombo;
    const distribution = Math.floor(numCPUs / combo.length / cpuGroupSize) * cpuGroupSize;
    for (const numa of combo) {
      const r = takeByTopologyNUMAPacked(
        k,
        acc.availIn(k.cpusInNUMA.get(numa) ?? []),
        distribution,
        strategy,
        false,
      );
      if (r.ok) acc.take(r.cpus);
    }
    let remainder = numCPUs - distribution * combo.length;
    const remainderSet: number[] = bestRemainder ?? [];
    while (remainder > 0) {
      let progressed = false;
      for (const numa of remainderSet) {
        if (remainder === 0) break;
        const inNuma = acc.availIn(k.cpusInNUMA.get(numa) ?? []);
        if (inNuma.length < cpuGroupSize) continue;
        const r = takeByTopologyNUMAPacked(k, inNuma, cpuGroupSize, strategy, false);
        if (r.ok) acc.take(r.cpus);
        remainder -= cpuGroupSize;
        progressed = true;
      }
      if (!progressed) break;
    }
    if (acc.needed > 0) {
      return {
        ok: false,
        error: {
          reason: "Error",
          message: `accounting error, not enough CPUs allocated, remaining: ${acc.needed}`,
        },
      };
    }
    if (acc.needed < 0) {
      return {
        ok: false,
        error: {
          reason: "Error",
          message: `accounting error, too many CPUs allocated, remaining: ${acc.needed}`,
        },
      };
    }
    return { ok: true, cpus: sorted(acc.result) };
  }
  return takeByTopologyNUMAPacked(k, available, numCPUs, strategy, false);
}

/**
 * The NUMA affinity the topology manager would hand the CPU manager for a request (kubelet's
 * `generateCPUTopologyHints` + best-effort merge with a single provider): the narrowest set of
 * NUMA nodes (lowest ids first) whose free CPUs can hold the request, and whether it is
 * "preferred" (as narrow as the request could ever need).
 *
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:2 numa:1 core:4 pu:1");
 * kubeletNumaHint(t, t.cpus, 2); // { numaNodes: [0], preferred: true }
 * ```
 */
export function kubeletNumaHint(
  t: Topology,
  available: Iterable<number>,
  request: number,
): { readonly numaNodes: number[]; readonly preferred: boolean } | null {
  const k = kubeletTopology(t);
  const nodes = [...k.cpusInNUMA.keys()].sort((a, b) => a - b);
  if (nodes.length > KUBELET_MAX_NUMA_NODES) {
    throw new VmCorePinnerError(
      "KUBELET_TOPOLOGY",
      `unsupported on machines with more than ${KUBELET_MAX_NUMA_NODES} NUMA Nodes`,
      { field: "topologyManagerPolicy" },
    );
  }
  const avail = new Set(available);
  let minAffinitySize = nodes.length;
  const hints: { mask: number[]; size: number }[] = [];
  for (let size = 1; size <= nodes.length; size++) {
    iterateCombinations(nodes, size, (mask) => {
      const total = mask.reduce((a, n) => a + (k.cpusInNUMA.get(n)?.length ?? 0), 0);
      if (total >= request && mask.length < minAffinitySize) minAffinitySize = mask.length;
      const free = mask.reduce(
        (a, n) => a + (k.cpusInNUMA.get(n) ?? []).filter((c) => avail.has(c)).length,
        0,
      );
      if (free >= request) hints.push({ mask: [...mask], size: mask.length });
      return false;
    });
  }
  const best = hints[0];
  if (!best) return null;
  return { numaNodes: best.mask, preferred: best.size === minAffinitySize };
}

/** Options of {@link KubeletStaticPolicy}. */
export interface KubeletStaticPolicyConfig {
  /** Policy options by kubelet name (`full-pcpus-only`, …) or as parsed options. */
  readonly options?: readonly string[] | Readonly<Record<string, string>> | KubeletStaticOptions;
  /** `reservedSystemCPUs`: CPUs kept for the system. */
  readonly reservedCpus?: readonly number[];
  /** Number of CPUs reserved (kube-reserved + system-reserved) when no explicit list is given. */
  readonly numReservedCpus?: number;
  /** `--topology-manager-policy` (default `none`: no NUMA hint). */
  readonly topologyManagerPolicy?: TopologyManagerPolicy;
  /** CPUs free at the start (default: every online CPU). */
  readonly available?: readonly number[];
}

/**
 * kubelet's CPU manager static policy as a stateful allocator: the shared ("default") CPU set,
 * reserved CPUs (with `strict-cpu-reservation` removed from the shared pool), SMT alignment under
 * `full-pcpus-only`, NUMA/socket alignment from the topology manager's hint, and the
 * allocation algorithms of cpu_assignment.go. Errors carry kubelet's exact texts.
 *
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:2 core:4 pu:2");
 * const p = new KubeletStaticPolicy(t, { options: ["full-pcpus-only"], reservedCpus: [0, 1] });
 * p.allocate(3); // { ok: false, error: { reason: "SMTAlignmentError", message: "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2" } }
 * ```
 */
export class KubeletStaticPolicy {
  readonly topology: Topology;
  readonly options: KubeletStaticOptions;
  readonly reservedCpus: readonly number[];
  readonly reservedPhysicalCpus: readonly number[];
  readonly topologyManagerPolicy: TopologyManagerPolicy;
  private readonly k: KubeletTopology;
  private defaultSet: Set<number>;

  constructor(topology: Topology, config: KubeletStaticPolicyConfig = {}) {
    this.topology = topology;
    this.k = kubeletTopology(topology);
    const raw = config.options ?? [];
    this.options =
      !Array.isArray(raw) && typeof (raw as KubeletStaticOptions).fullPhysicalCPUsOnly === "boolean"
        ? (raw as KubeletStaticOptions)
        : kubeletStaticOptions(raw as readonly string[] | Record<string, string>);
    this.topologyManagerPolicy = config.topologyManagerPolicy ?? "none";
    if (this.topologyManagerPolicy !== "none" && this.k.numNUMANodes > KUBELET_MAX_NUMA_NODES) {
      // topologymanager.NewManager
      throw new VmCorePinnerError(
        "KUBELET_TOPOLOGY",
        `unsupported on machines with more than ${KUBELET_MAX_NUMA_NODES} NUMA Nodes`,
        { field: "topologyManagerPolicy" },
      );
    }
    if (this.options.alignBySocket) {
      if (this.topologyManagerPolicy === "single-numa-node") {
        throw new VmCorePinnerError(
          "KUBELET_OPTIONS",
          "Topolgy manager single-numa-node policy is incompatible with CPUManager align-by-socket policy option",
          { field: "align-by-socket" },
        );
      }
      if (this.k.numSockets > this.k.numNUMANodes) {
        throw new VmCorePinnerError(
          "KUBELET_OPTIONS",
          "Align by socket is not compatible with hardware where number of sockets are more than number of NUMA",
          { field: "align-by-socket" },
        );
      }
    }
    const all = this.k.cpus;
    let reserved: number[];
    const wanted =
      config.reservedCpus !== undefined
        ? new Set(config.reservedCpus).size
        : (config.numReservedCpus ?? 0);
    if (config.reservedCpus && config.reservedCpus.length > 0)
      reserved = sorted(new Set(config.reservedCpus));
    else {
      const r = this.takeByTopology(all, config.numReservedCpus ?? 0);
      reserved = r.ok ? r.cpus : [];
    }
    for (const c of reserved) {
      if (!this.k.coreOf.has(c)) {
        throw new VmCorePinnerError(
          "KUBELET_RESERVED",
          `[cpumanager] unable to build the reserved physical CPUs from the reserved set: cpu ${c} not found`,
          { field: "reservedSystemCPUs" },
        );
      }
    }
    if (reserved.length !== wanted) {
      throw new VmCorePinnerError(
        "KUBELET_RESERVED",
        `[cpumanager] unable to reserve the required amount of CPUs (size of ${formatCpuList(reserved)} did not equal ${wanted})`,
        { field: "reservedSystemCPUs" },
      );
    }
    this.reservedCpus = reserved;
    const phys = new Set<number>();
    for (const c of reserved)
      for (const s of this.k.cpusInCore.get(this.k.coreOf.get(c) as number) ?? []) phys.add(s);
    this.reservedPhysicalCpus = sorted(phys);
    const start = new Set((config.available ?? all).filter((c) => this.k.coreOf.has(c)));
    if (this.options.strictCPUReservation) for (const c of reserved) start.delete(c);
    else for (const c of reserved) start.add(c);
    this.defaultSet = start;
  }

  /** CPU group size used by `full-pcpus-only` and `distribute-cpus-across-numa`: CPUs per core. */
  get cpuGroupSize(): number {
    return this.k.cpusPerCore;
  }

  /** The shared pool (`defaultCpuSet`): where non-exclusive containers run. */
  sharedPool(): number[] {
    return sorted(this.defaultSet);
  }

  /** CPUs that can be handed out exclusively now (`GetAvailableCPUs`: default set minus reserved). */
  availableCpus(): number[] {
    const r = new Set(this.reservedCpus);
    return sorted([...this.defaultSet].filter((c) => !r.has(c)));
  }

  private takeByTopology(available: readonly number[], numCPUs: number): KubeletResult {
    const strategy: SortingStrategy = this.options.distributeCPUsAcrossCores ? "spread" : "packed";
    if (this.options.distributeCPUsAcrossNUMA) {
      const group = this.options.fullPhysicalCPUsOnly ? this.k.cpusPerCore : 1;
      return takeByTopologyNUMADistributed(this.k, available, numCPUs, group, strategy);
    }
    return takeByTopologyNUMAPacked(
      this.k,
      available,
      numCPUs,
      strategy,
      this.options.preferAlignByUncoreCache,
    );
  }

  /**
   * Allocate `numCPUs` exclusive CPUs (a Guaranteed container with an integer CPU request), or
   * return kubelet's error. On success the CPUs leave the shared pool.
   */
  allocate(numCPUs: number): KubeletResult {
    if (!Number.isSafeInteger(numCPUs) || numCPUs < 0) {
      throw new VmCorePinnerError(
        "INVALID_REQUEST",
        `CPU request must be a non-negative integer, got ${numCPUs}`,
        { field: "request" },
      );
    }
    if (numCPUs === 0) return { ok: true, cpus: [] };
    if (this.options.fullPhysicalCPUsOnly) {
      const group = this.k.cpusPerCore;
      if (group > 0 && numCPUs % group !== 0) {
        return {
          ok: false,
          error: {
            reason: "SMTAlignmentError",
            message: `SMT Alignment Error: requested ${numCPUs} cpus not multiple cpus per core = ${group}`,
          },
        };
      }
      const rp = new Set(this.reservedPhysicalCpus);
      const availablePhysical = [...this.defaultSet].filter((c) => !rp.has(c)).length;
      if (numCPUs > availablePhysical) {
        return {
          ok: false,
          error: {
            reason: "SMTAlignmentError",
            message: `SMT Alignment Error: not enough free physical CPUs: available physical CPUs = ${availablePhysical}, requested CPUs = ${numCPUs}, CPUs per core = ${group}`,
          },
        };
      }
    }
    const allocatable = this.availableCpus();
    let hintNodes: number[] | null = null;
    if (this.topologyManagerPolicy !== "none") {
      const hint = kubeletNumaHint(this.topology, allocatable, numCPUs);
      const strict =
        this.topologyManagerPolicy === "restricted" ||
        this.topologyManagerPolicy === "single-numa-node";
      const ok =
        hint !== null &&
        (!strict || hint.preferred) &&
        (this.topologyManagerPolicy !== "single-numa-node" || hint.numaNodes.length === 1);
      if (!ok && strict) {
        return {
          ok: false,
          error: {
            reason: "TopologyAffinityError",
            message: "Resources cannot be allocated with Topology locality",
          },
        };
      }
      hintNodes = hint?.numaNodes ?? null;
    }
    const result: number[] = [];
    if (hintNodes !== null) {
      // getAlignedCPUs: CPUs of the hinted NUMA nodes, or of their sockets with align-by-socket.
      const aligned = new Set<number>();
      if (this.options.alignBySocket) {
        const sockets = new Set<number>();
        for (const n of hintNodes)
          for (const c of this.k.cpusInNUMA.get(n) ?? [])
            sockets.add(this.k.socketOf.get(c) as number);
        for (const s of sockets) for (const c of this.k.cpusInSocket.get(s) ?? []) aligned.add(c);
      } else {
        for (const n of hintNodes) for (const c of this.k.cpusInNUMA.get(n) ?? []) aligned.add(c);
      }
      const alignedFree = allocatable.filter((c) => aligned.has(c));
      const r = this.takeByTopology(alignedFree, Math.min(numCPUs, alignedFree.length));
      if (!r.ok) return r;
      result.push(...r.cpus);
    }
    const taken = new Set(result);
    const r = this.takeByTopology(
      allocatable.filter((c) => !taken.has(c)),
      numCPUs - result.length,
    );
    if (!r.ok) return r;
    result.push(...r.cpus);
    for (const c of result) this.defaultSet.delete(c);
    return { ok: true, cpus: sorted(result) };
  }

  /** Return CPUs to the shared pool (`RemoveContainer`). */
  release(cpus: readonly number[]): void {
    for (const c of cpus) if (this.k.coreOf.has(c)) this.defaultSet.add(c);
  }
}
