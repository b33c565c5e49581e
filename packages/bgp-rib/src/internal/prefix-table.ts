import type { Prefix } from "@dyninfra/bgp-wire";
import { BgpRibError } from "../errors";
import { formatIpv6, type IpPrefix, maskWords, parseIpv6 } from "../ip";

/**
 * The next capacity of a growing typed array: 1.5× (not 2×: a full table is mostly in typed
 * arrays, and doubling leaves up to half of them unused), and at least `need`.
 */
export function grownCapacity(current: number, need: number): number {
  let n = Math.max(current, 16);
  while (n < need) n = Math.ceil((n * 1.5) / 8) * 8;
  return n;
}

/** A copy of `a` with `n` elements (the rest zero). */
export function resized<
  T extends Int32Array | Uint32Array | Uint16Array | Float64Array | Uint8Array,
>(a: T, n: number): T {
  const t = new (a.constructor as new (n: number) => T)(n);
  t.set(a);
  return t;
}

/** A copy of `a` with `n` ≥ its length elements, the new ones `fill`. */
export function resizedFilled(a: Int32Array, n: number, fill: number): Int32Array<ArrayBuffer> {
  const t = new Int32Array(n).fill(fill, a.length);
  t.set(a);
  return t;
}

/** Parses a dotted quad quickly; -1 if it is not one. */
export function fastIpv4(s: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return v * 256 + part;
}

