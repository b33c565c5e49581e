// Benchmark of the router-grafting example: one traffic-engineering run on the bundled data.
// Prints `BENCH <metric> <value> <unit>` lines: wall time of the grafts' routing work and of the
// whole run, and the virtual freeze window per graft.
import {
  buildScenario,
  loadAbilene,
  loadRoutes,
  trafficEngineering,
} from "@dyninfra/example-router-grafting";

const scenario = buildScenario(loadAbilene(), loadRoutes());
const t0 = performance.now();
const r = await trafficEngineering(scenario);
const wall = (performance.now() - t0) / 1000;
const n = Math.max(1, r.grafts.length);
const mean = (f: (g: (typeof r.grafts)[number]) => number) =>
  r.grafts.reduce((s, g) => s + f(g), 0) / n;
console.error(
  `${r.grafts.length} grafts in ${wall.toFixed(1)} s wall, ${r.virtualSeconds.toFixed(2)} s virtual`,
);
console.log(
  `BENCH graft_routing_ms ${mean((g) => g.exportMs + g.importMs + g.freezeMs + g.resumeMs + g.releaseMs).toFixed(2)} ms`,
);
console.log(
  `BENCH graft_background_routing_ms ${mean((g) => g.exportMs + g.importMs).toFixed(2)} ms`,
);
console.log(
  `BENCH graft_freeze_routing_ms ${mean((g) => g.freezeMs + g.resumeMs + g.releaseMs).toFixed(2)} ms`,
);
console.log(`BENCH graft_journal_replayed ${mean((g) => g.journalReplayed).toFixed(1)} entries`);
console.log(
  `BENCH graft_freeze_window_virtual_ms ${mean((g) => (g.resumedUs - g.bgpFrozenUs) / 1000).toFixed(2)} ms`,
);
console.log(`BENCH te_scenario_wall_s ${wall.toFixed(2)} s`);
