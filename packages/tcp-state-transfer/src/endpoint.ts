import { TcpStateTransferError } from "./errors";
import { ByteQueue } from "./internal/byte-queue";
import { formatIp, parseIp } from "./internal/ip";
import {
  type SackBlock,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type TcpSegment,
} from "./segment";
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt } from "./seq";
import {
  assertValidSnapshot,
  peerFinReceived,
  TCP_MAX_WSCALE,
  TCP_SNAPSHOT_VERSION,
  TCPI_OPT_SACK,
  TCPI_OPT_TIMESTAMPS,
  TCPI_OPT_WSCALE,
  type TcpRepairSnapshot,
} from "./snapshot";
import type { TcpState } from "./state";

/** Initial RTO, 1 s (RFC 6298 §2.1); also what a repaired socket starts with. */
export const TCP_TIMEOUT_INIT_US = 1_000_000;
/** Linux's lower bound on the RTO, 200 ms (`TCP_RTO_MIN`). */
export const TCP_RTO_MIN_US = 200_000;
/** Upper bound on the RTO, 120 s (`TCP_RTO_MAX`; RFC 6298 §2.5 allows ≥ 60 s). */
export const TCP_RTO_MAX_US = 120_000_000;
/** Initial congestion window in segments (RFC 6928, Linux `TCP_INIT_CWND`). */
export const TCP_INIT_CWND = 10;
/** Default MSS when the peer sends no MSS option (RFC 9293 §3.7.1). */
export const TCP_MSS_DEFAULT = 536;
/** Smallest send MSS the kernel uses (`TCP_MIN_SND_MSS`). */
export const TCP_MIN_SND_MSS = 48;
/** Bytes the Timestamps option takes in every segment (10 + 2 padding). */
const TS_OPTION_BYTES = 12;
const ZERO = new Uint8Array(0);
/** Sender SWS override timeout, 200 ms. */
const SWS_OVERRIDE_US = 200_000;

/** Options of a {@link TcpEndpoint}. */
export interface TcpEndpointOptions {
  readonly localAddress?: string;
  readonly remoteAddress?: string;
  readonly localPort: number;
  readonly remotePort: number;
  /** Initial send sequence number (ISS). */
  readonly iss: number;
  /** MSS we advertise (default 1460). */
  readonly mss?: number;
  /** Receive buffer in bytes, bounds the advertised window (default 256 KiB). */
  readonly receiveBufferSize?: number;
  /** Send buffer in bytes, bounds what `write` accepts (default 4 MiB). */
  readonly sendBufferSize?: number;
  /** Window scale shift we offer, 0–14, or `false` to send no option (default 7). */
  readonly windowScale?: number | false;
  /** Offer SACK-Permitted (default true). */
  readonly sackPermitted?: boolean;
  /** Offer Timestamps (default true). */
  readonly timestamps?: boolean;
  /** Offset added to the 1 ms timestamp clock (Linux randomises it per connection). */
  readonly tsOffset?: number;
  /** Lower bound on the RTO in µs (default 200 ms, Linux). */
  readonly rtoMinUs?: number;
  /** Retransmissions before giving up (default 15, Linux `tcp_retries2`). */
  readonly maxRetries?: number;
  /** Maximum segment lifetime; TIME-WAIT lasts 2·MSL (default MSL 30 s, Linux's 60 s TIME-WAIT). */
  readonly mslUs?: number;
}

/** Observable internals of an endpoint: the TCB variables of RFC 9293 §3.3.1 and RFC 6298. */
export interface TcpInfo {
  readonly state: TcpState;
  readonly iss: number;
  readonly irs: number;
  readonly sndUna: number;
  readonly sndNxt: number;
  /** Highest sequence number sent so far (`snd_max`). */
  readonly sndMax: number;
  /** End of the queued data (`write_seq`), excluding a FIN. */
  readonly writeSeq: number;
  readonly sndWnd: number;
  readonly sndWl1: number;
  readonly sndWl2: number;
  readonly maxWindow: number;
  readonly rcvNxt: number;
  readonly rcvWnd: number;
  readonly rcvWup: number;
  readonly sndWscale: number;
  readonly rcvWscale: number;
  /** MSS of the segments we send (after option overhead). */
  readonly sndMss: number;
  readonly mssClamp: number;
  readonly timestampsOk: boolean;
  readonly sackOk: boolean;
  readonly wscaleOk: boolean;
  readonly cwnd: number;
  readonly ssthresh: number;
  /** Smoothed RTT in µs, `undefined` before the first sample. */
  readonly srttUs: number | undefined;
  readonly rttvarUs: number | undefined;
  readonly rtoUs: number;
  /** Bytes received in order but not yet read. */
  readonly readable: number;
  /** Bytes in the out-of-order queue. */
  readonly outOfOrderBytes: number;
  /** Segments retransmitted (timeouts and fast retransmits). */
  readonly retransmits: number;
  readonly timeouts: number;
  readonly fastRetransmits: number;
  /** True while the socket is frozen in repair mode. */
  readonly repair: boolean;
  /** Why the connection ended, if it did. */
  readonly closedReason: "closed" | "reset" | "timeout" | undefined;
}

interface OfoBlock {
  seq: number;
  data: Uint8Array;
}

interface Range {
  left: number;
  right: number;
}

// State classes, as comparisons (the state strings are interned: these are pointer compares).

/** Every state after the SYN exchange began on our side (RFC 9293 "synchronized" states). */
function isSynchronized(st: TcpState): boolean {
  return st !== "CLOSED" && st !== "LISTEN" && st !== "SYN-SENT";
}

/** States in which our side may still send data or a FIN. */
function canSend(st: TcpState): boolean {
  return (
    st === "ESTABLISHED" ||
    st === "CLOSE-WAIT" ||
    st === "FIN-WAIT-1" ||
    st === "CLOSING" ||
    st === "LAST-ACK"
  );
}

/** States in which segment text is accepted (RFC 9293 §3.10.7.4 "seventh"). */
function canReceiveText(st: TcpState): boolean {
  return st === "ESTABLISHED" || st === "FIN-WAIT-1" || st === "FIN-WAIT-2";
}

/** Options of {@link restoreEndpoint}. */
export interface TcpRestoreOptions {
  /** Virtual time of the restore, µs (the timestamp clock continues from the snapshot here). */
  readonly now: number;
  /** MSS of the new host's route (default 1460). */
  readonly mss?: number;
  readonly receiveBufferSize?: number;
  readonly sendBufferSize?: number;
  readonly rtoMinUs?: number;
  readonly maxRetries?: number;
  readonly mslUs?: number;
}

/**
 * One TCP endpoint per RFC 9293, sans I/O: feed it segments and timer ticks with the current
 * virtual time (µs), take the segments it wants to send with {@link TcpEndpoint.takeSegments}.
 *
 * Models all eleven states, modulo-2^32 sequence arithmetic, a send queue split into
 * unacknowledged and unsent bytes, a receive queue with unread in-order bytes and out-of-order
 * segments, window scaling, MSS, SACK-Permitted and SACK blocks (RFC 2018), Timestamps with PAWS
 * and a clock offset (RFC 7323), RTT estimation and RTO (RFC 6298), slow start and congestion
 * avoidance (RFC 5681), fast retransmit with NewReno recovery (RFC 6582), persist probes and
 * TCP_REPAIR freeze / snapshot / restore. ACKs are sent for every segment (no delayed ACK) and
 * Nagle is off, as BGP speakers configure their sockets.
 *
 * @example
 * ```ts
 * const a = new TcpEndpoint({ localPort: 40000, remotePort: 179, iss: 100 });
 * const b = new TcpEndpoint({ localPort: 179, remotePort: 40000, iss: 900 });
 * b.listen();
 * a.connect(0);
 * for (let i = 0; i < 3; i++) {
 *   for (const s of a.takeSegments()) b.receive(s, 0);
 *   for (const s of b.takeSegments()) a.receive(s, 0);
 * }
 * a.state; // "ESTABLISHED"
 * ```
 */
