import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import type { Duplex } from "node:stream";
import type {
  AdjRibOutUpdate,
  Announcement,
  BgpRole,
  ChangeSet,
  DecisionOptions,
  JournalEntry,
  Policy,
  RibUpdate,
  SessionImport,
  SessionImportOptions,
} from "@dyninfra/bgp-rib";
import {
  AspaTable,
  acceptAll,
  addCommunities,
  BGP_ROLES,
  chain,
  isLinkLocal,
  parseAspaJson,
  parseVrpJson,
  Rib,
  RoaTable,
  rejectAll,
  rejectAspaInvalid,
  rejectInvalidOrigins,
  ribUpdateFromMessage,
  setLocalPref,
  type Vrp,
  withoutZone,
} from "@dyninfra/bgp-rib";
import type {
  AfiSafi,
  MrtSource,
  NotificationMessage,
  PathAttributes,
  Prefix,
  UpdateMessage,
} from "@dyninfra/bgp-wire";
import {
  encodeAnnouncements,
  encodeMessage,
  encodeWithdrawals,
  maximumPrefixesReached,
  parsePrefix,
  readMrt,
  WELL_KNOWN_COMMUNITY,
} from "@dyninfra/bgp-wire";
import type { BmpExporter, BmpOptions } from "./bmp";
import type { Clock } from "./clock";
import { systemClock } from "./clock";
import { encodedOnce, encodingKey, pushAll } from "./encode-cache";
import { BgpSpeakerError } from "./errors";
import type {
  GracefulRestartHandover,
  GracefulRestartStatus,
  PeerLongLivedGracefulRestart,
} from "./graceful-restart";
import {
  DEFAULT_STALE_ROUTES_TIME,
  endOfRib,
  endOfRibFamily,
  GracefulRestartReceiver,
  RibStaleRoutes,
} from "./graceful-restart";
import type { KernelRouteOptions, KernelRoutes } from "./kernel-routes";
import type { MrtUpdateLog } from "./mrt-dump";
import { type NegotiatedSession, type SpeakerCapabilities, speakerCapabilities } from "./open";
import {
  BUILT_IN_POLICIES,
  type CompiledPolicy,
  compilePolicy,
  type PolicyDefinitions,
} from "./policy-config";
import { RtrClient, type RtrTlsOptions } from "./rtr-client";
import type { RtrUpdate } from "./rtr-session";
import type { SessionState } from "./session";
import { BgpSession } from "./session";

/**
 * One neighbour of a {@link Router}, as written in its JSON configuration.
 *
 * @example
 * ```ts
 * import type { NeighborSpec } from "@dyninfra/bgp-speaker";
 * const n: NeighborSpec = { name: "bird", address: "192.0.2.2", asn: 64501, importPolicy: "accept", exportPolicy: "accept" };
 * ```
 */
export interface NeighborSpec {
  readonly name: string;
  /** The neighbour's address (the session identifier). */
  readonly address: string;
  readonly asn: number;
  /** Wait for the neighbour to connect. Default false. */
  readonly passive?: boolean;
  /** TCP port to connect to. Default 179. */
  readonly port?: number;
  /** Our address on this session: the source of outgoing connections and the next hop we set. */
  readonly localAddress?: string;
  readonly holdTime?: number;
  /**
   * RFC 9687's SendHoldTime in seconds (see {@link SessionConfig.sendHoldTime}): how long the
   * neighbour may take none of our messages before the session is closed; 0 turns it off.
   * Default: 8 minutes, or twice the negotiated Hold Time when that is longer.
   */
  readonly sendHoldTime?: number;
  readonly connectRetryTime?: number;
  /** Seconds in Idle before restarting a session that fell (default 5; 0 restarts at once). */
  readonly idleHoldTime?: number;
  readonly delayOpen?: boolean;
  /**
   * Capabilities offered. Graceful Restart (receiving speaker, RFC 4724 §4.2) is on by default
   * with a Restart Time of 120 s; `{ gracefulRestart: false }` turns it off.
   */
  readonly capabilities?: Partial<SpeakerCapabilities>;
  /**
   * Graceful Restart stale-path timer, seconds (default 360): the longest stale routes are kept
   * once the session is back, when the neighbour sends no End-of-RIB marker.
   */
  readonly staleRoutesTime?: number;
  /**
   * Bounds, seconds, on the Long-Lived Stale Time the neighbour announces (RFC 9494 §4.2: local
   * configuration may override it): its routes are kept long-lived stale at least `min` and at
   * most `max` seconds (a family it gives no time keeps none). Default: as announced.
   */
  readonly longLivedStaleTime?: { readonly min?: number; readonly max?: number };
  /**
   * Send an End-of-RIB marker (RFC 4724 §2) per family after the initial table. Default true
   * (RFC 4724 recommends it whether or not Graceful Restart is negotiated).
   */
  readonly endOfRib?: boolean;
  readonly routeReflectorClient?: boolean;
  readonly nextHopSelf?: boolean;
  /**
   * Our BGP Role on this eBGP session (RFC 9234; FRR's `local-role`): announced in the BGP Role
   * capability (a neighbour whose role does not agree is refused with Role Mismatch), and the
   * RIB's route-leak prevention with the OTC attribute (see `@dyninfra/bgp-rib`'s
   * `PeerConfig.role`).
   */
  readonly role?: BgpRole;
  /** RFC 9234 strict mode: refuse a neighbour that announces no BGP Role. Default false. */
  readonly strictRole?: boolean;
  /**
   * Most routes the neighbour may send, per family (IPv4, IPv6), counted in its Adj-RIB-In
   * before import policy (as BIRD's `receive limit`), or with `count: "accepted"` after it (as
   * BIRD's `import limit` and FRR's `maximum-prefix`). Past it the
   * session is closed with Cease / Maximum Number of Prefixes Reached (RFC 4486 §4: family and
   * limit in the data; a Hard Reset under RFC 8538) and its routes withdrawn; it stays down until
   * started again, or `restartAfter` seconds. `warningOnly`: a `warning` event, nothing more.
   */
  readonly maxPrefixes?: MaxPrefixes;
  /**
   * Import / export policy: a built-in (see {@link ImportPolicyName}) or the name of one of the
   * router's {@link RouterSpec.policies}. Without one, RFC 8212 applies to eBGP neighbours:
   * nothing is accepted or advertised.
   */
  readonly importPolicy?: ImportPolicyName;
  readonly exportPolicy?: ExportPolicyName;
  /**
   * Graceful BGP session shutdown (RFC 8326), for draining the session before maintenance (or a
   * graft) without dropping traffic: every route sent to the neighbour carries the
   * GRACEFUL_SHUTDOWN community (65535:0) — and towards an internal neighbour LOCAL_PREF 0 — and
   * the routes learned from it get LOCAL_PREF 0 here, so that both sides move to other paths while
   * the session is still up. After its export and import policies. Default false; changed while
   * the router runs with {@link Router.gracefulShutdown}.
   */
  readonly gracefulShutdown?: boolean;
  /**
   * `allowas-in`: routes from this neighbour whose AS_PATH holds our AS at most this many times
   * are accepted (not loops); for the sites of one customer AS that reach each other through us.
   */
  readonly allowAsIn?: number;
  /**
   * Towards this eBGP neighbour, private ASNs (RFC 6996) are removed from the AS_PATH
   * (`"remove"`) or replaced by our AS (`"replace"`) before ours is prepended.
   */
  readonly removePrivateAs?: "remove" | "replace";
  /** Towards this eBGP neighbour, its own AS in the AS_PATH is replaced by ours (`as-override`). */
  readonly asOverride?: boolean;
  /**
   * We are the neighbour's route server (RFC 7947): the other neighbours' routes reach it
   * transparently — our AS not prepended, NEXT_HOP and MED as received.
   */
  readonly routeServerClient?: boolean;
}

/**
 * A neighbour's import policy: accept or reject everything, `"reject-invalid"` — Route Origin
 * Validation (RFC 6811) against the router's VRPs ({@link Router.setVrps}, or `rpki.vrps` in the
 * configuration): RPKI-invalid routes are rejected, valid and not-found ones accepted —,
 * `"reject-aspa-invalid"` — ASPA-based AS_PATH verification against the router's ASPAs
 * ({@link Router.setAspas}, or `aspa` in the configuration), by the neighbour's `role`: invalid
 * routes are rejected — or the name of one of the router's {@link RouterSpec.policies}.
 */
export type ImportPolicyName =
  | "accept"
  | "reject"
  | "reject-invalid"
  | "reject-aspa-invalid"
  | (string & {});

/** A neighbour's export policy: `"accept"`, `"reject"` or the name of one of the router's policies. */
export type ExportPolicyName = "accept" | "reject" | (string & {});

/**
 * A maximum-prefix limit (see {@link NeighborSpec.maxPrefixes}).
 *
 * @example
 * ```ts
 * import type { MaxPrefixes } from "@dyninfra/bgp-speaker";
 * const m: MaxPrefixes = { limit: 1_000_000, restartAfter: 300 };
 * ```
 */
export interface MaxPrefixes {
  /** Routes allowed per family. */
  readonly limit: number;
  /**
   * What counts: every route received (`"received"`, the default: rejected ones too) or only
   * those the import policy accepted (`"accepted"`).
   */
  readonly count?: "received" | "accepted";
  /** Only warn (event `warning`) when the limit is passed; the session stays. Default false. */
  readonly warningOnly?: boolean;
  /** Seconds after which a session closed for the limit is started again. Default: never. */
  readonly restartAfter?: number;
}

/**
 * A route the router originates.
 *
 * @example
 * ```ts
 * import type { OriginateSpec } from "@dyninfra/bgp-speaker";
 * const o: OriginateSpec = { prefix: "198.51.100.0/24", communities: ["64500:1"], med: 10 };
 * ```
 */
export interface OriginateSpec {
  readonly prefix: string;
  /** Next hop; defaults to the router's local address for the family. */
  readonly nextHop?: string;
  readonly asPath?: readonly number[];
  readonly origin?: "IGP" | "EGP" | "INCOMPLETE";
  readonly med?: number;
  readonly localPref?: number;
  /** Communities as `"asn:value"`. */
  readonly communities?: readonly string[];
  /** Large communities as `"global:local1:local2"`. */
  readonly largeCommunities?: readonly string[];
}

/**
 * A router's JSON configuration (what `dyninfra-bgpd --config FILE` reads).
 *
 * @example
 * ```ts
 * import type { RouterSpec } from "@dyninfra/bgp-speaker";
 * const spec: RouterSpec = {
 *   asn: 64500, bgpIdentifier: "192.0.2.1", localAddress: "192.0.2.1",
 *   neighbors: [{ name: "bird", address: "192.0.2.2", asn: 64501, importPolicy: "accept", exportPolicy: "accept" }],
 *   originate: [{ prefix: "198.51.100.0/24" }],
 * };
 * ```
 */
