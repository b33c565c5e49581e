import { TcpStateTransferError } from "./errors";
import { formatIp, parseIp } from "./internal/ip";
import {
  SNAPSHOT_U32_FIELDS,
  type SnapshotU32Field,
  TCP_SNAPSHOT_VERSION,
  type TcpRepairSnapshot,
} from "./snapshot";
import { isTcpState, linuxTcpStateNumber, tcpStateFromLinux } from "./state";

/** Magic at the start of the binary form: ASCII "TCPR". */
export const SNAPSHOT_MAGIC = 0x54435052;

/** The JSON form of a snapshot: queues as base64, everything else as in {@link TcpRepairSnapshot}. */
export interface TcpRepairSnapshotJson extends Omit<TcpRepairSnapshot, "inq" | "outq"> {
  /** Receive queue, base64 (RFC 4648 §4). */
  readonly inq: string;
  /** Send queue, base64. */
  readonly outq: string;
}

/**
 * The JSON form of a snapshot (a plain object; `JSON.stringify` it to store).
 *
 * @example
 * ```ts
 * const text = JSON.stringify(snapshotToJson(snapshot));
 * ```
 */
export function snapshotToJson(s: TcpRepairSnapshot): TcpRepairSnapshotJson {
  return {
    version: s.version,
    state: s.state,
    src_addr: s.src_addr,
    src_port: s.src_port,
    dst_addr: s.dst_addr,
    dst_port: s.dst_port,
    inq_seq: s.inq_seq,
    inq_len: s.inq_len,
    outq_seq: s.outq_seq,
    outq_len: s.outq_len,
    unsq_len: s.unsq_len,
    opt_mask: s.opt_mask,
    snd_wscale: s.snd_wscale,
    rcv_wscale: s.rcv_wscale,
    mss_clamp: s.mss_clamp,
    timestamp: s.timestamp,
    snd_wl1: s.snd_wl1,
    snd_wnd: s.snd_wnd,
    max_window: s.max_window,
    rcv_wnd: s.rcv_wnd,
    rcv_wup: s.rcv_wup,
    inq: Buffer.from(s.inq.buffer, s.inq.byteOffset, s.inq.byteLength).toString("base64"),
    outq: Buffer.from(s.outq.buffer, s.outq.byteOffset, s.outq.byteLength).toString("base64"),
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads the JSON form (an already-parsed value, or a string). Checks every field's type and
 * range; throws `TcpStateTransferError` (code `BAD_JSON`) naming the field. The kernel's restore
 * rules are checked separately by `validateSnapshot`.
 *
 * @example
 * ```ts
 * const s = snapshotFromJson(text);
 * ```
 */
export function snapshotFromJson(input: unknown): TcpRepairSnapshot {
  let v: unknown = input;
  if (typeof input === "string") {
    try {
      v = JSON.parse(input);
    } catch (e) {
      throw new TcpStateTransferError("BAD_JSON", "snapshot is not valid JSON", {}, { cause: e });
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TcpStateTransferError("BAD_JSON", "snapshot must be a JSON object", {});
  }
  const o = v as Record<string, unknown>;
  const num = (f: string, max: number): number => {
    const x = o[f];
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > max) {
      throw new TcpStateTransferError("BAD_JSON", `${f} must be an integer in [0, ${max}]`, {
        field: f,
      });
    }
    return x;
  };
  const str = (f: string): string => {
    const x = o[f];
    if (typeof x !== "string") {
      throw new TcpStateTransferError("BAD_JSON", `${f} must be a string`, { field: f });
    }
    return x;
  };
  const bytes = (f: string): Uint8Array => {
    const x = str(f);
    if (!BASE64.test(x)) {
      throw new TcpStateTransferError("BAD_JSON", `${f} must be base64`, { field: f });
    }
    return new Uint8Array(Buffer.from(x, "base64"));
  };
  const addr = (f: string): string => {
    // Addresses are kept in the RFC 5952 canonical form, as the binary form decodes them.
    return formatIp(parseIp(str(f), f));
  };
  const state = o.state;
  if (!isTcpState(state)) {
    throw new TcpStateTransferError("BAD_JSON", "state must be an RFC 9293 state name", {
      field: "state",
    });
  }
  const src = addr("src_addr");
  const dst = addr("dst_addr");
  if (parseIp(src, "src_addr").length !== parseIp(dst, "dst_addr").length) {
    throw new TcpStateTransferError("BAD_JSON", "src_addr and dst_addr differ in family", {
      field: "dst_addr",
    });
  }
  const u32 = {} as Record<SnapshotU32Field, number>;
  for (const f of SNAPSHOT_U32_FIELDS) u32[f] = num(f, 0xffff_ffff);
  const s: TcpRepairSnapshot = {
    version: num("version", 255),
    state,
    src_addr: src,
    src_port: num("src_port", 0xffff),
    dst_addr: dst,
    dst_port: num("dst_port", 0xffff),
    ...u32,
    inq: bytes("inq"),
    outq: bytes("outq"),
  };
  if (s.inq.length !== s.inq_len) {
    throw new TcpStateTransferError("BAD_JSON", "inq_len does not match inq", { field: "inq_len" });
  }
  if (s.outq.length !== s.outq_len) {
    throw new TcpStateTransferError("BAD_JSON", "outq_len does not match outq", {
      field: "outq_len",
    });
  }
  return s;
}

/**
 * The compact binary form, big-endian (network order):
 * magic "TCPR" u32 · version u8 · Linux state u8 · address length u8 (4 or 16) · reserved u8 ·
 * src_addr · dst_addr · src_port u16 · dst_port u16 · the 15 u32 fields in the order
 * inq_seq, inq_len, outq_seq, outq_len, unsq_len, opt_mask, snd_wscale, rcv_wscale, mss_clamp,
 * timestamp, snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup · inq bytes · outq bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeSnapshot(snapshot);
 * const again = decodeSnapshot(bytes);
 * ```
 */
export function encodeSnapshot(s: TcpRepairSnapshot): Uint8Array {
  const src = parseIp(s.src_addr, "src_addr");
  const dst = parseIp(s.dst_addr, "dst_addr");
  if (src.length !== dst.length) {
    throw new TcpStateTransferError("BAD_ADDRESS", "src_addr and dst_addr differ in family", {
      field: "dst_addr",
    });
  }
  if (s.inq.length !== s.inq_len || s.outq.length !== s.outq_len) {
    throw new TcpStateTransferError("QUEUE_LENGTH_MISMATCH", "queue lengths do not match", {
      field: s.inq.length !== s.inq_len ? "inq_len" : "outq_len",
    });
  }
  const header = 8 + 2 * src.length + 4 + 4 * SNAPSHOT_U32_FIELDS.length;
  const out = new Uint8Array(header + s.inq.length + s.outq.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, SNAPSHOT_MAGIC);
  dv.setUint8(4, s.version);
  dv.setUint8(5, linuxTcpStateNumber(s.state));
  dv.setUint8(6, src.length);
  let o = 8;
  out.set(src, o);
  o += src.length;
  out.set(dst, o);
  o += dst.length;
  dv.setUint16(o, s.src_port);
  dv.setUint16(o + 2, s.dst_port);
  o += 4;
  for (const f of SNAPSHOT_U32_FIELDS) {
    const v = s[f];
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
      throw new TcpStateTransferError("BAD_FIELD", `${f} is not an unsigned 32-bit integer`, {
        field: f,
      });
    }
    dv.setUint32(o, v);
    o += 4;
  }
  out.set(s.inq, o);
  out.set(s.outq, o + s.inq.length);
  return out;
}

/**
 * Decodes the binary form; throws `TcpStateTransferError` with the byte offset and field of the
 * first problem (truncation, bad magic, unknown version or state, length mismatch, trailing bytes).
 *
 * @example
 * ```ts
 * const s = decodeSnapshot(bytes);
 * ```
 */
export function decodeSnapshot(bytes: Uint8Array): TcpRepairSnapshot {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (offset: number, n: number, field: string): void => {
    if (offset + n > bytes.length) {
      throw new TcpStateTransferError("TRUNCATED", `snapshot truncated reading ${field}`, {
        offset,
        field,
      });
    }
  };
  need(0, 8, "magic");
  if (dv.getUint32(0) !== SNAPSHOT_MAGIC) {
    throw new TcpStateTransferError("BAD_MAGIC", "not a TCP repair snapshot", {
      offset: 0,
      field: "magic",
    });
  }
  const version = dv.getUint8(4);
  if (version !== TCP_SNAPSHOT_VERSION) {
    throw new TcpStateTransferError("UNSUPPORTED_VERSION", `unsupported version ${version}`, {
      offset: 4,
      field: "version",
    });
  }
  const state = tcpStateFromLinux(dv.getUint8(5));
  if (state === undefined) {
    throw new TcpStateTransferError("BAD_STATE", `unknown TCP state ${dv.getUint8(5)}`, {
      offset: 5,
      field: "state",
    });
  }
  const alen = dv.getUint8(6);
  if (alen !== 4 && alen !== 16) {
    throw new TcpStateTransferError("BAD_ADDRESS", `address length ${alen} is not 4 or 16`, {
      offset: 6,
      field: "address_length",
    });
  }
  if (dv.getUint8(7) !== 0) {
    throw new TcpStateTransferError("BAD_RESERVED", "reserved byte must be 0", {
      offset: 7,
      field: "reserved",
    });
  }
  let o = 8;
  need(o, 2 * alen + 4 + 4 * SNAPSHOT_U32_FIELDS.length, "header");
  const src = formatIp(bytes.subarray(o, o + alen));
  o += alen;
  const dst = formatIp(bytes.subarray(o, o + alen));
  o += alen;
  const srcPort = dv.getUint16(o);
  const dstPort = dv.getUint16(o + 2);
  o += 4;
  const u32 = {} as Record<SnapshotU32Field, number>;
  for (const f of SNAPSHOT_U32_FIELDS) {
    u32[f] = dv.getUint32(o);
    o += 4;
  }
  const inqLen = u32.inq_len;
  const outqLen = u32.outq_len;
  if (bytes.length - o !== inqLen + outqLen) {
    const short = bytes.length - o < inqLen + outqLen;
    throw new TcpStateTransferError(
      short ? "TRUNCATED" : "TRAILING_BYTES",
      short ? "queues truncated" : `${bytes.length - o - inqLen - outqLen} trailing bytes`,
      { offset: short ? bytes.length : o + inqLen + outqLen, field: short ? "outq" : "trailer" },
    );
  }
  const inq = bytes.slice(o, o + inqLen);
  const outq = bytes.slice(o + inqLen, o + inqLen + outqLen);
  return {
    version,
    state,
    src_addr: src,
    src_port: srcPort,
    dst_addr: dst,
    dst_port: dstPort,
    ...u32,
    inq,
    outq,
  };
}
