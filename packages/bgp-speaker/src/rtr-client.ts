import { EventEmitter } from "node:events";
import { connect as tcpConnect } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import {
  encodeRtrPdu,
  RtrDecodeError,
  type RtrPdu,
  RtrStreamDecoder,
  type RtrVersion,
} from "@dyninfra/bgp-wire";
import { type Clock, systemClock } from "./clock";
import { whenConnected } from "./net";
import { RtrSession, type RtrStep, type RtrUpdate, type RtrVrp } from "./rtr-session";

/** Options of {@link RtrClient}. */
export interface RtrClientOptions {
  /** The cache's address. */
  readonly host: string;
  /** The cache's TCP port (RFC 8210 §9: 323; caches often use 8282, StayRTR's default). */
  readonly port: number;
  /** Protocol version to start with (default 1; a version 0 cache is detected and used). */
  readonly version?: RtrVersion;
  /**
   * Seconds before a failed connection or query is retried until the cache gives its own
   * interval (default 600, RFC 8210 §6; tests and labs use less).
   */
  readonly retry?: number;
  /** Time source (default the wall clock). */
  readonly clock?: Clock;
  /**
   * RTR over TLS (RFC 6810 §7.2; port 324): the cache's certificate is verified (against `ca`, by
   * default Node.js's bundled root certificates) and must name `serverName` (default `host`, also
   * an IP address). Default: plain TCP.
   */
  readonly tls?: RtrTlsOptions;
  /** Opens the transport (default: a TCP connection to host and port, or TLS with `tls`). */
  readonly connect?: (host: string, port: number) => Promise<Duplex>;
}

/** TLS settings of {@link RtrClientOptions.tls}: PEM texts. */
export interface RtrTlsOptions {
  /** Certificates of the authorities the cache's certificate must chain to. */
  readonly ca?: string;
  /** The router's certificate, for a cache that authenticates routers (with `key`). */
  readonly cert?: string;
  /** The private key of `cert`. */
  readonly key?: string;
  /** The name the cache's certificate must carry, when not its address. */
  readonly serverName?: string;
}

/** Events of {@link RtrClient}. */
export interface RtrClientEvents {
  /** New data was applied (after an End of Data), or the data expired (`reset`, all withdrawn). */
  update: [RtrUpdate];
  /** The connection is up. */
  connected: [];
  /** The connection closed; `reason`: why (a protocol error, the cache's Error Report, …). */
  disconnected: [reason: string];
}

/** What {@link RtrClient.status} reports. */
export interface RtrClientStatus {
  readonly host: string;
  readonly port: number;
  /** Whether the connection is over TLS. */
  readonly tls: boolean;
  /** Whether the client holds data (received and not expired). */
  readonly hasData: boolean;
  readonly state: RtrSession["state"];
  readonly version: RtrVersion;
  readonly sessionId: number | null;
  readonly serial: number | null;
  readonly vrps: number;
  readonly routerKeys: number;
  /** Updates applied since start. */
  readonly updates: number;
  /** Wall-clock time (ms) of the last update applied, or null. */
  readonly lastUpdate: number | null;
  /** Why the last connection ended, or null. */
  readonly lastError: string | null;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
}

const tcp = (host: string, port: number): Promise<Duplex> =>
  whenConnected(tcpConnect({ host, port }), "connect");

/** Opens a TLS connection with `t`'s settings (the cache's certificate verified). */
const tls =
  (t: RtrTlsOptions) =>
  (host: string, port: number): Promise<Duplex> =>
    whenConnected(
      tlsConnect({
        host,
        port,
        ...(t.ca !== undefined ? { ca: t.ca } : {}),
        ...(t.cert !== undefined ? { cert: t.cert } : {}),
        ...(t.key !== undefined ? { key: t.key } : {}),
        ...(t.serverName !== undefined ? { servername: t.serverName } : {}),
      }),
      "secureConnect",
    );

/**
 * An RPKI-to-Router client (RFC 8210, falling back to RFC 6810's version 0): keeps a connection
 * to an RPKI cache (StayRTR, Routinator, rpki-client with an RTR server, …), receives its
 * Validated ROA Payloads and emits each End of Data's changes as an `update` event. It polls
 * with a Serial Query at the cache's refresh interval and on its Serial Notify, reconnects after
 * the retry interval, and withdraws everything when no update succeeded for the expire interval
 * (§6). Protocol errors are answered with an Error Report and the connection closed (the data
 * in use is kept until it expires).
 *
 * @example
 * ```ts
 * import { RtrClient } from "@dyninfra/bgp-speaker";
 * const rtr = new RtrClient({ host: "127.0.0.1", port: 8282 });
 * rtr.on("update", (u) => console.log(`+${u.announced.length} -${u.withdrawn.length} VRPs`));
 * rtr.start();
 * // … rtr.stop();
 * ```
 */
export class RtrClient extends EventEmitter<RtrClientEvents> {
  private readonly session: RtrSession;
  private readonly clock: Clock;
  private readonly open: (host: string, port: number) => Promise<Duplex>;
  private socket: Duplex | undefined;
  private running = false;
  private timer: unknown;
  private expireTimer: unknown;
  private updates = 0;
  private lastUpdate: number | null = null;
  private lastError: string | null = null;
  /** Bumped per connection: events of an old socket are ignored. */
  private generation = 0;

  constructor(readonly options: RtrClientOptions) {
    super();
    this.session = new RtrSession(options.version ?? 1);
    this.clock = options.clock ?? systemClock;
    this.open = options.connect ?? (options.tls !== undefined ? tls(options.tls) : tcp);
  }

  /** Whether the client holds data from the cache (received and not expired). */
  get hasData(): boolean {
    return this.session.hasData;
  }

