/**
 * Open-addressing hash table keyed by (48-bit MAC held in a double, 12-bit VLAN ID), values are
 * slot indices the caller uses for parallel typed arrays. Linear probing with backward-shift
 * deletion: no tombstones, so probe chains stay short under churn (learning and ageing).
 */
export class MacVidTable {
  keyMac: Float64Array;
  keyVid: Uint16Array;
  private mask: number;
  private count = 0;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size <<= 1;
    this.keyMac = new Float64Array(size).fill(-1);
    this.keyVid = new Uint16Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  get slots(): number {
    return this.keyMac.length;
  }

  home(mac: number, vid: number): number {
    // Split without `%` on doubles (a slow runtime call in V8): both halves are exact integers.
    const hi = Math.floor(mac / 0x100_0000);
    const lo = mac - hi * 0x100_0000;
    return (Math.imul(lo ^ Math.imul(hi ^ (vid << 12), 0x27d4eb2d), 0x9e3779b1) >>> 8) & this.mask;
  }

  /** Slot of the key, or -1. */
  find(mac: number, vid: number): number {
    const km = this.keyMac;
    let i = this.home(mac, vid);
    for (;;) {
      const k = km[i]!;
      if (k === mac && this.keyVid[i] === vid) return i;
      if (k === -1) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Slot where the key now lives (inserted when absent). Caller must ensure load < 1/2 (see needsGrow). */
  insert(mac: number, vid: number): number {
    const km = this.keyMac;
    let i = this.home(mac, vid);
    for (;;) {
      const k = km[i]!;
      if (k === mac && this.keyVid[i] === vid) return i;
      if (k === -1) break;
      i = (i + 1) & this.mask;
    }
    km[i] = mac;
    this.keyVid[i] = vid;
    this.count++;
    return i;
  }

  needsGrow(): boolean {
    return (this.count + 1) * 2 > this.keyMac.length;
  }

  /**
   * Removes the key in `slot`; `move(from, to)` is called for every entry shifted back so the
   * caller can move its parallel values.
   */
  removeSlot(slot: number, move: (from: number, to: number) => void): void {
    const km = this.keyMac;
    let i = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & this.mask;
      const k = km[j]!;
      if (k === -1) break;
      const h = this.home(k, this.keyVid[j]!);
      const inRange = i <= j ? h > i && h <= j : h > i || h <= j;
      if (!inRange) {
        km[i] = k;
        this.keyVid[i] = this.keyVid[j]!;
        move(j, i);
        i = j;
      }
    }
    km[i] = -1;
    this.count--;
  }

  /** A table twice the size with the same keys; `move(oldSlot, newSlot)` for each. */
  grown(move: (from: number, to: number) => void): MacVidTable {
    const t = new MacVidTable(this.keyMac.length);
    for (let s = 0; s < this.keyMac.length; s++) {
      const k = this.keyMac[s]!;
      if (k !== -1) move(s, t.insert(k, this.keyVid[s]!));
    }
    return t;
  }
}