/** murmur3 finalizer over a 28-bit prefix group and the length: all input bits reach the low bits. */
function mix(group: number, len: number): number {
  let h = (group ^ Math.imul(len + 1, 0x9e3779b1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Locality-preserving hash of an IPv4 prefix (address masked to `len` bits): the prefix's
 * significant bits n = a >>> (32 − len) are split into a group (n >>> 4, mixed with the length)
 * and an offset (n & 15, the low 4 bits of the result). Prefixes of one length that differ only in
 * their last 4 significant bits (the /24s of a /20, say) get neighbouring slots — one or two cache
 * lines — and routers send tables largely in address order (half the prefixes of the 2015 full
 * table share a /20 with the one before), so most probes hit a line already cached.
 */
export function hash(a: number, len: number): number {
  const n = len === 0 ? 0 : a >>> (32 - len);
  return ((mix(n >>> 4, len) << 4) | (n & 15)) >>> 0;
}

/** Prefix indices fit in 26 bits (see PrefixTable's slots). */
const INDEX_MASK = (1 << 26) - 1;

const MASK = (l: number): number => (l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0);

/**
 * Prefix → dense index. IPv4 prefixes live in an open-addressing hash over typed arrays (no
 * object per prefix); IPv6 prefixes in a Map keyed by text. Indices are never reused, so the
 * per-prefix typed arrays of the RIB can be indexed by them.
 */
export class PrefixTable {
  /**
   * Open-addressing slots (see {@link hash}): -1, or an IPv4 prefix's index (low 26 bits) with a
   * 5-bit tag (bits 26–30: mixed bits of its group plus its offset, so neighbours of one group
   * differ), so that a probe reads the key (`addr`/`length`, elsewhere in memory) only when the
   * tags agree — about one slot in 32 besides the one sought.
   */
  private hVal = new Int32Array(1 << 16).fill(-1);
  private hCount = 0;
  private readonly v6 = new Map<string, number>();
  /** Per index: a bit set when the prefix is IPv6 (else IPv4); the IPv4 address; the length. */
  private v6bits = new Uint8Array(128);
  addr = new Uint32Array(1024);
  length = new Uint8Array(1024);
  private readonly v6Prefix: IpPrefix[] = [];
  count = 0;

  /** Index of a prefix, or -1; creates it when `create`. Host bits are ignored. */
  index(p: Prefix, create: boolean): number {
    if (p.afi === 1) {
      const a = fastIpv4(p.address);
      if (a < 0 || p.length > 32)
        throw new BgpRibError("BAD_PREFIX", `invalid IPv4 prefix ${p.address}/${p.length}`, {
          field: "prefix",
        });
      return this.index4((a & MASK(p.length)) >>> 0, p.length, create);
    }
    if (p.length > 128)
      throw new BgpRibError("BAD_PREFIX", `invalid IPv6 prefix length ${p.length}`, {
        field: "prefix",
      });
    let words: [number, number, number, number];
    try {
      words = maskWords(parseIpv6(p.address), p.length);
    } catch (e) {
      throw new BgpRibError(
        "BAD_PREFIX",
        `invalid IPv6 prefix ${p.address}/${p.length}`,
        {
          field: "prefix",
        },
        { cause: e },
      );
    }
    const key = `${formatIpv6(words)}/${p.length}`;
    let i = this.v6.get(key);
    if (i === undefined) {
      if (!create) return -1;
      i = this.alloc(6, 0, p.length);
      this.v6.set(key, i);
      this.v6Prefix[i] = { family: 6, length: p.length, words };
    }
    return i;
  }

  /** Index of an IPv4 prefix (address already masked). */
  index4(a: number, len: number, create: boolean): number {
    const hv = this.hVal;
    const mask = hv.length - 1;
    const n = len === 0 ? 0 : a >>> (32 - len);
    const m = mix(n >>> 4, len);
    const tag = ((m >>> 27) + (n & 15)) & 31;
    let h = ((m << 4) | (n & 15)) & mask;
    for (;;) {
      const v = hv[h]!;
      if (v < 0) break;
      if (v >>> 26 === tag) {
        const i = v & INDEX_MASK;
        if (this.addr[i] === a && this.length[i] === len) return i;
      }
      h = (h + 1) & mask;
    }
    if (!create) return -1;
    if (this.count > INDEX_MASK)
      throw new BgpRibError("CAPACITY", `more than ${INDEX_MASK + 1} prefixes`, {
        field: "prefix",
      });
    const i = this.alloc(4, a, len);
    hv[h] = i | (tag << 26);
    // At most 60% full: short probe sequences, 4 bytes a slot.
    if (++this.hCount * 5 > hv.length * 3) this.rehash();
    return i;
  }

  /** Makes room for `n` more IPv4 prefixes (no rehash or growth while they are added). */
  reserve(n: number): void {
    const need = this.count + n;
    if (need > this.addr.length) this.resize(grownCapacity(this.addr.length, need));
    while ((this.hCount + n) * 5 > this.hVal.length * 3) this.rehash();
  }

  /** The prefix of an index as a `bgp-wire` Prefix (fresh object). */
  prefix(i: number): Prefix {
    if (!this.isV6(i)) {
      const a = this.addr[i]!;
      return {
        afi: 1,
        address: `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`,
        length: this.length[i]!,
      };
    }
    const p = this.v6Prefix[i]!;
    return { afi: 2, address: formatIpv6(p.words), length: p.length };
  }

  /** The prefix of an index in compact form. */
  ipPrefix(i: number): IpPrefix {
    if (!this.isV6(i))
      return { family: 4, length: this.length[i]!, words: [this.addr[i]!, 0, 0, 0] };
    return this.v6Prefix[i]!;
  }

  /** Whether prefix `i` is IPv6. */
  isV6(i: number): boolean {
    return (this.v6bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return (
      this.hVal.byteLength + this.v6bits.byteLength + this.addr.byteLength + this.length.byteLength
    );
  }

  private alloc(fam: 4 | 6, a: number, len: number): number {
    const i = this.count++;
    if (i >= this.addr.length) this.resize(grownCapacity(this.addr.length, i + 1));
    if (fam === 6) this.v6bits[i >> 3]! |= 1 << (i & 7);
    this.addr[i] = a;
    this.length[i] = len;
    return i;
  }

  private resize(n: number): void {
    this.v6bits = resized(this.v6bits, (n + 7) >> 3);
    this.addr = resized(this.addr, n);
    this.length = resized(this.length, n);
  }

  private rehash(): void {
    const oldV = this.hVal;
    const n = oldV.length * 2;
    const hv = new Int32Array(n).fill(-1);
    const mask = n - 1;
    for (let j = 0; j < oldV.length; j++) {
      const v = oldV[j]!;
      if (v < 0) continue;
      const i = v & INDEX_MASK;
      let h = hash(this.addr[i]!, this.length[i]!) & mask;
      while (hv[h]! >= 0) h = (h + 1) & mask;
      hv[h] = v;
    }
    this.hVal = hv;
  }
}
