import type {
  AfiSafi,
  Capability,
  NotificationMessage,
  OpenMessage,
  SessionContext,
} from "@dyninfra/bgp-wire";
import { AS_TRANS, negotiateSessionContext, openCapabilities } from "@dyninfra/bgp-wire";
import type { PeerGracefulRestart, PeerLongLivedGracefulRestart } from "./graceful-restart";
import {
  FORWARDING_STATE,
  NOTIFICATION_BIT,
  peerGracefulRestart,
  peerLongLivedGracefulRestart,
  RESTART_STATE,
} from "./graceful-restart";

/**
 * What this speaker offers in its OPEN, and what it requires of the peer's.
 *
 * @example
 * ```ts
 * import type { SpeakerCapabilities } from "@dyninfra/bgp-speaker";
 * const caps: SpeakerCapabilities = {
 *   families: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }],
 *   routeRefresh: true, enhancedRouteRefresh: true, extendedMessage: true,
 *   addPath: [], gracefulRestart: { restartTime: 120 },
 * };
 * ```
 */
export interface SpeakerCapabilities {
  /** Multiprotocol families (RFC 4760), announced as MP capabilities. */
  readonly families: readonly AfiSafi[];
  /** Route Refresh (RFC 2918). */
  readonly routeRefresh: boolean;
  /** Enhanced Route Refresh (RFC 7313). */
  readonly enhancedRouteRefresh: boolean;
  /** Extended Message (RFC 8654). */
  readonly extendedMessage: boolean;
  /** ADD-PATH (RFC 7911): per family, 1 = receive, 2 = send, 3 = both. */
  readonly addPath: readonly (AfiSafi & { readonly sendReceive: 1 | 2 | 3 })[];
  /**
   * Graceful Restart (RFC 4724 §3). By default announced as a receiving speaker only: no Restart
   * State bit and no families (this speaker does not preserve forwarding state across its own
   * restart). `restartState` and `families` (with their Forwarding State bits) let a simulation
   * model a restarting speaker. `false` leaves the capability out.
   */
  readonly gracefulRestart:
    | false
    | {
        /** Restart Time, seconds (0–4095). */
        readonly restartTime: number;
        /** Restart State (R) bit. */
        readonly restartState?: boolean;
        /**
         * Notification (N) bit (RFC 8538): when both sides set it, a NOTIFICATION other than a
         * Hard Reset (and Hold Timer expiry) ends the session with the routes retained, as the
         * loss of the connection does; what ends it for good is sent as a Hard Reset.
         */
        readonly notification?: boolean;
        /**
         * With the N bit exchanged, send Administrative Reset as a Hard Reset too (RFC 8538 §5.1
         * leaves it to the implementation; off: the peer retains our routes across it).
         */
        readonly hardAdministrativeReset?: boolean;
        /** Families announced, each with its Forwarding State (F) bit. */
        readonly families?: readonly (AfiSafi & { readonly forwardingState: boolean })[];
      };
  /**
   * Long-Lived Graceful Restart (RFC 9494), announced beside Graceful Restart (never without it,
   * §3.1): the neighbour may keep our routes for `staleTime` seconds after a Graceful Restart ran
   * out, and this speaker keeps the neighbour's for the time the neighbour announced, least
   * preferred and marked LLGR_STALE, when the neighbour announced it too. Per family (by default
   * every family of `families`, no Forwarding State bit). Off (absent or `false`) by default, as
   * RFC 9494 §5 asks.
   */
  readonly longLivedGracefulRestart?:
    | false
    | {
        /** Long-Lived Stale Time, seconds (0–16,777,215). */
        readonly staleTime: number;
        /**
         * Families announced, each with its Forwarding State (F) bit and, when it differs, its own
         * Long-Lived Stale Time (the capability has one per family).
         */
        readonly families?: readonly (AfiSafi & {
          readonly forwardingState: boolean;
          readonly staleTime?: number;
        })[];
      };
  /**
   * Extended Next Hop Encoding (RFC 8950): announce that IPv4 unicast routes may come with an
   * IPv6 next hop (capability 5, NLRI AFI 1, SAFI 1, Next Hop AFI 2). When the neighbour announces
   * it too, IPv4 routes are sent with our IPv6 next hop — what a session between IPv6 (link-local)
   * addresses needs to carry IPv4. Off by default.
   */
  readonly extendedNextHop?: boolean;
  /** BGP Role (RFC 9234): 0 Provider, 1 RS, 2 RS-Client, 3 Customer, 4 Peer; absent to leave out. */
  readonly role?: number;
  /** RFC 9234 strict mode: refuse a peer that announces no role. */
  readonly strictRole?: boolean;
}

