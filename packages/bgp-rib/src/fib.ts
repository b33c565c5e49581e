import { BgpRibError } from "./errors";
import { hash } from "./internal/prefix-table";
import {
  formatIpv4,
  formatIpv6,
  type IpPrefix,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  wordMask,
} from "./ip";

const NO_ROUTE = -1;
/** Bits per level below the root, and slots per block (one 64-byte cache line). */
const STRIDE = 4;
const BLOCK = 1 << STRIDE;
const WIDE_ROOT = 1 << 16;
const SMALL_ROOT = 1 << 8;
/** Level boundaries (prefix length at the end of each level) of the two IPv4 layouts. */
const BOUNDS_WIDE = [16, 20, 24, 28, 32] as const;
const BOUNDS_SMALL = [8, 12, 16, 20, 24, 28, 32] as const;
/** Next-hop indexes must fit in the 25 bits left beside the 6-bit prefix length of a slot. */
const MAX_HOPS = (1 << 25) - 1;
const DEFAULT_WIDE_THRESHOLD = 1024;

/**
 * A forwarding table: prefix → next hop, with longest-prefix-match lookup for IPv4 and IPv6.
 *
 * IPv4 data plane: a multibit trie with leaf pushing in one `Int32Array` of 16-slot blocks (one
 * 64-byte cache line each) — 16-4-4-4-4 for a large table (a first level of 65,536 slots indexed
 * by the top 16 bits of the address, then 4 bits a level), so that a lookup is one read in a
 * 256 KiB level that stays in cache for a /16 without longer prefixes and one more per 4 bits
 * below (a /24: three). Tables of at most `wideIpv4Threshold` (a constructor option) IPv4 entries
 * use 8-4-4-4-4-4-4 (a 256-slot root) and stay a few KB. Each slot holds the next-hop index and
 * the length of the prefix that owns it, so an insert overwrites only the slots of shorter
 * prefixes and a delete hands its slots back to the longest covering prefix still present, found
 * in the control plane (an exact-match table of every prefix); a block that becomes one leaf again
 * folds back into its parent slot, provided that leaf's prefix ends at the parent's level.
 *
 * Why not DIR-24-8 (Gupta, Lin and McKeown 1998)? Its 2^24-slot first level makes every lookup a
 * random read in 64 MiB, missing cache and TLB; on the 578k-prefix table 68% of uniformly random
 * addresses already end in the 16-bit root, which stays in cache. Measured side by side here,
 * DIR-24-8 did 19–30M lookups/s, 16-8-8 31–51M. And why 4-bit levels below the root, not 8 (as
 * this table had first)? A /24 alone under a /16 then costs two cache lines, not a 1 KiB block:
 * the full table takes 16.8 MB instead of 43.5, builds in ~120 ms instead of ~200–500 (fewer
 * pages touched), and lookups stayed at ~90M/s.
 *
 * IPv6 is a binary trie in typed arrays. Next hops are interned to small, stable integers.
 *
 * @example
 * ```ts
 * const fib = new Fib();
 * fib.set("10.0.0.0/8", "192.0.2.1");
 * fib.set("10.1.0.0/16", "192.0.2.2");
 * fib.lookup("10.1.2.3"); // "192.0.2.2"
 * fib.lookup("10.2.0.1"); // "192.0.2.1"
 * ```
 */
