// `pnpm demo` (router grafting): runs the three scenarios on Abilene and writes
// out/router-grafting/summary.json and report.html. Usage:
//   tsx src/cli.ts [traffic-engineering|planned-maintenance|rehome-for-feature|all|full-table-graft]
//                  [--routes sample|full] [--prefixes N] [--no-reference] [--out DIR]
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { createSolver, planGrafts } from "@dyninfra/graft-planner";
import { buildScenario } from "./build";
import { loadAbilene, loadRoutes } from "./data";
import type { SettleProgress } from "./isp";
import { reportHtml } from "./report";
import type { ScenarioResult } from "./scenarios";
import {
  fullTableGraft,
  linkUtilisation,
  plannedMaintenance,
  rehomeForFeature,
  trafficEngineering,
} from "./scenarios";
import type { PlanInfo } from "./summary";
import { buildSummary } from "./summary";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    routes: { type: "string", default: "sample" },
    "no-reference": { type: "boolean", default: false },
    out: { type: "string" },
    "gain-samples": { type: "string", default: "24" },
    prefixes: { type: "string" },
  },
});
// The full table (36 RIBs of 578k prefixes: ~5 GiB of JS heap live, as much again in typed
// arrays) needs a larger V8 heap than Node's default (~4 GiB), near which it would spend its time
// collecting garbage: run again with a larger one unless the caller gave one.
const heapMiB = Math.min(10_240, Math.floor((totalmem() / 2 ** 20) * 0.5));
if (
  values.routes === "full" &&
  values.prefixes === undefined &&
  getHeapStatistics().heap_size_limit < 6 * 2 ** 30 &&
  process.env.ROUTER_GRAFTING_HEAP === undefined
) {
  process.stderr.write(`  --routes full: running with a ${heapMiB} MiB V8 heap\n`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${heapMiB}`, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, ROUTER_GRAFTING_HEAP: String(heapMiB) } },
  );
  process.exit(child.status ?? 1);
}
const which = positionals[0] ?? "all";
const known = [
  "traffic-engineering",
  "planned-maintenance",
  "rehome-for-feature",
  "full-table-graft",
  "all",
];
if (!known.includes(which)) {
  console.error(`unknown scenario ${which}; one of ${known.join(", ")}`);
  process.exit(2);
}
const out = resolve(values.out ?? resolve(import.meta.dirname, "../../../out/router-grafting"));
mkdirSync(out, { recursive: true });

const started = performance.now();
const bar = (done: number, total: number) => {
  const n = Math.round((done / Math.max(1, total)) * 20);
  return `[${"#".repeat(n)}${".".repeat(20 - n)}]`;
};
const progress = (msg: string) =>
  process.stderr.write(`\n  ${((performance.now() - started) / 1000).toFixed(1)}s ${msg}\n`);

// A progress line for long runs (the full table takes minutes to start): routes held by all the
// routers, the virtual time, wall time and resident memory, rewritten in place.
const memory = () => {
  const m = process.memoryUsage();
  return `RSS ${(m.rss / 2 ** 30).toFixed(2)} GiB (JS heap ${(m.heapUsed / 2 ** 30).toFixed(2)}, buffers ${(m.arrayBuffers / 2 ** 30).toFixed(2)})`;
};
const onSettleProgress = (p: SettleProgress) =>
  process.stderr.write(
    `\r  ${((performance.now() - started) / 1000).toFixed(0)}s ${p.phase}: paths ${p.routers.toLocaleString("en")} in the routers, ${p.customers.toLocaleString("en")} in the customers; virtual ${(p.virtualUs / 1e6).toFixed(2)} s; ${memory()}   `,
  );
const abilene = loadAbilene();
const limit = values.prefixes === undefined ? undefined : Number(values.prefixes);
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
  console.error(`--prefixes ${values.prefixes}: expected a positive integer`);
  process.exit(2);
}
const routes = loadRoutes(values.routes === "full", limit);
const scenario = buildScenario(abilene, routes);
console.log(
  `Abilene: ${abilene.topology.routers.length} routers, ${abilene.topology.links.length} links, ${abilene.tms.length} TMs (busiest #${abilene.busiest}); ${scenario.specs.length} customers announcing ${routes.routes.length} real prefixes, ${routes.churn.length} real churn events`,
);
console.log(`customer model: ${scenario.model.description}`);

const results: ScenarioResult[] = [];
let before: Float64Array = new Float64Array(abilene.topology.links.length);
let after: Float64Array = before;
let mluAchieved: number | undefined;
let planInfo: PlanInfo | undefined;
if (which === "all" || which === "traffic-engineering") {
  progress("scenario 1: traffic engineering");
  const r = await trafficEngineering(scenario, {
    reference: !values["no-reference"],
    onProgress: progress,
    onSettleProgress,
  });
  results.push(r);
  const home = Int32Array.from(scenario.model.customers.map((c) => c.home));
  before = linkUtilisation(scenario, home);
  after = linkUtilisation(scenario, r.plan.assignment);
  mluAchieved = r.mluAchieved;
  planInfo = {
    mluBefore: r.plan.mluBefore,
    mluAfter: r.plan.mluAfter,
    gain: r.plan.gain,
    gap: r.plan.gap,
    grafts: r.plan.grafts,
    migrationFeasible: r.plan.migration?.feasible ?? null,
    mluAchieved: r.mluAchieved,
  };
}
if (which === "all" || which === "planned-maintenance") {
  progress("scenario 2: planned maintenance");
  // The router with the most customers that can move elsewhere.
  const counts = abilene.topology.routers.map(
    (_, i) => scenario.specs.filter((s) => s.home === i && s.candidates.length > 1).length,
  );
  const router = counts.indexOf(Math.max(...counts));
  results.push(
    await plannedMaintenance(scenario, router, { onProgress: progress, onSettleProgress }),
  );
}
if (which === "all" || which === "rehome-for-feature") {
  progress("scenario 3: re-homing for a feature");
  // Only WASHng runs the (hypothetical) new line-card feature.
  results.push(
    await rehomeForFeature(
      scenario,
      { name: "a line card with MACsec", routers: [11] },
      { onProgress: progress, onSettleProgress },
    ),
  );
}

if (which === "full-table-graft") {
  // Not in "all": the smallest scenario grafting a session that carries a whole table.
  progress("full-table graft: two routers, a transit session carrying the table");
  results.push(
    await fullTableGraft(abilene, routes, {
      reference: !values["no-reference"],
      onProgress: progress,
      onSettleProgress,
    }),
  );
}

// The planner's gain over the week (sampled intervals, warm solver).
const samples = Math.max(0, Number(values["gain-samples"]));
const gains: { interval: number; gain: number }[] = [];
if (samples > 0) {
  const solver = await createSolver();
  for (let k = 0; k < samples; k++) {
    const interval = Math.floor((k * abilene.tms.length) / samples);
    const p = await planGrafts(abilene.topology, abilene.tms[interval]!, {
      customersPerRouter: 2,
      candidates: 2,
      seed: 1,
      solver,
      skipMigration: true,
      timeLimit: 10,
    });
    gains.push({ interval, gain: p.gain });
    process.stderr.write(`\r  planner over the week ${bar(k + 1, samples)} ${k + 1}/${samples}`);
  }
  process.stderr.write("\n");
}

const all = results.flatMap((r) => r.grafts);
const summary = buildSummary({
  abilene,
  routes,
  customerModel: scenario.model.description,
  results,
  plan: planInfo,
  gains,
  mluAchieved,
});
writeFileSync(resolve(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(
  resolve(out, "report.html"),
  reportHtml({ topology: abilene.topology, before, after, results, gains, summary }),
);

console.log("");
console.log(
  "scenario               grafts  sessions  NOTIF  new OPEN  UPDATEs sent/recv  lost dark/other  RIB=ref",
);
for (const s of summary.scenarios) {
  console.log(
    `${s.name.padEnd(22)} ${String(s.grafts).padStart(6)}  ${s.sessionsEstablished.padStart(8)}  ${String(s.notifications).padStart(5)}  ${String(s.newOpens).padStart(8)}  ${`${s.updatesSent}/${s.updatesReceived}`.padStart(17)}  ${`${s.dataPacketsLostInDarkInterval}/${s.dataPacketsDroppedOutsideDarkInterval}`.padStart(15)}  ${s.ribsMatchReference === null ? "—" : s.ribsMatchReference ? "yes" : "NO"}`,
  );
}
if (planInfo !== undefined)
  console.log(
    `planner: MLU ${summary.plan!.mluBefore.toFixed(3)} → ${summary.plan!.mluAfter.toFixed(3)} (gain ${(summary.plan!.gain * 100).toFixed(1)} %), achieved after grafting ${mluAchieved?.toFixed(3)}`,
  );
console.log(
  `incremental vs full: ${all.reduce((n, g) => n + g.incrementalPrefixes, 0)} vs ${all.reduce((n, g) => n + g.fullTablePrefixes, 0)} prefixes over ${all.length} grafts`,
);
console.log(
  "\ngraft                 routes in/out  bg virt ms  export+import ms  journal (in/out)  freeze virt ms  replay+decision ms  incr",
);
for (const g of summary.grafts) {
  console.log(
    `${`${g.customer} ${g.from}→${g.to}`.padEnd(21)} ${`${g.sessionRoutes}/${g.advertisedRoutes}`.padStart(14)}  ${g.backgroundVirtualMs.toFixed(1).padStart(10)}  ${(g.exportMs + g.importMs).toFixed(1).padStart(16)}  ${`${g.journalReplayed} (${g.journalIn}/${g.journalOut})`.padStart(16)}  ${g.freezeWindowVirtualMs.toFixed(1).padStart(14)}  ${g.replayAndDecisionMs.toFixed(1).padStart(18)}  ${String(g.incrementalPrefixes).padStart(4)}`,
  );
}
console.log(
  `wrote ${resolve(out, "summary.json")} and ${resolve(out, "report.html")} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
const bad = summary.scenarios.some(
  (s) =>
    s.sessionsReset > 0 ||
    s.notifications > 0 ||
    s.newOpens > 0 ||
    s.customerViewMismatches > 0 ||
    s.dataPacketsDroppedOutsideDarkInterval > 0 ||
    s.ribsMatchReference === false,
);
if (bad) {
  console.error("router-grafting: a claim failed (see the table above)");
  process.exitCode = 1;
}
