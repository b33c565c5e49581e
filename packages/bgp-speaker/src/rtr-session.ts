import { encodeRtrPdu, RTR_ERROR_CODE, type RtrPdu, type RtrVersion } from "@dyninfra/bgp-wire";

/** A Validated ROA Payload as an RTR cache sends it (prefix in canonical text). */
export interface RtrVrp {
  /** `address/length`, canonical (host bits zero; IPv6 in RFC 5952 form). */
  readonly prefix: string;
  readonly maxLength: number;
  readonly asn: number;
}

/** The timing parameters of RFC 8210 §6, in seconds. */
export interface RtrIntervals {
  /** How long to wait before polling the cache with a Serial Query (1–86,400). */
  readonly refresh: number;
  /** How long to wait before retrying a failed query or connection (1–7,200). */
  readonly retry: number;
  /** How long the data may be used without a successful update (600–172,800). */
  readonly expire: number;
}

/** The defaults RFC 8210 §6 recommends (and version 0, which has no intervals, uses). */
export const RTR_DEFAULT_INTERVALS: RtrIntervals = { refresh: 3600, retry: 600, expire: 7200 };

const clamp = (v: number | undefined, lo: number, hi: number, dflt: number): number =>
  v === undefined ? dflt : Math.min(hi, Math.max(lo, v));

/** What the data learnt from the cache became at an End of Data. */
export interface RtrUpdate {
  /** VRPs new since the previous update. */
  readonly announced: readonly RtrVrp[];
  /** VRPs gone since the previous update. */
  readonly withdrawn: readonly RtrVrp[];
  /** Whether this update replaced the whole set (the answer to a Reset Query). */
  readonly reset: boolean;
  readonly sessionId: number;
  readonly serial: number;
  /** Router keys (BGPsec, RFC 8210 §5.10) held after the update. */
  readonly routerKeys: number;
}

/** What {@link RtrSession} asks of the transport after an input. */
export interface RtrStep {
  /** PDUs to send, in order. */
  readonly send: RtrPdu[];
  /** Set when an End of Data committed new data. */
  readonly update?: RtrUpdate;
  /**
   * Set when the connection must be closed (after `send`): why, and whether the next connection
   * should be made at once (a version downgrade) rather than after the retry interval.
   */
  readonly close?: { readonly reason: string; readonly reconnectNow: boolean };
}

/** States of {@link RtrSession}. */
export type RtrSessionState = "disconnected" | "idle" | "awaiting-response" | "receiving";

const key = (v: RtrVrp): string => `${v.prefix} ${v.maxLength} ${v.asn}`;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/**
 * The router side of the RPKI-to-Router protocol (RFC 8210, version 1; RFC 6810, version 0) as a
 * state machine without I/O: the caller feeds it connection events and decoded PDUs and carries
 * out what each step returns (PDUs to send, data to apply, a connection to close). Data received
 * after a Cache Response is staged and applied whole at its End of Data, so a router never
 * validates against a half-received update; a protocol error (a withdrawal of an unknown record,
 * a duplicate announcement, a PDU out of place, a version change) is answered with an Error
 * Report and the connection is closed, the data in use kept until it expires.
 *
 * @example
 * ```ts
 * import { RtrSession } from "@dyninfra/bgp-speaker";
 * const s = new RtrSession();
 * s.connected().send; // [{ type: "reset-query", version: 1 }]
 * s.receive({ type: "cache-response", version: 1, sessionId: 7 });
 * s.receive({ type: "prefix", version: 1, announce: true, prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 });
 * s.receive({ type: "end-of-data", version: 1, sessionId: 7, serial: 1, refresh: 60, retry: 30, expire: 600 })
 *   .update?.announced.length; // 1
 * ```
 */
export class RtrSession {
  private st: RtrSessionState = "disconnected";
  private ver: RtrVersion;
  /** Whether this connection's version is agreed (the cache answered with a response). */
  private negotiated = false;
  private session: number | undefined;
  private serialNo: number | undefined;
  private readonly current = new Map<string, RtrVrp>();
  private readonly keys = new Set<string>();
  /** Staged changes of the response being received: key → VRP (announce) or null (withdraw). */
  private staged = new Map<string, RtrVrp | null>();
  private stagedKeys = new Map<string, boolean>();
  /** Whether the response being received answers a Reset Query (replaces everything). */
  private resetting = false;
  private responseSession = -1;
  private times: RtrIntervals = RTR_DEFAULT_INTERVALS;

