import { TcpStateTransferError } from "./errors";
import { parseIp } from "./internal/ip";
import type { SackBlock, TcpSegment } from "./segment";

/** A segment decoded from wire bytes, with the header fields the model does not keep. */
export interface DecodedTcpSegment {
  readonly segment: TcpSegment;
  /** Checksum field as carried. */
  readonly checksum: number;
  readonly urgentPointer: number;
  /** The options exactly as carried (kinds the model ignores, NOPs, padding included). */
  readonly rawOptions: Uint8Array;
}

/** Options of {@link encodeTcpSegment}. */
export interface EncodeTcpSegmentOptions {
  /** Source and destination addresses of the pseudo-header; without them the checksum is 0. */
  readonly srcAddr?: string;
  readonly dstAddr?: string;
  /** Carry these option bytes verbatim instead of encoding the segment's option fields. */
  readonly rawOptions?: Uint8Array;
  readonly urgentPointer?: number;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/**
 * The Internet checksum of a TCP segment with its pseudo-header (RFC 9293 §3.1, RFC 1071;
 * RFC 8200 §8.1 for IPv6). Over a segment whose checksum field is filled in, the result is 0
 * when the checksum is correct.
 *
 * @example
 * ```ts
 * tcpChecksum(bytes, "192.0.2.1", "192.0.2.2") === 0; // a received segment checks out
 * ```
 */
export function tcpChecksum(bytes: Uint8Array, srcAddr: string, dstAddr: string): number {
  const src = parseIp(srcAddr, "srcAddr");
  const dst = parseIp(dstAddr, "dstAddr");
  if (src.length !== dst.length) {
    throw new TcpStateTransferError("BAD_ADDRESS", "address families differ", { field: "dstAddr" });
  }
  let sum = 0;
  for (let i = 0; i < src.length; i += 2) sum += u16(src, i) + u16(dst, i);
  const len = bytes.length;
  if (src.length === 4) sum += 6 + len;
  else sum += (len >>> 16) + (len & 0xffff) + 6;
  for (let i = 0; i + 1 < len; i += 2) sum += u16(bytes, i);
  if (len & 1) sum += bytes[len - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The options of a segment in the order Linux writes them (4-byte aligned). */
function encodeOptions(s: TcpSegment): Uint8Array {
  const o: number[] = [];
  const ts = s.tsval !== undefined;
  if (s.mss !== undefined) o.push(2, 4, (s.mss >> 8) & 255, s.mss & 255);
  if (s.sackPermitted && ts) o.push(4, 2);
  else if (s.sackPermitted) o.push(1, 1, 4, 2);
  if (ts) {
    if (!s.sackPermitted) o.push(1, 1);
    const v = s.tsval!;
    const e = s.tsecr ?? 0;
    o.push(8, 10, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    o.push(e >>> 24, (e >>> 16) & 255, (e >>> 8) & 255, e & 255);
  }
  if (s.wscale !== undefined) o.push(1, 3, 3, s.wscale);
  if (s.sack !== undefined && s.sack.length > 0) {
    o.push(1, 1, 5, 2 + 8 * s.sack.length);
    for (const b of s.sack) {
      for (const v of [b.left, b.right])
        o.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    }
  }
  while (o.length % 4 !== 0) o.push(0);
  return Uint8Array.from(o);
}

/**
 * Encodes a segment into its RFC 9293 §3.1 wire form: the 20-byte header, options (MSS,
 * SACK-Permitted, Timestamps, Window Scale, SACK in Linux's layout, or `rawOptions` verbatim)
 * and the payload; the checksum is computed when both addresses are given.
 *
 * @example
 * ```ts
 * const wire = encodeTcpSegment(segment, { srcAddr: "192.0.2.1", dstAddr: "192.0.2.2" });
 * ```
 */
export function encodeTcpSegment(s: TcpSegment, options: EncodeTcpSegmentOptions = {}): Uint8Array {
  const opts = options.rawOptions ?? encodeOptions(s);
  if (opts.length % 4 !== 0 || opts.length > 40) {
    throw new TcpStateTransferError("BAD_OPTIONS", "options must be ≤ 40 bytes in 4-byte words", {
      field: "options",
    });
  }
  for (const [f, v, max] of [
    ["srcPort", s.srcPort, 0xffff],
    ["dstPort", s.dstPort, 0xffff],
    ["seq", s.seq, 0xffff_ffff],
    ["ack", s.ack, 0xffff_ffff],
    ["flags", s.flags, 0xff],
    ["window", s.window, 0xffff],
    ["urgentPointer", options.urgentPointer ?? 0, 0xffff],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new TcpStateTransferError("BAD_FIELD", `${f} out of range: ${v}`, { field: f });
    }
  }
  const hl = 20 + opts.length;
  const out = new Uint8Array(hl + s.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, s.srcPort);
  dv.setUint16(2, s.dstPort);
  dv.setUint32(4, s.seq);
  dv.setUint32(8, s.ack);
  out[12] = (hl / 4) << 4;
  out[13] = s.flags;
  dv.setUint16(14, s.window);
  dv.setUint16(18, options.urgentPointer ?? 0);
  out.set(opts, 20);
  out.set(s.payload, hl);
  if (options.srcAddr !== undefined && options.dstAddr !== undefined) {
    dv.setUint16(16, tcpChecksum(out, options.srcAddr, options.dstAddr));
  }
  return out;
}

/**
 * Decodes a TCP segment from wire bytes (RFC 9293 §3.1), parsing MSS, Window Scale,
 * SACK-Permitted, SACK and Timestamps and keeping every option byte in `rawOptions`. Malformed
 * input throws `TcpStateTransferError` with the byte offset and field.
 *
 * @example
 * ```ts
 * const { segment } = decodeTcpSegment(wire);
 * ```
 */
export function decodeTcpSegment(bytes: Uint8Array): DecodedTcpSegment {
  if (bytes.length < 20) {
    throw new TcpStateTransferError("TRUNCATED", "shorter than a TCP header", {
      offset: bytes.length,
      field: "header",
    });
  }
  const dataOffset = bytes[12]! >> 4;
  if (dataOffset < 5) {
    throw new TcpStateTransferError("BAD_DATA_OFFSET", `data offset ${dataOffset} < 5`, {
      offset: 12,
      field: "dataOffset",
    });
  }
  const hl = dataOffset * 4;
  if (hl > bytes.length) {
    throw new TcpStateTransferError("TRUNCATED", "options run past the end", {
      offset: bytes.length,
      field: "options",
    });
  }
  const seg: {
    -readonly [K in keyof TcpSegment]: TcpSegment[K];
  } = {
    srcPort: u16(bytes, 0),
    dstPort: u16(bytes, 2),
    seq: u32(bytes, 4),
    ack: u32(bytes, 8),
    flags: bytes[13]!,
    window: u16(bytes, 14),
    payload: bytes.slice(hl),
  };
  const raw = bytes.slice(20, hl);
  let i = 20;
  while (i < hl) {
    const kind = bytes[i]!;
    if (kind === 0) break; // End of Option List
    if (kind === 1) {
      i++;
      continue;
    }
    if (i + 1 >= hl) {
      throw new TcpStateTransferError("BAD_OPTION", "option length missing", {
        offset: i + 1,
        field: `option ${kind}`,
      });
    }
    const len = bytes[i + 1]!;
    if (len < 2 || i + len > hl) {
      throw new TcpStateTransferError("BAD_OPTION", `option length ${len} invalid`, {
        offset: i + 1,
        field: `option ${kind}`,
      });
    }
    const want = ({ 2: 4, 3: 3, 4: 2, 8: 10 } as Record<number, number>)[kind];
    if (want !== undefined && len !== want) {
      throw new TcpStateTransferError("BAD_OPTION", `option ${kind} must be ${want} bytes`, {
        offset: i + 1,
        field: `option ${kind}`,
      });
    }
    switch (kind) {
      case 2:
        seg.mss = u16(bytes, i + 2);
        break;
      case 3:
        seg.wscale = bytes[i + 2]!;
        break;
      case 4:
        seg.sackPermitted = true;
        break;
      case 5: {
        if ((len - 2) % 8 !== 0) {
          throw new TcpStateTransferError("BAD_OPTION", "SACK length must be 2 + 8n", {
            offset: i + 1,
            field: "option 5",
          });
        }
        const blocks: SackBlock[] = [];
        for (let k = i + 2; k < i + len; k += 8) {
          blocks.push({ left: u32(bytes, k), right: u32(bytes, k + 4) });
        }
        seg.sack = blocks;
        break;
      }
      case 8:
        seg.tsval = u32(bytes, i + 2);
        seg.tsecr = u32(bytes, i + 6);
        break;
      default:
        break; // other kinds (e.g. 19 MD5, 29 TCP-AO) are kept in rawOptions only
    }
    i += len;
  }
  return { segment: seg, checksum: u16(bytes, 16), urgentPointer: u16(bytes, 18), rawOptions: raw };
}
