import type { AfiSafi } from "./afi-safi";

/**
 * Capability Codes (IANA "Capability Codes", RFC 5492 §4) of the capabilities this package decodes.
 *
 * @example
 * ```ts
 * import { CAPABILITY_CODE } from "@dyninfra/bgp-wire";
 * CAPABILITY_CODE.FOUR_OCTET_AS; // 65
 * ```
 */
export const CAPABILITY_CODE = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  BGP_ROLE: 9,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LONG_LIVED_GRACEFUL_RESTART: 71,
} as const;

/**
 * Multiprotocol Extensions capability (code 1, RFC 4760 §8).
 *
 * @example
 * ```ts
 * import type { MultiprotocolCapability } from "@dyninfra/bgp-wire";
 * const c: MultiprotocolCapability = { type: "MULTIPROTOCOL", afi: 2, safi: 1 };
 * ```
 */
export interface MultiprotocolCapability {
  readonly type: "MULTIPROTOCOL";
  /** Address Family Identifier. */
  readonly afi: number;
  /** Subsequent Address Family Identifier. */
  readonly safi: number;
}

/**
 * Route Refresh capability (code 2, RFC 2918), no value.
 *
 * @example
 * ```ts
 * import type { RouteRefreshCapability } from "@dyninfra/bgp-wire";
 * const c: RouteRefreshCapability = { type: "ROUTE_REFRESH" };
 * ```
 */
export interface RouteRefreshCapability {
  readonly type: "ROUTE_REFRESH";
}

/**
 * Enhanced Route Refresh capability (code 70, RFC 7313), no value.
 *
 * @example
 * ```ts
 * import type { EnhancedRouteRefreshCapability } from "@dyninfra/bgp-wire";
 * const c: EnhancedRouteRefreshCapability = { type: "ENHANCED_ROUTE_REFRESH" };
 * ```
 */
export interface EnhancedRouteRefreshCapability {
  readonly type: "ENHANCED_ROUTE_REFRESH";
}

/**
 * Support for 4-octet AS number capability (code 65, RFC 6793 §3).
 *
 * @example
 * ```ts
 * import type { FourOctetAsCapability } from "@dyninfra/bgp-wire";
 * const c: FourOctetAsCapability = { type: "FOUR_OCTET_AS", asn: 4200000000 };
 * ```
 */
export interface FourOctetAsCapability {
  readonly type: "FOUR_OCTET_AS";
  /** The speaker's 4-octet AS number. */
  readonly asn: number;
}

/**
 * Send/Receive field of an ADD-PATH tuple (RFC 7911 §4): 1 = receive, 2 = send, 3 = both.
 *
 * @example
 * ```ts
 * import type { AddPathSendReceive } from "@dyninfra/bgp-wire";
 * const both: AddPathSendReceive = 3;
 * ```
 */
export type AddPathSendReceive = 1 | 2 | 3;

/**
 * ADD-PATH capability (code 69, RFC 7911 §4): per AFI/SAFI whether Path Identifiers are
 * received and/or sent.
 *
 * @example
 * ```ts
 * import type { AddPathCapability } from "@dyninfra/bgp-wire";
 * const c: AddPathCapability = { type: "ADD_PATH", families: [{ afi: 1, safi: 1, sendReceive: 3 }] };
 * ```
 */
export interface AddPathCapability {
  readonly type: "ADD_PATH";
  /** One tuple per address family. */
  readonly families: readonly (AfiSafi & { readonly sendReceive: AddPathSendReceive })[];
}

/**
 * Graceful Restart capability (code 64, RFC 4724 §3; N bit RFC 8538).
 *
 * @example
 * ```ts
 * import type { GracefulRestartCapability } from "@dyninfra/bgp-wire";
 * const c: GracefulRestartCapability = {
 *   type: "GRACEFUL_RESTART", restartFlags: 0, restartTime: 120,
 *   families: [{ afi: 1, safi: 1, flags: 0x80 }],
 * };
 * ```
 */
export interface GracefulRestartCapability {
  readonly type: "GRACEFUL_RESTART";
  /** Restart Flags, 4 bits: 0x8 = Restart State (R), 0x4 = Notification (N, RFC 8538). */
  readonly restartFlags: number;
  /** Restart Time in seconds, 12 bits. */
  readonly restartTime: number;
  /** Per family: Flags for Address Family (0x80 = Forwarding State). */
  readonly families: readonly (AfiSafi & { readonly flags: number })[];
}

