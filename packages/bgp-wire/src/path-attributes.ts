import type { Prefix } from "./prefix";
import { prefixKey } from "./prefix";

/**
 * Path attribute type codes (IANA "BGP Path Attributes"), named as in their RFCs.
 *
 * @example
 * ```ts
 * import { ATTRIBUTE_TYPE } from "@dyninfra/bgp-wire";
 * ATTRIBUTE_TYPE.LARGE_COMMUNITY; // 32
 * ```
 */
export const ATTRIBUTE_TYPE = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
  /** Only to Customer (OTC), RFC 9234 §5. */
  OTC: 35,
} as const;

/**
 * Attribute Flags bits (RFC 4271 §4.3): Optional, Transitive, Partial, Extended Length.
 *
 * @example
 * ```ts
 * import { ATTRIBUTE_FLAGS } from "@dyninfra/bgp-wire";
 * const optionalTransitive = ATTRIBUTE_FLAGS.OPTIONAL | ATTRIBUTE_FLAGS.TRANSITIVE; // 0xc0
 * ```
 */
export const ATTRIBUTE_FLAGS = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

/**
 * Well-known communities (RFC 1997, RFC 3765, RFC 7999, RFC 8326, RFC 7611, RFC 9494).
 *
 * @example
 * ```ts
 * import { WELL_KNOWN_COMMUNITY } from "@dyninfra/bgp-wire";
 * WELL_KNOWN_COMMUNITY.NO_EXPORT; // 0xffffff01
 * ```
 */
export const WELL_KNOWN_COMMUNITY = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
} as const;

/**
 * ORIGIN attribute value (RFC 4271 §5.1.1): 0 = IGP, 1 = EGP, 2 = INCOMPLETE.
 *
 * @example
 * ```ts
 * import type { Origin } from "@dyninfra/bgp-wire";
 * const o: Origin = "IGP";
 * ```
 */
export type Origin = "IGP" | "EGP" | "INCOMPLETE";

/**
 * AS_PATH segment types (RFC 4271 §4.3; confederation segments RFC 5065 §3).
 *
 * @example
 * ```ts
 * import type { AsPathSegmentType } from "@dyninfra/bgp-wire";
 * const t: AsPathSegmentType = "AS_SEQUENCE";
 * ```
 */
export type AsPathSegmentType = "AS_SET" | "AS_SEQUENCE" | "AS_CONFED_SEQUENCE" | "AS_CONFED_SET";

/**
 * One AS_PATH / AS4_PATH segment: a type and its AS numbers (1..255 of them on the wire).
 *
 * @example
 * ```ts
 * import type { AsPathSegment } from "@dyninfra/bgp-wire";
 * const seg: AsPathSegment = { type: "AS_SEQUENCE", asns: [64500, 64501] };
 * ```
 */
export interface AsPathSegment {
  /** Segment type. */
  readonly type: AsPathSegmentType;
  /** AS numbers in path order (unsigned 32-bit; 16-bit on 2-octet sessions). */
  readonly asns: readonly number[];
}

/**
 * An AS_PATH (or AS4_PATH): the ordered list of segments.
 *
 * @example
 * ```ts
 * import type { AsPath } from "@dyninfra/bgp-wire";
 * const path: AsPath = [{ type: "AS_SEQUENCE", asns: [64500] }];
 * ```
 */
export type AsPath = readonly AsPathSegment[];

/**
 * AGGREGATOR / AS4_AGGREGATOR value (RFC 4271 §5.1.7, RFC 6793): the AS and BGP Identifier
 * (IPv4 address text) of the speaker that formed the aggregate.
 *
 * @example
 * ```ts
 * import type { Aggregator } from "@dyninfra/bgp-wire";
 * const a: Aggregator = { asn: 64500, address: "192.0.2.1" };
 * ```
 */
export interface Aggregator {
  /** The aggregating AS (16-bit in AGGREGATOR on 2-octet sessions). */
  readonly asn: number;
  /** The aggregating speaker's IP address. */
  readonly address: string;
}

/**
 * An extended community (RFC 4360 §2): 8 octets as Type high octet, Type low octet
 * (the Sub-Type for extended types, the first value octet for regular types) and 6 value octets.
 *
 * @example
 * ```ts
 * import type { ExtendedCommunity } from "@dyninfra/bgp-wire";
 * // Route Target 64500:100 (two-octet AS specific, sub-type 0x02)
 * const rt: ExtendedCommunity = { type: 0x00, subType: 0x02, value: new Uint8Array([0xfb, 0xf4, 0, 0, 0, 100]) };
 * ```
 */
