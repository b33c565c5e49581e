import { type PathAttributes, WELL_KNOWN_COMMUNITY } from "@dyninfra/bgp-wire";
import { BgpRibError } from "../errors";
import { attributesEqual, attributesHash, localPrefTerm } from "./attribute-hash";
import type { PartsAdopter } from "./codec";
import { fastIpv4, grownCapacity, resized } from "./prefix-table";
import { SharedParts, withLocalPref } from "./shared-parts";
import { IntList } from "./slab";

/** Community flags cached per attribute set. */
export const NO_EXPORT = 1;
export const NO_ADVERTISE = 2;
export const NO_EXPORT_SUBCONFED = 4;
/** RFC 9494 §3.2: LLGR_STALE, a long-lived stale route. */
export const LLGR_STALE = 8;
/** RFC 9494 §3.3: NO_LLGR, a route not to keep as long-lived stale. */
export const NO_LLGR = 16;

/** Bits of {@link AttributeStore.pathFlags}: AS_CONFED_SEQUENCE or AS_CONFED_SET segments. */
export const CONFED_SEGMENT = 1;
/** Bits of {@link AttributeStore.pathFlags}: AS_SET or AS_CONFED_SET segments (RFC 9774). */
export const SET_SEGMENT = 2;

/** Bits of {@link AttributeStore.present}: which of the 32-bit values a set has. */
export const HAS_LOCAL_PREF = 1;
export const HAS_MED = 2;
export const HAS_ORIGINATOR = 4;
/**
 * Bit of {@link AttributeStore.present}: the next hop of IPv4 routes is an IPv6 address (an
 * MP_REACH_NLRI of AFI 1 with one, RFC 8950).
 */
export const IPV6_NEXT_HOP = 8;

const ORIGIN_CODE: Record<string, number> = { IGP: 0, EGP: 1, INCOMPLETE: 2 };

const EMPTY = -1;
const DELETED = -2;
/** A slot holds an id (low 26 bits) and 5 more bits of its hash (bits 26–30). */
const ID_BITS = 26;
const ID_MASK = (1 << ID_BITS) - 1;
const tagOf = (h: number): number => (h >>> 27) << ID_BITS;
/** For {@link AttributeStore.find}: a set equal to the one given. */
const EXACT = -1;
/** For {@link AttributeStore.find}: a set equal but for having no LOCAL_PREF. */
const WITHOUT_LOCAL_PREF = -2;

/**
 * Interned, reference-counted attribute sets (as OpenBGPD does): equal sets share one id; the
 * values the decision process needs are decoded once per set into typed arrays. A set whose
 * count drops to zero is freed at the next {@link AttributeStore.sweep}, so ids stay valid for the
 * rest of a batch.
 */
export class AttributeStore {
  /**
   * Open-addressing table of ids by attribute hash (EMPTY, DELETED or an id with hash bits, so
   * that a probe reads the set itself only when those agree).
   */
  private slots = new Int32Array(1024).fill(EMPTY);
  private used = 0;
  /** Where {@link AttributeStore.find} left a missing set's slot. */
  private insertAt = 0;
  private live = 0;
  private attrs: (PathAttributes | undefined)[] = [];
  /** AS_PATHs, community lists, addresses… shared between the stored sets. */
  private readonly parts = new SharedParts();

  /** The store's own copy of each kind of part (see {@link SharedParts.adopter}). */
  get adopter(): PartsAdopter {
    return this.parts.adopter;
  }
  /** Hash per id. */
  private hashes = new Int32Array(1024);
  private free: number[] = [];
  /** Ids whose count dropped to zero in this batch (a list kept across batches). */
  private readonly zero = new IntList();
  refs = new Int32Array(1024);
  /** {@link HAS_LOCAL_PREF}, {@link HAS_MED}, {@link HAS_ORIGINATOR} bits. */
  present = new Uint8Array(1024);
  /** LOCAL_PREF (when {@link HAS_LOCAL_PREF}). */
  localPref = new Uint32Array(1024);
  /** MULTI_EXIT_DISC (when {@link HAS_MED}). */
  med = new Uint32Array(1024);
  /**
   * AS_PATH length per RFC 4271 §9.1.2.2 (a) / RFC 5065 (at most 65,535: an AS_PATH that fits
   * in an attribute holds fewer ASNs).
   */
  pathLength = new Uint16Array(1024);
  /** Leftmost AS outside confederation segments, 0 if none. */
  neighborAs = new Uint32Array(1024);
  origin = new Uint8Array(1024);
  // Route-reflection values and IGP costs are allocated once a set has one (never on a RIB
  // without route reflection or a resolver): 3.2 MB less on a full table.
  /** ORIGINATOR_ID as uint32 (when {@link HAS_ORIGINATOR}). */
  originator: Uint32Array | undefined;
  private clusterLengths: Uint16Array | undefined;
  private igpCosts: Float64Array | undefined;
  communityFlags = new Uint8Array(1024);
  /** {@link CONFED_SEGMENT} and {@link SET_SEGMENT} bits of the AS_PATH. */
  pathFlags = new Uint8Array(1024);
  /** Next-hop resolution cache: 0 unknown, 1 reachable, 2 unreachable. */
  nhState = new Uint8Array(1024);
  /** Loop-check cache for the owning RIB: 0 unknown, 1 no loop, 2 loop. */
  loop = new Uint8Array(1024);
  private count = 0;

