// `pnpm demo` (NoHype host): builds the real host (SL390s G7 topology, X8DTT DMAR, 82599), starts
// the tenants of data/tenants.json, checks every invariant after each event, runs the attack
// scenarios, and writes out/nohype-host/{<vm>.xml, host.txt, report.html, summary.json}. Usage:
//   tsx src/cli.ts [--tenants FILE] [--out DIR] [--churn N]   (N churn events, default 10000; 0 skips)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type ChurnSummary, runChurn } from "./churn";
import {
  DATA_DIR,
  HOST_DMAR,
  hostConfigFrom,
  LARGEST_HWLOC,
  loadTenants,
  realHostConfig,
} from "./data";
import { runDemo } from "./demo";
import { NoHypeHost } from "./host";

const { values } = parseArgs({
  options: {
    tenants: { type: "string" },
    out: { type: "string" },
    churn: { type: "string", default: "10000" },
  },
});
const out = resolve(values.out ?? resolve(import.meta.dirname, "../../../out/nohype-host"));
mkdirSync(out, { recursive: true });
const tenants = loadTenants(values.tenants ?? resolve(DATA_DIR, "tenants.json"));

let churn: ChurnSummary | undefined;
const churnEvents = Number(values.churn);
if (!Number.isInteger(churnEvents) || churnEvents < 0) {
  console.error(`--churn: expected a number of events (0 to skip), got ${values.churn}`);
  process.exit(2);
}
if (churnEvents > 0 && existsSync(LARGEST_HWLOC)) {
  const vlans = [10, 20, 30];
  const big = new NoHypeHost(
    hostConfigFrom(
      readFileSync(LARGEST_HWLOC, "utf8"),
      readFileSync(resolve(DATA_DIR, HOST_DMAR)),
      {
        name: "hwloc-192em64t",
        switchVlans: vlans,
        source: "192em64t-12gr2n8c2t.xml",
      },
    ),
  );
  const r = runChurn(big, { events: churnEvents, vlans });
  churn = {
    events: r.events,
    seconds: r.seconds,
    violations: r.violations,
    topology: `192em64t-12gr2n8c2t (${big.topology.cpus.length} CPUs, ${big.topology.numaNodes.length} NUMA nodes)`,
    starts: r.starts,
    stops: r.stops,
    refusals: r.refusals,
    maxRunning: r.maxRunning,
    checks: r.stats,
  };
  console.log(
    `churn: ${r.events} events (${r.starts} starts, ${r.stops} stops, refusals ${JSON.stringify(r.refusals)}, up to ${r.maxRunning} VMs) on ${churn.topology}, checks after each: ${r.violations} violations, ${r.seconds.toFixed(2)} s wall (${(r.events / r.seconds).toFixed(1)} events/s)`,
  );
} else if (churnEvents > 0) {
  console.warn(`churn skipped: ${LARGEST_HWLOC} absent (shared data not beside the repository)`);
}

const r = runDemo(realHostConfig(tenants), tenants, churn ? { churn } : {});
for (const [name, text] of Object.entries(r.files)) writeFileSync(resolve(out, name), text);
console.log(
  `NoHype host ${r.host.config.name}: ${r.host.topology.cpus.length} CPUs, housekeeping ${r.host.housekeeping.join(",")}`,
);
process.stdout.write(r.table);
for (const x of r.refused) console.log(`refused ${x.tenant}: ${x.stage}: ${x.reason}`);
const bad = r.checks.filter((c) => c.violations.length > 0);
console.log(`invariants: ${r.checks.length} events checked, ${bad.length} with violations`);
for (const a of r.attacks)
  console.log(
    `${a.refused ? "refused" : "NOT REFUSED"}  ${a.attack} — ${a.mechanism}: ${a.reason}`,
  );
if (r.domainProblems.length > 0)
  console.log(`domain XML problems: ${JSON.stringify(r.domainProblems)}`);
console.log(`wrote ${Object.keys(r.files).length} files to ${out}`);
if (
  bad.length > 0 ||
  r.attacks.some((a) => !a.refused) ||
  r.domainProblems.length > 0 ||
  (churn?.violations ?? 0) > 0
)
  process.exit(1);
