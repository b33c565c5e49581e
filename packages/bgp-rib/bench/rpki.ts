// Route Origin Validation on the full table: a VRP set built from the table itself (no public ROA
// archive is reachable here), then every route validated.
import { originAs, RoaTable, type Route, type Vrp } from "@dyninfra/bgp-rib";
import { cpuMs, log, now } from "./common";

/**
 * Prints `rpki_table_build_ms` and `rpki_validations_per_s`. VRPs: about 55 % of the routes get
 * one for their own prefix and origin (a third of them with a maxLength 2 longer), 5 % one naming
 * another AS — roughly the coverage and invalid share seen on the Internet in the 2020s — so the
 * three outcomes all occur.
 */
export function benchRpki(routes: readonly Route[]): void {
  const vrps: Vrp[] = [];
  const queries: { prefix: string; origin: number | undefined }[] = [];
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const prefix = `${r.prefix.address}/${r.prefix.length}`;
    const origin = originAs(r.attributes.asPath);
    queries.push({ prefix, origin });
    const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    const bucket = h % 100;
    if (origin === undefined || bucket >= 60) continue;
    const max = r.prefix.afi === 1 ? 32 : 128;
    vrps.push({
      prefix,
      maxLength: h % 3 === 0 ? Math.min(max, r.prefix.length + 2) : r.prefix.length,
      asn: bucket < 55 ? origin : origin + 1,
    });
  }
  const t0 = now();
  const table = new RoaTable(vrps);
  const buildMs = now() - t0;
  const counts = { valid: 0, invalid: 0, "not-found": 0 };
  let best = 1e9;
  for (let round = 0; round < 3; round++) {
    counts.valid = counts.invalid = counts["not-found"] = 0;
    const c0 = cpuMs();
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      counts[table.validate(q.prefix, q.origin)]++;
    }
    best = Math.min(best, cpuMs() - c0);
  }
  log(
    `RPKI: ${table.size} VRPs built in ${buildMs.toFixed(0)} ms; ${queries.length} routes validated (prefix as text) best of 3 ${best.toFixed(0)} ms CPU: ${JSON.stringify(counts)}`,
  );
  console.log(`BENCH rpki_table_build_ms ${buildMs.toFixed(0)} ms`);
  console.log(
    `BENCH rpki_validations_per_s ${Math.round(queries.length / (best / 1000))} validations/s`,
  );
}
