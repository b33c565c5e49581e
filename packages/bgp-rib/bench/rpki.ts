// Route Origin Validation on the full table: a VRP set built from the table itself (no public ROA
// archive is reachable here), then every route validated.
import {
  acceptAll,
  originAs,
  Rib,
  RoaTable,
  type Route,
  rejectInvalidOrigins,
  type Vrp,
} from "@dyninfra/bgp-rib";
import { cpuMs, log, now } from "./common";

/**
 * Prints `rpki_table_build_ms`, `rpki_validations_per_s` and the time to decide the routes again
 * after one VRP changed: `rpki_revalidate_one_vrp_ms` (`Rib.reevaluate`: the routes within the
 * VRP's prefix) beside `rpki_revalidate_all_ms` (`Rib.setPolicies`: every route). VRPs: about 55 % of the routes get
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

  // The table from one eBGP neighbour whose import policy rejects RPKI-invalid routes, then one
  // VRP changed (a /16's, naming another AS) and the routes decided again, both ways.
  const live = new RoaTable(vrps);
  const policy = rejectInvalidOrigins(live, { localAs: 64500 });
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", fib: false });
  const first = routes[0]!.attributes.asPath?.[0]?.asns[0] ?? 64501;
  rib.addPeer({
    address: "192.0.2.2",
    asn: first,
    bgpIdentifier: "192.0.2.2",
    importPolicy: policy,
    exportPolicy: acceptAll,
  });
  rib.peerUp("192.0.2.2");
  for (let i = 0; i < routes.length; i += 1000)
    rib.updateMany(
      "192.0.2.2",
      routes
        .slice(i, i + 1000)
        .map((r) => ({ announced: [{ attributes: r.attributes, nlri: [r.prefix] }] })),
    );
  const accepted = rib.adjRibInCount("192.0.2.2").accepted.ipv4;
  let oneMs = 1e9;
  let allMs = 1e9;
  let changes = "";
  for (let round = 0; round < 3; round++) {
    // /8s of the APNIC and AFRINIC regions, with many routes each.
    const vrp = { prefix: `${[41, 58, 101][round]}.0.0.0/8`, maxLength: 24, asn: 1 };
    live.add(vrp);
    const t0 = now();
    const c = rib.reevaluate("192.0.2.2", [vrp.prefix]);
    oneMs = Math.min(oneMs, now() - t0);
    changes += `${round > 0 ? ", " : ""}${vrp.prefix}: ${c.locRib.length}`;
    live.delete(vrp);
    const t1 = now();
    rib.setPolicies("192.0.2.2", { importPolicy: policy, exportPolicy: acceptAll });
    allMs = Math.min(allMs, now() - t1);
  }
  log(
    `RPKI revalidation: ${routes.length} routes from a reject-invalid neighbour (${accepted} IPv4 accepted); one VRP (a /8 for another AS) added: Rib.reevaluate of its prefix best of 3 ${oneMs.toFixed(0)} ms (Loc-RIB changes ${changes}); Rib.setPolicies (every route) ${allMs.toFixed(0)} ms`,
  );
  console.log(`BENCH rpki_revalidate_one_vrp_ms ${oneMs.toFixed(1)} ms`);
  console.log(`BENCH rpki_revalidate_all_ms ${allMs.toFixed(0)} ms`);
}
