#!/usr/bin/env node
// `pnpm test:interop`: runs the `test:interop` script of every package that has one (tests that
// need root, network namespaces and real daemons), one package at a time.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const withInterop = [];
for (const group of ["packages", "examples"]) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base).sort()) {
    const manifest = join(base, name, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    if (pkg.scripts?.["test:interop"]) withInterop.push(pkg.name);
  }
}
if (withInterop.length === 0) {
  console.log("test:interop: no package has interop tests yet.");
  process.exit(0);
}
const filters = withInterop.flatMap((n) => ["--filter", n]);
const r = spawnSync(
  "pnpm",
  ["exec", "turbo", "run", "test:interop", "--concurrency=1", ...filters],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(r.status ?? 1);
