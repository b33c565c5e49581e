import { SriovQueuesError } from "./errors";

/** The default 40-byte RSS key of the Microsoft RSS specification (used in its verification suite). */
export const MICROSOFT_RSS_KEY: Uint8Array = Uint8Array.from([
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
]);

/**
 * The Toeplitz hash RSS uses to spread flows over the queues of a pool: for every set bit of the
 * input (most significant first) XOR in the 32-bit window of the key starting at that bit.
 * The key must be at least input length + 4 bytes.
 *
 * @example
 * ```ts
 * // IPv4 66.9.149.187 → 161.142.100.80 (Microsoft RSS verification suite): 0x323e8fc2
 * toeplitzHash(MICROSOFT_RSS_KEY, Uint8Array.from([66, 9, 149, 187, 161, 142, 100, 80]));
 * ```
 */
export function toeplitzHash(key: Uint8Array, input: Uint8Array): number {
  if (key.length < input.length + 4) {
    throw new SriovQueuesError("BAD_RSS_KEY", `key of ${key.length} bytes too short`, {
      field: "key",
    });
  }
  let result = 0;
  let window = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    const next = key[i + 4] ?? 0;
    for (let b = 7; b >= 0; b--) {
      if ((byte >> b) & 1) result = (result ^ window) >>> 0;
      window = ((window << 1) | ((next >> b) & 1)) >>> 0;
    }
  }
  return result;
}

/**
 * The RSS input of a TCP/UDP over IPv4 flow: source address, destination address, source port,
 * destination port, in network byte order.
 *
 * @example
 * ```ts
 * rssInputIpv4([66, 9, 149, 187], [161, 142, 100, 80], 2794, 1766).length; // 12
 * ```
 */
export function rssInputIpv4(
  src: readonly number[],
  dst: readonly number[],
  srcPort?: number,
  dstPort?: number,
): Uint8Array {
  if (src.length !== 4 || dst.length !== 4) {
    throw new SriovQueuesError("BAD_RSS_INPUT", "IPv4 addresses need 4 octets", { field: "src" });
  }
  const withPorts = srcPort !== undefined && dstPort !== undefined;
  const out = new Uint8Array(withPorts ? 12 : 8);
  out.set(src, 0);
  out.set(dst, 4);
  if (withPorts) {
    out[8] = (srcPort >> 8) & 0xff;
    out[9] = srcPort & 0xff;
    out[10] = (dstPort >> 8) & 0xff;
    out[11] = dstPort & 0xff;
  }
  return out;
}
