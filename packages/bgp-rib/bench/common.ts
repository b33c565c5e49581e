// What bench/index.ts and bench/ingest.ts share: clocks, the real tables, the router and its peers.
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { acceptAll, Rib, type RibUpdate } from "@dyninfra/bgp-rib";

/** Wall clock, ms. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;
/** CPU time of the process (every thread, GC included), ms. */
export const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
export const log = (s: string): void => console.error(s);

const data = resolve(import.meta.dirname, "../../../../shared/data/bgp/ripe-ncc-bgpdump/test_data");
/** The 2015 full table: one peer, 577,737 announcements. */
export const FULL = resolve(data, "updates.et-header.2015.gz");
/** RIS 2002: 115,521 entries from 36 peers. */
export const RIS = resolve(data, "bview.20020722.2337.gz");

/** Logs the load average; exits (successfully, saying why) when the shared tables are absent. */
export function start(): void {
  log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} (figures scale with the CPU share available)`,
  );
  if (!existsSync(FULL) || !existsSync(RIS)) {
    console.error(
      `shared data absent (${data}): the benchmarks run only on the real tables; nothing measured`,
    );
    process.exit(0);
  }
}

export const router = { asn: 64500, bgpIdentifier: "10.0.0.1" };
/** An eBGP neighbour accepting and sending everything. */
export const N = (peer: string, asn: number) => ({
  address: peer,
  asn,
  bgpIdentifier: peer,
  localAddress: "192.0.2.1",
  importPolicy: acceptAll,
  exportPolicy: acceptAll,
});
export const IBGP = { address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" };

/** Announced prefixes in a list of batches. */
export const announcements = (updates: readonly RibUpdate[]): number =>
  updates.reduce((n, u) => n + (u.announced?.reduce((k, a) => k + a.nlri.length, 0) ?? 0), 0);

/** A RIB with the table's peer and one iBGP neighbour, fed the whole table; wall and CPU ms. */
export function ingest(
  table: { peer: string; peerAs: number; updates: readonly RibUpdate[] },
  fib: boolean,
): { rib: Rib; ms: number; cpu: number } {
  const rib = new Rib({ ...router, fib });
  rib.addPeer(N(table.peer, table.peerAs));
  rib.addPeer(IBGP);
  rib.peerUp(table.peer);
  rib.peerUp(IBGP.address);
  const t0 = now();
  const c0 = cpuMs();
  for (const u of table.updates) rib.update(table.peer, u);
  return { rib, ms: now() - t0, cpu: cpuMs() - c0 };
}
