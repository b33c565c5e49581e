// Benchmark of the NoHype host manager: 10 000 random start/stop events on the largest real
// topology of the shared data (hwloc 192em64t-12gr2n8c2t, 384 CPUs, 24 NUMA nodes), with the
// host-wide invariant checks after every event. Prints `BENCH <metric> <value> <unit>` lines.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  DATA_DIR,
  HOST_DMAR,
  hostConfigFrom,
  LARGEST_HWLOC,
  loadTenants,
  NoHypeHost,
  realHostConfig,
  runChurn,
} from "@dyninfra/example-nohype-host";

const events = Number(process.env.NOHYPE_CHURN_EVENTS ?? 10_000);
const vlans = [10, 20, 30];
const big = existsSync(LARGEST_HWLOC);
if (!big) console.error(`${LARGEST_HWLOC} absent: churn on the bundled SL390s G7 host instead`);
const host = big
  ? new NoHypeHost(
      hostConfigFrom(
        readFileSync(LARGEST_HWLOC, "utf8"),
        readFileSync(resolve(DATA_DIR, HOST_DMAR)),
        {
          name: "big",
          switchVlans: vlans,
        },
      ),
    )
  : (() => {
      const cfg = realHostConfig(loadTenants());
      return new NoHypeHost({ ...cfg, switchVlans: [...cfg.switchVlans, ...vlans] });
    })();
const cpu0 = process.cpuUsage();
const r = runChurn(host, { events, seed: 1, vlans });
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.error(
  `churn: ${r.events} events (${r.starts} starts, ${r.stops} stops, refusals ${JSON.stringify(r.refusals)}, up to ${r.maxRunning} VMs), ${r.violations} violations; checks: ${JSON.stringify(r.stats)}; ${cpuSeconds.toFixed(1)} CPU-s`,
);
if (r.violations > 0) process.exit(1);
console.log(`BENCH nohype_churn_events_per_s ${(r.events / r.seconds).toFixed(1)} events/s`);
console.log(`BENCH nohype_churn_wall_s ${r.seconds.toFixed(2)} s`);