export class Fib {
  // IPv4 data plane, one Int32Array of 16-slot blocks; the root is the first 16 blocks
  // (8-4-4-4-4-4-4) or the first 4096 (16-4-4-4-4). Slot value v: v >= 0 → leaf, ((next-hop
  // index + 1) << 6) | prefix length (0 = no route); v < 0 → the slot continues in block ~v
  // (slots from ~v << STRIDE).
  private v4wide = false;
  private v4rootShift = 24; // 32 − bits of the root index
  private v4bounds: readonly number[] = BOUNDS_SMALL;
  private v4: Int32Array = new Int32Array(SMALL_ROOT + BLOCK);
  private v4blockCount = SMALL_ROOT / BLOCK;
  private v4free: number[] = [];
  // Results of slotsOf: the slot count, and the slots that lead to the prefix's block.
  private slotCount = 0;
  private readonly path = new Int32Array(BOUNDS_SMALL.length);
  private pathDepth = 0;
  private readonly wideThreshold: number;
  // IPv4 control plane: every prefix with its next-hop index.
  private readonly v4exact: ExactTable4;
  // IPv6 binary trie: node 0 is the root.
  private c0: Int32Array = new Int32Array(16);
  private c1: Int32Array = new Int32Array(16);
  private nh6: Int32Array = new Int32Array(16).fill(NO_ROUTE);
  private nodes6 = 1;
  private free6: number[] = [];
  private readonly path6 = new Int32Array(128);
  private readonly v6exact = new Map<string, number>();
  /** Per next-hop index: the next hop (of a multipath group, the first). */
  private readonly hops: string[] = [];
  /** Per next-hop index: the next hops of a multipath group (`undefined`: one next hop). */
  private readonly groups: (readonly string[] | undefined)[] = [];
  /** Next-hop index by next hop, or by a group's next hops joined with spaces. */
  private readonly hopIndex = new Map<string, number>();
  private readonly hopRefs: number[] = [];
  private lastHop: string | undefined;
  private lastHopIndex = 0;

  /**
   * Creates an empty FIB.
   *
   * @example
   * ```ts
   * const small = new Fib(); // 16-4-4-4-4 beyond 1024 IPv4 entries, 8-4-4-4-4-4-4 below
   * const router = new Fib({ wideIpv4Threshold: 0 }); // 16-4-4-4-4 from the first IPv4 entry
   * ```
   */
  constructor(
    options: {
      /**
       * Number of IPv4 entries above which the IPv4 side switches from the compact 8-4-4-4-4-4-4
       * trie to the 16-4-4-4-4 layout, whose first level of 65,536 slots (256 KiB) is allocated then; it
       * switches back when the count falls below half of this. `0` switches with the first IPv4
       * entry, `Infinity` never. Default 1024.
       */
      readonly wideIpv4Threshold?: number;
    } = {},
  ) {
    const t = options.wideIpv4Threshold ?? DEFAULT_WIDE_THRESHOLD;
    if (typeof t !== "number" || Number.isNaN(t) || t < 0 || (Number.isFinite(t) && t % 1 !== 0))
      throw new BgpRibError(
        "BAD_OPTION",
        `wideIpv4Threshold must be a non-negative integer or Infinity, not ${show(t)}`,
        { field: "wideIpv4Threshold" },
      );
    this.wideThreshold = t;
    this.v4exact = nextExact ?? new PrefixTable4();
    nextExact = undefined;
  }

  /** Number of IPv4 and IPv6 entries. */
  get size(): number {
    return this.v4exact.size + this.v6exact.size;
  }

  /**
   * The current layout of the IPv4 side: `"8-4-4-4-4-4-4"` (small tables) or `"16-4-4-4-4"` (beyond
   * the `wideIpv4Threshold` constructor option).
   *
   * @example
   * ```ts
   * new Fib().ipv4Layout; // "8-4-4-4-4-4-4"
   * new Fib({ wideIpv4Threshold: 0 }).set("10.0.0.0/8", "192.0.2.1"); // now "16-4-4-4-4"
   * ```
   */
  get ipv4Layout(): "8-4-4-4-4-4-4" | "16-4-4-4-4" {
    return this.v4wide ? "16-4-4-4-4" : "8-4-4-4-4-4-4";
  }

  /**
   * The next-hop string of an interned next-hop index (from {@link Fib.lookupIpv4}).
   *
   * @example
   * ```ts
   * new Fib().nextHop(-1); // undefined
   * ```
   */
  nextHop(index: number): string | undefined {
    return index < 0 ? undefined : this.hops[index];
  }