/**
 * Defaults: IPv4 and IPv6 unicast, route refresh, enhanced route refresh, extended message,
 * graceful restart as receiving speaker (120 s), no ADD-PATH.
 *
 * @example
 * ```ts
 * import { speakerCapabilities } from "@dyninfra/bgp-speaker";
 * speakerCapabilities({ extendedMessage: false }).routeRefresh; // true
 * ```
 */
export function speakerCapabilities(
  options: Partial<SpeakerCapabilities> = {},
): SpeakerCapabilities {
  return {
    families: options.families ?? [
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ],
    routeRefresh: options.routeRefresh ?? true,
    enhancedRouteRefresh: options.enhancedRouteRefresh ?? true,
    extendedMessage: options.extendedMessage ?? true,
    addPath: options.addPath ?? [],
    gracefulRestart: options.gracefulRestart ?? { restartTime: 120 },
    ...(options.longLivedGracefulRestart !== undefined
      ? { longLivedGracefulRestart: options.longLivedGracefulRestart }
      : {}),
    ...(options.extendedNextHop !== undefined ? { extendedNextHop: options.extendedNextHop } : {}),
    ...(options.role !== undefined ? { role: options.role } : {}),
    ...(options.strictRole !== undefined ? { strictRole: options.strictRole } : {}),
  };
}

/**
 * The OPEN this speaker sends (RFC 4271 §4.2, RFC 5492): My Autonomous System is AS_TRANS when
 * the AS does not fit in 16 bits (RFC 6793 §4.1), and the capabilities follow `caps`.
 *
 * @example
 * ```ts
 * import { localOpen, speakerCapabilities } from "@dyninfra/bgp-speaker";
 * const open = localOpen(4200000001, "192.0.2.1", 90, speakerCapabilities());
 * open.myAutonomousSystem; // 23456
 * ```
 */
export function localOpen(
  asn: number,
  bgpIdentifier: string,
  holdTime: number,
  caps: SpeakerCapabilities,
): OpenMessage {
  const capabilities: Capability[] = [];
  for (const f of caps.families)
    capabilities.push({ type: "MULTIPROTOCOL", afi: f.afi, safi: f.safi });
  if (caps.routeRefresh) capabilities.push({ type: "ROUTE_REFRESH" });
  if (caps.enhancedRouteRefresh) capabilities.push({ type: "ENHANCED_ROUTE_REFRESH" });
  if (caps.extendedMessage) capabilities.push({ type: "EXTENDED_MESSAGE" });
  if (caps.extendedNextHop === true)
    capabilities.push({ type: "EXTENDED_NEXT_HOP", entries: [IPV4_OVER_IPV6] });
  if (caps.gracefulRestart !== false) {
    const gr = caps.gracefulRestart;
    capabilities.push({
      type: "GRACEFUL_RESTART",
      restartFlags:
        (gr.restartState === true ? RESTART_STATE : 0) |
        (gr.notification === true ? NOTIFICATION_BIT : 0),
      restartTime: gr.restartTime,
      families: (gr.families ?? []).map((f) => ({
        afi: f.afi,
        safi: f.safi,
        flags: f.forwardingState ? FORWARDING_STATE : 0,
      })),
    });
    const ll = caps.longLivedGracefulRestart;
    if (ll !== undefined && ll !== false)
      capabilities.push({
        type: "LONG_LIVED_GRACEFUL_RESTART",
        families: (
          ll.families ??
          caps.families.map((f) => ({ ...f, forwardingState: false, staleTime: ll.staleTime }))
        ).map((f) => ({
          afi: f.afi,
          safi: f.safi,
          flags: f.forwardingState ? FORWARDING_STATE : 0,
          staleTime: f.staleTime ?? ll.staleTime,
        })),
      });
  }
  capabilities.push({ type: "FOUR_OCTET_AS", asn });
  if (caps.addPath.length > 0) capabilities.push({ type: "ADD_PATH", families: caps.addPath });
  if (caps.role !== undefined) capabilities.push({ type: "BGP_ROLE", role: caps.role });
  return {
    type: "OPEN",
    version: 4,
    myAutonomousSystem: asn > 0xffff ? AS_TRANS : asn,
    holdTime,
    bgpIdentifier,
    optionalParameters: [{ type: "CAPABILITIES", capabilities }],
  };
}

/**
 * What two OPENs negotiated: timers, families, capabilities both sides announced, and the
 * decoding/encoding contexts for each direction.
 *
 * @example
 * ```ts
 * import type { NegotiatedSession } from "@dyninfra/bgp-speaker";
 * const keepalive = (n: NegotiatedSession) => n.keepaliveTime;
 * ```
 */
