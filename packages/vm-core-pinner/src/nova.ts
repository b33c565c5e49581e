import type { Topology } from "./topology";

/** OpenStack Nova `hw:cpu_thread_policy` values. */
export type NovaThreadPolicy = "prefer" | "isolate" | "require";

/** A Nova placement: vCPU i runs on `pins[i]`; `consumed` are the host CPUs taken from the pool. */
export interface NovaPlacement {
  /** Host NUMA cell (OS index) the instance was fitted into. */
  readonly numaNode: number;
  /** Host CPU of each vCPU, in vCPU order. */
  readonly pins: readonly number[];
  /** Host CPUs no other instance may use: `pins`, plus the idle siblings of used cores under `isolate`. */
  readonly consumed: readonly number[];
}

/** Why Nova could not place the instance. */
export interface NovaRefusal {
  readonly reason: "thread-policy" | "no-fit";
  readonly message: string;
}

/** Outcome of {@link novaPin}. */
export type NovaResult =
  | { readonly ok: true; readonly placement: NovaPlacement }
  | { readonly ok: false; readonly refusal: NovaRefusal };

/**
 * Pin a dedicated-CPU instance (`hw:cpu_policy=dedicated`) the way Nova's libvirt driver does
 * (`nova/virt/hardware.py`, `_pack_instance_onto_cores`): the instance must fit in one host NUMA
 * cell (cells tried in order); free threads are grouped per core ("sibling sets").
 *
 * - `prefer`: for `n` from the largest number of free threads any core has down to 1, take the cores
 *   with at least `n` free threads; if `n` threads of each can hold the instance, vCPUs go onto the
 *   first `n` free threads of those cores, core by core. Failing that, every free thread of the cell
 *   is used singly, in core order. (Nova uses `gcd(threads, vCPUs)` only for the guest topology it
 *   exposes, not for the pinning.)
 * - `require`: like `prefer` but only with `n ≥ 2` and without the fallback; refused on hosts without SMT.
 * - `isolate`: one vCPU per fully free core of the cell's widest thread count (on a hybrid cell,
 *   single-thread cores are not used); the core's other threads are consumed (left idle) so no
 *   other instance shares the core.
 *
 * @param free - host CPUs currently free for pinning.
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:1 core:4 pu:2");
 * novaPin(t, t.cpus, 2, "isolate"); // pins [0, 2], consumed [0, 1, 2, 3]
 * ```
 */
export function novaPin(
  t: Topology,
  free: Iterable<number>,
  vcpus: number,
  policy: NovaThreadPolicy,
): NovaResult {
  const freeSet = new Set(free);
  const threadsPerCore = t.cores.reduce((m, c) => Math.max(m, c.pus.length), 1);
  if (policy === "require" && threadsPerCore < 2) {
    return {
      ok: false,
      refusal: {
        reason: "thread-policy",
        message: "Host does not support requested thread policy: require (no SMT siblings)",
      },
    };
  }
  const cells = t.numaNodes.length > 0 ? t.numaNodes.map((n) => n.index) : [-1];
  for (const cell of cells) {
    const cores = t.cores.filter((c) => c.numaNode === cell || cell === -1);
    if (cores.length === 0) continue;
    // Free threads of each core, in core order (Nova: host_cell.free_siblings).
    const siblings = cores
      .map((c) => c.pus.filter((p) => freeSet.has(p)))
      .filter((s) => s.length > 0);
    const cellOs = cell === -1 ? 0 : (t.numaNodes[cell]?.osIndex ?? 0);
    if (policy === "isolate") {
      // Nova: threads_per_core = the cell's widest core; only cores with that many free threads
      // count (sibling_sets[threads_per_core]), so on a hybrid cell single-thread cores are unused.
      const cellThreads = cores.reduce((m, c) => Math.max(m, c.pus.length), 1);
      const whole = cores.filter(
        (c) => c.pus.length >= cellThreads && c.pus.every((p) => freeSet.has(p)),
      );
      if (whole.length < vcpus) continue;
      const used = whole.slice(0, vcpus);
      return {
        ok: true,
        placement: {
          numaNode: cellOs,
          pins: used.map((c) => c.pus[0] as number),
          consumed: used.flatMap((c) => c.pus).sort((a, b) => a - b),
        },
      };
    }
    // Nova's sibling_sets: n -> cores with at least n free threads, tried with n descending.
    const maxFree = siblings.reduce((m, s) => Math.max(m, s.length), 0);
    for (let threadsNo = maxFree; threadsNo >= 1; threadsNo--) {
      if (policy === "require" && threadsNo < 2) break;
      const set = siblings.filter((s) => s.length >= threadsNo);
      if (threadsNo * set.length < vcpus) continue;
      const pins = set.flatMap((s) => s.slice(0, threadsNo)).slice(0, vcpus);
      return {
        ok: true,
        placement: { numaNode: cellOs, pins, consumed: [...pins].sort((a, b) => a - b) },
      };
    }
    if (policy === "prefer") {
      // Nova's fallback: every free thread as if it were a core of its own.
      const all = siblings.flat();
      if (all.length >= vcpus) {
        const pins = all.slice(0, vcpus);
        return {
          ok: true,
          placement: { numaNode: cellOs, pins, consumed: [...pins].sort((a, b) => a - b) },
        };
      }
    }
  }
  return {
    ok: false,
    refusal: {
      reason: "no-fit",
      message: `no host NUMA cell has ${vcpus} free dedicated CPUs for thread policy ${policy}`,
    },
  };
}
