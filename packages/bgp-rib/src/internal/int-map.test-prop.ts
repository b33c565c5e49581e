import fc from "fast-check";
import { expect, it } from "vitest";
import { IntMap, MISSING } from "./int-map";

// Model-based: an IntMap behaves as a Map<number, number> under any sequence of sets, gets and
// clears, through growth (keys from a small range collide, from a large one spread).
it("IntMap agrees with a Map model", () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }));
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constant("set" as const), key, fc.integer()) },
    { weight: 3, arbitrary: fc.tuple(fc.constant("get" as const), key, fc.constant(0)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constant("clear" as const), fc.constant(0), fc.constant(0)),
    },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000, size: "large" }), (ops) => {
      const m = new IntMap();
      const model = new Map<number, number>();
      for (const [kind, k, v] of ops) {
        if (kind === "set") {
          m.set(k, v | 0);
          model.set(k, v | 0);
        } else if (kind === "get") expect(m.get(k)).toBe(model.get(k) ?? MISSING);
        else {
          m.clear();
          model.clear();
        }
        expect(m.size).toBe(model.size);
      }
      for (const [k, v] of model) expect(m.get(k)).toBe(v);
    }),
    { numRuns: 60 },
  );
});