export interface RouterSpec {
  readonly asn: number;
  readonly bgpIdentifier: string;
  /** Our IPv4 address (default next hop of originated IPv4 routes). */
  readonly localAddress?: string;
  /** Our IPv6 address (next hop of IPv6 routes we advertise). */
  readonly localIpv6Address?: string;
  /** RFC 8212 default reject for eBGP without policy. Default true. */
  readonly rfc8212?: boolean;
  /**
   * RFC 9774: routes whose AS path has AS_SET or AS_CONFED_SET are treated as withdrawn and none
   * is sent (`@dyninfra/bgp-rib`'s `rejectAsSets`). Default false, as FRR's `bgp reject-as-sets`.
   */
  readonly rejectAsSets?: boolean;
  /** Decision process options (always-compare-med, deterministic-med, prefer-older, …). */
  readonly decision?: DecisionOptions;
  /**
   * Keep a forwarding table derived from the Loc-RIB (`rib.fib`). Default true; `false` saves
   * its memory and the time to maintain it where nothing forwards by it (a simulated neighbour
   * that only speaks BGP).
   */
  readonly fib?: boolean;
  readonly neighbors: readonly NeighborSpec[];
  readonly originate?: readonly OriginateSpec[];
  /** TCP listener for incoming sessions. */
  readonly listen?: { readonly host: string; readonly port: number };
  /**
   * Route Origin Validation, for neighbours with `importPolicy: "reject-invalid"`. The VRPs come
   * from one source: `vrps`, a relying party's JSON output (rpki-client `-j`, Routinator
   * `--format json`, StayRTR), read by `dyninfra-bgpd` at start and on `POST /rpki/reload` (see
   * {@link Router.loadVrps}); or `rtr`, an RPKI cache spoken to with the RPKI-to-Router protocol
   * (RFC 8210, version 0 caches too; see {@link RtrClient}), connected at {@link Router.start}
   * and followed as it changes — or several, the most preferred one with data in use.
   */
  readonly rpki?: { readonly vrps: string } | { readonly rtr: RtrSpec | readonly RtrSpec[] };
  /**
   * ASPAs (for `"reject-aspa-invalid"` and `match.aspa`): a relying party's JSON output with an
   * `aspas` list (rpki-client `-j`), read by `dyninfra-bgpd` at start and on `POST /aspa/reload`
   * (see {@link Router.loadAspas}).
   */
  readonly aspa?: string;
  /** MRT files whose routes are loaded at start, as if learned from the peer named in each. */
  readonly mrt?: readonly { readonly file: string; readonly peerAddress?: string }[];
  /** HTTP control interface (JSON): on a TCP port, or on a Unix socket path. */
  readonly control?:
    | { readonly host?: string; readonly port: number }
    | { readonly socket: string };
  /**
   * Install the Loc-RIB in the Linux routing table (`dyninfra-bgpd`, with {@link KernelRoutes}):
   * table, route protocol and metric (defaults `main`, `bgp`, 20).
   */
  readonly kernel?: KernelRouteOptions;
  /**
   * MRT output (`dyninfra-bgpd`): `updates`, the file the UPDATEs received are appended to (with
   * {@link MrtUpdateLog}; `all`: every message type, not only UPDATEs; `interval`: a new file
   * every so many seconds, `updates` then being a name pattern, see {@link mrtFileName}); `rib`
   * and `ribInterval`: a TABLE_DUMP_V2 dump of the Adj-RIBs-In every `ribInterval` seconds, named
   * by the pattern `rib` (with {@link MrtRibDumper}).
   */
  readonly mrtDump?: {
    readonly updates?: string;
    readonly all?: boolean;
    readonly interval?: number;
    readonly rib?: string;
    readonly ribInterval?: number;
  };
  /** A BMP monitoring station to report to (`dyninfra-bgpd`, with {@link BmpExporter}). */
  readonly bmp?: BmpOptions;
  /**
   * Named routing policies for neighbours' `importPolicy` / `exportPolicy`: ordered terms of
   * match conditions (prefix list, AS-path regular expression, community, large community, RPKI
   * validity), changes (LOCAL_PREF, MED, next hop, prepend, communities) and an action (accept,
   * reject, or go on to the next term); a route no term accepts is rejected. See
   * {@link PolicyTerm} and {@link compilePolicy}.
   */
  readonly policies?: PolicyDefinitions;
}

/**
 * Events of a {@link Router}.
 *
 * @example
 * ```ts
 * import type { RouterEvents } from "@dyninfra/bgp-speaker";
 * type Names = keyof RouterEvents;
 * ```
 */
export interface RouterEvents {
  /** A neighbour's session changed state. */
  session: [name: string, from: string, to: string];
  /**
   * A whole message received from a neighbour, as it came (see the session's `message` event:
   * the bytes are valid during the call only). Emitted only while somebody listens.
   */
  message: [name: string, type: number, bytes: Uint8Array];
  /** Loc-RIB and Adj-RIB-Out changes after an event. */
  changes: [changes: ChangeSet];
  /**
   * A neighbour's Adj-RIB-In after import policy may have changed for `prefixes` (a batch of its
   * UPDATEs applied), or for any of its routes (`undefined`: its policy changed, or the VRPs it
   * validates against). Emitted after the `changes` of the same event.
   */
  "adj-rib-in": [name: string, prefixes: readonly Prefix[] | undefined];
  warning: [name: string, message: string];
  /** Graceful Restart (receiving speaker) retained, swept or kept a neighbour's routes. */
  "graceful-restart": [name: string, what: string];
  /** An End-of-RIB marker arrived from a neighbour. */
  "end-of-rib": [name: string, family: AfiSafi];
  /**
   * A restarting router's route selection deferral ended (RFC 4724 §4.1; see
   * {@link RouterOptions.restarting}): its output, held until now, goes out.
   */
  converged: [why: string];
  /** A NOTIFICATION was sent to or received from a neighbour (see `notificationText`). */
  notification: [name: string, direction: "sent" | "received", message: NotificationMessage];
}

/**
 * What {@link Router.graftOut} hands to the router that takes the session over.
 *
 * @example
 * ```ts
 * import type { SessionGraft } from "@dyninfra/bgp-speaker";
 * const size = (g: SessionGraft) => g.rib.length;
 * ```
 */
export interface SessionGraft {
  readonly neighbor: NeighborSpec;
  /** The paused session (FSM, timers, negotiated capabilities, partial input). */
  readonly session: SessionState;
  /** The RIB's snapshot of the session (`Rib.exportSession`). */
  readonly rib: Uint8Array;
  /** The neighbour's graceful restart, when its stale routes await End-of-RIB. */
  readonly gracefulRestart?: GracefulRestartHandover;
}

/**
 * What {@link Router.graftFreeze} hands to the router that prepared the session in the background
 * ({@link Router.graftPrepare}): the paused session and the old RIB's journal of the session after
 * the snapshot.
 *
 * @example
 * ```ts
 * import type { SessionHandover } from "@dyninfra/bgp-speaker";
 * const changesSinceSnapshot = (h: SessionHandover) => h.journal.length;
 * ```
 */
export interface SessionHandover {
  readonly neighbor: NeighborSpec;
  /** The paused session (FSM, timers, negotiated capabilities, partial input). */
  readonly session: SessionState;
  /** What the old RIB journaled after the snapshot (`Rib.sessionJournal`), in order. */
  readonly journal: readonly JournalEntry[];
  /** The neighbour's graceful restart, when its stale routes await End-of-RIB. */
  readonly gracefulRestart?: GracefulRestartHandover;
}

interface Neighbor {
  spec: NeighborSpec;
  session: BgpSession;
  inRib: boolean;
  /** Received UPDATEs merged into one RIB batch (no prefix twice), applied on the next turn. */
  inbound: InboundBatch | undefined;
  /** Past its maximum-prefix limit (`warningOnly`: warned once until back under it). */
  overLimit: boolean;
  /** Adj-RIB-Out deltas not yet encoded and written, in order. */
  outbound: OutboundItem[];
  pumping: boolean;
  /** The initial table being sent in slices (see Router.initialTable): its token, if any. */
  initialTable: object | undefined;
  /** A second, incoming connection tracked until collision resolution (RFC 4271 §6.8). */
  candidate: BgpSession | undefined;
  /** What runs when its connection has taken its backlog (see Router.afterDrain). */
  drainWaiters: Set<() => void>;
  /** The `drain` listener waiting for them, and the session it listens on. */
  drainHook: { session: BgpSession; listener: () => void } | undefined;
  /** Restarts its output pump (a waiter of drainWaiters). */
  pumpAgain: () => void;
  /** Graceful Restart, receiving speaker. */
  gr: GracefulRestartReceiver;
  /** Its stale routes in the RIB. */
  stale: RibStaleRoutes;
  /** What the current (or last) Established session negotiated. */
  negotiated: NegotiatedSession | undefined;
  /** True from Established until the session's `down`. */
  up: boolean;
  /** ADD-PATH as last set in the RIB for this neighbour. */
  /** ADD-PATH as negotiated: receive on any family; send `true` (every family) or its AFIs. */
  addPath: { receive: boolean; send: boolean | readonly number[] };
  /** End-of-RIB markers received / sent on the current session ("afi/safi"). */
  eorReceived: Set<string>;
  eorSent: Set<string>;
}

type OutboundItem =
  | { readonly kind: "withdraw"; readonly prefixes: readonly Prefix[] }
  | { readonly kind: "announce"; readonly announcement: Announcement }
  | { readonly kind: "end-of-rib"; readonly family: AfiSafi };

/** Prefixes encoded per event-loop turn, so timers and reads keep running during a table dump. */
const OUTPUT_SLICE = 20_000;

interface InboundBatch {
  /** The UPDATEs of the batch, in the order they arrived. */
  updates: RibUpdate[];
  /** Prefixes in them. */
  size: number;
}

/** Largest inbound batch, in prefixes, before it is applied without waiting for the next turn. */
const MAX_BATCH = 50_000;

