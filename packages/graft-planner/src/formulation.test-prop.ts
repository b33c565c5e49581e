import { fc, test } from "@fast-check/vitest";
import { beforeAll, expect } from "vitest";
import type { CustomerModel } from "./customers";
import { formulateGraftMilp, readAssignment, startingSolution } from "./formulation";
import { createSolver, type LinearProgram, LpBuilder, type Solver } from "./lp";
import { EcmpRouting } from "./routing";
import { arbitraryCustomerModel, arbitraryTopology } from "./testing";
import type { Topology } from "./topology";

let solver: Solver;
beforeAll(async () => {
  solver = await createSolver();
});

/**
 * Reference fixed-IGP MILP written here, unprojected and unaggregated: every customer has x
 * columns (a fixed customer's single x is fixed to 1), every customer pair with traffic has
 * z[i,j] ≥ 0 with Σ_j z = x[a,i] and Σ_i z = x[b,j], and its load per (i, j) comes from
 * `linkLoads` of a two-entry router TM.
 */
function referenceIgpMilp(t: Topology, m: CustomerModel): LinearProgram {
  const ecmp = new EcmpRouting(t);
  const n = t.routers.length;
  const S = Math.max(...t.links.map((l) => l.capacity));
  const lp = new LpBuilder();
  const U = lp.addColumn("U", 0, Number.POSITIVE_INFINITY, 1);
  const x = m.customers.map((c, a) => {
    const cols = c.candidates.map((r) =>
      c.candidates.length === 1
        ? lp.addColumn(`x_${a}_${r}`, 1, 1)
        : lp.addColumn(`x_${a}_${r}`, 0, 1, 0, true),
    );
    lp.addRow(
      `assign_${a}`,
      cols,
      cols.map(() => 1),
      1,
      1,
    );
    return cols;
  });
  const cap: { col: number; v: number }[][] = t.links.map(() => []);
  const nc = m.customers.length;
  for (let a = 0; a < nc; a++)
    for (let b = a + 1; b < nc; b++) {
      const dab = m.demand[a * nc + b]!;
      const dba = m.demand[b * nc + a]!;
      if (dab + dba === 0) continue;
      const ca = m.customers[a]!.candidates;
      const cb = m.customers[b]!.candidates;
      const z = ca.map((r, i) =>
        cb.map((s, j) => {
          const col = lp.addColumn(`z_${a}_${b}_${i}_${j}`, 0, Number.POSITIVE_INFINITY);
          const tm = new Float64Array(n * n);
          if (r !== s) {
            tm[r * n + s] = dab;
            tm[s * n + r] = dba;
          }
          ecmp.linkLoads(tm).forEach((v, e) => {
            if (v !== 0) cap[e]!.push({ col, v: v / S });
          });
          return col;
        }),
      );
      ca.forEach((_, i) => {
        lp.addRow(`ra_${a}_${b}_${i}`, [...z[i]!, x[a]![i]!], [...cb.map(() => 1), -1], 0, 0);
      });
      cb.forEach((_, j) => {
        lp.addRow(
          `rb_${a}_${b}_${j}`,
          [...z.map((row) => row[j]!), x[b]![j]!],
          [...ca.map(() => 1), -1],
          0,
          0,
        );
      });
    }
  t.links.forEach((l, e) => {
    lp.addRow(
      `cap_${e}`,
      [U, ...cap[e]!.map((c) => c.col)],
      [-l.capacity / S, ...cap[e]!.map((c) => c.v)],
      Number.NEGATIVE_INFINITY,
      0,
    );
  });
  return lp.build();
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-9, Math.abs(b));

const instance = arbitraryTopology({ maxRouters: 6 }).chain((t) =>
  fc.tuple(fc.constant(t), arbitraryCustomerModel(t.routers.length, 6)),
);

test.prop([instance], { numRuns: 40 })(
  "the projected igp MILP has the optimum and the LP relaxation of the unprojected z formulation",
  ([t, m]) => {
    const f = formulateGraftMilp(t, m, "igp");
    const ref = referenceIgpMilp(t, m);
    const a = solver.solve(f.program, { gapLimit: 0 });
    const b = solver.solve(ref, { gapLimit: 0 });
    expect(a.status).toBe("optimal");
    expect(b.status).toBe("optimal");
    expect(rel(a.objective, b.objective)).toBeLessThan(1e-6);
    const la = solver.solve(f.program, { relax: true });
    const lb = solver.solve(ref, { relax: true });
    expect(rel(la.objective, lb.objective)).toBeLessThan(1e-6);
  },
  60_000,
);

test.prop([instance], { numRuns: 40 })(
  "a starting solution is feasible, costs the attachment's MLU and never changes the optimum",
  ([t, m]) => {
    const f = formulateGraftMilp(t, m, "igp");
    const cold = solver.solve(f.program, { gapLimit: 0 });
    const asg = readAssignment(f, m, cold.values);
    const start = startingSolution(f, m, asg)!;
    // every row holds at the start (1e-9 slack for rounding)
    for (const r of f.program.rows) {
      let act = 0;
      r.indices.forEach((j, q) => {
        act += r.values[q]! * start[j]!;
      });
      expect(act).toBeLessThanOrEqual(r.upper + 1e-9);
      expect(act).toBeGreaterThanOrEqual(r.lower - 1e-9);
    }
    expect(rel(start[f.mluColumn]!, cold.objective)).toBeLessThan(1e-6);
    const home = startingSolution(
      f,
      m,
      m.customers.map((c) => c.home),
    )!;
    const warm = solver.solve(f.program, { gapLimit: 0, start: home });
    expect(rel(warm.objective, cold.objective)).toBeLessThan(1e-6);
  },
  60_000,
);