export class TcpEndpoint {
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly localPort: number;
  readonly remotePort: number;

  private st: TcpState = "CLOSED";
  private closedWhy: TcpInfo["closedReason"];
  private repairMode = false;

  // Send sequence space (RFC 9293 §3.3.1) and Linux's write_seq / snd_max / max_window.
  private iss: number;
  private sndUna: number;
  private sndNxt: number;
  private sndMax: number;
  private writeSeq: number;
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxWindow = 0;
  private finQueued = false;
  private sendQueue: ByteQueue;
  private readonly sendBufferSize: number;

  // Receive sequence space.
  private irs = 0;
  private rcvNxt = 0;
  private rcvWnd = 0;
  private rcvWup = 0;
  private recvQueue = new ByteQueue();
  private ofo: OfoBlock[] = [];
  private ofoFinSeq: number | undefined;
  private lastOfoSeq: number | undefined;
  /** The SACK blocks of the current out-of-order queue, shared by the segments sent meanwhile. */
  private sackCache: readonly SackBlock[] | undefined;
  private peerFin = false;
  private readonly receiveBufferSize: number;

  // Options.
  private readonly advMss: number;
  private readonly offerWscale: number | false;
  private readonly offerSack: boolean;
  private readonly offerTs: boolean;
  private mssClamp = TCP_MSS_DEFAULT;
  private sndWscale = 0;
  private rcvWscale = 0;
  /** 2^sndWscale and 2^rcvWscale, kept with the shifts (a power per segment is costly). */
  private sndScale = 1;
  private rcvScale = 1;
  private wscaleOk = false;
  private sackOk = false;
  private tsOk = false;
  private tsOffset: number;
  private tsRecent: number | undefined;

  // Timers, RTT estimation (RFC 6298) and congestion control (RFC 5681 / 6582).
  private readonly rtoMin: number;
  private readonly maxRetries: number;
  private readonly msl: number;
  private srtt: number | undefined;
  private rttvar: number | undefined;
  private rto = TCP_TIMEOUT_INIT_US;
  private backoff = 0;
  private rtoDeadline: number | undefined;
  private persistDeadline: number | undefined;
  private timeWaitDeadline: number | undefined;
  private rttSeq: number | undefined;
  private rttTime = 0;
  private synSentAt = 0;
  private persistBackoff = 0;
  private swsOverride = false;
  private cwnd = 0;
  private ssthresh = 0x7fff_ffff;
  private dupAcks = 0;
  private inRecovery = false;
  private recover = 0;
  private sacked: Range[] = [];
  private ackPending = false;
  private nRetransmits = 0;
  private nTimeouts = 0;
  private nFastRetransmits = 0;

  /**
   * Segments to transmit: `out[0 … outLen)`. The array is reused, never truncated (truncating
   * frees its storage, which costs an allocation per call); slots past `outLen` are undefined.
   */
  private out: (TcpSegment | undefined)[] = [];
  private outLen = 0;
  /** An emptied `out` array kept for reuse by {@link TcpEndpoint.flushSegments}. */
  private spareOut: (TcpSegment | undefined)[] | undefined;

  constructor(options: TcpEndpointOptions) {
    checkPort(options.localPort, "localPort");
    checkPort(options.remotePort, "remotePort");
    checkU32(options.iss, "iss");
    const local = parseIp(options.localAddress ?? "192.0.2.1", "localAddress");
    const remote = parseIp(options.remoteAddress ?? "192.0.2.2", "remoteAddress");
    if (local.length !== remote.length) {
      throw new TcpStateTransferError("BAD_ADDRESS", "local and remote address families differ", {
        field: "remoteAddress",
      });
    }
    this.localAddress = formatIp(local);
    this.remoteAddress = formatIp(remote);
    this.localPort = options.localPort;
    this.remotePort = options.remotePort;
    this.iss = options.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.writeSeq = seqAdd(this.iss, 1);
    this.advMss = options.mss ?? 1460;
    if (!Number.isInteger(this.advMss) || this.advMss < 64 || this.advMss > 65535) {
      throw new TcpStateTransferError("BAD_OPTION", "mss must be 64–65535", { field: "mss" });
    }
    const ws = options.windowScale ?? 7;
    if (ws !== false && (!Number.isInteger(ws) || ws < 0 || ws > TCP_MAX_WSCALE)) {
      throw new TcpStateTransferError("BAD_OPTION", "windowScale must be 0–14", {
        field: "windowScale",
      });
    }
    this.offerWscale = ws;
    this.offerSack = options.sackPermitted ?? true;
    this.offerTs = options.timestamps ?? true;
    this.tsOffset = (options.tsOffset ?? 0) >>> 0;
    this.receiveBufferSize = positive(options.receiveBufferSize ?? 256 * 1024, "receiveBufferSize");
    this.sendBufferSize = positive(options.sendBufferSize ?? 4 * 1024 * 1024, "sendBufferSize");
    this.rtoMin = options.rtoMinUs ?? TCP_RTO_MIN_US;
    this.maxRetries = options.maxRetries ?? 15;
    this.msl = options.mslUs ?? 30_000_000;
    this.sendQueue = new ByteQueue();
  }

  /** Current state (RFC 9293 §3.3.2). */
  get state(): TcpState {
    return this.st;
  }

  /** Bytes that `read` would return now. */
  get readable(): number {
    return this.recvQueue.length;
  }

  /** Bytes in the send queue (unacknowledged plus unsent). */
  get sendQueueLength(): number {
    return this.sendQueue.length;
  }

  /** Free room in the send buffer: how many bytes `write` accepts now. */
  get sendSpace(): number {
    return Math.max(0, this.sendBufferSize - this.sendQueue.length);
  }

  /** True once the peer's FIN has been received (end of the incoming stream). */
  get peerClosed(): boolean {
    return this.peerFin;
  }

  /** True while frozen in repair mode (after `freeze`, or restored and not yet resumed). */
  get repair(): boolean {
    return this.repairMode;
  }

  /** Earliest virtual time (µs) at which {@link TcpEndpoint.onTimer} has work, if any. */
  get timerDeadline(): number | undefined {
    if (this.repairMode) return undefined;
    let d = this.rtoDeadline;
    if (this.persistDeadline !== undefined && (d === undefined || this.persistDeadline < d)) {
      d = this.persistDeadline;
    }
    if (this.timeWaitDeadline !== undefined && (d === undefined || this.timeWaitDeadline < d)) {
      d = this.timeWaitDeadline;
    }
    return d;
  }

  /** The TCB variables, for observation and tests. */
  get info(): TcpInfo {
    let ofoBytes = 0;
    for (const b of this.ofo) ofoBytes += b.data.length;
    return {
      state: this.st,
      iss: this.iss,
      irs: this.irs,
      sndUna: this.sndUna,
      sndNxt: this.sndNxt,
      sndMax: this.sndMax,
      writeSeq: this.writeSeq,
      sndWnd: this.sndWnd,
      sndWl1: this.sndWl1,
      sndWl2: this.sndWl2,
      maxWindow: this.maxWindow,
      rcvNxt: this.rcvNxt,
      rcvWnd: this.rcvWnd,
      rcvWup: this.rcvWup,
      sndWscale: this.sndWscale,
      rcvWscale: this.rcvWscale,
      sndMss: this.sndMss(),
      mssClamp: this.mssClamp,
      timestampsOk: this.tsOk,
      sackOk: this.sackOk,
      wscaleOk: this.wscaleOk,
      cwnd: this.cwnd,
      ssthresh: this.ssthresh,
      srttUs: this.srtt,
      rttvarUs: this.rttvar,
      rtoUs: this.rto,
      readable: this.recvQueue.length,
      outOfOrderBytes: ofoBytes,
      retransmits: this.nRetransmits,
      timeouts: this.nTimeouts,
      fastRetransmits: this.nFastRetransmits,
      repair: this.repairMode,
      closedReason: this.closedWhy,
    };
  }

