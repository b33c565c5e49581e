// Ingest benchmarks for @dyninfra/bgp-rib, run by bench/index.ts in a process of their own: the
// sections before them (memory, graft, FIB) leave a large, fragmented heap behind that doubles
// the garbage collector's share of the ingest figures.
// Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md); details go to stderr.
// Runs on the built package (dist), as users get it: `pnpm bench` builds first.
import { Rib } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates, readTableDump } from "../test/mrt";
import {
  announcements,
  cpuMs,
  FULL,
  IBGP,
  ingest,
  log,
  N,
  now,
  RIS,
  router,
  start,
} from "./common";

start();

let full = readBgp4mpUpdates(FULL)[0]!;
const paths = announcements(full.updates);

// ---------------------------------------------------------------- ingest speed (input decoded again)
{
  ingest(full, true); // warm-up
  let bestMs = 1e9;
  let bestCpu = 1e9;
  let last = "";
  for (let i = 0; i < 3; i++) {
    const r = ingest(full, true);
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
