import { Channel, type ChannelProfile } from "./channel";
import { TcpEndpoint, type TcpEndpointOptions } from "./endpoint";
import { TcpStateTransferError } from "./errors";
import { ByteQueue } from "./internal/byte-queue";
import { type Migration, type MigrationOptions, migrateConnection } from "./migration";
import { SeededRandom } from "./random";
import { EventScheduler } from "./scheduler";
import type { TcpSegment } from "./segment";
import { TcpSocket } from "./socket";

/** One end of a simulated connection. */
export type Side = "a" | "b";

/** Options of {@link TcpSimulation}. */
export interface TcpSimulationOptions {
  /** Seed of every random choice (default 1). */
  readonly seed?: number;
  /** Share a clock with other simulated components (default: a new one). */
  readonly scheduler?: EventScheduler;
  /** Channel from a to b (default 1 ms, lossless). */
  readonly aToB?: ChannelProfile;
  /** Channel from b to a. */
  readonly bToA?: ChannelProfile;
  /** Endpoint a (the active opener); ports and ISS have defaults. */
  readonly a?: Partial<TcpEndpointOptions>;
  /** Endpoint b (the passive opener). */
  readonly b?: Partial<TcpEndpointOptions>;
}

const other = (s: Side): Side => (s === "a" ? "b" : "a");

/** What the simulator keeps per side (one object, so the hot path does no keyed lookups). */
class SideState {
  /** The socket currently holding the side's address (set when bound). */
  socket!: TcpSocket;
  /** Application bytes written but not yet accepted by the send buffer. */
  readonly pending = new ByteQueue();
  /** Writes held (the application is stopped for a migration). */
  stopped = false;
  /** No host holds the address (between the cut and the restore). */
  detached = false;
  constructor(readonly side: Side) {}
}

/**
 * Two TCP endpoints joined by two seeded channels in virtual time, with application-level
 * writes that never lose bytes (held while the send buffer is full or the side is migrating),
 * and migration of either endpoint at any instant.
 *
 * @example
 * ```ts
 * const sim = new TcpSimulation({ seed: 7, aToB: { delayUs: 1_000, loss: 0.01 } });
 * sim.connect();
 * sim.write("a", new TextEncoder().encode("OPEN"));
 * sim.runFor(100_000);
 * new TextDecoder().decode(sim.read("b")); // "OPEN"
 * ```
 */
export class TcpSimulation {
  readonly scheduler: EventScheduler;
  readonly aToB: Channel<TcpSegment>;
  readonly bToA: Channel<TcpSegment>;
  /** Called for every segment as it arrives at a side (before the endpoint sees it). */
  onSegment: ((to: Side, segment: TcpSegment) => void) | undefined;
  /** Called after a side processed a segment or timer (e.g. to read). */
  onEvent: ((side: Side) => void) | undefined;
  readonly #a = new SideState("a");
  readonly #b = new SideState("b");
  #lostAtHost = 0;
  #migrations = 0;
  #migrating: Migration | undefined;

