// NLRI prefix encoding (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3).
import { BgpWireError } from "../errors";
import type { Prefix } from "../prefix";
import { ipv4Text, ipv6Text, parseIpv4, parseIpv6 } from "./ip";
import type { ByteWriter } from "./writer";

/**
 * Decodes the prefixes in buf[start, end) into `out`. Throws BgpWireError INVALID_NETWORK_FIELD
 * (offset = absolute offset in `buf`) when a prefix is too long or overruns.
 */
export function decodePrefixes(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: 1 | 2,
  addPath: boolean,
  out: Prefix[],
  field: string,
): void {
  let p = start;
  const maxLen = afi === 1 ? 32 : 128;
  while (p < end) {
    let pathId: number | undefined;
    if (addPath) {
      if (p + 4 > end) {
        throw new BgpWireError("INVALID_NETWORK_FIELD", "truncated Path Identifier", {
          offset: p,
          field,
        });
      }
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p]!;
    if (len > maxLen) {
      throw new BgpWireError("INVALID_NETWORK_FIELD", `prefix length ${len} > ${maxLen}`, {
        offset: p,
        field,
      });
    }
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) {
      throw new BgpWireError("INVALID_NETWORK_FIELD", "prefix overruns its field", {
        offset: p,
        field,
      });
    }
    const address = afi === 1 ? ipv4Text(buf, p + 1, n) : ipv6Text(buf, p + 1, n);
    out.push(
      pathId === undefined ? { afi, address, length: len } : { afi, address, length: len, pathId },
    );
    p += 1 + n;
  }
}

const scratch = new Uint8Array(16);

/** Encodes one prefix (with its Path Identifier when `addPath`). */
export function encodePrefix(w: ByteWriter, p: Prefix, addPath: boolean): void {
  if (addPath) w.u32(p.pathId ?? 0);
  const max = p.afi === 1 ? 32 : 128;
  if (!Number.isInteger(p.length) || p.length < 0 || p.length > max) {
    throw new BgpWireError("INVALID_PREFIX", `prefix length ${p.length} out of range`, {
      field: "length",
    });
  }
  const ok = p.afi === 1 ? parseIpv4(p.address, scratch, 0) : parseIpv6(p.address, scratch, 0);
  if (!ok) {
    throw new BgpWireError("INVALID_PREFIX", `invalid prefix address "${p.address}"`, {
      field: "address",
    });
  }
  const n = (p.length + 7) >> 3;
  w.ensure(1 + n);
  w.buf[w.pos++] = p.length;
  for (let i = 0; i < n; i++) w.buf[w.pos++] = scratch[i]!;
}

/** Encoded size of a prefix in octets. */
export function prefixWireSize(p: Prefix, addPath: boolean): number {
  return (addPath ? 4 : 0) + 1 + ((p.length + 7) >> 3);
}
