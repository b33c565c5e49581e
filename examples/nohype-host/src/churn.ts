import { formatMac } from "@dyninfra/sriov-queues";
import { type CheckStats, checkHost, type Violation } from "./checks";
import type { NoHypeHost } from "./host";
import type { Tenant } from "./tenants";

/** Options of {@link runChurn}. */
export interface ChurnOptions {
  readonly events: number;
  readonly seed?: number;
  /** VLANs tenants pick from (must be trunked to the host's switch port). */
  readonly vlans: readonly number[];
  /** Full table walks of every VM every this many events (besides the event's own VM); default 100. */
  readonly fullCheckEvery?: number;
  /** Called with each event's violations (stop early by throwing). */
  readonly onViolation?: (event: number, v: readonly Violation[]) => void;
}

/** What a churn run did. */
export interface ChurnResult {
  readonly events: number;
  readonly starts: number;
  readonly stops: number;
  readonly refusals: Record<string, number>;
  readonly violations: number;
  readonly maxRunning: number;
  readonly seconds: number;
  readonly stats: CheckStats;
}

/** A churn run as the demo's summary and report show it. */
export interface ChurnSummary {
  readonly events: number;
  /** Wall time of the run, checks included. */
  readonly seconds: number;
  readonly violations: number;
  /** The topology it ran on. */
  readonly topology: string;
  readonly starts?: number;
  readonly stops?: number;
  /** Clean refusals by stage. */
  readonly refusals?: Readonly<Record<string, number>>;
  readonly maxRunning?: number;
  /** What the checks after the events looked at. */
  readonly checks?: CheckStats;
}

/** mulberry32: a small deterministic PRNG. @example const r = prng(1); r(); */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random start/stop events (60 % starts while fewer than 3/4 of the cores are taken), with the
 * host-wide checks after each: cores, extents, sampled DMA translations, interrupts and the
 * traffic of the event's VM for every event; full EPT and IOMMU table walks of the event's VM
 * each event and of every VM every `fullCheckEvery` events.
 *
 * @example
 * ```ts
 * const r = runChurn(host, { events: 1000, vlans: [10, 20] });
 * r.violations; // 0
 * ```
 */
export function runChurn(host: NoHypeHost, options: ChurnOptions): ChurnResult {
  const rnd = prng(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const every = options.fullCheckEvery ?? 100;
  const stats: CheckStats = { translations: 0, tableRanges: 0, interrupts: 0, frames: 0 };
  const refusals: Record<string, number> = {};
  let starts = 0;
  let stops = 0;
  let violations = 0;
  let maxRunning = 0;
  let serial = 0;
  const t0 = performance.now();
  for (let e = 0; e < options.events; e++) {
    const running = host.running();
    const start = running.length === 0 || rnd() < 0.6;
    let focus: string;
    if (start) {
      serial++;
      const small = rnd() < 0.15;
      const nics = Array.from({ length: Math.floor(rnd() * 3) }, (_, i) => ({
        mac: formatMac(0x02_00_00_00_00_00 + serial * 4 + i),
        vlan: pick(options.vlans),
        qos: Math.floor(rnd() * 8),
        maxTxRateMbps: pick([100, 500, 1000, 2500]),
      }));
      const tenant: Tenant = {
        name: `t${serial}`,
        vcpus: 1 + Math.floor(rnd() * 8),
        memoryMiB: small ? 64 * (1 + Math.floor(rnd() * 4)) : 256 * (1 + Math.floor(rnd() * 16)),
        pageSize: small ? "4K" : "2M",
        l3Ways: 1 + Math.floor(rnd() * 2),
        memBandwidthPercent: pick([10, 10, 20]),
        nics,
      };
      focus = tenant.name;
      const r = host.start(tenant);
      if (r.ok) starts++;
      else refusals[r.refusal.stage] = (refusals[r.refusal.stage] ?? 0) + 1;
    } else {
      focus = pick(running).tenant.name;
      host.stop(focus);
      stops++;
    }
    maxRunning = Math.max(maxRunning, host.running().length);
    const full = every > 0 && (e + 1) % every === 0;
    const v = checkHost(
      host,
      {
        dmaSamples: 4,
        trafficPairs: { involving: focus },
        tableWalks: full ? "all" : { only: focus },
      },
      stats,
    );
    if (v.length > 0) {
      violations += v.length;
      options.onViolation?.(e, v);
    }
  }
  return {
    events: options.events,
    starts,
    stops,
    refusals,
    violations,
    maxRunning,
    seconds: (performance.now() - t0) / 1000,
    stats,
  };
}