  /**
   * All next hops of an interned next-hop index: one, or those of a multipath (ECMP) entry in the
   * order given to {@link Fib.set} ({@link Fib.nextHop} is the first of them); `[]` for -1.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("10.0.0.0/8", ["192.0.2.1", "192.0.2.2"]);
   * fib.nextHops(fib.lookupIpv4(0x0a010203)); // ["192.0.2.1", "192.0.2.2"]
   * ```
   */
  nextHops(index: number): readonly string[] {
    if (index < 0 || index >= this.hops.length) return [];
    return this.groups[index] ?? [this.hops[index]!];
  }

  /**
   * Installs or replaces the entry for a prefix: one next hop, or several for a multipath (ECMP)
   * entry (see {@link Fib.nextHops}; one in a list is a plain entry).
   *
   * @throws {@link BgpRibError} `BAD_PREFIX`/`BAD_ADDRESS` (field `prefix`, `family`, `length` or
   * `words`) for a malformed prefix, `BAD_NEXT_HOP` (field `nextHop`) for a next hop that is not a
   * string, an empty list, or a list with a next hop twice or one that is not a string.
   *
   * @example
   * ```ts
   * new Fib().set("2001:db8::/32", "fe80::1");
   * new Fib().set("192.0.2.0/24", ["198.51.100.1", "198.51.100.2"]);
   * ```
   */
  set(prefix: string | IpPrefix, nextHop: string | readonly string[]): void {
    const p = checkPrefix(prefix);
    checkNextHop(nextHop);
    if (p.family === 4) {
      this.set4(p.words[0], p.length, nextHop);
    } else {
      const hop = this.internHop(nextHop);
      const key = `${p.words.join(",")}/${p.length}`;
      const old = this.v6exact.get(key);
      if (old !== undefined) this.releaseHop(old);
      this.v6exact.set(key, hop);
      this.node6(p, true, hop);
    }
  }

  /**
   * Removes the entry for a prefix; returns whether it existed.
   *
   * @throws {@link BgpRibError} for a malformed prefix (as {@link Fib.set}).
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("10.0.0.0/8", "192.0.2.1");
   * fib.delete("10.0.0.0/8"); // true
   * ```
   */
  delete(prefix: string | IpPrefix): boolean {
    const p = checkPrefix(prefix);
    if (p.family === 4) return this.delete4(p.words[0], p.length);
    const key = `${p.words.join(",")}/${p.length}`;
    const old = this.v6exact.get(key);
    if (old === undefined) return false;
    this.v6exact.delete(key);
    this.releaseHop(old);
    this.node6(p, false, NO_ROUTE);
    return true;
  }

  /**
   * {@link Fib.set} for an IPv4 prefix given as its address (an unsigned 32-bit number with no
   * bits set beyond `length`) and length, not validated: the hot path of a RIB that keeps its
   * prefixes in that form already. Anything else should call {@link Fib.set}.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set4(0x0a000000, 8, "192.0.2.1");
   * fib.nextHop(fib.lookupIpv4(0x0a010203)); // "192.0.2.1"
   * ```
   */
  set4(address: number, length: number, nextHop: string | readonly string[]): void {
    const hop = this.internHop(nextHop);
    const old = this.v4exact.set(address, length, hop);
    if (old >= 0) this.releaseHop(old);
    if (old === hop) return; // unchanged: nothing to re-expand
    if (!this.v4wide && this.v4exact.size > this.wideThreshold) this.relayout4(true);
    else this.insert4(address, length, leaf(hop, length));
  }

  /**
   * {@link Fib.delete} for an IPv4 prefix given as in {@link Fib.set4}, not validated.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set4(0x0a000000, 8, "192.0.2.1");
   * fib.delete4(0x0a000000, 8); // true
   * ```
   */
  delete4(address: number, length: number): boolean {
    const old = this.v4exact.delete(address, length);
    if (old < 0) return false;
    this.releaseHop(old);
    if (this.v4wide && this.v4exact.size < this.wideThreshold / 2) {
      this.relayout4(false);
      return true;
    }
    // The slots fall back to the longest covering prefix still present.
    let replacement = 0;
    for (let l = length - 1; l >= 0; l--) {
      const h = this.v4exact.get((address & wordMask(l)) >>> 0, l);
      if (h >= 0) {
        replacement = leaf(h, l);
        break;
      }
    }
    this.remove4(address, length, replacement);
    return true;
  }

