import type { IpAfi } from "./afi-safi";
import { BgpWireError } from "./errors";
import { ipv4Text, ipv6Text, parseIpv4, parseIpv6 } from "./internal/ip";

/**
 * An IP prefix as carried in BGP NLRI (RFC 4271 §4.3, RFC 4760 §5), optionally with the
 * ADD-PATH Path Identifier (RFC 7911 §3).
 *
 * Plain immutable data. `address` is the canonical text of the prefix bytes as received
 * (dotted quad for IPv4, RFC 5952 for IPv6); host bits past `length` are kept as received so that
 * re-encoding is byte-exact (see {@link maskPrefix}). Use {@link prefixKey} as a map key.
 *
 * @example
 * ```ts
 * import type { Prefix } from "@dyninfra/bgp-wire";
 * const p: Prefix = { afi: 1, address: "192.0.2.0", length: 24 };
 * const withPathId: Prefix = { afi: 2, address: "2001:db8::", length: 32, pathId: 7 };
 * ```
 */
export interface Prefix {
  /** Address family: 1 = IPv4, 2 = IPv6. */
  readonly afi: IpAfi;
  /** Prefix address text (dotted quad / RFC 5952). */
  readonly address: string;
  /** Prefix length in bits (0..32 for IPv4, 0..128 for IPv6). */
  readonly length: number;
  /** ADD-PATH Path Identifier (RFC 7911), a 32-bit unsigned integer; absent without ADD-PATH. */
  readonly pathId?: number;
}

/**
 * The canonical string key of a prefix: `"address/length"`, plus `"#pathId"` when a Path
 * Identifier is present. IPv4 and IPv6 keys never collide (IPv6 text contains `:`).
 *
 * @example
 * ```ts
 * import { prefixKey } from "@dyninfra/bgp-wire";
 * prefixKey({ afi: 1, address: "10.0.0.0", length: 8 }); // "10.0.0.0/8"
 * prefixKey({ afi: 1, address: "10.0.0.0", length: 8, pathId: 3 }); // "10.0.0.0/8#3"
 * ```
 */
export function prefixKey(prefix: Prefix): string {
  return prefix.pathId === undefined
    ? `${prefix.address}/${prefix.length}`
    : `${prefix.address}/${prefix.length}#${prefix.pathId}`;
}

/**
 * The text of a prefix without its Path Identifier, `"address/length"` (as `bgpdump` prints it).
 *
 * @example
 * ```ts
 * import { formatPrefix } from "@dyninfra/bgp-wire";
 * formatPrefix({ afi: 2, address: "2001:db8::", length: 32, pathId: 1 }); // "2001:db8::/32"
 * ```
 */
export function formatPrefix(prefix: Prefix): string {
  return `${prefix.address}/${prefix.length}`;
}

/**
 * Parses `"address/length"` (optionally `"#pathId"`) into a {@link Prefix}, the inverse of
 * {@link prefixKey}. The address is re-rendered canonically. Throws {@link BgpWireError}
 * (`INVALID_PREFIX`) on malformed text.
 *
 * @example
 * ```ts
 * import { parsePrefix } from "@dyninfra/bgp-wire";
 * parsePrefix("2001:DB8:0::/32#5"); // { afi: 2, address: "2001:db8::", length: 32, pathId: 5 }
 * ```
 */
export function parsePrefix(text: string): Prefix {
  const hash = text.indexOf("#");
  const main = hash === -1 ? text : text.slice(0, hash);
  const slash = main.indexOf("/");
  const bad = (why: string): never => {
    throw new BgpWireError("INVALID_PREFIX", `invalid prefix "${text}": ${why}`, {
      field: "prefix",
    });
  };
  if (slash === -1) bad("missing /length");
  const addr = main.slice(0, slash);
  const lenText = main.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) bad("bad length");
  const length = Number(lenText);
  let pathId: number | undefined;
  if (hash !== -1) {
    const idText = text.slice(hash + 1);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(idText) || Number(idText) > 0xffffffff) bad("bad path id");
    pathId = Number(idText);
  }
  const bytes = new Uint8Array(16);
  let afi: IpAfi;
  let address: string;
  if (addr.includes(":")) {
    if (!parseIpv6(addr, bytes, 0)) bad("bad IPv6 address");
    if (length > 128) bad("length > 128");
    afi = 2;
    address = ipv6Text(bytes, 0);
  } else {
    if (!parseIpv4(addr, bytes, 0)) bad("bad IPv4 address");
    if (length > 32) bad("length > 32");
    afi = 1;
    address = ipv4Text(bytes, 0);
  }
  return pathId === undefined ? { afi, address, length } : { afi, address, length, pathId };
}

/**
 * The network address bytes of a prefix: 4 bytes (IPv4) or 16 bytes (IPv6), host bits as stored.
 *
 * @example
 * ```ts
 * import { prefixBytes } from "@dyninfra/bgp-wire";
 * prefixBytes({ afi: 1, address: "10.1.0.0", length: 16 }); // Uint8Array [10, 1, 0, 0]
 * ```
 */
export function prefixBytes(prefix: Prefix): Uint8Array {
  const out = new Uint8Array(prefix.afi === 1 ? 4 : 16);
  const ok =
    prefix.afi === 1 ? parseIpv4(prefix.address, out, 0) : parseIpv6(prefix.address, out, 0);
  if (!ok) {
    throw new BgpWireError("INVALID_PREFIX", `invalid prefix address "${prefix.address}"`, {
      field: "address",
    });
  }
  return out;
}

/**
 * The prefix with its host bits (past `length`) cleared, e.g. `11.13.0.0/13` → `11.8.0.0/13`.
 *
 * @example
 * ```ts
 * import { maskPrefix } from "@dyninfra/bgp-wire";
 * maskPrefix({ afi: 1, address: "11.13.0.0", length: 13 }).address; // "11.8.0.0"
 * ```
 */
export function maskPrefix(prefix: Prefix): Prefix {
  const b = prefixBytes(prefix);
  for (let i = 0; i < b.length; i++) {
    const bits = prefix.length - i * 8;
    if (bits >= 8) continue;
    b[i] = bits <= 0 ? 0 : b[i]! & (0xff << (8 - bits));
  }
  const address = prefix.afi === 1 ? ipv4Text(b, 0) : ipv6Text(b, 0);
  if (address === prefix.address) return prefix;
  return { ...prefix, address };
}

/**
 * Compares two prefixes: by AFI, then address bytes, then length, then Path Identifier
 * (absent first). A total order suitable for sorting RIB dumps.
 *
 * @example
 * ```ts
 * import { comparePrefixes, parsePrefix } from "@dyninfra/bgp-wire";
 * comparePrefixes(parsePrefix("10.0.0.0/8"), parsePrefix("9.0.0.0/8")) > 0; // true
 * ```
 */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.afi !== b.afi) return a.afi - b.afi;
  if (a.address !== b.address) {
    const x = prefixBytes(a);
    const y = prefixBytes(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  if (a.length !== b.length) return a.length - b.length;
  return (a.pathId ?? -1) - (b.pathId ?? -1);
}