  /** `version`: the protocol version to start with (1; 0 for caches of RFC 6810 only). */
  constructor(version: RtrVersion = 1) {
    this.ver = version;
  }

  /** The state of the protocol exchange. */
  get state(): RtrSessionState {
    return this.st;
  }

  /** The protocol version in use (or to be tried next). */
  get version(): RtrVersion {
    return this.ver;
  }

  /** The cache's Session ID, once data was received. */
  get sessionId(): number | undefined {
    return this.session;
  }

  /** The serial number of the data in use, once data was received. */
  get serial(): number | undefined {
    return this.serialNo;
  }

  /** The intervals the cache asked for (version 1), clamped to RFC 8210 §6's ranges. */
  get intervals(): RtrIntervals {
    return this.times;
  }

  /** Number of VRPs in use. */
  get size(): number {
    return this.current.size;
  }

  /** Number of router keys in use. */
  get routerKeys(): number {
    return this.keys.size;
  }

  /** Whether data was received (and has not expired). */
  get hasData(): boolean {
    return this.serialNo !== undefined;
  }

  /** The VRPs in use. */
  vrps(): IterableIterator<RtrVrp> {
    return this.current.values();
  }

  /** A transport connection is up: the query to send (Serial Query when data is held). */
  connected(): RtrStep {
    this.st = "awaiting-response";
    this.negotiated = false;
    return { send: [this.query()] };
  }

  /** The transport connection is gone (data kept until it expires). */
  disconnected(): void {
    this.st = "disconnected";
    this.staged.clear();
    this.stagedKeys.clear();
  }

  /** The refresh timer fired (or a refresh was asked for): a Serial Query when idle. */
  poll(): RtrStep {
    if (this.st !== "idle") return { send: [] };
    this.st = "awaiting-response";
    return { send: [this.query()] };
  }

  /**
   * The expire timer fired (RFC 8210 §6): the data may no longer be used. Returns the update
   * withdrawing everything (nothing when no data was held).
   */
  expire(): RtrUpdate | undefined {
    if (this.serialNo === undefined && this.current.size === 0) return undefined;
    const withdrawn = [...this.current.values()];
    const update: RtrUpdate = {
      announced: [],
      withdrawn,
      reset: true,
      sessionId: this.session ?? 0,
      serial: this.serialNo ?? 0,
      routerKeys: 0,
    };
    this.current.clear();
    this.keys.clear();
    this.session = undefined;
    this.serialNo = undefined;
    return update;
  }

