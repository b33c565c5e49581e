// Test helpers: locations of fixtures and of the shared data set (not exported by the package).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package directory. */
export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** ../shared/data/te beside the repository (CI clones the repo beside a copy of shared/). */
export const TE_DATA = path.resolve(PACKAGE_DIR, "../../../shared/data/te");
/** Whether the shared TE data set is present. */
export const TE_PRESENT = fs.existsSync(path.join(TE_DATA, "MANIFEST.md"));

/** Reads a fixture file of this package. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(PACKAGE_DIR, "fixtures", name), "utf8");
}

/** Reads a file of the shared TE data set. */
export function teData(name: string): string {
  return fs.readFileSync(path.join(TE_DATA, name), "utf8");
}

/** Warns once that a data-dependent suite is skipped. */
export function warnAbsent(what: string): void {
  if (!TE_PRESENT) console.warn(`[graft-planner] ${TE_DATA} is absent: ${what} tests are not run`);
}
