import type { Capability } from "./capabilities";
import type { PathAttributes } from "./path-attributes";
import type { Prefix } from "./prefix";

/**
 * BGP message Type codes (RFC 4271 §4.1, RFC 2918 §3).
 *
 * @example
 * ```ts
 * import { MESSAGE_TYPE } from "@dyninfra/bgp-wire";
 * MESSAGE_TYPE.UPDATE; // 2
 * ```
 */
export const MESSAGE_TYPE = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

/**
 * An OPEN Optional Parameter (RFC 4271 §4.2): either Capabilities (type 2, RFC 5492) or an
 * uninterpreted parameter (e.g. the deprecated Authentication, type 1) kept byte-exact.
 * Capabilities are kept grouped per parameter as received (some speakers put one capability per
 * parameter, others all in one); see {@link openCapabilities}.
 *
 * @example
 * ```ts
 * import type { OptionalParameter } from "@dyninfra/bgp-wire";
 * const p: OptionalParameter = { type: "CAPABILITIES", capabilities: [{ type: "ROUTE_REFRESH" }] };
 * ```
 */
export type OptionalParameter =
  | { readonly type: "CAPABILITIES"; readonly capabilities: readonly Capability[] }
  | { readonly type: "UNKNOWN"; readonly parameterType: number; readonly value: Uint8Array };

/**
 * OPEN message (RFC 4271 §4.2; Extended Optional Parameters Length RFC 9072).
 *
 * @example
 * ```ts
 * import type { OpenMessage } from "@dyninfra/bgp-wire";
 * const open: OpenMessage = {
 *   type: "OPEN", version: 4, myAutonomousSystem: 64500, holdTime: 90,
 *   bgpIdentifier: "192.0.2.1",
 *   optionalParameters: [{ type: "CAPABILITIES", capabilities: [{ type: "FOUR_OCTET_AS", asn: 64500 }] }],
 * };
 * ```
 */
export interface OpenMessage {
  readonly type: "OPEN";
  /** Version (4). */
  readonly version: number;
  /** My Autonomous System (16 bits; AS_TRANS when the 4-octet AS does not fit). */
  readonly myAutonomousSystem: number;
  /** Hold Time in seconds (0 or ≥ 3). */
  readonly holdTime: number;
  /** BGP Identifier, IPv4 address text. */
  readonly bgpIdentifier: string;
  /** Optional Parameters in wire order. */
  readonly optionalParameters: readonly OptionalParameter[];
  /**
   * True when encoded with RFC 9072 extended optional parameters (Non-Ext OP Type 255).
   * The encoder also uses that form when the parameters do not fit in 255 octets.
   */
  readonly extendedOptionalParameters?: boolean;
}

/**
 * How the path attributes of a decoded UPDATE were laid out on the wire, kept only when the
 * layout differs from the canonical one this package encodes (ascending type codes, Extended
 * Length exactly when the value exceeds 255 octets, Partial clear on interpreted attributes),
 * so that `encode(decode(bytes))` reproduces the bytes.
 *
 * @example
 * ```ts
 * import type { AttributeWireLayout } from "@dyninfra/bgp-wire";
 * const layout: AttributeWireLayout = { typeCodes: [2, 1], flags: [0x50, 0x40] };
 * ```
 */
export interface AttributeWireLayout {
  /** Attribute type codes in wire order. */
  readonly typeCodes: readonly number[];
  /** Attribute Flags octets, same index as `typeCodes`. */
  readonly flags: readonly number[];
}

/**
 * UPDATE message (RFC 4271 §4.3). Routes of other families travel in the MP_REACH_NLRI /
 * MP_UNREACH_NLRI attributes (RFC 4760); see {@link updateRoutes} for a flat view.
 *
 * @example
 * ```ts
 * import type { UpdateMessage } from "@dyninfra/bgp-wire";
 * const u: UpdateMessage = {
 *   type: "UPDATE",
 *   withdrawnRoutes: [],
 *   pathAttributes: { origin: "IGP", asPath: [{ type: "AS_SEQUENCE", asns: [64500] }], nextHop: "192.0.2.1" },
 *   nlri: [{ afi: 1, address: "198.51.100.0", length: 24 }],
 * };
 * ```
 */
export interface UpdateMessage {
  readonly type: "UPDATE";
  /** Withdrawn Routes (IPv4 unicast). */
  readonly withdrawnRoutes: readonly Prefix[];
  /** Path Attributes. */
  readonly pathAttributes: PathAttributes;
  /** Network Layer Reachability Information (IPv4 unicast). */
  readonly nlri: readonly Prefix[];
  /** Non-canonical wire layout of the attributes, when decoded from such bytes. */
  readonly attributeWireLayout?: AttributeWireLayout;
}

