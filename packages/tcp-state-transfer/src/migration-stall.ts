import type { MigrationOptions, MigrationReport } from "./migration";
import { TcpSimulation } from "./simulation";

/** Options of {@link measureMigrationStall}. Durations are virtual µs. */
export interface MigrationStallOptions {
  /** Quiesce before freezing (the point of the experiment). */
  readonly quiesce: boolean;
  readonly seed?: number;
  /** One-way propagation delay of the link (default 1 ms). */
  readonly oneWayDelayUs?: number;
  /** Size of each application message, e.g. a BGP UPDATE (default 1 KiB). */
  readonly messageBytes?: number;
  /** Interval between messages (default 500 ms). */
  readonly intervalUs?: number;
  /** Messages sent before the migration (default 4). */
  readonly messagesBefore?: number;
  /** The cut happens this long after the last message was written, while it is in flight (default 300 µs). */
  readonly cutAfterWriteUs?: number;
  /** Messages sent after the migration starts (default 6). */
  readonly messagesAfter?: number;
  /** Further migration options. */
  readonly migration?: Omit<MigrationOptions, "quiesce">;
}

/** Result of {@link measureMigrationStall}. */
export interface MigrationStallResult {
  /**
   * The stall the peer sees: the longest time (µs) any message written from the start of the
   * migration on took from `write` to complete arrival at the peer.
   */
  readonly stallUs: number;
  /** Message latency before the migration (one-way delay), for reference. */
  readonly baselineUs: number;
  readonly report: MigrationReport;
  readonly bytesWritten: number;
  readonly bytesReceived: number;
  /** The peer received exactly the bytes written, in order, and the connection stayed up. */
  readonly intact: boolean;
  /** Retransmission timeouts the restored endpoint took. */
  readonly restoredTimeouts: number;
}

/**
 * The experiment behind the quiesce. Side a sends periodic messages (as a BGP speaker sends
 * UPDATEs) to side b; a is migrated while a message is in flight; the peer's worst message
 * latency is measured.
 *
 * Without the quiesce, the in-flight message is lost at the cut; the peer's answer to the window
 * probe acknowledges nothing new, so the restored socket (RTO = 1 s, no RTT estimate) waits for
 * its first timeout: the peer sees a stall of about one second. With the quiesce the message is
 * acknowledged before the freeze, and the peer sees only the freeze and a round trip: a few ms.
 *
 * @example
 * ```ts
 * measureMigrationStall({ quiesce: false }).stallUs; // ≈ 1_000_000
 * measureMigrationStall({ quiesce: true }).stallUs;  // a few thousand
 * ```
 */
export function measureMigrationStall(options: MigrationStallOptions): MigrationStallResult {
  const delay = options.oneWayDelayUs ?? 1_000;
  const sim = new TcpSimulation({
    seed: options.seed ?? 1,
    aToB: { delayUs: delay },
    bToA: { delayUs: delay },
  });
  sim.connect();
  const size = options.messageBytes ?? 1024;
  const interval = options.intervalUs ?? 500_000;
  const before = options.messagesBefore ?? 4;
  const after = options.messagesAfter ?? 6;
  const start = sim.now;
  const writes: { at: number; end: number }[] = [];
  let written = 0;
  const message = (): void => {
    const m = new Uint8Array(size);
    for (let i = 0; i < size; i++) m[i] = (written + i) & 0xff;
    sim.write("a", m);
    written += size;
    writes.push({ at: sim.now, end: written });
  };
  for (let i = 0; i < before + after; i++) {
    sim.scheduler.at(start + i * interval, message);
  }
  const migrateAt = start + (before - 1) * interval + (options.cutAfterWriteUs ?? 300);
  const arrivals: { at: number; total: number }[] = [];
  let received = 0;
  let intact = true;
  sim.onEvent = (side) => {
    if (side !== "b") return;
    const bytes = sim.read("b");
    if (bytes.length === 0) return;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== ((received + i) & 0xff)) intact = false;
    }
    received += bytes.length;
    arrivals.push({ at: sim.now, total: received });
  };
  sim.runUntil(migrateAt);
  const m = sim.migrate("a", { ...options.migration, quiesce: options.quiesce });
  sim.runUntil(start + (before + after) * interval + 30_000_000);
  const latency = (w: { at: number; end: number }): number => {
    const a = arrivals.find((x) => x.total >= w.end);
    return a === undefined ? Number.POSITIVE_INFINITY : a.at - w.at;
  };
  // Messages from the last one before the cut on are affected by the migration.
  const firstAffected = writes[before - 1]?.at ?? migrateAt;
  let stall = 0;
  let baseline = 0;
  for (const w of writes) {
    if (w.at >= firstAffected) stall = Math.max(stall, latency(w));
    else baseline = Math.max(baseline, latency(w));
  }
  const a = sim.endpoint("a");
  return {
    stallUs: stall,
    baselineUs: baseline,
    report: m.report,
    bytesWritten: written,
    bytesReceived: received,
    intact:
      intact &&
      received === written &&
      a.state === "ESTABLISHED" &&
      sim.endpoint("b").state === "ESTABLISHED",
    restoredTimeouts: a.info.timeouts,
  };
}
