import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MemPartitionerError } from "./errors";
import { formatSchemata, parseSchemata } from "./resctrl-schemata";
import { arbitrarySchemataLines } from "./testing";

test.prop([arbitrarySchemataLines(), fc.integer({ min: 0, max: 4 })])(
  "parse ∘ print is the identity on schemata, and print ∘ parse on printed text",
  (lines, pad) => {
    const nameWidth = Math.max(...lines.map((l) => l.resource.length)) + pad;
    const text = formatSchemata({ lines, nameWidth });
    const parsed = parseSchemata(text);
    expect(parsed).toEqual({ lines, nameWidth });
    expect(formatSchemata(parsed)).toBe(text);
  },
);

const alphabet = fc.constantFrom(..."L3MBSA0123456789abcdefx=;: \n+\t".split(""));
test.prop([fc.oneof(fc.string(), fc.string({ unit: alphabet }))], { numRuns: 300 })(
  "arbitrary text either parses or throws a MemPartitionerError that says where",
  (text) => {
    try {
      parseSchemata(text);
    } catch (e) {
      expect(MemPartitionerError.isInstance(e)).toBe(true);
      expect((e as MemPartitionerError).where.line).toBeGreaterThanOrEqual(1);
    }
  },
);

test.prop([arbitrarySchemataLines(), fc.nat(), fc.string({ minLength: 1, maxLength: 3 })], {
  numRuns: 200,
})("mutated schemata either parse or throw a MemPartitionerError", (lines, at, insert) => {
  const text = formatSchemata({ lines });
  const k = at % text.length;
  const mutated = text.slice(0, k) + insert + text.slice(k + 1);
  try {
    const s = parseSchemata(mutated);
    expect(s.lines.length).toBeGreaterThan(0);
  } catch (e) {
    expect(MemPartitionerError.isInstance(e)).toBe(true);
  }
});
