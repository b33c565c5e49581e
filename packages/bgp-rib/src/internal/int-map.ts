// A map from non-negative 31-bit integers to 32-bit integers: open addressing over one Int32Array
// of (key, value) word pairs, filled to 3/4. Against a V8 Map keyed by numbers: no hashing of
// heap numbers, one cache line a probe, ~11 bytes an entry instead of ~28, and nothing for the
// garbage collector to trace. The last key looked up or set is remembered: callers look up runs
// of one key (the routes of one UPDATE share their attribute set).

/** What {@link IntMap.get} returns for a missing key. */
export const MISSING = -2147483648;

const EMPTY = -1;

export class IntMap {
  private t = new Int32Array(32).fill(EMPTY);
  size = 0;
  private lastKey = EMPTY;
  private lastVal = 0;

  /** The value of key k (0 ≤ k < 2^31), or {@link MISSING}. */
  get(k: number): number {
    if (k === this.lastKey) return this.lastVal;
    const t = this.t;
    const mask = (t.length >> 1) - 1;
    for (let h = slot(k) & mask; ; h = (h + 1) & mask) {
      const x = t[2 * h]!;
      if (x === k) {
        this.lastKey = k;
        this.lastVal = t[2 * h + 1]!;
        return this.lastVal;
      }
      if (x === EMPTY) return MISSING;
    }
  }

  /** Sets the value of key k (0 ≤ k < 2^31). */
  set(k: number, v: number): void {
    this.lastKey = k;
    this.lastVal = v;
    const t = this.t;
    const mask = (t.length >> 1) - 1;
    let h = slot(k) & mask;
    for (; ; h = (h + 1) & mask) {
      const x = t[2 * h]!;
      if (x === k) {
        t[2 * h + 1] = v;
        return;
      }
      if (x === EMPTY) break;
    }
    t[2 * h] = k;
    t[2 * h + 1] = v;
    if (++this.size * 4 > (t.length >> 1) * 3) this.grow();
  }

  /** Removes every entry (and gives a large table's memory back). */
  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    this.lastKey = EMPTY;
    const t = this.t;
    if (t.length > 1024) this.t = new Int32Array(32).fill(EMPTY);
    else if (t.length > 64) t.fill(EMPTY);
    else for (let i = 0; i < t.length; i += 2) t[i] = EMPTY; // keys only; no builtin call
  }

  private grow(): void {
    const old = this.t;
    const t = new Int32Array(old.length * 2).fill(EMPTY);
    const mask = (t.length >> 1) - 1;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i]!;
      if (k === EMPTY) continue;
      let h = slot(k) & mask;
      while (t[2 * h] !== EMPTY) h = (h + 1) & mask;
      t[2 * h] = k;
      t[2 * h + 1] = old[i + 1]!;
    }
    this.t = t;
  }
}

/** Fibonacci hashing, then the high bits folded down. */
function slot(k: number): number {
  const h = Math.imul(k, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
