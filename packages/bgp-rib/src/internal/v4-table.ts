import { hash } from "./prefix-table";

const EMPTY = 255;
const GONE = 254;

/**
 * (IPv4 address, prefix length) → int32, open addressing over typed arrays with tombstones.
 * V8 Maps keyed by numbers above 2^31 (heap numbers) are slow and heavy; this is neither.
 */
export class V4Table {
  private keys = new Uint32Array(1024);
  private lens = new Uint8Array(1024).fill(EMPTY);
  private vals = new Int32Array(1024);
  private used = 0;
  size = 0;

  get(a: number, len: number): number {
    const mask = this.keys.length - 1;
    for (let h = hash(a, len) & mask; ; h = (h + 1) & mask) {
      const l = this.lens[h]!;
      if (l === EMPTY) return -1;
      if (l === len && this.keys[h] === a) return this.vals[h]!;
    }
  }

  /** Sets the value; returns the previous one or -1. */
  set(a: number, len: number, v: number): number {
    const mask = this.keys.length - 1;
    let free = -1;
    let h = hash(a, len) & mask;
    for (; ; h = (h + 1) & mask) {
      const l = this.lens[h]!;
      if (l === EMPTY) break;
      if (l === GONE) {
        if (free < 0) free = h;
      } else if (l === len && this.keys[h] === a) {
        const old = this.vals[h]!;
        this.vals[h] = v;
        return old;
      }
    }
    if (free >= 0) h = free;
    else this.used++;
    this.keys[h] = a;
    this.lens[h] = len;
    this.vals[h] = v;
    this.size++;
    if (this.used * 2 > this.keys.length)
      this.rehash(this.size * 4 > this.keys.length ? this.keys.length * 2 : this.keys.length);
    return -1;
  }

  /** Deletes; returns the previous value or -1. */
  delete(a: number, len: number): number {
    const mask = this.keys.length - 1;
    for (let h = hash(a, len) & mask; ; h = (h + 1) & mask) {
      const l = this.lens[h]!;
      if (l === EMPTY) return -1;
      if (l === len && this.keys[h] === a) {
        this.lens[h] = GONE;
        this.size--;
        return this.vals[h]!;
      }
    }
  }

  *entries(): IterableIterator<[number, number, number]> {
    for (let h = 0; h < this.keys.length; h++) {
      const l = this.lens[h]!;
      if (l !== EMPTY && l !== GONE) yield [this.keys[h]!, l, this.vals[h]!];
    }
  }

  get byteLength(): number {
    return this.keys.byteLength + this.lens.byteLength + this.vals.byteLength;
  }

  private rehash(n: number): void {
    const k = this.keys;
    const l = this.lens;
    const v = this.vals;
    this.keys = new Uint32Array(n);
    this.lens = new Uint8Array(n).fill(EMPTY);
    this.vals = new Int32Array(n);
    this.used = 0;
    this.size = 0;
    for (let h = 0; h < k.length; h++)
      if (l[h] !== EMPTY && l[h] !== GONE) this.set(k[h]!, l[h]!, v[h]!);
  }
}