/**
 * NOTIFICATION message (RFC 4271 §4.5). For Cease / Administrative Shutdown (2) and
 * Administrative Reset (4), `data` may hold an RFC 8203/9003 Shutdown Communication; see
 * {@link shutdownCommunication} and {@link ceaseWithShutdownCommunication}.
 *
 * @example
 * ```ts
 * import type { NotificationMessage } from "@dyninfra/bgp-wire";
 * const n: NotificationMessage = { type: "NOTIFICATION", errorCode: 6, errorSubcode: 2, data: new Uint8Array() };
 * ```
 */
export interface NotificationMessage {
  readonly type: "NOTIFICATION";
  /** Error code (RFC 4271 §4.5). */
  readonly errorCode: number;
  /** Error subcode. */
  readonly errorSubcode: number;
  /** Data bytes. */
  readonly data: Uint8Array;
}

/**
 * KEEPALIVE message (RFC 4271 §4.4): the header only.
 *
 * @example
 * ```ts
 * import type { KeepaliveMessage } from "@dyninfra/bgp-wire";
 * const k: KeepaliveMessage = { type: "KEEPALIVE" };
 * ```
 */
export interface KeepaliveMessage {
  readonly type: "KEEPALIVE";
}

/**
 * ROUTE-REFRESH message (RFC 2918 §3) with the RFC 7313 Message Subtype in the formerly Reserved
 * octet: 0 = normal route refresh, 1 = BoRR, 2 = EoRR. `orf` holds any trailing bytes
 * (e.g. RFC 5291 ORF entries) byte-exact.
 *
 * @example
 * ```ts
 * import type { RouteRefreshMessage } from "@dyninfra/bgp-wire";
 * const rr: RouteRefreshMessage = { type: "ROUTE_REFRESH", afi: 1, safi: 1, subtype: 0 };
 * ```
 */
export interface RouteRefreshMessage {
  readonly type: "ROUTE_REFRESH";
  /** Address Family Identifier. */
  readonly afi: number;
  /** Subsequent Address Family Identifier. */
  readonly safi: number;
  /** Message Subtype (RFC 7313 §3.2). */
  readonly subtype: number;
  /** Trailing bytes after AFI/Subtype/SAFI (ORF entries, RFC 5291), absent when none. */
  readonly orf?: Uint8Array;
}

/**
 * Any BGP message, discriminated by `type`.
 *
 * @example
 * ```ts
 * import type { BgpMessage } from "@dyninfra/bgp-wire";
 * const m: BgpMessage = { type: "KEEPALIVE" };
 * ```
 */
export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

/**
 * All capabilities of an OPEN message, flattened across its Capabilities parameters.
 *
 * @example
 * ```ts
 * import { openCapabilities } from "@dyninfra/bgp-wire";
 * openCapabilities({
 *   type: "OPEN", version: 4, myAutonomousSystem: 1, holdTime: 90, bgpIdentifier: "192.0.2.1",
 *   optionalParameters: [{ type: "CAPABILITIES", capabilities: [{ type: "ROUTE_REFRESH" }] }],
 * }); // [{ type: "ROUTE_REFRESH" }]
 * ```
 */
export function openCapabilities(open: OpenMessage): readonly Capability[] {
  const out: Capability[] = [];
  for (const p of open.optionalParameters) {
    if (p.type === "CAPABILITIES") out.push(...p.capabilities);
  }
  return out;
}

/**
 * A flat view of the routes of an UPDATE: withdrawn and announced prefixes of every family, the
 * latter with their next hop (NEXT_HOP for IPv4 NLRI, MP_REACH_NLRI next hops otherwise).
 *
 * @example
 * ```ts
 * import { updateRoutes } from "@dyninfra/bgp-wire";
 * const r = updateRoutes({
 *   type: "UPDATE", withdrawnRoutes: [], nlri: [{ afi: 1, address: "10.0.0.0", length: 8 }],
 *   pathAttributes: { origin: "IGP", asPath: [], nextHop: "192.0.2.1" },
 * });
 * r.announced[0]?.nextHop; // ["192.0.2.1"]
 * ```
 */
export function updateRoutes(update: UpdateMessage): {
  readonly withdrawn: readonly Prefix[];
  readonly announced: readonly { readonly prefix: Prefix; readonly nextHop: readonly string[] }[];
} {
  const a = update.pathAttributes;
  const withdrawn: Prefix[] = [...update.withdrawnRoutes];
  if (a.mpUnreachNlri !== undefined) withdrawn.push(...a.mpUnreachNlri.withdrawnRoutes);
  const announced: { prefix: Prefix; nextHop: readonly string[] }[] = [];
  const nh = a.nextHop === undefined ? [] : [a.nextHop];
  for (const p of update.nlri) announced.push({ prefix: p, nextHop: nh });
  if (a.mpReachNlri !== undefined) {
    for (const p of a.mpReachNlri.nlri)
      announced.push({ prefix: p, nextHop: a.mpReachNlri.nextHop });
  }
  return { withdrawn, announced };
}
