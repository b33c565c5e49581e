import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import fc from "fast-check";
import type { DecisionCandidate, PeerKind } from "./decision";
import type { BgpRibErrorWhere } from "./errors";
import type { RibUpdate } from "./rib";

/**
 * Arbitrary error locations, for property tests of code that reports `@dyninfra/bgp-rib` errors.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * fc.sample(arbitraryBgpRibErrorWhere(), 1);
 * ```
 */
export function arbitraryBgpRibErrorWhere(): fc.Arbitrary<BgpRibErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Arbitrary decision-process candidates drawn from small ranges, so that ties at every step of
 * the decision process are frequent.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * fc.sample(arbitraryDecisionCandidate(), 1);
 * ```
 */
export function arbitraryDecisionCandidate(): fc.Arbitrary<DecisionCandidate> {
  return fc.record({
    reachable: fc.constantFrom(true, true, true, false),
    localPref: fc.constantFrom(100, 100, 200),
    asPathLength: fc.integer({ min: 0, max: 3 }),
    origin: fc.integer({ min: 0, max: 2 }),
    med: fc.integer({ min: 0, max: 3 }),
    neighborAs: fc.integer({ min: 1, max: 3 }),
    peerKind: fc.constantFrom<PeerKind>("ebgp", "ibgp", "confed-ebgp", "local"),
    igpCost: fc.integer({ min: 0, max: 3 }),
    arrival: fc.integer({ min: 0, max: 5 }),
    bgpIdentifier: fc.integer({ min: 1, max: 4 }),
    clusterListLength: fc.integer({ min: 0, max: 2 }),
    peerAddress: fc.constantFrom("192.0.2.1", "192.0.2.10", "192.0.2.9", "2001:db8::1", "10.0.0.1"),
    pathId: fc.integer({ min: 0, max: 2 }),
    llgrStale: fc.constantFrom(false, false, false, true),
  });
}

/**
 * Arbitrary update batches for one eBGP neighbour (announcements grouped by attribute set and
 * withdrawals) over a small prefix space, so that routes collide and replace each other. The
 * AS_PATH is `neighborAs` followed by ASNs below 64496, never one of the documentation ASNs
 * 64496–64511 (RFC 5398) that examples and tests give their routers: no batch is an AS loop for
 * such a router.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * fc.sample(arbitraryRibUpdate(64501), 1);
 * ```
 */
export function arbitraryRibUpdate(neighborAs = 64501): fc.Arbitrary<RibUpdate> {
  const prefix = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.constantFrom(16, 20, 24)).map(
    ([i, length]): Prefix => ({
      afi: 1,
      address: length === 16 ? `100.${64 + i}.0.0` : `100.64.${i * 16}.0`,
      length,
    }),
  );
  const attributes = fc
    .record({
      tail: fc.array(fc.integer({ min: 1, max: 64495 }), { maxLength: 4 }),
      origin: fc.constantFrom("IGP" as const, "EGP" as const, "INCOMPLETE" as const),
      med: fc.option(fc.nat(100), { nil: undefined }),
      communities: fc.option(fc.array(fc.nat(), { maxLength: 3 }), { nil: undefined }),
    })
    .map(
      (r): PathAttributes => ({
        origin: r.origin,
        asPath: [{ type: "AS_SEQUENCE", asns: [neighborAs, ...r.tail] }],
        nextHop: "192.0.2.2",
        ...(r.med !== undefined ? { multiExitDisc: r.med } : {}),
        ...(r.communities !== undefined ? { communities: r.communities } : {}),
      }),
    );
  return fc.record({
    withdrawn: fc.array(prefix, { maxLength: 3 }),
    announced: fc.array(
      fc.record({ attributes, nlri: fc.array(prefix, { minLength: 1, maxLength: 4 }) }),
      {
        maxLength: 3,
      },
    ),
  });
}
