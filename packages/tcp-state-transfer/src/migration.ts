import { restoreEndpoint, type TcpEndpoint, type TcpRestoreOptions } from "./endpoint";
import { TcpStateTransferError } from "./errors";
import { SNAPSHOT_STATES, type TcpRepairSnapshot } from "./snapshot";
import { decodeSnapshot, encodeSnapshot } from "./snapshot-codec";
import type { TcpSocket } from "./socket";

/** What the migration protocol needs from the system it runs in. */
export interface MigrationHost {
  /** The connection's socket on the old host. */
  readonly socket: TcpSocket;
  /** The application stops writing; its writes are held until {@link MigrationHost.resumeWrites}. */
  stopWrites(): void;
  /** The old host gives up the address (the cut); returns the segments lost in flight. */
  detach(): number;
  /** The new host takes the same address with the restored endpoint and returns its socket. */
  attach(endpoint: TcpEndpoint): TcpSocket;
  /** The application writes again, now through the new socket. */
  resumeWrites(socket: TcpSocket): void;
}

/** Options of {@link migrateConnection}. Durations are virtual µs. */
export interface MigrationOptions {
  /** Stop writing and wait until the send queue is acknowledged before freezing. */
  readonly quiesce: boolean;
  /** Give up waiting for the acknowledgements after this long and freeze anyway (default 1 s). */
  readonly quiesceTimeoutUs?: number;
  /** How often the quiesce checks the send queue (default 100 µs). */
  readonly quiescePollUs?: number;
  /** Time to dump the socket after freezing (default 200 µs). */
  readonly dumpUs?: number;
  /** Time to carry the snapshot to the new host (default 2 ms). */
  readonly transferUs?: number;
  /** Time to restore and leave repair mode (default 200 µs). */
  readonly restoreUs?: number;
  /** Restore options of the new host. */
  readonly restore?: Omit<TcpRestoreOptions, "now">;
}

/** What happened during one migration. */
export interface MigrationReport {
  readonly quiesce: boolean;
  /** True when the quiesce gave up before the send queue was acknowledged. */
  readonly quiesceTimedOut: boolean;
  readonly startedAt: number;
  readonly frozenAt: number;
  readonly resumedAt: number;
  /** Sent-but-unacknowledged bytes at the freeze (data in flight at the cut). */
  readonly unackedBytesAtFreeze: number;
  /** Unsent bytes in the send queue at the freeze. */
  readonly unsentBytesAtFreeze: number;
  /** Segments lost in flight at the cut. */
  readonly lostInFlight: number;
  /** Size of the binary snapshot carried to the new host. */
  readonly snapshotBytes: number;
  readonly snapshot: TcpRepairSnapshot;
}

/**
 * A migration in progress; completes in virtual time as the scheduler runs.
 *
 * @example
 * ```ts
 * const m = migrateConnection(host, { quiesce: true });
 * clock.runFor(50_000);
 * if (m.done) console.log(m.report.resumedAt - m.report.startedAt);
 * ```
 */
export class Migration {
  #report: MigrationReport | undefined;
  #socket: TcpSocket | undefined;
  /** Called once when the connection runs on the new host. */
  onDone: ((report: MigrationReport, socket: TcpSocket) => void) | undefined;

  /** True once the restored connection has resumed. */
  get done(): boolean {
    return this.#report !== undefined;
  }

  /** The report (throws before completion). */
  get report(): MigrationReport {
    if (this.#report === undefined) {
      throw new TcpStateTransferError("MIGRATION_PENDING", "the migration has not completed", {});
    }
    return this.#report;
  }

  /** The socket on the new host, once done. */
  get socket(): TcpSocket | undefined {
    return this.#socket;
  }

  /** @internal */
  complete(report: MigrationReport, socket: TcpSocket): void {
    this.#report = report;
    this.#socket = socket;
    this.onDone?.(report, socket);
  }
}

/**
 * Moves a live connection to another host holding the same address, in virtual time:
 * quiesce (stop writing; wait, up to a timeout, until the send queue is acknowledged) →
 * freeze (TCP_REPAIR on) → snapshot (binary form) → carry → restore on the new host →
 * resume (TCP_REPAIR off, window probe) → the application writes again.
 *
 * Without the quiesce, data in flight at the cut is lost with the link; the restored socket has
 * RTO = 1 s and the initial window, so the peer stalls about a second. With it, nothing is in
 * flight and the peer sees only the freeze (a few ms).
 *
 * @example
 * ```ts
 * const m = migrateConnection(host, { quiesce: true, transferUs: 2_000 });
 * m.onDone = (report) => console.log("resumed at", report.resumedAt);
 * ```
 */
export function migrateConnection(host: MigrationHost, options: MigrationOptions): Migration {
  const socket = host.socket;
  const clock = socket.scheduler;
  const state = socket.endpoint.state;
  if (!SNAPSHOT_STATES.includes(state) || socket.frozen) {
    throw new TcpStateTransferError(
      "NOT_MIGRATABLE",
      `a ${socket.frozen ? "frozen" : state} connection cannot be migrated`,
      { field: "state" },
    );
  }
  const m = new Migration();
  const startedAt = clock.now;
  const timeout = options.quiesceTimeoutUs ?? 1_000_000;
  const poll = Math.max(1, options.quiescePollUs ?? 100);
  host.stopWrites();

  const freeze = (timedOut: boolean): void => {
    const frozenAt = clock.now;
    const info = socket.endpoint.info;
    const sentEnd = info.sndMax;
    const unacked = Math.max(
      0,
      Math.min(socket.endpoint.sendQueueLength, (sentEnd - info.sndUna) | 0),
    );
    const unsent = socket.endpoint.sendQueueLength - unacked;
    socket.freeze();
    const lost = host.detach();
    clock.after(options.dumpUs ?? 200, () => {
      const snapshot = socket.endpoint.snapshot(clock.now);
      const wire = encodeSnapshot(snapshot);
      clock.after(options.transferUs ?? 2_000, () => {
        const received = decodeSnapshot(wire);
        clock.after(options.restoreUs ?? 200, () => {
          const restored = restoreEndpoint(received, { ...options.restore, now: clock.now });
          const next = host.attach(restored);
          next.resume();
          host.resumeWrites(next);
          m.complete(
            {
              quiesce: options.quiesce,
              quiesceTimedOut: timedOut,
              startedAt,
              frozenAt,
              resumedAt: clock.now,
              unackedBytesAtFreeze: unacked,
              unsentBytesAtFreeze: unsent,
              lostInFlight: lost,
              snapshotBytes: wire.length,
              snapshot,
            },
            next,
          );
        });
      });
    });
  };

  if (!options.quiesce) {
    freeze(false);
    return m;
  }
  const check = (): void => {
    if (socket.endpoint.sendQueueLength === 0) freeze(false);
    else if (clock.now - startedAt >= timeout) freeze(true);
    else clock.after(poll, check);
  };
  check();
  return m;
}
