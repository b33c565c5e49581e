import fc from "fast-check";
import type { CustomerModel } from "./customers";
import type { GraftPlannerErrorWhere } from "./errors";
import type { Link, Topology, TrafficMatrix } from "./topology";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/graft-planner` errors. */
export function arbitraryGraftPlannerErrorWhere(): fc.Arbitrary<GraftPlannerErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Arbitrary strongly connected topologies: a bidirectional ring of `routers` routers plus random
 * bidirectional chords, with capacities and IGP weights from small sets (so that ECMP ties occur),
 * and coordinates.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryTopology(), (t) => t.links.length >= 2 * t.routers.length));
 * ```
 */
export function arbitraryTopology(
  options: { minRouters?: number; maxRouters?: number } = {},
): fc.Arbitrary<Topology> {
  return fc
    .integer({ min: options.minRouters ?? 3, max: options.maxRouters ?? 7 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        chords: fc.array(
          fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })),
          {
            maxLength: n,
          },
        ),
        caps: fc.array(fc.constantFrom(10, 40, 100), { minLength: 2 * n, maxLength: 2 * n }),
        weights: fc.array(fc.constantFrom(1, 2, 3), { minLength: 2 * n, maxLength: 2 * n }),
        coords: fc.array(
          fc.tuple(fc.integer({ min: -120, max: -70 }), fc.integer({ min: 25, max: 48 })),
          {
            minLength: n,
            maxLength: n,
          },
        ),
      }),
    )
    .map(({ n, chords, caps, weights, coords }) => {
      const edges: [number, number][] = [];
      for (let i = 0; i < n; i++) edges.push([i, (i + 1) % n]);
      const seen = new Set<string>();
      for (const [x, y] of chords) {
        const a = Math.min(x, y);
        const b = Math.max(x, y);
        // keep chords that are not ring edges and not repeated
        if (b - a < 2 || (a === 0 && b === n - 1) || seen.has(`${a},${b}`)) continue;
        seen.add(`${a},${b}`);
        edges.push([a, b]);
      }
      const links: Link[] = [];
      edges.forEach(([a, b], k) => {
        const capacity = caps[k % caps.length]!;
        const weight = weights[k % weights.length]!;
        links.push({ from: a, to: b, capacity, weight }, { from: b, to: a, capacity, weight });
      });
      return {
        routers: coords.map(([lon, lat], i) => ({ id: `r${i}`, lon, lat })),
        links,
        capacityUnit: "Mbit/s",
      };
    });
}

/**
 * Arbitrary router-level traffic matrices of `routers` routers (sparse, values 0..20).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryTrafficMatrix(4), (tm) => tm.values.length === 16));
 * ```
 */
export function arbitraryTrafficMatrix(routers: number): fc.Arbitrary<TrafficMatrix> {
  return fc
    .array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })), {
      minLength: routers * routers,
      maxLength: routers * routers,
    })
    .map((v) => ({ size: routers, values: Float64Array.from(v), unit: "Mbit/s" }));
}

/**
 * Arbitrary customer models on a topology of `routers` routers: 1–2 customers per router, random
 * demands, random candidate sets (home first) of 1–3 routers.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryCustomerModel(4), (m) => m.customers.every((c) => c.candidates[0] === c.home)));
 * ```
 */
export function arbitraryCustomerModel(
  routers: number,
  maxCustomers = 6,
): fc.Arbitrary<CustomerModel> {
  return fc
    .array(
      fc.record({
        home: fc.integer({ min: 0, max: routers - 1 }),
        others: fc.uniqueArray(fc.integer({ min: 0, max: routers - 1 }), { maxLength: 2 }),
      }),
      { minLength: 2, maxLength: maxCustomers },
    )
    .chain((cs) =>
      fc
        .array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15 })), {
          minLength: cs.length * cs.length,
          maxLength: cs.length * cs.length,
        })
        .map((d) => ({
          customers: cs.map((c, i) => ({
            id: `c${i}`,
            home: c.home,
            candidates: [c.home, ...c.others.filter((r) => r !== c.home)],
          })),
          demand: Float64Array.from(d),
          description: "arbitrary",
        })),
    );
}
