import { BgpRibError } from "./errors";

/**
 * An IP prefix in the RIB's compact form: the family, the prefix length and the address as
 * four big-endian 32-bit words (IPv4 uses `words[0]` only). Host bits are always zero.
 *
 * @example
 * ```ts
 * const p = parsePrefix("192.0.2.0/24");
 * p.family; // 4
 * formatPrefix(p); // "192.0.2.0/24"
 * ```
 */
export interface IpPrefix {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Prefix length in bits (0–32 or 0–128). */
  readonly length: number;
  /** The address as unsigned 32-bit words, most significant first; host bits are zero. */
  readonly words: readonly [number, number, number, number];
}

/**
 * The mask of the first `bits` bits of a 32-bit word (bits clamped to 0–32).
 *
 * @example
 * ```ts
 * wordMask(8); // 0xff000000
 * ```
 */
export function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Parses a dotted-quad IPv4 address to an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * parseIpv4("10.0.0.1"); // 167772161
 * ```
 */
export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4) throw new BgpRibError("BAD_ADDRESS", `not an IPv4 address: ${text}`);
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255)
      throw new BgpRibError("BAD_ADDRESS", `not an IPv4 address: ${text}`);
    v = v * 256 + Number(p);
  }
  return v;
}

/**
 * Formats an unsigned 32-bit number as a dotted-quad IPv4 address.
 *
 * @example
 * ```ts
 * formatIpv4(167772161); // "10.0.0.1"
 * ```
 */
export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * Parses an IPv6 address (RFC 4291 §2.2 text forms, including an embedded IPv4 tail) to four
 * 32-bit words.
 *
 * @example
 * ```ts
 * parseIpv6("2001:db8::1"); // [0x20010db8, 0, 0, 1]
 * ```
 */
export function parseIpv6(text: string): [number, number, number, number] {
  const bad = (): never => {
    throw new BgpRibError("BAD_ADDRESS", `not an IPv6 address: ${text}`);
  };
  let s = text;
  const groups: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const n = parseIpv4(v4[1]!);
    tail = [n >>> 16, n & 0xffff];
    s = s.slice(0, s.length - v4[1]!.length);
    if (s.endsWith(":") && !s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) bad();
  const parse = (h: string): number[] =>
    h === ""
      ? []
      : h.split(":").map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
          return Number.parseInt(g, 16);
        });
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const total = head.length + rest.length + tail.length;
  if (halves.length === 2) {
    if (total > 7) bad();
    groups.push(...head, ...new Array<number>(8 - total).fill(0), ...rest, ...tail);
  } else {
    if (total !== 8) bad();
    groups.push(...head, ...tail);
  }
  return [
    ((groups[0]! << 16) | groups[1]!) >>> 0,
    ((groups[2]! << 16) | groups[3]!) >>> 0,
    ((groups[4]! << 16) | groups[5]!) >>> 0,
    ((groups[6]! << 16) | groups[7]!) >>> 0,
  ];
}

/**
 * Formats four 32-bit words as an IPv6 address in RFC 5952 canonical form.
 *
 * @example
 * ```ts
 * formatIpv6([0x20010db8, 0, 0, 1]); // "2001:db8::1"
 * ```
 */
export function formatIpv6(words: readonly number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push((words[i]! >>> 16) & 0xffff, words[i]! & 0xffff);
  // RFC 5952 §4.2: compress the longest run (>= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/**
 * Whether an address is IPv6 link-local (fe80::/10), with or without a zone.
 *
 * @example
 * ```ts
 * isLinkLocal("fe80::2%eth1"); // true
 * ```
 */
export function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * An address without its zone: a link-local neighbour names its interface after `%` (as node:net
 * gives a connection's ends), which next hops and 16-octet address fields leave out.
 *
 * @example
 * ```ts
 * withoutZone("fe80::2%eth1"); // "fe80::2"
 * ```
 */
export function withoutZone(address: string): string {
  const i = address.indexOf("%");
  return i < 0 ? address : address.slice(0, i);
}

/**
 * Parses `address/length` (IPv4 or IPv6). Host bits must be zero unless `lenient` (then they are
 * cleared).
 *
 * @example
 * ```ts
 * parsePrefix("2001:db8::/32").length; // 32
 * ```
 */
export function parsePrefix(text: string, lenient = false): IpPrefix {
  const slash = text.indexOf("/");
  if (slash < 0) throw new BgpRibError("BAD_PREFIX", `prefix without length: ${text}`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new BgpRibError("BAD_PREFIX", `bad length: ${text}`);
  const length = Number(lenText);
  const family: 4 | 6 = addr.includes(":") ? 6 : 4;
  if (length > (family === 4 ? 32 : 128))
    throw new BgpRibError("BAD_PREFIX", `length out of range: ${text}`);
  const raw: [number, number, number, number] =
    family === 4 ? [parseIpv4(addr), 0, 0, 0] : parseIpv6(addr);
  const words = maskWords(raw, length);
  if (!lenient && words.some((w, i) => w !== raw[i]))
    throw new BgpRibError("BAD_PREFIX", `host bits set: ${text}`);
  return { family, length, words };
}

/**
 * Clears the bits after `length` in four address words.
 *
 * @example
 * ```ts
 * maskWords([0x0a010203, 0, 0, 0], 16); // [0x0a010000, 0, 0, 0]
 * ```
 */
export function maskWords(
  words: readonly number[],
  length: number,
): [number, number, number, number] {
  return [0, 1, 2, 3].map((i) => (words[i]! & wordMask(length - 32 * i)) >>> 0) as [
    number,
    number,
    number,
    number,
  ];
}

/**
 * Formats a prefix as `address/length`.
 *
 * @example
 * ```ts
 * formatPrefix({ family: 4, length: 8, words: [0x0a000000, 0, 0, 0] }); // "10.0.0.0/8"
 * ```
 */
export function formatPrefix(p: IpPrefix): string {
  return `${p.family === 4 ? formatIpv4(p.words[0]) : formatIpv6(p.words)}/${p.length}`;
}

/**
 * Makes an {@link IpPrefix} from the NLRI form: family, length and the significant address bytes
 * (RFC 4271 §4.3; bytes beyond the length are ignored, host bits cleared).
 *
 * @example
 * ```ts
 * prefixFromBytes(4, 16, new Uint8Array([10, 1])); // 10.1.0.0/16
 * ```
 */
export function prefixFromBytes(family: 4 | 6, length: number, bytes: Uint8Array): IpPrefix {
  if (length > (family === 4 ? 32 : 128))
    throw new BgpRibError("BAD_PREFIX", `length ${length} out of range`, { field: "length" });
  const w = [0, 0, 0, 0];
  const n = Math.min(bytes.length, Math.ceil(length / 8), family === 4 ? 4 : 16);
  for (let i = 0; i < n; i++) w[i >> 2]! |= bytes[i]! << (24 - 8 * (i & 3));
  return { family, length, words: maskWords(w, length) };
}

/**
 * The significant bytes of a prefix (ceil(length/8) bytes), as in NLRI encoding.
 *
 * @example
 * ```ts
 * prefixBytes(parsePrefix("10.1.0.0/16")); // Uint8Array [10, 1]
 * ```
 */
export function prefixBytes(p: IpPrefix): Uint8Array {
  const n = Math.ceil(p.length / 8);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (p.words[i >> 2]! >>> (24 - 8 * (i & 3))) & 255;
  return out;
}

/**
 * Whether prefix `outer` contains address words `addr` (of the same family).
 *
 * @example
 * ```ts
 * prefixContains(parsePrefix("10.0.0.0/8"), [parseIpv4("10.1.2.3"), 0, 0, 0]); // true
 * ```
 */
export function prefixContains(outer: IpPrefix, addr: readonly number[]): boolean {
  for (let i = 0; i < 4; i++) {
    const m = wordMask(outer.length - 32 * i);
    if ((addr[i]! & m) >>> 0 !== outer.words[i]) return false;
  }
  return true;
}
