import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { type Graft, migrationOrder } from "./migration";

function permutations(k: number): number[][] {
  if (k === 0) return [[]];
  return permutations(k - 1).flatMap((p) =>
    Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)]),
  );
}

// A random MLU per subset of applied grafts; compare with brute force over all orders.
test.prop(
  [
    fc
      .integer({ min: 0, max: 5 })
      .chain((k) =>
        fc.tuple(
          fc.constant(k),
          fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1 << k, maxLength: 1 << k }),
        ),
      ),
    fc.integer({ min: 0, max: 10 }),
  ],
  { numRuns: 200 },
)("finds an order iff one exists, and every step respects the bound", ([k, table], bound) => {
  const grafts: Graft[] = Array.from({ length: k }, (_, i) => ({
    customer: i,
    id: `c${i}`,
    from: 0,
    to: 1,
  }));
  const mask = (a: Int32Array) => a.reduce((m, v, i) => m | (v << i), 0);
  const o = migrationOrder((a) => table[mask(a)]!, grafts, new Int32Array(k), bound);
  const exists = permutations(k).some((p) => {
    let m = 0;
    return p.every((i) => {
      m |= 1 << i;
      return table[m]! <= bound;
    });
  });
  expect(o.exhaustive).toBe(true);
  expect(o.feasible).toBe(exists);
  if (o.feasible) {
    let m = 0;
    o.steps.forEach((s, i) => {
      m |= 1 << s.customer;
      expect(table[m]).toBe(o.mluAfterStep[i]);
      expect(table[m]!).toBeLessThanOrEqual(bound);
    });
    expect(m).toBe((1 << k) - 1);
  }
});