  /** Takes (and clears) the segments the endpoint wants to transmit. */
  takeSegments(): TcpSegment[] {
    const n = this.outLen;
    if (n === 0) return [];
    const o = this.out;
    o.length = n;
    this.out = [];
    this.outLen = 0;
    return o as TcpSegment[];
  }

  /**
   * Hands each segment the endpoint wants to transmit to `transmit`, in order, and clears the
   * queue — {@link TcpEndpoint.takeSegments} without allocating an array per call. Segments
   * produced while `transmit` runs wait for the next call.
   * @internal
   */
  flushSegments(transmit: (segment: TcpSegment) => void): void {
    const n = this.outLen;
    if (n === 0) return;
    const o = this.out;
    this.out = this.spareOut ?? [];
    this.outLen = 0;
    this.spareOut = undefined;
    for (let i = 0; i < n; i++) {
      const seg = o[i]!;
      o[i] = undefined;
      transmit(seg);
    }
    this.spareOut = o;
  }

  /** Passive OPEN: CLOSED → LISTEN. */
  listen(): void {
    this.requireState("listen", "CLOSED");
    this.st = "LISTEN";
  }

  /** Active OPEN: sends a SYN, CLOSED → SYN-SENT. */
  connect(now: number): void {
    this.requireState("connect", "CLOSED", "LISTEN");
    this.st = "SYN-SENT";
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    this.emitSyn(now, false);
    this.synSentAt = now;
    this.rtoDeadline = now + this.rto;
  }

  /**
   * SEND: queues bytes (up to the send buffer) and transmits what the windows allow.
   * Returns the number of bytes accepted.
   */
  write(data: Uint8Array, now: number): number {
    return this.writeOwned(data, now, false);
  }

  /**
   * `write` without the defensive copy: the caller promises never to mutate `data` afterwards
   * (the simulator hands over bytes it owns).
   * @internal
   */
  writeOwned(data: Uint8Array, now: number, owned = true): number {
    this.requireWritable();
    const room = Math.max(0, this.sendBufferSize - this.sendQueue.length);
    const n = Math.min(room, data.length);
    if (n === 0) return 0;
    const bytes = n === data.length ? data : data.subarray(0, n);
    if (owned) this.sendQueue.appendOwned(bytes);
    else this.sendQueue.append(bytes);
    this.writeSeq = seqAdd(this.writeSeq, n);
    this.output(now);
    return n;
  }

  /**
   * `writeOwned` straight from a byte queue: moves as many of its bytes as the send buffer takes
   * (no copy, no view) and returns how many.
   * @internal
   */
  writeFrom(queue: ByteQueue, now: number): number {
    this.requireWritable();
    const n = Math.min(Math.max(0, this.sendBufferSize - this.sendQueue.length), queue.length);
    if (n === 0) return 0;
    queue.moveTo(this.sendQueue, n);
    this.writeSeq = seqAdd(this.writeSeq, n);
    this.output(now);
    return n;
  }

  private requireWritable(): void {
    if (
      this.finQueued ||
      !(
        this.st === "ESTABLISHED" ||
        this.st === "CLOSE-WAIT" ||
        this.st === "SYN-SENT" ||
        this.st === "SYN-RECEIVED"
      )
    ) {
      throw new TcpStateTransferError("NOT_WRITABLE", `cannot write in state ${this.st}`, {
        field: "state",
      });
    }
  }

  /**
   * RECEIVE: returns up to `max` unread in-order bytes (a copy), and sends a window update when
   * reading opened the window by at least min(buffer/2, MSS) (RFC 9293 §3.8.6.2.2).
   */
  read(now: number, max = Number.POSITIVE_INFINITY): Uint8Array {
    if (this.repairMode) {
      // Linux answers EINVAL to a consuming recv() in repair mode: the queue is only peeked,
      // so that what the snapshot carries is exactly what the application has not read.
      throw new TcpStateTransferError("REPAIR_MODE", "a socket in repair mode cannot be read", {
        field: "state",
      });
    }
    const n = Math.min(max, this.recvQueue.length);
    if (n === 0) return ZERO;
    const bytes = this.recvQueue.copyOut(n);
    this.recvQueue.consume(n);
    if (!this.repairMode && isSynchronized(this.st) && !this.peerFin) {
      const edge = seqAdd(this.rcvWup, this.rcvWnd);
      const newEdge = seqAdd(this.rcvNxt, this.freeSpace());
      const step = Math.min(this.receiveBufferSize >> 1, this.advMss);
      if (seqDiff(newEdge, edge) >= step) {
        this.ackPending = true;
        this.output(now);
      }
    }
    return bytes;
  }

  /** CLOSE: queues a FIN after the data (ESTABLISHED → FIN-WAIT-1, CLOSE-WAIT → LAST-ACK). */
  close(now: number): void {
    if (this.st === "LISTEN" || this.st === "SYN-SENT") {
      this.enterClosed("closed");
      return;
    }
    if (this.finQueued) return;
    if (this.st === "ESTABLISHED" || this.st === "SYN-RECEIVED") this.st = "FIN-WAIT-1";
    else if (this.st === "CLOSE-WAIT") this.st = "LAST-ACK";
    else {
      throw new TcpStateTransferError("NOT_OPEN", `cannot close in state ${this.st}`, {
        field: "state",
      });
    }
    this.finQueued = true;
    this.output(now);
  }

  /** ABORT: sends a RST and enters CLOSED. */
  abort(now: number): void {
    if (isSynchronized(this.st)) {
      this.emit(now, this.sndNxt, TCP_RST | TCP_ACK, ZERO);
    }
    this.enterClosed("reset");
  }

  /**
   * TCP_REPAIR on: the socket stops sending, receiving and timing (what CRIU does before a dump).
   */
  freeze(): void {
    this.repairMode = true;
    this.out = [];
    this.outLen = 0;
  }

  /**
   * TCP_REPAIR off: leaves repair mode. Like Linux (`tcp_send_window_probe`), sends a window probe
   * (an ACK with sequence `snd_una − 1`) so the peer answers with its current ACK and window,
   * then transmits what the windows allow and arms the retransmission timer.
   */
  resume(now: number): void {
    if (!this.repairMode) return;
    this.repairMode = false;
    if (canSend(this.st) || this.st === "FIN-WAIT-2") {
      this.emit(now, seqAdd(this.sndUna, -1), TCP_ACK, ZERO);
    }
    if (this.sndMax !== this.sndUna && this.rtoDeadline === undefined) {
      this.rtoDeadline = now + this.rto;
    }
    this.output(now);
  }

  /** Processes an arriving segment (RFC 9293 §3.10.7). */
  receive(seg: TcpSegment, now: number): void {
    if (this.repairMode) return;
    switch (this.st) {
      case "CLOSED":
        if (!(seg.flags & TCP_RST)) this.sendResetFor(seg, now);
        return;
      case "LISTEN":
        this.receiveListen(seg, now);
        return;
      case "SYN-SENT":
        this.receiveSynSent(seg, now);
        return;
      default:
        this.receiveSynchronized(seg, now);
    }
  }

