import {
  type AsPath,
  type PathAttributes,
  type Prefix,
  readvertiseUnknownAttributes,
  reconcileAsPath,
  type UpdateMessage,
  WELL_KNOWN_COMMUNITY,
} from "@dyninfra/bgp-wire";
import {
  type DecisionCandidate,
  type DecisionOptions,
  type DecisionStep,
  effectiveMed,
  explainDecision,
  type PeerKind,
  selectBest,
  selectMultipath,
} from "./decision";
import { BgpRibError } from "./errors";
import { type Fib, fibWithExactTable } from "./fib";
import { pathEqual } from "./internal/attribute-hash";
import {
  AttributeStore,
  CONFED_SEGMENT,
  HAS_LOCAL_PREF,
  HAS_MED,
  HAS_ORIGINATOR,
  IPV6_NEXT_HOP,
  LLGR_STALE,
  NO_ADVERTISE,
  NO_EXPORT,
  NO_EXPORT_SUBCONFED,
  NO_LLGR,
  SET_SEGMENT,
} from "./internal/attribute-store";
import {
  crc32,
  PartsWriter,
  Reader,
  readAttributes,
  readParts,
  Writer,
  writeAttributes,
} from "./internal/codec";
import { IndexedExact4 } from "./internal/fib-index";
import { GroupTable } from "./internal/group-table";
import { IntMap, MISSING } from "./internal/int-map";
import { reachWith, selfHop, withHop } from "./internal/next-hop";
import {
  fastIpv4,
  grownCapacity,
  PrefixTable,
  resized,
  resizedFilled,
} from "./internal/prefix-table";
import { ebgpSet, withDefaultLocalPref } from "./internal/shared-parts";
import { batchInts, IntList } from "./internal/slab";
import { type IpPrefix, maskWords, parsePrefix } from "./ip";
import {
  type AddPathSettings,
  BGP_ROLES,
  type BgpRole,
  type PeerConfig,
  peerKind,
  type RouterConfig,
} from "./peer";
import { isPrivateAsn, type Policy, type PolicyPeer, prependAs, replaceAsns } from "./policy";

/** Routes with one attribute set, as in one UPDATE message. */
export interface Announcement {
  /** The attribute set. */
  readonly attributes: PathAttributes;
  /** The prefixes (with Path Identifiers on ADD-PATH sessions). */
  readonly nlri: readonly Prefix[];
}

/** A batch received from a neighbour: withdrawals, then announcements (RFC 4271 §9 order). */
export interface RibUpdate {
  /** Withdrawn prefixes. */
  readonly withdrawn?: readonly Prefix[];
  /** Announced prefixes grouped by attribute set. */
  readonly announced?: readonly Announcement[];
}

/** A route in one of the RIB's views. */
export interface Route {
  /** The prefix (with the Path Identifier when one applies). */
  readonly prefix: Prefix;
  /** Its attributes. */
  readonly attributes: PathAttributes;
  /** Address of the neighbour it was learned from (`"local"` for originated routes). */
  readonly peer: string;
}

/** A change of the Loc-RIB for one prefix. */
export interface LocRibChange {
  /** The prefix. */
  readonly prefix: Prefix;
  /** The best route before (undefined if there was none). */
  readonly previous: Route | undefined;
  /** The best route now (undefined if there is none). */
  readonly current: Route | undefined;
  /**
   * With multipath ({@link DecisionOptions.maximumPaths}): the routes forwarded over before, when
   * there were several (the best first; see {@link Rib.multipath}).
   */
  readonly previousMultipath?: readonly Route[];
  /**
   * With multipath: the routes forwarded over now, when there are several (the best first). A
   * change is reported also when only these changed (`previous` and `current` then name the same
   * route).
   */
  readonly multipath?: readonly Route[];
}

/**
 * What to send to one neighbour: withdrawals and announcements grouped by attribute set, so that
 * each group packs into UPDATE messages with one Path Attributes field.
 */
export interface AdjRibOutUpdate {
  /** Prefixes to withdraw. */
  readonly withdrawn: readonly Prefix[];
  /** Prefixes to announce, grouped by attribute set in first-change order. */
  readonly announced: readonly Announcement[];
}

/** The result of applying a change to the RIB. */
export interface ChangeSet {
  /** Loc-RIB changes, in processing order. */
  readonly locRib: readonly LocRibChange[];
  /** Per neighbour address, the Adj-RIB-Out delta to send (only neighbours with something). */
  readonly adjRibOut: ReadonlyMap<string, AdjRibOutUpdate>;
}

/** Why a received route is not in the Adj-RIB-In (post-policy). */
export type RejectReason =
  | "import-policy"
  | "rfc8212"
  | "as-loop"
  | "originator-id"
  | "cluster-list"
  | "confed-segment-from-ebgp"
  | "route-leak"
  | "as-set"
  | "as-confed-loop";

const REASONS: (RejectReason | undefined)[] = [
  undefined,
  "import-policy",
  "rfc8212",
  "as-loop",
  "originator-id",
  "cluster-list",
  "confed-segment-from-ebgp",
  "route-leak",
  "as-set",
  "as-confed-loop",
];

/** One line of {@link Explanation.candidates}. */
export interface ExplainedRoute {
  /** 0 for the best route. */
  readonly rank: number;
  /** The candidate (post-policy attributes). */
  readonly route: Route;
  /** Whether its NEXT_HOP resolves. */
  readonly eligible: boolean;
  /** The step that decided against the route ranked just above (undefined for the best). */
  readonly decidedBy: DecisionStep | undefined;
  /** The values compared by the decision process. */
  readonly values: DecisionCandidate;
  /**
   * With multipath: `true` for each of the routes forwarded over when there are several (the
   * best included; see {@link Rib.multipath}); absent otherwise.
   */
  readonly multipath?: true;
}

/** The decision process for one prefix, explained (see {@link Rib.explain}). */
export interface Explanation {
  /** The prefix. */
  readonly prefix: Prefix;
  /** The candidates, best first. */
  readonly candidates: readonly ExplainedRoute[];
  /** Routes received but not candidates, and why. */
  readonly rejected: readonly { readonly route: Route; readonly reason: RejectReason }[];
}

/**
 * What a neighbour sent that the RIB refused or that changed nothing, counted as it arrived since
 * the session came up (see {@link Rib.receiveCounters}) — the counters a BMP Statistics Report
 * carries (RFC 7854 §4.8). Routes refused again when a policy or the RPKI data changes later are
 * not counted again.
 */
export interface ReceiveCounters {
  /** Routes (prefixes) refused by import processing, per reason. */
  readonly rejectedRoutes: Readonly<Record<RejectReason, number>>;
  /**
   * Announcements — one attribute set with its prefixes, as one UPDATE carries them — with at
   * least one route refused for the reason.
   */
  readonly rejectedAnnouncements: Readonly<Record<RejectReason, number>>;
  /** Routes announced again with the attributes the Adj-RIB-In already has for them. */
  readonly duplicateAnnouncements: number;
  /** Withdrawals of routes the Adj-RIB-In does not have. */
  readonly duplicateWithdrawals: number;
  /**
   * UPDATEs (batches given to {@link Rib.update}, or each of {@link Rib.updateMany}'s) with at
   * least one route, every one of them a duplicate announcement or withdrawal: they changed
   * nothing (End-of-RIB markers, with no route, are not counted).
   */
  readonly duplicateUpdates: number;
}

/** An entry of a session journal (see {@link Rib.sessionJournal}). */
export type JournalEntry =
  | { readonly seq: number; readonly direction: "in"; readonly update: RibUpdate }
  | { readonly seq: number; readonly direction: "out"; readonly update: AdjRibOutUpdate };

/** The result of {@link Rib.importSession}. */
export interface SessionImport {
  /** Address of the imported neighbour. */
  readonly peer: string;
  /** The snapshot's sequence number. */
  readonly seq: number;
  /**
   * The incremental update for the neighbour: exactly the difference between what the old router
   * had advertised and what this router advertises (empty when `hold`, see
   * {@link Rib.resumeOutput}).
   */
  readonly neighbor: AdjRibOutUpdate;
  /** Loc-RIB changes and deltas for this router's other neighbours. */
  readonly changes: ChangeSet;
}

/** Options of {@link Rib.importSession}: the parts of a session a snapshot cannot carry. */
export interface SessionImportOptions {
  /** Import policy of the session on this router. */
  readonly importPolicy?: Policy;
  /** Export policy of the session on this router. */
  readonly exportPolicy?: Policy;
  /** Our address on the session (defaults to the snapshot's). */
  readonly localAddress?: string;
  /** Keep the neighbour's output pending until {@link Rib.resumeOutput}. */
  readonly hold?: boolean;
}

/** Options of {@link Rib.peerUp}. */
export interface PeerUpOptions {
  /**
   * Do not export the whole table at once: it is exported a slice at a time by
   * {@link Rib.initialExport} (so that a caller can let other work run between slices of a full
   * table). Default false.
   */
  readonly slicedInitialExport?: boolean;
  /**
   * Whether the neighbour advertised the Long-Lived Graceful Restart capability on this session
   * (RFC 9494): replaces {@link PeerConfig.longLivedGracefulRestart} from now on.
   */
  readonly longLivedGracefulRestart?: boolean;
  /**
   * Whether Extended Next Hop Encoding (RFC 8950) is in use on this session: replaces
   * {@link PeerConfig.extendedNextHop} from now on.
   */
  readonly extendedNextHop?: boolean;
  /**
   * Our IPv6 link-local address on the link of this session (a session between link-local
   * addresses, say): replaces {@link PeerConfig.localLinkLocalAddress} from now on; `""` removes it.
   */
  readonly localLinkLocalAddress?: string;
}

/** Options of {@link Rib.peerDown}. */
export interface PeerDownOptions {
  /**
   * Graceful restart, receiving speaker (RFC 4724 §4.2): keep the neighbour's routes, marked
   * stale, instead of withdrawing them; {@link Rib.sweepStale} removes those not refreshed.
   */
  readonly retainStale?: boolean;
  /**
   * With `retainStale`: the address families (AFI 1 IPv4, 2 IPv6) whose routes are retained;
   * the neighbour's routes of the others are withdrawn (RFC 4724 §4.2: only the families its
   * Graceful Restart capability listed are kept). Default: every family.
   */
  readonly afis?: readonly number[];
}

/** Counts describing the RIB's size. */
export interface RibStats {
  /** Distinct prefixes seen. */
  readonly prefixes: number;
  /** Paths in the Adj-RIBs-In. */
  readonly paths: number;
  /** Prefixes with a best route. */
  readonly locRibRoutes: number;
  /** Live interned attribute sets. */
  readonly attributeSets: number;
}

interface PeerState {
  readonly idx: number;
  /** Paths in its Adj-RIB-In (pre-policy), IPv4 and IPv6. */
  in4: number;
  in6: number;
  /** Of those, accepted by import processing (post-policy). */
  acc4: number;
  acc6: number;
  /**
   * Routes in its own Adj-RIB-Out (`sent` and `sentMulti`), IPv4 and IPv6 (while in a shared
   * table, see {@link SharedOut.c4}).
   */
  out4: number;
  out6: number;
  /**
   * Counters since the session came up (see {@link Rib.receiveCounters}): per reject reason code,
   * routes at [code] and announcements (attribute sets) at [RX_UPDATES + code]; duplicate
   * announcements at [DUP_ANNOUNCED], withdrawals at [DUP_WITHDRAWN], UPDATEs at [DUP_UPDATES].
   */
  rx: Float64Array;
  config: PeerConfig;
  readonly kind: PeerKind;
  readonly address: string;
  readonly bgpId: number;
  /** The neighbour as policies see it (made again when the session's settings change it). */
  policyPeer: PolicyPeer;
  up: boolean;
  held: boolean;
  /**
   * Initial export in slices ({@link Rib.initialExport}): the next prefix index to export, or -1
   * when none is under way.
   */
  sweep: number;
  /**
   * What the neighbour has (cumulative view): attribute id per prefix, -1 none. Empty while the
   * neighbour is a member of a {@link SharedOut}, whose table is its view then.
   */
  sent: Int32Array;
  /** The shared Adj-RIB-Out of its update group, while the neighbour is in step with it. */
  shared: SharedOut | undefined;
  /**
   * While the neighbour's output is held (and until the flush that follows): the desired state
   * of each prefix changed since the last flush (ids owned), NOT_PENDING if none — a prefix may
   * change many times before the flush.
   */
  pendVal: Int32Array | undefined;
  /** Prefixes with a pending desired state (in first-change order). */
  pendList: IntList;
  /**
   * Otherwise the desired states of `pendList`'s prefixes, in its order (ids owned): a neighbour
   * not held is flushed right after its export, in which each prefix is queued at most once.
   */
  pendIds: IntList;
  /**
   * ADD-PATH send: the families it is on for ({@link familyMask} bits; 0 when off) and, for
   * their prefixes, prefix → (path id → attribute id); prefixes of the other families use `sent`.
   */
  multiMask: number;
  sentMulti: Map<number, Map<number, number>> | undefined;
  pendingMulti: Map<number, Map<number, number>> | undefined;
  /**
   * Export results across batches (slot of post-policy set, family and locality → exported set
   * or -1); cleared whenever the attribute store frees an id. Shared by every neighbour with the
   * same export signature (an update group, see {@link Rib.exportGroup}): what they are sent is
   * computed once per attribute set, not once per neighbour.
   */
  exportCache: IntMap;
  /** Counter of batches received and deltas sent on this session. */
  seq: number;
  /** Highest journal sequence number replayed from the router the session came from. */
  replayed: number;
  journal: JournalEntry[] | undefined;
}

/**
 * The Adj-RIB-Out of the eBGP members of one update group that are in step with each other (as
 * FRR shares one per update sub-group): a member has what the table says for a prefix unless the
 * route came from it, in which case it has nothing (a route is not sent back to the neighbour it
 * came from — the only way an eBGP member's view differs within its group). Kept once instead of
 * once per member: a batch costs the group once, plus the members the batch's routes came from.
 */
interface SharedOut {
  /** The group's export cache (its identity). */
  readonly key: IntMap;
  /** Attribute id per prefix (one reference held), -1 none. */
  ids: Int32Array;
  /** Index of the peer the prefix's route came from, -1 none. */
  src: Int32Array;
  readonly members: Set<PeerState>;
  /** The batch whose changes the entries below hold. */
  batch: number;
  /** Entries: prefix, previous and new (id, source) — only prefixes whose state changed. */
  n: number;
  eP: Int32Array;
  eOldId: Int32Array;
  eOldSrc: Int32Array;
  eNewId: Int32Array;
  eNewSrc: Int32Array;
  /** Per peer index: the batch whose entries name it as a source (its delta is its own). */
  involved: Int32Array;
  /** The batch's delta for members not involved (made on first use). */
  delta: AdjRibOutUpdate | undefined;
  /** Entries with a route (id ≥ 0), IPv4 and IPv6. */
  c4: number;
  c6: number;
  /** Of those, per source peer index: [IPv4, IPv6] (a member has the others). */
  own: Map<number, [number, number]>;
}

const LOCAL = "local";
const ROLES: ReadonlySet<string> = new Set(BGP_ROLES);
/**
 * RFC 9234 §5: with our role `r`, the neighbour is a provider, a route server or a peer — OTC is
 * added to what it sends without one, and nothing with OTC is sent to it.
 */
const aboveOrPeer = (r: BgpRole): boolean => r === "customer" || r === "rs-client" || r === "peer";
/** …or a customer, a route-server client or a peer: OTC is added to what is sent to it. */
const belowOrPeer = (r: BgpRole): boolean => r === "provider" || r === "rs" || r === "peer";
const NOT_PENDING = -2;
/** Not yet computed in this batch (see Rib.exportChanged). */
const UNKNOWN_EXPORT = -3;
/**
 * What a set's export to a neighbour depends on besides the set `post`: the family, and whether
 * the route is local (its MED is kept towards eBGP) — one number, the key of the export caches.
 */
const exportSlot = (post: number, v6: boolean, from: { readonly idx: number }): number =>
  post * 4 + (v6 ? 2 : 0) + (from.idx === 0 ? 1 : 0);
/** …and, when the route is reflected, the neighbour it came from (ORIGINATOR_ID). */
const reflectedKey = (slot: number, from: { readonly idx: number }): number =>
  slot * 4096 + from.idx;
/** Results of Rib.exportRule. */
const NOT_SENT = -1;
const SENT = 0;
const REFLECTED = 1;
/** pReason bit: retained stale across a graceful restart. */
const STALE = 0x80;
const R_POLICY = 1;
const R_8212 = 2;
const R_ASLOOP = 3;
const R_ORIGINATOR = 4;
const R_CLUSTER = 5;
const R_CONFED = 6;
const R_LEAK = 7;
const R_AS_SET = 8;
const R_CONFED_LOOP = 9;
/** Indices of {@link PeerState.rx}: after the routes and announcements per reason (10 each). */
const RX_UPDATES = 10;
const DUP_ANNOUNCED = 20;
const DUP_WITHDRAWN = 21;
const DUP_UPDATES = 22;
const RX_SIZE = 23;
const MAGIC = 0x42475253; // "BGRS"
const VERSION = 2;
/** A route in a snapshot takes at most: AFI, length, 16 prefix bytes, path id, 5-byte varint. */
const MAX_ROUTE_BYTES = 2 + 16 + 4 + 5;
/**
 * Snapshot flag: a section after the Adj-RIB-Out lists the Adj-RIB-In routes retained stale
 * (graceful restart, RFC 4724 §4.2, not yet re-announced or swept).
 */
const FLAG_STALE = 0x01;
/** Scratch arrays longer than this (entries) are given back after the batch that grew them. */
const SCRATCH_KEEP = 65536;

/**
 * Loc-RIB changes of a batch, recorded as three integers per change in `ints` (prefix index,
 * previous peer index, current peer index; -1 for none) and two attribute sets in `sets`
 * (previous, current), materialized on first read. The recorded values are immutable (interned
 * attribute objects, prefix indices that are never reused, peers that keep their configured
 * address), so a later read sees the batch as it was.
 *
 * The lazy lists are getters on the class prototype, not in each object: V8 keeps the accessors
 * of an object literal's `get x()` in old space, so every captured record outlived its batch
 * until a full collection (on a full-table ingest, ~40 MB promoted per run and the scavenges
 * copying it). `toJSON` shows them to JSON.stringify.
 */
class LazyChangeSet implements ChangeSet {
  readonly adjRibOut: ReadonlyMap<string, AdjRibOutUpdate>;
  #prefixes: PrefixTable;
  #peers: readonly PeerState[];
  #ints: Int32Array;
  #sets: readonly (PathAttributes | undefined)[];
  #n: number;
  #multi: readonly (readonly Route[] | undefined)[] | undefined;
  #list: LocRibChange[] | undefined;

  /**
   * `n` records: (prefix, old peer, new peer) in `ints`, (old set, new set) in `sets`, (routes
   * forwarded over before, now) in `multi` where multipath has several.
   */
  constructor(
    prefixes: PrefixTable,
    peers: readonly PeerState[],
    ints: Int32Array,
    sets: readonly (PathAttributes | undefined)[],
    n: number,
    adjRibOut: ReadonlyMap<string, AdjRibOutUpdate>,
    multi?: readonly (readonly Route[] | undefined)[],
  ) {
    this.#multi = multi;
    this.adjRibOut = adjRibOut;
    this.#prefixes = prefixes;
    this.#peers = peers;
    this.#ints = ints;
    this.#sets = sets;
    this.#n = n;
    this.#list = undefined;
  }

  get locRib(): readonly LocRibChange[] {
    if (this.#list === undefined) {
      const ints = this.#ints;
      const sets = this.#sets;
      const peers = this.#peers;
      const n = this.#n;
      const list: LocRibChange[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const prefix = this.#prefixes.prefix(ints[3 * k]!);
        const pa = sets[2 * k];
        const ca = sets[2 * k + 1];
        list[k] = {
          prefix,
          previous:
            pa === undefined
              ? undefined
              : { prefix, attributes: pa, peer: peers[ints[3 * k + 1]!]!.config.address },
          current:
            ca === undefined
              ? undefined
              : { prefix, attributes: ca, peer: peers[ints[3 * k + 2]!]!.config.address },
        };
      }
      const multi = this.#multi;
      if (multi !== undefined)
        for (let k = 0; k < n; k++) {
          const was = multi[2 * k];
          const now = multi[2 * k + 1];
          if (was === undefined && now === undefined) continue;
          const c: { -readonly [K in keyof LocRibChange]: LocRibChange[K] } = list[k]!;
          if (was !== undefined) c.previousMultipath = was;
          if (now !== undefined) c.multipath = now;
        }
      this.#list = list;
    }
    return this.#list;
  }