function ipv4Number(text: string): number {
  return text.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function parseCommunity(text: string, where: string): number {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (m === null || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff)
    throw new BgpSpeakerError("BAD_CONFIG", `community ${JSON.stringify(text)} is not ASN:VALUE`, {
      field: where,
    });
  return ((Number(m[1]) << 16) | Number(m[2])) >>> 0;
}

/** Seconds a restarting router waits for End-of-RIB from its neighbours at most (FRR's default). */
export const DEFAULT_SELECTION_DEFERRAL_TIME = 360;
const DEFAULT_RESTART_TIME = 120;

/** An RPKI cache to follow with the RPKI-to-Router protocol (see {@link RouterSpec.rpki}). */
export interface RtrSpec {
  readonly host: string;
  /** TCP port (323 is RFC 8210's; StayRTR listens on 8282 by default). */
  readonly port: number;
  /** Protocol version to start with (default 1; a cache of version 0 only is detected). */
  readonly version?: 0 | 1;
  /** Seconds between connection attempts until the cache gives its own interval (default 600). */
  readonly retry?: number;
  /**
   * With several caches: lower is preferred (default: their order). The VRPs in use are those of
   * the most preferred cache that has data (RFC 8210 §10: a router should have more than one).
   */
  readonly preference?: number;
  /**
   * RTR over TLS (RFC 6810 §7.2): files of PEM text — `ca`, the authorities the cache's
   * certificate must chain to (default Node.js's bundled roots); `cert` and `key`, the router's
   * own, for a cache that authenticates routers — and `serverName`, the name the cache's
   * certificate must carry when not its address.
   */
  readonly tls?: {
    readonly ca?: string;
    readonly cert?: string;
    readonly key?: string;
    readonly serverName?: string;
  };
}

/**
 * Options of a {@link Router}.
 *
 * @example
 * ```ts
 * import type { RouterOptions } from "@dyninfra/bgp-speaker";
 * const o: RouterOptions = { restarting: { forwardingPreserved: true } };
 * ```
 */
export interface RouterOptions {
  /** Timers' clock (default: the wall clock). */
  readonly clock?: Clock;
  /**
   * Prefixes exported per slice of a neighbour's initial table (default 32,768): the event loop
   * turns between slices, so that a full table does not hold the other sessions' timers and
   * UPDATEs; End-of-RIB follows the last slice.
   */
  readonly initialExportSlice?: number;
  /**
   * Bytes of UPDATEs that may wait in a neighbour's connection (default 1 MiB): past them the
   * router encodes nothing more for it, nor exports the next slice of its initial table, until
   * the connection has taken them — a slow neighbour costs memory for what is in flight, not for
   * the whole table encoded ahead of it (the queue itself is the RIB's Adj-RIB-Out).
   */
  readonly sendBacklogLimit?: number;
  /** Opens the connection to the RPKI cache of `rpki.rtr` (default: TCP). */
  readonly rtrConnect?: (host: string, port: number) => Promise<Duplex>;
  /** Opens the connection to a neighbour that is not passive. */
  readonly connect?: (n: NeighborSpec) => Promise<Duplex>;
  /**
   * This start is a graceful restart (RFC 4724 §4.1): the OPENs carry the Restart State bit and,
   * with `forwardingPreserved` (the forwarding table survived, e.g. the kernel routes of
   * `"kernel"`), the Forwarding State bit of every family — the neighbours keep our routes
   * meanwhile. The router sends nothing (neither routes nor End-of-RIB) until every neighbour is
   * back and has sent End-of-RIB, or `selectionDeferralTime` seconds (default 360) have passed;
   * then it sends its routes and End-of-RIB, and emits `converged`.
   */
  readonly restarting?: {
    readonly forwardingPreserved?: boolean;
    readonly selectionDeferralTime?: number;
  };
}

/** The TLS settings of cache `i` of `rpki.rtr`, its files read (`BAD_CONFIG` naming the field). */
function rtrTls(t: NonNullable<RtrSpec["tls"]>, i: number): RtrTlsOptions {
  const read = (key: "ca" | "cert" | "key"): { [k: string]: string } => {
    const file = t[key];
    if (file === undefined) return {};
    return { [key]: readConfigFile(file, `rpki.rtr[${i}].tls.${key}`) };
  };
  return {
    ...read("ca"),
    ...read("cert"),
    ...read("key"),
    ...(t.serverName !== undefined ? { serverName: t.serverName } : {}),
  };
}

/** Prefixes exported per slice of a neighbour's initial table (see Router.initialTable). */
const INITIAL_EXPORT_SLICE = 32768;
/**
 * RFC 8326's additions to a policy, each made once per policy (so that neighbours drained alike
 * share an update group, and a policy switched on and off again is the same object).
 */
interface PolicyWrap {
  readonly tail: readonly Policy[];
  readonly made: WeakMap<Policy, Policy>;
}
const GSHUT_TAG = addCommunities([WELL_KNOWN_COMMUNITY.GRACEFUL_SHUTDOWN]);
const GSHUT_IMPORT: PolicyWrap = { tail: [setLocalPref(0)], made: new WeakMap() };
const GSHUT_EXPORT: PolicyWrap = { tail: [GSHUT_TAG], made: new WeakMap() };
const GSHUT_EXPORT_IBGP: PolicyWrap = { tail: [GSHUT_TAG, setLocalPref(0)], made: new WeakMap() };

/** `base` followed by `w`'s policies, the same object for the same base. */
function wrapped(w: PolicyWrap, base: Policy): Policy {
  let p = w.made.get(base);
  if (p === undefined) {
    p = chain(base, ...w.tail);
    w.made.set(base, p);
  }
  return p;
}

/** Default of RouterOptions.sendBacklogLimit. */
const SEND_BACKLOG_LIMIT = 1 << 20;

/** The neighbour an MRT file's peer stands for ({@link Router.loadMrt}), for policy checks. */
function mrtSpec(address: string, importPolicy: ImportPolicyName): NeighborSpec {
  return { name: `mrt:${address}`, address, asn: 0, importPolicy };
}

/**
 * Throws a `BAD_CONFIG` error (`unknown` saying why) unless a neighbour's import and export policies
 * are built-ins or among `policies` — for export, one that does not match on RPKI validity.
 */
function checkPolicyNames(
  spec: NeighborSpec,
  policies: ReadonlyMap<string, CompiledPolicy>,
  unknown: string,
): void {
  for (const key of ["importPolicy", "exportPolicy"] as const) {
    const name = spec[key];
    if (name === undefined || name === "accept" || name === "reject") continue;
    if (key === "importPolicy" && (name === "reject-invalid" || name === "reject-aspa-invalid"))
      continue;
    const p = policies.get(name);
    if (p !== undefined && (key === "importPolicy" || (!p.usesRpki && !p.usesAspa))) continue;
    throw new BgpSpeakerError(
      "BAD_CONFIG",
      `neighbour ${spec.name}: ${key} ${JSON.stringify(name)} ${unknown}${p !== undefined ? ` usable for export (it matches on ${p.usesRpki ? "rpki" : "aspa"})` : ""}`,
      { field: key },
    );
  }
}

/**
 * A BGP router: one RIB (`@dyninfra/bgp-rib`) and one {@link BgpSession} per neighbour, over any
 * byte streams. It originates prefixes, installs what neighbours send, runs the decision
 * process and sends each neighbour its Adj-RIB-Out delta, packed into as few UPDATEs as the
 * session allows. Sessions can be grafted to another router ({@link Router.graftOut},
 * {@link Router.graftIn}).
 *
 * @example
 * ```ts
 * import { ManualClock, memoryPipe, Router } from "@dyninfra/bgp-speaker";
 * const clock = new ManualClock();
 * const r1 = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", localAddress: "192.0.2.1",
 *   neighbors: [{ name: "r2", address: "192.0.2.2", asn: 64501, passive: true, importPolicy: "accept", exportPolicy: "accept" }],
 *   originate: [{ prefix: "198.51.100.0/24" }] }, { clock });
 * const r2 = new Router({ asn: 64501, bgpIdentifier: "192.0.2.2", localAddress: "192.0.2.2",
 *   neighbors: [{ name: "r1", address: "192.0.2.1", asn: 64500, passive: true, importPolicy: "accept", exportPolicy: "accept" }] }, { clock });
 * r1.start(); r2.start();
 * const [a, b] = memoryPipe();
 * r1.accept("r2", a); r2.accept("r1", b);
 * ```
 */
export class Router extends EventEmitter<RouterEvents> {
  readonly spec: RouterSpec;
  readonly rib: Rib;
  private readonly clock: Clock;
  private readonly connector: ((n: NeighborSpec) => Promise<Duplex>) | undefined;
  /** Prefixes per slice of an initial table (RouterOptions.initialExportSlice). */
  private readonly initialExportSlice: number;
  /** RouterOptions.sendBacklogLimit. */
  private readonly sendBacklogLimit: number;
  private readonly neighbors = new Map<string, Neighbor>();
  private readonly byAddress = new Map<string, Neighbor>();
  /** Sessions imported in the background ({@link Router.graftPrepare}), by neighbour name. */
  private readonly prepared = new Map<string, { spec: NeighborSpec; seq: number }>();
  /**
   * Peers of loaded MRT files ({@link Router.loadMrt}) and the import policy each was loaded with
   * (applied again when that policy's definition changes; those validating RPKI are decided
   * again with the neighbours when VRPs change).
   */
  private readonly mrtPeers = new Map<string, ImportPolicyName>();
  /**
   * Restarting (RFC 4724 §4.1) until the route selection deferral ends: OPENs carry the Restart
   * State bit, and nothing is sent to any neighbour until all of them are back with End-of-RIB.
   */
  private restarting: { forwardingPreserved: boolean; deferralMs: number } | undefined;
  private deferralTimer: unknown;
  /**
   * The VRPs of Route Origin Validation (RFC 6811), read by neighbours whose import policy is
   * `"reject-invalid"`; change them with {@link Router.setVrps} (which revalidates the routes).
   */
  readonly roas = new RoaTable();
  private readonly rovPolicy: Policy;
  /** ASPAs of `"reject-aspa-invalid"` and `match.aspa` ({@link Router.setAspas}). */
  readonly aspas = new AspaTable();
  private readonly aspaPolicy = rejectAspaInvalid(this.aspas);
  /** The compiled {@link Router.policyDefinitions}. */
  private policies: Map<string, CompiledPolicy>;
  private policyDefs: PolicyDefinitions;
  /**
   * The RTR clients of `rpki.rtr`, most preferred first (started and stopped with the router).
   * The VRPs in use are those of the first that has data: its changes are applied with
   * {@link Router.updateVrps} as each End of Data arrives; when another becomes the first with
   * data (a more preferred cache has data again, or the one in use expired), its whole set is
   * applied with {@link Router.setVrps}.
   */
  readonly rtrClients: readonly RtrClient[] = [];
  private rtrInUse: RtrClient | undefined;

  /**
   * The RTR client whose VRPs are in use, else the most preferred one (undefined without
   * `rpki.rtr`).
   */
  get rtr(): RtrClient | undefined {
    return this.rtrInUse ?? this.rtrClients[0];
  }

  constructor(spec: RouterSpec, options: RouterOptions = {}) {
    super();
    this.spec = spec;
    this.clock = options.clock ?? systemClock;
    this.connector = options.connect;
    this.initialExportSlice = Math.max(1, options.initialExportSlice ?? INITIAL_EXPORT_SLICE);
    this.sendBacklogLimit = Math.max(0, options.sendBacklogLimit ?? SEND_BACKLOG_LIMIT);
    if (options.restarting !== undefined) {
      const r = options.restarting;
      const t = r.selectionDeferralTime ?? DEFAULT_SELECTION_DEFERRAL_TIME;
      if (!Number.isInteger(t) || t < 1 || t > 65535)
        throw new BgpSpeakerError(
          "BAD_CONFIG",
          `restarting.selectionDeferralTime must be an integer in 1..65535 (got ${t})`,
          { field: "restarting.selectionDeferralTime" },
        );
      this.restarting = {
        forwardingPreserved: r.forwardingPreserved === true,
        deferralMs: t * 1000,
      };
    }
    // Routes with an empty AS_PATH (from iBGP neighbours, or our own) originate in our AS.
    this.rovPolicy = rejectInvalidOrigins(this.roas, { localAs: spec.asn });
    this.policies = this.compilePolicies(spec.policies ?? {});
    this.policyDefs = spec.policies ?? {};
    const rpki = spec.rpki;
    if (rpki !== undefined && "rtr" in rpki) {
      const caches = (Array.isArray(rpki.rtr) ? rpki.rtr : [rpki.rtr]) as readonly RtrSpec[];
      const order = caches
        .map((c, i) => ({ c, p: c.preference ?? i }))
        .sort((x, y) => x.p - y.p)
        .map((x) => x.c);
      this.rtrClients = order.map((c) => {
        const client = new RtrClient({
          host: c.host,
          port: c.port,
          clock: this.clock,
          ...(c.tls !== undefined ? { tls: rtrTls(c.tls, caches.indexOf(c)) } : {}),
          ...(c.version !== undefined ? { version: c.version } : {}),
          ...(c.retry !== undefined ? { retry: c.retry } : {}),
          ...(options.rtrConnect !== undefined ? { connect: options.rtrConnect } : {}),
        });
        client.on("update", (u) => this.rtrUpdate(client, u));
        return client;
      });
    }
    this.rib = new Rib({
      asn: spec.asn,
      bgpIdentifier: spec.bgpIdentifier,
      rfc8212: spec.rfc8212 ?? true,
      ...(spec.rejectAsSets === true ? { rejectAsSets: true } : {}),
      ...(spec.decision !== undefined ? { decision: spec.decision } : {}),
      ...(spec.fib !== undefined ? { fib: spec.fib } : {}),
    });
    for (const n of spec.neighbors) this.addNeighbor(n);
    if (spec.originate !== undefined && spec.originate.length > 0)
      this.distribute(this.rib.originate(this.originateUpdate(spec.originate)));
  }

  /** Adds a neighbour (its session starts with {@link Router.start}). */
  addNeighbor(spec: NeighborSpec): BgpSession {
    if (this.neighbors.has(spec.name) || this.byAddress.has(spec.address))
      throw new BgpSpeakerError("BAD_CONFIG", `neighbour ${spec.name} (${spec.address}) exists`, {
        field: "neighbors",
      });
    checkRole(spec, this.spec.asn);
    // Policies are resolved now: an unknown name is a configuration error, not a failure later.
    checkPolicyNames(
      spec,
      this.policies,
      "is neither a built-in policy nor one of the router's policies",
    );
    const limit = spec.maxPrefixes?.limit;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= 0xffffffff))
      throw new BgpSpeakerError(
        "BAD_CONFIG",
        `neighbour ${spec.name}: maxPrefixes.limit must be an integer in 0..4294967295 (got ${limit})`,
        { field: "maxPrefixes.limit" },
      );
    const session = this.makeSession(spec);
    const n = this.newNeighbor(spec, session, false);
    this.neighbors.set(spec.name, n);
    this.byAddress.set(spec.address, n);
    this.wire(n);
    return session;
  }

  /** Starts every neighbour's session. */
  start(): void {
    if (this.restarting !== undefined && this.deferralTimer === undefined)
      this.deferralTimer = this.clock.setTimer(
        () =>
          this.endDeferral(
            `selection deferral timer (${this.restarting!.deferralMs / 1000} s) ran out`,
          ),
        this.restarting.deferralMs,
      );
    for (const c of this.rtrClients) c.start();
    for (const n of this.neighbors.values()) n.session.start();
  }

  /** True while a restart's route selection deferral holds this router's output (RFC 4724 §4.1). */
  get deferring(): boolean {
    return this.restarting !== undefined;
  }

  /**
   * Ends a restart's route selection deferral once every neighbour is Established and has sent
   * End-of-RIB for each family it negotiated (a neighbour without Graceful Restart: once
   * Established). Checked as sessions come up and markers arrive.
   */
  private checkDeferral(): void {
    if (this.restarting === undefined) return;
    for (const n of this.neighbors.values()) {
      if (!n.up || n.negotiated === undefined) return;
      if (n.negotiated.peerGracefulRestart === false) continue;
      for (const f of n.negotiated.families) if (!n.eorReceived.has(`${f.afi}/${f.safi}`)) return;
    }
    this.endDeferral("End-of-RIB received from every neighbour");
  }

  /** Route selection deferral over: the held output goes to every neighbour, End-of-RIB last. */
  private endDeferral(why: string): void {
    if (this.restarting === undefined) return;
    this.restarting = undefined;
    if (this.deferralTimer !== undefined) this.clock.clearTimer(this.deferralTimer);
    this.deferralTimer = undefined;
    for (const n of this.neighbors.values()) {
      if (n.up && n.negotiated !== undefined && n.spec.endOfRib !== false)
        for (const family of n.negotiated.families) n.outbound.push({ kind: "end-of-rib", family });
      this.startPump(n);
    }
    this.emit("converged", why);
  }

  /** Stops every session with Cease / Administrative Shutdown. */
  stop(shutdownCommunication?: string): void {
    for (const c of this.rtrClients) c.stop();
    for (const n of this.neighbors.values()) n.session.stop(shutdownCommunication);
  }

  /** The session of a neighbour, by name. */
  session(name: string): BgpSession {
    return this.neighbor(name).session;
  }

  /** The names of the configured neighbours (grafted-in ones included), in configuration order. */
  neighborNames(): string[] {
    return [...this.neighbors.keys()];
  }

  /** A neighbour's configuration, by name. */
  neighborSpec(name: string): NeighborSpec {
    return this.neighbor(name).spec;
  }

  /** The neighbour whose address is `address`, if configured. */
  neighborByAddress(address: string): NeighborSpec | undefined {
    return this.byAddress.get(address)?.spec;
  }

  /**
   * Hands an incoming connection to the neighbour `name`'s session. When the session already has
   * a connection that has not reached Established, the new one is tracked as a second connection
   * until one of them receives an OPEN; then RFC 4271 §6.8 collision detection keeps the
   * connection initiated by the speaker with the higher BGP Identifier and closes the other with
   * Cease / Connection Collision Resolution. Against an Established session the new connection is
   * refused (CollisionDetectEstablishedState off) — unless the neighbour announced Graceful
   * Restart for some family on it: then it restarted before the old connection was seen to fail,
   * so the old one is closed as a failed connection (its routes retained stale) and the session
   * goes on over the new one.
   */
  accept(name: string, stream: Duplex): boolean {
    const n = this.neighbor(name);
    const s = n.session;
    const gr = n.negotiated?.peerGracefulRestart;
    if (
      s.state === "Established" &&
      n.up &&
      gr !== undefined &&
      gr !== false &&
      gr.families.length > 0 &&
      s.capabilities.gracefulRestart !== false
    ) {
      this.emit(
        "graceful-restart",
        name,
        "new connection while Established: the neighbour restarted, the old connection is closed",
      );
      s.connectionFailed();
      s.start();
      return s.accept(stream);
    }
    if (!s.hasConnection || s.state === "Idle") return s.accept(stream);
    return this.track(n, stream, false);
  }

  /** Tracks a second connection of `n` until collision resolution decides (§6.8). */
  private track(n: Neighbor, stream: Duplex, initiatedLocally: boolean): boolean {
    const s = n.session;
    if (s.state === "Established" || n.candidate !== undefined) {
      stream.destroy();
      return false;
    }
    const candidate = this.makeSession({ ...n.spec, passive: true });
    n.candidate = candidate;
    const check = () => this.resolveCollision(n);
    candidate.on("state", check);
    s.on("state", check);
    candidate.on("warning", (m) => this.emit("warning", n.spec.name, `second connection: ${m}`));
    candidate.start();
    candidate.accept(stream, initiatedLocally);
    return true;
  }

  private resolveCollision(n: Neighbor): void {
    const a = n.session;
    const b = n.candidate;
    if (b === undefined) return;
    if (b.state === "Idle") {
      // The second connection failed on its own.
      n.candidate = undefined;
      b.removeAllListeners();
      return;
    }
    if (a.state === "Idle") {
      // The first connection failed: the second one carries the session on.
      this.adopt(n, b);
      return;
    }
    const negotiated = a.negotiated ?? b.negotiated;
    if (negotiated === undefined) return; // no OPEN received yet on either connection
    if (a.state === "Established") {
      n.candidate = undefined;
      b.removeAllListeners();
      b.collisionDump();
      return;
    }
    if (a.state !== "OpenConfirm" && b.state !== "OpenConfirm") return;
    // §6.8: if the local BGP Identifier is lower than the remote one, close the connection the
    // local system initiated; otherwise close the one the remote system initiated.
    const local = ipv4Number(this.spec.bgpIdentifier);
    const remote = ipv4Number(negotiated.peerBgpIdentifier);
    const closeLocal = local < remote;
    const aIsLocal = a.connectionInitiatedLocally;
    const loser = closeLocal === aIsLocal ? a : b;
    if (loser === b) {
      n.candidate = undefined;
      b.removeAllListeners();
      b.collisionDump();
    } else {
      a.removeAllListeners();
      a.collisionDump();
      this.adopt(n, b);
    }
  }

  private adopt(n: Neighbor, b: BgpSession): void {
    const old = n.session;
    old.removeAllListeners();
    b.removeAllListeners();
    n.session = b;
    n.candidate = undefined;
    this.wire(n);
    this.emit("session", n.spec.name, "collision", b.state);
    if (b.state === "Established") this.established(n, b.negotiated!);
  }

  /** Originates routes (an implicit withdraw replaces earlier ones for the same prefix). */
  originate(routes: readonly OriginateSpec[]): ChangeSet {
    const c = this.rib.originate(this.originateUpdate(routes));
    this.distribute(c);
    return c;
  }

  /** Withdraws originated prefixes. */
  withdraw(prefixes: readonly string[]): ChangeSet {
    const c = this.rib.originate({ withdrawn: prefixes.map((p) => parsePrefix(p)) });
    this.distribute(c);
    return c;
  }

  /** Installs routes as if learned from neighbour `name` (e.g. from an MRT file). */
  learn(name: string, update: RibUpdate): ChangeSet {
    const n = this.neighbor(name);
    this.flushInbound(n);
    this.ensureInRib(n, n.session.negotiated?.peerBgpIdentifier ?? n.spec.address);
    const c = this.rib.update(n.spec.address, update);
    this.distribute(c);
    return c;
  }

  /**
   * Loads the routes of one peer of an MRT file (RFC 6396: TABLE_DUMP, TABLE_DUMP_V2 RIBs,
   * BGP4MP and the deprecated BGP type 5 UPDATEs; `.gz`/`.bz2` transparent) as if learned from that
   * peer: a neighbour named `mrt:<peer address>` is added to the RIB (not a session) and its routes
   * go through import policy, decision process and out to the real neighbours. Without
   * `peerAddress` the first peer found is used. Returns the number of routes installed and
   * withdrawals applied.
   */
  async loadMrt(
    source: MrtSource,
    options: { readonly peerAddress?: string; readonly importPolicy?: ImportPolicyName } = {},
  ): Promise<{ peer: string; announced: number; withdrawn: number }> {
    let peer = options.peerAddress;
    let announced = 0;
    let withdrawn = 0;
    let batch: { withdrawn: Prefix[]; announced: Announcement[]; size: number } = {
      withdrawn: [],
      announced: [],
      size: 0,
    };
    let ready = false;
    const flush = () => {
      if (batch.size === 0) return;
      this.distribute(
        this.rib.update(peer!, { withdrawn: batch.withdrawn, announced: batch.announced }),
      );
      batch = { withdrawn: [], announced: [], size: 0 };
    };
    const ensure = (address: string, asn: number) => {
      peer ??= address;
      if (ready || address !== peer) return address === peer;
      if (!this.rib.peerAddresses().includes(address)) {
        const imp = this.policyOf(options.importPolicy ?? "accept");
        this.mrtPeers.set(address, options.importPolicy ?? "accept");
        this.rib.addPeer({
          address,
          asn,
          bgpIdentifier: address.includes(":") ? "0.0.0.1" : address,
          ...(imp ? { importPolicy: imp } : {}),
        });
      }
      this.distribute(this.rib.peerUp(address));
      ready = true;
      return true;
    };
    let peerTable: readonly { address: string; asn: number }[] = [];
    for await (const r of readMrt(source)) {
      if (r.kind === "PEER_INDEX_TABLE") {
        peerTable = r.peers.map((p) => ({ address: p.peerAddress, asn: p.peerAs }));
      } else if (r.kind === "RIB" && r.prefix !== undefined) {
        for (const e of r.entries) {
          const p = peerTable[e.peerIndex];
          if (p === undefined || !ensure(p.address, p.asn)) continue;
          batch.announced.push({ attributes: e.attributes, nlri: [r.prefix] });
          batch.size++;
          announced++;
        }
      } else if (r.kind === "TABLE_DUMP") {
        if (!ensure(r.peerAddress, r.peerAs)) continue;
        batch.announced.push({ attributes: r.attributes, nlri: [r.prefix] });
        batch.size++;
        announced++;
      } else if (r.kind === "BGP4MP_MESSAGE" && r.message?.type === "UPDATE") {
        if (!ensure(r.peerAddress, r.peerAs)) continue;
        flush(); // UPDATEs apply in order
        const u = ribUpdateFromMessage(r.message);
        this.distribute(this.rib.update(peer!, u));
        withdrawn += u.withdrawn?.length ?? 0;
        for (const a of u.announced ?? []) announced += a.nlri.length;
      } else if (r.kind === "BGP" && r.update !== undefined) {
        if (!ensure(r.peerAddress, r.peerAs)) continue;
        flush();
        const u = ribUpdateFromMessage({ type: "UPDATE", ...r.update });
        this.distribute(this.rib.update(peer!, u));
        withdrawn += u.withdrawn?.length ?? 0;
        for (const a of u.announced ?? []) announced += a.nlri.length;
      }
      if (batch.size >= 20_000) flush();
    }
    flush();
    if (peer === undefined)
      throw new BgpSpeakerError("MRT_NO_ROUTES", "the MRT source holds no routes", {
        field: "source",
      });
    return { peer, announced, withdrawn };
  }

  /** Sessions as JSON-ready data, for the control interface. */
  sessions(): object[] {
    return [...this.neighbors.values()].map((n) => ({
      name: n.spec.name,
      address: n.spec.address,
      asn: n.spec.asn,
      state: n.session.state,
      negotiated:
        n.session.negotiated === undefined
          ? null
          : {
              holdTime: n.session.negotiated.holdTime,
              peerBgpIdentifier: n.session.negotiated.peerBgpIdentifier,
              families: n.session.negotiated.families,
              extendedMessage: n.session.negotiated.extendedMessage,
              // RFC 8950: IPv4 routes with IPv6 next hops, both ways.
              extendedNextHop: n.session.negotiated.extendedNextHop === true,
              routeRefresh: n.session.negotiated.routeRefresh,
              fourOctetAs: n.session.negotiated.receive.fourOctetAs,
              addPath: {
                receive: n.session.negotiated.receive.addPath,
                send: n.session.negotiated.send.addPath,
              },
              peerRole: BGP_ROLES[n.session.negotiated.peerRole ?? -1] ?? null,
            },
      role: n.spec.role ?? null,
      gracefulShutdown: n.spec.gracefulShutdown === true,
      // Bytes of UPDATEs waiting in its connection (a slow neighbour; see sendBacklogLimit).
      sendBacklog: n.session.sendBacklog,
      // Routes in its Adj-RIB-In (pre-policy) per family, and the limit on them.
      prefixesReceived: n.inRib
        ? this.rib.adjRibInCount(n.spec.address)
        : { ipv4: 0, ipv6: 0, accepted: { ipv4: 0, ipv6: 0 } },
      maxPrefixes: n.spec.maxPrefixes ?? null,
      // Routes sent to it per family, and what it sent that was refused or changed nothing.
      prefixesSent: n.inRib ? this.rib.adjRibOutCount(n.spec.address) : { ipv4: 0, ipv6: 0 },
      received: n.inRib ? this.rib.receiveCounters(n.spec.address) : null,
      addPath: { ...n.addPath },
      gracefulRestart: this.gracefulRestartStatus(n.spec.name),
      counters: n.session.stats,
    }));
  }

  /**
   * Graceful Restart (receiving speaker) state of a neighbour, JSON-ready: the local and peer
   * capabilities, the phase, the stale route count, the timers' deadlines and remaining
   * seconds, and the End-of-RIB markers received and sent on the current session.
   */
  gracefulRestartStatus(name: string): GracefulRestartStatus & {
    readonly enabled: boolean;
    readonly restartTime: number | null;
    readonly staleRoutesTime: number;
    readonly peer: NegotiatedSession["peerGracefulRestart"] | null;
    /** The neighbour's Long-Lived Graceful Restart capability, when both announced it. */
    readonly peerLongLived: PeerLongLivedGracefulRestart | null;
    /** The Long-Lived Stale Time this speaker announces (seconds), or null when it does not. */
    readonly longLivedStaleTime: number | null;
    readonly staleRoutes: number;
    readonly restartRemaining: number | null;
    readonly staleRemaining: number | null;
    readonly endOfRibReceived: readonly string[];
    readonly endOfRibSent: readonly string[];
  } {
    const n = this.neighbor(name);
    const local = n.session.capabilities.gracefulRestart;
    const st = n.gr.status();
    const now = this.clock.now();
    const left = (at: number | null) => (at === null ? null : Math.max(0, (at - now) / 1000));
    return {
      enabled: local !== false,
      restartTime: local === false ? null : local.restartTime,
      staleRoutesTime: n.spec.staleRoutesTime ?? DEFAULT_STALE_ROUTES_TIME,
      peer: n.negotiated?.peerGracefulRestart ?? null,
      peerLongLived: n.negotiated?.peerLongLivedGracefulRestart || null,
      longLivedStaleTime:
        local === false || !n.session.capabilities.longLivedGracefulRestart
          ? null
          : n.session.capabilities.longLivedGracefulRestart.staleTime,
      ...st,
      staleRoutes: st.phase === "none" || !n.inRib ? 0 : this.rib.staleCount(n.spec.address),
      restartRemaining: left(st.restartDeadline),
      staleRemaining: left(st.staleDeadline),
      endOfRibReceived: [...n.eorReceived],
      endOfRibSent: [...n.eorSent],
    };
  }

  /**
   * Grafting, old side: pauses the session and exports its routes. The RIB journals the session
   * from now on; call {@link Router.releaseGraft} once the new router has taken over.
   */
  graftOut(name: string): SessionGraft {
    const n = this.neighbor(name);
    // Everything the RIB counts as advertised must be on the wire before the snapshot.
    this.pump(n, Number.POSITIVE_INFINITY);
    const session = n.session.pause();
    this.flushInbound(n);
    return {
      neighbor: n.spec,
      session,
      rib: this.rib.exportSession(n.spec.address),
      ...this.grHandover(n),
    };
  }

  /**
   * Grafting, old side: abandons a graft begun with {@link Router.graftOut} or
   * `rib.exportSession` (+ {@link Router.graftFreeze}) — the new router failed, or will not take
   * the session — before {@link Router.releaseGraft}: the RIB stops journaling the session, and a
   * paused session continues here on its own connection (which must be open: one frozen with
   * Linux `TCP_REPAIR` must leave repair mode first, `tcp-repair.py thaw`), sending what queued
   * up for the neighbour meanwhile. The neighbour sees a short silence, no reset.
   *
   * @example
   * ```ts
   * import type { Router } from "@dyninfra/bgp-speaker";
   * const rollBack = (a: Router) => a.graftAbort("cust").journalDropped;
   * ```
   */
  graftAbort(name: string): { journalDropped: number; unpaused: boolean } {
    const n = this.neighbor(name);
    const unpaused = n.session.isPaused;
    if (unpaused) n.session.unpause();
    const journalDropped = this.rib.cancelExport(n.spec.address);
    this.startPump(n);
    return { journalDropped, unpaused };
  }

  /**
   * Grafting in two phases, new side: drops a session prepared by {@link Router.graftPrepare}
   * that will not be resumed here (the graft was abandoned): its routes leave the RIB and the
   * other neighbours get whatever that changes. Returns the changes sent.
   *
   * @example
   * ```ts
   * import type { Router } from "@dyninfra/bgp-speaker";
   * const drop = (b: Router) => b.graftDiscard("cust").locRib.length;
   * ```
   */
  graftDiscard(name: string): ChangeSet {
    const p = this.prepared.get(name);
    if (p === undefined)
      throw new BgpSpeakerError("BAD_CONFIG", `neighbour ${name} was not prepared here`, {
        field: "neighbors",
      });
    this.prepared.delete(name);
    const c = this.rib.releaseSession(p.spec.address);
    this.distribute(c);
    return c;
  }

  /**
   * Grafting, old side, last step: forgets the session and withdraws its routes from the other
   * neighbours as needed. Returns the changes sent.
   */
  releaseGraft(name: string): ChangeSet {
    const n = this.neighbor(name);
    this.neighbors.delete(name);
    this.byAddress.delete(n.spec.address);
    n.session.removeAllListeners();
    n.gr.dispose();
    const c = this.rib.releaseSession(n.spec.address);
    this.distribute(c);
    return c;
  }

  /**
   * Grafting, new side: installs the session's routes, resumes the session over `stream` without
   * a new OPEN, and sends the neighbour only the incremental update. Returns what was sent.
   */
  graftIn(graft: SessionGraft, stream: Duplex): { neighbor: AdjRibOutUpdate; changes: ChangeSet } {
    const spec = graft.neighbor;
    this.assertNewNeighbor(spec);
    const imported = this.rib.importSession(graft.rib, this.importOptions(spec));
    const n = this.resumeNeighbor(spec, graft.session, stream, graft.gracefulRestart);
    this.sendDelta(n, imported.neighbor);
    this.distribute(imported.changes);
    return { neighbor: imported.neighbor, changes: imported.changes };
  }

  /**
   * Grafting in two phases (DESIGN.md step 1), new side, in the background while the session
   * still runs on the old router: imports the snapshot the old router's RIB exported
   * (`rib.exportSession(address)`, which starts its journal of the session) into the Adj-RIB-In,
   * not yet eligible (its import policy is applied by {@link Router.graftResume}: other
   * neighbours must not hear this router offer routes the neighbour may withdraw before the
   * freeze), and holds the output to the neighbour. Finish at the freeze with
   * {@link Router.graftResume}. Returns the import; its `seq` is the snapshot's sequence number,
   * after which the old router's journal is replayed.
   *
   * @example
   * ```ts
   * import type { NeighborSpec, Router } from "@dyninfra/bgp-speaker";
   * // a: the old router, b: the new one, both running; the session "cust" stays up on a.
   * const prepare = (a: Router, b: Router, spec: NeighborSpec) =>
   *   b.graftPrepare(spec, a.rib.exportSession(spec.address)).seq;
   * ```
   */
  graftPrepare(neighbor: NeighborSpec, snapshot: Uint8Array): SessionImport {
    this.assertNewNeighbor(neighbor);
    const imported = this.rib.importSession(snapshot, {
      ...this.importOptions(neighbor),
      importPolicy: rejectAll,
      hold: true,
    });
    this.distribute(imported.changes);
    if (imported.peer !== neighbor.address) {
      this.distribute(this.rib.releaseSession(imported.peer));
      throw new BgpSpeakerError(
        "BAD_CONFIG",
        `snapshot is of ${imported.peer}, not of ${neighbor.name} (${neighbor.address})`,
        { field: "neighbors" },
      );
    }
    this.prepared.set(neighbor.name, { spec: neighbor, seq: imported.seq });
    return imported;
  }

  /**
   * Grafting in two phases, old side, at the freeze: writes the neighbour's pending output,
   * pauses the session, applies what it had received, and hands over the RIB's journal of the
   * session after `sinceSeq` (the `seq` of {@link Router.graftPrepare}). The RIB must be
   * journaling the session (`rib.exportSession` was called). Call {@link Router.releaseGraft}
   * once the new router has resumed it.
   *
   * @example
   * ```ts
   * import type { Router } from "@dyninfra/bgp-speaker";
   * const freeze = (a: Router, seq: number) => a.graftFreeze("cust", seq).journal.length;
   * ```
   */
  graftFreeze(name: string, sinceSeq: number): SessionHandover {
    const n = this.neighbor(name);
    // Everything the RIB counts as advertised must be on the wire before the pause.
    this.pump(n, Number.POSITIVE_INFINITY);
    const session = n.session.pause();
    this.flushInbound(n);
    return {
      neighbor: n.spec,
      session,
      journal: this.rib.sessionJournal(n.spec.address, sinceSeq),
      ...this.grHandover(n),
    };
  }

  /** The graceful-restart part of a graft: present while stale routes await End-of-RIB. */
  private grHandover(n: Neighbor): { gracefulRestart?: GracefulRestartHandover } {
    const wait = n.gr.handover();
    return wait === undefined ? {} : { gracefulRestart: { ...wait, ...n.stale.handover() } };
  }

  /**
   * Grafting in two phases, new side, at the freeze: replays the old router's journal on the
   * session prepared by {@link Router.graftPrepare}, applies the session's import policy (the
   * decision process runs for the session's prefixes and the other neighbours get what changes),
   * resumes the session over `stream` without a new OPEN, and sends the neighbour only the
   * incremental update (what this router advertises versus what the old one had sent, journal
   * included). Returns that update, the changes sent to the other neighbours, and the number of
   * journal entries replayed.
   *
   * @example
   * ```ts
   * import type { Router, SessionHandover } from "@dyninfra/bgp-speaker";
   * import type { Duplex } from "node:stream";
   * const resume = (b: Router, h: SessionHandover, stream: Duplex) =>
   *   b.graftResume(h, stream).neighbor.announced.length; // 0 when nothing changed for it
   * ```
   */
  graftResume(
    handover: SessionHandover,
    stream: Duplex,
  ): { neighbor: AdjRibOutUpdate; changes: ChangeSet; replayed: number } {
    const p = this.prepared.get(handover.neighbor.name);
    if (p === undefined || p.spec.address !== handover.neighbor.address)
      throw new BgpSpeakerError(
        "BAD_CONFIG",
        `neighbour ${handover.neighbor.name} was not prepared here (graftPrepare)`,
        { field: "neighbors" },
      );
    this.prepared.delete(handover.neighbor.name);
    const replayed = handover.journal.filter((e) => e.seq > p.seq).length;
    this.distribute(this.rib.replaySession(p.spec.address, handover.journal));
    // Without a configured policy the RIB's default applies again (RFC 8212 for eBGP).
    const changes = this.rib.setPolicies(p.spec.address, {
      importPolicy: this.importPolicyFor(p.spec),
    });
    this.distribute(changes);
    const n = this.resumeNeighbor(p.spec, handover.session, stream, handover.gracefulRestart);
    const neighbor = this.rib.resumeOutput(p.spec.address);
    this.sendDelta(n, neighbor);
    return { neighbor, changes, replayed };
  }

  private assertNewNeighbor(spec: NeighborSpec): void {
    if (
      this.neighbors.has(spec.name) ||
      this.byAddress.has(spec.address) ||
      this.prepared.has(spec.name)
    )
      throw new BgpSpeakerError("BAD_CONFIG", `neighbour ${spec.name} already here`, {
        field: "neighbors",
      });
  }

  private importOptions(spec: NeighborSpec): SessionImportOptions {
    return {
      ...(this.importPolicyFor(spec) ? { importPolicy: this.importPolicyFor(spec)! } : {}),
      ...(this.exportPolicyFor(spec) ? { exportPolicy: this.exportPolicyFor(spec)! } : {}),
      ...(spec.localAddress !== undefined || this.spec.localAddress !== undefined
        ? { localAddress: (spec.localAddress ?? this.spec.localAddress)! }
        : {}),
    };
  }

  /** Resumes a grafted session over `stream` and makes it a neighbour (already in the RIB). */
  private resumeNeighbor(
    spec: NeighborSpec,
    state: SessionState,
    stream: Duplex,
    gr: GracefulRestartHandover | undefined,
  ): Neighbor {
    const session = BgpSession.resume(state, stream, { clock: this.clock });
    const n = this.newNeighbor(spec, session, true);
    n.negotiated = state.negotiated;
    n.up = true;
    this.neighbors.set(spec.name, n);
    this.byAddress.set(spec.address, n);
    this.wire(n);
    // A graceful restart in progress goes on here: the routes the snapshot brought stale wait for
    // End-of-RIB (or what is left of the stale-path timer); without one, any still stale in the
    // snapshot were swept on the old router since, and are swept here.
    n.stale.resume(gr);
    if (gr !== undefined) n.gr.resumeStale(gr.awaitingEndOfRib, gr.staleRemainingMs, gr.longLived);
    return n;
  }

  // ---------------------------------------------------------------------------------------------

  private newNeighbor(spec: NeighborSpec, session: BgpSession, inRib: boolean): Neighbor {
    const n: Neighbor = {
      spec,
      session,
      inRib,
      inbound: undefined,
      overLimit: false,
      outbound: [],
      pumping: false,
      initialTable: undefined,
      candidate: undefined,
      drainWaiters: new Set(),
      drainHook: undefined,
      pumpAgain: () => {},
      gr: undefined as unknown as GracefulRestartReceiver,
      stale: undefined as unknown as RibStaleRoutes,
      negotiated: undefined,
      up: false,
      addPath: { receive: false, send: false },
      eorReceived: new Set(),
      eorSent: new Set(),
    };
    n.pumpAgain = () => this.startPump(n);
    const address = spec.address;
    const rib = new RibStaleRoutes(this.rib, address, (c) => this.distribute(c));
    n.stale = rib;
    n.gr = new GracefulRestartReceiver(
      this.clock,
      {
        staleRoutesTime: spec.staleRoutesTime ?? DEFAULT_STALE_ROUTES_TIME,
        ...(spec.longLivedStaleTime === undefined
          ? {}
          : { longLivedStaleTime: spec.longLivedStaleTime }),
      },
      {
        retainStale: (withdraw) => {
          rib.retainStale(withdraw);
          const dropped = withdraw.map((f) => `${f.afi}/${f.safi}`).join(", ");
          this.emit(
            "graceful-restart",
            spec.name,
            `session fell: ${this.rib.staleCount(address)} routes retained stale${dropped === "" ? "" : `, routes of ${dropped} withdrawn (not in its capability)`}`,
          );
        },
        withdrawAll: () => rib.withdrawAll(),
        sweepStale: (reason, families) => {
          const before = this.rib.staleCount(address);
          rib.sweepStale(reason, families);
          const swept = before - this.rib.staleCount(address);
          this.emit("graceful-restart", spec.name, `${swept} stale routes swept: ${reason}`);
        },
        longLivedStale: (families) => {
          rib.longLivedStale(families);
          const which = families.map((f) => `${f.afi}/${f.safi}`).join(", ");
          this.emit(
            "graceful-restart",
            spec.name,
            `routes of ${which} long-lived stale (RFC 9494): ${this.rib.staleCount(address)} kept, marked LLGR_STALE`,
          );
        },
      },
    );
    return n;
  }

  private neighbor(name: string): Neighbor {
    const n = this.neighbors.get(name);
    if (n === undefined)
      throw new BgpSpeakerError("UNKNOWN_NEIGHBOR", `no neighbour named ${name}`, {
        field: "name",
      });
    return n;
  }

  /**
   * Restarting: the Graceful Restart capability with the Restart State bit and, per family, the
   * Forwarding State bit when forwarding was preserved (RFC 4724 §3).
   */
  private restartCapability(spec: NeighborSpec): Partial<SpeakerCapabilities> {
    const r = this.restarting;
    const gr = spec.capabilities?.gracefulRestart;
    if (r === undefined || gr === false) return {};
    const families = spec.capabilities?.families ?? speakerCapabilities().families;
    return {
      gracefulRestart: {
        ...(gr ?? { restartTime: DEFAULT_RESTART_TIME }),
        restartState: true,
        families: families.map((f) => ({ ...f, forwardingState: r.forwardingPreserved })),
      },
    };
  }

  private makeSession(spec: NeighborSpec): BgpSession {
    const connect = this.connector;
    return new BgpSession(
      {
        name: spec.name,
        localAsn: this.spec.asn,
        bgpIdentifier: this.spec.bgpIdentifier,
        peerAsn: spec.asn,
        peerAddress: spec.address,
        passive: spec.passive ?? false,
        idleHoldTime: spec.idleHoldTime ?? 5,
        ...(spec.sendHoldTime !== undefined ? { sendHoldTime: spec.sendHoldTime } : {}),
        fsm: {
          ...(spec.holdTime !== undefined ? { holdTime: spec.holdTime } : {}),
          ...(spec.connectRetryTime !== undefined
            ? { connectRetryTime: spec.connectRetryTime }
            : {}),
          ...(spec.delayOpen !== undefined ? { delayOpen: spec.delayOpen } : {}),
        },
        ...(spec.capabilities !== undefined ||
        spec.role !== undefined ||
        this.restarting !== undefined
          ? {
              capabilities: {
                ...spec.capabilities,
                ...this.restartCapability(spec),
                ...(spec.role !== undefined ? { role: BGP_ROLES.indexOf(spec.role) } : {}),
                ...(spec.strictRole !== undefined ? { strictRole: spec.strictRole } : {}),
              },
            }
          : {}),
      },
      { clock: this.clock, ...(connect ? { connect: () => connect(spec) } : {}) },
    );
  }

  /**
   * The session reached Established: Graceful Restart decides about stale routes, ADD-PATH as
   * negotiated goes to the RIB (it may change only while the RIB peer is down), the RIB sends the
   * initial table, and End-of-RIB markers follow it.
   */
  private established(n: Neighbor, neg: NegotiatedSession): void {
    this.ensureInRib(n, neg.peerBgpIdentifier);
    n.negotiated = neg;
    n.up = true;
    n.eorReceived.clear();
    n.eorSent.clear();
    const addPath = negotiatedAddPath(neg);
    if (addPath.receive !== n.addPath.receive || String(addPath.send) !== String(n.addPath.send)) {
      // Path Identifiers of stale paths would change meaning: the RIB refuses; sweep them first.
      if (addPath.receive !== n.addPath.receive)
        n.gr.abort("ADD-PATH receive changed with the new session");
      this.rib.setAddPath(n.spec.address, addPath);
      n.addPath = addPath;
    }
    // The initial table a slice at a time (a full table is half a million routes: the event
    // loop turns between slices, for the other sessions' timers and UPDATEs) — at once while
    // restarting, where the route selection deferral holds every neighbour's output anyway.
    const sliced = this.restarting === undefined;
    // Long-lived stale routes (RFC 9494) go to the neighbour only if it announced LLGR.
    const llgr = neg.peerLongLivedGracefulRestart ?? false;
    this.distribute(
      this.rib.peerUp(n.spec.address, {
        slicedInitialExport: sliced,
        longLivedGracefulRestart: llgr !== false,
        // RFC 8950: IPv4 routes then go with our IPv6 next hop; over a link-local connection that
        // includes our link-local address (RFC 2545 §3), which the connection's source is.
        extendedNextHop: neg.extendedNextHop === true,
        localLinkLocalAddress: linkLocalSource(n.session.transport) ?? "",
      }),
    );
    // After peerUp: a family dropped from the new capability is swept by withdrawing its routes.
    n.gr.sessionUp(neg.peerGracefulRestart, llgr);
    // Restarting, End-of-RIB waits for the end of the route selection deferral (after which the
    // routes learned meanwhile are sent first); else it follows the initial table.
    const endOfRib = () => {
      if (n.spec.endOfRib === false || this.restarting !== undefined) return;
      for (const family of neg.families) n.outbound.push({ kind: "end-of-rib", family });
      this.startPump(n);
    };
    if (sliced) this.initialTable(n, endOfRib);
    else endOfRib();
    this.checkDeferral();
  }

  /**
   * Sends neighbour n's initial table `initialExportSlice` prefixes at a time, the first
   * slice now and each next one on a later event-loop turn, then runs `then`; stops when the
   * session is no longer the one that came up (down, replaced, or grafted away).
   */
  private initialTable(n: Neighbor, then: () => void): void {
    const address = n.spec.address;
    const session = n.session;
    // A later session (or the same one up again) sends its own table: this one stops.
    const token = {};
    n.initialTable = token;
    const step = () => {
      if (
        n.initialTable !== token ||
        n.session !== session ||
        !n.up ||
        !this.rib.peerAddresses().includes(address)
      )
        return;
      // The connection holds enough: the next slice when it has taken it.
      if (this.backlogged(session)) {
        this.afterDrain(n, step);
        return;
      }
      const { update, done } = this.rib.initialExport(address, this.initialExportSlice);
      if (update.withdrawn.length > 0 || update.announced.length > 0)
        this.distribute({ locRib: [], adjRibOut: new Map([[address, update]]) });
      if (!done) setImmediate(step);
      else {
        n.initialTable = undefined;
        then();
      }
    };
    step();
  }

  private ensureInRib(n: Neighbor, bgpIdentifier: string): void {
    if (n.inRib) return;
    const local = n.spec.localAddress ?? this.spec.localAddress;
    const ipv6 = this.spec.localIpv6Address;
    const imp = this.importPolicyFor(n.spec);
    const exp = this.exportPolicyFor(n.spec);
    this.rib.addPeer({
      address: n.spec.address,
      asn: n.spec.asn,
      bgpIdentifier,
      ...(local !== undefined ? { localAddress: local } : {}),
      ...(ipv6 !== undefined ? { localIpv6Address: ipv6 } : {}),
      ...(n.spec.routeReflectorClient ? { routeReflectorClient: true } : {}),
      ...(n.spec.nextHopSelf ? { nextHopSelf: true } : {}),
      ...(n.spec.role !== undefined ? { role: n.spec.role } : {}),
      ...(n.spec.allowAsIn !== undefined ? { allowOwnAs: n.spec.allowAsIn } : {}),
      ...(n.spec.removePrivateAs !== undefined ? { removePrivateAs: n.spec.removePrivateAs } : {}),
      ...(n.spec.asOverride === true ? { asOverride: true } : {}),
      ...(n.spec.routeServerClient === true ? { routeServerClient: true } : {}),
      ...(imp ? { importPolicy: imp } : {}),
      ...(exp ? { exportPolicy: exp } : {}),
    });
    n.inRib = true;
  }

  private wire(n: Neighbor): void {
    const s = n.session;
    const name = n.spec.name;
    s.on("state", (from, to) => this.emit("session", name, from, to));
    s.on("notification-sent", (m) => this.emit("notification", name, "sent", m));
    s.on("notification-received", (m) => this.emit("notification", name, "received", m));
    s.on("second-connection", (stream) => this.track(n, stream, true));
    s.on("message", (type, bytes) => {
      if (this.listenerCount("message") > 0) this.emit("message", name, type, bytes);
    });
    s.on("warning", (m) => this.emit("warning", name, m));
    s.on("established", (neg) => this.established(n, neg));
    s.on("update", (u, action) => {
      const eor = action === "accept" ? endOfRibFamily(u) : undefined;
      if (eor === undefined) {
        this.queueInbound(n, u);
        return;
      }
      // Everything received before the marker is in the RIB before stale routes are swept.
      this.flushInbound(n);
      n.eorReceived.add(`${eor.afi}/${eor.safi}`);
      this.emit("end-of-rib", name, eor);
      n.gr.endOfRib(eor);
      this.checkDeferral();
    });
    s.on("route-refresh", () => {
      this.flushInbound(n);
      this.sendDelta(n, this.rib.routeRefresh(n.spec.address));
    });
    s.on("down", (_reason, event, notification) => {
      this.dropDrainWait(n);
      // RFC 4724 §4.2: the loss of the TCP connection (Hold Timer expiry reveals one) lets
      // Graceful Restart retain the routes; a NOTIFICATION, an error or a stop does not — unless
      // both sides set the N bit and it is no Hard Reset (RFC 8538 §4).
      const graceful =
        event === "TcpConnectionFails" ||
        event === "HoldTimer_Expires" ||
        notification?.graceful === true;
      if (graceful) this.flushInbound(n);
      else n.inbound = undefined; // the session's routes all go: pending ones need not be applied
      const neg = n.negotiated;
      const wasUp = n.up;
      n.up = false;
      if (!n.inRib || !wasUp) return;
      const local = s.capabilities.gracefulRestart !== false;
      n.gr.sessionDown(
        graceful && local,
        neg?.peerGracefulRestart ?? false,
        neg?.families ?? [],
        neg?.peerLongLivedGracefulRestart ?? false,
      );
    });
  }

  /**
   * Collects consecutive UPDATEs of a neighbour into one RIB batch, so that a table transfer runs
   * the decision process once per batch rather than once per message. The RIB applies them in
   * arrival order ({@link Rib.updateMany}), which keeps RFC 4271 order semantics.
   */
  private queueInbound(n: Neighbor, u: UpdateMessage): void {
    const r = ribUpdateFromMessage(u);
    let b = n.inbound;
    if (b === undefined) {
      b = { updates: [], size: 0 };
      n.inbound = b;
      setImmediate(() => {
        if (n.inbound === b) this.flushInbound(n);
      });
    }
    b.updates.push(r);
    b.size += r.withdrawn?.length ?? 0;
    for (const a of r.announced ?? []) b.size += a.nlri.length;
    if (b.size >= MAX_BATCH) this.flushInbound(n);
  }

  private flushInbound(n: Neighbor): void {
    const b = n.inbound;
    if (b === undefined) return;
    n.inbound = undefined;
    if (!n.inRib) return;
    this.distribute(this.rib.updateMany(n.spec.address, b.updates));
    if (this.listenerCount("adj-rib-in") > 0) {
      const prefixes: Prefix[] = [];
      for (const u of b.updates) {
        if (u.withdrawn !== undefined) for (const w of u.withdrawn) prefixes.push(w);
        for (const a of u.announced ?? []) for (const p of a.nlri) prefixes.push(p);
      }
      this.emit("adj-rib-in", n.spec.name, prefixes);
    }
    if (n.spec.maxPrefixes !== undefined) this.checkMaxPrefixes(n, n.spec.maxPrefixes);
  }

  /** Enforces a neighbour's maximum-prefix limit after a batch of its routes (see MaxPrefixes). */
  private checkMaxPrefixes(n: Neighbor, m: MaxPrefixes): void {
    const all = this.rib.adjRibInCount(n.spec.address);
    const count = m.count === "accepted" ? all.accepted : all;
    const what = m.count === "accepted" ? "accepted " : "";
    for (const [afi, name, c] of [
      [1, "IPv4", count.ipv4],
      [2, "IPv6", count.ipv6],
    ] as const) {
      if (c <= m.limit) continue;
      if (m.warningOnly === true) {
        if (!n.overLimit)
          this.emit(
            "warning",
            n.spec.name,
            `${c} ${what}${name} routes: more than the limit of ${m.limit}`,
          );
        n.overLimit = true;
        return;
      }
      this.emit(
        "warning",
        n.spec.name,
        `${c} ${what}${name} routes: more than the limit of ${m.limit}, session closed (Cease / Maximum Number of Prefixes Reached)${m.restartAfter === undefined ? "" : `, restarted in ${m.restartAfter} s`}`,
      );
      n.session.shutdown(
        maximumPrefixesReached(afi, 1, m.limit),
        m.restartAfter === undefined ? undefined : m.restartAfter * 1000,
      );
      return;
    }
    n.overLimit = false;
  }

  private originateUpdate(routes: readonly OriginateSpec[]): RibUpdate {
    return {
      announced: routes.map((r, i) => {
        const prefix = parsePrefix(r.prefix);
        const where = `originate[${i}]`;
        const nh =
          r.nextHop ??
          (prefix.afi === 1 ? this.spec.localAddress : this.spec.localIpv6Address) ??
          (prefix.afi === 1 ? this.spec.bgpIdentifier : "::");
        const attributes: PathAttributes = {
          origin: r.origin ?? "IGP",
          asPath:
            r.asPath && r.asPath.length > 0 ? [{ type: "AS_SEQUENCE", asns: [...r.asPath] }] : [],
          ...(prefix.afi === 1
            ? { nextHop: nh }
            : { mpReachNlri: { afi: 2, safi: 1, nextHop: [nh], nlri: [] } }),
          ...(r.med !== undefined ? { multiExitDisc: r.med } : {}),
          ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
          ...(r.communities !== undefined && r.communities.length > 0
            ? { communities: r.communities.map((c) => parseCommunity(c, `${where}.communities`)) }
            : {}),
          ...(r.largeCommunities !== undefined && r.largeCommunities.length > 0
            ? {
                largeCommunities: r.largeCommunities.map((c) => {
                  const m = /^(\d+):(\d+):(\d+)$/.exec(c);
                  if (m === null)
                    throw new BgpSpeakerError(
                      "BAD_CONFIG",
                      `large community ${JSON.stringify(c)}`,
                      {
                        field: `${where}.largeCommunities`,
                      },
                    );
                  return {
                    globalAdministrator: Number(m[1]),
                    localDataPart1: Number(m[2]),
                    localDataPart2: Number(m[3]),
                  };
                }),
              }
            : {}),
        };
        return { attributes, nlri: [prefix] };
      }),
    };
  }

  /**
   * Replaces the VRPs of Route Origin Validation with `vrps` (applied as the difference, as an RTR
   * cache's incremental update would be) and revalidates the routes of every neighbour whose
   * import policy is `"reject-invalid"`: routes that became invalid are withdrawn, routes no
   * longer invalid come back (from the Adj-RIB-In kept before policy), and the neighbours are
   * told.
   *
   * @example
   * ```ts
   * router.setVrps([{ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 }]);
   * ```
   */
  setVrps(vrps: Iterable<Vrp>): {
    vrps: number;
    added: number;
    removed: number;
    locRibChanges: number;
  } {
    // Checked whole before anything changes: a bad entry leaves the table as it was.
    const next = new RoaTable(vrps);
    const key = (v: { prefix: unknown; maxLength: number; asn: number }) =>
      `${String(v.prefix)} ${v.maxLength} ${v.asn}`;
    const keep = new Set<string>();
    for (const v of next.vrps()) keep.add(key(v));
    const have = new Set<string>();
    let removed = 0;
    const changed: Vrp["prefix"][] = [];
    for (const v of [...this.roas.vrps()]) {
      have.add(key(v));
      if (!keep.has(key(v)) && this.roas.delete(v)) {
        removed++;
        changed.push(v.prefix);
      }
    }
    let added = 0;
    for (const v of next.vrps())
      if (!have.has(key(v)) && this.roas.add(v)) {
        added++;
        changed.push(v.prefix);
      }
    const locRibChanges = this.revalidate(changed);
    return { vrps: this.roas.size, added, removed, locRibChanges };
  }

  /**
   * Applies a change of the VRPs — those `announced` added, those `withdrawn` removed, as an RTR
   * cache's incremental update gives them — and revalidates as {@link Router.setVrps} does.
   * All are checked before anything changes.
   *
   * @example
   * ```ts
   * router.updateVrps([{ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 }], []);
   * ```
   */
  updateVrps(
    announced: readonly Vrp[],
    withdrawn: readonly Vrp[],
  ): { vrps: number; added: number; removed: number; locRibChanges: number } {
    new RoaTable([...announced, ...withdrawn]); // checked whole: a bad entry changes nothing
    let removed = 0;
    const changed: Vrp["prefix"][] = [];
    for (const v of withdrawn)
      if (this.roas.delete(v)) {
        removed++;
        changed.push(v.prefix);
      }
    let added = 0;
    for (const v of announced)
      if (this.roas.add(v)) {
        added++;
        changed.push(v.prefix);
      }
    const locRibChanges = this.revalidate(changed);
    return { vrps: this.roas.size, added, removed, locRibChanges };
  }

  /** An RTR client's data changed: applied when it is (or becomes) the one in use. */
  private rtrUpdate(client: RtrClient, u: RtrUpdate): void {
    try {
      const first = this.rtrClients.find((c) => c.hasData);
      if (first === this.rtrInUse) {
        if (client === first) this.updateVrps(u.announced, u.withdrawn);
        return;
      }
      // Another cache's data takes over (or none is left: no VRPs).
      this.rtrInUse = first;
      this.setVrps(first === undefined ? [] : first.vrps());
      const to = first === undefined ? "none" : `${first.options.host} port ${first.options.port}`;
      this.emit("warning", "rpki", `VRPs now from RTR cache: ${to}`);
    } catch (e) {
      this.emit("warning", "rpki", `RTR update not applied: ${(e as Error).message}`);
    }
  }

  /**
   * Decides again the routes of every `reject-invalid` neighbour that lie within the prefixes of
   * VRPs that changed (only those can have another validity, RFC 6811 §2); Loc-RIB changes made.
   */
  private revalidate(changed: readonly Vrp["prefix"][]): number {
    if (changed.length === 0) return 0;
    const peers = new Set<string>();
    for (const [address, policy] of this.mrtPeers) if (this.validates(policy)) peers.add(address);
    for (const n of this.neighbors.values())
      if (n.inRib && this.validates(n.spec.importPolicy)) peers.add(n.spec.address);
    // (A session prepared for a graft holds its routes rejected until it resumes, and is then
    // decided with the VRPs in use.)
    let locRibChanges = 0;
    const known = new Set(this.rib.peerAddresses());
    for (const address of peers) {
      if (!known.has(address)) continue;
      const c = this.rib.reevaluate(address, changed);
      locRibChanges += c.locRib.length;
      this.distribute(c);
      const n = this.byAddress.get(address);
      if (n !== undefined) this.emit("adj-rib-in", n.spec.name, undefined);
    }
    return locRibChanges;
  }

  /**
   * {@link Router.setVrps} from a file of a relying party's JSON output (see `parseVrpJson` of
   * `@dyninfra/bgp-rib`): rpki-client `-j`, Routinator `--format json`, StayRTR.
   */
  loadVrps(file: string): { vrps: number; added: number; removed: number; locRibChanges: number } {
    return this.setVrps(parseVrpJson(readConfigFile(file, "rpki.vrps", "VRPs")));
  }

  /**
   * Replaces the ASPAs (those of `table`, copied) and decides again the routes of every neighbour
   * whose import policy is `"reject-aspa-invalid"` or matches on `aspa`: routes that became
   * invalid go, those no longer invalid come back (from the Adj-RIB-In kept before policy).
   *
   * @example
   * ```ts
   * import { AspaTable } from "@dyninfra/bgp-rib";
   * import type { Router } from "@dyninfra/bgp-speaker";
   * const load = (r: Router, t: AspaTable) => r.setAspas(t).aspas;
   * ```
   */
  setAspas(table: AspaTable): { aspas: number; locRibChanges: number } {
    this.aspas.clear();
    for (const [customer, providers] of table.entries()) this.aspas.set(customer, providers);
    let locRibChanges = 0;
    for (const n of this.neighbors.values()) {
      const p = n.spec.importPolicy;
      if (!n.inRib || !(p === "reject-aspa-invalid" || this.policies.get(p ?? "")?.usesAspa))
        continue;
      const c = this.rib.setPolicies(n.spec.address, {
        importPolicy: this.importPolicyFor(n.spec),
      });
      locRibChanges += c.locRib.length;
      this.distribute(c);
      this.emit("adj-rib-in", n.spec.name, undefined);
    }
    return { aspas: this.aspas.size, locRibChanges };
  }

  /** {@link Router.setAspas} from a file of a relying party's JSON output (rpki-client `-j`). */
  loadAspas(file: string): { aspas: number; locRibChanges: number } {
    return this.setAspas(parseAspaJson(readConfigFile(file, "aspa", "ASPAs")));
  }

  /** The router's named policies: {@link RouterSpec.policies}, or as {@link Router.setPolicies} left them. */
  get policyDefinitions(): PolicyDefinitions {
    return this.policyDefs;
  }

  /**
   * Replaces the router's named policies while it runs (soft reconfiguration: no session is
   * reset, no route refresh asked for — every route learned is kept before policy). Each
   * neighbour whose import or export policy is one that changed (or came or went) has its routes
   * decided again and its Adj-RIB-Out recomputed ({@link Rib.setPolicies}); the differences go out
   * as UPDATEs. Nothing changes if a definition is bad or a neighbour would name a policy that no
   * longer exists (a `BAD_CONFIG` {@link BgpSpeakerError} naming the field). Routes loaded from MRT
   * files ({@link Router.loadMrt}) go through the new definition of the policy they were loaded
   * with, if it changed (`neighbors` names them `mrt:<peer address>`).
   *
   * @example
   * ```ts
   * import { Router } from "@dyninfra/bgp-speaker";
   * const r = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
   * r.setPolicies({ "from-peers": [{ set: { localPref: 90 }, action: "accept" }] }).neighbors; // []
   * ```
   */
  setPolicies(definitions: PolicyDefinitions): { neighbors: string[]; locRibChanges: number } {
    const compiled = this.compilePolicies(definitions);
    for (const n of this.neighbors.values())
      checkPolicyNames(n.spec, compiled, "would name no policy");
    for (const [address, importPolicy] of this.mrtPeers)
      checkPolicyNames(mrtSpec(address, importPolicy), compiled, "would name no policy");
    const old = this.policyDefs;
    const changed = new Set<string>();
    for (const name of new Set([...Object.keys(old), ...Object.keys(definitions)]))
      if (JSON.stringify(old[name]) !== JSON.stringify(definitions[name])) changed.add(name);
    this.policies = compiled;
    this.policyDefs = definitions;
    const neighbors: string[] = [];
    let locRibChanges = 0;
    for (const n of this.neighbors.values()) {
      const imp = n.spec.importPolicy;
      const exp = n.spec.exportPolicy;
      if (!(imp !== undefined && changed.has(imp)) && !(exp !== undefined && changed.has(exp)))
        continue;
      neighbors.push(n.spec.name);
      if (!n.inRib) continue; // it gets them when its session comes up
      const c = this.rib.setPolicies(n.spec.address, {
        importPolicy: this.importPolicyFor(n.spec),
        exportPolicy: this.exportPolicyFor(n.spec),
      });
      locRibChanges += c.locRib.length;
      this.distribute(c);
      this.emit("adj-rib-in", n.spec.name, undefined);
    }
    // Routes loaded from MRT files, through the new definition of the policy they were loaded with.
    for (const [address, importPolicy] of this.mrtPeers) {
      if (!changed.has(importPolicy)) continue;
      neighbors.push(mrtSpec(address, importPolicy).name);
      const c = this.rib.setPolicies(address, { importPolicy: this.policyOf(importPolicy) });
      locRibChanges += c.locRib.length;
      this.distribute(c);
    }
    return { neighbors, locRibChanges };
  }

  /** Compiles named policies (`BAD_CONFIG` errors name the field). */
  private compilePolicies(definitions: PolicyDefinitions): Map<string, CompiledPolicy> {
    const out = new Map<string, CompiledPolicy>();
    for (const [name, terms] of Object.entries(definitions)) {
      if (BUILT_IN_POLICIES.includes(name))
        throw new BgpSpeakerError("BAD_CONFIG", `policy ${name} redefines a built-in policy`, {
          field: `policies.${name}`,
        });
      out.set(
        name,
        compilePolicy(terms, {
          asn: this.spec.asn,
          roas: this.roas,
          aspas: this.aspas,
          field: `policies.${name}`,
        }),
      );
    }
    return out;
  }

  /** Whether an import policy looks at RPKI validity (its routes are decided again as VRPs change). */
  private validates(p: ImportPolicyName | undefined): boolean {
    return p === "reject-invalid" || (p !== undefined && this.policies.get(p)?.usesRpki === true);
  }

  /**
   * A neighbour's import policy as the RIB runs it: its own, then — while it is shut down
   * gracefully (RFC 8326) — LOCAL_PREF 0 on what it accepts (RFC 8212's refusal stays one).
   */
  private importPolicyFor(spec: NeighborSpec): Policy | undefined {
    const own = this.policyOf(spec.importPolicy);
    if (spec.gracefulShutdown !== true) return own;
    const base = own ?? (this.acceptsWithoutPolicy(spec) ? acceptAll : undefined);
    return base === undefined ? undefined : wrapped(GSHUT_IMPORT, base);
  }

  /**
   * A neighbour's export policy as the RIB runs it: its own, then — while it is shut down
   * gracefully (RFC 8326) — the GRACEFUL_SHUTDOWN community on what it sends (and LOCAL_PREF 0
   * towards an internal neighbour).
   */
  private exportPolicyFor(spec: NeighborSpec): Policy | undefined {
    const own = this.policyOf(spec.exportPolicy);
    if (spec.gracefulShutdown !== true) return own;
    const base = own ?? (this.acceptsWithoutPolicy(spec) ? acceptAll : undefined);
    if (base === undefined) return undefined;
    return wrapped(spec.asn === this.spec.asn ? GSHUT_EXPORT_IBGP : GSHUT_EXPORT, base);
  }

  /** Whether the RIB takes and sends routes of a neighbour without a policy (iBGP, or RFC 8212 off). */
  private acceptsWithoutPolicy(spec: NeighborSpec): boolean {
    return spec.asn === this.spec.asn || this.spec.rfc8212 === false;
  }

  /**
   * Starts (or with `on` false, ends) the graceful shutdown of a neighbour's session (RFC 8326;
   * see {@link NeighborSpec.gracefulShutdown}) while it stays up: what it is sent and what is
   * learned from it are exported and decided again, and the differences sent as UPDATEs — the
   * neighbour gets every route again with the GRACEFUL_SHUTDOWN community, and traffic moves to
   * other paths before the session is stopped (or grafted). Returns the number of Loc-RIB changes.
   *
   * @throws {@link BgpSpeakerError} `UNKNOWN_NEIGHBOR` for an unknown name.
   *
   * @example
   * ```ts
   * import type { Router } from "@dyninfra/bgp-speaker";
   * const drain = (r: Router) => r.gracefulShutdown("upstream").locRibChanges;
   * ```
   */
  gracefulShutdown(name: string, on = true): { locRibChanges: number } {
    const n = this.neighbor(name);
    if ((n.spec.gracefulShutdown === true) === on) return { locRibChanges: 0 };
    n.spec = { ...n.spec, gracefulShutdown: on };
    if (!n.inRib) return { locRibChanges: 0 }; // its session takes it up when it comes up
    const c = this.rib.setPolicies(n.spec.address, {
      importPolicy: this.importPolicyFor(n.spec),
      exportPolicy: this.exportPolicyFor(n.spec),
    });
    this.distribute(c);
    this.emit("adj-rib-in", n.spec.name, undefined);
    return { locRibChanges: c.locRib.length };
  }

  private policyOf(p: ImportPolicyName | undefined): Policy | undefined {
    if (p === "reject-invalid") return this.rovPolicy;
    if (p === "reject-aspa-invalid") return this.aspaPolicy;
    if (p === undefined) return undefined;
    if (p === "accept") return acceptAll;
    if (p === "reject") return rejectAll;
    const named = this.policies.get(p);
    if (named === undefined)
      throw new BgpSpeakerError(
        "BAD_CONFIG",
        `no policy named ${JSON.stringify(p)}: neither a built-in nor one of the router's policies`,
        { field: "importPolicy" },
      );
    return named.policy;
  }

  private distribute(changes: ChangeSet): void {
    for (const [address, delta] of changes.adjRibOut) {
      const n = this.byAddress.get(address);
      if (n !== undefined) this.sendDelta(n, delta);
    }
    // Reading `locRib` materializes it: only when somebody listens.
    if (
      this.listenerCount("changes") > 0 &&
      (changes.adjRibOut.size > 0 || changes.locRib.length > 0)
    )
      this.emit("changes", changes);
  }

  private sendDelta(n: Neighbor, delta: AdjRibOutUpdate): void {
    if (delta.withdrawn.length === 0 && delta.announced.length === 0) return;
    if (delta.withdrawn.length > 0)
      n.outbound.push({ kind: "withdraw", prefixes: delta.withdrawn });
    for (const a of delta.announced) n.outbound.push({ kind: "announce", announcement: a });
    this.startPump(n);
  }

  /** Whether a session's connection holds more than RouterOptions.sendBacklogLimit (and will drain). */
  private backlogged(s: BgpSession): boolean {
    return s.awaitingDrain && s.sendBacklog > this.sendBacklogLimit;
  }

  /**
   * Runs `f` (once, however often it is asked for) when n's connection has taken what waits in
   * it. A listener on an earlier session of n (replaced, say, by a graft) is dropped.
   */
  private afterDrain(n: Neighbor, f: () => void): void {
    n.drainWaiters.add(f);
    const s = n.session;
    if (n.drainHook?.session === s) return;
    this.dropDrainWait(n, false);
    const listener = () => {
      n.drainHook = undefined;
      const waiters = [...n.drainWaiters];
      n.drainWaiters.clear();
      for (const w of waiters) w();
    };
    n.drainHook = { session: s, listener };
    s.once("drain", listener);
  }

  /** Stops waiting for n's connection to drain (its session went down); `clear`: forget the waiters. */
  private dropDrainWait(n: Neighbor, clear = true): void {
    if (n.drainHook !== undefined) n.drainHook.session.off("drain", n.drainHook.listener);
    n.drainHook = undefined;
    if (clear) n.drainWaiters.clear();
  }

  private startPump(n: Neighbor): void {
    if (!n.pumping && n.outbound.length > 0) {
      n.pumping = true;
      setImmediate(() => this.pump(n, OUTPUT_SLICE));
    }
  }

  /**
   * Encodes and writes queued Adj-RIB-Out deltas, about `budget` prefixes per event-loop turn,
   * packed into as few UPDATEs as the session allows (withdrawals first, then one run of UPDATEs
   * per attribute set).
   */
  private pump(n: Neighbor, budget: number): void {
    const s = n.session;
    const neg = s.negotiated;
    if (this.restarting !== undefined) {
      // Restarting: held until the route selection deferral ends (see endDeferral).
      n.pumping = false;
      return;
    }
    if (s.isPaused) {
      // Being grafted: the queue waits. The new router computes its own output (the RIB's
      // journal has these deltas); if the graft is abandoned, this router sends them after all.
      n.pumping = false;
      return;
    }
    if (s.state !== "Established" || neg === undefined) {
      // The session went down: the RIB cleared its Adj-RIB-Out and re-sends on the next peerUp.
      n.outbound.length = 0;
      n.pumping = false;
      return;
    }
    if (this.backlogged(s)) {
      // Paced by the connection: the rest is encoded when it has taken what waits in it.
      n.pumping = false;
      this.afterDrain(n, n.pumpAgain);
      return;
    }
    const out: Uint8Array[] = [];
    const key = encodingKey(neg.send);
    let done = 0;
    let i = 0;
    for (; i < n.outbound.length && done < budget; i++) {
      const item = n.outbound[i]!;
      if (item.kind === "withdraw") {
        pushAll(
          out,
          encodedOnce(item.prefixes, key, () => encodeWithdrawals(item.prefixes, neg.send)),
        );
        done += item.prefixes.length;
      } else if (item.kind === "end-of-rib") {
        out.push(encodeMessage(endOfRib(item.family), neg.send));
        n.eorSent.add(`${item.family.afi}/${item.family.safi}`);
      } else {
        const a = item.announcement;
        pushAll(
          out,
          encodedOnce(a, key, () => encodeAnnouncements(a.attributes, a.nlri, neg.send)),
        );
        done += a.nlri.length;
      }
    }
    n.outbound.splice(0, i);
    s.sendEncodedUpdates(out);
    if (n.outbound.length > 0) setImmediate(() => this.pump(n, OUTPUT_SLICE));
    else n.pumping = false;
  }
}

