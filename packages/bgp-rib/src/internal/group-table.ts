/**
 * The attribute sets of one delta and their groups (0, 1, … in first-seen order, with a count
 * each), as {@link Rib}'s flush builds it: open addressing on the set id, sized for the delta —
 * not a slot per attribute id of the RIB. Emptied after each delta.
 */
export class GroupTable {
  private keys = new Int32Array(64).fill(-1);
  private vals = new Int32Array(64);
  /** The set id of each group. */
  ids = new Int32Array(64);
  /** Entries per group. */
  count = new Int32Array(64);
  /** Number of groups. */
  size = 0;
  /** The last id added or looked up, and its group: a delta's entries come in runs of one set. */
  private lastId = -1;
  private lastGroup = 0;

  /**
   * Sizes the (empty) table for a delta of up to n entries — for at most 2^15 sets at first, as a
   * large delta has far fewer sets than entries (it grows if need be); shrinks it after a large one.
   */
  reserve(n: number): void {
    let slots = 64;
    while (slots < 2 * Math.min(n, 1 << 15)) slots *= 2;
    if (this.keys.length < slots || this.keys.length > 4 * Math.max(slots, 1024)) {
      this.keys = new Int32Array(slots).fill(-1);
      this.vals = new Int32Array(slots);
    }
  }

  /** Gives the memory of a large delta back (the table must be empty). */
  shrink(): void {
    if (this.keys.length > 1024) {
      this.keys = new Int32Array(64).fill(-1);
      this.vals = new Int32Array(64);
    }
    if (this.ids.length > 1024) {
      this.ids = new Int32Array(64);
      this.count = new Int32Array(64);
    }
  }

  /** Counts one more entry with set `id`; returns its group. */
  add(id: number): number {
    if (id === this.lastId) {
      this.count[this.lastGroup]!++;
      return this.lastGroup;
    }
    const slot = this.slot(id);
    if (this.keys[slot] === id) {
      const g = this.vals[slot]!;
      this.count[g]!++;
      this.lastId = id;
      this.lastGroup = g;
      return g;
    }
    const g = this.size++;
    this.keys[slot] = id;
    this.vals[slot] = g;
    if (g >= this.ids.length) {
      const n = this.ids.length * 2;
      const ids = new Int32Array(n);
      ids.set(this.ids);
      this.ids = ids;
      const count = new Int32Array(n);
      count.set(this.count);
      this.count = count;
    }
    this.ids[g] = id;
    this.count[g] = 1;
    this.lastId = id;
    this.lastGroup = g;
    // ADD-PATH deltas may hold more sets than the entries reserved for.
    if (this.size * 2 > this.keys.length) this.grow();
    return g;
  }

  /** The group of set `id` (added since the last clear). */
  groupOf(id: number): number {
    if (id === this.lastId) return this.lastGroup;
    const g = this.vals[this.slot(id)]!;
    this.lastId = id;
    this.lastGroup = g;
    return g;
  }

  /**
   * Empties the table: key by key in the reverse order of their insertion when there are few —
   * with linear probing, removing the newest key restores the table as it was before it came, so
   * every other key is still found where it is.
   */
  clear(): void {
    const G = this.size;
    if (G * 8 > this.keys.length) this.keys.fill(-1);
    else for (let g = G - 1; g >= 0; g--) this.keys[this.slot(this.ids[g]!)] = -1;
    this.size = 0;
    this.lastId = -1;
  }

  /** The slot of `id`: its own, or the empty one to take. */
  private slot(id: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = Math.imul(id ^ (id >>> 16), 0x45d9f3b);
    i ^= i >>> 16;
    for (;;) {
      i &= mask;
      const k = keys[i]!;
      if (k === id || k === -1) return i;
      i++;
    }
  }

  private grow(): void {
    const n = this.keys.length * 2;
    this.keys = new Int32Array(n).fill(-1);
    this.vals = new Int32Array(n);
    for (let g = 0; g < this.size; g++) {
      const slot = this.slot(this.ids[g]!);
      this.keys[slot] = this.ids[g]!;
      this.vals[slot] = g;
    }
  }
}
