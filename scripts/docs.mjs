#!/usr/bin/env node
// `pnpm run docs`: the TypeDoc site of every package in docs/api. TypeDoc treats warnings (broken
// {@link} targets among them) as errors, so a broken TSDoc link fails the command.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const packages = existsSync(join(root, "packages"))
  ? readdirSync(join(root, "packages")).filter((n) =>
      existsSync(join(root, "packages", n, "package.json")),
    )
  : [];
if (packages.length === 0) {
  console.log("docs: no package yet; nothing to document.");
  process.exit(0);
}
const r = spawnSync("pnpm", ["exec", "typedoc"], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