  toJSON(): ChangeSet {
    return { locRib: this.locRib, adjRibOut: this.adjRibOut };
  }
}

const NONE: readonly never[] = Object.freeze([]);

/** See Rib.frozenSets: an id and the stored set it had (ids are reused once freed). */
interface FrozenEntry {
  readonly id: number;
  readonly set: PathAttributes;
}

/**
 * The Adj-RIB-Out deltas of a batch that sends nothing (most batches of a RIB with many
 * neighbours): one shared read-only map, not a new `Map` per batch. It has no `set`.
 */
class NoDeltas implements ReadonlyMap<string, AdjRibOutUpdate> {
  // A getter, as a Map's: no own property for JSON.stringify to show.
  get size(): number {
    return 0;
  }
  get(_key: string): AdjRibOutUpdate | undefined {
    return undefined;
  }
  has(_key: string): boolean {
    return false;
  }
  forEach(): void {}
  entries(): MapIterator<[string, AdjRibOutUpdate]> {
    return new Map<string, AdjRibOutUpdate>().entries();
  }
  keys(): MapIterator<string> {
    return new Map<string, AdjRibOutUpdate>().keys();
  }
  values(): MapIterator<AdjRibOutUpdate> {
    return new Map<string, AdjRibOutUpdate>().values();
  }
  [Symbol.iterator](): MapIterator<[string, AdjRibOutUpdate]> {
    return this.entries();
  }
}
const NO_DELTAS: ReadonlyMap<string, AdjRibOutUpdate> = Object.freeze(new NoDeltas());

/**
 * The Adj-RIB-Out deltas of a batch that sends to one neighbour (most batches of a RIB with one
 * or two neighbours, or whose neighbours share an update group but one): a two-field object
 * instead of a `Map` (~200 bytes of garbage per batch).
 */
