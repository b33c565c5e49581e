import fc from "fast-check";
import type { DecisionCandidate, PeerKind } from "./decision";
import type { BgpRibErrorWhere } from "./errors";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/bgp-rib` errors. */
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
  });
}
