import loadHighs from "highs";
import { beforeAll, describe, expect, it } from "vitest";
import { ABILENE_ROUTERS, parseCfrRlTopology, parseCfrRlTrafficMatrices } from "./cfr-rl";
import { buildCustomerModel, homeAssignment } from "./customers";
import { evaluateMlu } from "./evaluate";
import { formulateGraftMilp, readAssignment } from "./formulation";
import { fixture } from "./internal/test-data";
import { createSolver, type Solver, toCplexLp } from "./lp";
import { planGrafts } from "./plan";
import { planSeries } from "./series";

const topo = parseCfrRlTopology(fixture("abilene/Abilene.txt"), ABILENE_ROUTERS);
const tms = parseCfrRlTrafficMatrices(fixture("abilene/AbileneTM-2h.txt"), 12);
let solver: Solver;
beforeAll(async () => {
  solver = await createSolver();
});

describe("planning on real Abilene data (CFR-RL weights, capacities and TMs)", () => {
  for (const regime of ["igp", "mcf"] as const)
    it(`${regime}: the MILP objective equals the evaluator's MLU and HiGHS re-reading the LP text`, async () => {
      const model = buildCustomerModel(topo, tms[12]!, { customersPerRouter: 1, candidates: 2 });
      const f = formulateGraftMilp(topo, model, regime);
      const sol = solver.solve(f.program, { gapLimit: 0 });
      expect(sol.status).toBe("optimal");
      const mlu = evaluateMlu(topo, model, readAssignment(f, model, sol.values), regime, {
        solver,
      });
      expect(Math.abs(mlu - sol.objective) / mlu).toBeLessThan(1e-6);
      const highs = await loadHighs();
      const again = highs.solve(toCplexLp(f.program), { mip_rel_gap: 0 });
      expect(Math.abs(again.ObjectiveValue - sol.objective) / mlu).toBeLessThan(1e-6);
      const before = evaluateMlu(topo, model, homeAssignment(model), regime, { solver });
      expect(sol.objective).toBeLessThanOrEqual(before * (1 + 1e-9));
    }, 180_000);

  it("planGrafts returns a consistent plan with a migration order", async () => {
    const p = await planGrafts(topo, tms[30]!, { customersPerRouter: 2, regime: "igp" });
    expect(p.gain).toBeCloseTo(p.mluBefore / p.mluAfter - 1, 12);
    expect(p.gap).not.toBeNull();
    expect(p.gap!).toBeLessThanOrEqual(1e-6);
    expect(p.migration!.steps.length === p.grafts.length || !p.migration!.feasible).toBe(true);
    expect(p.customerModel).toMatch(/2 customer\(s\) per router/);
  }, 180_000);

  it("refuses a TM of the wrong size", async () => {
    await expect(
      planGrafts(topo, { size: 2, values: new Float64Array(4), unit: "x" }),
    ).rejects.toThrow(/12 routers/);
  });

  it("plans a series: the schedule never costs more than staying or re-optimising every interval", () => {
    const moveCost = 0.002;
    const s = planSeries(topo, tms.slice(0, 6), {
      solver,
      regime: "igp",
      customersPerRouter: 1,
      moveCost,
    });
    expect(s.plans).toHaveLength(6);
    expect(s.meanMluOptimal).toBeLessThanOrEqual(s.meanMluScheduled + 1e-12);
    const T = 6;
    const stayCost = s.meanMluBefore * T;
    const scheduled = s.meanMluScheduled * T + moveCost * s.moves;
    expect(scheduled).toBeLessThanOrEqual(stayCost + 1e-12);
  }, 180_000);
});
