import type { Aggregator, AsPath, PathAttributes } from "@dyninfra/bgp-wire";
import { listEqual, mix, path, pathEqual, str } from "./attribute-hash";
import type { PartsAdopter } from "./codec";

/**
 * Open-addressing set of values by a 32-bit hash (no deletion: cleared and rebuilt). A probe reads
 * the hashes (an Int32Array, 0 = empty: stored hashes are never 0) and a value only when its hash
 * matches, so that a miss walks one or two cache lines instead of reading a pointer and a hash a
 * slot.
 */
class Interner<T> {
  private hashes = new Int32Array(256);
  private values: (T | undefined)[] = new Array(256).fill(undefined);
  size = 0;

  constructor(
    private readonly hash: (v: T) => number,
    private readonly equal: (x: T, y: T) => boolean,
  ) {}

  /** The stored value equal to `v`, storing `make(v)` (by default `v`) when there is none. */
  get(v: T, make?: (v: T) => T): T {
    const h = this.hash(v) || 1;
    const hashes = this.hashes;
    const mask = hashes.length - 1;
    let i = h & mask;
    for (;;) {
      const x = hashes[i]!;
      if (x === 0) break;
      if (x === h) {
        const w = this.values[i]!;
        if (w === v || this.equal(w, v)) return w;
      }
      i = (i + 1) & mask;
    }
    const stored = make === undefined ? v : make(v);
    this.values[i] = stored;
    hashes[i] = h;
    if (++this.size * 4 > hashes.length * 3) this.resize(hashes.length * 2); // to 3/4 full
    return stored;
  }

  clear(): void {
    this.hashes = new Int32Array(256);
    this.values = new Array(256).fill(undefined);
    this.size = 0;
  }

  private resize(n: number): void {
    const hs = this.hashes;
    const vs = this.values;
    this.hashes = new Int32Array(n);
    this.values = new Array(n).fill(undefined);
    const mask = n - 1;
    for (let k = 0; k < hs.length; k++) {
      const h = hs[k]!;
      if (h === 0) continue;
      let i = h & mask;
      while (this.hashes[i] !== 0) i = (i + 1) & mask;
      this.values[i] = vs[k];
      this.hashes[i] = h;
    }
  }
}

const numbersHash = (l: readonly number[]): number => {
  let h = mix(0x2545f491, l.length);
  for (let i = 0; i < l.length; i++) h = mix(h, l[i]!);
  return h | 0;
};
const stringsHash = (l: readonly string[]): number => {
  let h = mix(0x3c6ef372, l.length);
  for (let i = 0; i < l.length; i++) h = str(h, l[i]!);
  return h | 0;
};
const same = <T>(a: T, b: T): boolean => a === b;
const NO_SET: PathAttributes = {};

export type Mutable = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

/** For {@link StoredSet}'s localPref: store the set without LOCAL_PREF. */
const NO_LOCAL_PREF = -1;

type MpReach = NonNullable<PathAttributes["mpReachNlri"]>;

/** What changes in a set sent to an external neighbour (see {@link ebgpSet}). */
interface EbgpChanges {
  asPath: AsPath;
  /** `undefined`: the set's own; `null`: none. */
  nextHop: string | undefined | null;
  /** `undefined`: the set's own; `null`: none. */
  mpReach: MpReach | undefined | null;
  /** `undefined`: none. */
  med: number | undefined;
  /** `undefined`: none. */
  unknown: PathAttributes["unknown"];
}

/**
 * A stored attribute set: a plain object (prototype `Object.prototype`) with the present
 * attributes of `a`, in type-code order. Made by a constructor so that V8 keeps the properties
 * inside the object: an object grown from `{}` (as decoders build them) or copied with spread
 * holds 4 there and the rest in a separate property array — ~24 bytes and one heap object more
 * per set, on a full table 180k objects the garbage collector marks. With `ebgp`, `a` as sent to
 * an external neighbour: those changes made, without ORIGINATOR_ID and CLUSTER_LIST.
 */
