/**
 * Open-addressing hash table from a 48-bit MAC (held in a double) to a small non-negative
 * integer, on typed arrays: no allocation and no boxing on lookups. Linear probing with
 * backward-shift deletion keeps probe chains short without tombstones.
 */
export class MacTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size <<= 1;
    this.keys = new Float64Array(size).fill(-1);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(mac: number): number {
    // Split without `%` on doubles (a slow runtime call in V8): both halves are exact integers.
    const hi = Math.floor(mac / 0x100_0000);
    const lo = mac - hi * 0x100_0000;
    return (Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> 8) & this.mask;
  }

  get(mac: number): number {
    const keys = this.keys;
    let i = this.slot(mac);
    for (;;) {
      const k = keys[i]!;
      if (k === mac) return this.values[i]!;
      if (k === -1) return -1;
      i = (i + 1) & this.mask;
    }
  }

  set(mac: number, value: number): void {
    let i = this.slot(mac);
    for (;;) {
      const k = this.keys[i]!;
      if (k === mac) {
        this.values[i] = value;
        return;
      }
      if (k === -1) break;
      i = (i + 1) & this.mask;
    }
    if ((this.count + 1) * 2 > this.keys.length) {
      this.grow();
      this.set(mac, value);
      return;
    }
    this.keys[i] = mac;
    this.values[i] = value;
    this.count++;
  }

  delete(mac: number): boolean {
    const keys = this.keys;
    let i = this.slot(mac);
    for (;;) {
      const k = keys[i]!;
      if (k === -1) return false;
      if (k === mac) break;
      i = (i + 1) & this.mask;
    }
    // Backward-shift deletion.
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const k = keys[j]!;
      if (k === -1) break;
      const home = this.slot(k);
      // Move k into the hole at i when its home is not in the cyclic range (i, j].
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        keys[i] = k;
        this.values[i] = this.values[j]!;
        i = j;
      }
    }
    keys[i] = -1;
    this.count--;
    return true;
  }

  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      if (k !== -1) yield [k, this.values[i]!];
    }
  }

  private grow(): void {
    const old = [...this.entries()];
    const size = this.keys.length * 2;
    this.keys = new Float64Array(size).fill(-1);
    this.values = new Int32Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (const [k, v] of old) this.set(k, v);
  }
}