class OneDelta implements ReadonlyMap<string, AdjRibOutUpdate> {
  get size(): number {
    return 1;
  }
  readonly #key: string;
  readonly #value: AdjRibOutUpdate;
  constructor(key: string, value: AdjRibOutUpdate) {
    this.#key = key;
    this.#value = value;
  }
  get(key: string): AdjRibOutUpdate | undefined {
    return key === this.#key ? this.#value : undefined;
  }
  has(key: string): boolean {
    return key === this.#key;
  }
  forEach(
    f: (value: AdjRibOutUpdate, key: string, map: ReadonlyMap<string, AdjRibOutUpdate>) => void,
    thisArg?: unknown,
  ): void {
    f.call(thisArg, this.#value, this.#key, this);
  }
  #map(): Map<string, AdjRibOutUpdate> {
    return new Map([[this.#key, this.#value]]);
  }
  entries(): MapIterator<[string, AdjRibOutUpdate]> {
    return this.#map().entries();
  }
  keys(): MapIterator<string> {
    return this.#map().keys();
  }
  values(): MapIterator<AdjRibOutUpdate> {
    return this.#map().values();
  }
  [Symbol.iterator](): MapIterator<[string, AdjRibOutUpdate]> {
    return this.entries();
  }
}
/** The records of a batch that changed no best route. */
const NO_RECORDS = new Int32Array(0);

const EMPTY_DELTA: AdjRibOutUpdate = Object.freeze({
  withdrawn: Object.freeze([]) as readonly Prefix[],
  announced: Object.freeze([]) as readonly Announcement[],
});

/** A change set with other Adj-RIB-Out deltas, its Loc-RIB changes still unread. */
class ChangeSetWithAdjRibOut implements ChangeSet {
  readonly adjRibOut: ReadonlyMap<string, AdjRibOutUpdate>;
  #of: ChangeSet;

  constructor(of: ChangeSet, adjRibOut: ReadonlyMap<string, AdjRibOutUpdate>) {
    this.adjRibOut = adjRibOut;
    this.#of = of;
  }

  get locRib(): readonly LocRibChange[] {
    return this.#of.locRib;
  }

  toJSON(): ChangeSet {
    return { locRib: this.locRib, adjRibOut: this.adjRibOut };
  }
}

/**
 * One neighbour's delta of a batch, in one flat array `buf`: the group offsets (G + 1 of them),
 * then the announcements as (prefix index, path id or -1) pairs, one run per attribute set (group
 * g is `buf[buf[g] .. buf[g + 1])`), then the withdrawals as such pairs from `buf[G]` to the end.
 * Materialized as `bgp-wire` prefixes on first read (prototype getters, as in
 * {@link LazyChangeSet}).
 */
class LazyDelta implements AdjRibOutUpdate {
  #prefixes: PrefixTable;
  #buf: Int32Array;
  #attributes: PathAttributes[];
  #localPref: number;
  #withdrawn: Prefix[] | undefined;
  #announced: Announcement[] | undefined;

  /**
   * `localPref` ≥ 0: the delta is for a neighbour that gets LOCAL_PREF, and a set without one is
   * sent with this one (the RIB's default; see Rib.outSet); -1: the sets as they are.
   */
  constructor(
    prefixes: PrefixTable,
    buf: Int32Array,
    attributes: PathAttributes[],
    localPref: number,
  ) {
    this.#prefixes = prefixes;
    this.#buf = buf;
    this.#attributes = attributes;
    this.#localPref = localPref;
    this.#withdrawn = undefined;
    this.#announced = undefined;
  }

  #prefix(p: number, pathId: number): Prefix {
    return pathId < 0 ? this.#prefixes.prefix(p) : { ...this.#prefixes.prefix(p), pathId };
  }

  get withdrawn(): readonly Prefix[] {
    if (this.#withdrawn === undefined) {
      const buf = this.#buf;
      const from = buf[this.#attributes.length]!;
      const w: Prefix[] = new Array((buf.length - from) >> 1);
      for (let i = from; i < buf.length; i += 2)
        w[(i - from) >> 1] = this.#prefix(buf[i]!, buf[i + 1]!);
      this.#withdrawn = w;
    }
    return this.#withdrawn;
  }

  get announced(): readonly Announcement[] {
    if (this.#announced === undefined) {
      const buf = this.#buf;
      const G = this.#attributes.length;
      const a: Announcement[] = new Array(G);
      for (let g = 0; g < G; g++) {
        const from = buf[g]!;
        const to = buf[g + 1]!;
        const nlri: Prefix[] = new Array((to - from) >> 1);
        for (let i = from; i < to; i += 2)
          nlri[(i - from) >> 1] = this.#prefix(buf[i]!, buf[i + 1]!);
        const attributes = this.#attributes[g]!;
        a[g] = {
          attributes:
            this.#localPref >= 0 ? withDefaultLocalPref(attributes, this.#localPref) : attributes,
          nlri,
        };
      }
      this.#announced = a;
    }
    return this.#announced;
  }

  toJSON(): AdjRibOutUpdate {
    return { withdrawn: this.withdrawn, announced: this.announced };
  }
}

/**
 * The family bits (1 IPv4, 2 IPv6) of an AFI or a list of them; every family when `afis` is undefined. An
 * AFI other than 1 and 2 is a BAD_CONFIG error naming `field`.
 */
/** The families of ADD-PATH send ({@link AddPathSettings.send}) as a {@link familyMask}; 0 if off. */
function sendMask(send: boolean | readonly number[] | undefined): number {
  if (send === undefined || send === false) return 0;
  return send === true ? 3 : familyMask(send, "addPath.send");
}

function familyMask(afis: number | readonly number[] | undefined, field: string): number {
  if (afis === undefined) return 3;
  let m = 0;
  for (const a of typeof afis === "number" ? [afis] : afis) {
    if (a !== 1 && a !== 2)
      throw new BgpRibError("BAD_CONFIG", `${field}: AFI ${a} is neither 1 (IPv4) nor 2 (IPv6)`, {
        field,
      });
    m |= a;
  }
  return m;
}

/**
 * The stale section of a snapshot (see FLAG_STALE): u32 count, then LEB128 gaps between the
 * positions of the stale routes in the Adj-RIB-In list of `n` routes. One byte per route, 1 if
 * stale.
 */
function readStale(r: Reader, n: number): Uint8Array {
  const at = r.pos;
  const count = r.u32("stale.count");
  if (count === 0 || count > n)
    throw new BgpRibError("BAD_SNAPSHOT", `stale route count ${count} (of ${n} routes)`, {
      offset: at,
      field: "stale.count",
    });
  const stale = new Uint8Array(n);
  let i = -1;
  for (let k = 0; k < count; k++) {
    const gapAt = r.pos;
    i += r.varint("stale.gap") + 1;
    if (i >= n)
      throw new BgpRibError("BAD_SNAPSHOT", `stale route ${i} out of range (${n} routes)`, {
        offset: gapAt,
        field: "stale.gap",
      });
    stale[i] = 1;
  }
  return stale;
}

function ipv4Number(s: string | undefined, field: string): number {
  const v = s === undefined ? -1 : fastIpv4(s);
  if (v < 0) throw new BgpRibError("BAD_CONFIG", `not an IPv4 address: ${s}`, { field });
  return v;
}

/** Whether two optional Int32Arrays hold the same values. */
function sameInts(a: Int32Array | undefined, b: Int32Array | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Neighbour `c` (of kind `kind`) as policies see it. */
function policyPeerOf(c: PeerConfig, kind: PeerKind): PolicyPeer {
  return {
    address: c.address,
    asn: c.asn,
    kind,
    ...(c.localAddress === undefined ? {} : { localAddress: c.localAddress }),
    ...(c.localIpv6Address === undefined ? {} : { localIpv6Address: c.localIpv6Address }),
    ...(c.localLinkLocalAddress === undefined
      ? {}
      : { localLinkLocalAddress: c.localLinkLocalAddress }),
    ...(c.extendedNextHop === undefined ? {} : { extendedNextHop: c.extendedNextHop }),
    ...(c.role === undefined ? {} : { role: c.role }),
  };
}

/**
 * The address a route is forwarded to: NEXT_HOP, or the first next hop of MP_REACH_NLRI (the
 * global one of IPv6) — first when it is for AFI 1, whose IPv4 prefixes it carries (RFC 8950).
 */
const forwardingHop = (a: PathAttributes): string | undefined =>
  a.mpReachNlri?.afi === 1 ? a.mpReachNlri.nextHop[0] : (a.nextHop ?? a.mpReachNlri?.nextHop[0]);

/**
 * The Routing Information Bases of one BGP speaker (RFC 4271 §3.2): per neighbour an Adj-RIB-In
 * (pre- and post-import-policy), the Loc-RIB chosen by the decision process (§9.1), and per
 * neighbour a stored Adj-RIB-Out (post-export-policy) — the neighbour's cumulative view — with a
 * pending queue, so that only differences are ever sent. Attribute sets are interned and
 * reference-counted; paths and prefixes live in typed arrays.
 *
 * Sessions can be moved between RIBs (Router Grafting): {@link Rib.exportSession},
 * {@link Rib.importSession}, {@link Rib.releaseSession}, with {@link Rib.sessionJournal} /
 * {@link Rib.replaySession} for updates that arrive meanwhile.
 *
 * @example
 * ```ts
 * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
 * rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2", importPolicy: acceptAll });
 * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
 * rib.peerUp("192.0.2.2");
 * rib.peerUp("10.0.0.2");
 * const changes = rib.update("192.0.2.2", {
 *   announced: [{
 *     attributes: { origin: "IGP", asPath: [{ type: "AS_SEQUENCE", asns: [64501] }], nextHop: "192.0.2.2" },
 *     nlri: [{ afi: 1, address: "198.51.100.0", length: 24 }],
 *   }],
 * });
 * changes.adjRibOut.get("10.0.0.2")?.announced[0]?.attributes.localPref; // 100
 * ```
 */
export class Rib {
  /** The router's configuration. */
  readonly config: RouterConfig;
  /** The forwarding table derived from the Loc-RIB (empty when `config.fib === false`). */
  readonly fib: Fib;
  /** The IPv4 control plane of {@link Rib.fib}, indexed by the prefix table. */
  private readonly fibIndex: IndexedExact4;
  private readonly options: DecisionOptions;
  private readonly store = new AttributeStore();
  private readonly prefixes = new PrefixTable();
  private readonly peers: PeerState[] = [];
  private readonly byAddress = new Map<string, PeerState>();
  /** The peer {@link Rib.peer} found last (cleared when a peer is removed). */
  private lastPeer: PeerState | undefined = undefined;
  private readonly bgpId: number;
  private readonly clusterId: string;
  private readonly defaultLocalPref: number;
  private readonly rfc8212: boolean;
  private readonly rejectAsSets: boolean;
  private readonly withFib: boolean;
  /** Whether the decision options allow more than one route to forward over (multipath). */
  private readonly multipathOn: boolean;
  /**
   * Per prefix with several routes to forward over (multipath): (path, peer index, post-policy
   * attribute id) of each, the best first; the attribute sets' references held.
   */
  private readonly multi = new Map<number, Int32Array>();
  // Paths (Adj-RIB-In entries).
  private pPrefix = new Int32Array(1024);
  /** Peer index per path: 16 bits until a RIB has made 65,535 peers (then 32). */
  private pPeer: Uint16Array | Int32Array = new Uint16Array(1024);
  /** Path Identifiers (RFC 7911); allocated when the first non-zero one arrives (0 until then). */
  private pPathId: Uint32Array | undefined = undefined;
  private pPre = new Int32Array(1024);
  private pPost = new Int32Array(1024);
  private pNext = new Int32Array(1024);
  /** Arrival order (renumbered from 1 before the counter would overflow). */
  private pArrival = new Uint32Array(1024);
  /**
   * Why the path is not a candidate (R_* codes, 0 when it is), and STALE while it is retained
   * across a graceful restart (RFC 4724 §4.2).
   */
  private pReason = new Uint8Array(1024);
  private pathCount = 0;
  private pathTop = 0;
  private freePaths: number[] = [];
  private deferredFree: number[] = [];
  /** An empty array for the next dirty list (see {@link Rib.takeDirty}). */
  private spareDirty: IntList | undefined = new IntList();
  /**
   * The last delta built by {@link Rib.flush} inside {@link Rib.process} (batch number, queue
   * length, prefixes and sets, and the delta), for the next neighbour of the batch to reuse.
   */
  private inProcess = false;
  private prevFlushBatch = -1;
  private prevL = 0;
  private prevList = new Int32Array(0);
  private prevIds = new Int32Array(0);
  private prevDelta: AdjRibOutUpdate = EMPTY_DELTA;
  /** Whether prevDelta's sets carry LOCAL_PREF (see {@link Rib.outAttributes}). */
  private prevSendsLocalPref = false;
  /** Scratch of {@link Rib.process}: the prefixes whose best route changed. */
  private changedScratch = new Int32Array(1024);
  private arrival = 0;
  // Per prefix.
  private head = new Int32Array(1024).fill(-1);
  private best = new Int32Array(1024).fill(-1);
  /**
   * Per prefix whose best path's post-policy set changed in the current batch: that set as it was
   * (what the Loc-RIB had), recorded by the first change (see {@link Rib.unrefPost}).
   */
  private readonly oldBest = new IntMap();
  /** A bit per prefix: in the dirty list. */
  private dirtyBits = new Uint8Array(128);
  private dirty = new IntList();
  private locCount = 0;
  /** Number of routes in the delta the last flush returned. */
  private flushed = 0;
  /**
   * The stored set of a frozen input set, by the input object's identity: an MRT reader hands out
   * one frozen object for all entries with the same attribute bytes, and a frozen object cannot
   * change, so its next entries skip hashing and comparing it. One map per way of storing a
   * received set (as it is; without LOCAL_PREF, from external peers). Entries die with the input.
   */
  private readonly frozenSets = [
    new WeakMap<PathAttributes, FrozenEntry>(),
    new WeakMap<PathAttributes, FrozenEntry>(),
  ] as const;
  /** Per-batch caches (cleared, not reallocated): import and export results per attribute set. */
  private readonly importCache = new IntMap();
  private readonly exportCache = new Map<number, number>();
  /** The store's free count when the per-neighbour export caches were last known valid. */
  private exportCacheFrees = 0;
  /** Shared Adj-RIBs-Out of eBGP update groups, by the group's export cache. */
  private readonly sharedOuts = new Map<IntMap, SharedOut>();
  /** Neighbours that may join their group's shared Adj-RIB-Out after the current operation. */
  private attachQueue: PeerState[] = [];
  /** Scratch: a member's attribute ids for its own delta. */
  private memberIds = new Int32Array(64);
  /** Per update group (by its export cache): the batch's export results (see exportChanged). */
  private readonly groupBatch = new Map<IntMap, { batch: number; ids: Int32Array }>();
  /** Whether a batch grew an entry of groupBatch beyond SCRATCH_KEEP (see releaseScratch). */
  private largeGroupBatch = false;
  /** Number of the current {@link Rib.process} call. */
  private batchNo = 0;
  /** Update groups: export signature → shared export cache. */
  private readonly exportGroups = new Map<string, IntMap>();
  private readonly policyIds = new Map<Policy, number>();
  /** Scratch of {@link Rib.flush}: attribute id per queued prefix. */
  private flushIds = new Int32Array(1024);
  /** The attribute sets of the delta being built, and their groups. */
  private readonly groups = new GroupTable();

  constructor(config: RouterConfig) {
    this.config = config;
    this.fibIndex = new IndexedExact4(this.prefixes);
    this.fib = fibWithExactTable(this.fibIndex);
    this.options = config.decision ?? {};
    for (const k of ["maximumPaths", "maximumPathsIbgp"] as const) {
      const v = this.options[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1))
        throw new BgpRibError("BAD_CONFIG", `decision.${k} must be an integer ≥ 1, not ${v}`, {
          field: `decision.${k}`,
        });
    }
    this.multipathOn =
      (this.options.maximumPaths ?? 1) > 1 || (this.options.maximumPathsIbgp ?? 1) > 1;
    this.bgpId = ipv4Number(config.bgpIdentifier, "bgpIdentifier");
    this.clusterId = config.clusterId ?? config.bgpIdentifier;
    this.defaultLocalPref = config.defaultLocalPref ?? 100;
    this.rfc8212 = config.rfc8212 ?? true;
    this.rejectAsSets = config.rejectAsSets === true;
    this.withFib = config.fib ?? true;
    // Index 0: the pseudo-peer of locally originated routes.
    this.makePeer(
      { address: LOCAL, asn: config.asn, bgpIdentifier: config.bgpIdentifier },
      "local",
    ).up = true;
  }

  // ------------------------------------------------------------------ peers

  /**
   * Configures a neighbour (the session starts down).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2", routeReflectorClient: true });
   * ```
   */
  addPeer(config: PeerConfig): void {
    if (this.byAddress.has(config.address))
      throw new BgpRibError("DUPLICATE_PEER", `peer ${config.address} exists`, {
        field: "address",
      });
    const kind = peerKind(this.config, config.asn);
    if (config.role !== undefined && (kind !== "ebgp" || !ROLES.has(config.role)))
      throw new BgpRibError(
        "BAD_CONFIG",
        kind !== "ebgp"
          ? `peer ${config.address}: a BGP Role is for eBGP sessions only (RFC 9234), this one is ${kind}`
          : `peer ${config.address}: unknown BGP Role ${JSON.stringify(config.role)}`,
        { field: "role" },
      );
    this.makePeer(config, kind);
  }

  /**
   * The configured neighbours' addresses.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerAddresses(); // ["10.0.0.2"]
   * ```
   */
  peerAddresses(): string[] {
    return this.peers.filter((p) => p.idx !== 0 && p.address !== "").map((p) => p.address);
  }

  /**
   * Marks a session established and sends it the whole Loc-RIB (through its export policy) —
   * or, with `slicedInitialExport`, nothing yet: {@link Rib.initialExport} then gives the table a
   * slice at a time.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2").adjRibOut.size; // 0: nothing to send yet
   * ```
   */
  peerUp(address: string, options: PeerUpOptions = {}): ChangeSet {
    const q = this.peer(address);
    if (q.up) return { locRib: [], adjRibOut: new Map() };
    q.up = true;
    q.rx.fill(0);
    // The session's own settings: they change what the neighbour is sent (the LLGR_STALE routes,
    // the next hops), so the export group when they differ from the last session's.
    const { longLivedGracefulRestart: llgr, extendedNextHop: enh } = options;
    const ll = options.localLinkLocalAddress;
    const { localLinkLocalAddress: oldLl, ...rest } = q.config;
    const config: PeerConfig = {
      ...rest,
      ...(llgr !== undefined ? { longLivedGracefulRestart: llgr } : {}),
      ...(enh !== undefined ? { extendedNextHop: enh } : {}),
      ...((ll ?? oldLl) ? { localLinkLocalAddress: ll ?? oldLl } : {}),
    };
    const group = this.exportGroup(config, q.kind);
    if (group !== q.exportCache) {
      q.config = config;
      q.exportCache = group;
      q.policyPeer = policyPeerOf(config, q.kind);
    }
    if (options.slicedInitialExport === true) {
      // Exported from prefix 0 on by initialExport; changes meanwhile are exported as they come.
      q.sweep = 0;
      return this.process(new IntList(), undefined);
    }
    this.attachQueue.push(q);
    return this.process(new IntList(), q);
  }

  /**
   * The next slice of a neighbour's initial table after {@link Rib.peerUp} with
   * `slicedInitialExport`: the export of up to `maxPrefixes` more prefixes (in the RIB's prefix
   * order) as the delta to send it, and whether the table is complete (`done`; the neighbour may
   * then join its update group, and End-of-RIB may follow). Updates may be applied between slices
   * (their deltas for the neighbour cover the prefixes they change, wherever the export stands);
   * prefixes the RIB learns meanwhile are exported as they come. `done` at once when no sliced
   * export is under way (the session went down, or it was not asked for).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2", { slicedInitialExport: true });
   * rib.initialExport("10.0.0.2", 10_000).done; // true: the table is empty
   * ```
   */
  initialExport(
    address: string,
    maxPrefixes = 65536,
  ): { readonly update: AdjRibOutUpdate; readonly done: boolean } {
    const q = this.peer(address);
    if (!q.up || q.sweep < 0) return { update: EMPTY_DELTA, done: true };
    const from = q.sweep;
    const to = Math.min(this.prefixes.count, from + Math.max(1, Math.floor(maxPrefixes)));
    const done = to >= this.prefixes.count;
    if (done) this.endSweep(q);
    else q.sweep = to;
    const c = this.process(new IntList(), q, false, from, to);
    return { update: c.adjRibOut.get(q.address) ?? EMPTY_DELTA, done };
  }

  /**
   * Session down: every route learned from the neighbour is withdrawn (decision re-run) and its
   * Adj-RIB-Out forgotten.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * rib.peerDown("10.0.0.2");
   * ```
   */
  peerDown(address: string, options: PeerDownOptions = {}): ChangeSet {
    const q = this.peer(address);
    if (options.retainStale === true) {
      // RFC 4724 §4.2: the receiving speaker keeps the routes, marked stale, and goes on
      // forwarding along them; the Loc-RIB does not change (but for families not retained).
      const keep = familyMask(options.afis, "afis");
      for (let s = 0; s < this.pathTop; s++) {
        if (this.pPeer[s] !== q.idx || this.pPre[s]! < 0) continue;
        const p = this.pPrefix[s]!;
        if (keep & this.familyBit(p)) this.pReason[s]! |= STALE;
        else {
          this.pReason[s]! &= ~STALE;
          this.removePath(s);
          this.markDirty(p);
        }
      }
    } else {
      this.removeAllPaths(q);
    }
    q.up = false;
    q.sweep = -1;
    this.clearOut(q);
    return this.process(this.takeDirty(), undefined);
  }

  /**
   * Graceful restart (RFC 4724 §4.2): withdraws the neighbour's routes still marked stale — those
   * not re-announced since {@link Rib.peerDown} with `retainStale` — as the receiving speaker does
   * on the End-of-RIB marker, or when the Restart Time or its stale-path timer expires. With `afi`
   * (1 IPv4, 2 IPv6) only that family's: the End-of-RIB marker of one family sweeps that family.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * rib.peerDown("10.0.0.2", { retainStale: true });
   * rib.peerUp("10.0.0.2");
   * rib.sweepStale("10.0.0.2").locRib.length; // 0: nothing was stale
   * ```
   */
  sweepStale(address: string, afi?: number): ChangeSet {
    const q = this.peer(address);
    const sweep = familyMask(afi, "afi");
    for (let s = 0; s < this.pathTop; s++) {
      if (this.pPeer[s] !== q.idx || this.pPre[s]! < 0 || (this.pReason[s]! & STALE) === 0)
        continue;
      const p = this.pPrefix[s]!;
      if ((sweep & this.familyBit(p)) === 0) continue;
      this.pReason[s]! &= ~STALE;
      this.removePath(s);
      this.markDirty(p);
    }
    return this.process(this.takeDirty(), undefined);
  }

  /**
   * Long-Lived Graceful Restart (RFC 9494 §4.2): the neighbour's routes retained stale (see
   * {@link Rib.peerDown} with `retainStale`) enter the long-lived stale period — of family `afi`
   * (1 IPv4, 2 IPv6) only, when given — as the receiving speaker does when the Restart Time ran
   * out (or was 0) for a family whose Long-Lived Stale Time is not 0. A route carrying NO_LLGR
   * (as received, or after the import policy) is withdrawn; every other one gets the LLGR_STALE
   * community (added to the route as received; the import policy runs again), which makes it
   * least preferred ({@link DecisionCandidate.llgrStale}) and keeps it from neighbours that did
   * not advertise LLGR ({@link PeerConfig.longLivedGracefulRestart}). The routes stay stale:
   * {@link Rib.sweepStale} removes those not refreshed, on End-of-RIB or when the Long-Lived
   * Stale Time runs out. Calling it again changes nothing.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * rib.update("10.0.0.2", { announced: [{
   *   attributes: { origin: "IGP", asPath: [], nextHop: "10.0.0.2" },
   *   nlri: [{ afi: 1, address: "203.0.113.0", length: 24 }] }] });
   * rib.peerDown("10.0.0.2", { retainStale: true });
   * rib.longLivedStale("10.0.0.2");
   * rib.bestRoute("203.0.113.0/24")?.attributes.communities; // [4294901766]: LLGR_STALE
   * ```
   */
  longLivedStale(address: string, afi?: number): ChangeSet {
    const q = this.peer(address);
    const only = familyMask(afi, "afi");
    const st = this.store;
    // Per set as received: the same set with LLGR_STALE (no reference of its own: the paths take
    // theirs; one none takes is freed at the sweep that ends the batch).
    const marked = new IntMap();
    const cache = new IntMap();
    for (let s = 0; s < this.pathTop; s++) {
      const pre = this.pPre[s]!;
      if (this.pPeer[s] !== q.idx || pre < 0 || (this.pReason[s]! & STALE) === 0) continue;
      const p = this.pPrefix[s]!;
      if ((only & this.familyBit(p)) === 0) continue;
      const post = this.pPost[s]!;
      if (st.communityFlags[pre]! & NO_LLGR || (post >= 0 && st.communityFlags[post]! & NO_LLGR)) {
        this.pReason[s]! &= ~STALE;
        this.removePath(s);
        this.markDirty(p);
        continue;
      }
      if (st.communityFlags[pre]! & LLGR_STALE) continue;
      let id = marked.get(pre);
      if (id === MISSING) {
        const a = st.get(pre);
        id = st.peek(
          { ...a, communities: [...(a.communities ?? NONE), WELL_KNOWN_COMMUNITY.LLGR_STALE] },
          a,
        );
        marked.set(pre, id);
      }
      st.ref(id);
      st.unref(pre);
      this.unrefPost(s);
      this.pPre[s] = id;
      this.computePost(s, q, undefined, cache, p);
      this.markDirty(p);
    }
    return this.process(this.takeDirty(), undefined);
  }

  /**
   * The number of routes in a neighbour's Adj-RIB-In (pre-policy: received, rejected ones and
   * those retained stale included), per family, and in `accepted` those its import processing
   * accepted (post-policy) — what a maximum-prefix limit counts (BIRD's `receive limit` counts
   * the first, its `import limit` and FRR's `maximum-prefix` the second). Kept as routes come and
   * go: O(1).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.adjRibInCount("10.0.0.2"); // { ipv4: 0, ipv6: 0, accepted: { ipv4: 0, ipv6: 0 } }
   * ```
   */
  adjRibInCount(address: string): {
    readonly ipv4: number;
    readonly ipv6: number;
    readonly accepted: { readonly ipv4: number; readonly ipv6: number };
  } {
    const q = this.peer(address);
    return { ipv4: q.in4, ipv6: q.in6, accepted: { ipv4: q.acc4, ipv6: q.acc6 } };
  }

  /**
   * The neighbour's {@link ReceiveCounters}: routes refused per reason, duplicate announcements
   * and withdrawals, counted as its UPDATEs are applied since its session came up
   * ({@link Rib.peerUp} starts them at 0).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64501, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * rib.update("10.0.0.2", { withdrawn: [{ afi: 1, address: "10.0.0.0", length: 8 }] });
   * rib.receiveCounters("10.0.0.2").duplicateWithdrawals; // 1
   * ```
   */
  receiveCounters(address: string): ReceiveCounters {
    const rx = this.peer(address).rx;
    const routes = {} as Record<RejectReason, number>;
    const announcements = {} as Record<RejectReason, number>;
    for (let r = 1; r < RX_UPDATES; r++) {
      const reason = REASONS[r]!;
      routes[reason] = rx[r]!;
      announcements[reason] = rx[RX_UPDATES + r]!;
    }
    return {
      rejectedRoutes: routes,
      rejectedAnnouncements: announcements,
      duplicateAnnouncements: rx[DUP_ANNOUNCED]!,
      duplicateWithdrawals: rx[DUP_WITHDRAWN]!,
      duplicateUpdates: rx[DUP_UPDATES]!,
    };
  }

  /**
   * Number of the neighbour's paths retained stale (see {@link Rib.peerDown}); with `afi`, of
   * that family only.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.staleCount("10.0.0.2"); // 0
   * ```
   */
  staleCount(address: string, afi?: number): number {
    const q = this.peer(address);
    const count = familyMask(afi, "afi");
    let n = 0;
    for (let s = 0; s < this.pathTop; s++) {
      if (this.pPeer[s] === q.idx && this.pPre[s]! >= 0 && (this.pReason[s]! & STALE) !== 0)
        if (count & this.familyBit(this.pPrefix[s]!)) n++;
    }
    return n;
  }

  /** 1 for an IPv4 prefix index, 2 for IPv6 (bits of {@link familyMask}). */
  private familyBit(p: number): number {
    return this.prefixes.isV6(p) ? 2 : 1;
  }

  /**
   * Sets the ADD-PATH capability negotiated on a session (RFC 7911) while it is down — a
   * speaker learns it from the OPEN exchange, after configuring the neighbour. Changing `receive`
   * is refused while paths of the neighbour are held (their Path Identifiers would change meaning).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.setAddPath("10.0.0.2", { receive: true, send: true });
   * rib.peerUp("10.0.0.2");
   * ```
   */
  setAddPath(address: string, settings: AddPathSettings): void {
    const q = this.peer(address);
    if (q.up) {
      throw new BgpRibError("PEER_UP", `ADD-PATH of ${address} can change only while it is down`, {
        field: "addPath",
      });
    }
    const was = q.config.addPath?.receive === true;
    if (was !== (settings.receive === true)) {
      for (let s = 0; s < this.pathTop; s++) {
        if (this.pPeer[s] === q.idx && this.pPre[s]! >= 0) {
          throw new BgpRibError(
            "PATHS_HELD",
            `ADD-PATH receive of ${address} cannot change while its routes are held (stale)`,
            { field: "addPath.receive" },
          );
        }
      }
    }
    const mask = sendMask(settings.send);
    q.config = { ...q.config, addPath: { ...settings } };
    q.multiMask = mask;
    q.sentMulti = mask !== 0 ? new Map() : undefined;
    q.pendingMulti = mask !== 0 ? new Map() : undefined;
  }

  /**
   * Replaces a neighbour's policies (soft reconfiguration): the import policy is re-run over its
   * Adj-RIB-In (pre-policy) and the export towards it recomputed; the deltas are returned.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2" });
   * rib.setPolicies("192.0.2.2", { importPolicy: acceptAll, exportPolicy: acceptAll });
   * ```
   */
  setPolicies(
    address: string,
    policies: { importPolicy?: Policy; exportPolicy?: Policy },
  ): ChangeSet {
    const q = this.peer(address);
    if (q.shared !== undefined) this.detach(q, true);
    q.config = { ...q.config, ...policies };
    q.exportCache = this.exportGroup(q.config, q.kind);
    this.attachQueue.push(q);
    const cache = new IntMap();
    for (let s = 0; s < this.pathTop; s++) {
      if (this.pPeer[s] !== q.idx || this.pPre[s]! < 0) continue;
      const p = this.pPrefix[s]!;
      this.unrefPost(s);
      this.computePost(s, q, this.prefixes.prefix(p), cache);
      this.markDirty(p);
    }
    return this.process(this.takeDirty(), q);
  }

  /**
   * Re-runs a neighbour's import policy (the one it has) for its routes whose prefix lies within
   * one of `within` — equal to it or more specific, of the same family — and returns the changes;
   * its other routes are not touched. For a policy that reads data which changed for those
   * prefixes only: after VRPs of Route Origin Validation change, their prefixes, since a VRP
   * covers exactly the routes within its prefix (RFC 6811 §2) — on a full table far cheaper than
   * {@link Rib.setPolicies}, which decides every route again.
   *
   * @throws {@link BgpRibError} for an unknown neighbour or a malformed prefix in `within`.
   *
   * @example
   * ```ts
   * const roas = new RoaTable();
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2",
   *   importPolicy: rejectInvalidOrigins(roas), exportPolicy: acceptAll });
   * roas.add({ prefix: "203.0.113.0/24", maxLength: 24, asn: 64496 });
   * rib.reevaluate("192.0.2.2", ["203.0.113.0/24"]);
   * ```
   */
  reevaluate(address: string, within: Iterable<string | IpPrefix>): ChangeSet {
    const q = this.peer(address);
    // Per length: the network bits of the given prefixes of that length (IPv4: the address
    // shifted right by 32 − length; IPv6: the masked words as text).
    const v4 = new Map<number, Set<number>>();
    const v6 = new Map<number, Set<string>>();
    for (const w of within) {
      const x = typeof w === "string" ? parsePrefix(w) : w;
      if (x.family === 4) {
        let set = v4.get(x.length);
        if (set === undefined) {
          set = new Set<number>();
          v4.set(x.length, set);
        }
        set.add(x.length === 0 ? 0 : x.words[0]! >>> (32 - x.length));
      } else {
        let set = v6.get(x.length);
        if (set === undefined) {
          set = new Set<string>();
          v6.set(x.length, set);
        }
        set.add(maskWords(x.words, x.length).join(","));
      }
    }
    const lens4 = [...v4.keys()].sort((a, b) => a - b);
    const lens6 = [...v6.keys()].sort((a, b) => a - b);
    const pt = this.prefixes;
    const isWithin = (p: number): boolean => {
      if (!pt.isV6(p)) {
        const a = pt.addr[p]!;
        const len = pt.length[p]!;
        for (const l of lens4) {
          if (l > len) break;
          if (v4.get(l)!.has(l === 0 ? 0 : a >>> (32 - l))) return true;
        }
        return false;
      }
      const ip = pt.ipPrefix(p);
      for (const l of lens6) {
        if (l > ip.length) break;
        if (v6.get(l)!.has(maskWords(ip.words, l).join(","))) return true;
      }
      return false;
    };
    const cache = new IntMap();
    if (lens4.length + lens6.length > 0)
      for (let s = 0; s < this.pathTop; s++) {
        if (this.pPeer[s] !== q.idx || this.pPre[s]! < 0) continue;
        const p = this.pPrefix[s]!;
        if (!isWithin(p)) continue;
        this.unrefPost(s);
        this.computePost(s, q, this.prefixes.prefix(p), cache);
        this.markDirty(p);
      }
    return this.process(this.takeDirty(), undefined);
  }

  /**
   * Route refresh (RFC 2918): re-runs the export towards one neighbour and returns its whole
   * Adj-RIB-Out to re-send (withdrawals first for routes no longer exported). It completes an
   * initial table being exported in slices ({@link Rib.initialExport} is then `done`).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * rib.routeRefresh("10.0.0.2").announced.length; // 0
   * ```
   */
  routeRefresh(address: string): AdjRibOutUpdate {
    const q = this.peer(address);
    // The whole table is exported now: a sliced initial export (see initialExport) is complete.
    if (q.sweep >= 0) this.endSweep(q);
    const changes = this.process(new IntList(), q);
    const delta = changes.adjRibOut.get(address);
    const groups = new Map<number, Prefix[]>();
    this.forEachOut(q, (p, pathId, id) => {
      let g = groups.get(id);
      if (g === undefined) {
        g = [];
        groups.set(id, g);
      }
      g.push(this.outPrefix(p, pathId, q));
    });
    return {
      withdrawn: delta?.withdrawn ?? [],
      announced: [...groups].map(([id, nlri]) => ({ attributes: this.outAttributes(q, id), nlri })),
    };
  }

  /**
   * Stops sending to a neighbour: changes accumulate in its pending queue (netted against what
   * it already has) until {@link Rib.resumeOutput}.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.holdOutput("10.0.0.2");
   * ```
   */
  holdOutput(address: string): void {
    const q = this.peer(address);
    if (q.shared !== undefined) {
      this.detach(q, true);
      this.store.sweep(); // sets only the dropped table held
    }
    q.held = true;
  }

  /**
   * Resumes sending to a neighbour; returns the net pending delta (nothing for routes that
   * changed and changed back).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.holdOutput("10.0.0.2");
   * rib.resumeOutput("10.0.0.2").withdrawn.length; // 0
   * ```
   */
  resumeOutput(address: string): AdjRibOutUpdate {
    const q = this.peer(address);
    q.held = false;
    this.inProcess = false;
    const d = this.flush(q);
    this.tryAttach(q);
    this.store.sweep();
    return d;
  }

  /**
   * Invalidates cached next-hop resolutions (the IGP changed) and re-runs the decision process
   * everywhere.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.refreshNextHops();
   * ```
   */
  refreshNextHops(): ChangeSet {
    this.store.invalidateNextHops();
    for (let p = 0; p < this.prefixes.count; p++) if (this.head[p]! >= 0) this.markDirty(p);
    return this.process(this.takeDirty(), undefined);
  }

  // ------------------------------------------------------------------ updates

  /**
   * Applies a batch from a neighbour (implicit withdraw: an announcement replaces the path with
   * the same prefix and Path Identifier) and returns the Loc-RIB changes and the Adj-RIB-Out
   * deltas for every neighbour.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * rib.update("10.0.0.2", { withdrawn: [{ afi: 1, address: "10.0.0.0", length: 8 }] }).locRib.length; // 0
   * ```
   */
  update(address: string, update: RibUpdate): ChangeSet {
    const q = this.peer(address);
    if (!q.up)
      throw new BgpRibError("NOT_ESTABLISHED", `session with ${address} is not established`, {
        field: "peer",
      });
    q.seq++;
    if (q.journal !== undefined) q.journal.push({ seq: q.seq, direction: "in", update });
    this.apply(q, update);
    return this.process(this.takeDirty(), undefined);
  }

  /**
   * Applies several batches from one neighbour in the order given — exactly as consecutive
   * {@link Rib.update} calls would, each with its own sequence number — but runs the decision
   * process and the export once for all of them, so the result is the net change: a prefix
   * announced and withdrawn again within the batches is not reported. This is how a speaker
   * applies the UPDATE messages that arrived in one turn of its event loop.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.peerUp("10.0.0.2");
   * const p = { afi: 1 as const, address: "10.0.0.0", length: 8 };
   * const a = { origin: "IGP" as const, asPath: [], nextHop: "10.0.0.2" };
   * rib.updateMany("10.0.0.2", [{ announced: [{ attributes: a, nlri: [p] }] }, { withdrawn: [p] }])
   *   .locRib.length; // 0
   * ```
   */
  updateMany(address: string, updates: readonly RibUpdate[]): ChangeSet {
    const q = this.peer(address);
    if (!q.up)
      throw new BgpRibError("NOT_ESTABLISHED", `session with ${address} is not established`, {
        field: "peer",
      });
    for (let i = 0; i < updates.length; i++) {
      const update = updates[i]!;
      q.seq++;
      if (q.journal !== undefined) q.journal.push({ seq: q.seq, direction: "in", update });
      this.apply(q, update);
    }
    return this.process(this.takeDirty(), undefined);
  }

  /**
   * Originates routes locally (as from the router itself: empty AS_PATH unless given).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.originate({ announced: [{ attributes: { origin: "IGP", asPath: [], nextHop: "192.0.2.1" },
   *   nlri: [{ afi: 1, address: "203.0.113.0", length: 24 }] }] });
   * ```
   */
  originate(update: RibUpdate): ChangeSet {
    this.apply(this.peers[0]!, update);
    return this.process(this.takeDirty(), undefined);
  }

  // ------------------------------------------------------------------ views

  /**
   * The Adj-RIB-In of a neighbour: pre-policy (as received) or post-policy (accepted, as the
   * decision process sees it).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * [...rib.adjRibIn("10.0.0.2", "post")].length; // 0
   * ```
   */
  *adjRibIn(address: string, view: "pre" | "post" = "post"): IterableIterator<Route> {
    const q = this.peer(address);
    for (let s = 0; s < this.pathTop; s++) {
      if (this.pPeer[s] !== q.idx) continue;
      const id = this.viewId(s, view);
      if (id >= 0) yield this.route(s, id);
    }
  }

  /** A sliced initial export of q is complete: q may join its update group (see tryAttach). */
  private endSweep(q: PeerState): void {
    q.sweep = -1;
    this.attachQueue.push(q);
  }

  /** Path s's attribute set in an Adj-RIB-In view, or -1 (no path in slot s, or rejected). */
  private viewId(s: number, view: "pre" | "post"): number {
    if (this.pPre[s]! < 0) return -1;
    return view === "pre" ? this.pPre[s]! : this.pPost[s]!;
  }

  /**
   * Every neighbour's Adj-RIB-In at once, grouped by prefix — what a TABLE_DUMP_V2 RIB dump or
   * `show bgp` with every path lists: each prefix some neighbour sent (in the RIB's prefix order)
   * with its paths, before (`"pre"`, the default) or after (`"post"`) import policy; a path's
   * `pathId` is set on sessions receiving ADD-PATH. Routes originated locally are not included.
   * Iterating is one pass over the prefixes (no per-neighbour grouping by the caller). The RIB may
   * change between two steps of an iteration (so that a long one can be done a piece at a time):
   * each prefix is read when the iteration reaches it, and prefixes the RIB first learned after the
   * iteration began are not visited.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * [...rib.adjRibsIn()].length; // 0
   * ```
   */
  *adjRibsIn(view: "pre" | "post" = "pre"): IterableIterator<{
    readonly prefix: Prefix;
    readonly paths: readonly {
      readonly peer: string;
      readonly pathId?: number;
      readonly attributes: PathAttributes;
    }[];
  }> {
    const n = this.prefixes.count;
    for (let p = 0; p < n; p++) {
      let paths: { peer: string; pathId?: number; attributes: PathAttributes }[] | undefined;
      for (let s = this.head[p]!; s >= 0; s = this.pNext[s]!) {
        const q = this.peers[this.pPeer[s]!]!;
        const id = this.viewId(s, view);
        if (q.idx === 0 || id < 0) continue;
        const attributes = this.store.get(id);
        const path =
          q.config.addPath?.receive === true
            ? { peer: q.address, pathId: this.pathIdOf(s), attributes }
            : { peer: q.address, attributes };
        if (paths === undefined) paths = [path];
        else paths.push(path);
      }
      if (paths !== undefined) yield { prefix: this.prefixes.prefix(p), paths };
    }
  }

  /**
   * A neighbour's routes for one prefix, before (`"pre"`) or after (`"post"`, the default) its
   * import policy: at most one, or one per Path Identifier on a session receiving ADD-PATH (the
   * prefix's `pathId` is then ignored: every path is returned). Empty when the neighbour has none.
   *
   * @throws {@link BgpRibError} for an unknown neighbour or a malformed prefix.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2" });
   * rib.adjRibInRoutes("192.0.2.2", "10.0.0.0/8"); // []
   * ```
   */
  adjRibInRoutes(address: string, prefix: string | Prefix, view: "pre" | "post" = "post"): Route[] {
    const q = this.peer(address);
    const p = this.prefixes.index(this.toPrefix(prefix), false);
    const out: Route[] = [];
    if (p < 0) return out;
    for (let s = this.head[p]!; s >= 0; s = this.pNext[s]!) {
      if (this.pPeer[s] !== q.idx) continue;
      const id = this.viewId(s, view);
      if (id >= 0) out.push(this.route(s, id));
    }
    return out;
  }

  /**
   * The Loc-RIB: the best route of every prefix.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * [...rib.locRib()].length; // 0
   * ```
   */
  *locRib(): IterableIterator<Route> {
    for (let p = 0; p < this.prefixes.count; p++) {
      const b = this.best[p]!;
      if (b >= 0) yield this.route(b, this.pPost[b]!);
    }
  }

  /**
   * The best route of one prefix (`"address/length"` or a Prefix), if any.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.bestRoute("10.0.0.0/8"); // undefined
   * ```
   */
  bestRoute(prefix: string | Prefix): Route | undefined {
    const p = this.prefixes.index(this.toPrefix(prefix), false);
    if (p < 0) return undefined;
    const b = this.best[p]!;
    return b < 0 ? undefined : this.route(b, this.pPost[b]!);
  }

  /**
   * The routes of one prefix the router forwards over: with multipath
   * ({@link DecisionOptions.maximumPaths}, {@link DecisionOptions.maximumPathsIbgp}) those
   * {@link selectMultipath} chooses — the best first, each with its own next hop — otherwise the
   * best route alone; `[]` when there is none. The FIB holds their next hops
   * ({@link Fib.nextHops}).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1", decision: { maximumPaths: 4 } });
   * rib.multipath("10.0.0.0/8"); // []
   * ```
   */
  multipath(prefix: string | Prefix): Route[] {
    const p = this.prefixes.index(this.toPrefix(prefix), false);
    if (p < 0) return [];
    const m = this.multi.get(p);
    if (m !== undefined) {
      const out: Route[] = [];
      for (let k = 0; k < m.length; k += 3) out.push(this.route(m[k]!, m[k + 2]!));
      return out;
    }
    const b = this.best[p]!;
    return b < 0 ? [] : [this.route(b, this.pPost[b]!)];
  }

  /**
   * The Adj-RIB-Out of a neighbour: what it has been sent (its cumulative view; pending changes
   * of a held session are not included).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * [...rib.adjRibOut("10.0.0.2")].length; // 0
   * ```
   */
  *adjRibOut(address: string): IterableIterator<Route> {
    const q = this.peer(address);
    const out: Route[] = [];
    const sets = new Map<number, PathAttributes>(); // one object per set, as stored
    this.forEachOut(q, (p, pathId, id) => {
      let attributes = sets.get(id);
      if (attributes === undefined) {
        attributes = this.outAttributes(q, id);
        sets.set(id, attributes);
      }
      out.push({ prefix: this.outPrefix(p, pathId, q), attributes, peer: LOCAL });
    });
    yield* out;
  }

  /**
   * The number of routes in a neighbour's Adj-RIB-Out (what it has been sent, after export
   * policy; with ADD-PATH, each path), per family — the gauges of a BMP Statistics Report (RFC
   * 8671 types 15 and 17). Kept as the Adj-RIB-Out changes: O(1).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.adjRibOutCount("10.0.0.2"); // { ipv4: 0, ipv6: 0 }
   * ```
   */
  adjRibOutCount(address: string): { readonly ipv4: number; readonly ipv6: number } {
    const q = this.peer(address);
    const g = q.shared;
    if (g === undefined) return { ipv4: q.out4, ipv6: q.out6 };
    // A member of a shared table has its routes but those that came from it.
    const own = g.own.get(q.idx);
    return { ipv4: g.c4 - (own?.[0] ?? 0), ipv6: g.c6 - (own?.[1] ?? 0) };
  }

  /**
   * A neighbour's pre-policy Adj-RIB-Out (RFC 8671's Adj-RIB-Out Pre-Policy): for each prefix, the
   * best route as it would be sent to the neighbour before its export policy — after the
   * protocol's own rules (never back to the neighbour it came from; iBGP split horizon and route
   * reflection; NO_ADVERTISE, NO_EXPORT, NO_EXPORT_SUBCONFED; AS_SETs when refused) and
   * attribute changes (AS_PATH prepended, next hop, LOCAL_PREF, MED and the reflection
   * attributes as the session needs them), before the export policy, RFC 8212's refusal of an
   * eBGP session without one and RFC 9234's egress check. With `within`, only those prefixes, in
   * that order (those without such a route left out). The best path only, also on sessions
   * sending ADD-PATH. A route's `peer` is the neighbour it was learned from. Computed on each call.
   *
   * @throws {@link BgpRibError} for an unknown neighbour or a malformed prefix.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * [...rib.adjRibOutPre("10.0.0.2")].length; // 0
   * ```
   */
  *adjRibOutPre(address: string, within?: Iterable<string | Prefix>): IterableIterator<Route> {
    const q = this.peer(address);
    // Routes sent alike share one attribute object (so that callers can group them by it).
    const sets = new Map<number, PathAttributes>();
    if (within === undefined) {
      for (let p = 0; p < this.prefixes.count; p++) {
        const r = this.preRoute(q, p, sets);
        if (r !== undefined) yield r;
      }
      return;
    }
    for (const x of within) {
      const p = this.prefixes.index(this.toPrefix(x), false);
      const r = p < 0 ? undefined : this.preRoute(q, p, sets);
      if (r !== undefined) yield r;
    }
  }

  /**
   * The number of routes in a neighbour's pre-policy Adj-RIB-Out ({@link Rib.adjRibOutPre}) per
   * family — the gauges of a BMP Statistics Report (RFC 8671 types 14 and 16). O(prefixes).
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.adjRibOutPreCount("10.0.0.2"); // { ipv4: 0, ipv6: 0 }
   * ```
   */
  adjRibOutPreCount(address: string): { readonly ipv4: number; readonly ipv6: number } {
    const q = this.peer(address);
    let ipv4 = 0;
    let ipv6 = 0;
    for (let p = 0; p < this.prefixes.count; p++) {
      const b = this.best[p]!;
      if (b < 0 || this.exportRule(q, b, false) === NOT_SENT) continue;
      if (this.prefixes.isV6(p)) ipv6++;
      else ipv4++;
    }
    return { ipv4, ipv6 };
  }

  /**
   * Prefix p's best route as sent to q before export policy (see adjRibOutPre), if any; `sets`
   * keeps the attributes made, by what they depend on (see exportSlot): reflected ones at
   * negative keys.
   */
  private preRoute(q: PeerState, p: number, sets: Map<number, PathAttributes>): Route | undefined {
    const b = this.best[p]!;
    if (b < 0) return undefined;
    const rule = this.exportRule(q, b, false);
    if (rule === NOT_SENT) return undefined;
    const post = this.pPost[b]!;
    const from = this.peers[this.pPeer[b]!]!;
    const v6 = this.prefixes.isV6(p);
    const reflect = rule === REFLECTED;
    const slot = exportSlot(post, v6, from);
    const k = reflect ? -reflectedKey(slot, from) - 1 : slot;
    let attributes = sets.get(k);
    if (attributes === undefined) {
      attributes = this.transform(this.store.get(post), from, q, v6, reflect, post);
      sets.set(k, attributes);
    }
    return { prefix: this.prefixes.prefix(p), attributes, peer: from.address };
  }

  /**
   * Explains the decision for a prefix: the candidates in order with the step that decided each
   * comparison, and the received routes that are not candidates with the reason.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.explain("10.0.0.0/8").candidates.length; // 0
   * ```
   */
  explain(prefix: string | Prefix): Explanation {
    const pf = this.toPrefix(prefix);
    const p = this.prefixes.index(pf, false);
    const bare =
      p < 0 ? { afi: pf.afi, address: pf.address, length: pf.length } : this.prefixes.prefix(p);
    if (p < 0) return { prefix: bare, candidates: [], rejected: [] };
    const slots: number[] = [];
    const cands: DecisionCandidate[] = [];
    const rejected: { route: Route; reason: RejectReason }[] = [];
    for (let s = this.head[p]!; s >= 0; s = this.pNext[s]!) {
      if (this.pPost[s]! < 0) {
        rejected.push({
          route: this.route(s, this.pPre[s]!),
          reason: REASONS[this.pReason[s]! & ~STALE]!,
        });
        continue;
      }
      slots.push(s);
      cands.push(this.candidate(s));
    }
    const order = this.options.deterministicMed
      ? cands.map((_, i) => i)
      : cands.map((_, i) => i).sort((a, b) => cands[b]!.arrival - cands[a]!.arrival);
    const ranked = explainDecision(
      order.map((i) => cands[i]!),
      this.options,
    );
    const multi = this.multi.get(p);
    const inMulti = (s: number): boolean => {
      if (multi !== undefined)
        for (let k = 0; k < multi.length; k += 3) if (multi[k] === s) return true;
      return false;
    };
    return {
      prefix: bare,
      candidates: ranked.map((r) => {
        const s = slots[order[r.index]!]!;
        return {
          rank: r.rank,
          route: this.route(s, this.pPost[s]!),
          eligible: r.eligible,
          decidedBy: r.decidedBy,
          values: r.candidate,
          ...(inMulti(s) ? { multipath: true as const } : {}),
        };
      }),
      rejected,
    };
  }

  /**
   * Size counters.
   *
   * @example
   * ```ts
   * new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" }).stats().paths; // 0
   * ```
   */
  stats(): RibStats {
    return {
      prefixes: this.prefixes.count,
      paths: this.pathCount,
      locRibRoutes: this.locCount,
      attributeSets: this.store.size,
    };
  }

  // ------------------------------------------------------------------ grafting

  /**
   * Exports one session as a versioned binary snapshot: its configuration (without policies,
   * which are code), the Adj-RIB-In pre-policy (routes learned from the neighbour), the
   * Adj-RIB-Out (routes advertised to it) and the session's sequence number. From now on the
   * RIB journals the session (see {@link Rib.sessionJournal}) until {@link Rib.releaseSession}
   * (the session moved) or {@link Rib.cancelExport} (it stays).
   *
   * Format (big-endian): magic `BGRS`, version u8 = 2, flags u8, reserved u16, sequence f64,
   * configuration (u32 length + UTF-8 JSON), the parts tables (addresses, COMMUNITIES lists,
   * AGGREGATORs; each u32 count first), attribute table (u32 count, then each set as tagged fields
   * ending with 0, parts as varint indices into the tables), Adj-RIB-In and Adj-RIB-Out (u32
   * count, then per route: AFI u8, length u8, the prefix's significant bytes, Path Identifier u32,
   * attribute index varint), CRC-32 u32. The package README describes it field by field.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * const snapshot = rib.exportSession("10.0.0.2"); // Uint8Array
   * ```
   */
  exportSession(address: string): Uint8Array {
    const q = this.peer(address);
    q.journal ??= [];
    const w = new Writer();
    w.u32(MAGIC);
    w.u8(VERSION);
    w.u8(0);
    w.u16(0);
    w.f64(q.seq);
    const { importPolicy: _i, exportPolicy: _e, ...plain } = q.config;
    const json = new TextEncoder().encode(JSON.stringify(plain));
    w.u32(json.length);
    w.bytes(json);
    // Attribute table: the sets used by the session, numbered in first-use order. Keyed by set id
    // as stored, or (cap + id) for an Adj-RIB-Out set written with the default LOCAL_PREF put
    // back (see outSet): what was sent, an entry of its own.
    const st = this.store;
    const cap = st.capacity;
    const table = new Int32Array(2 * cap).fill(-1);
    const order: number[] = [];
    const entry = (key: number): number => {
      if (table[key]! < 0) {
        table[key] = order.length;
        order.push(key);
      }
      return table[key]!;
    };
    // Adj-RIB-In: the session's paths.
    const ins = new IntList();
    const pPeer = this.pPeer;
    const pPre = this.pPre;
    const pReason = this.pReason;
    let nStale = 0;
    for (let s = 0; s < this.pathTop; s++) {
      const pre = pPre[s]!;
      if (pPeer[s] !== q.idx || pre < 0) continue;
      ins.push(s);
      entry(pre);
      if (pReason[s]! & STALE) nStale++;
    }
    // Adj-RIB-Out in typed arrays (counted first: a full table is half a million routes).
    let nOut = 0;
    this.forEachOut(q, () => {
      nOut++;
    });
    const outPrefix = new Int32Array(nOut);
    const outPathId = new Uint32Array(nOut);
    const outAttr = new Int32Array(nOut);
    const withDefault = this.sendsLocalPref(q);
    let k = 0;
    this.forEachOut(q, (p, pathId, id) => {
      outPrefix[k] = p;
      outPathId[k] = pathId;
      outAttr[k++] = entry(withDefault && !(st.present[id]! & HAS_LOCAL_PREF) ? cap + id : id);
    });
    // The sets first into a buffer of their own, collecting their parts; then the parts tables,
    // the sets and the routes into one buffer, about the right size (routes take 7–27 bytes).
    const parts = new PartsWriter();
    const sw = new Writer();
    sw.ensure(32 * order.length);
    for (let i = 0; i < order.length; i++) {
      const key = order[i]!;
      writeAttributes(sw, key < cap ? st.get(key) : this.outAttributes(q, key - cap), parts);
    }
    w.ensure(16 + 12 * (ins.length + nOut) + 64 * order.length + sw.pos);
    parts.write(w);
    w.u32(order.length);
    w.bytes(sw.buf.subarray(0, sw.pos));
    // Routes, written straight into the buffer, room made for 1,024 at a time.
    w.u32(ins.length);
    for (let i = 0; i < ins.length; i++) {
      if ((i & 1023) === 0) w.ensure(1024 * MAX_ROUTE_BYTES);
      const s = ins.a[i]!;
      w.pos = this.writeRoute(w.buf, w.pos, this.pPrefix[s]!, this.pathIdOf(s), table[pPre[s]!]!);
    }
    w.u32(nOut);
    for (let i = 0; i < nOut; i++) {
      if ((i & 1023) === 0) w.ensure(1024 * MAX_ROUTE_BYTES);
      w.pos = this.writeRoute(w.buf, w.pos, outPrefix[i]!, outPathId[i]!, outAttr[i]!);
    }
    // Routes retained stale (graceful restart in progress): their positions in the Adj-RIB-In
    // list, as gaps; the section and its flag only when there are any.
    if (nStale > 0) {
      w.buf[5] = FLAG_STALE;
      w.u32(nStale);
      let last = -1;
      for (let i = 0; i < ins.length; i++) {
        if ((pReason[ins.a[i]!]! & STALE) === 0) continue;
        w.varint(i - last - 1);
        last = i;
      }
    }
    w.u32(crc32(w.buf, 0, w.pos));
    return w.done();
  }

  /**
   * The journal of a session being exported: inbound batches and outbound deltas with a
   * sequence number greater than `sinceSeq`, in order, to replay on the importing RIB.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.exportSession("10.0.0.2");
   * rib.sessionJournal("10.0.0.2", 0); // []
   * ```
   */
  sessionJournal(address: string, sinceSeq: number): JournalEntry[] {
    const q = this.peer(address);
    return (q.journal ?? []).filter((e) => e.seq > sinceSeq);
  }

  /**
   * Installs a session exported by another RIB: adds the neighbour (established), installs its
   * routes, re-runs the decision process for the affected prefixes only, and computes the
   * incremental update for the neighbour against what the old router had advertised to it.
   *
   * @example
   * ```ts
   * const a = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * a.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * a.peerUp("10.0.0.2");
   * const b = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.3" });
   * const imported = b.importSession(a.exportSession("10.0.0.2"));
   * imported.neighbor.announced.length; // 0
   * ```
   */
  importSession(snapshot: Uint8Array, options: SessionImportOptions = {}): SessionImport {
    const r = new Reader(snapshot);
    if (r.u32("magic") !== MAGIC)
      throw new BgpRibError("BAD_SNAPSHOT", "not a session snapshot (bad magic)", {
        offset: 0,
        field: "magic",
      });
    const version = r.u8("version");
    if (version !== VERSION)
      throw new BgpRibError("BAD_VERSION", `unsupported snapshot version ${version}`, {
        offset: 4,
        field: "version",
      });
    const flags = r.u8("flags");
    if ((flags & ~FLAG_STALE) !== 0)
      throw new BgpRibError("BAD_SNAPSHOT", `unknown snapshot flags 0x${flags.toString(16)}`, {
        offset: 5,
        field: "flags",
      });
    r.u16("reserved");
    if (snapshot.length < r.pos + 4)
      throw new BgpRibError("TRUNCATED", "snapshot truncated", {
        offset: snapshot.length,
        field: "crc",
      });
    const crcAt = snapshot.length - 4;
    const want = new DataView(snapshot.buffer, snapshot.byteOffset + crcAt, 4).getUint32(0);
    if (crc32(snapshot, 0, crcAt) !== want)
      throw new BgpRibError("BAD_CHECKSUM", "snapshot CRC-32 mismatch", {
        offset: crcAt,
        field: "crc",
      });
    const body = new Reader(snapshot.subarray(0, crcAt));
    body.pos = r.pos;
    const seq = body.f64("seq");
    const cfgLen = body.u32("config.length");
    let plain: PeerConfig;
    try {
      plain = JSON.parse(new TextDecoder().decode(body.bytes(cfgLen, "config"))) as PeerConfig;
    } catch (e) {
      throw new BgpRibError(
        "BAD_SNAPSHOT",
        "bad configuration section",
        { offset: 24, field: "config" },
        { cause: e },
      );
    }
    if (typeof plain?.address !== "string" || typeof plain.asn !== "number")
      throw new BgpRibError("BAD_SNAPSHOT", "configuration lacks address/asn", {
        offset: 24,
        field: "config",
      });
    const st = this.store;
    // The parts once each, made this RIB's shared copies: the sets built of them are stored
    // without looking their parts up again (unless normalising made a new AS_PATH).
    const parts = readParts(body, st.adopter);
    const nAttrs = body.u32("attributes.count");
    if (nAttrs > crcAt - body.pos)
      throw new BgpRibError("BAD_SNAPSHOT", "attribute count exceeds snapshot size", {
        offset: body.pos - 4,
        field: "attributes.count",
      });
    // Each set is interned as soon as it is decoded (the decoded object then dies young) but
    // holds no reference until a route takes one: if the rest of the snapshot is bad, the sweep
    // below frees them again.
    const ids = new Int32Array(nAttrs);
    let ins: ReturnType<Rib["readRoutes"]>;
    let outs: ReturnType<Rib["readRoutes"]>;
    let stale: Uint8Array | undefined;
    try {
      for (let i = 0; i < nAttrs; i++) {
        const read = readAttributes(body, parts);
        const a = this.normalize(read);
        const id = a === read ? st.peekOwned(a) : st.peek(a);
        ids[i] = id;
        // The loop check reads the AS_PATH: now, while the decoded set is in the cache.
        if (st.loop[id] === 0) st.loop[id] = this.detectLoop(a) + 1;
      }
      // Parse both route sections before touching the RIB (a bad snapshot changes nothing).
      ins = this.readRoutes(body, nAttrs);
      outs = this.readRoutes(body, nAttrs);
      if (flags & FLAG_STALE) stale = readStale(body, ins.prefix.length);
      if (body.pos !== crcAt)
        throw new BgpRibError("BAD_SNAPSHOT", "trailing bytes", {
          offset: body.pos,
          field: "routes",
        });
    } catch (e) {
      this.store.sweep();
      throw e;
    }

    const config: PeerConfig = {
      ...plain,
      ...(options.importPolicy ? { importPolicy: options.importPolicy } : {}),
      ...(options.exportPolicy ? { exportPolicy: options.exportPolicy } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    };
    this.addPeer(config);
    const q = this.byAddress.get(config.address)!;
    q.seq = seq;
    q.replayed = seq;
    q.up = true;
    q.held = true;
    // What the neighbour has: the old router's Adj-RIB-Out.
    for (let i = 0; i < outs.prefix.length; i++) {
      const id = this.outSet(q, ids[outs.attr[i]!]!);
      this.store.ref(id);
      this.setSent(q, outs.prefix[i]!, outs.pathId[i]!, id);
    }
    // Its Adj-RIB-In (path arrays sized once).
    if (this.pPrefix.length < this.pathTop + ins.prefix.length)
      this.growPaths(this.pathTop + ins.prefix.length);
    const cache = new IntMap();
    this.dirty.reserve(ins.prefix.length);
    for (let i = 0; i < ins.prefix.length; i++) {
      const p = ins.prefix[i]!;
      const s = this.upsertPath(q, p, ins.pathId[i]!, ids[ins.attr[i]!]!);
      this.computePost(s, q, undefined, cache, p);
      if (stale !== undefined && stale[i] === 1) this.pReason[s]! |= STALE;
      this.markDirty(p);
    }
    // Desired output for every prefix the neighbour has or might get.
    const changes = this.process(this.takeDirty(), q);
    q.held = options.hold === true;
    this.inProcess = false;
    const neighbor = q.held ? { withdrawn: [], announced: [] } : this.flush(q);
    if (!q.held) this.tryAttach(q);
    this.store.sweep();
    this.releaseScratch();
    const others = new Map(changes.adjRibOut);
    others.delete(config.address);
    return {
      peer: config.address,
      seq,
      neighbor,
      changes: new ChangeSetWithAdjRibOut(changes, others),
    };
  }

  /**
   * Replays journal entries of an imported session (those with a sequence number above the one
   * already applied; replaying twice is harmless). Inbound batches are applied as updates;
   * outbound deltas (sent by the old router meanwhile) update the neighbour's cumulative view,
   * and the difference to what this router wants it to have is queued.
   *
   * @example
   * ```ts
   * const a = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * a.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * const b = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.3" });
   * const { seq } = b.importSession(a.exportSession("10.0.0.2"));
   * b.replaySession("10.0.0.2", a.sessionJournal("10.0.0.2", seq));
   * ```
   */
  replaySession(address: string, entries: readonly JournalEntry[]): ChangeSet {
    const q = this.peer(address);
    const loc: LocRibChange[] = [];
    const out = new Map<string, AdjRibOutUpdate>();
    const merge = (c: ChangeSet): void => {
      loc.push(...c.locRib);
      for (const [k, v] of c.adjRibOut) {
        const o = out.get(k);
        out.set(
          k,
          o === undefined
            ? v
            : {
                withdrawn: [...o.withdrawn, ...v.withdrawn],
                announced: [...o.announced, ...v.announced],
              },
        );
      }
    };
    for (const e of [...entries].sort((x, y) => x.seq - y.seq)) {
      if (e.seq <= q.replayed) continue;
      q.replayed = e.seq;
      if (e.direction === "in") {
        merge(this.update(address, e.update));
        continue;
      }
      // Outbound entries change what the neighbour has, prefix by prefix: its own view again
      // (it may rejoin its group's shared table after a later batch).
      if (q.shared !== undefined) this.detach(q, true);
      this.attachQueue.push(q);
      for (const w of e.update.withdrawn) {
        const p = this.prefixes.index(w, true);
        this.ensurePrefixCapacity();
        this.setSent(q, p, this.outPathId(q, w), -1);
        this.markDirty(p);
      }
      for (const a of e.update.announced) {
        const id = this.outSet(q, this.store.peek(this.normalize(a.attributes)));
        for (const n of a.nlri) {
          const p = this.prefixes.index(n, true);
          this.ensurePrefixCapacity();
          this.store.ref(id);
          this.setSent(q, p, this.outPathId(q, n), id);
          this.markDirty(p);
        }
      }
      merge(this.process(this.takeDirty(), q, true));
    }
    return { locRib: loc, adjRibOut: out };
  }

  /**
   * Abandons the export of a session (a graft that will not happen, or failed before the new
   * router took the session over): the session stays here and the RIB stops journaling it; its
   * routes are untouched. Returns the number of journal entries dropped; 0 when the session was
   * not being exported (calling it twice is harmless). A later {@link Rib.exportSession} starts
   * a new journal.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.exportSession("10.0.0.2");
   * rib.cancelExport("10.0.0.2"); // 0: nothing was journaled
   * ```
   */
  cancelExport(address: string): number {
    const q = this.peer(address);
    const dropped = q.journal?.length ?? 0;
    q.journal = undefined;
    return dropped;
  }

  /**
   * Releases a session that moved to another router: stops journaling, withdraws the routes
   * learned from it and forgets it; returns the deltas for the remaining neighbours.
   *
   * @example
   * ```ts
   * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
   * rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
   * rib.releaseSession("10.0.0.2").locRib.length; // 0
   * ```
   */
  releaseSession(address: string): ChangeSet {
    const q = this.peer(address);
    q.journal = undefined;
    this.removeAllPaths(q);
    q.up = false;
    q.sweep = -1;
    this.clearOut(q);
    const changes = this.process(this.takeDirty(), undefined);
    this.byAddress.delete(address);
    this.lastPeer = undefined;
    (q as { address: string }).address = "";
    return changes;
  }

  // ------------------------------------------------------------------ internals

  private makePeer(config: PeerConfig, kind: PeerKind): PeerState {
    const bgpId = ipv4Number(config.bgpIdentifier, "bgpIdentifier");
    const multiMask = sendMask(config.addPath?.send);
    const q: PeerState = {
      idx: this.peerIndex(),
      in4: 0,
      in6: 0,
      acc4: 0,
      acc6: 0,
      out4: 0,
      out6: 0,
      rx: new Float64Array(RX_SIZE),
      config,
      kind,
      address: config.address,
      bgpId,
      policyPeer: policyPeerOf(config, kind),
      up: false,
      held: false,
      sweep: -1,
      sent: new Int32Array(0),
      shared: undefined,
      pendVal: undefined,
      pendList: new IntList(),
      pendIds: new IntList(),
      multiMask,
      sentMulti: multiMask !== 0 ? new Map() : undefined,
      pendingMulti: multiMask !== 0 ? new Map() : undefined,
      exportCache: this.exportGroup(config, kind),
      seq: 0,
      replayed: 0,
      journal: undefined,
    };
    this.peers.push(q);
    this.byAddress.set(config.address, q);
    return q;
  }

  /**
   * The export cache of the update group of a neighbour with this configuration: neighbours of
   * the same kind, the same export policy object and the same local addresses and next-hop-self
   * setting are sent the same attributes for the same route (the transformation of RFC 4271 §5
   * and the policy, which may not depend on the peer when it is cacheable, are all it depends
   * on past the per-neighbour checks), so they share one cache.
   */
  private exportGroup(config: PeerConfig, kind: PeerKind): IntMap {
    const policy = config.exportPolicy;
    let pid = 0;
    if (policy !== undefined) {
      pid = this.policyIds.get(policy) ?? 0;
      if (pid === 0) {
        pid = this.policyIds.size + 1;
        this.policyIds.set(policy, pid);
      }
    }
    // Path rewrites on export (asOverride depends on the neighbour's AS) are part of the key.
    const rewrite = `${config.removePrivateAs ?? ""}|${config.asOverride === true ? config.asn : ""}|${config.routeServerClient === true ? "rs" : ""}|${config.longLivedGracefulRestart === true ? "llgr" : ""}|${config.extendedNextHop === true ? "enh" : ""}`;
    const key = `${kind}|${pid}|${config.localAddress ?? ""}|${config.localIpv6Address ?? ""}|${config.localLinkLocalAddress ?? ""}|${config.nextHopSelf === true ? 1 : 0}|${config.role ?? ""}|${rewrite}`;
    let m = this.exportGroups.get(key);
    if (m === undefined) {
      m = new IntMap();
      this.exportGroups.set(key, m);
    }
    return m;
  }

  private peer(address: string): PeerState {
    // Batches mostly come from the neighbour of the one before: comparing its address text is
    // cheaper than hashing a string that arrives fresh with every UPDATE.
    const last = this.lastPeer;
    if (last !== undefined && last.address === address) return last;
    const q = this.byAddress.get(address);
    if (q === undefined || q.idx === 0)
      throw new BgpRibError("UNKNOWN_PEER", `no peer ${address}`, { field: "peer" });
    this.lastPeer = q;
    return q;
  }

  private toPrefix(p: string | Prefix): Prefix {
    if (typeof p !== "string") return p;
    const slash = p.indexOf("/");
    const address = p.slice(0, slash);
    return { afi: address.includes(":") ? 2 : 1, address, length: Number(p.slice(slash + 1)) };
  }

  /**
   * Route attributes as stored: NLRI lists out of MP_REACH_NLRI, no MP_UNREACH_NLRI, AS4 merged
   * (the set itself when there is nothing to change). LOCAL_PREF from an external peer is dropped
   * when the set is interned ({@link AttributeStore.internWithoutLocalPref}): RFC 4271 §5.1.5 has
   * a speaker ignore it, and like FRR, BIRD and OpenBGPD the RIB drops it on receipt, so it is not
   * in the pre-policy Adj-RIB-In either (and an accept-all import keeps one set for both views).
   */
  private normalize(a: PathAttributes): PathAttributes {
    let out = a;
    if (a.mpReachNlri !== undefined && a.mpReachNlri.nlri.length > 0)
      out = { ...out, mpReachNlri: { ...a.mpReachNlri, nlri: [] } };
    if (a.mpUnreachNlri !== undefined) {
      const { mpUnreachNlri: _, ...rest } = out;
      out = rest;
    }
    if (a.as4Path !== undefined) {
      const asPath = reconcileAsPath(a);
      const { as4Path: _p, as4Aggregator: _g, ...rest } = out;
      out = asPath === undefined ? rest : { ...rest, asPath };
      if (a.as4Aggregator !== undefined && a.aggregator?.asn === 23456)
        out = { ...out, aggregator: a.as4Aggregator };
    }
    return out;
  }

  private apply(q: PeerState, update: RibUpdate): void {
    const addPath = q.config.addPath?.receive === true;
    const ebgp = q.kind === "ebgp";
    const withdrawn = update.withdrawn ?? NONE;
    // Routes in this UPDATE, and duplicates before it: all of them duplicates = a duplicate UPDATE.
    let routes = withdrawn.length;
    const dupsBefore = q.rx[DUP_ANNOUNCED]! + q.rx[DUP_WITHDRAWN]!;
    for (let i = 0; i < withdrawn.length; i++) {
      const w = withdrawn[i]!;
      const p = this.prefixes.index(w, false);
      let found = false;
      if (p >= 0) {
        const pathId = addPath ? (w.pathId ?? 0) : 0;
        for (let s = this.head[p]!; s >= 0; s = this.pNext[s]!) {
          if (this.pPeer[s] === q.idx && this.pathIdOf(s) === pathId) {
            this.removePath(s);
            this.markDirty(p);
            found = true;
            break;
          }
        }
      }
      if (!found) q.rx[DUP_WITHDRAWN]!++;
    }
    const cache = this.importCache;
    cache.clear();
    const announced = update.announced ?? NONE;
    for (let i = 0; i < announced.length; i++) {
      const a = announced[i]!;
      if (a.nlri.length === 0) continue;
      const input = a.attributes;
      const pre = Object.isFrozen(input)
        ? this.internFrozen(input, ebgp)
        : this.internReceived(input, ebgp);
      const nlri = a.nlri;
      const rx = q.rx;
      routes += nlri.length;
      let reasons = 0;
      for (let k = 0; k < nlri.length; k++) {
        const n = nlri[k]!;
        const p = this.prefixes.index(n, true);
        this.ensurePrefixCapacity();
        const s = this.upsertPath(q, p, addPath ? (n.pathId ?? 0) : 0, pre);
        this.computePost(s, q, n, cache);
        const r = this.pReason[s]! & ~STALE;
        if (r !== 0) {
          rx[r]!++;
          reasons |= 1 << r;
        }
        this.markDirty(p);
      }
      if (reasons !== 0)
        for (let r = 1; r < RX_UPDATES; r++) if (reasons & (1 << r)) rx[RX_UPDATES + r]!++;
      this.store.unref(pre);
    }
    if (routes > 0 && q.rx[DUP_ANNOUNCED]! + q.rx[DUP_WITHDRAWN]! - dupsBefore === routes)
      q.rx[DUP_UPDATES]!++;
  }

  /**
   * Interns a received set (one reference taken): as it is, or from an external peer without
   * LOCAL_PREF (RFC 4271 §5.1.5).
   */
  private internReceived(input: PathAttributes, ebgp: boolean): number {
    const at = this.normalize(input);
    return ebgp ? this.store.internWithoutLocalPref(at) : this.store.intern(at);
  }

  /** {@link Rib.internReceived} of a frozen set: by its identity when seen before (frozenSets). */
  private internFrozen(input: PathAttributes, ebgp: boolean): number {
    const frozenSets = this.frozenSets[ebgp ? 1 : 0];
    const known = frozenSets.get(input);
    if (known !== undefined && this.store.refIfHolds(known.id, known.set)) return known.id;
    const pre = this.internReceived(input, ebgp);
    frozenSets.set(input, { id: pre, set: this.store.get(pre) });
    return pre;
  }

  /** Adds or replaces the path (q, pathId) of prefix p with pre-policy attributes `pre` (ref taken). */
  private upsertPath(q: PeerState, p: number, pathId: number, pre: number): number {
    this.ensurePrefixCapacity();
    for (let s = this.head[p]!; s >= 0; s = this.pNext[s]!) {
      if (this.pPeer[s] === q.idx && this.pathIdOf(s) === pathId) {
        // The same route again (a route retained stale and announced again is not a duplicate).
        if (this.pPre[s] === pre && (this.pReason[s]! & STALE) === 0) q.rx[DUP_ANNOUNCED]!++;
        // Implicit withdraw (RFC 4271 §3.1): the new route replaces the old one.
        this.store.ref(pre);
        this.store.unref(this.pPre[s]!);
        this.unrefPost(s);
        this.pPre[s] = pre;
        this.pArrival[s] = this.nextArrival();
        this.pReason[s]! &= ~STALE;
        return s;
      }
    }
    let s = this.freePaths.pop();
    if (s === undefined) {
      s = this.pathTop++;
      if (s >= this.pPrefix.length) this.growPaths();
    }
    this.pathCount++;
    if (this.prefixes.isV6(p)) q.in6++;
    else q.in4++;
    this.store.ref(pre);
    this.pPrefix[s] = p;
    this.pPeer[s] = q.idx;
    if (this.pPathId !== undefined) this.pPathId[s] = pathId;
    else if (pathId !== 0) {
      this.pPathId = new Uint32Array(this.pPrefix.length);
      this.pPathId[s] = pathId;
    }
    this.pPre[s] = pre;
    this.pPost[s] = -1;
    this.pReason[s] = 0;
    this.pArrival[s] = this.nextArrival();
    this.pNext[s] = this.head[p]!;
    this.head[p] = s;
    return s;
  }

  private unrefPost(s: number): void {
    const post = this.pPost[s]!;
    if (post >= 0) {
      // The Loc-RIB's set for the prefix, needed by the batch's decision to see what changed.
      const p = this.pPrefix[s]!;
      if (this.best[p] === s && this.oldBest.get(p) === MISSING) this.oldBest.set(p, post);
    }
    this.store.unref(post);
    this.setPost(s, -1);
  }

  /** Sets path s's post-policy set, keeping its neighbour's accepted-route counts. */
  private setPost(s: number, post: number): void {
    const was = this.pPost[s]!;
    this.pPost[s] = post;
    if (was < 0 === post < 0) return;
    const q = this.peers[this.pPeer[s]!]!;
    const d = post < 0 ? -1 : 1;
    if (this.prefixes.isV6(this.pPrefix[s]!)) q.acc6 += d;
    else q.acc4 += d;
  }

  /** Import processing (loop checks, RFC 8212, import policy) of path s; sets pPost/pReason. */
  private computePost(
    s: number,
    q: PeerState,
    prefix: Prefix | undefined,
    cache: IntMap,
    prefixIdx = -1,
  ): void {
    const pre = this.pPre[s]!;
    const policy = q.config.importPolicy;
    const cacheable = policy === undefined || policy.prefixIndependent === true;
    let post = cacheable ? cache.get(pre) : MISSING;
    if (post === MISSING) {
      post = this.importResult(
        q,
        pre,
        prefix ?? this.prefixes.prefix(prefixIdx >= 0 ? prefixIdx : this.pPrefix[s]!),
      );
      if (cacheable) cache.set(pre, post);
    }
    if (post < 0) {
      this.setPost(s, -1);
      this.pReason[s] = (this.pReason[s]! & STALE) | -post;
    } else {
      this.store.ref(post);
      this.setPost(s, post);
      this.pReason[s]! &= STALE;
    }
  }

  /** Attribute id after import processing (no reference taken), or -reason. */
  private importResult(q: PeerState, pre: number, prefix: Prefix): number {
    const st = this.store;
    if (q.kind !== "local") {
      let loop = st.loop[pre]!;
      if (loop === 0) {
        loop = this.detectLoop(st.get(pre)) + 1;
        st.loop[pre] = loop;
      }
      // loop codes: 1 none, 2 as-loop, 3 originator, 4 cluster, 5 confederation loop
      if (loop === 2 && q.kind !== "ibgp") {
        // allowas-in: our AS up to allowOwnAs times is no loop (the other checks still apply).
        const allow = q.config.allowOwnAs ?? 0;
        if (allow === 0 || this.ownAsCount(st.get(pre)) > allow) return -R_ASLOOP;
        loop = this.detectLoop(st.get(pre), true) + 1;
      }
      if (loop === 5 && q.kind === "confed-ebgp") return -R_CONFED_LOOP;
      // RFC 5065 §5.3: confederation segments from outside the confederation are an error;
      // RFC 7606 §3 (g) handles it as treat-as-withdraw.
      if (q.kind === "ebgp" && st.pathFlags[pre]! & CONFED_SEGMENT) return -R_CONFED;
      // RFC 9774 §3: AS_SET / AS_CONFED_SET deprecated — treat-as-withdraw when configured.
      if (this.rejectAsSets && st.pathFlags[pre]! & SET_SEGMENT) return -R_AS_SET;
      if (loop === 3) return -R_ORIGINATOR;
      if (loop === 4) return -R_CLUSTER;
    }
    const policy = q.config.importPolicy;
    if (policy === undefined) {
      if (q.kind === "ebgp" && this.rfc8212) return -R_8212;
    }
    let a = st.get(pre);
    // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored (confederation peers excepted).
    if (q.kind === "ebgp" && a.localPref !== undefined) {
      const { localPref: _, ...rest } = a;
      a = rest;
    }
    // RFC 9234 §5, ingress.
    const role = q.config.role;
    if (role !== undefined) {
      const otc = a.onlyToCustomer;
      if (otc === undefined) {
        if (aboveOrPeer(role)) a = { ...a, onlyToCustomer: q.config.asn };
      } else if (!aboveOrPeer(role) || (role === "peer" && otc !== q.config.asn)) return -R_LEAK;
    }
    const result = policy === undefined ? a : policy({ prefix, attributes: a, peer: q.policyPeer });
    if (result === undefined) return -R_POLICY;
    const src = st.get(pre);
    if (result === src) return pre;
    return st.peek(result, src);
  }

  /**
   * 0 none, 1 AS loop, 2 ORIGINATOR_ID is ours, 3 our CLUSTER_ID in CLUSTER_LIST, 4 in a
   * confederation, our member AS in AS_CONFED segments only (a loop inside the confederation).
   */
  private detectLoop(a: PathAttributes, ownAsAllowed = false): number {
    const own = this.config.asn;
    const confed = this.config.confederation?.identifier;
    const path = a.asPath ?? NONE;
    let confedLoop = false;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const asns = seg.asns;
      for (let k = 0; k < asns.length; k++) {
        if (asns[k] !== own && asns[k] !== confed) continue;
        if (
          confed === undefined ||
          (seg.type !== "AS_CONFED_SEQUENCE" && seg.type !== "AS_CONFED_SET")
        ) {
          if (ownAsAllowed) continue; // allowas-in: counted by the caller
          return 1;
        }
        confedLoop = true;
      }
    }
    if (confedLoop) return 4;
    if (a.originatorId === this.config.bgpIdentifier) return 2;
    if (a.clusterList?.includes(this.clusterId)) return 3;
    return 0;
  }

  /** How many times our AS (or confederation identifier) is in an AS_PATH's non-confederation segments. */
  private ownAsCount(a: PathAttributes): number {
    const own = this.config.asn;
    const confed = this.config.confederation?.identifier;
    let n = 0;
    for (const seg of a.asPath ?? NONE) {
      if (seg.type === "AS_CONFED_SEQUENCE" || seg.type === "AS_CONFED_SET") continue;
      for (const x of seg.asns) if (x === own || x === confed) n++;
    }
    return n;
  }

  private removePath(s: number): void {
    const p = this.pPrefix[s]!;
    let prev = -1;
    for (let x = this.head[p]!; x >= 0; x = this.pNext[x]!) {
      if (x === s) break;
      prev = x;
    }
    if (prev < 0) this.head[p] = this.pNext[s]!;
    else this.pNext[prev] = this.pNext[s]!;
    this.store.unref(this.pPre[s]!);
    this.unrefPost(s);
    this.pPre[s] = -1;
    this.pathCount--;
    const q = this.peers[this.pPeer[s]!]!;
    if (this.prefixes.isV6(p)) q.in6--;
    else q.in4--;
    this.deferredFree.push(s);
  }

  private removeAllPaths(q: PeerState): void {
    for (let s = 0; s < this.pathTop; s++) {
      if (this.pPeer[s] !== q.idx || this.pPre[s]! < 0) continue;
      const p = this.pPrefix[s]!;
      this.removePath(s);
      this.markDirty(p);
    }
  }

  private clearOut(q: PeerState): void {
    if (q.shared !== undefined) this.detach(q, false);
    const pend = q.pendVal;
    for (let i = 0; i < q.pendList.length; i++) {
      if (pend === undefined) {
        this.store.unref(q.pendIds.a[i]!);
        continue;
      }
      const p = q.pendList.a[i]!;
      this.store.unref(pend[p]!);
      pend[p] = NOT_PENDING;
    }
    q.pendList.clear();
    q.pendIds.clear();
    q.pendVal = undefined;
    for (let p = 0; p < q.sent.length; p++) {
      this.store.unref(q.sent[p]!);
      q.sent[p] = -1;
    }
    q.out4 = 0;
    q.out6 = 0;
    if (q.sentMulti) {
      for (const m of q.sentMulti.values()) for (const id of m.values()) this.store.unref(id);
      for (const m of q.pendingMulti!.values()) for (const id of m.values()) this.store.unref(id);
      q.sentMulti.clear();
      q.pendingMulti!.clear();
    }
  }

  private markDirty(p: number): void {
    const b = p >> 3;
    const m = 1 << (p & 7);
    const v = this.dirtyBits[b]!;
    if ((v & m) === 0) {
      this.dirtyBits[b] = v | m;
      this.dirty.push(p);
    }
  }

  /** The dirty list, handed to {@link Rib.process} (which empties it and keeps it as the spare). */
  private takeDirty(): IntList {
    const d = this.dirty;
    this.dirty = this.spareDirty ?? new IntList();
    this.spareDirty = undefined;
    return d;
  }

  private reachable(id: number): boolean {
    const st = this.store;
    let s = st.nhState[id]!;
    if (s === 0) {
      const resolver = this.config.resolver;
      const a = st.get(id);
      const nh = forwardingHop(a);
      if (resolver === undefined || nh === undefined) {
        s = 1;
        st.setIgpCost(id, 0);
      } else {
        const r = resolver(nh);
        s = r.reachable ? 1 : 2;
        st.setIgpCost(id, r.igpCost);
      }
      st.nhState[id] = s;
    }
    return s === 1;
  }

  private candidate(s: number): DecisionCandidate {
    const st = this.store;
    const id = this.pPost[s]!;
    const q = this.peers[this.pPeer[s]!]!;
    const has = st.present[id]!;
    const reachable = this.reachable(id);
    return {
      reachable,
      localPref: has & HAS_LOCAL_PREF ? st.localPref[id]! : this.defaultLocalPref,
      asPathLength: st.pathLength[id]!,
      origin: st.origin[id]!,
      med: effectiveMed(has & HAS_MED ? st.med[id] : undefined, this.options),
      neighborAs: st.neighborAs[id]!,
      peerKind: q.kind,
      igpCost: st.igpCost(id),
      arrival: this.pArrival[s]!,
      bgpIdentifier: has & HAS_ORIGINATOR ? st.originator![id]! : q.bgpId,
      clusterListLength: st.clusterLength(id),
      peerAddress: q.idx === 0 ? "0.0.0.0" : q.address,
      pathId: this.pathIdOf(s),
      llgrStale: (st.communityFlags[id]! & LLGR_STALE) !== 0,
    };
  }

  private computeBest(p: number): number {
    const h = this.head[p]!;
    if (h < 0) return -1;
    if (this.pNext[h]! < 0) return this.pPost[h]! >= 0 && this.reachable(this.pPost[h]!) ? h : -1;
    const slots: number[] = [];
    const cands: DecisionCandidate[] = [];
    for (let s = h; s >= 0; s = this.pNext[s]!) {
      if (this.pPost[s]! < 0) continue;
      slots.push(s);
      cands.push(this.candidate(s));
    }
    if (slots.length === 0) return -1;
    if (!this.options.deterministicMed && slots.length > 1) return this.newestFirst(slots, cands);
    const i = selectBest(cands, this.options);
    return i < 0 ? -1 : slots[i]!;
  }

  // Apart from computeBest, which runs per changed prefix: a function whose locals a closure
  // captures allocates their context on every call, also when the closure is never made.
  /** The best of the candidates compared pairwise newest first, as most implementations do. */
  private newestFirst(slots: readonly number[], cands: readonly DecisionCandidate[]): number {
    const order = slots.map((_, i) => i).sort((a, b) => cands[b]!.arrival - cands[a]!.arrival);
    const i = selectBest(
      order.map((k) => cands[k]!),
      this.options,
    );
    return i < 0 ? -1 : slots[order[i]!]!;
  }

  private route(s: number, id: number): Route {
    const q = this.peers[this.pPeer[s]!];
    const prefix = this.prefixes.prefix(this.pPrefix[s]!);
    const addPath = q?.config.addPath?.receive === true;
    return {
      prefix: addPath ? { ...prefix, pathId: this.pathIdOf(s) } : prefix,
      attributes: this.store.get(id),
      peer: q === undefined ? "" : q.address,
    };
  }

  /**
   * Decision for the dirty prefixes, then export towards every established neighbour (and the
   * whole table towards `fullPeer`), then flush the queues of neighbours not held.
   */
  private process(
    dirty: IntList,
    fullPeer: PeerState | undefined,
    fullIsDirtyOnly = false,
    fullFrom = 0,
    fullTo = -1,
  ): ChangeSet {
    this.batchNo++;
    this.inProcess = true;
    // Sized for the worst case and trimmed: no copying growth on a full-table batch.
    if (this.changedScratch.length < dirty.length)
      this.changedScratch = new Int32Array(grownCapacity(this.changedScratch.length, dirty.length));
    const changed = this.changedScratch;
    // Records of the best routes that changed, allocated at the first (most batches of a RIB with
    // many neighbours change none).
    let recInts: Int32Array = NO_RECORDS;
    let recSets: (PathAttributes | undefined)[] | undefined;
    let recMulti: (readonly Route[] | undefined)[] | undefined;
    let nChanged = 0;
    let nRec = 0;
    const dirtyList = dirty.a;
    for (let i = 0; i < dirty.length; i++) {
      const p = dirtyList[i]!;
      this.dirtyBits[p >> 3]! &= ~(1 << (p & 7));
      const nb = this.computeBest(p);
      const na = nb >= 0 ? this.pPost[nb]! : -1;
      const ob = this.best[p]!;
      let oa = ob < 0 ? -1 : this.pPost[ob]!;
      if (ob >= 0 && this.oldBest.size > 0) {
        const was = this.oldBest.get(p);
        if (was !== MISSING) oa = was;
      }
      let mWas: Int32Array | undefined;
      let mNow: Int32Array | undefined;
      let mChanged = false;
      if (this.multipathOn) {
        mWas = this.multi.get(p);
        mNow = this.computeMultipath(p, nb);
        mChanged = !sameInts(mWas, mNow);
      }
      if (nb === ob && na === oa && !mChanged) {
        if (fullIsDirtyOnly) changed[nChanged++] = p;
        continue;
      }
      this.best[p] = nb;
      if (ob < 0) this.locCount++;
      if (nb < 0) this.locCount--;
      changed[nChanged++] = p;
      if (recSets === undefined) {
        recInts = batchInts((dirty.length - i) * 3);
        recSets = new Array((dirty.length - i) * 2);
      }
      recInts[3 * nRec] = p;
      recInts[3 * nRec + 1] = ob < 0 ? -1 : this.pPeer[ob]!;
      recInts[3 * nRec + 2] = nb < 0 ? -1 : this.pPeer[nb]!;
      recSets[2 * nRec] = ob < 0 ? undefined : this.store.get(oa);
      recSets[2 * nRec + 1] = nb < 0 ? undefined : this.store.get(na);
      if (mWas !== undefined || mNow !== undefined) {
        recMulti ??= [];
        recMulti[2 * nRec] = mWas === undefined ? undefined : this.multiRoutes(p, mWas);
        recMulti[2 * nRec + 1] = mNow === undefined ? undefined : this.multiRoutes(p, mNow);
        if (mChanged) this.setMulti(p, mWas, mNow);
      }
      nRec++;
      if (this.withFib) this.updateFib(p, nb < 0 ? -1 : na, mNow);
    }
    if (this.oldBest.size > 0) this.oldBest.clear();
    // The deltas: the first in (oneTo, oneDelta), a Map from the second on.
    let adjRibOut: Map<string, AdjRibOutUpdate> | undefined;
    let oneTo: string | undefined;
    let oneDelta: AdjRibOutUpdate | undefined;
    for (let k = 0; k < this.peers.length; k++) {
      const q = this.peers[k]!;
      if (q.idx === 0 || !q.up) continue;
      const cache = this.freshExportCache();
      let d: AdjRibOutUpdate;
      if (q.shared !== undefined) {
        // In step with its group (a refresh changes nothing): the group's changes, as this member
        // sees them.
        const g = q.shared;
        if (g.batch !== this.batchNo) this.updateShared(g, q, changed, nChanged, cache);
        d = this.sharedDelta(g, q);
        if (d === EMPTY_DELTA) continue;
        q.seq++;
        if (q.journal !== undefined) q.journal.push({ seq: q.seq, direction: "out", update: d });
      } else {
        if (q === fullPeer && !fullIsDirtyOnly) {
          const to = fullTo < 0 ? this.prefixes.count : fullTo;
          for (let p = fullFrom; p < to; p++) this.exportPrefix(q, p, cache);
        } else if (q.sentMulti !== undefined) {
          // ADD-PATH send: a change of any path matters, not only of the best.
          for (let i = 0; i < dirty.length; i++) this.exportPrefix(q, dirty.a[i]!, cache);
        } else this.exportChanged(q, changed, nChanged, cache);
        // Flushed before the next neighbour's export: the shared pending array is then empty again.
        if (q.held) continue;
        if (q.pendList.length === 0 && (q.pendingMulti === undefined || q.pendingMulti.size === 0))
          continue;
        d = this.flush(q);
        if (this.flushed === 0) continue;
      }
      if (oneTo === undefined) {
        oneTo = q.address;
        oneDelta = d;
      } else {
        adjRibOut ??= new Map([[oneTo!, oneDelta!]]);
        adjRibOut.set(q.address, d);
      }
    }
    this.inProcess = false;
    this.prevFlushBatch = -1;
    this.prevDelta = EMPTY_DELTA; // the caller's now: not kept alive here until the next batch
    this.releaseScratch();
    if (this.attachQueue.length > 0) {
      const queue = this.attachQueue;
      this.attachQueue = [];
      for (let i = 0; i < queue.length; i++) this.tryAttach(queue[i]!);
    }
    this.store.sweep();
    if (this.deferredFree.length > 0) {
      for (let i = 0; i < this.deferredFree.length; i++) this.freePaths.push(this.deferredFree[i]!);
      this.deferredFree.length = 0;
    }
    if (dirty !== this.dirty) {
      dirty.clear();
      this.spareDirty = dirty;
    }
    return new LazyChangeSet(
      this.prefixes,
      this.peers,
      recInts,
      recSets ?? NONE,
      nRec,
      adjRibOut ?? (oneTo === undefined ? NO_DELTAS : new OneDelta(oneTo, oneDelta!)),
      recMulti,
    );
  }

  /**
   * The routes of prefix p to forward over when multipath gives several: (path, peer index,
   * attribute id) of each, the best (path nb) first; `undefined` for one or none.
   */
  private computeMultipath(p: number, nb: number): Int32Array | undefined {
    if (nb < 0) return undefined;
    const h = this.head[p]!;
    if (this.pNext[h]! < 0) return undefined;
    const slots: number[] = [];
    const cands: DecisionCandidate[] = [];
    const hops: (string | undefined)[] = [];
    let best = -1;
    for (let s = h; s >= 0; s = this.pNext[s]!) {
      const id = this.pPost[s]!;
      if (id < 0) continue;
      if (s === nb) best = slots.length;
      slots.push(s);
      cands.push(this.candidate(s));
      hops.push(forwardingHop(this.store.get(id)));
    }
    const picked = selectMultipath(cands, best, this.options, {
      nextHops: hops,
      sameAsPath: (i, j) =>
        pathEqual(
          this.store.get(this.pPost[slots[i]!]!).asPath,
          this.store.get(this.pPost[slots[j]!]!).asPath,
        ),
    });
    if (picked.length < 2) return undefined;
    const out = new Int32Array(picked.length * 3);
    for (let k = 0; k < picked.length; k++) {
      const s = slots[picked[k]!]!;
      out[3 * k] = s;
      out[3 * k + 1] = this.pPeer[s]!;
      out[3 * k + 2] = this.pPost[s]!;
    }
    return out;
  }

  /** Routes of a multipath entry (see {@link Rib.multi}) of prefix p. */
  private multiRoutes(p: number, m: Int32Array): Route[] {
    const prefix = this.prefixes.prefix(p);
    const out: Route[] = [];
    for (let k = 0; k < m.length; k += 3)
      out.push({
        prefix,
        attributes: this.store.get(m[k + 2]!),
        peer: this.peers[m[k + 1]!]!.config.address,
      });
    return out;
  }

  /** Replaces prefix p's multipath entry (references moved from the old sets to the new). */
  private setMulti(p: number, was: Int32Array | undefined, now: Int32Array | undefined): void {
    if (now !== undefined) {
      for (let k = 2; k < now.length; k += 3) this.store.ref(now[k]!);
      this.multi.set(p, now);
    } else this.multi.delete(p);
    if (was !== undefined) for (let k = 2; k < was.length; k += 3) this.store.unref(was[k]!);
  }

  /**
   * The FIB entry of prefix p after its best route changed to attribute set `id` (-1: none), or
   * its multipath routes to `multi` (see {@link Rib.multi}).
   */
  private updateFib(p: number, id: number, multi?: Int32Array): void {
    const pt = this.prefixes;
    const v4 = !pt.isV6(p);
    const a = id < 0 ? undefined : this.store.get(id);
    let nh: string | string[] | undefined = a === undefined ? undefined : forwardingHop(a);
    if (multi !== undefined) {
      nh = [];
      for (let k = 2; k < multi.length; k += 3) nh.push(forwardingHop(this.store.get(multi[k]!))!);
    }
    if (v4) {
      // The prefix table holds IPv4 prefixes as (address, length) already: no object, no checks.
      this.fibIndex.hint = p;
      if (nh !== undefined) this.fib.set4(pt.addr[p]!, pt.length[p]!, nh);
      else this.fib.delete4(pt.addr[p]!, pt.length[p]!);
    } else if (nh !== undefined) this.fib.set(pt.ipPrefix(p), nh);
    else this.fib.delete(pt.ipPrefix(p));
  }

  /**
   * Queues for neighbour q (no ADD-PATH send) what it should have for the `n` prefixes whose best
   * route changed. Members of an update group with a cacheable export policy are sent the same
   * set for the same route unless it came from them (or is reflected between iBGP neighbours,
   * which depends on the member): the group's result per prefix is computed by its first member
   * in the batch and read by the others.
   */
  private exportChanged(
    q: PeerState,
    changed: Int32Array,
    n: number,
    cache: Map<number, number>,
  ): void {
    const policy = q.config.exportPolicy;
    let shared: Int32Array | undefined;
    if (policy === undefined || policy.prefixIndependent === true) {
      let g = this.groupBatch.get(q.exportCache);
      if (g === undefined) {
        g = { batch: -1, ids: new Int32Array(0) };
        this.groupBatch.set(q.exportCache, g);
      }
      if (g.batch !== this.batchNo) {
        if (g.ids.length < n) {
          g.ids = new Int32Array(grownCapacity(g.ids.length, n));
          if (n > SCRATCH_KEEP) this.largeGroupBatch = true;
        }
        const ids = g.ids;
        if (n > 64) ids.fill(UNKNOWN_EXPORT, 0, n);
        else for (let i = 0; i < n; i++) ids[i] = UNKNOWN_EXPORT; // most batches: no builtin call
        g.batch = this.batchNo;
      }
      shared = g.ids;
    }
    const best = this.best;
    const pPeer = this.pPeer;
    if (q.pendVal === undefined && !q.held) {
      // Room for the batch in the queue at once (see IntList.reserve): a changed best route is
      // mostly a queued one.
      q.pendList.reserve(n);
      q.pendIds.reserve(n);
    }
    for (let i = 0; i < n; i++) {
      const p = changed[i]!;
      const b = best[p]!;
      let id: number;
      if (b < 0) id = -1;
      else if (shared === undefined) id = this.exportAttr(q, b, p, cache);
      else {
        const from = pPeer[b]!;
        if (from === q.idx) id = -1;
        else if (q.kind === "ibgp" && this.peers[from]!.kind === "ibgp") {
          id = this.exportAttr(q, b, p, cache);
        } else {
          id = shared[i]!;
          if (id === UNKNOWN_EXPORT) {
            id = this.exportAttr(q, b, p, cache);
            shared[i] = id;
          }
        }
      }
      this.queue(q, p, id);
    }
  }

  /** Recomputes what neighbour q should have for prefix p and queues it. */
  private exportPrefix(q: PeerState, p: number, cache: Map<number, number>): void {
    if ((q.multiMask & this.familyBit(p)) === 0) {
      const b = this.best[p]!;
      const id = b < 0 ? -1 : this.exportAttr(q, b, p, cache);
      this.queue(q, p, id);
      return;
    }
    // ADD-PATH send: every eligible path, identified by its slot number + 1.
    const want = new Map<number, number>();
    for (let s = this.head[p]!; s >= 0; s = this.pNext[s]!) {
      const post = this.pPost[s]!;
      if (post < 0 || !this.reachable(post)) continue;
      const id = this.exportAttr(q, s, p, cache);
      if (id >= 0) {
        this.store.ref(id);
        want.set(s + 1, id);
      }
    }
    const old = q.pendingMulti!.get(p);
    if (old !== undefined) for (const id of old.values()) this.store.unref(id);
    q.pendingMulti!.set(p, want);
  }

  private queue(q: PeerState, p: number, id: number): void {
    let pend = q.pendVal;
    if (pend === undefined) {
      if (!q.held) {
        // Flushed right after this export: the prefix is not pending yet.
        if (id === (p < q.sent.length ? q.sent[p]! : -1)) return;
        q.pendList.push(p);
        q.pendIds.push(id);
        this.store.ref(id);
        return;
      }
      pend = new Int32Array(this.head.length).fill(NOT_PENDING);
      q.pendVal = pend;
    }
    // Nothing to do (and no array to grow) when the neighbour has the state and none is pending.
    if (
      id === (p < q.sent.length ? q.sent[p]! : -1) &&
      (p >= pend.length || pend[p] === NOT_PENDING)
    )
      return;
    if (p >= pend.length) {
      const t = new Int32Array(grownCapacity(pend.length, Math.max(p + 1, this.head.length)));
      t.fill(NOT_PENDING);
      t.set(pend);
      pend = t;
      q.pendVal = t;
    }
    const old = pend[p]!;
    if (old !== NOT_PENDING) this.store.unref(old);
    else if (id === (p < q.sent.length ? q.sent[p]! : -1)) return;
    else q.pendList.push(p);
    this.store.ref(id);
    pend[p] = id;
  }

  /**
   * Attribute id of path s as exported to q (no reference taken), or -1 if not exported. With
   * `group`, as exported to q's update group: also when the route came from q.
   */
  private exportAttr(
    q: PeerState,
    s: number,
    p: number,
    cache: Map<number, number>,
    group = false,
  ): number {
    const rule = this.exportRule(q, s, group);
    if (rule === NOT_SENT) return -1;
    const reflect = rule === REFLECTED;
    const from = this.peers[this.pPeer[s]!]!;
    const post = this.pPost[s]!;
    const st = this.store;
    const policy = q.config.exportPolicy;
    if (policy === undefined && q.kind === "ebgp" && this.rfc8212) return -1;
    const v6 = this.prefixes.isV6(p);
    const cacheable = policy === undefined || policy.prefixIndependent === true;
    // A typed-array cache for the common case, a Map for reflected routes (see exportSlot).
    const slot = exportSlot(post, v6, from);
    const key = reflect ? reflectedKey(slot, from) : -1;
    if (cacheable) {
      if (!reflect) {
        const c = q.exportCache.get(slot);
        if (c !== MISSING) return c;
      } else {
        const c = cache.get(key);
        if (c !== undefined) return c;
      }
    }
    const src = st.get(post);
    let id = -1;
    if (policy === undefined && this.plainIbgp(src, q, v6, reflect)) {
      // The common iBGP case: the set itself with LOCAL_PREF (see transform) — stored as the set
      // itself when that is the default (see outSet).
      id = !v6 && this.unreadableHop(q, post) ? -1 : this.outSet(q, post);
      if (cacheable) q.exportCache.set(slot, id);
      return id;
    }
    let a: PathAttributes | undefined = this.transform(src, from, q, v6, reflect, post);
    // RFC 9234 §5, egress (eBGP sessions only: never reflected).
    const role = q.config.role;
    if (role !== undefined) {
      if (a.onlyToCustomer !== undefined) {
        if (aboveOrPeer(role)) a = undefined;
      } else if (belowOrPeer(role))
        a = { ...a, onlyToCustomer: this.config.confederation?.identifier ?? this.config.asn };
    }
    if (policy !== undefined && a !== undefined)
      a = policy({ prefix: this.prefixes.prefix(p), attributes: a, peer: q.policyPeer });
    if (a !== undefined)
      id =
        a.localPref === this.defaultLocalPref && this.sendsLocalPref(q)
          ? st.peekWithoutLocalPref(a, src)
          : st.peek(a, src);
    if (id >= 0 && !v6 && this.unreadableHop(q, id)) id = -1;
    if (cacheable) {
      if (!reflect) q.exportCache.set(slot, id);
      else cache.set(key, id);
    }
    return id;
  }

  /**
   * Whether IPv4 routes with set `id` carry an IPv6 next hop that q cannot read: only neighbours
   * with Extended Next Hop Encoding get one (RFC 8950 §4).
   */
  private unreadableHop(q: PeerState, id: number): boolean {
    return (this.store.present[id]! & IPV6_NEXT_HOP) !== 0 && q.config.extendedNextHop !== true;
  }

  /**
   * Whether the protocol's own rules let path s be sent to q — before export policy, RFC 8212 and
   * RFC 9234: {@link NOT_SENT}, {@link SENT}, or {@link REFLECTED} (iBGP to iBGP by reflection).
   * With `group`, as to q's update group: also when the route came from q.
   */
  private exportRule(q: PeerState, s: number, group: boolean): number {
    const from = this.peers[this.pPeer[s]!]!;
    if (from === q && !group) return NOT_SENT;
    const post = this.pPost[s]!;
    const st = this.store;
    const flags = st.communityFlags[post]!;
    // RFC 1997 well-known communities.
    if (flags & NO_ADVERTISE) return NOT_SENT;
    // RFC 9494 §4.3: long-lived stale routes only to neighbours that advertised LLGR.
    if (flags & LLGR_STALE && q.config.longLivedGracefulRestart !== true) return NOT_SENT;
    // RFC 9774 §3: no UPDATE with AS_SET / AS_CONFED_SET is sent when they are refused.
    if (this.rejectAsSets && st.pathFlags[post]! & SET_SEGMENT) return NOT_SENT;
    if (q.kind === "ebgp" && flags & (NO_EXPORT | NO_EXPORT_SUBCONFED)) return NOT_SENT;
    if (q.kind === "confed-ebgp" && flags & NO_EXPORT_SUBCONFED) return NOT_SENT;
    if (from.kind === "ibgp" && q.kind === "ibgp") {
      // RFC 4456 §8: from a client to everyone, from a non-client to clients only.
      if (!from.config.routeReflectorClient && !q.config.routeReflectorClient) return NOT_SENT;
      if (st.present[post]! & HAS_ORIGINATOR && st.originator![post] === q.bgpId) return NOT_SENT;
      return REFLECTED;
    }
    return SENT;
  }

  /**
   * An AS_PATH as q's session options rewrite it before our AS (`asn`) is prepended: q's own AS
   * replaced by ours (asOverride), private ASNs removed or replaced by ours (removePrivateAs).
   */
  private overridePath(path: AsPath, q: PeerState, asn: number): AsPath {
    const c = q.config;
    let out = path;
    if (c.asOverride === true) out = replaceAsns(out, (x) => x === c.asn, asn);
    if (c.removePrivateAs !== undefined)
      out = replaceAsns(out, isPrivateAsn, c.removePrivateAs === "replace" ? asn : undefined);
    return out;
  }

  /** Whether UPDATEs to q carry LOCAL_PREF: iBGP and confederation neighbours (RFC 4271, 5065). */
  private sendsLocalPref(q: PeerState): boolean {
    return q.kind === "ibgp" || q.kind === "confed-ebgp";
  }

  /**
   * The id stored in q's Adj-RIB-Out for set `id` sent to q (no reference taken). Towards
   * neighbours that get LOCAL_PREF, a set whose LOCAL_PREF is the default is stored without it,
   * and a set without one stands for the default (put back by {@link Rib.outAttributes}): an
   * eBGP-learned route (its LOCAL_PREF dropped on receipt) is then sent to iBGP neighbours as the
   * very set of the Loc-RIB, not as a copy — on a full table half the attribute sets. One stored
   * form per sent form, so that equal UPDATEs still have equal ids.
   */
  private outSet(q: PeerState, id: number): number {
    const st = this.store;
    return id >= 0 &&
      st.present[id]! & HAS_LOCAL_PREF &&
      st.localPref[id] === this.defaultLocalPref &&
      this.sendsLocalPref(q)
      ? st.peekWithLocalPref(id, undefined)
      : id;
  }

  /** The attribute set sent to q for stored Adj-RIB-Out set `id` (see {@link Rib.outSet}). */
  private outAttributes(q: PeerState, id: number): PathAttributes {
    const a = this.store.get(id);
    return this.sendsLocalPref(q) ? withDefaultLocalPref(a, this.defaultLocalPref) : a;
  }

  /** LOCAL_PREF of stored set `id`, or the default. */
  private localPrefOf(id: number): number {
    return this.store.present[id]! & HAS_LOCAL_PREF
      ? this.store.localPref[id]!
      : this.defaultLocalPref;
  }

  /**
   * Whether sending `a` to q changes only LOCAL_PREF: iBGP, not reflected, no next-hop-self,
   * nothing unknown to re-advertise.
   */
  private plainIbgp(a: PathAttributes, q: PeerState, v6: boolean, reflect: boolean): boolean {
    return (
      q.kind === "ibgp" &&
      !reflect &&
      a.unknown === undefined &&
      !(q.config.nextHopSelf === true && selfHop(q.config, v6) !== undefined)
    );
  }

  /** The mandatory attribute changes when sending a route to q (RFC 4271 §5, RFC 4456, RFC 5065). */
  private transform(
    a: PathAttributes,
    from: PeerState,
    q: PeerState,
    v6: boolean,
    reflect: boolean,
    post: number,
  ): PathAttributes {
    const lp = this.localPrefOf(post);
    const self = selfHop(q.config, v6);
    if (this.plainIbgp(a, q, v6, reflect)) {
      // The common iBGP case (no reflection, no next-hop-self, nothing unknown): the set itself
      // with LOCAL_PREF — often exactly the set, which is then returned as it is.
      return a.localPref === lp ? a : { ...a, localPref: lp };
    }
    let unknown: PathAttributes["unknown"];
    if (a.unknown !== undefined) {
      const u = readvertiseUnknownAttributes(a.unknown);
      if (u.length > 0) unknown = u;
    }
    if (q.kind === "ebgp") {
      // Leave the confederation: drop its segments, prepend the confederation identifier.
      const path =
        this.store.pathFlags[post]! & CONFED_SEGMENT
          ? (a.asPath ?? NONE).filter(
              (s) => s.type !== "AS_CONFED_SEQUENCE" && s.type !== "AS_CONFED_SET",
            )
          : (a.asPath ?? NONE);
      const asn = this.config.confederation?.identifier ?? this.config.asn;
      const path2 = this.overridePath(path, q, asn);
      if (q.config.routeServerClient === true && from.idx !== 0)
        // RFC 7947 §2.2: a route server is transparent — its AS not prepended, NEXT_HOP and MED
        // as the other client sent them.
        return ebgpSet(a, path2, undefined, undefined, a.multiExitDisc, unknown);
      // RFC 4271 §5.1.4: a MED received from a neighbouring AS is not propagated to others.
      return ebgpSet(
        a,
        prependAs(path2, [asn]),
        self === undefined ? undefined : self.nextHop,
        self === undefined ? undefined : reachWith(a, self),
        from.idx === 0 ? a.multiExitDisc : undefined,
        unknown,
      );
    }
    const { localPref: _lp, originatorId: _o, clusterList: _c, multiExitDisc: med, ...rest } = a;
    let out: PathAttributes = rest;
    if (a.unknown !== undefined) {
      const { unknown: _u, ...r2 } = out;
      out = unknown !== undefined ? { ...r2, unknown } : r2;
    }
    if (med !== undefined) out = { ...out, multiExitDisc: med };
    out = { ...out, localPref: lp };
    if (q.kind === "confed-ebgp") {
      out = { ...out, asPath: prependAs(a.asPath ?? [], [this.config.asn], "AS_CONFED_SEQUENCE") };
      if (q.config.nextHopSelf && self !== undefined) out = withHop(out, self);
      return out;
    }
    if (q.config.nextHopSelf && self !== undefined) out = withHop(out, self);
    if (reflect) {
      out = {
        ...out,
        originatorId: a.originatorId ?? from.config.bgpIdentifier,
        clusterList: [this.clusterId, ...(a.clusterList ?? [])],
      };
    } else {
      if (a.originatorId !== undefined) out = { ...out, originatorId: a.originatorId };
      if (a.clusterList !== undefined) out = { ...out, clusterList: a.clusterList };
    }
    return out;
  }

  /** Moves q's pending queue into its Adj-RIB-Out and returns the delta (nothing for no-ops). */
  private flush(q: PeerState): AdjRibOutUpdate {
    // Two passes over the queue, so that the delta is a few flat typed arrays (the hot path of a
    // router with many neighbours allocates little): first the new Adj-RIB-Out state and the size
    // of each attribute-set group, then the prefixes in place.
    const list = q.pendList.a;
    const L = q.pendList.length;
    this.flushScratch(L);
    const ids = this.flushIds;
    let nWithdrawn = 0;
    let nAnnounced = 0;
    const pendVal = q.pendVal;
    const pendIds = q.pendIds.a;
    // Emptied here: a neighbour no longer held queues into pendIds again.
    if (!q.held) q.pendVal = undefined;
    for (let i = 0; i < L; i++) {
      const p = list[i]!;
      let id: number;
      if (pendVal === undefined) id = pendIds[i]!;
      else {
        id = pendVal[p]!;
        pendVal[p] = NOT_PENDING;
      }
      const old = p < q.sent.length ? q.sent[p]! : -1;
      if (old === id) {
        this.store.unref(id);
        ids[i] = NOT_PENDING;
        continue;
      }
      this.setSent(q, p, 0, id);
      ids[i] = id;
      if (id < 0) nWithdrawn++;
      else {
        this.groups.add(id);
        nAnnounced++;
      }
    }
    q.pendIds.clear();
    // ADD-PATH send (rare): (prefix, path id, attribute id or -1) triples.
    let multi: number[] | undefined;
    if (q.pendingMulti !== undefined && q.pendingMulti.size > 0) {
      multi = [];
      for (const [p, want] of q.pendingMulti) {
        const have = q.sentMulti!.get(p) ?? new Map<number, number>();
        for (const [pid, id] of have) {
          if (want.has(pid)) continue;
          this.store.unref(id);
          multi.push(p, pid, -1);
          nWithdrawn++;
        }
        for (const [pid, id] of want) {
          if (have.get(pid) === id) {
            this.store.unref(id);
            continue;
          }
          const old = have.get(pid);
          if (old !== undefined) this.store.unref(old);
          multi.push(p, pid, id);
          this.groups.add(id);
          nAnnounced++;
        }
        const kept = new Map(want);
        this.countOut(q, this.prefixes.isV6(p), kept.size - have.size);
        if (kept.size === 0) q.sentMulti!.delete(p);
        else q.sentMulti!.set(p, kept);
      }
      q.pendingMulti.clear();
    }
    const n = nWithdrawn + nAnnounced;
    this.flushed = n;
    if (n === 0) {
      q.pendList.clear();
      return EMPTY_DELTA;
    }
    // Neighbours of one update group mostly get the same delta in a batch: the previous
    // neighbour's delta object is reused when the queue (prefixes and sets) is the same.
    if (
      multi === undefined &&
      this.inProcess &&
      this.prevFlushBatch === this.batchNo &&
      this.prevL === L &&
      this.prevSendsLocalPref === this.sendsLocalPref(q)
    ) {
      const pl = this.prevList;
      const pi = this.prevIds;
      let same = true;
      for (let i = 0; i < L && same; i++) same = pl[i] === list[i] && pi[i] === ids[i];
      if (same) {
        this.groups.clear();
        q.pendList.clear();
        const d = this.prevDelta;
        q.seq++;
        if (q.journal !== undefined) q.journal.push({ seq: q.seq, direction: "out", update: d });
        return d;
      }
    }
    const delta = this.groupedDelta(list, ids, L, nAnnounced + nWithdrawn, multi, q);
    if (multi === undefined && this.inProcess) {
      if (this.prevList.length < L) {
        this.prevList = new Int32Array(grownCapacity(this.prevList.length, L));
        this.prevIds = new Int32Array(this.prevList.length);
      }
      for (let i = 0; i < L; i++) {
        this.prevList[i] = list[i]!;
        this.prevIds[i] = ids[i]!;
      }
      this.prevL = L;
      this.prevDelta = delta;
      this.prevSendsLocalPref = this.sendsLocalPref(q);
      this.prevFlushBatch = this.batchNo;
    } else this.prevFlushBatch = -1;
    q.pendList.clear();
    q.seq++;
    if (q.journal !== undefined) q.journal.push({ seq: q.seq, direction: "out", update: delta });
    return delta;
  }

  /**
   * The delta of `L` entries (prefix `list[i]`, attribute id `ids[i]`, -1 to withdraw,
   * NOT_PENDING to skip; `n` of them not skipped) and ADD-PATH triples `multi`, grouped by set,
   * as sent to q (see {@link Rib.outAttributes}; shared tables: undefined, eBGP only).
   * The groups were counted in {@link Rib.groups}, which is emptied here.
   */
  private groupedDelta(
    list: ArrayLike<number>,
    ids: ArrayLike<number>,
    L: number,
    n: number,
    multi: number[] | undefined,
    q: PeerState | undefined,
  ): AdjRibOutUpdate {
    const groups = this.groups;
    const G = groups.size;
    const count = groups.count;
    const groupIds = groups.ids;
    // One allocation: offsets, announcement pairs, withdrawal pairs (see LazyDelta).
    const buf = batchInts(G + 1 + 2 * n);
    buf[0] = G + 1;
    for (let g = 0; g < G; g++) {
      buf[g + 1] = buf[g]! + 2 * count[g]!;
      count[g] = buf[g]!; // from here on: the write cursor of group g
    }
    let w = buf[G]!;
    for (let i = 0; i < L; i++) {
      const id = ids[i]!;
      if (id === NOT_PENDING) continue;
      if (id < 0) {
        buf[w++] = list[i]!;
        buf[w++] = -1;
      } else {
        const g = groups.groupOf(id);
        const c = count[g]!;
        buf[c] = list[i]!;
        buf[c + 1] = -1;
        count[g] = c + 2;
      }
    }
    if (multi !== undefined) {
      for (let i = 0; i < multi.length; i += 3) {
        const id = multi[i + 2]!;
        if (id < 0) {
          buf[w++] = multi[i]!;
          buf[w++] = multi[i + 1]!;
        } else {
          const g = groups.groupOf(id);
          const c = count[g]!;
          buf[c] = multi[i]!;
          buf[c + 1] = multi[i + 1]!;
          count[g] = c + 2;
        }
      }
    }
    const groupAttrs: PathAttributes[] = new Array(G);
    for (let g = 0; g < G; g++) groupAttrs[g] = this.store.get(groupIds[g]!);
    groups.clear();
    const lp = q !== undefined && this.sendsLocalPref(q) ? this.defaultLocalPref : -1;
    return new LazyDelta(this.prefixes, buf, groupAttrs, lp);
  }

  /**
   * Gives back the scratch arrays a large batch grew (a full table's: ~15 MB, a quarter of the
   * RIB's own typed arrays), so that a RIB's memory after a graft or a session's initial table is
   * what it holds, not the batch's high-water mark; batches of ordinary size keep them.
   */
  private releaseScratch(): void {
    if (this.changedScratch.length > SCRATCH_KEEP) this.changedScratch = new Int32Array(1024);
    if (this.flushIds.length > SCRATCH_KEEP) this.flushIds = new Int32Array(1024);
    if (this.prevList.length > SCRATCH_KEEP) {
      this.prevList = new Int32Array(0);
      this.prevIds = new Int32Array(0);
    }
    if (this.memberIds.length > SCRATCH_KEEP) this.memberIds = new Int32Array(64);
    if (this.largeGroupBatch) {
      this.largeGroupBatch = false;
      for (const g of this.groupBatch.values()) {
        if (g.ids.length > SCRATCH_KEEP) {
          g.ids = new Int32Array(0);
          g.batch = -1;
        }
      }
    }
    this.groups.shrink();
  }

  /** Sizes the scratch arrays of a delta of up to L entries. */
  private flushScratch(L: number): void {
    this.groups.reserve(L);
    if (this.flushIds.length < L)
      this.flushIds = new Int32Array(Math.max(L, this.flushIds.length * 2));
  }

  /** The delta of `L` entries as in {@link Rib.groupedDelta} (EMPTY_DELTA when all are skipped). */
  private makeDelta(list: ArrayLike<number>, ids: ArrayLike<number>, L: number): AdjRibOutUpdate {
    this.flushScratch(L);
    let n = 0;
    for (let i = 0; i < L; i++) {
      const id = ids[i]!;
      if (id === NOT_PENDING) continue;
      n++;
      if (id >= 0) this.groups.add(id);
    }
    if (n === 0) return EMPTY_DELTA;
    return this.groupedDelta(list, ids, L, n, undefined, undefined);
  }

  // ------------------------------------------------------------ shared Adj-RIBs-Out (eBGP)

  /**
   * Brings a group's table up to date with the batch's best-route changes (computed with `rep`,
   * any member) and records the entries that changed.
   */
  private updateShared(
    g: SharedOut,
    rep: PeerState,
    changed: Int32Array,
    n: number,
    cache: Map<number, number>,
  ): void {
    if (g.ids.length < this.head.length) {
      g.ids = resizedFilled(g.ids, this.head.length, -1);
      g.src = resizedFilled(g.src, this.head.length, -1);
    }
    if (g.eP.length < n) {
      const c = grownCapacity(g.eP.length, n);
      g.eP = new Int32Array(c);
      g.eOldId = new Int32Array(c);
      g.eOldSrc = new Int32Array(c);
      g.eNewId = new Int32Array(c);
      g.eNewSrc = new Int32Array(c);
    }
    if (g.involved.length < this.peers.length)
      g.involved = resizedFilled(
        g.involved,
        grownCapacity(g.involved.length, this.peers.length),
        -1,
      );
    const best = this.best;
    const pPeer = this.pPeer;
    const batch = this.batchNo;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const p = changed[i]!;
      const b = best[p]!;
      let id = -1;
      let src = -1;
      if (b >= 0) {
        src = pPeer[b]!;
        id = this.exportAttr(rep, b, p, cache, true);
      }
      const oi = g.ids[p]!;
      const os = g.src[p]!;
      if (oi === id && os === src) continue;
      g.eP[m] = p;
      g.eOldId[m] = oi;
      g.eOldSrc[m] = os;
      g.eNewId[m] = id;
      g.eNewSrc[m] = src;
      m++;
      if (os >= 0) g.involved[os] = batch;
      if (src >= 0) g.involved[src] = batch;
      this.store.ref(id);
      this.store.unref(oi); // freed at the batch's sweep: still readable until then
      this.setShared(g, p, id, src);
    }
    g.n = m;
    g.batch = batch;
    g.delta = undefined;
  }

  /** A member's delta for the batch {@link Rib.updateShared} recorded. */
  private sharedDelta(g: SharedOut, q: PeerState): AdjRibOutUpdate {
    const n = g.n;
    if (n === 0) return EMPTY_DELTA;
    const own = g.involved[q.idx] === this.batchNo;
    if (!own && g.delta !== undefined) return g.delta;
    if (this.memberIds.length < n)
      this.memberIds = new Int32Array(grownCapacity(this.memberIds.length, n));
    const ids = this.memberIds;
    const me = own ? q.idx : -2;
    for (let i = 0; i < n; i++) {
      const was = g.eOldSrc[i] === me ? -1 : g.eOldId[i]!;
      const now = g.eNewSrc[i] === me ? -1 : g.eNewId[i]!;
      ids[i] = was === now ? NOT_PENDING : now;
    }
    const d = this.makeDelta(g.eP, ids, n);
    if (!own) g.delta = d;
    return d;
  }

  /**
   * Leaves the shared table: with `keep`, the neighbour's view becomes its own array again
   * (otherwise it is forgotten, as when the session went down). A table left with one member is
   * dropped.
   */
  private detach(q: PeerState, keep: boolean): void {
    const g = q.shared!;
    q.shared = undefined;
    g.members.delete(q);
    const t = new Int32Array(keep ? Math.max(this.head.length, g.ids.length) : 0).fill(-1);
    q.out4 = 0;
    q.out6 = 0;
    if (keep) {
      for (let p = 0; p < g.ids.length; p++) {
        const id = g.ids[p]!;
        if (id < 0 || g.src[p] === q.idx) continue;
        this.store.ref(id);
        t[p] = id;
        if (this.prefixes.isV6(p)) q.out6++;
        else q.out4++;
      }
    }
    q.sent = t;
    // A table for one member would only add the sets for its own routes: it gets its view back.
    if (g.members.size === 1) this.detach(g.members.values().next().value!, true);
    else if (g.members.size === 0) this.dropShared(g);
  }

  private dropShared(g: SharedOut): void {
    for (let p = 0; p < g.ids.length; p++) this.store.unref(g.ids[p]!);
    this.sharedOuts.delete(g.key);
  }

  /**
   * The per-call export cache, emptied; the update groups' caches are forgotten first if an
   * attribute id was freed since (it may be reused for another set).
   */
  private freshExportCache(): Map<number, number> {
    if (this.store.frees !== this.exportCacheFrees) {
      for (const m of this.exportGroups.values()) m.clear();
      this.exportCacheFrees = this.store.frees;
    }
    // Map#clear allocates a new table even when the map is empty (most batches reflect nothing).
    if (this.exportCache.size > 0) this.exportCache.clear();
    return this.exportCache;
  }

  /** Whether neighbour q may share its update group's Adj-RIB-Out (see {@link SharedOut}). */
  private shareable(q: PeerState): boolean {
    const policy = q.config.exportPolicy;
    return (
      q.shared === undefined &&
      q.up &&
      !q.held &&
      q.kind === "ebgp" &&
      q.sentMulti === undefined &&
      q.pendList.length === 0 &&
      q.pendVal === undefined &&
      (policy === undefined || policy.prefixIndependent === true)
    );
  }

  /**
   * Joins an eBGP neighbour with a prefix-independent export policy, nothing pending and output
   * not held to its update group's shared table, when its view is exactly the table's (it is
   * after any full flush; checked anyway). A group gets a table, made from the Loc-RIB, once two
   * of its members can join it.
   */
  private tryAttach(q: PeerState): void {
    if (!this.shareable(q)) return;
    const existing = this.sharedOuts.get(q.exportCache);
    if (existing !== undefined) {
      if (this.inStep(q, existing)) this.attach(q, existing);
      return;
    }
    let other: PeerState | undefined;
    for (let k = 1; k < this.peers.length && other === undefined; k++) {
      const r = this.peers[k]!;
      if (r !== q && r.exportCache === q.exportCache && this.shareable(r)) other = r;
    }
    if (other === undefined) return;
    const cache = this.freshExportCache();
    const n = this.head.length;
    const g: SharedOut = {
      key: q.exportCache,
      ids: new Int32Array(n).fill(-1),
      src: new Int32Array(n).fill(-1),
      members: new Set(),
      batch: -1,
      n: 0,
      eP: new Int32Array(16),
      eOldId: new Int32Array(16),
      eOldSrc: new Int32Array(16),
      eNewId: new Int32Array(16),
      eNewSrc: new Int32Array(16),
      involved: new Int32Array(this.peers.length).fill(-1),
      delta: undefined,
      c4: 0,
      c6: 0,
      own: new Map(),
    };
    for (let p = 0; p < this.prefixes.count; p++) {
      const b = this.best[p]!;
      if (b < 0) continue;
      const id = this.exportAttr(q, b, p, cache, true);
      this.store.ref(id);
      this.setShared(g, p, id, this.pPeer[b]!);
    }
    if (!this.inStep(q, g) || !this.inStep(other, g)) {
      for (let p = 0; p < g.ids.length; p++) this.store.unref(g.ids[p]!);
      return;
    }
    this.sharedOuts.set(g.key, g);
    this.attach(q, g);
    this.attach(other, g);
  }

  /** Whether q's own view is exactly what table g gives it. */
  private inStep(q: PeerState, g: SharedOut): boolean {
    const sent = q.sent;
    const end = Math.max(sent.length, g.ids.length);
    for (let p = 0; p < end; p++) {
      const have = p < sent.length ? sent[p]! : -1;
      const view = p >= g.ids.length || g.src[p] === q.idx ? -1 : g.ids[p]!;
      if (have !== view) return false;
    }
    return true;
  }

  private attach(q: PeerState, g: SharedOut): void {
    for (let p = 0; p < q.sent.length; p++) this.store.unref(q.sent[p]!);
    q.sent = new Int32Array(0);
    q.out4 = 0;
    q.out6 = 0;
    q.shared = g;
    g.members.add(q);
  }

  /** Sets what the neighbour has for (p, pathId) to id (reference passed in), releasing the old. */
  private setSent(q: PeerState, p: number, pathId: number, id: number): void {
    const v6 = this.prefixes.isV6(p);
    if (q.sentMulti !== undefined && (q.multiMask & this.familyBit(p)) !== 0) {
      let m = q.sentMulti.get(p);
      const old = m?.get(pathId);
      if (old !== undefined) this.store.unref(old);
      this.countOut(q, v6, (id < 0 ? 0 : 1) - (old === undefined ? 0 : 1));
      if (id < 0) {
        m?.delete(pathId);
        if (m?.size === 0) q.sentMulti.delete(p);
        return;
      }
      if (m === undefined) {
        m = new Map();
        q.sentMulti.set(p, m);
      }
      m.set(pathId, id);
      return;
    }
    if (p >= q.sent.length) {
      if (id < 0) return;
      const n = Math.max(p + 1, this.head.length);
      const t = new Int32Array(n).fill(-1);
      t.set(q.sent);
      q.sent = t;
    }
    const old = q.sent[p]!;
    this.store.unref(old);
    q.sent[p] = id;
    this.countOut(q, v6, (id < 0 ? 0 : 1) - (old < 0 ? 0 : 1));
  }

  private countOut(q: PeerState, v6: boolean, d: number): void {
    if (v6) q.out6 += d;
    else q.out4 += d;
  }

  /** Sets entry p of shared table g, keeping its counts. */
  private setShared(g: SharedOut, p: number, id: number, src: number): void {
    const v6 = this.prefixes.isV6(p);
    if (g.ids[p]! >= 0) this.countShared(g, g.src[p]!, v6, -1);
    g.ids[p] = id;
    g.src[p] = src;
    if (id >= 0) this.countShared(g, src, v6, 1);
  }

  private countShared(g: SharedOut, src: number, v6: boolean, d: number): void {
    if (v6) g.c6 += d;
    else g.c4 += d;
    if (src < 0) return;
    let o = g.own.get(src);
    if (o === undefined) {
      o = [0, 0];
      g.own.set(src, o);
    }
    o[v6 ? 1 : 0] += d;
  }

  private forEachOut(q: PeerState, f: (p: number, pathId: number, id: number) => void): void {
    const g = q.shared;
    if (g !== undefined) {
      for (let p = 0; p < g.ids.length; p++) {
        const id = g.ids[p]!;
        if (id >= 0 && g.src[p] !== q.idx) f(p, 0, id);
      }
      return;
    }
    if (q.sentMulti !== undefined)
      for (const [p, m] of q.sentMulti) for (const [pid, id] of m) f(p, pid, id);
    // With ADD-PATH send for some families only, the others' prefixes are here.
    for (let p = 0; p < q.sent.length; p++) if (q.sent[p]! >= 0) f(p, 0, q.sent[p]!);
  }

  private outPrefix(p: number, pathId: number, q: PeerState): Prefix {
    const pf = this.prefixes.prefix(p);
    return (q.multiMask & this.familyBit(p)) !== 0 ? { ...pf, pathId } : pf;
  }

  private outPathId(q: PeerState, n: Prefix): number {
    return (q.multiMask & (n.afi === 2 ? 2 : 1)) !== 0 ? (n.pathId ?? 0) : 0;
  }

  /**
   * Writes route (prefix p, path id, attribute index) at `pos` of `buf`, which has room for
   * {@link MAX_ROUTE_BYTES}; returns the position after it.
   */
  private writeRoute(
    buf: Uint8Array,
    pos: number,
    p: number,
    pathId: number,
    attr: number,
  ): number {
    const pt = this.prefixes;
    const len = pt.length[p]!;
    const n = (len + 7) >> 3;
    if (!pt.isV6(p)) {
      buf[pos++] = 1;
      buf[pos++] = len;
      const a = pt.addr[p]!;
      for (let i = 0; i < n; i++) buf[pos++] = (a >>> (24 - 8 * i)) & 255;
    } else {
      buf[pos++] = 2;
      buf[pos++] = len;
      const words = pt.ipPrefix(p).words;
      for (let i = 0; i < n; i++) buf[pos++] = (words[i >> 2]! >>> (24 - 8 * (i & 3))) & 255;
    }
    buf[pos++] = pathId >>> 24;
    buf[pos++] = (pathId >>> 16) & 255;
    buf[pos++] = (pathId >>> 8) & 255;
    buf[pos++] = pathId & 255;
    let v = attr;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    return pos;
  }

  private readRoutes(
    r: Reader,
    nAttrs: number,
  ): { prefix: Int32Array; pathId: Uint32Array; attr: Int32Array } {
    const count = r.u32("routes.count");
    if (count > r.buf.length)
      throw new BgpRibError("BAD_SNAPSHOT", "route count exceeds snapshot size", {
        offset: r.pos - 4,
        field: "routes.count",
      });
    const prefix = new Int32Array(count);
    const pathId = new Uint32Array(count);
    const attr = new Int32Array(count);
    const bytes = new Uint8Array(16);
    const buf = r.buf;
    const end = buf.length;
    const truncated = (at: number, field: string): BgpRibError =>
      new BgpRibError("TRUNCATED", `snapshot truncated reading ${field}`, { offset: at, field });
    // At most 5 bytes a route for a new prefix index, so the table grows once, not per route.
    this.prefixes.reserve(count);
    let pos = r.pos;
    for (let i = 0; i < count; i++) {
      const at = pos;
      if (pos + 2 > end) throw truncated(pos, "route.prefix");
      const afi = buf[pos]!;
      const len = buf[pos + 1]!;
      pos += 2;
      if ((afi !== 1 && afi !== 2) || len > (afi === 1 ? 32 : 128))
        throw new BgpRibError("BAD_PREFIX", `bad prefix (afi ${afi}, length ${len})`, {
          offset: at,
          field: "route.prefix",
        });
      const n = (len + 7) >> 3;
      if (pos + n > end) throw truncated(pos, "route.prefix");
      if (afi === 1) {
        let a = 0;
        for (let k = 0; k < 4; k++) a = a * 256 + (k < n ? buf[pos + k]! : 0);
        pos += n;
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        prefix[i] = this.prefixes.index4((a & mask) >>> 0, len, true);
      } else {
        bytes.fill(0);
        for (let k = 0; k < n; k++) bytes[k] = buf[pos + k]!;
        pos += n;
        const g: string[] = [];
        for (let k = 0; k < 16; k += 2) g.push(((bytes[k]! << 8) | bytes[k + 1]!).toString(16));
        prefix[i] = this.prefixes.index({ afi: 2, address: g.join(":"), length: len }, true);
      }
      if (pos + 4 > end) throw truncated(pos, "route.path_id");
      pathId[i] =
        ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
      pos += 4;
      // Attribute index: a varint of at most 5 bytes.
      let t = 0;
      for (let mul = 1; ; mul *= 128) {
        if (pos >= end) throw truncated(pos, "route.attributes");
        if (mul > 2 ** 28)
          throw new BgpRibError("BAD_VARINT", "varint too long", {
            offset: pos,
            field: "route.attributes",
          });
        const x = buf[pos++]!;
        t += (x & 0x7f) * mul;
        if ((x & 0x80) === 0) break;
      }
      if (t >= nAttrs)
        throw new BgpRibError("BAD_SNAPSHOT", `attribute index ${t} out of range`, {
          offset: pos - 1,
          field: "route.attributes",
        });
      attr[i] = t;
    }
    r.pos = pos;
    this.ensurePrefixCapacity();
    return { prefix, pathId, attr };
  }

  /** Sizes the per-prefix arrays for every prefix indexed (called per route: no allocation). */
  private ensurePrefixCapacity(): void {
    if (this.prefixes.count > this.head.length) this.growPrefixArrays();
  }

  // Apart from ensurePrefixCapacity, which runs per route: a function whose locals a closure
  // captures allocates their context on every call, also when it returns early (it did here).
  private growPrefixArrays(): void {
    const n = grownCapacity(this.head.length, this.prefixes.count);
    this.head = resizedFilled(this.head, n, -1);
    this.best = resizedFilled(this.best, n, -1);
    this.dirtyBits = resized(this.dirtyBits, (n + 7) >> 3);
  }

  private pathIdOf(s: number): number {
    return this.pPathId === undefined ? 0 : this.pPathId[s]!;
  }

  /** The next arrival number; the live paths are renumbered 1… (same order) before overflow. */
  private nextArrival(): number {
    if (this.arrival >= 0xfffffffe) this.renumberArrivals();
    return ++this.arrival;
  }

  // Apart from nextArrival (called per route): the comparator's `this` would otherwise be
  // allocated in a context on every call.
  private renumberArrivals(): void {
    const live: number[] = [];
    for (let s = 0; s < this.pathTop; s++) if (this.pPre[s]! >= 0) live.push(s);
    const arrival = this.pArrival;
    live.sort((x, y) => arrival[x]! - arrival[y]!);
    for (let i = 0; i < live.length; i++) arrival[live[i]!] = i + 1;
    this.arrival = live.length;
  }

  /** The index of a new peer (widening the paths' peer indices once they need 32 bits). */
  private peerIndex(): number {
    const idx = this.peers.length;
    if (idx >= 0xffff && this.pPeer instanceof Uint16Array) {
      const t = new Int32Array(this.pPeer.length);
      t.set(this.pPeer);
      this.pPeer = t;
    }
    return idx;
  }

  private growPaths(need = this.pPrefix.length + 1): void {
    const n = grownCapacity(this.pPrefix.length, need);
    const g = <T extends Int32Array | Uint32Array | Uint16Array | Float64Array | Uint8Array>(
      a: T,
    ): T => resized(a, n);
    this.pPrefix = g(this.pPrefix);
    this.pPeer = g(this.pPeer);
    if (this.pPathId !== undefined) this.pPathId = g(this.pPathId);
    this.pPre = g(this.pPre);
    this.pPost = g(this.pPost);
    this.pNext = g(this.pNext);
    this.pArrival = g(this.pArrival);
    this.pReason = g(this.pReason);
  }
}

/**
 * The RIB's view of an UPDATE message: withdrawals (Withdrawn Routes and MP_UNREACH_NLRI) and one
 * announcement group (NLRI and MP_REACH_NLRI) with the message's attributes.
 *
 * @example
 * ```ts
 * ribUpdateFromMessage({
 *   type: "UPDATE", withdrawnRoutes: [], nlri: [{ afi: 1, address: "10.0.0.0", length: 8 }],
 *   pathAttributes: { origin: "IGP", asPath: [], nextHop: "192.0.2.1" },
 * }).announced?.[0]?.nlri.length; // 1
 * ```
 */
export function ribUpdateFromMessage(message: UpdateMessage): RibUpdate {
  const a = message.pathAttributes;
  const withdrawn = [...message.withdrawnRoutes, ...(a.mpUnreachNlri?.withdrawnRoutes ?? [])];
  const nlri = [...message.nlri, ...(a.mpReachNlri?.nlri ?? [])];
  return {
    withdrawn,
    announced: nlri.length === 0 ? [] : [{ attributes: a, nlri }],
  };
}
