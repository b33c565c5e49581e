// Benchmarks for @dyninfra/graft-planner. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import { GraftPlannerError } from "@dyninfra/graft-planner";

function measure(label: string, iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = iterations / seconds;
  console.error(`${label}: ${iterations} iterations in ${seconds.toFixed(3)} s`);
  return perSecond;
}

let sink = 0;
const rate = measure("construct errors", 200_000, (i) => {
  sink += new GraftPlannerError("X", "m", { offset: i }).code.length;
});
if (sink === 0) throw new Error("benchmark optimised away");
console.log(`BENCH graft_planner_errors_per_s ${Math.round(rate)} errors/s`);