const StoredSet = function StoredSet(
  this: Mutable,
  a: PathAttributes,
  localPref?: number,
  ebgp?: EbgpChanges,
) {
  // localPref: undefined keeps a's, NO_LOCAL_PREF drops it, a number replaces it.
  if (a.origin !== undefined) this.origin = a.origin;
  const asPath = ebgp === undefined ? a.asPath : ebgp.asPath;
  if (asPath !== undefined) this.asPath = asPath;
  const nextHop = ebgp === undefined || ebgp.nextHop === undefined ? a.nextHop : ebgp.nextHop;
  if (nextHop !== undefined && nextHop !== null) this.nextHop = nextHop;
  const med = ebgp === undefined ? a.multiExitDisc : ebgp.med;
  if (med !== undefined) this.multiExitDisc = med;
  const lp = localPref === undefined ? a.localPref : localPref;
  if (lp !== undefined && lp !== NO_LOCAL_PREF) this.localPref = lp;
  if (a.atomicAggregate !== undefined) this.atomicAggregate = a.atomicAggregate;
  if (a.aggregator !== undefined) this.aggregator = a.aggregator;
  if (a.communities !== undefined) this.communities = a.communities;
  if (ebgp === undefined) {
    if (a.originatorId !== undefined) this.originatorId = a.originatorId;
    if (a.clusterList !== undefined) this.clusterList = a.clusterList;
  }
  const mpReach = ebgp === undefined || ebgp.mpReach === undefined ? a.mpReachNlri : ebgp.mpReach;
  if (mpReach !== undefined && mpReach !== null) this.mpReachNlri = mpReach;
  if (a.mpUnreachNlri !== undefined) this.mpUnreachNlri = a.mpUnreachNlri;
  if (a.extendedCommunities !== undefined) this.extendedCommunities = a.extendedCommunities;
  if (a.as4Path !== undefined) this.as4Path = a.as4Path;
  if (a.as4Aggregator !== undefined) this.as4Aggregator = a.as4Aggregator;
  if (a.largeCommunities !== undefined) this.largeCommunities = a.largeCommunities;
  if (a.onlyToCustomer !== undefined) this.onlyToCustomer = a.onlyToCustomer;
  const unknown = ebgp === undefined ? a.unknown : ebgp.unknown;
  if (unknown !== undefined) this.unknown = unknown;
} as unknown as {
  new (a: PathAttributes, localPref?: number, ebgp?: EbgpChanges): PathAttributes;
  prototype: object;
};
StoredSet.prototype = Object.prototype;
// V8 sizes a constructor's objects by the largest of its first few ("slack tracking"): room for
// eight attributes (ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR,
// COMMUNITIES) holds ~88 % of the 2015 full table's sets whole (most have 7 or 8); more spill over.
{
  const eight: PathAttributes = {
    origin: "IGP",
    asPath: [],
    nextHop: "",
    multiExitDisc: 0,
    localPref: 0,
    atomicAggregate: true,
    aggregator: { asn: 0, address: "" },
    communities: [],
  };
  for (let i = 0; i < 8; i++) new StoredSet(eight);
}

/**
 * An empty set made as the stored sets are (see StoredSet): a decoder that adds the attributes in
 * type-code order builds an object of the stored sets' shape, which the store can keep as it is
 * ({@link AttributeStore.peekOwned}).
 */
export function emptyStoredSet(): Mutable {
  return new StoredSet(NO_SET);
}

/**
 * A copy of `a` (sharing its parts) with LOCAL_PREF `lp` (`undefined`: without one), made as the
 * stored sets are (see StoredSet).
 */
export function withLocalPref(a: PathAttributes, lp: number | undefined): PathAttributes {
  return new StoredSet(a, lp ?? NO_LOCAL_PREF);
}

/**
 * Set `a` as sent to a neighbour that gets LOCAL_PREF: `a` itself when it has one, else a copy
 * with `defaultLocalPref` (Adj-RIBs-Out towards such neighbours leave the default out).
 */
export function withDefaultLocalPref(a: PathAttributes, defaultLocalPref: number): PathAttributes {
  return a.localPref === undefined ? withLocalPref(a, defaultLocalPref) : a;
}

/** The changes of the next {@link ebgpSet} (read only while its set is made). */
const NONE_PATH: AsPath = Object.freeze([]);
const EBGP: EbgpChanges = {
  asPath: NONE_PATH,
  nextHop: undefined,
  mpReach: undefined,
  med: undefined,
  unknown: undefined,
};

/**
 * Set `a` as sent to an external neighbour, made in one step (not by rest/spread copies, which V8
 * runs on a slow generic path) and in the stored sets' shape: without LOCAL_PREF, ORIGINATOR_ID
 * and CLUSTER_LIST (RFC 4271 §5.1.5, RFC 4456 §8), with MULTI_EXIT_DISC `med` (none when
 * `undefined`, §5.1.4), AS_PATH `asPath`, NEXT_HOP `nextHop` and MP_REACH_NLRI `mpReach` (each
 * `undefined`: `a`'s, `null`: none) and the unknown attributes `unknown` (those to re-advertise;
 * `undefined`: none).
 */
export function ebgpSet(
  a: PathAttributes,
  asPath: AsPath,
  nextHop: string | undefined | null,
  mpReach: MpReach | undefined | null,
  med: number | undefined,
  unknown: PathAttributes["unknown"],
): PathAttributes {
  EBGP.asPath = asPath;
  EBGP.nextHop = nextHop;
  EBGP.mpReach = mpReach;
  EBGP.med = med;
  EBGP.unknown = unknown;
  const made = new StoredSet(a, NO_LOCAL_PREF, EBGP);
  EBGP.asPath = NONE_PATH; // keeps nothing of the set alive
  EBGP.nextHop = EBGP.mpReach = EBGP.med = EBGP.unknown = undefined;
  return made;
}

