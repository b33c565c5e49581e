import { fc, test } from "@fast-check/vitest";
import { beforeAll, expect } from "vitest";
import { type CustomerModel, homeAssignment } from "./customers";
import { evaluateMlu } from "./evaluate";
import { formulateGraftMilp, type RoutingRegime, readAssignment } from "./formulation";
import { localSearch } from "./local-search";
import { createSolver, type Solver } from "./lp";
import { planForModel } from "./plan";
import { EcmpRouting } from "./routing";
import { arbitraryCustomerModel, arbitraryTopology } from "./testing";
import type { Topology } from "./topology";

let solver: Solver;
beforeAll(async () => {
  solver = await createSolver();
});

const instance = arbitraryTopology({ maxRouters: 6 }).chain((t) =>
  fc.tuple(
    fc.constant(t),
    arbitraryCustomerModel(t.routers.length, 5),
    fc.constantFrom<RoutingRegime>("igp", "mcf"),
  ),
);

/** Independent IGP evaluator written here: Floyd–Warshall + recursive ECMP split, per customer pair. */
function referenceIgpMlu(t: Topology, m: CustomerModel, asg: ArrayLike<number>): number {
  const n = t.routers.length;
  const d = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)),
  );
  for (const l of t.links) d[l.from]![l.to] = Math.min(d[l.from]![l.to]!, l.weight);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) d[i]![j] = Math.min(d[i]![j]!, d[i]![k]! + d[k]![j]!);
  const load = new Float64Array(t.links.length);
  const send = (v: number, dst: number, amount: number) => {
    if (v === dst || amount === 0) return;
    const next = t.links
      .map((l, e) => ({ l, e }))
      .filter(({ l }) => l.from === v && l.weight + d[l.to]![dst]! === d[v]![dst]);
    for (const { l, e } of next) {
      load[e]! += amount / next.length;
      send(l.to, dst, amount / next.length);
    }
  };
  const nc = m.customers.length;
  for (let a = 0; a < nc; a++)
    for (let b = 0; b < nc; b++) if (a !== b) send(asg[a]!, asg[b]!, m.demand[a * nc + b]!);
  return Math.max(0, ...t.links.map((l, e) => load[e]! / l.capacity));
}

/** All attachments of a customer model (each customer on one of its candidates). */
function* assignments(m: CustomerModel): Generator<Int32Array> {
  const k = m.customers.length;
  const idx = new Array<number>(k).fill(0);
  for (;;) {
    yield Int32Array.from(m.customers, (c, a) => c.candidates[idx[a]!]!);
    let a = 0;
    while (a < k && ++idx[a]! >= m.customers[a]!.candidates.length) idx[a++] = 0;
    if (a === k) return;
  }
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-9, Math.abs(b));

const small = arbitraryTopology({ maxRouters: 5 }).chain((t) =>
  fc.tuple(
    fc.constant(t),
    arbitraryCustomerModel(t.routers.length, 4),
    fc.constantFrom<RoutingRegime>("igp", "mcf"),
  ),
);

test.prop([small], { numRuns: 15 })(
  "the MILP optimum equals the independent evaluator's MLU of its plan and the brute-force minimum",
  ([t, m, regime]) => {
    const f = formulateGraftMilp(t, m, regime);
    const sol = solver.solve(f.program, { gapLimit: 0 });
    expect(sol.status).toBe("optimal");
    const asg = readAssignment(f, m, sol.values);
    const ev = evaluateMlu(t, m, asg, regime, { solver });
    expect(rel(ev, sol.objective)).toBeLessThan(1e-6);
    if (regime === "igp") expect(rel(referenceIgpMlu(t, m, asg), sol.objective)).toBeLessThan(1e-6);
    let best = Number.POSITIVE_INFINITY;
    for (const a of assignments(m))
      best = Math.min(
        best,
        regime === "igp" ? referenceIgpMlu(t, m, a) : evaluateMlu(t, m, a, "mcf", { solver }),
      );
    expect(rel(sol.objective, best)).toBeLessThan(1e-6);
  },
  60_000,
);

test.prop([instance], { numRuns: 25 })(
  "plans: gain ≥ 0, grafts only to candidates, migration respects the bound at every step",
  ([t, m, regime]) => {
    for (const method of ["milp", "lp-round", "local-search"] as const) {
      const p = planForModel(t, m, { solver, regime, method });
      expect(p.gain).toBeGreaterThanOrEqual(0);
      expect(p.mluAfter).toBeLessThanOrEqual(p.mluBefore * (1 + 1e-9));
      for (const g of p.grafts) {
        const c = m.customers[g.customer]!;
        expect(g.from).toBe(c.home);
        expect(c.candidates).toContain(g.to);
        expect(g.to).not.toBe(c.home);
      }
      const mig = p.migration!;
      if (mig.feasible) {
        expect(mig.steps).toHaveLength(p.grafts.length);
        const asg = homeAssignment(m);
        mig.steps.forEach((g, i) => {
          asg[g.customer] = g.to;
          const mlu = evaluateMlu(t, m, asg, regime, { solver });
          expect(mlu).toBeLessThanOrEqual(mig.bound * (1 + 1e-9));
          expect(rel(mlu, mig.mluAfterStep[i]!)).toBeLessThan(1e-9);
        });
        expect([...asg]).toEqual([...p.assignment]);
      }
      if (p.bound !== null) expect(p.mluAfter).toBeGreaterThanOrEqual(p.bound * (1 - 1e-6));
    }
  },
  60_000,
);

test.prop([instance.filter(([, , r]) => r === "igp")], { numRuns: 30 })(
  "local search never ends above its start and reports the evaluator's MLU",
  ([t, m]) => {
    const routing = new EcmpRouting(t);
    const home = homeAssignment(m);
    const r = localSearch(t, m, "igp", home, { routing });
    const start = evaluateMlu(t, m, home, "igp", { routing });
    expect(r.mlu).toBeLessThanOrEqual(start * (1 + 1e-12));
    expect(rel(r.mlu, referenceIgpMlu(t, m, r.assignment)) < 1e-9 || r.mlu === 0).toBe(true);
  },
);
