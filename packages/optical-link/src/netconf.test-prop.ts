import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { OpticalLinkError } from "./errors";
import { crossConnectsToXml, parseCrossConnectsXml } from "./netconf";

const pairs = fc.uniqueArray(
  fc.record({
    ingress: fc.integer({ min: 1, max: 0xffff_ffff }),
    egress: fc.integer({ min: 1, max: 0xffff_ffff }),
  }),
  { selector: (p) => p.ingress, maxLength: 40 },
);

test.prop([pairs])("XML written then read gives the pairs back (by ingress)", (ps) => {
  const sorted = [...ps].sort((a, b) => a.ingress - b.ingress);
  expect(parseCrossConnectsXml(crossConnectsToXml(ps))).toEqual(sorted);
});

const parseOrError = (s: string): unknown => {
  try {
    return parseCrossConnectsXml(s);
  } catch (e) {
    if (!OpticalLinkError.isInstance(e)) throw e;
    return "error";
  }
};

test.prop([fc.string({ maxLength: 300 })])(
  "arbitrary text fails only with the package error",
  (s) => {
    parseOrError(s);
  },
);

test.prop([
  pairs,
  fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 5 }),
])("mutated XML parses to valid pairs or fails with the package error", (ps, edits) => {
  let xml = crossConnectsToXml(ps);
  for (const [at, ins] of edits) {
    const i = at % (xml.length + 1);
    xml = xml.slice(0, i) + ins + xml.slice(i + 1);
  }
  const r = parseOrError(xml);
  if (r !== "error") {
    for (const p of r as { ingress: number; egress: number }[]) {
      expect(Number.isInteger(p.ingress) && p.ingress >= 1).toBe(true);
      expect(Number.isInteger(p.egress) && p.egress >= 1).toBe(true);
    }
  }
});