  /**
   * Longest-prefix match of an IPv4 address given as an unsigned 32-bit number (taken modulo
   * 2^32, as `>>> 0` does); returns the interned next-hop index or -1. The hot path: for a
   * full table one typed-array read for a /16 without longer prefixes, one more per 4 bits below
   * (three for a /24).
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("10.0.0.0/8", "192.0.2.1");
   * fib.nextHop(fib.lookupIpv4(0x0a010203)); // "192.0.2.1"
   * ```
   */
  lookupIpv4(addr: number): number {
    // One code path for both layouts: the root is indexed by the top 8 or 16 bits, then 4 bits a
    // level until a leaf (leaf pushing: every slot is a leaf or a block).
    const t = this.v4;
    let s = this.v4rootShift;
    let v = t[addr >>> s]!;
    while (v < 0) {
      s -= STRIDE;
      v = t[(~v << STRIDE) | ((addr >>> s) & (BLOCK - 1))]!;
    }
    return (v >> 6) - 1;
  }

  /**
   * Longest-prefix match of an IPv6 address given as four 32-bit words; returns the interned
   * next-hop index or -1.
   *
   * @throws {@link BgpRibError} `BAD_ADDRESS` (field `words`) unless given four words.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("2001:db8::/32", "fe80::1");
   * fib.nextHop(fib.lookupIpv6([0x20010db8, 0, 0, 1])); // "fe80::1"
   * ```
   */
  lookupIpv6(words: readonly number[]): number {
    if (words?.length !== 4)
      throw new BgpRibError("BAD_ADDRESS", "an IPv6 address is four 32-bit words", {
        field: "words",
      });
    let node = 0;
    let best = this.nh6[0]!;
    for (let bit = 0; bit < 128; bit++) {
      const b = (words[bit >> 5]! >>> (31 - (bit & 31))) & 1;
      node = b === 0 ? this.c0[node]! : this.c1[node]!;
      if (node === 0) break;
      const h = this.nh6[node]!;
      if (h !== NO_ROUTE) best = h;
    }
    return best;
  }

  /**
   * Longest-prefix match of an address in text form; the next hop or `undefined`.
   *
   * @throws {@link BgpRibError} `BAD_ADDRESS` (field `address`) for text that is not an address.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("0.0.0.0/0", "192.0.2.254");
   * fib.lookup("198.51.100.7"); // "192.0.2.254"
   * ```
   */
  lookup(address: string): string | undefined {
    if (typeof address !== "string")
      throw new BgpRibError("BAD_ADDRESS", `address must be a string, not ${typeof address}`, {
        field: "address",
      });
    let i: number;
    try {
      i = address.includes(":")
        ? this.lookupIpv6(parseIpv6(address))
        : this.lookupIpv4(parseIpv4(address));
    } catch (e) {
      throw withField(e, "address");
    }
    return this.nextHop(i);
  }

  /**
   * All entries as `[prefix, next hop]`, IPv4 first.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("10.0.0.0/8", "192.0.2.1");
   * [...fib.entries()]; // [["10.0.0.0/8", "192.0.2.1"]]
   * ```
   */
  *entries(): IterableIterator<[string, string]> {
    for (const [a, len, hop] of this.v4exact.entries())
      yield [`${formatIpv4(a)}/${len}`, this.hops[hop]!];
    for (const [key, hop] of this.v6exact) {
      const [w, len] = key.split("/");
      const words = w!.split(",").map(Number);
      yield [`${formatIpv6(words)}/${len}`, this.hops[hop]!];
    }
  }

  /** Bytes held by the typed arrays of the table (an estimate of its footprint). */
  get byteLength(): number {
    return (
      this.v4.byteLength +
      this.v4exact.byteLength +
      this.c0.byteLength +
      this.c1.byteLength +
      this.nh6.byteLength
    );
  }