  /**
   * A PDU arrived. (A PDU that could not be decoded: answer with {@link RtrSession.decodeError}.)
   */
  receive(pdu: RtrPdu): RtrStep {
    if (this.st === "disconnected") return { send: [] };
    if (pdu.version !== this.ver) {
      // Negotiation (RFC 8210 §7): a version 1 router talking to a version 0 cache downgrades
      // when the cache answers in version 0.
      if (!this.negotiated && this.ver === 1 && pdu.version === 0) {
        if (pdu.type === "error-report") return this.errorReport(pdu);
        if (pdu.type === "serial-notify") return { send: [] }; // ignored while negotiating
        this.ver = 0;
      } else if (pdu.type === "error-report") {
        return this.errorReport(pdu);
      } else {
        return this.fail(
          RTR_ERROR_CODE.UNEXPECTED_PROTOCOL_VERSION,
          pdu,
          `version ${pdu.version} PDU on a version ${this.ver} session`,
        );
      }
    }
    switch (pdu.type) {
      case "serial-notify":
        if (!this.negotiated) return { send: [] };
        // A poll is due now; while a query is outstanding the answer will bring the news.
        return this.poll();
      case "cache-response":
        if (this.st !== "awaiting-response")
          return this.fail(RTR_ERROR_CODE.CORRUPT_DATA, pdu, "Cache Response without a query");
        this.negotiated = true;
        if (
          this.resetting === false &&
          this.session !== undefined &&
          pdu.sessionId !== this.session
        )
          return this.fail(
            RTR_ERROR_CODE.CORRUPT_DATA,
            pdu,
            `Session ID changed from ${this.session} to ${pdu.sessionId}`,
            true,
          );
        this.st = "receiving";
        this.responseSession = pdu.sessionId;
        this.staged = new Map();
        this.stagedKeys = new Map();
        return { send: [] };
      case "prefix":
        return this.prefix(pdu);
      case "router-key": {
        if (this.st !== "receiving")
          return this.fail(RTR_ERROR_CODE.CORRUPT_DATA, pdu, "Router Key outside a response");
        const k = `${hex(pdu.ski)} ${pdu.asn} ${hex(pdu.spki)}`;
        const staged = this.stagedKeys.get(k);
        const had = staged ?? (!this.resetting && this.keys.has(k));
        if (pdu.announce && had)
          return this.fail(RTR_ERROR_CODE.DUPLICATE_ANNOUNCEMENT_RECEIVED, pdu, "router key");
        if (!pdu.announce && !had)
          return this.fail(RTR_ERROR_CODE.WITHDRAWAL_OF_UNKNOWN_RECORD, pdu, "router key");
        this.stagedKeys.set(k, pdu.announce);
        return { send: [] };
      }
      case "end-of-data":
        return this.endOfData(pdu);
      case "cache-reset":
        if (this.st !== "awaiting-response")
          return this.fail(RTR_ERROR_CODE.CORRUPT_DATA, pdu, "Cache Reset without a query");
        this.negotiated = true;
        // The cache cannot answer our serial: ask for everything (the data in use is kept until
        // the complete set replaces it).
        this.resetting = true;
        return { send: [{ type: "reset-query", version: this.ver }] };
      case "error-report":
        return this.errorReport(pdu);
      default:
        // Serial Query, Reset Query: PDUs a router sends, never receives.
        return this.fail(
          RTR_ERROR_CODE.INVALID_REQUEST,
          pdu,
          `unexpected ${pdu.type} from a cache`,
        );
    }
  }

  /**
   * A PDU could not be decoded (`rtrErrorCode` and `pdu`: see `RtrDecodeError` of
   * `@dyninfra/bgp-wire`): the Error Report to send before closing.
   */
  decodeError(rtrErrorCode: number, pdu: Uint8Array, message: string): RtrStep {
    // An Error Report is never answered with another (RFC 8210 §5.11): just close.
    if (pdu.length > 1 && pdu[1] === 10) return this.closing([], message, false);
    const send: RtrPdu[] = [
      { type: "error-report", version: this.ver, errorCode: rtrErrorCode, pdu, text: message },
    ];
    return this.closing(send, message, false);
  }

  private prefix(pdu: Extract<RtrPdu, { type: "prefix" }>): RtrStep {
    if (this.st !== "receiving")
      return this.fail(RTR_ERROR_CODE.CORRUPT_DATA, pdu, "Prefix PDU outside a response");
    const v: RtrVrp = { prefix: pdu.prefix, maxLength: pdu.maxLength, asn: pdu.asn };
    const k = key(v);
    const staged = this.staged.get(k);
    const had = staged !== undefined ? staged !== null : !this.resetting && this.current.has(k);
    if (pdu.announce) {
      if (had)
        return this.fail(
          RTR_ERROR_CODE.DUPLICATE_ANNOUNCEMENT_RECEIVED,
          pdu,
          `duplicate announcement of ${k}`,
        );
      this.staged.set(k, v);
    } else {
      if (!had)
        return this.fail(
          RTR_ERROR_CODE.WITHDRAWAL_OF_UNKNOWN_RECORD,
          pdu,
          `withdrawal of unknown ${k}`,
        );
      this.staged.set(k, null);
    }
    return { send: [] };
  }