  /** The VRPs in use. */
  vrps(): RtrVrp[] {
    return [...this.session.vrps()];
  }

  /** Where the client stands. */
  status(): RtrClientStatus {
    const s = this.session;
    const hasData = s.hasData;
    return {
      host: this.options.host,
      port: this.options.port,
      tls: this.options.tls !== undefined,
      hasData,
      state: s.state,
      version: s.version,
      sessionId: hasData ? (s.sessionId ?? null) : null,
      serial: hasData ? (s.serial ?? null) : null,
      vrps: s.size,
      routerKeys: s.routerKeys,
      updates: this.updates,
      lastUpdate: this.lastUpdate,
      lastError: this.lastError,
      ...s.intervals,
    };
  }

  /** Connects (and keeps reconnecting until {@link RtrClient.stop}). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connectNow();
  }

  /** Closes the connection and stops every timer; the data in use is kept. */
  stop(): void {
    this.running = false;
    this.clearTimer();
    if (this.expireTimer !== undefined) this.clock.clearTimer(this.expireTimer);
    this.expireTimer = undefined;
    this.drop();
  }

  /** Polls the cache now (a Serial Query when connected and idle). */
  refresh(): void {
    this.run(this.session.poll());
  }

  private async connectNow(): Promise<void> {
    this.clearTimer();
    const gen = ++this.generation;
    let socket: Duplex;
    try {
      socket = await this.open(this.options.host, this.options.port);
    } catch (e) {
      if (gen !== this.generation || !this.running) return;
      this.lastError = `cannot connect to ${this.options.host} port ${this.options.port}: ${(e as Error).message}`;
      this.emit("disconnected", this.lastError);
      this.schedule(this.retrySeconds(), () => void this.connectNow());
      return;
    }
    if (gen !== this.generation || !this.running) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    const decoder = new RtrStreamDecoder();
    socket.on("data", (chunk: Buffer) => {
      if (gen !== this.generation) return;
      let pdus: RtrPdu[];
      try {
        pdus = decoder.push(chunk);
      } catch (e) {
        if (!RtrDecodeError.isInstance(e)) {
          this.run(this.session.decodeError(0, new Uint8Array(0), (e as Error).message));
          return;
        }
        // The PDUs before the bad one first (an End of Data among them completes an update).
        for (const pdu of e.pdus) {
          if (gen !== this.generation) return;
          this.run(this.session.receive(pdu));
        }
        if (gen === this.generation)
          this.run(this.session.decodeError(e.rtrErrorCode, e.pdu, e.message));
        return;
      }
      for (const pdu of pdus) {
        if (gen !== this.generation) return;
        this.run(this.session.receive(pdu));
      }
    });
    const lost = (why: string) => {
      if (gen === this.generation) this.lost(why);
    };
    socket.on("error", (e) => lost(`connection error: ${e.message}`));
    socket.on("close", () => lost("connection closed by the cache"));
    this.emit("connected");
    this.run(this.session.connected());
  }

  /** The connection is gone: reconnect after the retry interval (the data is kept). */
  private lost(why: string): void {
    this.drop();
    this.session.disconnected();
    this.lastError = why;
    this.emit("disconnected", why);
    if (this.running) this.schedule(this.retrySeconds(), () => void this.connectNow());
  }

  /** Carries out a step of the session. */
  private run(step: RtrStep): void {
    const socket = this.socket;
    for (const pdu of step.send) {
      socket?.write(encodeRtrPdu(pdu));
      // A query unanswered for the retry interval failed (RFC 8210 §6): connect again.
      if (pdu.type === "reset-query" || pdu.type === "serial-query")
        this.schedule(this.retrySeconds(), () => {
          const st = this.session.state;
          if (st === "awaiting-response" || st === "receiving")
            this.lost(`no answer to the ${pdu.type} within ${this.retrySeconds()} s`);
        });
    }
    if (step.update !== undefined) {
      this.updates++;
      this.lastUpdate = Date.now();
      // The expire interval counts from each successful End of Data (RFC 8210 §6).
      if (this.expireTimer !== undefined) this.clock.clearTimer(this.expireTimer);
      this.expireTimer = this.clock.setTimer(
        () => this.expired(),
        this.session.intervals.expire * 1000,
      );
      this.emit("update", step.update);
      if (this.running && step.close === undefined)
        this.schedule(this.session.intervals.refresh, () => this.refresh());
    }
    if (step.close !== undefined) {
      const { reason, reconnectNow } = step.close;
      this.lastError = reason;
      this.generation++;
      this.drop(true);
      this.emit("disconnected", reason);
      if (!this.running) return;
      // A version downgrade tries again at once (not through the clock: no time passes).
      if (reconnectNow) {
        this.clearTimer();
        setImmediate(() => {
          if (this.running && this.socket === undefined && this.timer === undefined)
            void this.connectNow();
        });
      } else this.schedule(this.retrySeconds(), () => void this.connectNow());
    }
  }

  private expired(): void {
    this.expireTimer = undefined;
    const u = this.session.expire();
    if (u !== undefined) {
      this.updates++;
      this.lastUpdate = Date.now();
      this.emit("update", u);
    }
  }

  private retrySeconds(): number {
    return this.session.hasData
      ? this.session.intervals.retry
      : (this.options.retry ?? this.session.intervals.retry);
  }

  private schedule(seconds: number, fn: () => void): void {
    this.clearTimer();
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      fn();
    }, seconds * 1000);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Closes the socket (after what was written is flushed when `flush`). */
  private drop(flush = false): void {
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined) return;
    this.generation++;
    if (flush) s.end();
    else s.destroy();
    s.on("error", () => {});
  }
}