  private internHop(hop: string | readonly string[]): number {
    if (typeof hop !== "string")
      return hop.length === 1 ? this.internHop(hop[0]!) : this.group(hop);
    const h = hop;
    // Consecutive routes mostly share a next hop: skip the Map then.
    if (h === this.lastHop) {
      this.hopRefs[this.lastHopIndex]!++;
      return this.lastHopIndex;
    }
    const i = this.hopIndex.get(h) ?? this.newHop(h, h, undefined);
    this.hopRefs[i]!++;
    this.lastHop = h;
    this.lastHopIndex = i;
    return i;
  }

  /** The next-hop index of a multipath group (a reference taken). */
  private group(hops: readonly string[]): number {
    const key = hops.join(" ");
    const i = this.hopIndex.get(key) ?? this.newHop(key, hops[0]!, Object.freeze([...hops]));
    this.hopRefs[i]!++;
    return i;
  }

  /** A new next-hop index for `key` (a next hop, or a group's joined), named `name`. */
  private newHop(key: string, name: string, group: readonly string[] | undefined): number {
    const i = this.hops.length;
    if (i >= MAX_HOPS)
      throw new BgpRibError("FIB_FULL", `more than ${MAX_HOPS} distinct next hops`, {
        field: "nextHop",
      });
    this.hops.push(name);
    if (group !== undefined) this.groups[i] = group;
    this.hopRefs.push(0);
    this.hopIndex.set(key, i);
    return i;
  }

  private releaseHop(i: number): void {
    // Indices stay stable (lookups return them); the strings are few.
    this.hopRefs[i]!--;
  }

  /** Switches the IPv4 data plane to 16-4-4-4-4 or to 8-4-4-4-4-4-4, rebuilt from the entries. */
  private relayout4(wide: boolean): void {
    this.v4bounds = wide ? BOUNDS_WIDE : BOUNDS_SMALL;
    const rootBlocks = (wide ? WIDE_ROOT : SMALL_ROOT) / BLOCK;
    this.v4 = new Int32Array((rootBlocks + 4) * BLOCK);
    this.v4blockCount = rootBlocks;
    this.v4free = [];
    // Shorter prefixes first, so that each insert only overwrites.
    const all = [...this.v4exact.entries()].sort((x, y) => x[1] - y[1]);
    for (const [a, len, hop] of all) this.insert4(a, len, leaf(hop, len));
    this.v4wide = wide;
    this.v4rootShift = wide ? 16 : 24;
  }

  /** A fresh block of 16 slots, all `fill`; returns its number (its slots start at k << 4). */
  private newBlock(fill: number): number {
    let k = this.v4free.pop();
    if (k === undefined) {
      k = this.v4blockCount++;
      const need = (k + 1) * BLOCK;
      if (need > this.v4.length) {
        const t = new Int32Array(Math.max(need, this.v4.length * 2));
        t.set(this.v4);
        this.v4 = t;
      }
    }
    const t = this.v4;
    for (let i = k * BLOCK, end = i + BLOCK; i < end; i++) t[i] = fill; // 16: no builtin call
    return k;
  }

  /**
   * Walks down to the level where a prefix of length `len` ends, creating blocks on the way when
   * `create`; returns the index of the first slot it covers and the slot count (2^(level end −
   * len)), or -1 when a block on the way is missing.
   */
  private slotsOf(addr: number, len: number, create: boolean): number {
    const bounds = this.v4bounds;
    let end = bounds[0]!;
    let slot = addr >>> (32 - end);
    let level = 1;
    for (; len > end; level++) {
      this.path[level - 1] = slot;
      let v = this.v4[slot]!;
      if (v >= 0) {
        if (!create) return -1;
        const k = this.newBlock(v);
        this.v4[slot] = ~k; // newBlock may have replaced this.v4
        v = ~k;
      }
      end = bounds[level]!;
      slot = (~v << STRIDE) | ((addr >>> (32 - end)) & (BLOCK - 1));
    }
    this.pathDepth = level - 1;
    this.slotCount = 1 << (end - len);
    return slot;
  }