  private endOfData(pdu: Extract<RtrPdu, { type: "end-of-data" }>): RtrStep {
    if (this.st !== "receiving")
      return this.fail(RTR_ERROR_CODE.CORRUPT_DATA, pdu, "End of Data outside a response");
    if (pdu.sessionId !== this.responseSession)
      return this.fail(
        RTR_ERROR_CODE.CORRUPT_DATA,
        pdu,
        `End of Data of Session ID ${pdu.sessionId} in a response of ${this.responseSession}`,
      );
    const announced: RtrVrp[] = [];
    const withdrawn: RtrVrp[] = [];
    if (this.resetting) {
      // Everything not announced again is gone.
      for (const [k, v] of this.current) if (!this.staged.has(k)) withdrawn.push(v);
      for (const [k, v] of this.staged) if (v !== null && !this.current.has(k)) announced.push(v);
      for (const v of withdrawn) this.current.delete(key(v));
      for (const v of announced) this.current.set(key(v), v);
      this.keys.clear();
    } else {
      for (const [k, v] of this.staged) {
        if (v === null) {
          const old = this.current.get(k);
          if (old !== undefined) {
            withdrawn.push(old);
            this.current.delete(k);
          }
        } else if (!this.current.has(k)) {
          announced.push(v);
          this.current.set(k, v);
        }
      }
    }
    for (const [k, on] of this.stagedKeys) {
      if (on) this.keys.add(k);
      else this.keys.delete(k);
    }
    const reset = this.resetting;
    this.staged = new Map();
    this.stagedKeys = new Map();
    this.resetting = false;
    this.session = pdu.sessionId;
    this.serialNo = pdu.serial;
    if (pdu.version === 1)
      this.times = {
        refresh: clamp(pdu.refresh, 1, 86400, RTR_DEFAULT_INTERVALS.refresh),
        retry: clamp(pdu.retry, 1, 7200, RTR_DEFAULT_INTERVALS.retry),
        expire: clamp(pdu.expire, 600, 172800, RTR_DEFAULT_INTERVALS.expire),
      };
    this.st = "idle";
    return {
      send: [],
      update: {
        announced,
        withdrawn,
        reset,
        sessionId: pdu.sessionId,
        serial: pdu.serial,
        routerKeys: this.keys.size,
      },
    };
  }

  private errorReport(pdu: Extract<RtrPdu, { type: "error-report" }>): RtrStep {
    const text = pdu.text === "" ? "" : `: ${pdu.text}`;
    // A version 1 query refused by a cache of version 0 only: the next connection tries 0.
    if (
      pdu.errorCode === RTR_ERROR_CODE.UNSUPPORTED_PROTOCOL_VERSION &&
      !this.negotiated &&
      this.ver === 1
    ) {
      this.ver = 0;
      return this.closing([], `cache does not support version 1${text}`, true);
    }
    if (pdu.errorCode === RTR_ERROR_CODE.NO_DATA_AVAILABLE)
      return this.closing([], `cache has no data yet${text}`, false);
    return this.closing([], `cache reported error ${pdu.errorCode}${text}`, false);
  }

  /** An Error Report about `pdu` (re-encoded as received), then close. */
  private fail(code: number, pdu: RtrPdu, message: string, forget = false): RtrStep {
    if (forget) {
      // The cache's session is not ours any more: start again with a Reset Query (the data in
      // use stays until the new set replaces it or it expires).
      this.session = undefined;
      this.serialNo = undefined;
      this.resetting = true;
    }
    const send: RtrPdu[] = [
      {
        type: "error-report",
        version: this.ver,
        errorCode: code,
        pdu: encodeRtrPdu(pdu),
        text: message,
      },
    ];
    return this.closing(send, message, false);
  }

  private closing(send: RtrPdu[], reason: string, reconnectNow: boolean): RtrStep {
    this.disconnected();
    return { send, close: { reason, reconnectNow } };
  }

  private query(): RtrPdu {
    if (this.session !== undefined && this.serialNo !== undefined && !this.resetting)
      return {
        type: "serial-query",
        version: this.ver,
        sessionId: this.session,
        serial: this.serialNo,
      };
    this.resetting = true;
    return { type: "reset-query", version: this.ver };
  }
}
