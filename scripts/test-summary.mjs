#!/usr/bin/env node
// Adds up the vitest JSON reports of every package and example (written by `pnpm test`, restored
// by turbo's cache) and prints one closing line: "Tests: N passed, N failed". Exits non-zero when a
// test failed, when a package left no report, or when packages exist but no test ran.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
let packages = 0;
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const group of ["packages", "examples"]) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base).sort()) {
    if (!existsSync(join(base, name, "package.json"))) continue;
    packages += 1;
    const file = join(base, name, ".vitest", "results.json");
    if (!existsSync(file)) {
      console.log(`${group}/${name}: no test report (.vitest/results.json)`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    rows.push(`${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  }
}
for (const row of rows) console.log(row);
if (skipped > 0) console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
else console.log(`Tests: ${passed} passed, ${failed} failed`);
// A workspace with packages but no passing test has not tested anything.
if (failed > 0 || (packages > 0 && passed === 0)) process.exit(1);