export interface NegotiatedSession {
  /** The peer's AS (from its 4-octet AS capability when present, RFC 6793). */
  readonly peerAsn: number;
  /** The peer's BGP Identifier. */
  readonly peerBgpIdentifier: string;
  /** min(local, peer) Hold Time (RFC 4271 §4.2); 0 = no keepalives. */
  readonly holdTime: number;
  /** Hold Time / 3, whole seconds. */
  readonly keepaliveTime: number;
  /** Families both announced (IPv4 unicast when the peer announces no MP capability). */
  readonly families: readonly AfiSafi[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** The peer's Graceful Restart capability (RFC 4724 §3), `false` when it announced none. */
  readonly peerGracefulRestart: false | PeerGracefulRestart;
  /**
   * The peer's Long-Lived Graceful Restart capability (RFC 9494 §3), `false` when it announced
   * none, announced it without Graceful Restart (§4.5: ignored), or this speaker did not announce
   * it (an optional field for sessions negotiated before it existed).
   */
  readonly peerLongLivedGracefulRestart?: false | PeerLongLivedGracefulRestart;
  /**
   * Extended Next Hop Encoding (RFC 8950) for IPv4 unicast: both announced it, so IPv4 routes may
   * travel with IPv6 next hops both ways. Absent when not (an optional field for sessions
   * negotiated before it existed).
   */
  readonly extendedNextHop?: boolean;
  /** The peer's BGP Role (RFC 9234 §4.1 value), when it announced one. */
  readonly peerRole?: number;
  /** Context for decoding what the peer sends. */
  readonly receive: SessionContext;
  /** Context for encoding what this speaker sends. */
  readonly send: SessionContext;
}

/** The OPEN is acceptable (with what it negotiates) or refused with the NOTIFICATION to send. */
export type OpenCheck =
  | { readonly ok: true; readonly value: NegotiatedSession }
  | { readonly ok: false; readonly reason: string; readonly notification: NotificationMessage };

function openError(subcode: number, reason: string, data = new Uint8Array(0)): OpenCheck {
  return {
    ok: false,
    reason,
    notification: { type: "NOTIFICATION", errorCode: 2, errorSubcode: subcode, data },
  };
}

/**
 * The peer-identity part of OPEN validation.
 *
 * @example
 * ```ts
 * import type { OpenExpectations } from "@dyninfra/bgp-speaker";
 * const e: OpenExpectations = { peerAsn: 64501, localBgpIdentifier: "192.0.2.1", localAsn: 64500 };
 * ```
 */
export interface OpenExpectations {
  /** The AS the peer must have; undefined accepts any. */
  readonly peerAsn?: number;
  readonly localAsn: number;
  readonly localBgpIdentifier: string;
}

/** The Extended Next Hop Encoding entry of IPv4 unicast over IPv6 next hops (RFC 8950 §4). */
const IPV4_OVER_IPV6 = { afi: 1, safi: 1, nextHopAfi: 2 } as const;

/**
 * Whether an OPEN announces Extended Next Hop Encoding for IPv4 unicast with IPv6 next hops
 * (RFC 8950 §4; several capabilities add up).
 *
 * @example
 * ```ts
 * import { localOpen, peerExtendedNextHop, speakerCapabilities } from "@dyninfra/bgp-speaker";
 * peerExtendedNextHop(localOpen(64500, "192.0.2.1", 90, speakerCapabilities({ extendedNextHop: true }))); // true
 * ```
 */
export function peerExtendedNextHop(open: OpenMessage): boolean {
  return openCapabilities(open).some(
    (c) =>
      c.type === "EXTENDED_NEXT_HOP" &&
      c.entries.some(
        (e) =>
          e.afi === IPV4_OVER_IPV6.afi &&
          e.safi === IPV4_OVER_IPV6.safi &&
          e.nextHopAfi === IPV4_OVER_IPV6.nextHopAfi,
      ),
  );
}

function sameFamily(a: AfiSafi, b: AfiSafi): boolean {
  return a.afi === b.afi && a.safi === b.safi;
}

/** RFC 9234 §4.2: the pairs of roles that agree. */
function rolesAgree(local: number, remote: number): boolean {
  return (
    (local === 0 && remote === 3) ||
    (local === 3 && remote === 0) ||
    (local === 1 && remote === 2) ||
    (local === 2 && remote === 1) ||
    (local === 4 && remote === 4)
  );
}

/**
 * Validates the peer's OPEN (RFC 4271 §6.2, RFC 6793, RFC 6286, RFC 9234) and negotiates the
 * session. Errors carry the exact NOTIFICATION: Unsupported Version Number with the highest
 * version we support, Bad Peer AS, Bad BGP Identifier, Unsupported Optional Parameter,
 * Unacceptable Hold Time, Role Mismatch.
 *
 * @example
 * ```ts
 * import { checkOpen, localOpen, speakerCapabilities } from "@dyninfra/bgp-speaker";
 * const caps = speakerCapabilities();
 * const mine = localOpen(64500, "192.0.2.1", 90, caps);
 * const theirs = localOpen(64501, "192.0.2.2", 30, caps);
 * const r = checkOpen(mine, caps, theirs, { peerAsn: 64501, localAsn: 64500, localBgpIdentifier: "192.0.2.1" });
 * if (r.ok) r.value.holdTime; // 30
 * ```
 */
export function checkOpen(
  mine: OpenMessage,
  caps: SpeakerCapabilities,
  peer: OpenMessage,
  expect: OpenExpectations,
): OpenCheck {
  if (peer.version !== 4)
    return openError(1, `version ${peer.version} not supported`, Uint8Array.of(0, 4));
  for (const p of peer.optionalParameters) {
    if (p.type !== "CAPABILITIES")
      return openError(4, `unsupported optional parameter ${p.parameterType}`);
  }
  const peerCaps = openCapabilities(peer);
  const four = peerCaps.find((c) => c.type === "FOUR_OCTET_AS");
  const peerAsn = four !== undefined ? four.asn : peer.myAutonomousSystem;
  if (expect.peerAsn !== undefined && peerAsn !== expect.peerAsn) {
    const data = new Uint8Array(2);
    data[0] = (peer.myAutonomousSystem >> 8) & 0xff;
    data[1] = peer.myAutonomousSystem & 0xff;
    return openError(2, `peer AS ${peerAsn}, expected ${expect.peerAsn}`, data);
  }
  if (peer.holdTime === 1 || peer.holdTime === 2)
    return openError(6, `hold time ${peer.holdTime} s is unacceptable (0 or ≥ 3)`);
  // RFC 6286 §2.2: the identifier is a non-zero 32-bit value; for iBGP it must differ from ours.
  if (peer.bgpIdentifier === "0.0.0.0") return openError(3, "BGP Identifier 0.0.0.0 is not valid");
  if (peerAsn === expect.localAsn && peer.bgpIdentifier === expect.localBgpIdentifier)
    return openError(3, `iBGP peer has our own BGP Identifier ${peer.bgpIdentifier}`);

  const localRole = caps.role;
  const peerRoles = peerCaps.flatMap((c) => (c.type === "BGP_ROLE" ? [c.role] : []));
  const peerRole = peerRoles[0];
  if (localRole !== undefined) {
    // RFC 9234 §4.2: several BGP Role capabilities must agree among themselves.
    if (peerRoles.some((r) => r !== peerRole))
      return openError(11, `several BGP Roles announced: ${peerRoles.join(", ")}`);
    if (peerRole !== undefined && !rolesAgree(localRole, peerRole))
      return openError(11, `BGP Role ${peerRole} does not agree with our role ${localRole}`);
    if (peerRole === undefined && caps.strictRole === true)
      return openError(11, "peer announced no BGP Role and strict mode is on");
  }

  const mpPeer = peerCaps.flatMap((c) =>
    c.type === "MULTIPROTOCOL" ? [{ afi: c.afi, safi: c.safi }] : [],
  );
  // RFC 4760 §8: a peer without MP capabilities speaks IPv4 unicast only.
  const peerFamilies = mpPeer.length > 0 ? mpPeer : [{ afi: 1, safi: 1 }];
  const families = caps.families.filter((f) => peerFamilies.some((g) => sameFamily(f, g)));
  const has = (t: Capability["type"]) => peerCaps.some((c) => c.type === t);
  const holdTime = Math.min(mine.holdTime, peer.holdTime);
  const contexts = negotiateSessionContext(mine, peer);
  return {
    ok: true,
    value: {
      peerAsn,
      peerBgpIdentifier: peer.bgpIdentifier,
      holdTime,
      keepaliveTime: Math.floor(holdTime / 3),
      families,
      routeRefresh: caps.routeRefresh && has("ROUTE_REFRESH"),
      enhancedRouteRefresh: caps.enhancedRouteRefresh && has("ENHANCED_ROUTE_REFRESH"),
      extendedMessage: contexts.send.extendedMessage,
      peerGracefulRestart: peerGracefulRestart(peer),
      peerLongLivedGracefulRestart:
        caps.gracefulRestart !== false &&
        caps.longLivedGracefulRestart !== undefined &&
        caps.longLivedGracefulRestart !== false
          ? peerLongLivedGracefulRestart(peer)
          : false,
      ...(caps.extendedNextHop === true && peerExtendedNextHop(peer)
        ? { extendedNextHop: true }
        : {}),
      ...(peerRole !== undefined ? { peerRole } : {}),
      receive: contexts.receive,
      send: contexts.send,
    },
  };
}
