import { V4Table } from "./internal/v4-table";
import { formatIpv4, formatIpv6, type IpPrefix, parseIpv4, parseIpv6, parsePrefix } from "./ip";

const ROOT = 65536;
const CHUNK = 256;
const NO_ROUTE = -1;

/**
 * A forwarding table: prefix → next hop, with longest-prefix-match lookup for IPv4 and IPv6.
 *
 * IPv4 is a 16-8-8 multibit trie in one `Int32Array` (a root of 65,536 slots, then chunks of 256)
 * with a parallel `Uint8Array` of prefix lengths, so that a lookup is at most three array reads and
 * inserts and deletes touch only the slots the prefix covers. IPv6 is a binary trie in typed arrays.
 * Next hops are interned to small integers.
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
  // IPv4: slot value > 0 → next-hop index + 1; 0 → no route; < 0 → child chunk number.
  private v4: Int32Array = new Int32Array(ROOT + 64 * CHUNK);
  private v4len: Uint8Array = new Uint8Array(ROOT + 64 * CHUNK);
  private v4chunks = 0;
  private v4free: number[] = [];
  // Exact entries, for deletes (find the covering prefix) and enumeration.
  private readonly v4exact = new V4Table();
  // IPv6 binary trie: node 0 is the root.
  private c0: Int32Array = new Int32Array(1024);
  private c1: Int32Array = new Int32Array(1024);
  private nh6: Int32Array = new Int32Array(1024).fill(NO_ROUTE);
  private nodes6 = 1;
  private readonly v6exact = new Map<string, number>();
  private readonly hops: string[] = [];
  private readonly hopIndex = new Map<string, number>();
  private readonly hopRefs: number[] = [];

  /** Number of IPv4 and IPv6 entries. */
  get size(): number {
    return this.v4exact.size + this.v6exact.size;
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
   * Installs or replaces the entry for a prefix.
   *
   * @example
   * ```ts
   * new Fib().set("2001:db8::/32", "fe80::1");
   * ```
   */
  set(prefix: string | IpPrefix, nextHop: string): void {
    const p = typeof prefix === "string" ? parsePrefix(prefix) : prefix;
    const hop = this.internHop(nextHop);
    if (p.family === 4) {
      const old = this.v4exact.set(p.words[0], p.length, hop);
      if (old >= 0) this.releaseHop(old);
      if (old === hop) return; // unchanged: nothing to re-expand
      this.insert4(p.words[0], p.length, hop + 1);
    } else {
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
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("10.0.0.0/8", "192.0.2.1");
   * fib.delete("10.0.0.0/8"); // true
   * ```
   */
  delete(prefix: string | IpPrefix): boolean {
    const p = typeof prefix === "string" ? parsePrefix(prefix) : prefix;
    if (p.family === 4) {
      const old = this.v4exact.delete(p.words[0], p.length);
      if (old < 0) return false;
      this.releaseHop(old);
      // The slots fall back to the longest covering prefix still present.
      let rv = 0;
      let rl = 0;
      for (let l = p.length - 1; l >= 0; l--) {
        const a = (p.words[0] & maskOf(l)) >>> 0;
        const h = this.v4exact.get(a, l);
        if (h >= 0) {
          rv = h + 1;
          rl = l;
          break;
        }
      }
      this.remove4(p.words[0], p.length, rv, rl);
      return true;
    }
    const key = `${p.words.join(",")}/${p.length}`;
    const old = this.v6exact.get(key);
    if (old === undefined) return false;
    this.v6exact.delete(key);
    this.releaseHop(old);
    this.node6(p, false, NO_ROUTE);
    return true;
  }

  /**
   * Longest-prefix match of an IPv4 address given as an unsigned 32-bit number; returns the
   * interned next-hop index or -1. The hot path: at most three typed-array reads.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("10.0.0.0/8", "192.0.2.1");
   * fib.nextHop(fib.lookupIpv4(0x0a010203)); // "192.0.2.1"
   * ```
   */
  lookupIpv4(addr: number): number {
    const t = this.v4;
    let v = t[addr >>> 16]!;
    if (v >= 0) return v - 1;
    v = t[ROOT - CHUNK + -v * CHUNK + ((addr >>> 8) & 255)]!;
    if (v >= 0) return v - 1;
    return t[ROOT - CHUNK + -v * CHUNK + (addr & 255)]! - 1;
  }

  /**
   * Longest-prefix match of an IPv6 address given as four 32-bit words; returns the interned
   * next-hop index or -1.
   *
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("2001:db8::/32", "fe80::1");
   * fib.nextHop(fib.lookupIpv6([0x20010db8, 0, 0, 1])); // "fe80::1"
   * ```
   */
  lookupIpv6(words: readonly number[]): number {
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
   * @example
   * ```ts
   * const fib = new Fib();
   * fib.set("0.0.0.0/0", "192.0.2.254");
   * fib.lookup("198.51.100.7"); // "192.0.2.254"
   * ```
   */
  lookup(address: string): string | undefined {
    const i = address.includes(":")
      ? this.lookupIpv6(parseIpv6(address))
      : this.lookupIpv4(parseIpv4(address));
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
      this.v4len.byteLength +
      this.v4exact.byteLength +
      this.c0.byteLength +
      this.c1.byteLength +
      this.nh6.byteLength
    );
  }

  private internHop(h: string): number {
    let i = this.hopIndex.get(h);
    if (i === undefined) {
      i = this.hops.length;
      this.hops.push(h);
      this.hopRefs.push(0);
      this.hopIndex.set(h, i);
    }
    this.hopRefs[i]!++;
    return i;
  }

  private releaseHop(i: number): void {
    // Indices stay stable (lookups return them); the strings are few.
    this.hopRefs[i]!--;
  }

  private newChunk(fill: number, fillLen: number): number {
    let k = this.v4free.pop();
    if (k === undefined) {
      k = ++this.v4chunks;
      const need = ROOT + k * CHUNK;
      if (need > this.v4.length) {
        const grow = Math.max(need, this.v4.length * 2);
        const t = new Int32Array(grow);
        t.set(this.v4);
        this.v4 = t;
        const l = new Uint8Array(grow);
        l.set(this.v4len);
        this.v4len = l;
      }
    }
    const base = ROOT - CHUNK + k * CHUNK;
    this.v4.fill(fill, base, base + CHUNK);
    this.v4len.fill(fillLen, base, base + CHUNK);
    return k;
  }

  /** The slot index at which `level` (1 or 2) continues from `slot`, creating the chunk. */
  private child(slot: number): number {
    const v = this.v4[slot]!;
    if (v < 0) return ROOT - CHUNK + -v * CHUNK;
    const k = this.newChunk(v, this.v4len[slot]!);
    this.v4[slot] = -k;
    return ROOT - CHUNK + k * CHUNK;
  }

  private insert4(addr: number, len: number, value: number): void {
    if (len <= 16) {
      const start = addr >>> 16;
      this.fill4(start, start + (1 << (16 - len)), len, value);
      return;
    }
    const c1 = this.child(addr >>> 16);
    if (len <= 24) {
      const start = c1 + ((addr >>> 8) & 255);
      this.fill4(start, start + (1 << (24 - len)), len, value);
      return;
    }
    const c2 = this.child(c1 + ((addr >>> 8) & 255));
    const start = c2 + (addr & 255);
    this.fill4(start, start + (1 << (32 - len)), len, value);
  }

  private fill4(from: number, to: number, len: number, value: number): void {
    const t = this.v4;
    const l = this.v4len;
    for (let i = from; i < to; i++) {
      const v = t[i]!;
      if (v < 0) {
        const base = ROOT - CHUNK + -v * CHUNK;
        this.fill4(base, base + CHUNK, len, value);
      } else if (l[i]! <= len) {
        t[i] = value;
        l[i] = len;
      }
    }
  }

  private remove4(addr: number, len: number, rv: number, rl: number): void {
    let from: number;
    let to: number;
    if (len <= 16) {
      from = addr >>> 16;
      to = from + (1 << (16 - len));
    } else {
      const v1 = this.v4[addr >>> 16]!;
      if (v1 >= 0) return;
      const c1 = ROOT - CHUNK + -v1 * CHUNK;
      if (len <= 24) {
        from = c1 + ((addr >>> 8) & 255);
        to = from + (1 << (24 - len));
      } else {
        const v2 = this.v4[c1 + ((addr >>> 8) & 255)]!;
        if (v2 >= 0) return;
        from = ROOT - CHUNK + -v2 * CHUNK + (addr & 255);
        to = from + (1 << (32 - len));
      }
    }
    this.clear4(from, to, len, rv, rl);
  }

  private clear4(from: number, to: number, len: number, rv: number, rl: number): void {
    const t = this.v4;
    const l = this.v4len;
    for (let i = from; i < to; i++) {
      const v = t[i]!;
      if (v < 0) {
        const base = ROOT - CHUNK + -v * CHUNK;
        this.clear4(base, base + CHUNK, len, rv, rl);
        // A chunk whose slots are all one leaf again folds back into its parent slot.
        const first = t[base]!;
        const firstLen = l[base]!;
        let uniform = first >= 0;
        for (let j = base + 1; uniform && j < base + CHUNK; j++)
          uniform = t[j] === first && l[j] === firstLen;
        if (uniform) {
          t[i] = first;
          l[i] = firstLen;
          this.v4free.push(-v);
        }
      } else if (l[i] === len && v !== 0) {
        t[i] = rv;
        l[i] = rl;
      }
    }
  }

  private node6(p: IpPrefix, create: boolean, hop: number): void {
    let node = 0;
    for (let bit = 0; bit < p.length; bit++) {
      const b = (p.words[bit >> 5]! >>> (31 - (bit & 31))) & 1;
      const arr = b === 0 ? this.c0 : this.c1;
      let next = arr[node]!;
      if (next === 0) {
        if (!create) return;
        next = this.newNode6();
        (b === 0 ? this.c0 : this.c1)[node] = next;
      }
      node = next;
    }
    this.nh6[node] = hop;
  }

  private newNode6(): number {
    if (this.nodes6 >= this.c0.length) {
      const n = this.c0.length * 2;
      const grow = (a: Int32Array, fill: number): Int32Array => {
        const t = new Int32Array(n).fill(fill);
        t.set(a);
        return t;
      };
      this.c0 = grow(this.c0, 0);
      this.c1 = grow(this.c1, 0);
      this.nh6 = grow(this.nh6, NO_ROUTE);
    }
    return this.nodes6++;
  }
}

function maskOf(l: number): number {
  return l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
}