/**
 * A file the configuration names, as text (`what` it holds, for the message); `BAD_CONFIG`
 * naming `field` when it cannot be read.
 */
function readConfigFile(file: string, field: string, what?: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const from = what === undefined ? file : `${what} from ${file}`;
    throw new BgpSpeakerError("BAD_CONFIG", `cannot read ${from}: ${(e as Error).message}`, {
      field,
    });
  }
}

/** A neighbour's BGP Role settings make sense: a known role, on an eBGP session, said once. */
function checkRole(spec: NeighborSpec, asn: number): void {
  const bad = (why: string) =>
    new BgpSpeakerError("BAD_CONFIG", `neighbour ${spec.name}: ${why}`, { field: "role" });
  if (spec.strictRole === true && spec.role === undefined && spec.capabilities?.role === undefined)
    throw bad("strictRole needs a role");
  if (spec.role === undefined) return;
  if (!BGP_ROLES.includes(spec.role))
    throw bad(
      `unknown BGP Role ${JSON.stringify(spec.role)} (provider, rs, rs-client, customer, peer)`,
    );
  if (spec.asn === asn) throw bad("a BGP Role is for eBGP sessions only (RFC 9234)");
  const cap = spec.capabilities?.role;
  if (cap !== undefined && cap !== BGP_ROLES.indexOf(spec.role))
    throw bad(`role ${spec.role} and capabilities.role ${cap} disagree`);
}

