import type { DecisionOptions, PeerKind } from "./decision";
import type { Policy } from "./policy";

/**
 * The outcome of resolving a BGP NEXT_HOP through the IGP / routing table (RFC 4271 §9.1.2.1
 * and §9.1.2.2 (e)).
 */
export interface NextHopResolution {
  /** Whether the NEXT_HOP is reachable. */
  readonly reachable: boolean;
  /** Interior cost to reach it. */
  readonly igpCost: number;
}

/**
 * A pluggable next-hop resolver: the RIB calls it once per distinct attribute set and caches
 * the answer until {@link Rib.refreshNextHops}.
 *
 * @example
 * ```ts
 * const resolver: NextHopResolver = (nh) =>
 *   nh.startsWith("10.") ? { reachable: true, igpCost: 10 } : { reachable: false, igpCost: 0 };
 * ```
 */
export type NextHopResolver = (nextHop: string) => NextHopResolution;

/** ADD-PATH (RFC 7911) settings of a session, as negotiated. */
export interface AddPathSettings {
  /** The neighbour sends Path Identifiers: paths are keyed by (peer, path id). */
  readonly receive?: boolean;
  /**
   * We send Path Identifiers: every eligible path is advertised, not only the best. `true` for
   * every family, or the AFIs (1 IPv4, 2 IPv6) for which the capability was negotiated — the
   * others get the best path only, without Path Identifiers (RFC 7911 negotiates per family).
   */
  readonly send?: boolean | readonly number[];
}

/**
 * Our BGP Role on an eBGP session (RFC 9234 §4.1; FRR's `local-role`, BIRD's `local role`):
 * `"provider"` — the neighbour is our customer; `"customer"` — it is our provider; `"peer"` —
 * a lateral peer; `"rs"` — we are a route server, it is our client; `"rs-client"` — it is our
 * route server.
 *
 * @example
 * ```ts
 * const role: BgpRole = "customer"; // the neighbour is our transit provider
 * ```
 */
export type BgpRole = "provider" | "rs" | "rs-client" | "customer" | "peer";

/**
 * The BGP Roles, in the order of their capability values (RFC 9234 §4.1: 0 Provider … 4 Peer).
 *
 * @example
 * ```ts
 * BGP_ROLES.indexOf("customer"); // 3, the capability value
 * ```
 */
export const BGP_ROLES: readonly BgpRole[] = Object.freeze([
  "provider",
  "rs",
  "rs-client",
  "customer",
  "peer",
]);

/**
 * Configuration of one BGP neighbour. Whether the session is eBGP, iBGP or confederation-eBGP
 * follows from `asn` and the router's AS and confederation.
 *
 * @example
 * ```ts
 * const customer: PeerConfig = {
 *   address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2", localAddress: "192.0.2.1",
 *   importPolicy: acceptAll, exportPolicy: acceptAll,
 * };
 * ```
 */
