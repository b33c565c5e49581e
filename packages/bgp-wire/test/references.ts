// Test helper: MRT files with their `bgpdump -m` reference output (fixtures and shared data).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";

export const FIXTURES = path.resolve(__dirname, "../fixtures/mrt");
export const SHARED = path.resolve(__dirname, "../../../../shared/data/bgp");
export const sharedPresent = existsSync(SHARED);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** MRT files under `root` that have a reference parse beside them. */
export function mrtWithReferences(root: string): { file: string; name: string }[] {
  if (!existsSync(root)) return [];
  return walk(root)
    .filter((f) => existsSync(`${f}.bgpdump.txt`) || existsSync(`${f}.bgpdump.txt.gz`))
    .map((file) => ({ file, name: path.relative(root, file) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function reference(file: string): string {
  if (existsSync(`${file}.bgpdump.txt`)) return readFileSync(`${file}.bgpdump.txt`, "latin1");
  return gunzipSync(readFileSync(`${file}.bgpdump.txt.gz`)).toString("latin1");
}