  /** Sets freed so far (an id may be reused after it is freed). */
  frees = 0;

  /** Ids are below this number. */
  get capacity(): number {
    return this.refs.length;
  }

  /** Number of live sets. */
  get size(): number {
    return this.live;
  }

  /** The attribute set of an id. */
  get(id: number): PathAttributes {
    return this.attrs[id]!;
  }

  /**
   * Interns a set and takes one reference; a set new to the store is kept as a copy (see
   * {@link SharedParts.canonical}). `from`: a stored set `a` was derived from (its parts that are
   * `from`'s objects are shared already).
   */
  intern(a: PathAttributes, from?: PathAttributes): number {
    return this.internHashed(attributesHash(a), a, EXACT, from);
  }

  /**
   * {@link AttributeStore.intern} of `a` without its LOCAL_PREF (what the RIB keeps of a set from
   * an external peer, RFC 4271 §5.1.5), without making that copy first: LOCAL_PREF's share of the
   * hash is XORed out, and the set is compared and stored as if it had none.
   */
  internWithoutLocalPref(a: PathAttributes, from?: PathAttributes): number {
    if (a.localPref === undefined) return this.intern(a, from);
    const h = (attributesHash(a) ^ localPrefTerm(a.localPref)) | 0;
    return this.internHashed(h, a, WITHOUT_LOCAL_PREF, from);
  }

  /** {@link AttributeStore.internWithoutLocalPref} without keeping a reference (see peek). */
  peekWithoutLocalPref(a: PathAttributes, from?: PathAttributes): number {
    const id = this.internWithoutLocalPref(a, from);
    this.unref(id);
    return id;
  }

  /**
   * Interning of `a` (hash h) compared as {@link AttributeStore.find} does for `lp`; `owned`: `a`
   * itself is stored when new (see {@link AttributeStore.peekOwned}).
   */
  private internHashed(
    h: number,
    a: PathAttributes,
    lp: number,
    from: PathAttributes | undefined,
    owned = false,
  ): number {
    const found = this.find(h, a, lp);
    if (found >= 0) {
      this.refs[found]!++;
      return found;
    }
    const id = this.place(h);
    // An owned set (see peekOwned) is kept itself, any other as a copy with shared parts.
    const c = owned ? a : this.parts.canonical(a, from, lp === WITHOUT_LOCAL_PREF);
    this.attrs[id] = c;
    this.decode(id, c);
    this.refs[id]!++;
    this.afterPlace();
    return id;
  }

  /**
   * The id of the stored set with hash `h` equal to `a` (`lp` = {@link EXACT}) — with `lp` ≥ 0,
   * equal to `a` but for a LOCAL_PREF of `lp`; with {@link WITHOUT_LOCAL_PREF}, but for having none — or -1, leaving in
   * `insertAt` the slot a new set takes.
   */
  private find(h: number, a: PathAttributes, lp: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const tag = tagOf(h);
    let i = h & mask;
    let tomb = -1;
    for (;;) {
      const v = slots[i]!;
      if (v === EMPTY) break;
      if (v === DELETED) {
        if (tomb < 0) tomb = i;
      } else if ((v & ~ID_MASK) === tag) {
        const w = v & ID_MASK;
        if (this.hashes[w] === h) {
          const b = this.attrs[w]!;
          if (
            lp === EXACT
              ? attributesEqual(b, a)
              : b.localPref === (lp === WITHOUT_LOCAL_PREF ? undefined : lp) &&
                attributesEqual(b, a, true)
          )
            return w;
        }
      }
      i = (i + 1) & mask;
    }
    this.insertAt = tomb >= 0 ? tomb : i;
    return -1;
  }

  /** A new id with hash `h` in the slot {@link AttributeStore.find} left (set still to store). */
  private place(h: number): number {
    const id = this.free.pop() ?? this.count++;
    if (id > ID_MASK)
      throw new BgpRibError("CAPACITY", `more than ${ID_MASK + 1} attribute sets`, {
        field: "attributes",
      });
    if (id >= this.refs.length) this.grow();
    if (this.slots[this.insertAt] === EMPTY) this.used++;
    this.slots[this.insertAt] = id | tagOf(h);
    this.live++;
    this.hashes[id] = h;
    return id;
  }

