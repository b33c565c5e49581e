import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { batchInts, IntList } from "./slab";

// Model-based: an IntList behaves as an array of 32-bit integers under pushes, reservations and
// clears, across growth and the release of large storage on clear; a reservation makes room at
// once (pushes up to it allocate nothing).
test.prop(
  [
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
        { weight: 1, arbitrary: fc.constant("clear" as const) },
        { weight: 1, arbitrary: fc.nat(70000).map((n) => ({ bulk: n })) },
        { weight: 1, arbitrary: fc.oneof(fc.nat(40), fc.nat(70000)).map((n) => ({ reserve: n })) },
      ),
      { maxLength: 60 },
    ),
  ],
  { numRuns: 60 },
)("IntList agrees with an array model", (ops) => {
  const l = new IntList();
  let model: number[] = [];
  for (const op of ops) {
    if (op === "clear") {
      l.clear();
      model = [];
    } else if (typeof op === "number") {
      l.push(op);
      model.push(op);
    } else if ("reserve" in op) {
      l.reserve(op.reserve);
      expect(l.a.length).toBeGreaterThanOrEqual(l.length + op.reserve);
      const storage = l.a;
      for (let i = 0; i < Math.min(op.reserve, 300); i++) {
        l.push(-i - 1);
        model.push(-i - 1);
      }
      expect(l.a).toBe(storage);
    } else {
      for (let i = 0; i < op.bulk; i++) {
        l.push(i);
        model.push(i);
      }
    }
    expect(l.length).toBe(model.length);
    expect(l.a.length).toBeGreaterThanOrEqual(l.length);
  }
  expect([...l.a.subarray(0, l.length)]).toEqual(model);
});

// Views handed out by batchInts never overlap and start zero-filled, whatever the sizes.
test.prop([fc.array(fc.nat(6000), { maxLength: 40 })], { numRuns: 60 })(
  "batchInts views are zeroed and disjoint",
  (sizes) => {
    const views = sizes.map((n) => batchInts(n));
    for (const [i, v] of views.entries()) {
      expect(v.length).toBe(sizes[i]);
      expect(v.every((x) => x === 0)).toBe(true);
      v.fill(i + 1);
    }
    for (const [i, v] of views.entries()) expect(v.every((x) => x === i + 1)).toBe(true);
  },
);
