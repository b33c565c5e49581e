import { type ExactTable4, PrefixTable4 } from "../fib";
import { grownCapacity, type PrefixTable } from "./prefix-table";

/**
 * The IPv4 control plane of the RIB's FIB, indexed by the RIB's prefix table: one next-hop index
 * per prefix index in a dense array, instead of a hash table of (address, length) of its own.
 * On a full table that hash table was as costly to fill as the lookup structure itself (~8 MB
 * probed at random and grown by rehashing); the prefix table here is the one the RIB has just
 * looked the prefix up in, and the RIB names the prefix ({@link IndexedExact4.hint}) so that
 * even that lookup is skipped. Prefixes the RIB does not know (set on `rib.fib` directly) go to
 * a hash table of their own.
 */
export class IndexedExact4 implements ExactTable4 {
  /** Per prefix index: next-hop index, or -1. */
  private hop = new Int32Array(0);
  private count = 0;
  private readonly other = new PrefixTable4();
  /** The prefix index of the next call's prefix, if the caller knows it (checked), else -1. */
  hint = -1;

  constructor(private readonly prefixes: PrefixTable) {}

  get size(): number {
    return this.count + this.other.size;
  }

  get byteLength(): number {
    return this.hop.byteLength + this.other.byteLength;
  }

  get(a: number, len: number): number {
    const p = this.indexOf(a, len);
    if (p >= 0 && p < this.hop.length && this.hop[p]! >= 0) return this.hop[p]!;
    return this.other.size > 0 ? this.other.get(a, len) : -1;
  }

  set(a: number, len: number, v: number): number {
    const p = this.indexOf(a, len);
    if (p < 0) return this.other.set(a, len, v);
    // A prefix set before the RIB knew it moves over.
    let old = this.other.size > 0 ? this.other.delete(a, len) : -1;
    if (p >= this.hop.length) {
      const t = new Int32Array(grownCapacity(this.hop.length, this.prefixes.count)).fill(-1);
      t.set(this.hop);
      this.hop = t;
    }
    const h = this.hop[p]!;
    if (h >= 0) old = h;
    else this.count++;
    this.hop[p] = v;
    return old;
  }

  delete(a: number, len: number): number {
    const p = this.indexOf(a, len);
    if (p >= 0 && p < this.hop.length && this.hop[p]! >= 0) {
      const old = this.hop[p]!;
      this.hop[p] = -1;
      this.count--;
      return old;
    }
    return this.other.size > 0 ? this.other.delete(a, len) : -1;
  }

  *entries(): IterableIterator<[number, number, number]> {
    const n = Math.min(this.hop.length, this.prefixes.count);
    for (let p = 0; p < n; p++) {
      const h = this.hop[p]!;
      if (h >= 0) yield [this.prefixes.addr[p]!, this.prefixes.length[p]!, h];
    }
    yield* this.other.entries();
  }

  /** The prefix index of (a, len), or -1; uses and clears {@link IndexedExact4.hint}. */
  private indexOf(a: number, len: number): number {
    const hint = this.hint;
    this.hint = -1;
    const pt = this.prefixes;
    if (hint >= 0 && pt.addr[hint] === a && pt.length[hint] === len && !pt.isV6(hint)) return hint;
    return pt.index4(a, len, false);
  }
}
