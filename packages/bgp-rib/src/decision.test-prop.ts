import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { referenceMultipath, referenceSelectBest } from "../test/reference-decision";
import {
  compareCandidates,
  type DecisionCandidate,
  type DecisionOptions,
  explainDecision,
  type PeerKind,
  selectBest,
  selectMultipath,
} from "./decision";
import { arbitraryDecisionCandidate } from "./testing";

// (peer address, path id) identifies a candidate, as in a RIB: no two are tied on every step.
const candidates = fc.uniqueArray(arbitraryDecisionCandidate(), {
  minLength: 0,
  maxLength: 8,
  selector: (c) => `${c.peerAddress}#${c.pathId}`,
});
const options = fc.record({
  alwaysCompareMed: fc.boolean(),
  ignoreAsPathLength: fc.boolean(),
  preferOlder: fc.boolean(),
});

test.prop([candidates, options], { numRuns: 2000 })(
  "deterministic-med agrees with the naive RFC 4271 set-wise reference on any candidate set",
  (cs, o) => {
    const opts: DecisionOptions = { ...o, deterministicMed: true };
    const real = selectBest(cs, opts);
    const ref = referenceSelectBest(cs, opts);
    expect(real < 0).toBe(ref < 0);
    if (ref >= 0) expect(cs[real]).toEqual(cs[ref]);
  },
);

test.prop([candidates, options], { numRuns: 1000 })(
  "pairwise selection agrees with the reference whenever MED is comparable between all routes",
  (cs, o) => {
    const opts: DecisionOptions = { ...o, alwaysCompareMed: true };
    const real = selectBest(cs, opts);
    const ref = referenceSelectBest(cs, opts);
    expect(real < 0).toBe(ref < 0);
    if (ref >= 0) expect(cs[real]).toEqual(cs[ref]);
    // ... and also when all routes come from one neighbouring AS.
    const same = cs.map((c) => ({ ...c, neighborAs: 7 }));
    const r2 = selectBest(same, o);
    const f2 = referenceSelectBest(same, o);
    if (f2 >= 0) expect(same[r2]).toEqual(same[f2]);
  },
);

test.prop([candidates, options, fc.nat()], { numRuns: 500 })(
  "with deterministic-med the choice does not depend on the order of the candidates",
  (cs, o, seed) => {
    const opts = { ...o, deterministicMed: true };
    const shuffled = [...cs].sort(
      (a, b) => ((a.med * 31 + a.igpCost + seed) % 7) - ((b.med * 31 + b.igpCost + seed) % 7),
    );
    const a = selectBest(cs, opts);
    const b = selectBest(shuffled, opts);
    expect(a < 0).toBe(b < 0);
    if (a >= 0) expect(shuffled[b]).toEqual(cs[a]);
  },
);

test.prop([arbitraryDecisionCandidate(), arbitraryDecisionCandidate(), options])(
  "pairwise comparison is antisymmetric and names the same step both ways",
  (a, b, o) => {
    const x = compareCandidates(a, b, o);
    const y = compareCandidates(b, a, o);
    expect(Math.sign(x.order)).toBe(-Math.sign(y.order));
    expect(x.step).toBe(y.step);
  },
);

test.prop([candidates, options])(
  "explain lists every candidate once, the selected best first",
  (cs, o) => {
    const opts = { ...o, deterministicMed: true };
    const r = explainDecision(cs, opts);
    expect(r.map((x) => x.index).sort((p, q) => p - q)).toEqual(cs.map((_, i) => i));
    const best = selectBest(cs, opts);
    if (best >= 0) expect(r[0]?.index).toBe(best);
    else expect(r.every((x) => !x.eligible)).toBe(true);
  },
);

