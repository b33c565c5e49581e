import fc from "fast-check";
import type { IpAfi } from "./afi-safi";
import type { Capability } from "./capabilities";
import type { BgpWireErrorWhere } from "./errors";
import { ipv4Text, ipv6Text } from "./internal/ip";
import type { BgpMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from "./messages";
import type { MrtWriteRecord } from "./mrt-writer";
import type {
  Aggregator,
  AsPath,
  AsPathSegmentType,
  Origin,
  PathAttributes,
} from "./path-attributes";
import type { Prefix } from "./prefix";
import type { SessionContext } from "./session-context";
import { hasAddPath } from "./session-context";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/bgp-wire` errors. */
export function arbitraryBgpWireErrorWhere(): fc.Arbitrary<BgpWireErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Arbitrary IPv4/IPv6 prefixes with host bits cleared (as a well-behaved speaker sends them),
 * optionally with an ADD-PATH Path Identifier.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryPrefix } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryPrefix({ afi: 1 }), 3);
 * ```
 */
export function arbitraryPrefix(
  options: { afi?: IpAfi; pathId?: boolean | "maybe" } = {},
): fc.Arbitrary<Prefix> {
  const afiArb: fc.Arbitrary<IpAfi> =
    options.afi !== undefined ? fc.constant(options.afi) : fc.constantFrom<IpAfi>(1, 2);
  const pid = options.pathId ?? "maybe";
  return afiArb.chain((afi) => {
    const max = afi === 1 ? 32 : 128;
    const size = afi === 1 ? 4 : 16;
    return fc
      .record({
        length: fc.integer({ min: 0, max }),
        bytes: fc.uint8Array({ minLength: size, maxLength: size }),
        pathId:
          pid === true
            ? fc.nat({ max: 0xffffffff })
            : pid === false
              ? fc.constant(undefined)
              : fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }),
      })
      .map(({ length, bytes, pathId }) => {
        for (let i = 0; i < size; i++) {
          const bits = length - i * 8;
          if (bits < 8) bytes[i] = bits <= 0 ? 0 : bytes[i]! & (0xff << (8 - bits));
        }
        const address = afi === 1 ? ipv4Text(bytes, 0) : ipv6Text(bytes, 0);
        const p: Prefix =
          pathId === undefined ? { afi, address, length } : { afi, address, length, pathId };
        return p;
      });
  });
}

const u32 = (): fc.Arbitrary<number> => fc.nat({ max: 0xffffffff });
const ipv4 = (): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ipv4Text(b, 0));
const ipv6 = (): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipv6Text(b, 0));

/**
 * Arbitrary AS paths (1..255 ASes per segment, all four segment types).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryAsPath } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryAsPath(true), 2);
 * ```
 */
export function arbitraryAsPath(fourOctet: boolean): fc.Arbitrary<AsPath> {
  const asn = fourOctet ? u32() : fc.nat({ max: 0xffff });
  return fc.array(
    fc.record({
      type: fc.constantFrom<AsPathSegmentType>(
        "AS_SEQUENCE",
        "AS_SET",
        "AS_CONFED_SEQUENCE",
        "AS_CONFED_SET",
      ),
      asns: fc.array(asn, { minLength: 1, maxLength: 8 }),
    }),
    { maxLength: 4 },
  );
}

/**
 * Arbitrary path attribute sets that encode canonically (no MP_REACH/MP_UNREACH; see
 * {@link arbitraryUpdateMessage} for those).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryPathAttributes } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryPathAttributes({ fourOctetAs: true }), 1);
 * ```
 */
