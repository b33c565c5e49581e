// Per-batch integer records (a batch's Loc-RIB changes, a neighbour's delta) outlive the call
// that makes them, so they cannot share one scratch array; but V8 keeps a typed array of more
// than 64 bytes outside its heap, and making one costs ~0.7 µs (an allocation of its own, plus
// bookkeeping every scavenge sweeps) — on a full-table ingest two per UPDATE, ~13 % of the time.
// Views of a shared 64 KB block cost ~50 ns. A block stays alive while any view of it does.

const BLOCK = 16384;
const IN_HEAP = 16; // 64 bytes: V8's limit for typed arrays kept in its heap
let block = new Int32Array(BLOCK);
let used = 0;

/** A zero-filled Int32Array of length n, never handed out again (may view a shared block). */
export function batchInts(n: number): Int32Array {
  if (n <= IN_HEAP || n > BLOCK >> 2) return new Int32Array(n);
  if (used + n > BLOCK) {
    block = new Int32Array(BLOCK);
    used = 0;
  }
  const a = block.subarray(used, used + n);
  used += n;
  return a;
}

/** Lists above this capacity give their memory back when emptied (256 KB). */
const KEEP = 65536;

/**
 * A growable list of 32-bit integers over an Int32Array, emptied without giving its memory back
 * (up to {@link KEEP} entries): V8 drops an array's backing store on `length = 0`, so a list
 * refilled every batch would be reallocated, and copied as it grows, every batch.
 */
export class IntList {
  /** The entries are `a[0]` … `a[length − 1]`. */
  a = new Int32Array(16);
  length = 0;

  push(v: number): void {
    if (this.length === this.a.length) {
      const t = new Int32Array(this.a.length * 2);
      t.set(this.a);
      this.a = t;
    }
    this.a[this.length++] = v;
  }

  /**
   * Makes room for `n` more entries in one allocation of exactly that size (a batch that knows
   * its size, such as a full-table import, would otherwise allocate and copy its way up through
   * every doubling: twice the memory, all of it typed arrays that count towards V8's external
   * memory and so bring the next full collection closer).
   */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.a.length) return;
    const t = new Int32Array(need);
    t.set(this.a.subarray(0, this.length));
    this.a = t;
  }

  clear(): void {
    this.length = 0;
    if (this.a.length > KEEP) this.a = new Int32Array(16);
  }
}
