import { TcpStateTransferError } from "./errors";
import { seqGt } from "./seq";
import type { TcpState } from "./state";

/** Version of the snapshot layout written by this package. */
export const TCP_SNAPSHOT_VERSION = 1;

/** `TCPI_OPT_TIMESTAMPS` bit of `opt_mask` (include/uapi/linux/tcp.h). */
export const TCPI_OPT_TIMESTAMPS = 1;
/** `TCPI_OPT_SACK` bit of `opt_mask`. */
export const TCPI_OPT_SACK = 2;
/** `TCPI_OPT_WSCALE` bit of `opt_mask`. */
export const TCPI_OPT_WSCALE = 4;
/** Largest window scale shift, `TCP_MAX_WSCALE` (RFC 7323 §2.3). */
export const TCP_MAX_WSCALE = 14;

/** States a TCP_REPAIR dump can carry (the ones CRIU checkpoints). */
export const SNAPSHOT_STATES: readonly TcpState[] = [
  "ESTABLISHED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "CLOSE-WAIT",
  "CLOSING",
  "LAST-ACK",
];

/**
 * The state of one TCP connection as Linux `TCP_REPAIR` exposes it and CRIU's `tcp_stream_entry`
 * (images/tcp-stream.proto) stores it, plus the 4-tuple of `inet_sk_entry` and the queue contents.
 *
 * Sequence numbers follow libsoccr: `inq_seq` is `rcv_nxt` and `outq_seq` is `write_seq`, both
 * without a FIN; the FINs are implied by `state`. Window fields are as `TCP_REPAIR_WINDOW`
 * returns them. Not carried, as in the kernel: RTT estimate, congestion window, SACK scoreboard,
 * out-of-order queue, `ts_recent`.
 *
 * @example
 * ```ts
 * const s: TcpRepairSnapshot = {
 *   version: 1, state: "ESTABLISHED", src_addr: "192.0.2.1", src_port: 179,
 *   dst_addr: "192.0.2.2", dst_port: 40000, inq_seq: 1000, inq_len: 0, outq_seq: 5000,
 *   outq_len: 0, unsq_len: 0, opt_mask: 7, snd_wscale: 7, rcv_wscale: 7, mss_clamp: 1460,
 *   timestamp: 123, snd_wl1: 1000, snd_wnd: 65536, max_window: 65536, rcv_wnd: 65536,
 *   rcv_wup: 1000, inq: new Uint8Array(0), outq: new Uint8Array(0),
 * };
 * ```
 */
export interface TcpRepairSnapshot {
  /** Layout version, {@link TCP_SNAPSHOT_VERSION}. */
  readonly version: number;
  /** Connection state (CRIU `inet_sk_entry.state`). */
  readonly state: TcpState;
  /** Local address (IPv4 dotted quad or IPv6 text). */
  readonly src_addr: string;
  readonly src_port: number;
  /** Remote address. */
  readonly dst_addr: string;
  readonly dst_port: number;
  /** `rcv_nxt` (TCP_QUEUE_SEQ of TCP_RECV_QUEUE), excluding a received FIN. */
  readonly inq_seq: number;
  /** Unread in-order bytes in the receive queue (`inq`). */
  readonly inq_len: number;
  /** `write_seq` (TCP_QUEUE_SEQ of TCP_SEND_QUEUE), excluding our FIN. */
  readonly outq_seq: number;
  /** Bytes in the send queue, sent-but-unacknowledged plus unsent. */
  readonly outq_len: number;
  /** Unsent bytes at the tail of the send queue (SIOCOUTQNSD). */
  readonly unsq_len: number;
  /** `TCPI_OPT_*` bits negotiated on the SYNs. */
  readonly opt_mask: number;
  /** Shift applied to windows the peer advertises. */
  readonly snd_wscale: number;
  /** Shift applied to windows we advertise. */
  readonly rcv_wscale: number;
  /** MSS clamp (the peer's MSS option). */
  readonly mss_clamp: number;
  /** TSval clock at the dump (TCP_TIMESTAMP); restore continues the clock from here. */
  readonly timestamp: number;
  readonly snd_wl1: number;
  readonly snd_wnd: number;
  readonly max_window: number;
  readonly rcv_wnd: number;
  readonly rcv_wup: number;
  /** Receive-queue bytes (unread, in order). */
  readonly inq: Uint8Array;
  /** Send-queue bytes (unacknowledged then unsent). */
  readonly outq: Uint8Array;
}