export function arbitraryPathAttributes(
  options: { fourOctetAs?: boolean } = {},
): fc.Arbitrary<PathAttributes> {
  const four = options.fourOctetAs ?? true;
  const agg = (asnMax: number): fc.Arbitrary<Aggregator> =>
    fc.record({ asn: fc.nat({ max: asnMax }), address: ipv4() });
  return fc
    .record(
      {
        origin: fc.constantFrom<Origin>("IGP", "EGP", "INCOMPLETE"),
        asPath: arbitraryAsPath(four),
        nextHop: ipv4(),
        multiExitDisc: u32(),
        localPref: u32(),
        atomicAggregate: fc.constant(true as const),
        aggregator: agg(four ? 0xffffffff : 0xffff),
        communities: fc.array(u32(), { minLength: 1, maxLength: 6 }),
        originatorId: ipv4(),
        clusterList: fc.array(ipv4(), { minLength: 1, maxLength: 3 }),
        extendedCommunities: fc.array(
          fc.record({
            type: fc.nat({ max: 255 }),
            subType: fc.nat({ max: 255 }),
            value: fc.uint8Array({ minLength: 6, maxLength: 6 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        // Not empty and without confederation segments (RFC 6793 §6: discarded by the receiver).
        as4Path: arbitraryAsPath(true)
          .map((path) => path.filter((s) => s.type === "AS_SEQUENCE" || s.type === "AS_SET"))
          .filter((path) => path.length > 0),
        as4Aggregator: agg(0xffffffff),
        largeCommunities: fc.array(
          fc.record({ globalAdministrator: u32(), localDataPart1: u32(), localDataPart2: u32() }),
          { minLength: 1, maxLength: 3 },
        ),
        onlyToCustomer: u32(),
        unknown: fc
          .uniqueArray(
            fc.record({
              flags: fc.constantFrom(0x80, 0xc0, 0xe0, 0xa0),
              typeCode: fc.constantFrom(11, 12, 13, 19, 20, 21, 22, 23, 25, 26, 29, 40, 128, 255),
              value: fc.uint8Array({ maxLength: 300 }),
            }),
            { selector: (u) => u.typeCode, minLength: 1, maxLength: 2 },
          )
          .map((us) => [...us].sort((x, y) => x.typeCode - y.typeCode)),
      },
      { requiredKeys: [] },
    )
    .map((a) => a as PathAttributes);
}

/**
 * Arbitrary valid UPDATE messages for a session context, with IPv4 NLRI/withdrawals and
 * IPv6 routes in MP_REACH_NLRI / MP_UNREACH_NLRI, small enough to fit 4096 octets.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { sessionContext } from "@dyninfra/bgp-wire";
 * import { arbitraryUpdateMessage } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryUpdateMessage(sessionContext({ fourOctetAs: true })), 1);
 * ```
 */
export function arbitraryUpdateMessage(ctx: SessionContext): fc.Arbitrary<UpdateMessage> {
  const ap = (afi: IpAfi, safi: number): boolean => hasAddPath(ctx, afi, safi);
  const pfx = (afi: IpAfi, safi = 1): fc.Arbitrary<Prefix> =>
    arbitraryPrefix({ afi, pathId: ap(afi, safi) });
  return fc
    .record({
      withdrawnRoutes: fc.array(pfx(1), { maxLength: 5 }),
      nlri: fc.array(pfx(1), { maxLength: 5 }),
      attrs: arbitraryPathAttributes({ fourOctetAs: ctx.fourOctetAs }),
      mpReach: fc.option(
        fc.constantFrom(1, 2).chain((safi) =>
          fc.record({
            safi: fc.constant(safi),
            nextHop: fc.oneof(
              ipv6().map((a) => [a]),
              fc.tuple(ipv6(), ipv6()).map(([a, b]) => [a, b]),
            ),
            prefixes: fc.array(pfx(2, safi), { maxLength: 5 }),
          }),
        ),
        { nil: undefined },
      ),
      mpUnreach: fc.option(fc.array(pfx(2), { maxLength: 5 }), { nil: undefined }),
    })
    .map(({ withdrawnRoutes, nlri, attrs, mpReach, mpUnreach }) => {
      const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...attrs };
      if (mpReach !== undefined) {
        a.mpReachNlri = {
          afi: 2,
          safi: mpReach.safi,
          nextHop: mpReach.nextHop,
          nlri: mpReach.prefixes,
        };
      }
      if (mpUnreach !== undefined)
        a.mpUnreachNlri = { afi: 2, safi: 1, withdrawnRoutes: mpUnreach };
      // Routes need the well-known mandatory attributes (RFC 7606 §3 (d)).
      if (nlri.length > 0 || (a.mpReachNlri?.nlri.length ?? 0) > 0) {
        a.origin ??= "IGP";
        a.asPath ??= [];
        if (nlri.length > 0) a.nextHop ??= "192.0.2.1";
      }
      const m: UpdateMessage = { type: "UPDATE", withdrawnRoutes, pathAttributes: a, nlri };
      return m;
    });
}

/**
 * Arbitrary capabilities (every kind this package decodes, and unknown codes).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryCapability } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryCapability(), 3);
 * ```
 */
export function arbitraryCapability(): fc.Arbitrary<Capability> {
  const afi = fc.nat({ max: 0xffff });
  const safi = fc.nat({ max: 255 });
  return fc.oneof(
    fc.record({ type: fc.constant("MULTIPROTOCOL" as const), afi, safi }),
    fc.constant({ type: "ROUTE_REFRESH" as const }),
    fc.constant({ type: "ENHANCED_ROUTE_REFRESH" as const }),
    fc.constant({ type: "EXTENDED_MESSAGE" as const }),
    fc.record({ type: fc.constant("FOUR_OCTET_AS" as const), asn: u32() }),
    fc.record({ type: fc.constant("BGP_ROLE" as const), role: fc.nat({ max: 255 }) }),
    fc.record({
      type: fc.constant("ADD_PATH" as const),
      families: fc.array(
        fc.record({ afi, safi, sendReceive: fc.constantFrom<1 | 2 | 3>(1, 2, 3) }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    fc.record({
      type: fc.constant("GRACEFUL_RESTART" as const),
      restartFlags: fc.nat({ max: 15 }),
      restartTime: fc.nat({ max: 4095 }),
      families: fc.array(fc.record({ afi, safi, flags: fc.nat({ max: 255 }) }), { maxLength: 4 }),
    }),
    fc.record({
      type: fc.constant("LONG_LIVED_GRACEFUL_RESTART" as const),
      families: fc.array(
        fc.record({
          afi,
          safi,
          flags: fc.nat({ max: 255 }),
          staleTime: fc.nat({ max: 0xffffff }),
        }),
        { maxLength: 4 },
      ),
    }),
    fc.record({
      type: fc.constant("EXTENDED_NEXT_HOP" as const),
      entries: fc.array(fc.record({ afi, safi: fc.nat({ max: 0xffff }), nextHopAfi: afi }), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
    fc.record({
      type: fc.constant("UNKNOWN" as const),
      code: fc.constantFrom(0, 3, 4, 7, 8, 66, 67, 72, 73, 128, 131, 255),
      value: fc.uint8Array({ maxLength: 20 }),
    }),
  );
}

/**
 * Arbitrary valid BGP messages of every type for a session context.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { DEFAULT_SESSION_CONTEXT } from "@dyninfra/bgp-wire";
 * import { arbitraryBgpMessage } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryBgpMessage(DEFAULT_SESSION_CONTEXT), 2);
 * ```
 */
export function arbitraryBgpMessage(ctx: SessionContext): fc.Arbitrary<BgpMessage> {
  const open: fc.Arbitrary<OpenMessage> = fc
    .record({
      version: fc.constant(4),
      myAutonomousSystem: fc.nat({ max: 0xffff }),
      holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
      bgpIdentifier: ipv4(),
      optionalParameters: fc.array(
        fc.oneof(
          fc.record({
            type: fc.constant("CAPABILITIES" as const),
            capabilities: fc.array(arbitraryCapability(), { maxLength: 4 }),
          }),
          fc.record({
            type: fc.constant("UNKNOWN" as const),
            parameterType: fc.constantFrom(1, 3, 4, 254),
            value: fc.uint8Array({ maxLength: 8 }),
          }),
        ),
        { maxLength: 3 },
      ),
      extended: fc.boolean(),
    })
    .map(({ extended, ...m }) => {
      const o: OpenMessage = { type: "OPEN", ...m };
      return extended ? { ...o, extendedOptionalParameters: true } : o;
    });
  return fc.oneof(
    open,
    arbitraryUpdateMessage(ctx),
    fc.record({
      type: fc.constant("NOTIFICATION" as const),
      errorCode: fc.nat({ max: 255 }),
      errorSubcode: fc.nat({ max: 255 }),
      data: fc.uint8Array({ maxLength: 64 }),
    }),
    fc.constant({ type: "KEEPALIVE" as const }),
    fc
      .record({
        afi: fc.nat({ max: 0xffff }),
        safi: fc.nat({ max: 255 }),
        subtype: fc.nat({ max: 255 }),
        orf: fc.option(fc.uint8Array({ minLength: 1, maxLength: 16 }), { nil: undefined }),
      })
      .map(({ orf, ...r }) => {
        const m: RouteRefreshMessage = { type: "ROUTE_REFRESH", ...r };
        return orf === undefined ? m : { ...m, orf };
      }),
  );
}

/**
 * Arbitrary session contexts (4-octet AS on/off, ADD-PATH for some IP families, extended message).
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitrarySessionContext } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitrarySessionContext(), 2);
 * ```
 */
export function arbitrarySessionContext(): fc.Arbitrary<SessionContext> {
  return fc.record({
    fourOctetAs: fc.boolean(),
    addPath: fc.subarray([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
      { afi: 2, safi: 2 },
    ]),
    extendedMessage: fc.boolean(),
  });
}

/**
 * Arbitrary MRT records for the writer: a PEER_INDEX_TABLE, RIB records referring to its peers,
 * BGP4MP state changes and UPDATE messages (4-octet AS), with or without microseconds.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryMrtWriteRecords } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryMrtWriteRecords(), 1);
 * ```
 */
export function arbitraryMrtWriteRecords(): fc.Arbitrary<MrtWriteRecord[]> {
  const ts = fc.nat({ max: 0xffffffff });
  const peer = fc.boolean().chain((six) =>
    fc.record({
      peerType: fc.constantFrom(six ? 3 : 2, six ? 1 : 0),
      peerBgpId: ipv4(),
      peerAddress: six ? ipv6() : ipv4(),
      peerAs: fc.nat({ max: 0xffff }),
    }),
  );
  const ribAttrs = arbitraryPathAttributes({ fourOctetAs: true });
  return fc.array(peer, { minLength: 1, maxLength: 4 }).chain((peers) => {
    const pit: MrtWriteRecord = {
      kind: "PEER_INDEX_TABLE",
      header: { timestamp: 1 },
      collectorBgpId: "192.0.2.254",
      viewName: "",
      peers,
    };
    const rib: fc.Arbitrary<MrtWriteRecord> = fc
      .record({
        timestamp: ts,
        sequenceNumber: fc.nat({ max: 0xffffffff }),
        safi: fc.constantFrom(1, 2),
        prefix: arbitraryPrefix({ pathId: false }),
        addPath: fc.boolean(),
        entries: fc.array(
          fc.record({
            peerIndex: fc.nat({ max: peers.length - 1 }),
            originatedTime: fc.nat({ max: 0xffffffff }),
            pathId: fc.nat({ max: 0xffffffff }),
            attributes: ribAttrs,
            v6nh: fc.option(ipv6(), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      })
      .map(({ timestamp, sequenceNumber, safi, prefix, addPath, entries }) => ({
        kind: "RIB" as const,
        header: { timestamp },
        sequenceNumber,
        safi,
        prefix,
        entries: entries.map(({ pathId, v6nh, attributes, ...e }) => {
          const a: PathAttributes =
            v6nh === undefined
              ? attributes
              : { ...attributes, mpReachNlri: { afi: 2, safi: 1, nextHop: [v6nh], nlri: [] } };
          return addPath ? { ...e, pathId, attributes: a } : { ...e, attributes: a };
        }),
      }));
    const addr = (afi: 1 | 2): fc.Arbitrary<string> => (afi === 1 ? ipv4() : ipv6());
    const session = fc.constantFrom<1 | 2>(1, 2).chain((afi) =>
      fc.record({
        afi: fc.constant(afi),
        peerAs: u32(),
        localAs: u32(),
        interfaceIndex: fc.nat({ max: 0xffff }),
        peerAddress: addr(afi),
        localAddress: addr(afi),
        timestamp: ts,
        microseconds: fc.option(fc.nat({ max: 999_999 }), { nil: undefined }),
      }),
    );
    const header = (timestamp: number, microseconds: number | undefined) =>
      microseconds === undefined ? { timestamp } : { timestamp, microseconds };
    const state: fc.Arbitrary<MrtWriteRecord> = fc
      .record({
        s: session,
        oldState: fc.integer({ min: 1, max: 6 }),
        newState: fc.integer({ min: 1, max: 6 }),
      })
      .map(({ s: { timestamp, microseconds, ...s }, oldState, newState }) => ({
        kind: "BGP4MP_STATE_CHANGE" as const,
        header: header(timestamp, microseconds),
        ...s,
        oldState,
        newState,
      }));
    const ctx: SessionContext = { fourOctetAs: true, addPath: [], extendedMessage: true };
    const message: fc.Arbitrary<MrtWriteRecord> = fc
      .record({ s: session, local: fc.boolean(), message: arbitraryUpdateMessage(ctx) })
      .map(({ s: { timestamp, microseconds, ...s }, local, message }) => ({
        kind: "BGP4MP_MESSAGE" as const,
        header: header(timestamp, microseconds),
        ...s,
        local,
        message,
      }));
    return fc.array(fc.oneof(rib, state, message), { maxLength: 6 }).map((rs) => [pit, ...rs]);
  });
}
