import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { seqAdd, seqDiff, seqGt, seqLt } from "./seq";
import { arbitrarySequenceNumber } from "./testing";

const delta = fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 });

test.prop([arbitrarySequenceNumber(), delta])("seqDiff inverts seqAdd", (a, d) => {
  expect(seqDiff(seqAdd(a, d), a)).toBe(d);
});

test.prop([arbitrarySequenceNumber(), fc.integer({ min: 1, max: 2 ** 31 - 1 })])(
  "a + d is after a for 0 < d < 2^31, also across the wrap",
  (a, d) => {
    const b = seqAdd(a, d);
    expect(seqLt(a, b)).toBe(true);
    expect(seqGt(b, a)).toBe(true);
    // Independent reference: compare on unbounded integers.
    expect(BigInt(a) + BigInt(d)).toBe(BigInt(b) + (b < a ? 2n ** 32n : 0n));
  },
);