  /** Fires the timers due at `now` (RTO, persist, TIME-WAIT). */
  onTimer(now: number): void {
    if (this.repairMode) return;
    if (this.timeWaitDeadline !== undefined && now >= this.timeWaitDeadline) {
      this.timeWaitDeadline = undefined;
      this.enterClosed("closed");
      return;
    }
    if (this.rtoDeadline !== undefined && now >= this.rtoDeadline) {
      this.rtoDeadline = undefined;
      this.retransmitTimeout(now);
    }
    if (this.persistDeadline !== undefined && now >= this.persistDeadline && this.sndWnd > 0) {
      // SWS override: send the small segment the window allows.
      this.persistDeadline = undefined;
      this.swsOverride = true;
      this.output(now);
      this.swsOverride = false;
    }
    if (this.persistDeadline !== undefined && now >= this.persistDeadline) {
      this.persistDeadline = undefined;
      // Zero-window probe: an old sequence number forces the peer to answer with its window.
      this.emit(now, seqAdd(this.sndUna, -1), TCP_ACK, ZERO);
      this.persistBackoff = Math.min(this.persistBackoff + 1, 10);
      this.persistDeadline = now + Math.min(this.rto * 2 ** this.persistBackoff, TCP_RTO_MAX_US);
    }
  }

  /**
   * Dumps the connection as TCP_REPAIR would (the socket should be frozen first, as CRIU does).
   * `now` fixes the `timestamp` field (the TSval clock at the dump).
   */
  snapshot(now: number): TcpRepairSnapshot {
    if (!SNAPSHOT_STATES_SET.has(this.st)) {
      throw new TcpStateTransferError("UNSUPPORTED_STATE", `a ${this.st} socket cannot be dumped`, {
        field: "state",
      });
    }
    const finAcked = this.finQueued && seqGt(this.sndUna, this.writeSeq);
    const outqLen = finAcked ? 0 : this.sendQueue.length;
    const sentEnd = seqGt(this.sndMax, this.writeSeq) ? this.writeSeq : this.sndMax;
    const unsq = finAcked ? 0 : seqDiff(this.writeSeq, sentEnd);
    return {
      version: TCP_SNAPSHOT_VERSION,
      state: this.st,
      src_addr: this.localAddress,
      src_port: this.localPort,
      dst_addr: this.remoteAddress,
      dst_port: this.remotePort,
      inq_seq: this.peerFin ? seqAdd(this.rcvNxt, -1) : this.rcvNxt,
      inq_len: this.recvQueue.length,
      outq_seq: this.writeSeq,
      outq_len: outqLen,
      unsq_len: unsq,
      opt_mask:
        (this.tsOk ? TCPI_OPT_TIMESTAMPS : 0) |
        (this.sackOk ? TCPI_OPT_SACK : 0) |
        (this.wscaleOk ? TCPI_OPT_WSCALE : 0),
      snd_wscale: this.sndWscale,
      rcv_wscale: this.rcvWscale,
      mss_clamp: this.mssClamp,
      timestamp: this.tsNow(now),
      snd_wl1: this.sndWl1,
      snd_wnd: this.sndWnd,
      max_window: this.maxWindow,
      rcv_wnd: this.rcvWnd,
      rcv_wup: this.rcvWup,
      inq: this.recvQueue.copy(),
      outq: finAcked ? ZERO : this.sendQueue.copy(),
    };
  }

  /**
   * Rebuilds an endpoint from a snapshot, as TCP_REPAIR does on another host holding the same
   * address. Validates the kernel's rules first (throws `TcpStateTransferError` with the
   * {@link TcpRepairErrorCode} as `code`). The restored endpoint is in repair mode until
   * {@link TcpEndpoint.resume}; it has no RTT estimate (RTO = 1 s), the initial congestion window
   * and an empty SACK scoreboard, because TCP_REPAIR does not carry them.
   */
  static restore(s: TcpRepairSnapshot, options: TcpRestoreOptions): TcpEndpoint {
    assertValidSnapshot(s);
    const e = new TcpEndpoint({
      localAddress: s.src_addr,
      remoteAddress: s.dst_addr,
      localPort: s.src_port,
      remotePort: s.dst_port,
      iss: (s.outq_seq - s.outq_len - 1) >>> 0,
      mss: options.mss ?? 1460,
      receiveBufferSize: options.receiveBufferSize ?? Math.max(256 * 1024, s.inq_len),
      sendBufferSize: options.sendBufferSize ?? Math.max(4 * 1024 * 1024, s.outq_len),
      rtoMinUs: options.rtoMinUs ?? TCP_RTO_MIN_US,
      maxRetries: options.maxRetries ?? 15,
      mslUs: options.mslUs ?? 30_000_000,
    });
    e.repairMode = true;
    e.st = s.state;
    e.tsOk = (s.opt_mask & TCPI_OPT_TIMESTAMPS) !== 0;
    e.sackOk = (s.opt_mask & TCPI_OPT_SACK) !== 0;
    e.wscaleOk = (s.opt_mask & TCPI_OPT_WSCALE) !== 0;
    e.sndWscale = s.snd_wscale;
    e.rcvWscale = s.rcv_wscale;
    e.sndScale = 2 ** e.sndWscale;
    e.rcvScale = 2 ** e.rcvWscale;
    e.mssClamp = s.mss_clamp;
    // TCP_TIMESTAMP sets tsoffset so that the clock reads `timestamp` now.
    e.tsOffset = (s.timestamp - Math.floor(options.now / 1000)) >>> 0;
    e.tsRecent = undefined;
    // Send side: the first outq_len − unsq_len bytes were sent (restored in TCP_SEND_QUEUE).
    e.writeSeq = s.outq_seq;
    const finAcked = s.state === "FIN-WAIT-2";
    e.finQueued =
      s.state === "FIN-WAIT-1" || s.state === "CLOSING" || s.state === "LAST-ACK" || finAcked;
    e.sndUna = finAcked ? seqAdd(s.outq_seq, 1) : (s.outq_seq - s.outq_len) >>> 0;
    e.sndNxt = finAcked ? e.sndUna : seqAdd(e.sndUna, s.outq_len - s.unsq_len);
    e.sndMax = e.sndNxt;
    e.sendQueue = new ByteQueue(s.outq);
    // Receive side: unread bytes end at rcv_nxt; a received FIN follows them.
    e.peerFin = peerFinReceived(s.state);
    e.rcvNxt = e.peerFin ? seqAdd(s.inq_seq, 1) : s.inq_seq;
    e.irs = (s.inq_seq - s.inq_len - 1) >>> 0;
    e.recvQueue = new ByteQueue(s.inq);
    e.sndWl1 = s.snd_wl1;
    e.sndWl2 = e.sndUna;
    e.sndWnd = s.snd_wnd;
    e.maxWindow = s.max_window;
    e.rcvWnd = s.rcv_wnd;
    e.rcvWup = s.rcv_wup;
    // What TCP_REPAIR does not carry starts fresh.
    e.rto = TCP_TIMEOUT_INIT_US;
    e.cwnd = TCP_INIT_CWND * e.sndMss();
    return e;
  }

  // ---------------------------------------------------------------------------------------------

  private requireState(op: string, ...allowed: TcpState[]): void {
    if (!allowed.includes(this.st)) {
      throw new TcpStateTransferError("BAD_STATE", `${op} is not allowed in state ${this.st}`, {
        field: "state",
      });
    }
  }