export interface ExtendedCommunity {
  /** Type high octet (bit 0x80 = IANA authority, bit 0x40 = non-transitive). */
  readonly type: number;
  /** Type low octet / Sub-Type. */
  readonly subType: number;
  /** The remaining 6 octets. */
  readonly value: Uint8Array;
}

/**
 * A large community (RFC 8092 §3): Global Administrator, Local Data Part 1, Local Data Part 2.
 *
 * @example
 * ```ts
 * import type { LargeCommunity } from "@dyninfra/bgp-wire";
 * const lc: LargeCommunity = { globalAdministrator: 64500, localDataPart1: 1, localDataPart2: 2 };
 * ```
 */
export interface LargeCommunity {
  /** 32-bit Global Administrator (an ASN). */
  readonly globalAdministrator: number;
  /** 32-bit Local Data Part 1. */
  readonly localDataPart1: number;
  /** 32-bit Local Data Part 2. */
  readonly localDataPart2: number;
}

/**
 * MP_REACH_NLRI (RFC 4760 §3). For IPv4/IPv6 unicast and multicast the next hop(s) and NLRI are
 * decoded (`nextHop` = [global] or [global, link-local]); for any other AFI/SAFI, or when the
 * next hop has a length this package does not decode, `opaque` holds the bytes and `nextHop` and
 * `nlri` are empty. In MRT TABLE_DUMP_V2 RIB entries the attribute is abbreviated (RFC 6396
 * §4.3.4): only the next hop is present and `nlri` is empty.
 *
 * @example
 * ```ts
 * import type { MpReachNlri } from "@dyninfra/bgp-wire";
 * const r: MpReachNlri = {
 *   afi: 2, safi: 1, nextHop: ["2001:db8::1"],
 *   nlri: [{ afi: 2, address: "2001:db8:1::", length: 48 }],
 * };
 * ```
 */
export interface MpReachNlri {
  /** Address Family Identifier. */
  readonly afi: number;
  /** Subsequent Address Family Identifier. */
  readonly safi: number;
  /** Next hop address text(s); empty when opaque. */
  readonly nextHop: readonly string[];
  /** Reachable prefixes; empty when opaque or abbreviated. */
  readonly nlri: readonly Prefix[];
  /** Undecoded next hop, Reserved octet and NLRI bytes (non-IP families). */
  readonly opaque?: {
    readonly nextHop: Uint8Array;
    readonly reserved: number;
    readonly nlri: Uint8Array;
  };
}

/**
 * MP_UNREACH_NLRI (RFC 4760 §4): withdrawn routes of one AFI/SAFI; `opaque` holds the bytes for
 * families this package does not decode (then `withdrawnRoutes` is empty).
 *
 * @example
 * ```ts
 * import type { MpUnreachNlri } from "@dyninfra/bgp-wire";
 * const u: MpUnreachNlri = { afi: 2, safi: 1, withdrawnRoutes: [{ afi: 2, address: "2001:db8::", length: 32 }] };
 * ```
 */
export interface MpUnreachNlri {
  /** Address Family Identifier. */
  readonly afi: number;
  /** Subsequent Address Family Identifier. */
  readonly safi: number;
  /** Withdrawn prefixes; empty when opaque. */
  readonly withdrawnRoutes: readonly Prefix[];
  /** Undecoded withdrawn-routes bytes (non-IP families). */
  readonly opaque?: Uint8Array;
}

/**
 * A path attribute this package does not interpret, preserved byte-exact with its flags.
 * On re-advertisement of an optional transitive unknown attribute the Partial bit must be set
 * (RFC 4271 §5); see {@link readvertiseUnknownAttributes}.
 *
 * @example
 * ```ts
 * import type { UnknownAttribute } from "@dyninfra/bgp-wire";
 * const otc: UnknownAttribute = { flags: 0xc0, typeCode: 35, value: new Uint8Array([0, 0, 0xfb, 0xf4]) };
 * ```
 */
export interface UnknownAttribute {
  /** Attribute Flags octet as received (the Extended Length bit is recomputed on encoding). */
  readonly flags: number;
  /** Attribute Type Code. */
  readonly typeCode: number;
  /** Attribute value bytes. */
  readonly value: Uint8Array;
}

