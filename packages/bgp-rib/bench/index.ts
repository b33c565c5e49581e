// Benchmarks for @dyninfra/bgp-rib on the real tables in ../shared/data/bgp.
// Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md); details go to stderr.
// Runs on the built package (dist), as users get it: `pnpm bench` builds first.
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { acceptAll, type IpPrefix, parsePrefix, Rib } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates, readTableDump } from "../test/mrt";
import { benchFib } from "./fib";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const mem = () => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const log = (s: string) => console.error(s);
log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")} (figures scale with the CPU share available)`,
);

const data = resolve(import.meta.dirname, "../../../../shared/data/bgp/ripe-ncc-bgpdump/test_data");
const FULL = resolve(data, "updates.et-header.2015.gz");
const RIS = resolve(data, "bview.20020722.2337.gz");
if (!existsSync(FULL) || !existsSync(RIS)) {
  console.error(
    `shared data absent (${data}): the benchmarks run only on the real tables; nothing measured`,
  );
  process.exit(0);
}

const router = { asn: 64500, bgpIdentifier: "10.0.0.1" };
const N = (peer: string, asn: number) => ({
  address: peer,
  asn,
  bgpIdentifier: peer,
  localAddress: "192.0.2.1",
  importPolicy: acceptAll,
  exportPolicy: acceptAll,
});
const IBGP = { address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" };

// ---------------------------------------------------------------- 578k full table
// Memory first, in a clean process state: the RIB alone (no FIB) after GC, input batches dropped.
const base = mem();
let full = readBgp4mpUpdates(FULL)[0]!;
const paths = full.updates.reduce(
  (n, u) => n + (u.announced?.reduce((k, a) => k + a.nlri.length, 0) ?? 0),
  0,
);
log(
  `full table: ${FULL}: peer ${full.peer} AS${full.peerAs}, ${full.updates.length} UPDATEs, ${paths} announcements`,
);
const peerAddr = full.peer;
const peerAs = full.peerAs;

function ingest(fib: boolean): { rib: Rib; ms: number; cpu: number } {
  const rib = new Rib({ ...router, fib });
  rib.addPeer(N(peerAddr, peerAs));
  rib.addPeer(IBGP);
  rib.peerUp(peerAddr);
  rib.peerUp(IBGP.address);
  const t0 = now();
  const c0 = cpuMs();
  for (const u of full.updates) rib.update(peerAddr, u);
  return { rib, ms: now() - t0, cpu: cpuMs() - c0 };
}
let kept: Rib | undefined = ingest(false).rib;
const stats = kept.stats();
full = { ...full, updates: [] };
const used = mem() - base;
log(
  `memory after GC: ${(used / 1e6).toFixed(1)} MB for ${stats.paths} paths, ${stats.attributeSets} attribute sets, Loc-RIB + Adj-RIB-Out to one iBGP peer, no FIB`,
);
console.log(`BENCH rib_bytes_per_path ${Math.round(used / stats.paths)} bytes`);

// ---------------------------------------------------------------- graft of the 578k session
{
  const A = kept;
  kept = undefined;
  const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9", fib: false });
  B.addPeer({ ...IBGP, address: "10.0.0.3", bgpIdentifier: "10.0.0.3" });
  B.peerUp("10.0.0.3");
  const t0 = now();
  const c0 = cpuMs();
  const snap = A.exportSession(peerAddr);
  const t1 = now();
  const imp = B.importSession(snap, { importPolicy: acceptAll, exportPolicy: acceptAll });
  const t2 = now();
  const rel = A.releaseSession(peerAddr);
  const t3 = now();
  const c3 = cpuMs();
  log(
    `graft CPU time: ${(c3 - c0).toFixed(0)} ms for export + import + release (all threads, GC included)`,
  );
  log(
    `graft: snapshot ${(snap.length / 1e6).toFixed(1)} MB; export ${(t1 - t0).toFixed(0)} ms, import+decision+diff ${(t2 - t1).toFixed(0)} ms (incremental update: ${imp.neighbor.withdrawn.length} withdrawn, ${imp.neighbor.announced.length} groups; ${imp.changes.locRib.length} Loc-RIB changes), release ${(t3 - t2).toFixed(0)} ms (${rel.locRib.length} Loc-RIB changes)`,
  );
  console.log(`BENCH graft_578k_ms ${Math.round(t2 - t0)} ms`);

  // ---------------------------------------------------------------- FIB (see bench/fib.ts)
  const entries: [IpPrefix, string][] = [...B.locRib()].map((r) => [
    parsePrefix(`${r.prefix.address}/${r.prefix.length}`),
    r.attributes.nextHop ?? "",
  ]);
  benchFib(entries);
}

// ---------------------------------------------------------------- ingest speed (input decoded again)
{
  full = readBgp4mpUpdates(FULL)[0]!;
  ingest(true); // warm-up
  let bestMs = 1e9;
  let bestCpu = 1e9;
  let last = "";
  for (let i = 0; i < 3; i++) {
    const r = ingest(true);
    bestMs = Math.min(bestMs, r.ms);
    bestCpu = Math.min(bestCpu, r.cpu);
    last = JSON.stringify(r.rib.stats());
  }
  log(
    `ingest 578k (decision, FIB, Adj-RIB-Out to 1 iBGP peer): best of 3 ${bestMs.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU (all threads, GC included); stats ${last}`,
  );
  // Per CPU second of the process (every thread, GC included): on this shared 2-core machine the
  // wall figure mostly measures the other jobs; both are printed.
  console.log(`BENCH rib_ingest_paths_per_s ${Math.round(paths / (bestCpu / 1000))} paths/s`);
  console.log(`BENCH rib_ingest_paths_per_wall_s ${Math.round(paths / (bestMs / 1000))} paths/s`);
  full = { ...full, updates: [] };
}

// ---------------------------------------------------------------- 115k entries x 36 peers
{
  const peers = readTableDump(RIS);
  const total = peers.reduce(
    (n, p) =>
      n +
      p.updates.reduce((k, u) => k + (u.announced?.reduce((j, a) => j + a.nlri.length, 0) ?? 0), 0),
    0,
  );
  let bestMs = 1e9;
  let bestCpu = 1e9;
  let stats2 = "";
  for (let round = 0; round < 3; round++) {
    const rib = new Rib({ ...router, decision: { deterministicMed: true } });
    for (const p of peers) rib.addPeer(N(p.peer, p.peerAs));
    rib.addPeer(IBGP);
    for (const a of rib.peerAddresses()) rib.peerUp(a);
    const t0 = now();
    const c0 = cpuMs();
    for (const p of peers) for (const u of p.updates) rib.update(p.peer, u);
    bestMs = Math.min(bestMs, now() - t0);
    bestCpu = Math.min(bestCpu, cpuMs() - c0);
    stats2 = JSON.stringify(rib.stats());
  }
  log(
    `RIS RIB ${RIS}: ${peers.length} peers, ${total} entries; best of 3 ${bestMs.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU; stats ${stats2}`,
  );
  console.log(
    `BENCH rib_ingest_36peers_paths_per_s ${Math.round(total / (bestCpu / 1000))} paths/s`,
  );
  console.log(
    `BENCH rib_ingest_36peers_paths_per_wall_s ${Math.round(total / (bestMs / 1000))} paths/s`,
  );
}
