import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { referenceSelectBest } from "../test/reference-decision";
import { compareCandidates, type DecisionOptions, explainDecision, selectBest } from "./decision";
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