/** Why a snapshot was refused; `errno` is what the kernel would return. */
export type TcpRepairErrorCode =
  | "UNSUPPORTED_VERSION"
  | "UNSUPPORTED_STATE"
  | "BAD_FIELD"
  | "QUEUE_LENGTH_MISMATCH"
  | "UNSENT_EXCEEDS_QUEUE"
  | "INCONSISTENT_FIN_STATE"
  | "UNSUPPORTED_OPTION"
  | "WSCALE_TOO_LARGE"
  | "MAX_WINDOW_BELOW_SND_WND"
  | "SND_WL1_AFTER_RCV_WINDOW"
  | "RCV_WUP_AFTER_RCV_NXT";

/** A refusal to restore, as a value. */
export interface TcpRepairError {
  readonly code: TcpRepairErrorCode;
  /** errno the kernel's setsockopt would fail with. */
  readonly errno: "EINVAL" | "EFBIG" | "EPERM";
  readonly field: string;
  readonly message: string;
}

/** Result of {@link validateSnapshot}. */
export type SnapshotValidation =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: TcpRepairError };

/** A 32-bit field of a snapshot. */
export type SnapshotU32Field =
  | "inq_seq"
  | "inq_len"
  | "outq_seq"
  | "outq_len"
  | "unsq_len"
  | "opt_mask"
  | "snd_wscale"
  | "rcv_wscale"
  | "mss_clamp"
  | "timestamp"
  | "snd_wl1"
  | "snd_wnd"
  | "max_window"
  | "rcv_wnd"
  | "rcv_wup";

/** Names of the 32-bit fields of a snapshot, in binary-layout order. */
export const SNAPSHOT_U32_FIELDS: readonly SnapshotU32Field[] = [
  "inq_seq",
  "inq_len",
  "outq_seq",
  "outq_len",
  "unsq_len",
  "opt_mask",
  "snd_wscale",
  "rcv_wscale",
  "mss_clamp",
  "timestamp",
  "snd_wl1",
  "snd_wnd",
  "max_window",
  "rcv_wnd",
  "rcv_wup",
];

function fail(
  code: TcpRepairErrorCode,
  field: string,
  message: string,
  errno: TcpRepairError["errno"] = "EINVAL",
): SnapshotValidation {
  return { ok: false, error: { code, errno, field, message } };
}

/** True for states in which the peer's FIN has been received (and acknowledged). */
export function peerFinReceived(state: TcpState): boolean {
  return state === "CLOSE-WAIT" || state === "CLOSING" || state === "LAST-ACK";
}

/**
 * Checks a snapshot against the rules the kernel applies on restore, returning the first
 * violation as a value:
 * `TCP_REPAIR_WINDOW` (net/ipv4/tcp.c `tcp_repair_set_window`): `max_window ≥ snd_wnd`,
 * `!after(snd_wl1, rcv_nxt + rcv_wnd)`, `!after(rcv_wup, rcv_nxt)` (with libsoccr's FIN
 * adjustment `rcv_wup - 1`, `rcv_wnd + 1` when the peer's FIN was received);
 * `TCP_REPAIR_OPTIONS`: window scales ≤ 14 (`EFBIG`); plus the layout's own consistency.
 *
 * @example
 * ```ts
 * const r = validateSnapshot(snapshot);
 * if (!r.ok) console.log(r.error.code, r.error.errno);
 * ```
 */
