import { isMulticastMac, type MacAddress } from "@dyninfra/mac-address";
import { VepaSwitchError } from "./errors";
import { MacVidTable } from "./internal/fdb-table";

/** Outcome of learning a source address (br_fdb_update). */
export type LearnOutcome =
  | "learned" // new dynamic entry
  | "refreshed" // same port, ageing timer restarted
  | "moved" // the station moved to another port
  | "static" // a static entry exists; left untouched
  | "limit" // fdb_max_learned reached: not learned
  | "ignored"; // group or all-zero source address: never learned

/** An FDB entry as `bridge fdb show` would list it. */
export interface FdbEntry {
  readonly mac: MacAddress;
  readonly vid: number;
  readonly port: number;
  readonly isStatic: boolean;
  /** Time of the last update (seconds, caller's clock). */
  readonly updated: number;
}

/** Options of {@link Fdb}. */
export interface FdbOptions {
  /**
   * Ageing time in seconds (Linux default 300 s, `ageing_time`). 0 makes dynamic entries expire
   * at once, so every unicast is flooded (as `ip link set BR type bridge ageing_time 0` turns a
   * Linux bridge into a hub); `Infinity` keeps them forever.
   */
  readonly ageingTime?: number;
  /** Maximum dynamically learned entries (`fdb_max_learned`; 0 = unlimited, the Linux default). */
  readonly maxLearned?: number;
}

/**
 * A bridge forwarding database keyed by (MAC, VLAN ID), as net/bridge/br_fdb.c keeps it:
 * dynamic entries are learned from source addresses and expire `ageingTime` seconds after their
 * last update (at `updated + ageingTime` itself: `has_expired` uses `time_before_eq`); static
 * entries never expire and never move; once `maxLearned` dynamic entries exist, new stations
 * are not learned (existing ones still refresh and move). Expired entries are invisible to
 * lookups and removed by {@link Fdb.age} (the bridge's garbage collector, which the kernel runs
 * at the earliest expiry — so at the limit, expired entries are collected before a new station
 * is refused). Time is the caller's, in seconds, and should not run backwards.
 *
 * @example
 * ```ts
 * const fdb = new Fdb({ ageingTime: 300, maxLearned: 1024 });
 * fdb.learn(0x020000000001, 10, 3, 0); // "learned"
 * fdb.lookup(0x020000000001, 10, 100); // 3
 * fdb.lookup(0x020000000001, 10, 300); // -1 (aged out: updated + ageingTime ≤ now)
 * ```
 */
export class Fdb {
  readonly ageingTime: number;
  readonly maxLearned: number;
  private table: MacVidTable;
  private port: Int32Array;
  private updated: Float64Array;
  private isStatic: Uint8Array;
  private learned = 0;
  /** Lower bound of the earliest expiry among dynamic entries (when the kernel's GC would run). */
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(options: FdbOptions = {}) {
    this.ageingTime = options.ageingTime ?? 300;
    this.maxLearned = options.maxLearned ?? 0;
    if (!(this.ageingTime >= 0) || !Number.isInteger(this.maxLearned) || this.maxLearned < 0) {
      throw new VepaSwitchError(
        "BAD_FDB_OPTIONS",
        "ageingTime ≥ 0 and maxLearned a natural number",
        {
          field: "ageingTime",
        },
      );
    }
    this.table = new MacVidTable(this.maxLearned > 0 ? this.maxLearned + 16 : 256);
    const n = this.table.slots;
    this.port = new Int32Array(n);
    this.updated = new Float64Array(n);
    this.isStatic = new Uint8Array(n);
  }

  /** Entries present (dynamic, including expired ones not yet collected, and static). */
  get size(): number {
    return this.table.size;
  }

  /** Dynamic entries counted against `maxLearned` (`fdb_n_learned`). */
  get learnedCount(): number {
    return this.learned;
  }

  private expired(slot: number, now: number): boolean {
    return this.isStatic[slot] === 0 && now - this.updated[slot]! >= this.ageingTime;
  }

  private ensureRoom(): void {
    if (!this.table.needsGrow()) return;
    const n = this.table.slots * 2;
    const port = new Int32Array(n);
    const updated = new Float64Array(n);
    const st = new Uint8Array(n);
    this.table = this.table.grown((from, to) => {
      port[to] = this.port[from]!;
      updated[to] = this.updated[from]!;
      st[to] = this.isStatic[from]!;
    });
    this.port = port;
    this.updated = updated;
    this.isStatic = st;
  }

  private readonly move = (from: number, to: number): void => {
    this.port[to] = this.port[from]!;
    this.updated[to] = this.updated[from]!;
    this.isStatic[to] = this.isStatic[from]!;
  };

