#!/usr/bin/env node
// `pnpm demo`: builds what the examples need and runs each example system in order, writing
// their outputs under out/<example>/. Examples without a `demo` script are listed as planned.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const order = ["router-grafting", "nohype-host"];
const ready = order.filter((name) => {
  const manifest = join(root, "examples", name, "package.json");
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).scripts?.demo;
});
for (const name of order) {
  if (!ready.includes(name))
    console.log(`demo: examples/${name} is not built yet; it will run here.`);
}
if (ready.length === 0) {
  console.log("demo: no example system exists yet. Planned, in this order:");
  console.log("  1. examples/router-grafting: grafting eBGP sessions on real Abilene data");
  console.log("  2. examples/nohype-host: a NoHype host manager on a real two-socket server");
  process.exit(0);
}
const run = (cmd, args) => {
  console.log(`demo: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const filters = ready.flatMap((n) => ["--filter", `@dyninfra/example-${n}...`]);
run("pnpm", ["exec", "turbo", "run", "build", ...filters, "--output-logs=errors-only"]);
for (const name of ready) run("pnpm", ["--filter", `@dyninfra/example-${name}`, "run", "demo"]);