  private insert4(addr: number, len: number, value: number): void {
    const from = this.slotsOf(addr, len, true);
    this.fill4(this.v4, from, from + this.slotCount, len, value);
  }

  /** Gives every slot in [from, to) owned by a prefix no longer than `len` to `value`. */
  private fill4(t: Int32Array, from: number, to: number, len: number, value: number): void {
    for (let i = from; i < to; i++) {
      const v = t[i]!;
      if (v < 0) {
        const base = ~v << STRIDE;
        this.fill4(t, base, base + BLOCK, len, value);
      } else if ((v & 63) <= len) {
        t[i] = value;
      }
    }
  }

  private remove4(addr: number, len: number, replacement: number): void {
    const from = this.slotsOf(addr, len, false);
    if (from < 0) return;
    const t = this.v4;
    const depth = this.pathDepth;
    this.clear4(t, from, from + this.slotCount, depth, len, replacement);
    // Fold the blocks on the way down that became uniform, deepest first.
    for (let d = depth - 1; d >= 0 && this.fold(t, this.path[d]!, d); d--);
  }

  /**
   * Folds the block below `slot` (a slot of level `level`) into it if all its slots are one leaf
   * of a prefix that ends at this level or above; returns whether it did. (Eight /19s with the
   * same next hop fill a /16's block uniformly, but a /16 slot must not hold a /19: a later delete
   * of one of them would not find its slots.)
   */
  private fold(t: Int32Array, slot: number, level: number): boolean {
    const k = ~t[slot]!;
    const base = k << STRIDE;
    const first = t[base]!;
    if (first < 0 || (first & 63) > this.v4bounds[level]!) return false;
    for (let j = base + 1; j < base + BLOCK; j++) if (t[j] !== first) return false;
    t[slot] = first;
    this.v4free.push(k);
    return true;
  }

  /** Hands the slots in [from, to) owned by the deleted prefix (length `len`) to `replacement`. */
  private clear4(
    t: Int32Array,
    from: number,
    to: number,
    level: number,
    len: number,
    replacement: number,
  ): void {
    for (let i = from; i < to; i++) {
      const v = t[i]!;
      if (v < 0) {
        const base = ~v << STRIDE;
        this.clear4(t, base, base + BLOCK, level + 1, len, replacement);
        this.fold(t, i, level); // a block that is one leaf again folds into its parent
      } else if (v !== 0 && (v & 63) === len) {
        t[i] = replacement;
      }
    }
  }

  private node6(p: IpPrefix, create: boolean, hop: number): void {
    const path = this.path6;
    let node = 0;
    for (let bit = 0; bit < p.length; bit++) {
      path[bit] = node;
      const b = (p.words[bit >> 5]! >>> (31 - (bit & 31))) & 1;
      let next = (b === 0 ? this.c0 : this.c1)[node]!;
      if (next === 0) {
        if (!create) return;
        next = this.newNode6();
        (b === 0 ? this.c0 : this.c1)[node] = next; // newNode6 may have grown the arrays
      }
      node = next;
    }
    this.nh6[node] = hop;
    if (hop !== NO_ROUTE) return;
    // Prune the nodes left without a route or a child, bottom-up, onto the free list.
    for (let bit = p.length - 1; bit >= 0; bit--) {
      if (this.nh6[node] !== NO_ROUTE || this.c0[node] !== 0 || this.c1[node] !== 0) break;
      const parent = path[bit]!;
      if (this.c0[parent] === node) this.c0[parent] = 0;
      else this.c1[parent] = 0;
      this.free6.push(node);
      node = parent;
    }
  }

  private newNode6(): number {
    const reused = this.free6.pop();
    if (reused !== undefined) {
      this.c0[reused] = 0;
      this.c1[reused] = 0;
      this.nh6[reused] = NO_ROUTE;
      return reused;
    }
    if (this.nodes6 >= this.c0.length) {
      const n = this.c0.length * 2;
      this.c0 = grown(this.c0, n, 0);
      this.c1 = grown(this.c1, n, 0);
      this.nh6 = grown(this.nh6, n, NO_ROUTE);
    }
    return this.nodes6++;
  }
}

