// Where tests find real data: small fixtures in the package, the team's shared data beside the repo.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const packageDir = path.resolve(here, "..");
export const fixtures = path.join(packageDir, "fixtures");
export const sharedData = path.resolve(packageDir, "../../../shared/data");
export const nohypeData = path.join(sharedData, "nohype");
export const sharedPresent = existsSync(path.join(nohypeData, "hwloc"));
if (!sharedPresent) {
  console.warn(
    `vm-core-pinner: shared data not found at ${nohypeData}; only the bundled fixtures are tested`,
  );
}

/** Every hwloc XML of the shared data (v1, v2, v3, synthetic, local), as absolute paths. */
export function sharedHwlocXml(): string[] {
  if (!sharedPresent) return [];
  const out: string[] = [];
  for (const d of [
    "hwloc-tests-xml",
    "hwloc-tests-xml-v3-master",
    "synthetic",
    "local",
    "hwloc-tests-linux-sysfs",
  ]) {
    const dir = path.join(nohypeData, "hwloc", d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith(".xml")) out.push(path.join(dir, f));
  }
  return out.sort();
}

/** Every sysfs tarball of the shared data that has an lstopo console reference. */
export function sharedSysfsTarballs(): { tarball: string; console: string | null }[] {
  if (!sharedPresent) return [];
  const dir = path.join(nohypeData, "hwloc", "hwloc-tests-linux-sysfs");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".tar.bz2"))
    .sort()
    .map((f) => {
      const console = path.join(dir, f.replace(/\.tar\.bz2$/, ".console"));
      return { tarball: path.join(dir, f), console: existsSync(console) ? console : null };
    });
}