export function validateSnapshot(s: TcpRepairSnapshot): SnapshotValidation {
  if (s.version !== TCP_SNAPSHOT_VERSION) {
    return fail("UNSUPPORTED_VERSION", "version", `unsupported snapshot version ${s.version}`);
  }
  if (!SNAPSHOT_STATES.includes(s.state)) {
    return fail("UNSUPPORTED_STATE", "state", `a ${s.state} socket cannot be repaired`, "EPERM");
  }
  for (const f of SNAPSHOT_U32_FIELDS) {
    const v = s[f];
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
      return fail("BAD_FIELD", f, `${f} must be an unsigned 32-bit integer, got ${v}`);
    }
  }
  for (const f of ["src_port", "dst_port"] as const) {
    const v = s[f];
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      return fail("BAD_FIELD", f, `${f} must be a 16-bit port, got ${v}`);
    }
  }
  if (s.inq.length !== s.inq_len) {
    return fail("QUEUE_LENGTH_MISMATCH", "inq_len", `inq_len ${s.inq_len} ≠ ${s.inq.length} bytes`);
  }
  if (s.outq.length !== s.outq_len) {
    return fail(
      "QUEUE_LENGTH_MISMATCH",
      "outq_len",
      `outq_len ${s.outq_len} ≠ ${s.outq.length} bytes`,
    );
  }
  if (s.unsq_len > s.outq_len) {
    return fail("UNSENT_EXCEEDS_QUEUE", "unsq_len", "unsq_len exceeds outq_len");
  }
  if (s.state === "FIN-WAIT-2" && s.outq_len !== 0) {
    return fail(
      "INCONSISTENT_FIN_STATE",
      "outq_len",
      "FIN-WAIT-2 means our FIN was acknowledged, so the send queue must be empty",
    );
  }
  if ((s.opt_mask & ~(TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE)) !== 0) {
    return fail("UNSUPPORTED_OPTION", "opt_mask", `unsupported TCPI_OPT bits in ${s.opt_mask}`);
  }
  if (s.snd_wscale > TCP_MAX_WSCALE) {
    return fail("WSCALE_TOO_LARGE", "snd_wscale", "snd_wscale > 14", "EFBIG");
  }
  if (s.rcv_wscale > TCP_MAX_WSCALE) {
    return fail("WSCALE_TOO_LARGE", "rcv_wscale", "rcv_wscale > 14", "EFBIG");
  }
  // TCP_REPAIR_WINDOW, checked against rcv_nxt as restored (TCP_QUEUE_SEQ set before).
  if (s.max_window < s.snd_wnd) {
    return fail("MAX_WINDOW_BELOW_SND_WND", "max_window", "max_window < snd_wnd");
  }
  const fin = peerFinReceived(s.state);
  const rcvWup = fin ? (s.rcv_wup - 1) >>> 0 : s.rcv_wup;
  const rcvWnd = fin ? s.rcv_wnd + 1 : s.rcv_wnd;
  if (seqGt(s.snd_wl1, (s.inq_seq + rcvWnd) >>> 0)) {
    return fail("SND_WL1_AFTER_RCV_WINDOW", "snd_wl1", "snd_wl1 is after rcv_nxt + rcv_wnd");
  }
  if (seqGt(rcvWup, s.inq_seq)) {
    return fail("RCV_WUP_AFTER_RCV_NXT", "rcv_wup", "rcv_wup is after rcv_nxt");
  }
  return { ok: true };
}

/**
 * True when {@link validateSnapshot} accepts the snapshot.
 *
 * @example
 * ```ts
 * if (isValidSnapshot(s)) restoreEndpoint(s, { now: 0 });
 * ```
 */
export function isValidSnapshot(s: TcpRepairSnapshot): boolean {
  return validateSnapshot(s).ok;
}

/**
 * Throws the package error for an invalid snapshot (`code` is the {@link TcpRepairErrorCode}).
 *
 * @example
 * ```ts
 * assertValidSnapshot(s); // throws TcpStateTransferError("MAX_WINDOW_BELOW_SND_WND", …)
 * ```
 */
export function assertValidSnapshot(s: TcpRepairSnapshot): void {
  const r = validateSnapshot(s);
  if (!r.ok) {
    throw new TcpStateTransferError(r.error.code, `${r.error.message} (${r.error.errno})`, {
      field: r.error.field,
    });
  }
}