  constructor(options: TcpSimulationOptions = {}) {
    this.scheduler = options.scheduler ?? new EventScheduler();
    const rng = new SeededRandom(options.seed ?? 1);
    const sa = this.#a;
    const sb = this.#b;
    this.aToB = new Channel(this.scheduler, rng, options.aToB ?? {}, (s) => this.#arrive(sb, s));
    this.bToA = new Channel(this.scheduler, rng, options.bToA ?? {}, (s) => this.#arrive(sa, s));
    const a = new TcpEndpoint({
      localAddress: "192.0.2.1",
      remoteAddress: "192.0.2.2",
      localPort: 40_000,
      remotePort: 179,
      iss: 0x1000,
      // Linux randomises the timestamp offset per connection; so do the simulated hosts.
      tsOffset: Math.floor(rng.next() * 2 ** 32),
      ...options.a,
    });
    const b = new TcpEndpoint({
      localAddress: a.remoteAddress,
      remoteAddress: a.localAddress,
      localPort: a.remotePort,
      remotePort: a.localPort,
      iss: 0x9000_0000,
      tsOffset: Math.floor(rng.next() * 2 ** 32),
      ...options.b,
    });
    sa.socket = this.#bind(sa, a);
    sb.socket = this.#bind(sb, b);
  }

  /** The socket currently holding a side's address. */
  socket(side: Side): TcpSocket {
    return this.#state(side).socket;
  }

  /** The endpoint currently holding a side's address. */
  endpoint(side: Side): TcpEndpoint {
    return this.#state(side).socket.endpoint;
  }

  /** Current virtual time (µs). */
  get now(): number {
    return this.scheduler.now;
  }

  /** True while a migration is running. */
  get migrating(): boolean {
    return this.#migrating !== undefined && !this.#migrating.done;
  }

  /** Completed or running migrations so far. */
  get migrations(): number {
    return this.#migrations;
  }

  /** Segments that arrived at an address no host held (during a migration). */
  get lostAtHost(): number {
    return this.#lostAtHost;
  }

  /** Application bytes written but not yet accepted by the side's send buffer. */
  pendingWrites(side: Side): number {
    return this.#state(side).pending.length;
  }

  /** Three-way handshake (a active, b passive); runs the clock until both are ESTABLISHED. */
  connect(limitUs = 60_000_000): void {
    this.#b.socket.listen();
    this.#a.socket.connect();
    const deadline = this.now + limitUs;
    while (
      !(this.endpoint("a").state === "ESTABLISHED" && this.endpoint("b").state === "ESTABLISHED")
    ) {
      if (this.now >= deadline || !this.scheduler.step()) {
        throw new TcpStateTransferError("HANDSHAKE_FAILED", "the handshake did not complete", {
          field: "state",
        });
      }
    }
  }

  /** Application write: every byte is eventually handed to the side's socket, in order. */
  write(side: Side, data: Uint8Array): void {
    const st = this.#state(side);
    st.pending.append(data);
    this.#flush(st);
  }

  /** Application read of everything readable at a side. */
  read(side: Side): Uint8Array {
    return this.#state(side).socket.read();
  }

  /** Advances virtual time. */
  runFor(us: number): void {
    this.scheduler.runFor(us);
  }

  /** Advances virtual time to `t`. */
  runUntil(t: number): void {
    this.scheduler.runUntil(t);
  }

  /** True when neither side has unacknowledged, unsent or held bytes. */
  quiet(): boolean {
    const idle = (st: SideState): boolean =>
      st.pending.length === 0 && st.socket.endpoint.sendQueueLength === 0 && !st.socket.frozen;
    return idle(this.#a) && idle(this.#b);
  }

  /**
   * Migrates one side to a new host holding the same address (see `migrateConnection`). The
   * channel toward the migrating side is cut at the freeze, as when its link moves.
   */
  migrate(side: Side, options: MigrationOptions): Migration {
    if (this.migrating) {
      throw new TcpStateTransferError("MIGRATION_BUSY", "a migration is already running", {});
    }
    this.#migrations++;
    const toSide = side === "a" ? this.bToA : this.aToB;
    const fromSide = side === "a" ? this.aToB : this.bToA;
    const st = this.#state(side);
    const m = migrateConnection(
      {
        socket: st.socket,
        stopWrites: () => {
          st.stopped = true;
        },
        detach: () => {
          st.detached = true;
          return toSide.cut() + fromSide.cut();
        },
        attach: (endpoint) => {
          const s = this.#bind(st, endpoint);
          st.socket = s;
          st.detached = false;
          return s;
        },
        resumeWrites: () => {
          st.stopped = false;
          this.#flush(st);
        },
      },
      options,
    );
    this.#migrating = m;
    return m;
  }

  #state(side: Side): SideState {
    return side === "a" ? this.#a : this.#b;
  }

  #bind(st: SideState, endpoint: TcpEndpoint): TcpSocket {
    const channel = st.side === "a" ? this.aToB : this.bToA;
    const s = new TcpSocket(endpoint, this.scheduler, (seg) => channel.send(seg));
    s.onEvent = () => {
      this.#flush(st);
      this.onEvent?.(st.side);
    };
    return s;
  }

  #arrive(to: SideState, seg: TcpSegment): void {
    if (to.detached) {
      this.#lostAtHost++;
      return;
    }
    this.onSegment?.(to.side, seg);
    to.socket.deliver(seg);
  }

  #flush(side: SideState): void {
    const q = side.pending;
    if (q.length === 0 || side.stopped) return;
    const s = side.socket;
    const st = s.endpoint.state;
    if (s.frozen || !(st === "ESTABLISHED" || st === "CLOSE-WAIT")) return;
    // The held bytes are the simulator's own immutable copy: move what the send buffer takes
    // into it, without copying (nothing at all while it is full).
    if (s.endpoint.sendSpace === 0) return;
    s.writeFrom(q);
  }

  /** The side opposite `side`. */
  static peer(side: Side): Side {
    return other(side);
  }
}
