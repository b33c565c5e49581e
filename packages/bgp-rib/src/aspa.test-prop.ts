// ASPA-based AS_PATH verification against a reference written from the draft's definitions
// (draft-ietf-sidrops-aspa-verification §6): a path is a valid upstream path when every hop from
// the origin goes customer → provider; a downstream path may go up from the origin to an apex,
// cross at most one lateral link, and come down to us — valid when some such split has every
// constrained hop attested, invalid when every split has a hop ruled out.
import type { AsPath } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { type AspaDirection, AspaTable, type AspaValidity, verifyAspa } from "./aspa";

/** Few ASNs, so that paths revisit ASes and ASPAs cover some hops and not others. */
const arbAsn = fc.integer({ min: 1, max: 7 });
const arbTable = fc
  .array(fc.tuple(arbAsn, fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 4 })), {
    maxLength: 7,
  })
  .map((entries) => {
    const t = new AspaTable();
    for (const [c, ps] of entries) t.set(c, ps);
    return t;
  });
const arbPath: fc.Arbitrary<AsPath> = fc
  .array(arbAsn, { minLength: 1, maxLength: 8 })
  .map((asns) => [{ type: "AS_SEQUENCE" as const, asns }]);

/** The reference: splits enumerated, every hop looked at. */
function reference(path: AsPath, t: AspaTable, direction: AspaDirection): AspaValidity {
  const seq = path.flatMap((s) => s.asns);
  const as = seq.filter((x, i) => i === 0 || seq[i - 1] !== x).reverse(); // origin first
  const n = as.length;
  type Hop = ReturnType<AspaTable["hop"]>;
  const up = (j: number): Hop => t.hop(as[j]!, as[j + 1]!); // as[j] → its provider as[j+1]
  const down = (j: number): Hop => t.hop(as[j]!, as[j - 1]!); // as[j−1] is as[j]'s provider
  // For split k (the up-ramp as[0..k], the down-ramp as[k+1..n−1]), the constrained hops.
  const hops = (k: number): Hop[] => [
    ...Array.from({ length: k }, (_, j) => up(j)),
    ...Array.from({ length: Math.max(0, n - k - 2) }, (_, i) => down(k + 2 + i)),
  ];
  const splits =
    direction === "upstream" ? [hops(n - 1)] : Array.from({ length: n }, (_, k) => hops(k));
  if (splits.some((h) => h.every((x) => x === "provider+"))) return "valid";
  if (splits.every((h) => h.includes("not-provider+"))) return "invalid";
  return "unknown";
}

test.prop([arbPath, arbTable, fc.constantFrom<AspaDirection>("upstream", "downstream")], {
  numRuns: 3000,
})("verifyAspa agrees with the split-by-split reference", (path, t, direction) => {
  expect(verifyAspa(path, t, direction)).toBe(reference(path, t, direction));
});

test.prop([arbPath, arbTable])(
  "an upstream-valid path is downstream-valid; a downstream-invalid one is upstream-invalid",
  (path, t) => {
    if (verifyAspa(path, t, "upstream") === "valid")
      expect(verifyAspa(path, t, "downstream")).toBe("valid");
    if (verifyAspa(path, t, "downstream") === "invalid")
      expect(verifyAspa(path, t, "upstream")).toBe("invalid");
  },
);

test.prop([arbPath, arbTable, arbAsn])(
  "prepends change nothing; an AS_SET, or a leftmost AS other than the neighbour's, is invalid",
  (path, t, extra) => {
    const asns = path[0]!.asns;
    const prepended: AsPath = [{ type: "AS_SEQUENCE", asns: [asns[0]!, ...asns] }];
    for (const d of ["upstream", "downstream"] as const) {
      expect(verifyAspa(prepended, t, d)).toBe(verifyAspa(path, t, d));
      expect(verifyAspa([...path, { type: "AS_SET", asns: [extra] }], t, d)).toBe("invalid");
      if (asns[0] !== extra) expect(verifyAspa(path, t, d, extra)).toBe("invalid");
      else expect(verifyAspa(path, t, d, extra)).toBe(verifyAspa(path, t, d));
    }
  },
);
