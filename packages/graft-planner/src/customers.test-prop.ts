import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { buildCustomerModel, routerTrafficMatrix } from "./customers";
import { arbitraryTopology, arbitraryTrafficMatrix } from "./testing";
import { greatCircleKm } from "./topology";

const inst = arbitraryTopology().chain((t) =>
  fc.tuple(
    fc.constant(t),
    arbitraryTrafficMatrix(t.routers.length),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer(),
  ),
);

test.prop([inst], { numRuns: 100 })(
  "the split preserves every router-pair total and candidates are the k nearest, home first",
  ([t, tm, c, k, seed]) => {
    const m = buildCustomerModel(t, tm, { customersPerRouter: c, candidates: k, seed });
    const n = t.routers.length;
    const back = routerTrafficMatrix(
      m,
      Int32Array.from(m.customers, (x) => x.home),
      n,
    );
    back.forEach((v, i) => {
      expect(Math.abs(v - tm.values[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, tm.values[i]!));
    });
    for (const cu of m.customers) {
      expect(cu.candidates[0]).toBe(cu.home);
      expect(cu.candidates).toHaveLength(Math.min(k, n));
      const h = t.routers[cu.home]!;
      const far = Math.max(
        ...cu.candidates.slice(1).map((r) => greatCircleKm(h, t.routers[r]!)!),
        0,
      );
      // no non-candidate router is strictly nearer than the farthest candidate
      t.routers.forEach((r, i) => {
        if (!cu.candidates.includes(i)) expect(greatCircleKm(h, r)!).toBeGreaterThanOrEqual(far);
      });
    }
  },
);

test.prop([inst], { numRuns: 50 })(
  "the split is deterministic for a seed",
  ([t, tm, c, k, seed]) => {
    const a = buildCustomerModel(t, tm, { customersPerRouter: c, candidates: k, seed });
    const b = buildCustomerModel(t, tm, { customersPerRouter: c, candidates: k, seed });
    expect([...a.demand]).toEqual([...b.demand]);
  },
);