export interface PeerConfig {
  /** Neighbour address; identifies the session. */
  readonly address: string;
  /** Neighbour AS. */
  readonly asn: number;
  /** Neighbour BGP Identifier (dotted quad). */
  readonly bgpIdentifier: string;
  /** Our address on this session: NEXT_HOP towards eBGP peers and for next-hop-self. */
  readonly localAddress?: string;
  /** Our IPv6 address on this session, the NEXT_HOP of IPv6 routes (MP_REACH_NLRI). */
  readonly localIpv6Address?: string;
  /**
   * Our IPv6 link-local address on the link to this neighbour (RFC 2545 §3): sent as the second
   * next hop of IPv6 routes after `localIpv6Address`, or as the only one without it — a session
   * between link-local addresses, with no global address on the link. Set per session by
   * `Rib.peerUp`'s `localLinkLocalAddress`.
   */
  readonly localLinkLocalAddress?: string;
  /**
   * Extended Next Hop Encoding (RFC 8950) is in use on this session: IPv4 routes sent with our
   * next hop carry our IPv6 address(es) (`localIpv6Address`, `localLinkLocalAddress`) in an
   * MP_REACH_NLRI of AFI 1 instead of a NEXT_HOP, and IPv4 routes whose next hop is an IPv6
   * address are advertised to this neighbour — to no other one, which could not read them. Set
   * per session by `Rib.peerUp`'s `extendedNextHop`. Default false.
   */
  readonly extendedNextHop?: boolean;
  /** The neighbour is a route-reflector client (RFC 4456). */
  readonly routeReflectorClient?: boolean;
  /**
   * The neighbour advertised the Long-Lived Graceful Restart capability (RFC 9494): routes
   * carrying LLGR_STALE are advertised to it, and to no other neighbour (§4.3: withdrawn when
   * sent before). Set per session by `Rib.peerUp`'s `longLivedGracefulRestart`. Default
   * false.
   */
  readonly longLivedGracefulRestart?: boolean;
  /** Rewrite NEXT_HOP to `localAddress` on routes sent over this (iBGP) session. */
  readonly nextHopSelf?: boolean;
  /** ADD-PATH settings. */
  readonly addPath?: AddPathSettings;
  /** Import policy (Adj-RIB-In pre → post). */
  readonly importPolicy?: Policy;
  /** Export policy (applied to what goes into the Adj-RIB-Out). */
  readonly exportPolicy?: Policy;
  /**
   * Our BGP Role on this (eBGP) session: turns on RFC 9234's route-leak prevention with the
   * Only to Customer (OTC) attribute. Received: a route with OTC from a customer or route-server
   * client, or from a peer with an OTC other than the peer's AS, is a leak and ineligible
   * (`"route-leak"`); a route without OTC from a provider, peer or route server gets OTC = the
   * neighbour's AS. Sent: a route with OTC goes to no provider, peer or route server; one without
   * OTC sent to a customer, peer or route-server client gets OTC = our AS (the confederation
   * identifier in a confederation). Before the policies: import policies see the OTC added,
   * export policies the OTC to be sent.
   */
  readonly role?: BgpRole;
  /**
   * Routes whose AS_PATH holds our AS at most this many times are not loops (Cisco's and FRR's
   * `allowas-in`, BIRD's `allow local as`): for the sites of one customer AS that reach each
   * other through us. Default 0: any occurrence is a loop (RFC 4271 §9.1.2).
   */
  readonly allowOwnAs?: number;
  /**
   * Towards this eBGP neighbour, private ASNs (RFC 6996: 64512–65534, 4200000000–4294967294) in
   * the AS_PATH are removed (`"remove"`, FRR's `remove-private-AS all`) or replaced by our AS
   * (`"replace"`, `… replace-AS`) before ours is prepended.
   */
  readonly removePrivateAs?: "remove" | "replace";
  /**
   * Towards this eBGP neighbour, its own AS in the AS_PATH is replaced by ours (`as-override`),
   * so that a customer with one AS at several sites accepts the routes of its other sites.
   */
  readonly asOverride?: boolean;
  /**
   * We are a route server for this eBGP neighbour (RFC 7947): routes from other neighbours are
   * sent to it transparently — our AS not prepended, NEXT_HOP and MULTI_EXIT_DISC as received
   * (routes we originate get our AS as usual). A client must accept routes whose first AS is not
   * ours (its "enforce first AS" off).
   */
  readonly routeServerClient?: boolean;
}

/**
 * Configuration of the router owning a RIB.
 *
 * @example
 * ```ts
 * const router: RouterConfig = { asn: 64500, bgpIdentifier: "192.0.2.1" };
 * ```
 */
export interface RouterConfig {
  /** Local AS (the member AS when in a confederation). */
  readonly asn: number;
  /** Our BGP Identifier (dotted quad). */
  readonly bgpIdentifier: string;
  /** Route-reflection CLUSTER_ID (RFC 4456); defaults to the BGP Identifier. */
  readonly clusterId?: string;
  /** Confederation (RFC 5065): its identifier and member ASes. */
  readonly confederation?: { readonly identifier: number; readonly members: readonly number[] };
  /** Decision-process options. */
  readonly decision?: DecisionOptions;
  /** RFC 8212: eBGP sessions without import/export policy accept/send nothing. Default true. */
  readonly rfc8212?: boolean;
  /**
   * RFC 9774: AS_SET and AS_CONFED_SET are deprecated — a received route whose AS path has one
   * is treated as withdrawn (rejected with reason `"as-set"`; it stays in the pre-policy
   * Adj-RIB-In for `explain`), and none is sent. Default false: accepted, as FRR (`bgp
   * reject-as-sets`) and BIRD do by default and as the router a session is grafted from likely
   * does.
   */
  readonly rejectAsSets?: boolean;
  /** LOCAL_PREF assumed when absent (RFC 4271 leaves it to configuration). Default 100. */
  readonly defaultLocalPref?: number;
  /** Next-hop resolver; default: every next hop reachable at cost 0. */
  readonly resolver?: NextHopResolver;
  /** Maintain the FIB from the Loc-RIB. Default true. */
  readonly fib?: boolean;
}

/**
 * The kind of session to a neighbour (RFC 4271 internal/external; RFC 5065 confederation).
 *
 * @example
 * ```ts
 * peerKind({ asn: 64500, bgpIdentifier: "192.0.2.1" }, 64500); // "ibgp"
 * ```
 */
export function peerKind(router: RouterConfig, asn: number): PeerKind {
  if (asn === router.asn) return "ibgp";
  if (router.confederation?.members.includes(asn)) return "confed-ebgp";
  return "ebgp";
}
