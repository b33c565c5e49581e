// Benchmarks for @dyninfra/graft-planner. Prints `BENCH <metric> <value> <unit>` lines; details on stderr.
// Warm solver: HiGHS is loaded once before timing. Times cover the exact path of `planForModel`:
// the MIP start (≤ 50 ms of local search, igp), building the MILP, solving it and reading it back.
import fs from "node:fs";
import path from "node:path";
import {
  buildCustomerModel,
  createSolver,
  EcmpRouting,
  parseRepetitaDemands,
  parseRepetitaGraph,
  planForModel,
  type RoutingRegime,
  readAssignment,
  solveGraftMilp,
  type Topology,
  type TrafficMatrix,
} from "@dyninfra/graft-planner";
import { abileneWeek, kdl, TE_DATA, TE_PRESENT } from "./data";

const solver = await createSolver();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? s[(s.length - 1) / 2]!
    : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function milpMs(
  topology: Topology,
  tm: TrafficMatrix,
  regime: RoutingRegime,
  routing: EcmpRouting,
  opts = {},
) {
  const model = buildCustomerModel(topology, tm, { customersPerRouter: 1, candidates: 2, ...opts });
  const t0 = performance.now();
  const { formulation, solution: sol } = solveGraftMilp(topology, model, regime, {
    solver,
    routing,
    timeLimit: 120,
  });
  readAssignment(formulation, model, sol.values);
  const ms = performance.now() - t0;
  if (sol.status !== "optimal") console.error(`  ${regime}: status ${sol.status}, gap ${sol.gap}`);
  return ms;
}

// Abilene: real CFR-RL weights/capacities, real 5-minute TMs; 1 customer per router, 2 candidates.
{
  const { topology, tms, source } = abileneWeek();
  const routing = new EcmpRouting(topology);
  const jointStep = tms.length > 500 ? 12 : 1;
  const igpStep = tms.length > 500 ? 48 : 2;
  const joint = tms
    .filter((_, i) => i % jointStep === 0)
    .map((tm) => milpMs(topology, tm, "mcf", routing));
  const igp = tms
    .filter((_, i) => i % igpStep === 0)
    .map((tm) => milpMs(topology, tm, "igp", routing));
  console.error(
    `Abilene (${source}): joint MILP median over ${joint.length} TMs (every ${jointStep}th of the week), ` +
      `fixed-IGP MILP median over ${igp.length} TMs (every ${igpStep}th); 1 customer per router, 2 candidates`,
  );
  console.log(`BENCH abilene_joint_milp_median_ms ${median(joint).toFixed(1)} ms`);
  console.log(`BENCH abilene_igp_milp_ms ${median(igp).toFixed(1)} ms`);
}

if (!TE_PRESENT) {
  console.error(`${TE_DATA} absent: Cogentco and Kdl benchmarks not run`);
} else {
  // Cogentco (Repetita: 197 routers, 490 arcs, inverse-capacity weights, synthetic TM 0000).
  const topology = parseRepetitaGraph(
    fs.readFileSync(path.join(TE_DATA, "repetita/Cogentco.graph"), "utf8"),
  );
  const tm = parseRepetitaDemands(
    fs.readFileSync(path.join(TE_DATA, "repetita/Cogentco.0000.demands"), "utf8"),
    topology.routers.length,
  );
  const routing = new EcmpRouting(topology);
  const runs = [0, 1, 2].map(() => milpMs(topology, tm, "igp", routing, { movable: 80 }));
  console.error(
    "Cogentco fixed-IGP MILP: 1 customer per router, 2 candidates, 80 movable customers (most traffic); median of 3",
  );
  console.log(`BENCH cogentco_igp_milp_ms ${median(runs).toFixed(1)} ms`);

  // Kdl (754 routers): heuristic (local search) vs the MILP on the same model.
  const k = kdl();
  const kRouting = new EcmpRouting(k.topology);
  const model = buildCustomerModel(k.topology, k.tm, { candidates: 2, movable: 40 });
  const t0 = performance.now();
  const heur = planForModel(k.topology, model, {
    solver,
    routing: kRouting,
    regime: "igp",
    method: "local-search",
    skipMigration: true,
  });
  const heurMs = performance.now() - t0;
  const exact = planForModel(k.topology, model, {
    solver,
    routing: kRouting,
    regime: "igp",
    method: "milp",
    skipMigration: true,
    timeLimit: 300,
  });
  const gapPct = ((heur.mluAfter - exact.mluAfter) / exact.mluAfter) * 100;
  console.error(
    `Kdl: Teal capacities, Zoo coordinates, inverse-capacity weights, seeded gravity TM; 40 movable customers, ` +
      `2 candidates; local search MLU ${heur.mluAfter.toFixed(6)} vs MILP ${exact.mluAfter.toFixed(6)} ` +
      `(MILP status ${exact.status}, proven gap ${exact.gap}), before ${heur.mluBefore.toFixed(6)}`,
  );
  console.log(`BENCH kdl_heuristic_ms ${heurMs.toFixed(1)} ms`);
  console.log(`BENCH kdl_heuristic_gap_pct ${gapPct.toFixed(3)} %`);
}