/**
 * The path attributes of an UPDATE (or of an MRT RIB entry), one optional field per attribute,
 * named as in the RFCs. Plain immutable data; absent attributes are `undefined`.
 * `atomicAggregate` is `true` when present (never `false`).
 * AS_PATH and AGGREGATOR hold what the wire held: on a 2-octet AS session they may contain
 * AS_TRANS (23456) with the true path in `as4Path` (see {@link reconcileAsPath}).
 *
 * Use {@link pathAttributesKey} to compare or hash attribute sets.
 *
 * @example
 * ```ts
 * import type { PathAttributes } from "@dyninfra/bgp-wire";
 * const attrs: PathAttributes = {
 *   origin: "IGP",
 *   asPath: [{ type: "AS_SEQUENCE", asns: [64500, 64501] }],
 *   nextHop: "192.0.2.1",
 *   communities: [0xfbf40064],
 * };
 * ```
 */
export interface PathAttributes {
  /** ORIGIN (type 1, RFC 4271 §5.1.1). */
  readonly origin?: Origin;
  /** AS_PATH (type 2, RFC 4271 §5.1.2). */
  readonly asPath?: AsPath;
  /** NEXT_HOP (type 3, RFC 4271 §5.1.3), IPv4 address text. */
  readonly nextHop?: string;
  /** MULTI_EXIT_DISC (type 4, RFC 4271 §5.1.4). */
  readonly multiExitDisc?: number;
  /** LOCAL_PREF (type 5, RFC 4271 §5.1.5). */
  readonly localPref?: number;
  /** ATOMIC_AGGREGATE (type 6, RFC 4271 §5.1.6): `true` when present. */
  readonly atomicAggregate?: true;
  /** AGGREGATOR (type 7, RFC 4271 §5.1.7). */
  readonly aggregator?: Aggregator;
  /** COMMUNITIES (type 8, RFC 1997), 32-bit values (`asn << 16 | value`). */
  readonly communities?: readonly number[];
  /** ORIGINATOR_ID (type 9, RFC 4456), IPv4 address text. */
  readonly originatorId?: string;
  /** CLUSTER_LIST (type 10, RFC 4456), cluster IDs as IPv4 address text. */
  readonly clusterList?: readonly string[];
  /** MP_REACH_NLRI (type 14, RFC 4760). */
  readonly mpReachNlri?: MpReachNlri;
  /** MP_UNREACH_NLRI (type 15, RFC 4760). */
  readonly mpUnreachNlri?: MpUnreachNlri;
  /** EXTENDED COMMUNITIES (type 16, RFC 4360). */
  readonly extendedCommunities?: readonly ExtendedCommunity[];
  /** AS4_PATH (type 17, RFC 6793). */
  readonly as4Path?: AsPath;
  /** AS4_AGGREGATOR (type 18, RFC 6793). */
  readonly as4Aggregator?: Aggregator;
  /** LARGE_COMMUNITY (type 32, RFC 8092). */
  readonly largeCommunities?: readonly LargeCommunity[];
  /**
   * Only to Customer (OTC, type 35, RFC 9234 §5): the AS that marked the route as one to be
   * propagated to customers only (route-leak prevention with BGP Roles).
   */
  readonly onlyToCustomer?: number;
  /** Attributes not interpreted by this package, in wire order. */
  readonly unknown?: readonly UnknownAttribute[];
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}

function pathText(p: AsPath): string {
  let s = "";
  for (const seg of p) s += `${seg.type[3]}${seg.type.length}(${seg.asns.join(",")})`;
  return s;
}

/**
 * A canonical string key of an attribute set, for hashing and equality (e.g. RIB attribute
 * interning): equal keys ⇔ equal attribute sets. The NLRI carried inside MP_REACH_NLRI and the
 * whole of MP_UNREACH_NLRI are NOT part of the key (they are per-UPDATE route lists, not route
 * attributes); MP_REACH_NLRI's AFI/SAFI and next hop(s) are. Community lists are keyed in the
 * order given. The key's format is opaque and may change between versions.
 *
 * @example
 * ```ts
 * import { pathAttributesKey } from "@dyninfra/bgp-wire";
 * const a = { origin: "IGP", nextHop: "192.0.2.1" } as const;
 * pathAttributesKey(a) === pathAttributesKey({ nextHop: "192.0.2.1", origin: "IGP" }); // true
 * ```
 */
