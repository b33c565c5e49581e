import { formatCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { KubeletStaticPolicy, type TopologyManagerPolicy } from "./kubelet-static";
import { type NovaThreadPolicy, novaPin } from "./nova";
import type { Core, Topology } from "./topology";

/** Allocation policies of {@link CorePinner} (the `--policy` names of `core-pin`). */
export type PinPolicy =
  | "kubelet-static"
  | "nova-prefer"
  | "nova-isolate"
  | "nova-require"
  | "nohype";

/**
 * Every {@link PinPolicy}.
 *
 * @example
 * ```ts
 * PIN_POLICIES.includes("nohype"); // true
 * ```
 */
export const PIN_POLICIES: readonly PinPolicy[] = [
  "kubelet-static",
  "nova-prefer",
  "nova-isolate",
  "nova-require",
  "nohype",
];

/** NoHype options (`--option` names under `--policy nohype`). */
export type NoHypeOption = "l3-exclusive" | "numa-exclusive" | "smt-idle";

/**
 * Every {@link NoHypeOption}.
 *
 * @example
 * ```ts
 * NOHYPE_OPTIONS; // ["l3-exclusive", "numa-exclusive", "smt-idle"]
 * ```
 */
export const NOHYPE_OPTIONS: readonly NoHypeOption[] = [
  "l3-exclusive",
  "numa-exclusive",
  "smt-idle",
];

/** Configuration of a {@link CorePinner}. */
export interface CorePinnerConfig {
  readonly policy: PinPolicy;
  /**
   * Policy options: kubelet's names under `kubelet-static` (`full-pcpus-only`, …), or NoHype's
   * (`l3-exclusive`, `numa-exclusive`, `smt-idle`) under `nohype`. Nova policies take none.
   */
  readonly options?: readonly string[];
  /**
   * CPUs kept for the host: kubelet `reservedSystemCPUs`; CPUs outside Nova's `cpu_dedicated_set`;
   * NoHype housekeeping CPUs (their whole cores are kept from guests).
   */
  readonly reserved?: readonly number[];
  /** CPUs free at the start (default: every online CPU). */
  readonly available?: readonly number[];
  /** kubelet `--topology-manager-policy` (default `none`). */
  readonly topologyManagerPolicy?: TopologyManagerPolicy;
}

/** One VM's request: a vCPU count, with optional NoHype overrides. */
export interface VmRequest {
  readonly vcpus: number;
  /** NoHype: no other VM may share this VM's L3 caches (overrides the pinner option). */
  readonly l3Exclusive?: boolean;
  /** NoHype: no other VM may share this VM's NUMA nodes. */
  readonly numaExclusive?: boolean;
  /** NoHype: one vCPU per core, sibling threads left idle (still owned by the VM). */
  readonly smtIdle?: boolean;
  /** NoHype: only cores of this CPU kind (hybrid CPUs; index in `Topology.cpuKinds`). */
  readonly cpuKind?: number;
}

/** A granted allocation. */
export interface PinAllocation {
  readonly vm: string;
  /** The CPUs the VM's vCPUs run on, ascending (what `core-pin` prints). */
  readonly cpus: readonly number[];
  /** Host CPU of each vCPU, in vCPU order. */
  readonly vcpuPins: readonly number[];
  /** Every CPU withheld from others for this VM (includes idle siblings under isolate/NoHype). */
  readonly owned: readonly number[];
  /** Indexes of the cores the VM touches. */
  readonly cores: readonly number[];
  /** OS indexes of the NUMA nodes the VM touches. */
  readonly numaNodes: readonly number[];
  /** Indexes of the L3 caches the VM touches. */
  readonly l3Caches: readonly number[];
  /** NoHype exclusivity the VM holds. */
  readonly l3Exclusive: boolean;
  readonly numaExclusive: boolean;
}

/** Why a request was refused. */
export type PinRefusalCode =
  | "not-enough-cpus"
  | "smt-alignment"
  | "topology-affinity"
  | "thread-policy"
  | "no-fit"
  | "allocation-failed";

/** A refused request: a value, not an exception. Under kubelet-static, `message` is kubelet's text. */
export interface PinRefusal {
  readonly code: PinRefusalCode;
  readonly message: string;
  readonly requested: number;
  /** CPUs that were free for this VM when it was refused. */
  readonly available: number;
}

/** Outcome of {@link CorePinner.allocate}. */
export type PinResult =
  | { readonly ok: true; readonly allocation: PinAllocation }
  | { readonly ok: false; readonly refusal: PinRefusal };

/** Fragmentation of the free CPUs. */
export interface FragmentationMetrics {
  readonly freeCpus: number;
  /** Cores whose threads are all free (and usable by guests). */
  readonly freeCores: number;
  /** Cores with some threads free and some taken. */
  readonly partialCores: number;
  /** Free threads stranded on partial cores (unusable by whole-core policies). */
  readonly strandedCpus: number;
  /** Most free whole cores in one NUMA node. */
  readonly largestFreeCoresInNuma: number;
  /** Most free whole cores under one L3 cache (0 when the topology has no L3). */
  readonly largestFreeCoresInL3: number;
  /** Free whole cores that only the holder of an L3/NUMA exclusivity claim may use. */
  readonly claimedFreeCores: number;
  /** 1 − largestFreeCoresInNuma / freeCores: 0 when all free cores sit in one node (or none is free). */
  readonly fragmentation: number;
  /** Free CPUs and whole cores per NUMA node (OS index). */
  readonly perNuma: readonly {
    readonly numaNode: number;
    readonly freeCpus: number;
    readonly freeCores: number;
  }[];
}

/** A comparable picture of the pinner's state (for "free restores state"). */
export interface PinnerSnapshot {
  readonly free: readonly number[];
  readonly owners: readonly (readonly [number, string])[];
  readonly sharedPool: readonly number[];
  readonly l3Claims: readonly (readonly [number, string])[];
  readonly numaClaims: readonly (readonly [number, string])[];
}

const asc = (a: number, b: number) => a - b;

/**
 * Dynamic exclusive CPU allocation over time: VMs (or containers) come and go; each gets CPUs
 * by the chosen policy; nothing is ever given to two VMs; freeing restores the previous state.
 *
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:2 numa:1 l3:1 core:4 pu:2");
 * const p = new CorePinner(t, { policy: "nohype", reserved: [0] });
 * const r = p.allocate("vm1", 4); // two whole cores
 * if (r.ok) formatCpuList(r.allocation.cpus); // "2-5"
 * p.free("vm1");
 * ```
 */
export class CorePinner {
  readonly topology: Topology;
  readonly policy: PinPolicy;
  readonly options: readonly string[];
  readonly reserved: readonly number[];
  private readonly kubelet: KubeletStaticPolicy | null;
  private readonly owner = new Map<number, string>();
  private readonly availableSet: Set<number>;
  private readonly reservedSet: Set<number>;
  private readonly hostCores: Set<number>;
  private readonly coreOfCpu = new Map<number, Core>();
  private readonly vms = new Map<string, PinAllocation>();
  private readonly l3Claim = new Map<number, string>();
  private readonly numaClaim = new Map<number, string>();
  // Incremental per-core and per-domain counters (the NoHype hot path reads only these).
  private readonly coreFree: Int32Array;
  private readonly coreOwned: Int32Array;
  private readonly coreStaticOk: Uint8Array;
  private readonly l3Occupied: Int32Array;
  private readonly numaOccupied: Int32Array;
  private readonly scratchUsable: Int32Array;
  // Per domain level (0 = L3, 1 = NUMA node, 2 = package): member cores, and the number of wholly
  // free guest-usable cores and of their threads, kept up to date by count().
  private readonly domCores: number[][][];
  private readonly domFreeCores: Int32Array[];
  private readonly domFreePus: Int32Array[];
  private readonly defaultL3Exclusive: boolean;
  private readonly defaultNumaExclusive: boolean;
  private readonly defaultSmtIdle: boolean;
  private readonly scratchCap: Int32Array;

  constructor(topology: Topology, config: CorePinnerConfig) {
    if (!PIN_POLICIES.includes(config.policy)) {
      throw new VmCorePinnerError(
        "INVALID_POLICY",
        `unknown policy ${JSON.stringify(config.policy)}`,
        { field: "policy" },
      );
    }
    this.topology = topology;
    this.policy = config.policy;
    this.options = [...(config.options ?? [])];
    for (const c of topology.cores) for (const p of c.pus) this.coreOfCpu.set(p, c);
    const online = new Set(topology.cpus);
    for (const c of [...(config.reserved ?? []), ...(config.available ?? [])]) {
      if (!online.has(c)) {
        throw new VmCorePinnerError(
          "INVALID_CPU",
          `CPU ${c} is not an online CPU of ${topology.source}`,
          { field: "cpus" },
        );
      }
    }
    this.reserved = [...new Set(config.reserved ?? [])].sort(asc);
    this.reservedSet = new Set(this.reserved);
    this.availableSet = new Set(config.available ?? topology.cpus);
    this.hostCores = new Set();
    if (config.policy === "nohype") {
      for (const o of this.options) {
        if (!(NOHYPE_OPTIONS as readonly string[]).includes(o)) {
          throw new VmCorePinnerError(
            "INVALID_OPTION",
            `unknown nohype option ${JSON.stringify(o)} (known: ${NOHYPE_OPTIONS.join(", ")})`,
            {
              field: "option",
            },
          );
        }
      }
      for (const c of this.reserved) this.hostCores.add((this.coreOfCpu.get(c) as Core).index);
    } else if (config.policy !== "kubelet-static" && this.options.length > 0) {
      throw new VmCorePinnerError("INVALID_OPTION", `policy ${config.policy} takes no options`, {
        field: "option",
      });
    }
    this.defaultL3Exclusive = this.options.includes("l3-exclusive");
    this.defaultNumaExclusive = this.options.includes("numa-exclusive");
    this.defaultSmtIdle = this.options.includes("smt-idle");
    const nCores = topology.cores.length;
    this.coreFree = new Int32Array(nCores);
    this.coreOwned = new Int32Array(nCores);
    this.coreStaticOk = new Uint8Array(nCores);
    for (const core of topology.cores) {
      let ok = !this.hostCores.has(core.index);
      let free = 0;
      for (const p of core.pus) {
        const usable = this.availableSet.has(p) && !this.reservedSet.has(p);
        if (usable) free++;
        else ok = false;
      }
      this.coreFree[core.index] = free;
      this.coreStaticOk[core.index] = ok ? 1 : 0;
    }
    const nDoms = [topology.l3Caches.length, topology.numaNodes.length, topology.packages.length];
    this.domCores = nDoms.map((n) => Array.from({ length: n }, () => [] as number[]));
    this.domFreeCores = nDoms.map((n) => new Int32Array(n));
    this.domFreePus = nDoms.map((n) => new Int32Array(n));
    for (const core of topology.cores) {
      const whole =
        this.coreStaticOk[core.index] === 1 && this.coreFree[core.index] === core.pus.length;
      for (let level = 0; level < 3; level++) {
        const k = level === 0 ? core.l3 : level === 1 ? core.numaNode : core.package;
        if (k < 0) continue;
        ((this.domCores[level] as number[][])[k] as number[]).push(core.index);
        if (whole) {
          const fc = this.domFreeCores[level] as Int32Array;
          const fp = this.domFreePus[level] as Int32Array;
          fc[k] = (fc[k] as number) + 1;
          fp[k] = (fp[k] as number) + core.pus.length;
        }
      }
    }
    this.l3Occupied = new Int32Array(topology.l3Caches.length);
    this.numaOccupied = new Int32Array(topology.numaNodes.length);
    this.scratchUsable = new Int32Array(nCores);
    this.scratchCap = new Int32Array(
      Math.max(
        nCores,
        topology.l3Caches.length,
        topology.numaNodes.length,
        topology.packages.length,
      ) + 1,
    );
    this.kubelet =
      config.policy === "kubelet-static"
        ? new KubeletStaticPolicy(topology, {
            options: this.options,
            reservedCpus: this.reserved,
            available: [...this.availableSet],
            ...(config.topologyManagerPolicy
              ? { topologyManagerPolicy: config.topologyManagerPolicy }
              : {}),
          })
        : null;
  }

  /** CPUs neither owned by a VM nor reserved, within the available set, ascending. */
  freeCpus(): number[] {
    const out: number[] = [];
    for (const c of this.topology.cpus) {
      if (this.availableSet.has(c) && !this.owner.has(c) && !this.reservedSet.has(c)) out.push(c);
    }
    return out;
  }

  /**
   * The free CPUs (see {@link CorePinner.freeCpus}) that lie under an L3 cache or NUMA node a VM
   * holds exclusively (NoHype's `l3-exclusive` / `numa-exclusive`): only that VM could be given
   * them, no new VM. Ascending.
   */
  claimedFreeCpus(): number[] {
    const free = new Set(this.freeCpus());
    const out: number[] = [];
    for (const core of this.topology.cores) {
      if (
        (core.l3 >= 0 && this.l3Claim.has(core.l3)) ||
        (core.numaNode >= 0 && this.numaClaim.has(core.numaNode))
      )
        for (const p of core.pus) if (free.has(p)) out.push(p);
    }
    return out.sort((a, b) => a - b);
  }

  /** The current allocations, in allocation order. */
  allocations(): PinAllocation[] {
    return [...this.vms.values()];
  }

  /** The allocation of `vm`, if any. */
  allocationOf(vm: string): PinAllocation | undefined {
    return this.vms.get(vm);
  }

  /**
   * Allocate CPUs for `vm`. Refusals (not enough CPUs, SMT alignment, no fit, …) are values.
   * @throws {@link VmCorePinnerError} `DUPLICATE_VM` when `vm` already holds CPUs, `INVALID_REQUEST`
   *   for a vCPU count that is not a positive integer.
   */
  allocate(vm: string, request: number | VmRequest): PinResult {
    const req: VmRequest = typeof request === "number" ? { vcpus: request } : request;
    if (this.vms.has(vm))
      throw new VmCorePinnerError("DUPLICATE_VM", `VM ${JSON.stringify(vm)} already has CPUs`, {
        field: "vm",
      });
    if (!Number.isSafeInteger(req.vcpus) || req.vcpus < 1) {
      throw new VmCorePinnerError(
        "INVALID_REQUEST",
        `vCPU count must be a positive integer, got ${req.vcpus}`,
        { field: "vcpus" },
      );
    }
    let freeCache: number[] | null = null;
    const freeNow = (): number[] => {
      if (freeCache === null) freeCache = this.freeCpus();
      return freeCache;
    };
    const refuse = (
      code: PinRefusalCode,
      message: string,
      available = freeNow().length,
    ): PinResult => ({
      ok: false,
      refusal: { code, message, requested: req.vcpus, available },
    });
    let pins: number[];
    let owned: number[];
    let l3Exclusive = false;
    let numaExclusive = false;
    switch (this.policy) {
      case "kubelet-static": {
        const k = this.kubelet as KubeletStaticPolicy;
        const r = k.allocate(req.vcpus);
        if (!r.ok) {
          const code: PinRefusalCode =
            r.error.reason === "SMTAlignmentError"
              ? "smt-alignment"
              : r.error.reason === "TopologyAffinityError"
                ? "topology-affinity"
                : r.error.message.startsWith("not enough cpus")
                  ? "not-enough-cpus"
                  : "allocation-failed";
          return refuse(code, r.error.message);
        }
        pins = r.cpus;
        owned = r.cpus;
        break;
      }
      case "nova-prefer":
      case "nova-isolate":
      case "nova-require": {
        const policy = this.policy.slice(5) as NovaThreadPolicy;
        const free = freeNow();
        if (req.vcpus > free.length) {
          return refuse(
            "not-enough-cpus",
            `not enough free dedicated CPUs: requested ${req.vcpus}, free ${free.length}`,
          );
        }
        const r = novaPin(this.topology, free, req.vcpus, policy);
        if (!r.ok) return refuse(r.refusal.reason, r.refusal.message);
        pins = [...r.placement.pins];
        owned = [...r.placement.consumed];
        break;
      }
      case "nohype": {
        l3Exclusive = req.l3Exclusive ?? this.defaultL3Exclusive;
        numaExclusive = req.numaExclusive ?? this.defaultNumaExclusive;
        const smtIdle = req.smtIdle ?? this.defaultSmtIdle;
        const r = this.placeNoHype(vm, req.vcpus, {
          l3Exclusive,
          numaExclusive,
          smtIdle,
          cpuKind: req.cpuKind,
        });
        if (!r.ok) return refuse(r.code, r.message, r.usableCpus);
        pins = r.pins;
        owned = r.owned;
        break;
      }
    }
    const cores: number[] = [];
    const numaNodes: number[] = [];
    const l3Caches: number[] = [];
    const numaIdx: number[] = [];
    for (const c of owned) {
      const core = this.coreOfCpu.get(c) as Core;
      if (cores.includes(core.index)) continue;
      cores.push(core.index);
      if (core.l3 >= 0 && !l3Caches.includes(core.l3)) l3Caches.push(core.l3);
      if (core.numaNode >= 0 && !numaIdx.includes(core.numaNode)) {
        numaIdx.push(core.numaNode);
        numaNodes.push(this.topology.numaNodes[core.numaNode]?.osIndex as number);
      }
    }
    cores.sort(asc);
    numaNodes.sort(asc);
    l3Caches.sort(asc);
    for (const c of owned) {
      this.owner.set(c, vm);
      this.count(c, +1);
    }
    if (l3Exclusive) for (const l of l3Caches) this.l3Claim.set(l, vm);
    if (numaExclusive) for (const n of numaIdx) this.numaClaim.set(n, vm);
    const allocation: PinAllocation = {
      vm,
      cpus: [...pins].sort(asc),
      vcpuPins: pins,
      owned: [...owned].sort(asc),
      cores,
      numaNodes,
      l3Caches,
      l3Exclusive,
      numaExclusive,
    };
    this.vms.set(vm, allocation);
    return { ok: true, allocation };
  }

  /**
   * Release everything `vm` holds. Returns the released allocation, or `undefined` for an
   * unknown VM (freeing twice is harmless).
   */
  free(vm: string): PinAllocation | undefined {
    const a = this.vms.get(vm);
    if (!a) return undefined;
    this.vms.delete(vm);
    for (const c of a.owned) {
      this.owner.delete(c);
      this.count(c, -1);
    }
    for (const [l, v] of [...this.l3Claim]) if (v === vm) this.l3Claim.delete(l);
    for (const [n, v] of [...this.numaClaim]) if (v === vm) this.numaClaim.delete(n);
    this.kubelet?.release(a.owned);
    return a;
  }

  private count(cpu: number, delta: 1 | -1) {
    const core = this.coreOfCpu.get(cpu) as Core;
    const i = core.index;
    const wasWhole = this.coreStaticOk[i] === 1 && this.coreFree[i] === core.pus.length;
    this.coreFree[i] = (this.coreFree[i] as number) - delta;
    const isWhole = this.coreStaticOk[i] === 1 && this.coreFree[i] === core.pus.length;
    if (wasWhole !== isWhole) {
      const d = isWhole ? 1 : -1;
      for (let level = 0; level < 3; level++) {
        const k = level === 0 ? core.l3 : level === 1 ? core.numaNode : core.package;
        if (k < 0) continue;
        const fc = this.domFreeCores[level] as Int32Array;
        const fp = this.domFreePus[level] as Int32Array;
        fc[k] = (fc[k] as number) + d;
        fp[k] = (fp[k] as number) + d * core.pus.length;
      }
    }
    const before = this.coreOwned[i] as number;
    this.coreOwned[i] = before + delta;
    const transition = (delta === 1 && before === 0) || (delta === -1 && before === 1);
    if (!transition) return;
    if (core.l3 >= 0) this.l3Occupied[core.l3] = (this.l3Occupied[core.l3] as number) + delta;
    if (core.numaNode >= 0)
      this.numaOccupied[core.numaNode] = (this.numaOccupied[core.numaNode] as number) + delta;
  }

  /** A comparable picture of the whole state. */
  snapshot(): PinnerSnapshot {
    return {
      free: this.freeCpus(),
      owners: [...this.owner.entries()].sort((a, b) => a[0] - b[0]),
      sharedPool: this.kubelet ? this.kubelet.sharedPool() : this.freeCpus(),
      l3Claims: [...this.l3Claim.entries()].sort((a, b) => a[0] - b[0]),
      numaClaims: [...this.numaClaim.entries()].sort((a, b) => a[0] - b[0]),
    };
  }

  /** Fragmentation of the free CPUs. */
  fragmentation(): FragmentationMetrics {
    const free = new Set(this.freeCpus());
    let freeCores = 0;
    let partialCores = 0;
    let stranded = 0;
    let claimed = 0;
    const perNuma = new Map<number, { freeCpus: number; freeCores: number }>();
    const perL3 = new Map<number, number>();
    for (const n of this.topology.numaNodes) perNuma.set(n.index, { freeCpus: 0, freeCores: 0 });
    for (const core of this.topology.cores) {
      const f = core.pus.filter((p) => free.has(p)).length;
      const usable = !this.hostCores.has(core.index);
      const entry = perNuma.get(core.numaNode);
      if (entry) entry.freeCpus += f;
      if (f === core.pus.length && usable) {
        freeCores++;
        if (
          (core.l3 >= 0 && this.l3Claim.has(core.l3)) ||
          (core.numaNode >= 0 && this.numaClaim.has(core.numaNode))
        )
          claimed++;
        if (entry) entry.freeCores++;
        if (core.l3 >= 0) perL3.set(core.l3, (perL3.get(core.l3) ?? 0) + 1);
      } else if (f > 0) {
        partialCores++;
        stranded += f;
      }
    }
    const largestNuma = Math.max(0, ...[...perNuma.values()].map((e) => e.freeCores));
    const largestL3 = Math.max(0, ...perL3.values());
    return {
      freeCpus: free.size,
      freeCores,
      partialCores,
      strandedCpus: stranded,
      claimedFreeCores: claimed,
      largestFreeCoresInNuma: perNuma.size === 0 ? freeCores : largestNuma,
      largestFreeCoresInL3: largestL3,
      fragmentation: freeCores === 0 || perNuma.size === 0 ? 0 : 1 - largestNuma / freeCores,
      perNuma: [...perNuma.entries()].map(([i, e]) => ({
        numaNode: this.topology.numaNodes[i]?.osIndex as number,
        ...e,
      })),
    };
  }

  // Fast path without exclusivity or kind filters: best fit from the per-domain counters, then a
  // walk over the chosen domain's cores only. Returns null when no single package fits (the general
  // path then spans packages) — or the refusal when the whole machine is short.
  private placeNoHypeFast(
    vcpus: number,
    smtIdle: boolean,
  ):
    | { ok: true; pins: number[]; owned: number[] }
    | { ok: false; code: PinRefusalCode; message: string; usableCpus: number }
    | null {
    const pkgCores = this.domFreeCores[2] as Int32Array;
    const pkgPus = this.domFreePus[2] as Int32Array;
    let wholeFree = 0;
    let freePus = 0;
    for (let k = 0; k < pkgCores.length; k++) {
      wholeFree += pkgCores[k] as number;
      freePus += pkgPus[k] as number;
    }
    const total = smtIdle ? wholeFree : freePus;
    if (total < vcpus) {
      return {
        ok: false,
        code: "not-enough-cpus",
        message:
          wholeFree === 0
            ? `no whole free core left for ${vcpus} vCPUs`
            : `only ${total} vCPUs fit on the ${wholeFree} whole cores usable by this VM, ${vcpus} requested`,
        usableCpus: freePus,
      };
    }
    const cores = this.topology.cores;
    for (let level = 0; level < 3; level++) {
      const capArr = (smtIdle ? this.domFreeCores[level] : this.domFreePus[level]) as Int32Array;
      let best = -1;
      let bestCap = Number.POSITIVE_INFINITY;
      for (let k = 0; k < capArr.length; k++) {
        const cc = capArr[k] as number;
        if (cc >= vcpus && cc < bestCap) {
          best = k;
          bestCap = cc;
        }
      }
      if (best < 0) continue;
      const pins: number[] = [];
      const owned: number[] = [];
      let have = 0;
      for (const ci of (this.domCores[level] as number[][])[best] as number[]) {
        if (have >= vcpus) break;
        const c = cores[ci] as Core;
        if (this.coreStaticOk[ci] !== 1 || this.coreFree[ci] !== c.pus.length) continue;
        for (const p of c.pus) owned.push(p);
        if (smtIdle) {
          pins.push(c.pus[0] as number);
          have++;
        } else {
          for (const p of c.pus) if (pins.length < vcpus) pins.push(p);
          have += c.pus.length;
        }
      }
      owned.sort(asc);
      return { ok: true, pins, owned };
    }
    return null;
  }

  // NoHype: whole cores only; a core is usable when all its threads are free and available, it
  // is not a housekeeping core, and no other VM holds an exclusive claim on its L3 / NUMA node
  // (and, for an exclusive request, no other VM occupies them).
  private placeNoHype(
    vm: string,
    vcpus: number,
    o: {
      l3Exclusive: boolean;
      numaExclusive: boolean;
      smtIdle: boolean;
      cpuKind: number | undefined;
    },
  ):
    | { ok: true; pins: number[]; owned: number[] }
    | { ok: false; code: PinRefusalCode; message: string; usableCpus: number } {
    const t = this.topology;
    const cores = t.cores;
    const claims = this.l3Claim.size > 0 || this.numaClaim.size > 0;
    if (!claims && !o.l3Exclusive && !o.numaExclusive && o.cpuKind === undefined) {
      const fast = this.placeNoHypeFast(vcpus, o.smtIdle);
      if (fast !== null) return fast;
    }
    const usableIdx = this.scratchUsable;
    let nUsable = 0;
    let wholeFree = 0;
    let usableCap = 0;
    let usableCpus = 0;
    for (let i = 0; i < cores.length; i++) {
      const core = cores[i] as Core;
      if (this.coreStaticOk[i] === 0 || this.coreFree[i] !== core.pus.length) continue;
      wholeFree++;
      if (o.cpuKind !== undefined && core.kind !== o.cpuKind) continue;
      if (claims) {
        const l3c = core.l3 >= 0 ? this.l3Claim.get(core.l3) : undefined;
        if (l3c !== undefined && l3c !== vm) continue;
        const nc = core.numaNode >= 0 ? this.numaClaim.get(core.numaNode) : undefined;
        if (nc !== undefined && nc !== vm) continue;
      }
      if (o.l3Exclusive && core.l3 >= 0 && (this.l3Occupied[core.l3] as number) > 0) continue;
      if (o.numaExclusive && core.numaNode >= 0 && (this.numaOccupied[core.numaNode] as number) > 0)
        continue;
      usableIdx[nUsable++] = i;
      usableCap += o.smtIdle ? 1 : core.pus.length;
      usableCpus += core.pus.length;
    }
    const capacity = (c: Core) => (o.smtIdle ? 1 : c.pus.length);
    const cap = (cs: readonly Core[]) => cs.reduce((a, c) => a + capacity(c), 0);
    const take = (cs: readonly Core[]): Core[] => {
      const out: Core[] = [];
      let have = 0;
      for (const c of cs) {
        if (have >= vcpus) break;
        out.push(c);
        have += capacity(c);
      }
      return out;
    };
    const finish = (chosen: Core[]) => {
      const pins: number[] = [];
      for (const c of chosen) {
        const threads = o.smtIdle ? c.pus.slice(0, 1) : c.pus;
        for (const p of threads) if (pins.length < vcpus) pins.push(p);
      }
      return { ok: true as const, pins, owned: chosen.flatMap((c) => c.pus).sort(asc) };
    };
    if (usableCap < vcpus) {
      const why =
        wholeFree === 0
          ? `no whole free core left for ${vcpus} vCPUs`
          : nUsable === 0
            ? `the ${wholeFree} whole free cores are in L3 caches or NUMA nodes that exclusivity forbids to this VM`
            : `only ${usableCap} vCPUs fit on the ${nUsable} whole cores usable by this VM, ${vcpus} requested`;
      const exclusive = o.l3Exclusive || o.numaExclusive || claims;
      return {
        ok: false,
        code: exclusive ? "no-fit" : "not-enough-cpus",
        message: why,
        usableCpus,
      };
    }
    // Best fit in the smallest enclosing domain: one L3, else one NUMA node, else one package.
    const domCap = this.scratchCap;
    const smtIdle = o.smtIdle;
    for (let level = 0; level < 3; level++) {
      const nDom =
        level === 0 ? t.l3Caches.length : level === 1 ? t.numaNodes.length : t.packages.length;
      if (nDom === 0) continue;
      domCap.fill(0, 0, nDom);
      for (let u = 0; u < nUsable; u++) {
        const c = cores[usableIdx[u] as number] as Core;
        const k = level === 0 ? c.l3 : level === 1 ? c.numaNode : c.package;
        if (k >= 0) domCap[k] = (domCap[k] as number) + (smtIdle ? 1 : c.pus.length);
      }
      let best = -1;
      let bestCap = Number.POSITIVE_INFINITY;
      for (let k = 0; k < nDom; k++) {
        const cc = domCap[k] as number;
        if (cc >= vcpus && cc < bestCap) {
          best = k;
          bestCap = cc;
        }
      }
      if (best >= 0) {
        const chosen: Core[] = [];
        let have = 0;
        for (let u = 0; u < nUsable && have < vcpus; u++) {
          const c = cores[usableIdx[u] as number] as Core;
          const k = level === 0 ? c.l3 : level === 1 ? c.numaNode : c.package;
          if (k !== best) continue;
          chosen.push(c);
          have += smtIdle ? 1 : c.pus.length;
        }
        return finish(chosen);
      }
    }
    const usable: Core[] = [];
    for (let u = 0; u < nUsable; u++) usable.push(cores[usableIdx[u] as number] as Core);
    // Spanning: fullest NUMA nodes first, and within each the fullest L3 first, to touch few domains.
    const byNuma = new Map<number, Core[]>();
    for (const c of usable) byNuma.set(c.numaNode, [...(byNuma.get(c.numaNode) ?? []), c]);
    const ordered = [...byNuma.entries()].sort((a, b) => cap(b[1]) - cap(a[1]) || a[0] - b[0]);
    const seq: Core[] = [];
    for (const [, cs] of ordered) {
      const byL3 = new Map<number, Core[]>();
      for (const c of cs) byL3.set(c.l3, [...(byL3.get(c.l3) ?? []), c]);
      for (const [, l] of [...byL3.entries()].sort((a, b) => cap(b[1]) - cap(a[1]) || a[0] - b[0]))
        seq.push(...l);
    }
    return finish(take(seq));
  }
}

/**
 * Describe an allocation in one line, kernel cpu-list syntax (`vm1: 2-3,18-19`).
 *
 * @example
 * ```ts
 * describeAllocation({ vm: "vm1", cpus: [2, 3, 18, 19] } as PinAllocation); // "vm1: 2-3,18-19"
 * ```
 */
export function describeAllocation(a: PinAllocation): string {
  return `${a.vm}: ${formatCpuList(a.cpus)}`;
}