/**
 * Long-Lived Graceful Restart capability (code 71, RFC 9494 §3): per family, the flags (0x80 =
 * Forwarding State, F) and the Long-Lived Stale Time — how long, in seconds, the receiver may keep
 * the sender's routes of that family once its Graceful Restart ended without the session coming
 * back.
 *
 * @example
 * ```ts
 * import type { LongLivedGracefulRestartCapability } from "@dyninfra/bgp-wire";
 * const c: LongLivedGracefulRestartCapability = {
 *   type: "LONG_LIVED_GRACEFUL_RESTART",
 *   families: [{ afi: 1, safi: 1, flags: 0, staleTime: 3600 }],
 * };
 * ```
 */
export interface LongLivedGracefulRestartCapability {
  readonly type: "LONG_LIVED_GRACEFUL_RESTART";
  /** Per family: flags (0x80 = F, the rest reserved) and Long-Lived Stale Time (24 bits, s). */
  readonly families: readonly (AfiSafi & { readonly flags: number; readonly staleTime: number })[];
}

/**
 * BGP Extended Message capability (code 6, RFC 8654), no value.
 *
 * @example
 * ```ts
 * import type { ExtendedMessageCapability } from "@dyninfra/bgp-wire";
 * const c: ExtendedMessageCapability = { type: "EXTENDED_MESSAGE" };
 * ```
 */
export interface ExtendedMessageCapability {
  readonly type: "EXTENDED_MESSAGE";
}

/**
 * Extended Next Hop Encoding capability (code 5, RFC 8950 §3): NLRI AFI/SAFI that may carry a
 * next hop of Next Hop AFI.
 *
 * @example
 * ```ts
 * import type { ExtendedNextHopCapability } from "@dyninfra/bgp-wire";
 * const c: ExtendedNextHopCapability = {
 *   type: "EXTENDED_NEXT_HOP", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
 * };
 * ```
 */
export interface ExtendedNextHopCapability {
  readonly type: "EXTENDED_NEXT_HOP";
  /** NLRI AFI (16 bits), NLRI SAFI (16 bits on the wire), Nexthop AFI. */
  readonly entries: readonly (AfiSafi & { readonly nextHopAfi: number })[];
}

/**
 * BGP Role capability (code 9, RFC 9234 §4.1): 0 Provider, 1 RS, 2 RS-Client, 3 Customer, 4 Peer.
 *
 * @example
 * ```ts
 * import type { BgpRoleCapability } from "@dyninfra/bgp-wire";
 * const c: BgpRoleCapability = { type: "BGP_ROLE", role: 3 };
 * ```
 */
export interface BgpRoleCapability {
  readonly type: "BGP_ROLE";
  /** Role value (8 bits). */
  readonly role: number;
}

/**
 * A capability this package does not interpret (or whose value is malformed for its code),
 * preserved byte-exact.
 *
 * @example
 * ```ts
 * import type { UnknownCapability } from "@dyninfra/bgp-wire";
 * const c: UnknownCapability = { type: "UNKNOWN", code: 128, value: new Uint8Array() };
 * ```
 */
export interface UnknownCapability {
  readonly type: "UNKNOWN";
  /** Capability Code. */
  readonly code: number;
  /** Capability Value bytes. */
  readonly value: Uint8Array;
}

/**
 * A BGP capability (RFC 5492), discriminated by `type`.
 *
 * @example
 * ```ts
 * import type { Capability } from "@dyninfra/bgp-wire";
 * const caps: Capability[] = [{ type: "MULTIPROTOCOL", afi: 1, safi: 1 }, { type: "ROUTE_REFRESH" }];
 * ```
 */
export type Capability =
  | MultiprotocolCapability
  | RouteRefreshCapability
  | EnhancedRouteRefreshCapability
  | FourOctetAsCapability
  | AddPathCapability
  | GracefulRestartCapability
  | LongLivedGracefulRestartCapability
  | ExtendedMessageCapability
  | ExtendedNextHopCapability
  | BgpRoleCapability
  | UnknownCapability;
