import { describe, expect, it } from "vitest";
import { type Graft, migrationOrder } from "./migration";

const g = (customer: number): Graft => ({ customer, id: `c${customer}`, from: 0, to: 1 });

describe("migration order", () => {
  // MLU as a function of which customers moved: moving 0 alone overloads; moving 1 first relieves.
  const mlu = (a: Int32Array) => {
    const [x, y] = [a[0] === 1, a[1] === 1];
    if (x && !y) return 0.9;
    if (!x && y) return 0.5;
    return x && y ? 0.4 : 0.6;
  };
  it("finds the only order that stays under the bound", () => {
    const o = migrationOrder(mlu, [g(0), g(1)], [0, 0], 0.6);
    expect(o.feasible).toBe(true);
    expect(o.steps.map((s) => s.customer)).toEqual([1, 0]);
    expect(o.mluAfterStep).toEqual([0.5, 0.4]);
  });
  it("proves that no order exists when every first step breaks the bound", () => {
    const o = migrationOrder(mlu, [g(0), g(1)], [0, 0], 0.45);
    expect(o.feasible).toBe(false);
    expect(o.exhaustive).toBe(true);
    expect(o.statement).toMatch(/no order/);
  });
  it("says when the search was cut short", () => {
    const o = migrationOrder(() => 2, [g(0), g(1), g(2)], [0, 0, 0], 1, { maxEvaluations: 2 });
    expect(o.feasible).toBe(false);
    expect(o.exhaustive).toBe(false);
  });
  it("needs no step for an empty plan", () => {
    expect(migrationOrder(() => 1, [], [0], 0).feasible).toBe(true);
  });
});