  private sndMss(): number {
    const m = Math.max(TCP_MIN_SND_MSS, Math.min(this.mssClamp, this.advMss));
    return this.tsOk ? m - TS_OPTION_BYTES : m;
  }

  private tsNow(now: number): number {
    return (Math.floor(now / 1000) + this.tsOffset) >>> 0;
  }

  private freeSpace(): number {
    return Math.max(0, this.receiveBufferSize - this.recvQueue.length);
  }

  private enterClosed(why: TcpInfo["closedReason"]): void {
    this.st = "CLOSED";
    this.closedWhy ??= why;
    this.rtoDeadline = undefined;
    this.persistDeadline = undefined;
    this.timeWaitDeadline = undefined;
  }

  private enterTimeWait(now: number): void {
    this.st = "TIME-WAIT";
    this.rtoDeadline = undefined;
    this.persistDeadline = undefined;
    this.timeWaitDeadline = now + 2 * this.msl;
  }

  /** Window to advertise; never shrinks the right edge already offered (RFC 9293 §3.8.6). */
  private selectWindow(): number {
    const free = this.freeSpace();
    const offered = Math.max(0, seqDiff(seqAdd(this.rcvWup, this.rcvWnd), this.rcvNxt));
    // Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): move the right edge only by at least
    // min(buffer / 2, MSS); never shrink it.
    const step = Math.min(this.receiveBufferSize >> 1, this.advMss);
    const scale = this.rcvScale; // 2 ** rcvWscale
    const aligned = Math.floor(free / scale) * scale;
    const wnd = aligned - offered >= step ? aligned : offered;
    let field = Math.min(0xffff, Math.floor(wnd / scale));
    if (field * scale < offered && field < 0xffff) field++;
    this.rcvWnd = field * scale;
    this.rcvWup = this.rcvNxt;
    return field;
  }

  private emit(now: number, seq: number, flags: number, payload: Uint8Array): void {
    let seg: TcpSegment;
    const window = this.selectWindow();
    const ack = flags & TCP_ACK ? this.rcvNxt : 0;
    if (this.tsOk) {
      const sack = this.sackOk && this.ofo.length > 0 ? this.sackBlocks() : undefined;
      const tsecr = this.tsRecent ?? 0;
      seg =
        sack === undefined
          ? {
              srcPort: this.localPort,
              dstPort: this.remotePort,
              seq,
              ack,
              flags,
              window,
              payload,
              tsval: this.tsNow(now),
              tsecr,
            }
          : {
              srcPort: this.localPort,
              dstPort: this.remotePort,
              seq,
              ack,
              flags,
              window,
              payload,
              tsval: this.tsNow(now),
              tsecr,
              sack,
            };
    } else if (this.sackOk && this.ofo.length > 0) {
      seg = {
        srcPort: this.localPort,
        dstPort: this.remotePort,
        seq,
        ack,
        flags,
        window,
        payload,
        sack: this.sackBlocks(),
      };
    } else {
      seg = { srcPort: this.localPort, dstPort: this.remotePort, seq, ack, flags, window, payload };
    }
    if (flags & TCP_ACK) this.ackPending = false;
    this.out[this.outLen++] = seg;
  }

