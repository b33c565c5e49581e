import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { loadRoutes } from "./data";

describe("loadRoutes with a prefix limit (an intermediate scale)", () => {
  const all = loadRoutes();

  it("reads the bundled sample: routes and churn of known prefixes", () => {
    expect(all.routes.length).toBeGreaterThan(100);
    expect(all.churn.length).toBeGreaterThan(100);
    const known = new Set(all.routes.map((r) => r.prefix));
    expect(known.size).toBe(all.routes.length);
    for (const e of all.churn) expect(known.has(e.prefix)).toBe(true);
  });

  test.prop([fc.integer({ min: 1, max: 1000 })], { numRuns: 12 })(
    "keeps the dump's first N prefixes and exactly their churn",
    (n) => {
      const limit = Math.min(n, all.routes.length);
      const some = loadRoutes(false, limit);
      expect(some.routes).toEqual(all.routes.slice(0, limit));
      const kept = new Set(some.routes.map((r) => r.prefix));
      expect(some.churn).toEqual(all.churn.filter((e) => kept.has(e.prefix)));
    },
  );
});
