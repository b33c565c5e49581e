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

/** The 578k-prefix full table of 2015 (one peer, BGP4MP_ET UPDATEs). */
export const FULL_TABLE = resolve(
  SHARED,
  "bgp/ripe-ncc-bgpdump/test_data/updates.et-header.2015.gz.bgpdump.txt.gz",
);

/** RIPE RIS updates of 2016-08-11 (IPv4 and IPv6, from the peers of an exchange). */
export const UPDATES_2016 = resolve(
  SHARED,
  "bgp/ripe-ncc-bgpdump/test_data/updates.20160811.1600.gz.bgpdump.txt.gz",
);

/**
 * Routes of one peer (`"*"`: every peer) from `bgpdump -m` output (RIB entries "B" and
 * announcements "A"), of one family (IPv4 by default), without AS_SETs, first announcement per
 * prefix. Default: peer 193.203.0.1 (AS1853, a near-full 2002 table) of the 2002 RIB dump.
 */
export function loadTable(file = TABLE, peer = "193.203.0.1", family: 4 | 6 = 4): TableRoute[] {
  const text = gunzipSync(readFileSync(file)).toString("utf8");
  const out: TableRoute[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const f = line.split("|");
    if (f.length < 12 || (f[2] !== "B" && f[2] !== "A") || (peer !== "*" && f[3] !== peer))
      continue;
    const prefix = f[5]!;
    if (prefix.includes(":") !== (family === 6) || f[6]!.includes("{") || seen.has(prefix))
      continue;
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