function grown(a: Int32Array, n: number, fill: number): Int32Array {
  const t = new Int32Array(n).fill(fill, a.length);
  t.set(a);
  return t;
}

/** A leaf slot value: next-hop index and the length of the prefix that owns the slot. */
function leaf(hop: number, len: number): number {
  return ((hop + 1) << 6) | len;
}

/** Throws unless `h` is a next hop or a non-empty list of distinct ones. */
function checkNextHop(h: unknown): void {
  if (typeof h === "string") return;
  if (!Array.isArray(h))
    throw new BgpRibError("BAD_NEXT_HOP", `next hop must be a string or a list, not ${show(h)}`, {
      field: "nextHop",
    });
  if (h.length === 0)
    throw new BgpRibError("BAD_NEXT_HOP", "next hop list is empty", { field: "nextHop" });
  for (let i = 0; i < h.length; i++) {
    if (typeof h[i] !== "string")
      throw new BgpRibError("BAD_NEXT_HOP", `next hop ${i} must be a string, not ${show(h[i])}`, {
        field: `nextHop[${i}]`,
      });
    if (h.indexOf(h[i]) !== i)
      throw new BgpRibError("BAD_NEXT_HOP", `next hop ${h[i]} given twice`, {
        field: `nextHop[${i}]`,
      });
  }
}

/** A value for an error message, without calling user code (`toString` may throw). */
function show(v: unknown): string {
  return typeof v === "number" || typeof v === "boolean" || v === null || v === undefined
    ? String(v)
    : typeof v === "string"
      ? JSON.stringify(v.slice(0, 40))
      : typeof v;
}

function withField(e: unknown, field: string): unknown {
  if (!BgpRibError.isInstance(e)) return e;
  return new BgpRibError(e.code, e.message, { ...e.where, field }, { cause: e });
}

function bad(field: string, why: string): never {
  throw new BgpRibError("BAD_PREFIX", why, { field });
}

/** Parses or validates a prefix; malformed input throws with the offending field. */
function checkPrefix(prefix: string | IpPrefix): IpPrefix {
  if (typeof prefix === "string") {
    try {
      return parsePrefix(prefix);
    } catch (e) {
      throw withField(e, "prefix");
    }
  }
  if (typeof prefix !== "object" || prefix === null)
    bad("prefix", "a prefix is a string or an IpPrefix");
  if (prefix.family !== 4 && prefix.family !== 6)
    bad("family", `family must be 4 or 6, not ${show(prefix.family)}`);
  const max = prefix.family === 4 ? 32 : 128;
  const len = prefix.length;
  if (!Number.isInteger(len) || len < 0 || len > max)
    bad("length", `length must be an integer 0–${max}, not ${show(len)}`);
  const w = prefix.words;
  if (typeof w !== "object" || w === null || w.length !== 4)
    bad("words", "words must be four 32-bit words");
  for (let i = 0; i < 4; i++) {
    const x = w[i] as number;
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
      bad("words", `word ${i} is not an unsigned 32-bit integer: ${show(x)}`);
    const m = prefix.family === 4 && i > 0 ? 0 : wordMask(len - 32 * i);
    if ((x & ~m) !== 0) bad("words", `host bits set beyond /${len} in word ${i}`);
  }
  return prefix;
}

/** The IPv4 control plane of a FIB: (address, prefix length) → next-hop index. */
export interface ExactTable4 {
  readonly size: number;
  readonly byteLength: number;
  /** The value of a prefix (address masked to `len` bits), or -1. */
  get(a: number, len: number): number;
  /** Sets the value (0 ≤ v < 2^25); returns the previous one or -1. */
  set(a: number, len: number, v: number): number;
  /** Deletes; returns the previous value or -1. */
  delete(a: number, len: number): number;
  /** (address, length, value) of every entry. */
  entries(): IterableIterator<[number, number, number]>;
}