  /** Grows or cleans the slots once they are 3/4 full (after a set was placed and stored). */
  private afterPlace(): void {
    if (this.used * 4 > this.slots.length * 3) this.rehash();
  }

  private rehash(): void {
    // Filled to 3/4 (live sets and deleted marks): twice the size when over half is live, else
    // the same size without the marks.
    const n = this.live * 2 > this.slots.length ? this.slots.length * 2 : this.slots.length;
    const slots = new Int32Array(n).fill(EMPTY);
    const mask = n - 1;
    for (let k = 0; k < this.slots.length; k++) {
      const v = this.slots[k]!;
      if (v < 0) continue;
      let i = this.hashes[v & ID_MASK]! & mask;
      while (slots[i] !== EMPTY) i = (i + 1) & mask;
      slots[i] = v;
    }
    this.slots = slots;
    this.used = this.live;
  }

  /**
   * {@link AttributeStore.peek} of stored set `src` with LOCAL_PREF `lp` (`undefined`: without
   * one), without building, hashing or decoding the whole set again: its hash follows from `src`'s,
   * its decoded values are `src`'s.
   */
  peekWithLocalPref(src: number, lp: number | undefined): number {
    const a = this.attrs[src]!;
    if (a.localPref === lp) return src;
    const h = (this.hashes[src]! ^ localPrefTerm(a.localPref) ^ localPrefTerm(lp)) | 0;
    const found = this.find(h, a, lp ?? WITHOUT_LOCAL_PREF);
    if (found >= 0) return found;
    const id = this.place(h);
    this.attrs[id] = withLocalPref(a, lp);
    this.present[id] =
      lp === undefined ? this.present[src]! & ~HAS_LOCAL_PREF : this.present[src]! | HAS_LOCAL_PREF;
    this.localPref[id] = lp ?? 0;
    this.med[id] = this.med[src]!;
    this.pathLength[id] = this.pathLength[src]!;
    this.neighborAs[id] = this.neighborAs[src]!;
    this.origin[id] = this.origin[src]!;
    if (this.originator !== undefined) this.originator[id] = this.originator[src]!;
    if (this.clusterLengths !== undefined) this.clusterLengths[id] = this.clusterLengths[src]!;
    this.communityFlags[id] = this.communityFlags[src]!;
    this.pathFlags[id] = this.pathFlags[src]!;
    this.nhState[id] = 0;
    if (this.igpCosts !== undefined) this.igpCosts[id] = 0;
    this.loop[id] = this.loop[src]!;
    this.zero.push(id); // no reference yet (peek)
    this.afterPlace();
    return id;
  }

  /**
   * {@link AttributeStore.peek} of a set whose parts are the store's shared ones already (see
   * {@link AttributeStore.adopter}) and which nobody else holds: kept itself when new (no copy).
   */
  peekOwned(a: PathAttributes): number {
    const id = this.internHashed(attributesHash(a), a, EXACT, undefined, true);
    this.unref(id);
    return id;
  }

  /** Interns and returns the id without keeping a reference (freed at the next sweep if unused). */
  peek(a: PathAttributes, from?: PathAttributes): number {
    const id = this.intern(a, from);
    this.unref(id);
    return id;
  }

  /**
   * Takes a reference to `id` if it still holds the very object `set` (not freed since): whether
   * it did.
   */
  refIfHolds(id: number, set: PathAttributes): boolean {
    if (this.attrs[id] !== set) return false;
    this.refs[id]!++;
    return true;
  }

  ref(id: number): void {
    if (id >= 0) this.refs[id]!++;
  }

  unref(id: number): void {
    if (id < 0) return;
    if (--this.refs[id]! === 0) this.zero.push(id);
  }

  /** Frees the sets no longer referenced. */
  sweep(): void {
    const n = this.zero.length;
    if (n === 0) return;
    const zero = this.zero.a;
    for (let k = 0; k < n; k++) {
      const id = zero[k]!;
      if (this.refs[id] !== 0 || this.attrs[id] === undefined) continue;
      const slots = this.slots;
      const mask = slots.length - 1;
      const v = id | tagOf(this.hashes[id]!);
      let i = this.hashes[id]! & mask;
      while (slots[i] !== v) i = (i + 1) & mask;
      slots[i] = DELETED;
      this.live--;
      this.frees++;
      this.attrs[id] = undefined;
      this.free.push(id);
    }
    this.zero.clear();
    // Shared parts are not counted: start them afresh when most may belong to freed sets.
    if (this.parts.size > 2 * this.live + 4096) this.parts.rebuild(this.liveSets());
  }

  private *liveSets(): IterableIterator<PathAttributes> {
    for (let id = 0; id < this.count; id++) {
      const a = this.attrs[id];
      if (a !== undefined) yield a;
    }
  }

