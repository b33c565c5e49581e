import { MacAddressError } from "./errors";
import { BROADCAST_MAC, type MacAddress } from "./mac-address";

const EMPTY = -1;
const MAX_CAPACITY = 2 ** 26;
const MAX_VALUE = 0x7fff_ffff;

/**
 * A hash table from {@link MacAddress} to a small non-negative integer (a port, pool or RAR
 * index), for classifier and forwarding-database hot paths: open addressing on typed arrays,
 * so {@link MacTable.get} neither allocates nor boxes. Linear probing with backward-shift
 * deletion keeps probe chains short without tombstones; the load stays at most 1/2.
 *
 * @example
 * ```ts
 * const table = new MacTable(64);
 * table.set(parseMac("02:00:00:00:00:01"), 3);
 * table.get(parseMac("02:00:00:00:00:01")); // 3
 * table.get(parseMac("02:00:00:00:00:02")); // -1 (absent)
 * ```
 */
export class MacTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  /**
   * @param capacity - how many entries to hold without growing (it grows beyond); an integer
   * 0 … 2^26, else {@link MacAddressError} `BAD_CAPACITY`
   */
  constructor(capacity = 8) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY) {
      throw new MacAddressError("BAD_CAPACITY", `capacity out of range: ${capacity}`, {
        field: "capacity",
      });
    }
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The number of entries. */
  get size(): number {
    return this.count;
  }

  private slot(mac: number): number {
    // Split without `%` on doubles (a slow runtime call in V8): both halves are exact integers.
    const hi = Math.floor(mac / 0x100_0000);
    const lo = mac - hi * 0x100_0000;
    return (Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> 8) & this.mask;
  }

  /** The value stored for `mac`, or −1 when there is none. Never allocates. */
  get(mac: MacAddress): number {
    if (mac < 0) return -1; // −1 marks an empty slot: it must never be found as a key
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slot(mac);
    for (;;) {
      const k = keys[i]!;
      if (k === mac) return this.values[i]!;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** True when `mac` has a value. */
  has(mac: MacAddress): boolean {
    return this.get(mac) >= 0;
  }

  /**
   * Stores `value` for `mac`, replacing any value it had. Throws {@link MacAddressError}
   * `BAD_MAC` for a key that is not an integer 0 … 2^48−1 and `BAD_VALUE` for a value that is
   * not an integer 0 … 2^31−1 (the table never truncates what it is given).
   */
  set(mac: MacAddress, value: number): void {
    if (!Number.isInteger(mac) || mac < 0 || mac > BROADCAST_MAC) {
      throw new MacAddressError("BAD_MAC", `MAC value out of range: ${mac}`, { field: "mac" });
    }
    if (!Number.isInteger(value) || value < 0 || value > MAX_VALUE) {
      throw new MacAddressError("BAD_VALUE", `table value out of range: ${value}`, {
        field: "value",
      });
    }
    this.put(mac, value);
  }

  private put(mac: number, value: number): void {
    let i = this.slot(mac);
    for (;;) {
      const k = this.keys[i]!;
      if (k === mac) {
        this.values[i] = value;
        return;
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    if ((this.count + 1) * 2 > this.keys.length) {
      this.grow();
      this.put(mac, value);
      return;
    }
    this.keys[i] = mac;
    this.values[i] = value;
    this.count++;
  }

  /** Removes the entry of `mac`; true when there was one. */
  delete(mac: MacAddress): boolean {
    if (mac < 0) return false;
    const keys = this.keys;
    let i = this.slot(mac);
    for (;;) {
      const k = keys[i]!;
      if (k === EMPTY) return false;
      if (k === mac) break;
      i = (i + 1) & this.mask;
    }
    // Backward-shift deletion: pull later entries of the probe chain into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = this.slot(k);
      // k may move into the hole at i only when its home is not in the cyclic range (i, j].
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        keys[i] = k;
        this.values[i] = this.values[j]!;
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.count--;
    return true;
  }

  /** Removes every entry (the table keeps its size). */
  clear(): void {
    this.keys.fill(EMPTY);
    this.count = 0;
  }

  /** The entries as `[mac, value]` pairs, in no particular order. */
  *entries(): IterableIterator<[MacAddress, number]> {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      if (k !== EMPTY) yield [k, this.values[i]!];
    }
  }

  private grow(): void {
    const old = [...this.entries()];
    const size = this.keys.length * 2;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.values = new Int32Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (const [k, v] of old) this.put(k, v);
  }
}