  private emitSyn(now: number, withAck: boolean): void {
    const window = Math.min(0xffff, this.freeSpace());
    this.rcvWnd = window;
    this.rcvWup = this.rcvNxt;
    const opts: {
      mss: number;
      wscale?: number;
      sackPermitted?: boolean;
      tsval?: number;
      tsecr?: number;
    } = { mss: this.advMss };
    // On a SYN-ACK, offer only what the SYN offered (RFC 7323 §1.3, RFC 2018 §2).
    if (this.offerWscale !== false && (!withAck || this.wscaleOk)) opts.wscale = this.offerWscale;
    if (this.offerSack && (!withAck || this.sackOk)) opts.sackPermitted = true;
    if (this.offerTs && (!withAck || this.tsOk)) {
      opts.tsval = this.tsNow(now);
      opts.tsecr = withAck ? (this.tsRecent ?? 0) : 0;
    }
    this.out[this.outLen++] = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: this.iss,
      ack: withAck ? this.rcvNxt : 0,
      flags: withAck ? TCP_SYN | TCP_ACK : TCP_SYN,
      window,
      payload: ZERO,
      ...opts,
    };
    if (withAck) this.ackPending = false;
  }

  private sendResetFor(seg: TcpSegment, now: number): void {
    // RFC 9293 §3.10.7.1
    const reply: TcpSegment =
      seg.flags & TCP_ACK
        ? {
            srcPort: this.localPort,
            dstPort: seg.srcPort,
            seq: seg.ack,
            ack: 0,
            flags: TCP_RST,
            window: 0,
            payload: ZERO,
          }
        : {
            srcPort: this.localPort,
            dstPort: seg.srcPort,
            seq: 0,
            ack: seqAdd(
              seg.seq,
              seg.payload.length + (seg.flags & TCP_SYN ? 1 : 0) + (seg.flags & TCP_FIN ? 1 : 0),
            ),
            flags: TCP_RST | TCP_ACK,
            window: 0,
            payload: ZERO,
          };
    void now;
    this.out[this.outLen++] = reply;
  }

  private negotiate(seg: TcpSegment): void {
    this.mssClamp = seg.mss ?? TCP_MSS_DEFAULT;
    this.wscaleOk = this.offerWscale !== false && seg.wscale !== undefined;
    this.sndWscale = this.wscaleOk ? Math.min(seg.wscale!, TCP_MAX_WSCALE) : 0;
    this.rcvWscale = this.wscaleOk ? (this.offerWscale as number) : 0;
    this.sndScale = 2 ** this.sndWscale;
    this.rcvScale = 2 ** this.rcvWscale;
    this.sackOk = this.offerSack && seg.sackPermitted === true;
    this.tsOk = this.offerTs && seg.tsval !== undefined;
    if (this.tsOk) this.tsRecent = seg.tsval;
    this.cwnd = TCP_INIT_CWND * this.sndMss();
  }

  private receiveListen(seg: TcpSegment, now: number): void {
    if (seg.flags & TCP_RST) return;
    if (seg.flags & TCP_ACK) {
      this.sendResetFor(seg, now);
      return;
    }
    if (!(seg.flags & TCP_SYN)) return;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.negotiate(seg);
    this.sndWnd = seg.window; // windows on SYNs are never scaled (RFC 7323 §2.2)
    this.sndWl1 = seg.seq;
    this.sndWl2 = this.iss;
    this.maxWindow = this.sndWnd;
    this.st = "SYN-RECEIVED";
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    this.emitSyn(now, true);
    this.rtoDeadline = now + this.rto;
  }

  private receiveSynSent(seg: TcpSegment, now: number): void {
    const hasAck = (seg.flags & TCP_ACK) !== 0;
    if (hasAck && (seqLeq(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax))) {
      if (!(seg.flags & TCP_RST)) this.sendResetFor(seg, now);
      return;
    }
    if (seg.flags & TCP_RST) {
      if (hasAck) this.enterClosed("reset");
      return;
    }
    if (!(seg.flags & TCP_SYN)) return;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.negotiate(seg);
    if (hasAck) {
      this.sndUna = seg.ack;
      this.sndWnd = seg.window;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.maxWindow = this.sndWnd;
      this.st = "ESTABLISHED";
      this.rtoDeadline = undefined;
      this.backoff = 0;
      if (this.nRetransmits === 0) this.rttSample(now - this.synSentAt);
      this.ackPending = true;
      this.output(now);
    } else {
      // Simultaneous open.
      this.st = "SYN-RECEIVED";
      this.emitSyn(now, true);
    }
  }

  private receiveSynchronized(seg: TcpSegment, now: number): void {
    const flags = seg.flags;
    let payload = seg.payload;
    let fin = (flags & TCP_FIN) !== 0;
    const segLen = payload.length + (flags & TCP_SYN ? 1 : 0) + (fin ? 1 : 0);

    // RFC 7323 §5.3 PAWS.
    if (
      this.tsOk &&
      seg.tsval !== undefined &&
      this.tsRecent !== undefined &&
      !(flags & TCP_RST) &&
      seqLt(seg.tsval, this.tsRecent)
    ) {
      this.ackPending = true;
      this.output(now);
      return;
    }

    // RFC 9293 §3.10.7.4 first: sequence number acceptability.
    const wnd = Math.max(0, seqDiff(seqAdd(this.rcvWup, this.rcvWnd), this.rcvNxt));
    const rightEdge = seqAdd(this.rcvNxt, wnd);
    let acceptable: boolean;
    if (segLen === 0) {
      acceptable =
        wnd === 0
          ? seg.seq === this.rcvNxt
          : seqGeq(seg.seq, this.rcvNxt) && seqLt(seg.seq, rightEdge);
    } else {
      const last = seqAdd(seg.seq, segLen - 1);
      acceptable =
        wnd > 0 &&
        ((seqGeq(seg.seq, this.rcvNxt) && seqLt(seg.seq, rightEdge)) ||
          (seqGeq(last, this.rcvNxt) && seqLt(last, rightEdge)));
    }
    if (!acceptable) {
      if (segLen > 0 && wnd === 0 && seg.seq === this.rcvNxt) {
        // Zero window: keep processing the ACK, drop the text.
        payload = ZERO;
        fin = false;
      } else {
        if (!(flags & TCP_RST)) {
          this.ackPending = true;
          if (this.st === "TIME-WAIT") this.flushAck(now);
          else this.output(now);
        }
        return;
      }
    }

    // second: RST (RFC 5961 §3.2: only an exact match resets, else a challenge ACK).
    if (flags & TCP_RST) {
      if (seg.seq === this.rcvNxt) this.enterClosed("reset");
      else {
        this.ackPending = true;
        this.flushAck(now);
      }
      return;
    }
    // fourth: SYN in a synchronized state → challenge ACK (RFC 5961 §4).
    if (flags & TCP_SYN) {
      this.ackPending = true;
      this.flushAck(now);
      return;
    }
    // fifth: ACK.
    if (!(flags & TCP_ACK)) return;

    // RFC 7323 §4.3: remember the timestamp to echo.
    if (
      this.tsOk &&
      seg.tsval !== undefined &&
      seqLeq(seg.seq, this.rcvWup) &&
      (this.tsRecent === undefined || seqGeq(seg.tsval, this.tsRecent))
    ) {
      this.tsRecent = seg.tsval;
    }

    if (this.st === "SYN-RECEIVED") {
      if (seqGt(seg.ack, this.sndUna) && seqLeq(seg.ack, this.sndMax)) {
        this.st = "ESTABLISHED";
        this.sndWnd = seg.window * this.sndScale;
        this.sndWl1 = seg.seq;
        this.sndWl2 = seg.ack;
        this.maxWindow = Math.max(this.maxWindow, this.sndWnd);
        this.sndUna = seg.ack;
        this.rtoDeadline = undefined;
        this.backoff = 0;
      } else {
        this.sendResetFor(seg, now);
        return;
      }
    } else if (!this.processAck(seg, now)) {
      return;
    }

    if (this.st === "CLOSED") return;

    // seventh: segment text.
    if (payload.length > 0 && canReceiveText(this.st)) {
      this.receiveText(seg.seq, payload, fin, rightEdge);
      this.ackPending = true;
    } else if (fin && canReceiveText(this.st) && seg.seq !== this.rcvNxt) {
      // A bare FIN beyond a hole waits in the out-of-order queue.
      if (seqGt(seg.seq, this.rcvNxt)) this.ofoFinSeq = seg.seq;
      this.ackPending = true;
    } else if (fin && seg.seq === this.rcvNxt && canReceiveText(this.st)) {
      this.processFin(now);
    } else if (fin && this.peerFin) {
      // Retransmitted FIN: acknowledge again (TIME-WAIT restarts 2·MSL).
      this.ackPending = true;
      if (this.st === "TIME-WAIT") this.timeWaitDeadline = now + 2 * this.msl;
    }
    if (this.ofoFinSeq !== undefined && this.ofoFinSeq === this.rcvNxt && !this.peerFin) {
      this.processFin(now);
    }
    if (this.st === "TIME-WAIT") this.flushAck(now);
    else this.output(now);
  }

  /** ACK processing of RFC 9293 §3.10.7.4 "fifth"; false when the segment must be dropped. */
  private processAck(seg: TcpSegment, now: number): boolean {
    const ack = seg.ack;
    if (seqGt(ack, this.sndMax)) {
      // Acknowledges something not yet sent.
      this.ackPending = true;
      this.output(now);
      return false;
    }
    const segWnd = seg.window * this.sndScale;
    const mss = this.sndMss();
    if (seqGt(ack, this.sndUna)) {
      const acked = seqDiff(ack, this.sndUna);
      // RTT sample (RFC 7323 §4 with timestamps, else Karn's algorithm on one timed segment).
      if (this.tsOk && seg.tsecr !== undefined && seg.tsecr !== 0) {
        const ms = seqDiff(this.tsNow(now), seg.tsecr);
        if (ms >= 0) this.rttSample(ms * 1000);
      } else if (this.rttSeq !== undefined && seqGeq(ack, this.rttSeq)) {
        this.rttSample(now - this.rttTime);
      }
      if (this.rttSeq !== undefined && seqGeq(ack, this.rttSeq)) this.rttSeq = undefined;
      // Drop acknowledged bytes (the FIN occupies writeSeq and has no byte in the queue).
      const dataAcked = Math.min(acked, Math.max(0, seqDiff(this.writeSeq, this.sndUna)));
      this.sendQueue.consume(dataAcked);
      this.sndUna = ack;
      if (seqLt(this.sndNxt, this.sndUna)) this.sndNxt = this.sndUna;
      while (this.sacked.length > 0 && seqLeq(this.sacked[0]!.right, ack)) this.sacked.shift();
      if (this.sacked.length > 0 && seqLt(this.sacked[0]!.left, ack)) this.sacked[0]!.left = ack;
      // Congestion control.
      if (this.inRecovery) {
        if (seqGeq(ack, this.recover)) {
          this.inRecovery = false;
          this.cwnd = Math.min(
            this.ssthresh,
            Math.max(seqDiff(this.sndMax, this.sndUna), mss) + mss,
          );
        } else {
          // NewReno partial ACK (RFC 6582 §3.2 step 5).
          this.retransmitAt(this.sndUna, now);
          this.cwnd = Math.max(mss, this.cwnd - acked + mss);
        }
      } else if (this.cwnd < this.ssthresh) {
        this.cwnd += Math.min(acked, mss);
      } else {
        this.cwnd += Math.max(1, Math.floor((mss * mss) / this.cwnd));
      }
      this.dupAcks = 0;
      this.backoff = 0;
      this.rtoDeadline = this.sndUna === this.sndMax ? undefined : now + this.rto;
    } else if (
      ack === this.sndUna &&
      seg.payload.length === 0 &&
      !(seg.flags & (TCP_FIN | TCP_SYN)) &&
      segWnd === this.sndWnd &&
      this.sndMax !== this.sndUna
    ) {
      // Duplicate ACK (RFC 5681 §2).
      this.dupAcks++;
      if (this.dupAcks === 3 && !this.inRecovery) {
        const flight = seqDiff(this.sndMax, this.sndUna);
        this.ssthresh = Math.max(Math.floor(flight / 2), 2 * mss);
        this.recover = this.sndMax;
        this.inRecovery = true;
        this.nFastRetransmits++;
        this.retransmitAt(this.sndUna, now);
        this.cwnd = this.ssthresh + 3 * mss;
        this.rttSeq = undefined;
      } else if (this.dupAcks > 3 && this.inRecovery) {
        this.cwnd += mss;
      }
    }
    if (this.sackOk && seg.sack !== undefined) this.recordSack(seg.sack);
    // Window update (RFC 9293 §3.10.7.4).
    if (
      seqLeq(this.sndUna, ack) &&
      (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLeq(this.sndWl2, ack)))
    ) {
      this.sndWnd = segWnd;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      if (segWnd > this.maxWindow) this.maxWindow = segWnd;
      if (segWnd > 0) {
        this.persistDeadline = undefined;
        this.persistBackoff = 0;
      }
    }
    // FIN acknowledged?
    if (this.finQueued && seqGt(this.sndUna, this.writeSeq)) {
      if (this.st === "FIN-WAIT-1") this.st = "FIN-WAIT-2";
      else if (this.st === "CLOSING") this.enterTimeWait(now);
      else if (this.st === "LAST-ACK") {
        this.enterClosed("closed");
        return false;
      }
    }
    return true;
  }

  private receiveText(seq: number, payload: Uint8Array, fin: boolean, rightEdge: number): void {
    let s = seq;
    let data = payload;
    let finSeq: number | undefined = fin ? seqAdd(seq, payload.length) : undefined;
    if (seqLt(s, this.rcvNxt)) {
      const cut = seqDiff(this.rcvNxt, s);
      data = cut >= data.length ? ZERO : data.subarray(cut);
      s = this.rcvNxt;
    }
    if (seqGt(seqAdd(s, data.length), rightEdge)) {
      data = data.subarray(0, Math.max(0, seqDiff(rightEdge, s)));
      finSeq = undefined;
    }
    if (finSeq !== undefined && !this.peerFin) this.ofoFinSeq = finSeq;
    if (data.length === 0) return;
    if (s === this.rcvNxt) {
      this.recvQueue.appendOwned(data); // payloads are immutable by contract
      this.rcvNxt = seqAdd(this.rcvNxt, data.length);
      this.drainOfo();
    } else {
      this.insertOfo(s, data);
    }
  }

  private insertOfo(s: number, data: Uint8Array): void {
    const end = seqAdd(s, data.length);
    let cur = s;
    const pieces: OfoBlock[] = [];
    for (const b of this.ofo) {
      const bEnd = seqAdd(b.seq, b.data.length);
      if (seqLeq(end, b.seq)) break;
      if (seqLt(cur, b.seq)) {
        pieces.push({ seq: cur, data: data.subarray(seqDiff(cur, s), seqDiff(b.seq, s)) });
      }
      if (seqGt(bEnd, cur)) cur = bEnd;
      if (seqGeq(cur, end)) break;
    }
    if (seqLt(cur, end)) pieces.push({ seq: cur, data: data.subarray(seqDiff(cur, s)) });
    if (pieces.length === 0) return;
    const base = this.rcvNxt;
    this.ofo.push(...pieces);
    this.ofo.sort((x, y) => seqDiff(x.seq, base) - seqDiff(y.seq, base));
    this.lastOfoSeq = s;
    this.sackCache = undefined;
  }

  private drainOfo(): void {
    while (this.ofo.length > 0) {
      const b = this.ofo[0]!;
      if (seqGt(b.seq, this.rcvNxt)) break;
      this.ofo.shift();
      this.sackCache = undefined;
      const bEnd = seqAdd(b.seq, b.data.length);
      if (seqGt(bEnd, this.rcvNxt)) {
        this.recvQueue.appendOwned(b.data.subarray(seqDiff(this.rcvNxt, b.seq)));
        this.rcvNxt = bEnd;
      }
    }
  }

  private processFin(now: number): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.peerFin = true;
    this.ofoFinSeq = undefined;
    this.ackPending = true;
    switch (this.st) {
      case "ESTABLISHED":
        this.st = "CLOSE-WAIT";
        break;
      case "FIN-WAIT-1":
        if (this.finQueued && seqGt(this.sndUna, this.writeSeq)) this.enterTimeWait(now);
        else this.st = "CLOSING";
        break;
      case "FIN-WAIT-2":
        this.enterTimeWait(now);
        break;
      default:
        break;
    }
  }

  /**
   * SACK blocks (RFC 2018 §4): the block holding the latest segment first, at most 3 with TS.
   * Computed once per change of the out-of-order queue (segments never mutate their blocks).
   */
  private sackBlocks(): readonly SackBlock[] {
    if (this.sackCache === undefined) this.sackCache = this.computeSackBlocks();
    return this.sackCache;
  }

  private computeSackBlocks(): SackBlock[] {
    const ranges: { left: number; right: number }[] = [];
    for (const b of this.ofo) {
      const right = seqAdd(b.seq, b.data.length);
      const lastRange = ranges[ranges.length - 1];
      if (lastRange !== undefined && lastRange.right === b.seq) lastRange.right = right;
      else ranges.push({ left: b.seq, right });
    }
    const max = this.tsOk ? 3 : 4;
    const latest = this.lastOfoSeq;
    const first = ranges.findIndex(
      (r) => latest !== undefined && seqGeq(latest, r.left) && seqLt(latest, r.right),
    );
    if (first > 0) {
      const [r] = ranges.splice(first, 1);
      ranges.unshift(r!);
    }
    return ranges.slice(0, max);
  }

  private recordSack(blocks: readonly SackBlock[]): void {
    const base = this.sndUna;
    // Usually the peer repeats blocks already on the scoreboard (sorted, disjoint, merged):
    // then merging them in would change nothing.
    if (this.sackedAlready(blocks)) return;
    for (const b of blocks) {
      // Ignore blocks outside (snd_una, snd_max] (RFC 2018 §8 D-SACK and bogus blocks).
      if (!seqLt(b.left, b.right) || seqLeq(b.right, base) || seqGt(b.right, this.sndMax)) continue;
      this.addSacked(seqLt(b.left, base) ? base : b.left, b.right);
    }
  }

  /**
   * Merges `[left, right)` into the scoreboard, which stays sorted with disjoint, non-touching
   * ranges (the union of everything SACKed).
   */
  private addSacked(left: number, right: number): void {
    const s = this.sacked;
    let i = 0;
    while (i < s.length && seqLt(s[i]!.right, left)) i++;
    let l = left;
    let r = right;
    let j = i;
    while (j < s.length && seqLeq(s[j]!.left, r)) {
      if (seqLt(s[j]!.left, l)) l = s[j]!.left;
      if (seqGt(s[j]!.right, r)) r = s[j]!.right;
      j++;
    }
    if (j === i) s.splice(i, 0, { left: l, right: r });
    else {
      s[i] = { left: l, right: r };
      if (j > i + 1) s.splice(i + 1, j - i - 1);
    }
  }

  /** True when every valid block of `blocks` lies inside one range of the scoreboard. */
  private sackedAlready(blocks: readonly SackBlock[]): boolean {
    const base = this.sndUna;
    for (const b of blocks) {
      if (!seqLt(b.left, b.right) || seqLeq(b.right, base) || seqGt(b.right, this.sndMax)) continue;
      const left = seqLt(b.left, base) ? base : b.left;
      let inside = false;
      for (const r of this.sacked) {
        if (seqLeq(r.left, left) && seqLeq(b.right, r.right)) {
          inside = true;
          break;
        }
      }
      if (!inside) return false;
    }
    return true;
  }

  private rttSample(r: number): void {
    if (r < 0) return;
    // RFC 6298 §2.2–2.3, with K = 4 and G = 1 ms (the timestamp clock).
    if (this.srtt === undefined || this.rttvar === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(
      TCP_RTO_MAX_US,
      Math.max(this.rtoMin, Math.round(this.srtt + Math.max(1000, 4 * this.rttvar))),
    );
  }

  private retransmitTimeout(now: number): void {
    this.nTimeouts++;
    if (this.backoff >= (this.st === "SYN-SENT" ? 6 : this.maxRetries)) {
      this.enterClosed("timeout");
      return;
    }
    this.backoff++;
    this.rto = Math.min(this.rto * 2, TCP_RTO_MAX_US); // RFC 6298 §5.5
    this.rttSeq = undefined;
    if (this.st === "SYN-SENT" || this.st === "SYN-RECEIVED") {
      this.nRetransmits++;
      this.emitSyn(now, this.st === "SYN-RECEIVED");
      this.rtoDeadline = now + this.rto;
      return;
    }
    if (this.sndMax === this.sndUna) return;
    const mss = this.sndMss();
    const flight = seqDiff(this.sndMax, this.sndUna);
    // RFC 5681 §3.1 (4): ssthresh from the flight size, loss window of one segment.
    if (this.backoff === 1) this.ssthresh = Math.max(Math.floor(flight / 2), 2 * mss);
    this.cwnd = mss;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.recover = this.sndMax;
    this.sacked = []; // RFC 2018 §8: the receiver may have reneged
    this.sndNxt = this.sndUna; // go back and resend from the first unacknowledged byte
    this.rtoDeadline = now + this.rto;
    this.output(now);
  }

  /** Sends one segment from `seq` (a retransmission) without moving snd_nxt. */
  private retransmitAt(seq: number, now: number): void {
    const avail = seqDiff(this.writeSeq, seq);
    const len = Math.max(0, Math.min(this.sndMss(), avail));
    const fin =
      this.finQueued && seqAdd(seq, len) === this.writeSeq && seqGt(this.sndMax, this.writeSeq);
    if (len === 0 && !fin) return;
    const payload = this.sendQueue.view(seqDiff(seq, this.sndUna), len);
    this.nRetransmits++;
    this.emit(now, seq, TCP_ACK | (len > 0 ? TCP_PSH : 0) | (fin ? TCP_FIN : 0), payload);
    if (this.rtoDeadline === undefined) this.rtoDeadline = now + this.rto;
  }

  private flushAck(now: number): void {
    if (this.ackPending) this.emit(now, this.sndNxt, TCP_ACK, ZERO);
  }

  /** Transmits what the send and congestion windows allow, then a pure ACK if one is owed. */
  private output(now: number): void {
    if (this.repairMode) return;
    if (!canSend(this.st)) {
      if (this.st !== "CLOSED" && this.st !== "LISTEN" && this.st !== "SYN-SENT")
        this.flushAck(now);
      return;
    }
    const mss = this.sndMss();
    const wnd = Math.min(this.sndWnd, this.cwnd);
    let swsBlocked = false;
    for (;;) {
      let seq = this.sndNxt;
      // Skip what the peer has SACKed when resending (RFC 6675 in spirit).
      if (this.sacked.length > 0 && seqLt(seq, this.sndMax)) {
        for (const r of this.sacked) {
          if (seqGeq(seq, r.left) && seqLt(seq, r.right)) seq = r.right;
        }
        this.sndNxt = seq;
      }
      const remaining = seqDiff(this.writeSeq, seq);
      const usable = wnd - seqDiff(seq, this.sndUna);
      let len = Math.min(mss, remaining, usable);
      if (this.sacked.length > 0 && seqLt(seq, this.sndMax)) {
        for (const r of this.sacked) {
          if (seqGt(r.left, seq)) {
            len = Math.min(len, seqDiff(r.left, seq));
            break;
          }
        }
      }
      if (len < 0) len = 0;
      // Sender SWS avoidance (RFC 9293 §3.8.6.2.1), Nagle off: send a full segment, or all that
      // is queued, or at least half the largest window the peer offered; otherwise wait for
      // more window, or for the override timeout when nothing is in flight.
      if (len > 0 && len < mss && len < remaining && len < this.maxWindow >> 1) {
        if (this.swsOverride) this.swsOverride = false;
        else {
          len = 0;
          swsBlocked = true;
        }
      }
      const fin =
        this.finQueued &&
        remaining === len &&
        seqLeq(seqAdd(seq, len), this.writeSeq) &&
        (len > 0 || usable > 0 || seq === this.sndUna);
      if (len === 0 && !fin) break;
      const payload = len > 0 ? this.sendQueue.view(seqDiff(seq, this.sndUna), len) : ZERO;
      const isRetransmit = seqLt(seq, this.sndMax);
      if (isRetransmit) this.nRetransmits++;
      else if (!this.tsOk && this.rttSeq === undefined && len > 0) {
        this.rttSeq = seqAdd(seq, len);
        this.rttTime = now;
      }
      this.emit(now, seq, TCP_ACK | (len > 0 ? TCP_PSH : 0) | (fin ? TCP_FIN : 0), payload);
      this.sndNxt = seqAdd(seq, len + (fin ? 1 : 0));
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      if (this.rtoDeadline === undefined) this.rtoDeadline = now + this.rto;
      if (fin) break;
    }
    if (this.ackPending) this.emit(now, this.sndNxt, TCP_ACK, ZERO);
    // Persist timer: data waiting, nothing in flight, window closed.
    const waiting =
      seqDiff(this.writeSeq, this.sndNxt) > 0 ||
      (this.finQueued && !seqGt(this.sndMax, this.writeSeq));
    if (this.sndMax === this.sndUna && waiting && this.sndWnd === 0) {
      if (this.persistDeadline === undefined) this.persistDeadline = now + this.rto;
    } else if (this.sndMax === this.sndUna && swsBlocked) {
      // SWS override timeout (RFC 9293 §3.8.6.2.1 suggests 0.1–1 s).
      if (this.persistDeadline === undefined) this.persistDeadline = now + SWS_OVERRIDE_US;
    } else if (this.sndWnd > 0) {
      this.persistDeadline = undefined;
    }
  }
}

const SNAPSHOT_STATES_SET: ReadonlySet<TcpState> = new Set<TcpState>([
  "ESTABLISHED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "CLOSE-WAIT",
  "CLOSING",
  "LAST-ACK",
]);

function checkPort(p: number, field: string): void {
  if (!Number.isInteger(p) || p < 0 || p > 0xffff) {
    throw new TcpStateTransferError("BAD_OPTION", `${field} must be a 16-bit port`, { field });
  }
}

function checkU32(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
    throw new TcpStateTransferError("BAD_OPTION", `${field} must be an unsigned 32-bit integer`, {
      field,
    });
  }
}

function positive(v: number, field: string): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw new TcpStateTransferError("BAD_OPTION", `${field} must be a positive integer`, { field });
  }
  return v;
}

/**
 * Restores an endpoint from a snapshot (see {@link TcpEndpoint.restore}).
 *
 * @example
 * ```ts
 * const restored = restoreEndpoint(snapshot, { now: 5_000 });
 * restored.resume(5_000);
 * ```
 */
export function restoreEndpoint(s: TcpRepairSnapshot, options: TcpRestoreOptions): TcpEndpoint {
  return TcpEndpoint.restore(s, options);
}
