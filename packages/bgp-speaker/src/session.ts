import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type {
  BgpMessage,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from "@dyninfra/bgp-wire";
import {
  BgpWireError,
  ceaseWithShutdownCommunication,
  DEFAULT_SESSION_CONTEXT,
  decodeMessage,
  decodeUpdate,
  encodeMessage,
  hardReset,
  isHardReset,
  maxMessageLength,
  requiresHardReset,
} from "@dyninfra/bgp-wire";
import type { Clock } from "./clock";
import { systemClock } from "./clock";
import { BgpSpeakerError } from "./errors";
import type { FrameResult } from "./framer";
import { MessageFramer } from "./framer";
import type { FsmAction, FsmConfig, FsmEvent, FsmState, FsmTimer } from "./fsm";
import { fsmConfig, fsmStep, INITIAL_FSM_STATE } from "./fsm";
import type { NegotiatedSession, SpeakerCapabilities } from "./open";
import { checkOpen, localOpen, speakerCapabilities } from "./open";

/**
 * Configuration of one BGP session (one neighbour).
 *
 * @example
 * ```ts
 * import type { SessionConfig } from "@dyninfra/bgp-speaker";
 * const cfg: SessionConfig = {
 *   name: "gobgp", localAsn: 64500, bgpIdentifier: "192.0.2.1", peerAsn: 64501,
 *   peerAddress: "192.0.2.2", passive: false,
 * };
 * ```
 */
export interface SessionConfig {
  /** A name for logs and the control interface. */
  readonly name: string;
  readonly localAsn: number;
  /** This speaker's BGP Identifier. */
  readonly bgpIdentifier: string;
  /** The neighbour's AS; undefined accepts any. */
  readonly peerAsn?: number;
  /** The neighbour's address (informational; connecting is the transport's job). */
  readonly peerAddress?: string;
  /** Wait for the neighbour to connect (RFC 4271 §8.1.1 PassiveTcpEstablishment). */
  readonly passive: boolean;
  /** FSM timers and options; RFC 4271 §10 defaults. */
  readonly fsm?: Partial<FsmConfig>;
  /** Capabilities offered; defaults from {@link speakerCapabilities}. */
  readonly capabilities?: Partial<SpeakerCapabilities>;
  /**
   * Seconds to wait in Idle before an AutomaticStart after the session fell (not after a
   * ManualStop); undefined: stay Idle until started again.
   */
  readonly idleHoldTime?: number;
  /**
   * Seconds the neighbour may leave our messages untaken (RFC 9687's SendHoldTime: bytes written
   * but not taken by the transport, the TCP window closed) before the session is closed with a
   * NOTIFICATION Send Hold Timer Expired; 0 turns the check off. Default: 8 minutes, or twice the
   * negotiated Hold Time when that is longer.
   */
  readonly sendHoldTime?: number;
}

/** Connects to the neighbour: returns the byte stream once the TCP connection is up. */
export type Connector = () => Promise<Duplex>;

/**
 * Options of a session: its clock and how to open a connection.
 *
 * @example
 * ```ts
 * import { ManualClock } from "@dyninfra/bgp-speaker";
 * const options = { clock: new ManualClock() };
 * ```
 */
export interface SessionOptions {
  readonly clock?: Clock;
  /** Opens an outgoing connection (active sessions). Without it the session only accepts. */
  readonly connect?: Connector;
}

/**
 * Everything needed to continue an Established session elsewhere (the grafting hook): FSM state,
 * both OPENs and what they negotiated, timer deadlines, the times of the last KEEPALIVE sent and
 * received, and inbound bytes already read but not yet processed (a partial message, possibly
 * preceded by whole ones). Versioned plain data (JSON-safe except the byte arrays).
 *
 * @example
 * ```ts
 * import type { SessionState } from "@dyninfra/bgp-speaker";
 * const deadline = (s: SessionState) => s.timers.HoldTimer;
 * ```
 */
export interface SessionState {
  readonly version: 1;
  readonly config: SessionConfig;
  readonly fsm: FsmState;
  readonly localOpen: OpenMessage;
  readonly remoteOpen: OpenMessage;
  readonly negotiated: NegotiatedSession;
  /** Absolute deadlines (clock ms) of the running timers; null when stopped. */
  readonly timers: Readonly<Record<FsmTimer, number | null>>;
  readonly lastKeepaliveSent: number | null;
  readonly lastKeepaliveReceived: number | null;
  readonly lastMessageReceived: number | null;
  /** Inbound bytes read from the stream and not yet processed. */
  readonly unprocessedInbound: Uint8Array;
  readonly counters: SessionCounters;
  /** Clock time at which the session was paused. */
  readonly pausedAt: number;
}

/**
 * Message counters of a session, per direction and type.
 *
 * @example
 * ```ts
 * import type { SessionCounters } from "@dyninfra/bgp-speaker";
 * const total = (c: SessionCounters) => c.updatesReceived + c.updatesSent;
 * ```
 */
export interface SessionCounters {
  readonly opensSent: number;
  readonly opensReceived: number;
  readonly updatesSent: number;
  readonly updatesReceived: number;
  readonly keepalivesSent: number;
  readonly keepalivesReceived: number;
  readonly notificationsSent: number;
  readonly notificationsReceived: number;
  readonly routeRefreshesSent: number;
  readonly routeRefreshesReceived: number;
  /** UPDATEs handled as treat-as-withdraw or attribute-discard (RFC 7606). */
  readonly updatesRepaired: number;
  /** Of those, UPDATEs handled as treat-as-withdraw (RFC 7606 §2; BMP statistic 11). */
  readonly updatesTreatedAsWithdraw: number;
  /** Routes those UPDATEs announced, withdrawn instead (BMP statistic 12). */
  readonly prefixesTreatedAsWithdraw: number;
}

/**
 * The NOTIFICATION that ended an established session, with the side that sent it and whether
 * Graceful Restart still applies: `graceful` when the Notification (N) bit was exchanged and it is
 * not a Hard Reset (RFC 8538 §4).
 *
 * @example
 * ```ts
 * import type { SessionEndNotification } from "@dyninfra/bgp-speaker";
 * const retains = (n: SessionEndNotification | undefined) => n === undefined || n.graceful;
 * ```
 */
export interface SessionEndNotification {
  readonly direction: "sent" | "received";
  readonly message: NotificationMessage;
  readonly graceful: boolean;
}

/**
 * Events of a {@link BgpSession}.
 *
 * @example
 * ```ts
 * import type { SessionEvents } from "@dyninfra/bgp-speaker";
 * type E = keyof SessionEvents; // "state" | "established" | …
 * ```
 */
export interface SessionEvents {
  /** Every FSM transition. */
  state: [from: string, to: string, event: string];
  /** The session reached Established. */
  established: [negotiated: NegotiatedSession];
  /**
   * An UPDATE to process (RFC 7606 already applied: a treat-as-withdraw UPDATE arrives with its
   * announced routes moved to the withdrawals).
   */
  update: [update: UpdateMessage, action: "accept" | "attribute-discard" | "treat-as-withdraw"];
  "route-refresh": [message: RouteRefreshMessage];
  /**
   * Every whole message received, as it came (marker, header and body; for an MRT log, say), before
   * it is processed. The bytes are valid during the call only: copy them to keep them.
   */
  message: [type: number, bytes: Uint8Array];
  /**
   * The connection took every byte written to it after it had refused more (Node's `drain`):
   * {@link BgpSession.sendBacklog} is 0 again.
   */
  drain: [];
  "notification-sent": [notification: NotificationMessage];
  "notification-received": [notification: NotificationMessage];
  /**
   * The routes learned on this session must be deleted (it left Established); `event` is the FSM
   * event that took it down (`TcpConnectionFails` and `HoldTimer_Expires` are the ones after which
   * Graceful Restart may retain them, RFC 4724 §4.2).
   */
  down: [reason: string, event: FsmEvent["type"], notification?: SessionEndNotification];
  /** A protocol problem worth logging, with where it was found. */
  warning: [message: string];
  /**
   * An outgoing connection opened while this session already has one in OpenSent/OpenConfirm
   * (RFC 4271 §6.8); without a listener it is closed.
   */
  "second-connection": [stream: Duplex];
}

type MutableCounters = { -readonly [K in keyof SessionCounters]: SessionCounters[K] };

function zeroCounters(): MutableCounters {
  return {
    opensSent: 0,
    opensReceived: 0,
    updatesSent: 0,
    updatesReceived: 0,
    keepalivesSent: 0,
    keepalivesReceived: 0,
    notificationsSent: 0,
    notificationsReceived: 0,
    routeRefreshesSent: 0,
    routeRefreshesReceived: 0,
    updatesRepaired: 0,
    updatesTreatedAsWithdraw: 0,
    prefixesTreatedAsWithdraw: 0,
  };
}

const TIMERS: readonly FsmTimer[] = [
  "ConnectRetryTimer",
  "HoldTimer",
  "KeepaliveTimer",
  "DelayOpenTimer",
];

/**
 * One BGP session: the RFC 4271 §8 FSM ({@link fsmStep}) driven over any duplex byte stream — a
 * `node:net` socket, an in-memory pipe, or a simulated TCP connection — with timers from a
 * {@link Clock}. It validates and negotiates OPENs, applies RFC 7606 to UPDATEs, and can be
 * paused and resumed on another stream (grafting) without a new OPEN.
 *
 * @example
 * ```ts
 * import { BgpSession, ManualClock, memoryPipe } from "@dyninfra/bgp-speaker";
 * const clock = new ManualClock();
 * const [a, b] = memoryPipe();
 * const s1 = new BgpSession({ name: "a", localAsn: 64500, bgpIdentifier: "192.0.2.1", peerAsn: 64501, passive: true }, { clock });
 * const s2 = new BgpSession({ name: "b", localAsn: 64501, bgpIdentifier: "192.0.2.2", peerAsn: 64500, passive: true }, { clock });
 * s1.start(); s2.start();
 * s1.accept(a); s2.accept(b);
 * ```
 */
export class BgpSession extends EventEmitter<SessionEvents> {
  readonly config: SessionConfig;
  readonly fsmConfig: FsmConfig;
  readonly capabilities: SpeakerCapabilities;
  private readonly clock: Clock;
  private readonly connector: Connector | undefined;
  private fsm: FsmState = INITIAL_FSM_STATE;
  private stream: Duplex | undefined;
  private detachedStream: Duplex | undefined;

  /**
   * The stream {@link BgpSession.pause} let go of (open, unread), for its owner to hand over or
   * close once the connection has moved — e.g. a socket frozen with Linux `TCP_REPAIR`, which then
   * closes without a FIN or a reset.
   */
  get pausedStream(): Duplex | undefined {
    return this.detachedStream;
  }
  private framer = new MessageFramer();
  /** The SendHoldTimer (RFC 9687), while written bytes wait (see {@link BgpSession.send}). */
  private sendHoldHandle: unknown;
  /** When the transport last took bytes we wrote (or the wait began). */
  private lastSendProgress = 0;
  private readonly timerHandles = new Map<FsmTimer, unknown>();
  private readonly deadlines = new Map<FsmTimer, number>();
  private mine: OpenMessage;
  private theirs: OpenMessage | undefined;
  private negotiatedSession: NegotiatedSession | undefined;
  private counters = zeroCounters();
  private lastKeepaliveSent: number | null = null;
  private lastKeepaliveReceived: number | null = null;
  private lastMessageReceived: number | null = null;
  private paused = false;
  /** The timers' deadlines at the pause, for {@link BgpSession.unpause}. */
  private pausedTimers: Record<FsmTimer, number | null> | undefined;
  private processing = false;
  private manuallyStopped = false;
  private initiatedLocally = false;
  private restartTimer: unknown;
  /** The event being dispatched (for the cause of a `down`). */
  private currentEvent: FsmEvent["type"] = "ManualStart";
  /** The NOTIFICATION sent or received in the FSM step being performed (for `down`). */
  private stepNotification: SessionEndNotification | undefined;
  private readonly onData = (chunk: Buffer | Uint8Array) => this.receive(chunk);
  private readonly onClose = () => this.connectionLost();
  private readonly onDrain = () => this.emit("drain");
  private readonly onError = (err: Error) => {
    this.emit("warning", `transport error: ${err.message}`);
    this.connectionLost();
  };

  constructor(config: SessionConfig, options: SessionOptions = {}) {
    super();
    this.config = config;
    this.fsmConfig = fsmConfig(config.fsm);
    this.capabilities = speakerCapabilities(config.capabilities);
    this.clock = options.clock ?? systemClock;
    this.connector = options.connect;
    this.mine = localOpen(
      config.localAsn,
      config.bgpIdentifier,
      this.fsmConfig.holdTime,
      this.capabilities,
    );
  }

  /** The current FSM state. */
  get state(): FsmState["state"] {
    return this.fsm.state;
  }

  /** The whole FSM state (state, ConnectRetryCounter, running timers). */
  get fsmState(): FsmState {
    return this.fsm;
  }

  /** The OPEN this speaker sends. */
  get sentOpen(): OpenMessage {
    return this.mine;
  }

  /** The neighbour's OPEN of the current (or last) connection; undefined before one arrived. */
  get receivedOpen(): OpenMessage | undefined {
    return this.theirs;
  }

  /** The byte stream the session runs over (undefined while idle or paused). */
  get transport(): Duplex | undefined {
    return this.stream;
  }

  /** What the OPEN exchange negotiated; undefined before OpenConfirm. */
  get negotiated(): NegotiatedSession | undefined {
    return this.negotiatedSession;
  }

  /** Message counters. */
  get stats(): SessionCounters {
    return { ...this.counters };
  }

  /** ManualStart (or ManualStart_with_PassiveTcpEstablishment for passive sessions). */
  start(): void {
    this.manuallyStopped = false;
    this.clearRestart();
    this.dispatch(
      this.config.passive
        ? { type: "ManualStart_with_PassiveTcpEstablishment" }
        : { type: "ManualStart" },
    );
  }

  /**
   * ManualStop: sends Cease / Administrative Shutdown, with an RFC 8203 Shutdown Communication
   * when `shutdownCommunication` is given, and closes the connection.
   */
  stop(shutdownCommunication?: string): void {
    this.shutdown(
      shutdownCommunication !== undefined
        ? ceaseWithShutdownCommunication(2, shutdownCommunication)
        : undefined,
    );
  }

  /**
   * ManualStop with a NOTIFICATION of the caller's (e.g. Cease / Maximum Number of Prefixes
   * Reached; none: Cease / Administrative Shutdown): sent — as a Hard Reset when RFC 8538 asks
   * for one — and the connection closed. The session stays down until {@link BgpSession.start},
   * or `restartAfterMs` (a start or stop before then cancels that restart).
   */
  shutdown(notification?: NotificationMessage, restartAfterMs?: number): void {
    this.manuallyStopped = true;
    this.clearRestart();
    this.dispatch(notification ? { type: "ManualStop", notification } : { type: "ManualStop" });
    if (restartAfterMs !== undefined)
      this.restartTimer = this.clock.setTimer(() => {
        this.restartTimer = undefined;
        this.start();
      }, restartAfterMs);
  }

  /** Cancels a pending automatic or scheduled restart. */
  private clearRestart(): void {
    if (this.restartTimer !== undefined) this.clock.clearTimer(this.restartTimer);
    this.restartTimer = undefined;
  }

  /**
   * Hands a TCP connection to the session: TcpConnectionConfirmed for an incoming one, or
   * Tcp_CR_Acked when `initiatedLocally`. Refused (the stream is destroyed) when the session
   * already has one or is Idle.
   */
  accept(stream: Duplex, initiatedLocally = false): boolean {
    if (this.stream !== undefined || this.fsm.state === "Idle") {
      stream.destroy();
      return false;
    }
    this.attach(stream);
    this.initiatedLocally = initiatedLocally;
    this.dispatch(initiatedLocally ? { type: "Tcp_CR_Acked" } : { type: "TcpConnectionConfirmed" });
    return true;
  }

  /** True while the session holds a transport connection. */
  get hasConnection(): boolean {
    return this.stream !== undefined;
  }

  /** True when the current connection was opened by this speaker (RFC 4271 §6.8). */
  get connectionInitiatedLocally(): boolean {
    return this.initiatedLocally;
  }

  /**
   * The connection is known to be dead although it has not closed — the neighbour restarted and
   * connected anew: the stream is destroyed and the FSM gets TcpConnectionFails now.
   */
  connectionFailed(): void {
    const s = this.detach();
    if (s === undefined) return;
    s.destroy();
    this.dispatch({ type: "TcpConnectionFails" });
  }

  /**
   * Collision resolution chose to close this connection (RFC 4271 §6.8): OpenCollisionDump, i.e.
   * Cease / Connection Collision Resolution and back to Idle.
   */
  collisionDump(): void {
    this.manuallyStopped = true; // the surviving connection carries the session on
    this.dispatch({ type: "OpenCollisionDump" });
  }

  /**
   * Bytes written to the connection and not yet taken by it (the transport's own buffer is full:
   * a slow or stalled neighbour). A sender can pace itself by this and the `drain` event.
   */
  get sendBacklog(): number {
    return this.stream?.writableLength ?? 0;
  }

  /** Whether the connection refused more bytes and will say `drain` when it has taken them. */
  get awaitingDrain(): boolean {
    return this.stream?.writableNeedDrain === true;
  }

  /** Sends an UPDATE (Established only); restarts the KeepaliveTimer as RFC 4271 §8.2.2 says. */
  sendUpdate(update: UpdateMessage): void {
    this.requireEstablished("sendUpdate");
    this.write(update);
    this.counters.updatesSent += 1;
    this.restartKeepalive();
  }

  /** Sends UPDATEs already encoded for this session's send context. */
  sendEncodedUpdates(messages: readonly Uint8Array[]): void {
    this.requireEstablished("sendEncodedUpdates");
    // Coalesce into large writes: one syscall per ~1 MiB instead of one per message.
    const stream = this.stream!;
    let batch: Uint8Array[] = [];
    let bytes = 0;
    for (const m of messages) {
      batch.push(m);
      bytes += m.length;
      if (bytes >= 1 << 20) {
        this.send(stream, Buffer.concat(batch, bytes));
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length === 1) this.send(stream, batch[0]!);
    else if (batch.length > 1) this.send(stream, Buffer.concat(batch, bytes));
    this.counters.updatesSent += messages.length;
    if (messages.length > 0) this.restartKeepalive();
  }

  /** Sends a ROUTE-REFRESH (RFC 2918; subtype 1/2 = BoRR/EoRR per RFC 7313). */
  sendRouteRefresh(afi: number, safi: number, subtype = 0): void {
    this.requireEstablished("sendRouteRefresh");
    const n = this.negotiatedSession!;
    if (!n.routeRefresh)
      throw new BgpSpeakerError("NOT_NEGOTIATED", "route refresh was not negotiated", {
        field: "routeRefresh",
      });
    if (subtype !== 0 && !n.enhancedRouteRefresh)
      throw new BgpSpeakerError("NOT_NEGOTIATED", "enhanced route refresh was not negotiated", {
        field: "enhancedRouteRefresh",
      });
    this.write({ type: "ROUTE_REFRESH", afi, safi, subtype });
    this.counters.routeRefreshesSent += 1;
  }

  /**
   * Grafting hook: stops reading and writing, cancels the timers and returns everything needed to
   * continue the session elsewhere with {@link BgpSession.resume}. The stream is detached, not
   * closed: the TCP connection itself moves with its own state.
   */
  pause(): SessionState {
    this.requireEstablished("pause");
    const stream = this.stream!;
    this.detach();
    this.detachedStream = stream;
    // Bytes the stream already buffered are ours too.
    for (let c = stream.read() as Buffer | null; c !== null; c = stream.read() as Buffer | null)
      this.framer.push(c);
    this.paused = true;
    const timers = {} as Record<FsmTimer, number | null>;
    for (const t of TIMERS) timers[t] = this.deadlines.get(t) ?? null;
    for (const t of TIMERS) this.cancelTimer(t);
    this.pausedTimers = timers;
    return {
      version: 1,
      config: this.config,
      fsm: this.fsm,
      localOpen: this.mine,
      remoteOpen: this.theirs!,
      negotiated: this.negotiatedSession!,
      timers,
      lastKeepaliveSent: this.lastKeepaliveSent,
      lastKeepaliveReceived: this.lastKeepaliveReceived,
      lastMessageReceived: this.lastMessageReceived,
      unprocessedInbound: this.framer.pending(),
      counters: { ...this.counters },
      pausedAt: this.clock.now(),
    };
  }

  /** True between {@link BgpSession.pause} and {@link BgpSession.unpause}. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Undoes {@link BgpSession.pause} (a graft abandoned before another router resumed the
   * session): reading and writing go on over the stream it let go of, the timers run on to their
   * deadlines (one that passed meanwhile fires at once), and what was read but not processed is
   * processed first (in a microtask). The stream must still be open; a TCP connection frozen with
   * Linux `TCP_REPAIR` must leave repair mode first (`tcp-repair.py thaw`).
   *
   * @example
   * ```ts
   * import type { BgpSession } from "@dyninfra/bgp-speaker";
   * const abandon = (s: BgpSession) => {
   *   s.pause();
   *   s.unpause(); // Established again, on the same stream
   * };
   * ```
   */
  unpause(): void {
    const stream = this.detachedStream;
    if (!this.paused || stream === undefined)
      throw new BgpSpeakerError("NOT_PAUSED", "unpause needs a paused session", {
        field: "state",
      });
    if (stream.destroyed)
      throw new BgpSpeakerError("STREAM_CLOSED", "the paused session's stream was closed", {
        field: "stream",
      });
    this.detachedStream = undefined;
    this.attach(stream);
    const now = this.clock.now();
    const timers = this.pausedTimers;
    this.pausedTimers = undefined;
    for (const t of TIMERS) {
      const at = timers?.[t];
      if (at !== null && at !== undefined) this.armTimer(t, Math.max(0, at - now), at);
    }
    queueMicrotask(() => this.drain());
  }

  /**
   * Continues a paused session over `stream` (on another router): no OPEN is sent, the timers
   * run on to their deadlines, and the unprocessed inbound bytes are processed first (in a
   * microtask, so that handlers attached right after `resume` see them).
   */
  static resume(state: SessionState, stream: Duplex, options: SessionOptions = {}): BgpSession {
    if (state.version !== 1)
      throw new BgpSpeakerError("BAD_STATE_VERSION", `session state version ${state.version}`, {
        field: "version",
      });
    if (state.fsm.state !== "Established")
      throw new BgpSpeakerError(
        "NOT_ESTABLISHED",
        `cannot resume a session in ${state.fsm.state}`,
        {
          field: "fsm.state",
        },
      );
    const s = new BgpSession(state.config, options);
    s.fsm = state.fsm;
    s.mine = state.localOpen;
    s.theirs = state.remoteOpen;
    s.negotiatedSession = state.negotiated;
    s.counters = { ...state.counters };
    s.lastKeepaliveSent = state.lastKeepaliveSent;
    s.lastKeepaliveReceived = state.lastKeepaliveReceived;
    s.lastMessageReceived = state.lastMessageReceived;
    s.framer = new MessageFramer(state.unprocessedInbound);
    s.attach(stream);
    const now = s.clock.now();
    for (const t of TIMERS) {
      const at = state.timers[t];
      if (at !== null && at !== undefined) s.armTimer(t, Math.max(0, at - now), at);
    }
    // Process what was already read once the caller has attached its handlers.
    queueMicrotask(() => s.drain());
    return s;
  }

  // ---------------------------------------------------------------------------------------------

  private requireEstablished(what: string): void {
    if (this.fsm.state !== "Established" || this.stream === undefined || this.paused)
      throw new BgpSpeakerError(
        "NOT_ESTABLISHED",
        `${what} needs an Established session (state ${this.fsm.state}${this.paused ? ", paused" : ""})`,
        { field: "state" },
      );
  }

  private attach(stream: Duplex): void {
    this.stream = stream;
    this.paused = false;
    stream.on("data", this.onData);
    stream.on("drain", this.onDrain);
    stream.on("end", this.onClose);
    stream.on("close", this.onClose);
    stream.off("error", ignoreError);
    stream.on("error", this.onError);
    stream.resume();
  }

  private detach(): Duplex | undefined {
    const s = this.stream;
    if (s === undefined) return undefined;
    this.cancelSendHold();
    s.off("data", this.onData);
    s.off("drain", this.onDrain);
    s.off("end", this.onClose);
    s.off("close", this.onClose);
    s.off("error", this.onError);
    // The stream may still report an error (a reset after we let go of it): never crash on it.
    if (s.listenerCount("error") === 0) s.on("error", ignoreError);
    s.pause();
    this.stream = undefined;
    return s;
  }

  private connectionLost(): void {
    if (this.stream === undefined) return;
    this.detach();
    this.dispatch({ type: "TcpConnectionFails" });
  }

  private write(m: BgpMessage): void {
    const ctx = this.negotiatedSession?.send ?? DEFAULT_SESSION_CONTEXT;
    if (this.stream !== undefined) this.send(this.stream, encodeMessage(m, ctx));
  }

  /**
   * Writes bytes to the connection, watched by the SendHoldTimer (RFC 9687): each write the
   * transport completes is progress; bytes left waiting with no progress for the SendHoldTime
   * end the session (see {@link BgpSession.checkSendHold}).
   */
  private send(stream: Duplex, bytes: Uint8Array): void {
    if (this.sendHoldHandle === undefined) this.lastSendProgress = this.clock.now();
    stream.write(bytes, () => {
      if (this.stream === stream) this.lastSendProgress = this.clock.now();
    });
    if (this.sendHoldHandle === undefined && stream.writableLength > 0) this.armSendHold(stream);
  }

  /** The SendHoldTime in ms (0: not checked). */
  private sendHoldMs(): number {
    const configured = this.config.sendHoldTime;
    if (configured !== undefined) return configured * 1000;
    return Math.max(480, 2 * this.fsm.negotiatedHoldTime) * 1000;
  }

  private armSendHold(stream: Duplex, at = this.lastSendProgress + this.sendHoldMs()): void {
    if (this.sendHoldMs() === 0) return;
    const wait = Math.max(0, at - this.clock.now());
    this.sendHoldHandle = this.clock.setTimer(() => {
      this.sendHoldHandle = undefined;
      this.checkSendHold(stream);
    }, wait);
  }

  /**
   * The SendHoldTimer ran out: nothing waiting (all taken since), or progress since it was set —
   * set it again from the last progress; else SendHoldTimer_Expires, from OpenSent on.
   */
  private checkSendHold(stream: Duplex): void {
    if (this.stream !== stream || stream.writableLength === 0) return;
    const due = this.lastSendProgress + this.sendHoldMs();
    if (this.clock.now() < due) {
      this.armSendHold(stream, due);
      return;
    }
    const st = this.fsm.state;
    if (st === "OpenSent" || st === "OpenConfirm" || st === "Established")
      this.dispatch({ type: "SendHoldTimer_Expires" });
  }

  private cancelSendHold(): void {
    if (this.sendHoldHandle !== undefined) this.clock.clearTimer(this.sendHoldHandle);
    this.sendHoldHandle = undefined;
  }

  private restartKeepalive(): void {
    const hold = this.fsm.negotiatedHoldTime;
    if (hold !== 0 && this.fsm.state === "Established") {
      this.armTimer("KeepaliveTimer", Math.floor(hold / 3) * 1000);
    }
  }

  private armTimer(timer: FsmTimer, ms: number, at = this.clock.now() + ms): void {
    this.cancelTimer(timer);
    this.deadlines.set(timer, at);
    this.timerHandles.set(
      timer,
      this.clock.setTimer(() => {
        this.timerHandles.delete(timer);
        this.deadlines.delete(timer);
        if (timer !== "HoldTimer" || this.clock !== systemClock) {
          this.dispatch({ type: `${timer}_Expires` } as FsmEvent);
          return;
        }
        // Node runs due timers before it reads sockets: after the event loop was busy, a
        // KEEPALIVE may be waiting unread. Read first (setImmediate runs after the poll phase);
        // expire only if nothing re-armed the Hold Timer meanwhile.
        setImmediate(() => {
          if (!this.deadlines.has("HoldTimer") && this.fsm.running.HoldTimer)
            this.dispatch({ type: "HoldTimer_Expires" });
        });
      }, ms),
    );
  }

  private cancelTimer(timer: FsmTimer): void {
    const h = this.timerHandles.get(timer);
    if (h !== undefined) this.clock.clearTimer(h);
    this.timerHandles.delete(timer);
    this.deadlines.delete(timer);
  }

  /**
   * Whether both sides announced Graceful Restart with the Notification (N) bit (RFC 8538 §2) on
   * the session now established.
   */
  private notificationBitExchanged(): boolean {
    const local = this.capabilities.gracefulRestart;
    const peer = this.negotiatedSession?.peerGracefulRestart;
    return (
      local !== false &&
      local.notification === true &&
      peer !== undefined &&
      peer !== false &&
      peer.notification
    );
  }

  private hardAdminReset(): boolean {
    const local = this.capabilities.gracefulRestart;
    return local !== false && local.hardAdministrativeReset === true;
  }

  private dispatch(event: FsmEvent): void {
    const from = this.fsm;
    const { state, actions } = fsmStep(this.fsmConfig, from, event);
    this.fsm = state;
    this.currentEvent = event.type;
    for (const a of actions) this.perform(a);
    this.stepNotification = undefined;
    if (from.state !== state.state) {
      this.emit("state", from.state, state.state, event.type);
      if (state.state === "Idle") this.scheduleAutomaticStart();
    }
  }

  /** After falling to Idle, an AutomaticStart once the idle hold time has passed. */
  private scheduleAutomaticStart(): void {
    const hold = this.config.idleHoldTime;
    if (hold === undefined || this.manuallyStopped || this.restartTimer !== undefined) return;
    this.restartTimer = this.clock.setTimer(() => {
      this.restartTimer = undefined;
      if (this.fsm.state !== "Idle" || this.manuallyStopped) return;
      this.dispatch(
        this.config.passive
          ? { type: "AutomaticStart_with_PassiveTcpEstablishment" }
          : { type: "AutomaticStart" },
      );
    }, hold * 1000);
  }

  private perform(a: FsmAction): void {
    switch (a.type) {
      case "start-timer":
        this.armTimer(a.timer, a.seconds * 1000);
        return;
      case "stop-timer":
        this.cancelTimer(a.timer);
        return;
      case "initiate-connection":
        this.initiateConnection();
        return;
      case "listen":
        return; // incoming connections arrive through accept()
      case "drop-connection": {
        const s = this.detach();
        // Flush what was written (a NOTIFICATION), then close — at once when the neighbour takes
        // nothing (RFC 9687: the NOTIFICATION is sent as far as it goes).
        if (this.currentEvent === "SendHoldTimer_Expires") s?.destroy();
        else s?.end(() => s.destroy());
        this.framer = new MessageFramer();
        return;
      }
      case "send-open":
        this.write(this.mine);
        this.counters.opensSent += 1;
        return;
      case "send-keepalive":
        this.write({ type: "KEEPALIVE" });
        this.counters.keepalivesSent += 1;
        this.lastKeepaliveSent = this.clock.now();
        return;
      case "send-notification": {
        // RFC 8538 §5.1: with the N bit exchanged, what ends the session for good goes as a
        // Hard Reset; any other NOTIFICATION lets the peer restart gracefully.
        const n = this.notificationBitExchanged();
        const sent =
          n &&
          !isHardReset(a.notification) &&
          requiresHardReset(a.notification, this.hardAdminReset())
            ? hardReset(a.notification)
            : a.notification;
        this.write(sent);
        this.counters.notificationsSent += 1;
        this.stepNotification = {
          direction: "sent",
          message: sent,
          graceful: n && !isHardReset(sent),
        };
        this.emit("notification-sent", sent);
        return;
      }
      case "process-update":
        return; // the UPDATE is emitted by receive() right after the FSM accepts it
      case "delete-routes":
        this.emit(
          "down",
          `session left Established (${this.currentEvent})`,
          this.currentEvent,
          this.stepNotification,
        );
        return;
      case "release-resources":
        this.theirs = undefined;
        this.negotiatedSession = undefined;
        return;
      case "established":
        this.emit("established", this.negotiatedSession!);
        return;
    }
  }

  private initiateConnection(): void {
    const connect = this.connector;
    if (connect === undefined) return;
    connect().then(
      (stream) => {
        if (this.fsm.state !== "Connect" || this.stream !== undefined) {
          // A second connection to the same peer (§6.8): whoever tracks collisions takes it.
          const tracking =
            (this.fsm.state === "OpenSent" || this.fsm.state === "OpenConfirm") &&
            this.listenerCount("second-connection") > 0;
          if (tracking) this.emit("second-connection", stream);
          else stream.destroy();
          return;
        }
        this.attach(stream);
        this.initiatedLocally = true;
        this.dispatch({ type: "Tcp_CR_Acked" });
      },
      () => {
        if (this.fsm.state === "Connect") this.dispatch({ type: "TcpConnectionFails" });
      },
    );
  }

  private receive(chunk: Uint8Array): void {
    this.framer.push(chunk);
    this.drain();
  }

  /** Processes every whole message in the framer (re-entrancy safe). */
  private drain(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.stream !== undefined && !this.paused) {
        const max = this.negotiatedSession
          ? maxMessageLength(this.negotiatedSession.receive)
          : 4096;
        const r: FrameResult = this.framer.next(max);
        if (r.kind === "incomplete") break;
        if (r.kind === "header-error") {
          this.emit("warning", `message header error at stream offset ${r.offset}: ${r.reason}`);
          this.dispatch({ type: "BGPHeaderErr", notification: r.notification });
          break;
        }
        this.lastMessageReceived = this.clock.now();
        if (this.listenerCount("message") > 0) this.emit("message", r.type, r.bytes);
        this.handleMessage(r.type, r.bytes);
      }
    } finally {
      this.processing = false;
    }
  }

  private handleMessage(type: number, bytes: Uint8Array): void {
    const ctx = this.negotiatedSession?.receive ?? DEFAULT_SESSION_CONTEXT;
    if (type === 2) {
      this.counters.updatesReceived += 1;
      if (this.fsm.state !== "Established") {
        this.dispatch({ type: "UpdateMsg" });
        return;
      }
      const r = decodeUpdate(bytes, ctx);
      if (!r.ok) {
        for (const e of r.errors)
          this.emit("warning", `UPDATE error at offset ${e.offset}: ${e.reason}`);
        this.dispatch({ type: "UpdateMsgErr", notification: r.notification });
        return;
      }
      this.dispatch({ type: "UpdateMsg" });
      let update = r.update;
      let action = r.action;
      if (action !== "accept") {
        this.counters.updatesRepaired += 1;
        for (const e of r.errors)
          this.emit("warning", `UPDATE ${action} at offset ${e.offset}: ${e.reason}`);
      }
      const mp = update.pathAttributes.mpReachNlri;
      if (
        action !== "treat-as-withdraw" &&
        mp?.afi === 1 &&
        mp.nextHop.some((h) => h.includes(":")) &&
        this.negotiatedSession?.extendedNextHop !== true
      ) {
        // RFC 8950: an IPv6 next hop for IPv4 routes only where Extended Next Hop Encoding was
        // negotiated; the routes are unusable otherwise (RFC 7606 §2's treat-as-withdraw).
        if (action === "accept") this.counters.updatesRepaired += 1;
        action = "treat-as-withdraw";
        this.emit(
          "warning",
          "UPDATE treat-as-withdraw: IPv4 routes with an IPv6 next hop without Extended Next Hop Encoding (RFC 8950)",
        );
      }
      if (action === "treat-as-withdraw") {
        this.counters.updatesTreatedAsWithdraw += 1;
        this.counters.prefixesTreatedAsWithdraw +=
          update.nlri.length + (update.pathAttributes.mpReachNlri?.nlri.length ?? 0);
        update = treatAsWithdraw(update);
      }
      this.emit("update", update, action);
      return;
    }
    let message: BgpMessage;
    try {
      message = decodeMessage(bytes, ctx);
    } catch (e) {
      if (!BgpWireError.isInstance(e)) throw e;
      const errorCode = type === 1 ? 2 : type === 5 ? 7 : 1;
      // RFC 4271 §6.2 (OPEN, subcode 0 when no more specific one applies), RFC 7313 §5
      // (ROUTE-REFRESH Invalid Message Length), §6.1 otherwise.
      const notification: NotificationMessage = {
        type: "NOTIFICATION",
        errorCode,
        errorSubcode: type === 5 ? 1 : 0,
        data: new Uint8Array(0),
      };
      this.emit("warning", `malformed message type ${type}: ${e.message}`);
      this.dispatch(
        type === 1
          ? { type: "BGPOpenMsgErr", notification }
          : { type: "BGPHeaderErr", notification },
      );
      return;
    }
    switch (message.type) {
      case "OPEN": {
        this.counters.opensReceived += 1;
        const check = checkOpen(this.mine, this.capabilities, message, {
          ...(this.config.peerAsn !== undefined ? { peerAsn: this.config.peerAsn } : {}),
          localAsn: this.config.localAsn,
          localBgpIdentifier: this.config.bgpIdentifier,
        });
        if (!check.ok) {
          this.emit("warning", `OPEN refused: ${check.reason}`);
          this.dispatch({ type: "BGPOpenMsgErr", notification: check.notification });
          return;
        }
        this.theirs = message;
        this.negotiatedSession = check.value;
        this.dispatch({ type: "BGPOpen", holdTime: check.value.holdTime });
        return;
      }
      case "KEEPALIVE":
        this.counters.keepalivesReceived += 1;
        this.lastKeepaliveReceived = this.clock.now();
        this.dispatch({ type: "KeepAliveMsg" });
        return;
      case "NOTIFICATION":
        this.counters.notificationsReceived += 1;
        this.stepNotification = {
          direction: "received",
          message,
          graceful: this.notificationBitExchanged() && !isHardReset(message),
        };
        this.emit("notification-received", message);
        // RFC 4271 §8.1.2: event 24 is a NOTIFICATION carrying a version error.
        this.dispatch(
          message.errorCode === 2 && message.errorSubcode === 1
            ? { type: "NotifMsgVerErr" }
            : { type: "NotifMsg" },
        );
        return;
      case "ROUTE_REFRESH":
        this.counters.routeRefreshesReceived += 1;
        if (this.fsm.state === "Established") this.emit("route-refresh", message);
        return;
      case "UPDATE":
        return;
    }
  }
}

function ignoreError(): void {}

/** RFC 7606 §2: treat-as-withdraw withdraws every route the UPDATE announced. */
function treatAsWithdraw(update: UpdateMessage): UpdateMessage {
  const a = update.pathAttributes;
  const withdrawnRoutes = [...update.withdrawnRoutes, ...update.nlri];
  const mp = a.mpReachNlri;
  const pathAttributes =
    mp !== undefined
      ? {
          mpUnreachNlri: {
            afi: mp.afi,
            safi: mp.safi,
            withdrawnRoutes: [...(a.mpUnreachNlri?.withdrawnRoutes ?? []), ...mp.nlri],
          },
        }
      : a.mpUnreachNlri !== undefined
        ? { mpUnreachNlri: a.mpUnreachNlri }
        : {};
  return { type: "UPDATE", withdrawnRoutes, pathAttributes, nlri: [] };
}