let nextExact: ExactTable4 | undefined;

/**
 * A FIB whose IPv4 control plane is `exact` instead of a hash table of its own (the RIB's,
 * indexed by its prefix table: see `internal/fib-index.ts`). Internal: not exported by the package.
 */
export function fibWithExactTable(
  exact: ExactTable4,
  options?: ConstructorParameters<typeof Fib>[0],
): Fib {
  nextExact = exact;
  try {
    return new Fib(options);
  } finally {
    nextExact = undefined;
  }
}

/**
 * The IPv4 control plane: (address, prefix length) → next-hop index, open addressing with
 * tombstones (V8 Maps keyed by numbers above 2^31 are slow and heavy). A slot is two adjacent
 * words, so a probe touches one cache line: the address, and 0 (empty), -1 (deleted) or
 * ((value << 6) | length) + 1. The hash keeps neighbouring prefixes in neighbouring slots.
 */
export class PrefixTable4 implements ExactTable4 {
  private t = new Int32Array(32);
  private used = 0;
  size = 0;

  get(a: number, len: number): number {
    const h = this.find(a, len);
    return h < 0 ? -1 : (this.t[2 * h + 1]! - 1) >>> 6;
  }

  /** Sets the value (0 ≤ v < 2^25); returns the previous one or -1. */
  set(a: number, len: number, v: number): number {
    const t = this.t;
    const mask = (t.length >> 1) - 1;
    const key = a | 0;
    let free = -1;
    let h = hash(a, len) & mask;
    for (; ; h = (h + 1) & mask) {
      const m = t[2 * h + 1]!;
      if (m === 0) break;
      if (m < 0) {
        if (free < 0) free = h;
      } else if (((m - 1) & 63) === len && t[2 * h] === key) {
        t[2 * h + 1] = ((v << 6) | len) + 1;
        return (m - 1) >>> 6;
      }
    }
    if (free >= 0) h = free;
    else this.used++;
    t[2 * h] = key;
    t[2 * h + 1] = ((v << 6) | len) + 1;
    this.size++;
    if (this.used * 10 > (t.length >> 1) * 7)
      this.rehash(this.size * 4 > t.length >> 1 ? t.length : t.length >> 1);
    return -1;
  }

  /** Deletes; returns the previous value or -1. */
  delete(a: number, len: number): number {
    const h = this.find(a, len);
    if (h < 0) return -1;
    const t = this.t;
    const v = (t[2 * h + 1]! - 1) >>> 6;
    t[2 * h + 1] = -1;
    this.size--;
    // Shrink a table that emptied out, so a FIB that was big once does not stay big.
    if (t.length > 32 && this.size * 16 < t.length >> 1) this.rehash(t.length >> 3);
    return v;
  }

  /** The slot holding (a, len), or -1. */
  private find(a: number, len: number): number {
    const t = this.t;
    const mask = (t.length >> 1) - 1;
    const key = a | 0;
    for (let h = hash(a, len) & mask; ; h = (h + 1) & mask) {
      const m = t[2 * h + 1]!;
      if (m === 0) return -1;
      if (m > 0 && ((m - 1) & 63) === len && t[2 * h] === key) return h;
    }
  }

  *entries(): IterableIterator<[number, number, number]> {
    const t = this.t;
    for (let h = 0; h < t.length; h += 2) {
      const m = t[h + 1]!;
      if (m > 0) yield [t[h]! >>> 0, (m - 1) & 63, (m - 1) >>> 6];
    }
  }

  get byteLength(): number {
    return this.t.byteLength;
  }

  /** Rebuilds with n slots. */
  private rehash(n: number): void {
    const old = this.t;
    this.t = new Int32Array(2 * n);
    this.used = 0;
    this.size = 0;
    for (let h = 0; h < old.length; h += 2) {
      const m = old[h + 1]!;
      if (m > 0) this.set(old[h]! >>> 0, (m - 1) & 63, (m - 1) >>> 6);
    }
  }
}