export function pathAttributesKey(attrs: PathAttributes): string {
  let k = "";
  // ORIGIN by its code: the first letters of IGP and INCOMPLETE are the same.
  if (attrs.origin !== undefined)
    k += `o${attrs.origin === "IGP" ? 0 : attrs.origin === "EGP" ? 1 : 2}`;
  if (attrs.asPath !== undefined) k += `|p${pathText(attrs.asPath)}`;
  if (attrs.nextHop !== undefined) k += `|n${attrs.nextHop}`;
  if (attrs.multiExitDisc !== undefined) k += `|m${attrs.multiExitDisc}`;
  if (attrs.localPref !== undefined) k += `|l${attrs.localPref}`;
  if (attrs.atomicAggregate) k += "|a";
  if (attrs.aggregator !== undefined) k += `|g${attrs.aggregator.asn}@${attrs.aggregator.address}`;
  if (attrs.communities !== undefined) k += `|c${attrs.communities.join(",")}`;
  if (attrs.originatorId !== undefined) k += `|i${attrs.originatorId}`;
  if (attrs.clusterList !== undefined) k += `|u${attrs.clusterList.join(",")}`;
  const r = attrs.mpReachNlri;
  if (r !== undefined) {
    k += `|r${r.afi}/${r.safi}:${r.nextHop.join(",")}`;
    if (r.opaque !== undefined) k += `:${hex(r.opaque.nextHop)}`;
  }
  if (attrs.extendedCommunities !== undefined) {
    k += "|e";
    for (const e of attrs.extendedCommunities) k += `${e.type}.${e.subType}.${hex(e.value)},`;
  }
  if (attrs.as4Path !== undefined) k += `|P${pathText(attrs.as4Path)}`;
  if (attrs.as4Aggregator !== undefined)
    k += `|G${attrs.as4Aggregator.asn}@${attrs.as4Aggregator.address}`;
  if (attrs.largeCommunities !== undefined) {
    k += "|L";
    for (const c of attrs.largeCommunities)
      k += `${c.globalAdministrator}:${c.localDataPart1}:${c.localDataPart2},`;
  }
  if (attrs.onlyToCustomer !== undefined) k += `|o${attrs.onlyToCustomer}`;
  if (attrs.unknown !== undefined) {
    for (const u of attrs.unknown) k += `|x${u.typeCode}/${u.flags & 0xe0}:${hex(u.value)}`;
  }
  return k;
}

/**
 * True when two attribute sets are equal in the sense of {@link pathAttributesKey}.
 *
 * @example
 * ```ts
 * import { pathAttributesEqual } from "@dyninfra/bgp-wire";
 * pathAttributesEqual({ localPref: 100 }, { localPref: 100 }); // true
 * ```
 */
export function pathAttributesEqual(a: PathAttributes, b: PathAttributes): boolean {
  return a === b || pathAttributesKey(a) === pathAttributesKey(b);
}

/** AS_TRANS, the 2-octet placeholder for a 4-octet AS number (RFC 6793 §9). */
export const AS_TRANS = 23456;

/**
 * The effective AS path of a route received over a 2-octet AS session, reconciling AS_PATH with
 * AS4_PATH per RFC 6793 §4.2.3: AS4_PATH is ignored when AGGREGATOR holds a non-AS_TRANS AS while
 * AS4_AGGREGATOR is present, or when it has more ASes than AS_PATH; otherwise the leading ASes
 * of AS_PATH are kept and the trailing ones replaced by AS4_PATH. Without AS4_PATH, AS_PATH is
 * returned unchanged.
 *
 * @example
 * ```ts
 * import { reconcileAsPath } from "@dyninfra/bgp-wire";
 * reconcileAsPath({
 *   asPath: [{ type: "AS_SEQUENCE", asns: [64500, 23456, 23456] }],
 *   as4Path: [{ type: "AS_SEQUENCE", asns: [4200000001, 4200000002] }],
 * }); // [{ type: "AS_SEQUENCE", asns: [64500, 4200000001, 4200000002] }]
 * ```
 */