  /**
   * Learns that `mac` in VLAN `vid` was seen on `port` at `now` (br_fdb_update). Group and
   * all-zero addresses are ignored; static entries are not overridden.
   */
  learn(mac: MacAddress, vid: number, port: number, now: number): LearnOutcome {
    if (mac === 0 || isMulticastMac(mac)) return "ignored";
    if ((vid & 0xfff) !== vid || !(mac > 0 && mac <= 0xffff_ffff_ffff)) {
      throw new VepaSwitchError("BAD_FDB_KEY", "FDB keys are a 48-bit MAC and a 12-bit VID", {
        field: "vid",
      });
    }
    const slot = this.table.find(mac, vid);
    if (slot >= 0) {
      if (this.isStatic[slot] === 1) return "static";
      const moved = this.port[slot] !== port;
      this.port[slot] = port;
      this.updated[slot] = now;
      if (now < this.nextExpiry) this.nextExpiry = now;
      return moved ? "moved" : "refreshed";
    }
    if (this.maxLearned > 0 && this.learned >= this.maxLearned) {
      // br_fdb_cleanup runs at the earliest expiry, so by now expired entries would be gone.
      if (now - this.ageingTime >= this.nextExpiry) this.age(now);
      if (this.learned >= this.maxLearned) return "limit";
    }
    this.ensureRoom();
    const s = this.table.insert(mac, vid);
    this.port[s] = port;
    this.updated[s] = now;
    this.isStatic[s] = 0;
    this.learned++;
    if (now < this.nextExpiry) this.nextExpiry = now;
    return "learned";
  }

  /** Egress port for (mac, vid) at `now`, or -1 when unknown or expired. */
  lookup(mac: MacAddress, vid: number, now: number): number {
    const slot = this.table.find(mac, vid);
    if (slot < 0 || this.expired(slot, now)) return -1;
    return this.port[slot]!;
  }

  /** `bridge fdb add MAC dev PORT vlan VID master static`: replaces a dynamic entry. */
  addStatic(mac: MacAddress, vid: number, port: number): void {
    if (
      !Number.isInteger(mac) ||
      mac <= 0 ||
      mac > 0xffff_ffff_ffff ||
      isMulticastMac(mac) ||
      (vid & 0xfff) !== vid
    ) {
      throw new VepaSwitchError(
        "BAD_MAC",
        "static FDB entries take a unicast MAC and a 12-bit VID",
        {
          field: "mac",
        },
      );
    }
    let slot = this.table.find(mac, vid);
    if (slot >= 0 && this.isStatic[slot] === 0) this.learned--;
    if (slot < 0) {
      this.ensureRoom();
      slot = this.table.insert(mac, vid);
    }
    this.port[slot] = port;
    this.updated[slot] = 0;
    this.isStatic[slot] = 1;
  }

  /** `bridge fdb del`: true when an entry was removed. */
  delete(mac: MacAddress, vid: number): boolean {
    const slot = this.table.find(mac, vid);
    if (slot < 0) return false;
    if (this.isStatic[slot] === 0) this.learned--;
    this.table.removeSlot(slot, this.move);
    return true;
  }

  /** Removes every dynamic entry of `port` (port down / removed: br_fdb_delete_by_port). */
  flushPort(port: number): number {
    return this.removeWhere((s) => this.isStatic[s] === 0 && this.port[s] === port);
  }

  /** The garbage collector (br_fdb_cleanup): drops expired dynamic entries, returns how many. */
  age(now: number): number {
    const n = this.removeWhere((s) => this.expired(s, now));
    let next = Number.POSITIVE_INFINITY;
    const km = this.table.keyMac;
    for (let s = 0; s < km.length; s++) {
      if (km[s] !== -1 && this.isStatic[s] === 0 && this.updated[s]! < next)
        next = this.updated[s]!;
    }
    this.nextExpiry = next;
    return n;
  }

  private removeWhere(pred: (slot: number) => boolean): number {
    const victims: [number, number][] = [];
    const km = this.table.keyMac;
    for (let s = 0; s < km.length; s++) {
      if (km[s] !== -1 && pred(s)) victims.push([km[s]!, this.table.keyVid[s]!]);
    }
    for (const [mac, vid] of victims) this.delete(mac, vid);
    return victims.length;
  }

  /** All entries (including expired ones not yet collected), sorted by VLAN then MAC. */
  entries(): FdbEntry[] {
    const out: FdbEntry[] = [];
    const km = this.table.keyMac;
    for (let s = 0; s < km.length; s++) {
      if (km[s] === -1) continue;
      out.push({
        mac: km[s]!,
        vid: this.table.keyVid[s]!,
        port: this.port[s]!,
        isStatic: this.isStatic[s] === 1,
        updated: this.updated[s]!,
      });
    }
    return out.sort((a, b) => a.vid - b.vid || a.mac - b.mac);
  }
}