  /** Forgets cached next-hop resolutions (after the IGP changed). */
  invalidateNextHops(): void {
    this.nhState.fill(0);
  }

  private decode(id: number, a: PathAttributes): void {
    let has = 0;
    if (a.localPref !== undefined) {
      has |= HAS_LOCAL_PREF;
      this.localPref[id] = a.localPref;
    }
    if (a.multiExitDisc !== undefined) {
      has |= HAS_MED;
      this.med[id] = a.multiExitDisc;
    }
    const orig = a.originatorId === undefined ? -1 : fastIpv4(a.originatorId);
    if (orig >= 0) {
      has |= HAS_ORIGINATOR;
      this.originator ??= new Uint32Array(this.refs.length);
      this.originator[id] = orig;
    }
    const mp = a.mpReachNlri;
    if (mp !== undefined && mp.afi === 1 && mp.nextHop.length > 0 && mp.nextHop[0]!.includes(":"))
      has |= IPV6_NEXT_HOP;
    this.present[id] = has;
    this.origin[id] = a.origin === undefined ? 2 : (ORIGIN_CODE[a.origin] ?? 2);
    let len = 0;
    let nbr = 0;
    let flags = 0;
    for (const seg of a.asPath ?? []) {
      if (seg.type === "AS_CONFED_SEQUENCE" || seg.type === "AS_CONFED_SET")
        flags |= CONFED_SEGMENT;
      if (seg.type === "AS_SET" || seg.type === "AS_CONFED_SET") flags |= SET_SEGMENT;
      if (seg.type === "AS_SEQUENCE") {
        if (nbr === 0 && seg.asns.length > 0) nbr = seg.asns[0]!;
        len += seg.asns.length;
      } else if (seg.type === "AS_SET") {
        len += 1;
      }
    }
    this.pathLength[id] = Math.min(len, 0xffff);
    this.pathFlags[id] = flags;
    this.neighborAs[id] = nbr;
    const clusters = a.clusterList?.length ?? 0;
    if (clusters > 0) this.clusterLengths ??= new Uint16Array(this.refs.length);
    if (this.clusterLengths !== undefined) this.clusterLengths[id] = Math.min(clusters, 0xffff);
    let f = 0;
    for (const c of a.communities ?? []) {
      if (c === WELL_KNOWN_COMMUNITY.NO_EXPORT) f |= NO_EXPORT;
      else if (c === WELL_KNOWN_COMMUNITY.NO_ADVERTISE) f |= NO_ADVERTISE;
      else if (c === WELL_KNOWN_COMMUNITY.NO_EXPORT_SUBCONFED) f |= NO_EXPORT_SUBCONFED;
      else if (c === WELL_KNOWN_COMMUNITY.LLGR_STALE) f |= LLGR_STALE;
      else if (c === WELL_KNOWN_COMMUNITY.NO_LLGR) f |= NO_LLGR;
    }
    this.communityFlags[id] = f;
    this.nhState[id] = 0;
    if (this.igpCosts !== undefined) this.igpCosts[id] = 0;
    this.loop[id] = 0;
  }

  /** CLUSTER_LIST length of set `id`. */
  clusterLength(id: number): number {
    return this.clusterLengths === undefined ? 0 : this.clusterLengths[id]!;
  }

  /** IGP cost to the next hop of set `id` (resolved, see {@link AttributeStore.nhState}). */
  igpCost(id: number): number {
    return this.igpCosts === undefined ? 0 : this.igpCosts[id]!;
  }

  setIgpCost(id: number, cost: number): void {
    if (cost !== 0) this.igpCosts ??= new Float64Array(this.refs.length);
    if (this.igpCosts !== undefined) this.igpCosts[id] = cost;
  }

  private grow(): void {
    const n = grownCapacity(this.refs.length, this.refs.length + 1);
    const g = <T extends Int32Array | Uint32Array | Uint16Array | Float64Array | Uint8Array>(
      a: T,
    ): T => resized(a, n);
    this.refs = g(this.refs);
    this.hashes = g(this.hashes);
    this.present = g(this.present);
    this.localPref = g(this.localPref);
    this.med = g(this.med);
    this.pathLength = g(this.pathLength);
    this.neighborAs = g(this.neighborAs);
    this.origin = g(this.origin);
    if (this.originator !== undefined) this.originator = g(this.originator);
    if (this.clusterLengths !== undefined) this.clusterLengths = g(this.clusterLengths);
    this.communityFlags = g(this.communityFlags);
    this.pathFlags = g(this.pathFlags);
    this.nhState = g(this.nhState);
    if (this.igpCosts !== undefined) this.igpCosts = g(this.igpCosts);
    this.loop = g(this.loop);
  }
}