/**
 * ADD-PATH as the RIB takes it (one setting per neighbour): receive when the neighbour may send
 * Path Identifiers for some family; send only when every negotiated family sends them (the RIB
 * then advertises several paths per prefix, which a family without Path Identifiers cannot
 * carry).
 */
function negotiatedAddPath(neg: NegotiatedSession): {
  receive: boolean;
  send: boolean | readonly number[];
} {
  // Sent per family (RFC 7911): the RIB advertises every path for the unicast families with
  // ADD-PATH send negotiated, the best path alone (no Path Identifier) for the others.
  const sending = neg.families.filter((f) =>
    neg.send.addPath.some((g) => g.afi === f.afi && g.safi === f.safi),
  );
  const afis = [...new Set(sending.filter((f) => f.safi === 1).map((f) => f.afi))].filter(
    (a) => a === 1 || a === 2,
  );
  return {
    receive: neg.receive.addPath.length > 0,
    send:
      sending.length > 0 && sending.length === neg.families.length
        ? true
        : afis.length > 0
          ? afis
          : false,
  };
}

/**
 * The connection's source address when it is an IPv6 link-local one (without its zone): our
 * next hop on that link. Undefined for other connections (and for transports without addresses).
 */
function linkLocalSource(transport: Duplex | undefined): string | undefined {
  const local = (transport as { localAddress?: unknown } | undefined)?.localAddress;
  return typeof local === "string" && isLinkLocal(local) ? withoutZone(local) : undefined;
}
