// Cross-check with an independent solver: COIN-OR CBC (Debian package coinor-cbc) reads the
// exported CPLEX LP file; its optimum must agree with HiGHS' to 1e-6 relative.
// Runs in `pnpm test:interop` (where cbc is required) and in `pnpm test` whenever cbc is on PATH.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ABILENE_ROUTERS, parseCfrRlTopology, parseCfrRlTrafficMatrices } from "./cfr-rl";
import { buildCustomerModel } from "./customers";
import { formulateGraftMilp } from "./formulation";
import { fixture } from "./internal/test-data";
import { createSolver, type Solver, toCplexLp } from "./lp";

function cbcOnPath(): boolean {
  try {
    execFileSync("cbc", ["-quit"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const required = process.env.GRAFT_PLANNER_INTEROP === "1";
const present = cbcOnPath();
if (!present)
  console.warn(
    "[graft-planner] cbc is not on PATH: the CBC cross-check is not run (apt-get install coinor-cbc)",
  );

function cbcOptimum(lpText: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graft-cbc-"));
  try {
    const lp = path.join(dir, "m.lp");
    const sol = path.join(dir, "m.sol");
    fs.writeFileSync(lp, lpText);
    execFileSync("cbc", [lp, "-ratioGap", "0", "-allowableGap", "0", "-solve", "-solu", sol], {
      stdio: "ignore",
      timeout: 120_000,
    });
    const first = fs.readFileSync(sol, "utf8").split("\n")[0]!;
    const m = /^Optimal - objective value\s+(\S+)/.exec(first);
    if (m === null) throw new Error(`cbc did not prove optimality: ${first}`);
    return Number(m[1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(present || required)("CBC agrees with HiGHS on exported graft MILPs", () => {
  let solver: Solver;
  beforeAll(async () => {
    solver = await createSolver();
  });
  it("cbc is installed", () => {
    expect(present).toBe(true);
  });
  const topo = parseCfrRlTopology(fixture("abilene/Abilene.txt"), ABILENE_ROUTERS);
  const tms = parseCfrRlTrafficMatrices(fixture("abilene/AbileneTM-2h.txt"), 12, {
    select: (i) => i === 3 || i === 47 || i === 70,
  });
  for (const regime of ["igp", "mcf"] as const)
    tms.forEach((tm, k) => {
      it(`Abilene ${regime} MILP, TM ${k}`, () => {
        const model = buildCustomerModel(topo, tm, { customersPerRouter: 1, candidates: 2 });
        const f = formulateGraftMilp(topo, model, regime);
        const h = solver.solve(f.program, { gapLimit: 0 });
        expect(h.status).toBe("optimal");
        const c = cbcOptimum(toCplexLp(f.program));
        expect(Math.abs(c - h.objective) / h.objective).toBeLessThan(1e-6);
      }, 120_000);
    });
});