export function reconcileAsPath(attrs: PathAttributes): AsPath | undefined {
  const asPath = attrs.asPath;
  const as4 = attrs.as4Path;
  if (as4 === undefined || asPath === undefined) return asPath;
  if (
    attrs.as4Aggregator !== undefined &&
    attrs.aggregator !== undefined &&
    attrs.aggregator.asn !== AS_TRANS
  ) {
    return asPath;
  }
  // Path length counting per RFC 4271 §9.1.2.2 (a): AS_SET counts 1, confed segments 0.
  const count = (p: AsPath): number =>
    p.reduce(
      (n, s) => n + (s.type === "AS_SEQUENCE" ? s.asns.length : s.type === "AS_SET" ? 1 : 0),
      0,
    );
  const n2 = count(asPath);
  const n4 = count(as4);
  if (n4 > n2) return asPath;
  let keep = n2 - n4;
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (keep <= 0) {
      if (seg.type === "AS_CONFED_SEQUENCE" || seg.type === "AS_CONFED_SET") out.push(seg);
      continue;
    }
    if (seg.type === "AS_SEQUENCE") {
      if (seg.asns.length <= keep) {
        out.push(seg);
        keep -= seg.asns.length;
      } else {
        out.push({ type: seg.type, asns: seg.asns.slice(0, keep) });
        keep = 0;
      }
    } else if (seg.type === "AS_SET") {
      out.push(seg);
      keep -= 1;
    } else out.push(seg);
  }
  // Merge a trailing AS_SEQUENCE with a leading AS4_PATH AS_SEQUENCE.
  const first4 = as4[0];
  const last = out[out.length - 1];
  if (last?.type === "AS_SEQUENCE" && first4?.type === "AS_SEQUENCE") {
    out[out.length - 1] = { type: "AS_SEQUENCE", asns: [...last.asns, ...first4.asns] };
    out.push(...as4.slice(1));
  } else out.push(...as4);
  return out;
}

/**
 * The unknown attributes to send when re-advertising a route (RFC 4271 §5 / §9): optional
 * transitive ones are kept with the Partial bit set, optional non-transitive ones are dropped
 * (well-known unknown attributes cannot occur: they are errors on receipt).
 *
 * @example
 * ```ts
 * import { readvertiseUnknownAttributes } from "@dyninfra/bgp-wire";
 * readvertiseUnknownAttributes([{ flags: 0xc0, typeCode: 99, value: new Uint8Array() }])[0]?.flags; // 0xe0
 * ```
 */
export function readvertiseUnknownAttributes(
  unknown: readonly UnknownAttribute[],
): readonly UnknownAttribute[] {
  const out: UnknownAttribute[] = [];
  for (const u of unknown) {
    if ((u.flags & 0x80) === 0) continue;
    if ((u.flags & 0x40) === 0) continue;
    out.push(u.flags & 0x20 ? u : { ...u, flags: u.flags | 0x20 });
  }
  return out;
}

/**
 * The key of a prefix list, order-insensitive (sorted prefix keys), e.g. to compare NLRI sets.
 *
 * @example
 * ```ts
 * import { prefixSetKey } from "@dyninfra/bgp-wire";
 * prefixSetKey([{ afi: 1, address: "10.0.0.0", length: 8 }]); // "10.0.0.0/8"
 * ```
 */
export function prefixSetKey(prefixes: readonly Prefix[]): string {
  return prefixes.map(prefixKey).sort().join(" ");
}

/**
 * The effective AGGREGATOR of a route received over a 2-octet AS session (RFC 6793 §4.2.3):
 * AS4_AGGREGATOR when AGGREGATOR carries AS_TRANS, else AGGREGATOR (AS4_AGGREGATOR is ignored
 * when AGGREGATOR holds a real 2-octet AS).
 *
 * @example
 * ```ts
 * import { reconcileAggregator } from "@dyninfra/bgp-wire";
 * reconcileAggregator({
 *   aggregator: { asn: 23456, address: "192.0.2.1" },
 *   as4Aggregator: { asn: 4200000001, address: "192.0.2.1" },
 * }); // { asn: 4200000001, address: "192.0.2.1" }
 * ```
 */
export function reconcileAggregator(attrs: PathAttributes): Aggregator | undefined {
  const a = attrs.aggregator;
  if (a === undefined) return undefined;
  if (a.asn === AS_TRANS && attrs.as4Aggregator !== undefined) return attrs.as4Aggregator;
  return a;
}
