// Real routes for the interop tests: one peer's table from a RIPE RIS RIB dump, read from the
// `bgpdump -m` reference output that sits beside the MRT file in the shared data.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";

export const SHARED = resolve(import.meta.dirname, "../../../../../shared/data");
export const TABLE = resolve(
  SHARED,
  "bgp/ripe-ncc-bgpdump/test_data/bview.20020722.2337.gz.bgpdump.txt.gz",
);
export const tablePresent = existsSync(TABLE);

export interface TableRoute {
  readonly prefix: string;
  readonly asPath: number[];
  readonly origin: "IGP" | "EGP" | "INCOMPLETE";
  readonly med: number;
  readonly communities: string[];
}

/** The routes of peer 193.203.0.1 (AS1853, a near-full 2002 table) without AS_SETs. */
export function loadTable(): TableRoute[] {
  const text = gunzipSync(readFileSync(TABLE)).toString("utf8");
  const out: TableRoute[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const f = line.split("|");
    if (f.length < 12 || f[3] !== "193.203.0.1") continue;
    const prefix = f[5]!;
    if (prefix.includes(":") || f[6]!.includes("{") || seen.has(prefix)) continue;
    seen.add(prefix);
    out.push({
      prefix,
      asPath: f[6]!.split(" ").filter(Boolean).map(Number),
      origin: f[7] as TableRoute["origin"],
      med: Number(f[10] || 0),
      communities: f[11]!.split(" ").filter(Boolean),
    });
  }
  return out;
}