// Multipath: candidates mostly tied with each other up to the tie-breakers (arbitrary ones rarely
// are), some differing in one earlier value; next hops and AS_PATHs from small pools.
const perturbations = fc.oneof(
  { weight: 14, arbitrary: fc.constant({}) },
  fc.record({ localPref: fc.constantFrom(100, 200) }),
  fc.record({ asPathLength: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ origin: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ med: fc.integer({ min: 0, max: 3 }), neighborAs: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ peerKind: fc.constantFrom<PeerKind>("ebgp", "ibgp", "confed-ebgp", "local") }),
  fc.record({ igpCost: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ reachable: fc.boolean() }),
  fc.record({ llgrStale: fc.boolean() }),
);
const tiedCandidates = fc
  .tuple(
    fc.tuple(
      arbitraryDecisionCandidate(),
      fc.constantFrom<PeerKind>("ebgp", "ebgp", "ebgp", "ibgp", "confed-ebgp", "local"),
    ),
    fc.uniqueArray(
      fc.record({
        peerAddress: fc.constantFrom("192.0.2.1", "192.0.2.10", "192.0.2.9", "2001:db8::1"),
        pathId: fc.integer({ min: 0, max: 2 }),
        bgpIdentifier: fc.integer({ min: 1, max: 3 }),
        clusterListLength: fc.integer({ min: 0, max: 1 }),
        arrival: fc.integer({ min: 0, max: 5 }),
        change: perturbations,
      }),
      { minLength: 1, maxLength: 8, selector: (c) => `${c.peerAddress}#${c.pathId}` },
    ),
  )
  .map(([[base, peerKind], vs]) =>
    vs.map(
      ({ change, ...v }): DecisionCandidate => ({
        ...base,
        reachable: true,
        peerKind,
        ...v,
        ...change,
      }),
    ),
  );
const withHops = tiedCandidates.chain((cs) =>
  fc.record({
    cs: fc.constant(cs),
    hops: fc.array(
      fc.constantFrom(
        undefined,
        "192.0.2.1",
        "192.0.2.2",
        "192.0.2.3",
        "192.0.2.4",
        "192.0.2.5",
        "2001:db8::1",
      ),
      {
        minLength: cs.length,
        maxLength: cs.length,
      },
    ),
    paths: fc.array(
      fc.constantFrom("65001", "65001", "65001", "65001", "65001", "65001 65002", "65003"),
      {
        minLength: cs.length,
        maxLength: cs.length,
      },
    ),
  }),
);
const multipathOptions = fc.record({
  alwaysCompareMed: fc.boolean(),
  ignoreAsPathLength: fc.boolean(),
  preferOlder: fc.boolean(),
  deterministicMed: fc.boolean(),
  maximumPaths: fc.integer({ min: 1, max: 6 }),
  maximumPathsIbgp: fc.integer({ min: 1, max: 6 }),
  multipathRelax: fc.boolean(),
});

const seen = [0, 0, 0, 0];
test.prop([withHops, multipathOptions], { numRuns: 3000 })(
  "multipath agrees with a reference written from its documentation",
  ({ cs, hops, paths }, o) => {
    const best = selectBest(cs, o);
    const real = selectMultipath(cs, best, o, {
      nextHops: hops,
      sameAsPath: (i, j) => paths[i] === paths[j],
    });
    expect(real).toEqual(referenceMultipath(cs, best, o, hops, paths));
    seen[Math.min(real.length, 3)]!++;
    // The best first, distinct next hops, within the limit.
    if (best >= 0) expect(real[0]).toBe(best);
    const limit = Math.max(
      1,
      cs[best]?.peerKind === "ibgp" || cs[best]?.peerKind === "confed-ebgp"
        ? o.maximumPathsIbgp
        : o.maximumPaths,
    );
    expect(real.length).toBeLessThanOrEqual(limit);
    if (real.length > 1) expect(new Set(real.map((i) => hops[i])).size).toBe(real.length);
  },
);

test("the multipath property met lists of two and of three or more routes", () => {
  // Runs after the property (same file, in order): its cases reached the interesting sizes.
  expect(seen[2]).toBeGreaterThan(200);
  expect(seen[3]).toBeGreaterThan(200);
});