/**
 * The parts that many attribute sets of a table have in common — AS_PATHs, community lists,
 * CLUSTER_LISTs, AGGREGATORs, addresses — kept once: a set the RIB stores refers to the shared
 * copy of each (equal by value to what it was given). On a full table this halves the memory of
 * the attribute sets (a decoded set is ~450 bytes of objects, most of them repeated elsewhere).
 * Entries are not counted: {@link SharedParts.rebuild} starts afresh from the live sets when the
 * tables have grown well past them.
 */
export class SharedParts {
  private readonly strings = new Map<string, string>();
  /** The string {@link SharedParts.string} returned last (it is in `strings`). */
  private lastString = "";
  private readonly singleClusters = new Map<string, readonly string[]>();
  private readonly paths = new Interner<AsPath>((p) => path(0x6a09e667, p) | 0, pathEqual);
  private readonly numberLists = new Interner<readonly number[]>(numbersHash, (x, y) =>
    listEqual(x, y, same),
  );
  private readonly stringLists = new Interner<readonly string[]>(stringsHash, (x, y) =>
    listEqual(x, y, same),
  );
  private readonly aggregators = new Interner<Aggregator>(
    (g) => str(mix(0x510e527f, g.asn), g.address) | 0,
    (x, y) => x.asn === y.asn && x.address === y.address,
  );

  /** Entries held (all tables). */
  get size(): number {
    return (
      this.strings.size +
      this.singleClusters.size +
      this.paths.size +
      this.numberLists.size +
      this.stringLists.size +
      this.aggregators.size
    );
  }

  /**
   * This table's copy of each kind of part, for a reader that builds sets from parts (a session
   * snapshot's tables): sets made of them are stored without looking their parts up again.
   */
  readonly adopter: PartsAdopter = {
    string: (s) => this.string(s),
    path: (p) => this.paths.get(p),
    numbers: (l) => this.numberLists.get(l),
    aggregator: (g) => this.aggregators.get(g),
    clusterList: (l) => this.clusterList(l),
  };

  private string(s: string): string {
    // Next hops repeat from set to set (one per neighbour, mostly) but arrive as fresh strings,
    // whose hash the Map would compute first: comparing with the last one found is cheaper.
    if (s === this.lastString) return this.lastString;
    let t = this.strings.get(s);
    if (t === undefined) {
      this.strings.set(s, s);
      t = s;
    }
    this.lastString = t;
    return t;
  }

  /**
   * A copy of `a` to store, with shared parts. Parts that are the very objects of `from` (a stored
   * set `a` was derived from) are shared already and not looked up.
   */
  canonical(a: PathAttributes, from?: PathAttributes, dropLocalPref = false): PathAttributes {
    const f = from ?? NO_SET;
    const asPath =
      a.asPath === undefined || a.asPath === f.asPath ? a.asPath : this.paths.get(a.asPath);
    const nextHop =
      a.nextHop === undefined || a.nextHop === f.nextHop ? a.nextHop : this.string(a.nextHop);
    const communities =
      a.communities === undefined || a.communities === f.communities
        ? a.communities
        : this.numberLists.get(a.communities);
    const originatorId =
      a.originatorId === undefined || a.originatorId === f.originatorId
        ? a.originatorId
        : this.string(a.originatorId);
    const clusterList =
      a.clusterList === undefined || a.clusterList === f.clusterList
        ? a.clusterList
        : this.clusterList(a.clusterList);
    const aggregator =
      a.aggregator === undefined || a.aggregator === f.aggregator
        ? a.aggregator
        : this.aggregators.get(a.aggregator);
    const c: Mutable = new StoredSet(a, dropLocalPref ? NO_LOCAL_PREF : undefined);
    if (asPath !== undefined) c.asPath = asPath;
    if (nextHop !== undefined) c.nextHop = nextHop;
    if (communities !== undefined) c.communities = communities;
    if (originatorId !== undefined) c.originatorId = originatorId;
    if (clusterList !== undefined) c.clusterList = clusterList;
    if (aggregator !== undefined) c.aggregator = aggregator;
    return c;
  }

  private clusterList(l: readonly string[]): readonly string[] {
    if (l.length !== 1) return this.stringLists.get(l, this.newClusterList);
    // Mostly one cluster: looked up by its text (V8 caches a string's hash).
    const shared = this.singleClusters.get(l[0]!);
    if (shared !== undefined) return shared;
    const made = this.newClusterList(l);
    this.singleClusters.set(made[0]!, made);
    return made;
  }

  /** A list new to the table is stored with its addresses shared too. */
  private readonly newClusterList = (l: readonly string[]): readonly string[] => {
    let same = true;
    for (let i = 0; i < l.length && same; i++) same = this.string(l[i]!) === l[i];
    return same ? l : l.map((x) => this.string(x));
  };

  /** Forgets every entry, then registers the parts of the given (live, canonical) sets. */
  rebuild(live: Iterable<PathAttributes>): void {
    this.strings.clear();
    this.lastString = "";
    this.singleClusters.clear();
    this.paths.clear();
    this.numberLists.clear();
    this.stringLists.clear();
    this.aggregators.clear();
    for (const a of live) this.canonical(a);
  }
}
