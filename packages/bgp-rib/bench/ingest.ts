// Ingest benchmarks for @dyninfra/bgp-rib, run by bench/index.ts in a process of their own: the
// sections before them (memory, graft, FIB) leave a large, fragmented heap behind that doubles
// the garbage collector's share of the ingest figures.
// Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md); details go to stderr.
// Runs on the built package (dist), as users get it: `pnpm bench` builds first.
import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks, readBgp4mpUpdates, readTableDump } from "../test/mrt";
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

// ---------------------------------------------------------------- ingest speed, streamed
// As a speaker meets it: UPDATEs decoded a socket read at a time (outside the clocks; 512 UPDATEs
// is ~64 KB of this table, Node's read size), so that only the messages in flight are held besides
// the RIB. Decoding the whole file first (below) keeps ~100 MB of decoded input alive, which every
// garbage collection then traces again: a cost of the harness, not of the RIB, printed separately.
// Two ways to hand them over: `update` per UPDATE (a change set each: the headline figure), and
// `updateMany` per read (one decision and export pass per read, as `@dyninfra/bgp-speaker` does).
const READ = 512;
for (const mode of ["update", "updateMany"] as const) {
  // Into a new RIB, or (`into`) again into one that has the table: a route refresh, or a session
  // re-established with its routes kept (graceful restart), resends the table and changes nothing.
  const stream = (into?: Rib): { rib: Rib; ms: number; cpu: number; paths: number } => {
    const rib = into ?? new Rib({ ...router, fib: true });
    let ms = 0;
    let cpu = 0;
    let n = 0;
    for (const chunk of bgp4mpUpdateChunks(FULL, READ)) {
      if (n === 0 && into === undefined) {
        rib.addPeer(N(chunk[0]!.peer, chunk[0]!.peerAs));
        rib.peerUp(chunk[0]!.peer);
        rib.addPeer(IBGP);
        rib.peerUp(IBGP.address);
      }
      const peer = chunk[0]!.peer;
      const updates = chunk.map((e) => e.update);
      if (chunk.some((e) => e.peer !== peer)) throw new Error("one peer expected");
      const t0 = now();
      const c0 = cpuMs();
      if (mode === "update") for (let i = 0; i < updates.length; i++) rib.update(peer, updates[i]!);
      else rib.updateMany(peer, updates);
      ms += now() - t0;
      cpu += cpuMs() - c0;
      n += announcements(updates);
    }
    return { rib, ms, cpu, paths: n };
  };
  stream(); // warm-up
  let bestMs = 1e9;
  let bestCpu = 1e9;
  let paths = 0;
  let last = "";
  let full: Rib | undefined;
  for (let i = 0; i < 3; i++) {
    const r = stream();
    bestMs = Math.min(bestMs, r.ms);
    bestCpu = Math.min(bestCpu, r.cpu);
    paths = r.paths;
    last = JSON.stringify(r.rib.stats());
    full = r.rib;
  }
  log(
    `ingest 578k streamed with ${mode} (decision, FIB, Adj-RIB-Out to 1 iBGP peer; UPDATEs decoded ${READ} at a time outside the clocks): best of 3 ${bestMs.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU (all threads, GC included); stats ${last}`,
  );
  // Per CPU second of the process (every thread, GC included): on this shared 2-core machine the
  // wall figure mostly measures the other jobs; both are printed.
  const name = mode === "update" ? "rib_ingest" : "rib_ingest_batched";
  console.log(`BENCH ${name}_paths_per_s ${Math.round(paths / (bestCpu / 1000))} paths/s`);
  console.log(`BENCH ${name}_paths_per_wall_s ${Math.round(paths / (bestMs / 1000))} paths/s`);
  // The same table sent again (nothing changes: every UPDATE repeats a route the RIB has).
  let refreshMs = 1e9;
  let refreshCpu = 1e9;
  for (let i = 0; i < 3; i++) {
    const r = stream(full);
    refreshMs = Math.min(refreshMs, r.ms);
    refreshCpu = Math.min(refreshCpu, r.cpu);
  }
  log(
    `the same table again into that RIB with ${mode} (a route refresh: nothing changes): best of 3 ${refreshMs.toFixed(0)} ms wall, ${refreshCpu.toFixed(0)} ms CPU; stats ${JSON.stringify(full!.stats())}`,
  );
  const refresh = mode === "update" ? "rib_refresh" : "rib_refresh_batched";
  console.log(`BENCH ${refresh}_paths_per_s ${Math.round(paths / (refreshCpu / 1000))} paths/s`);
  console.log(
    `BENCH ${refresh}_paths_per_wall_s ${Math.round(paths / (refreshMs / 1000))} paths/s`,
  );
  full = undefined;
}

// ---------------------------------------------------------------- ingest speed, input preloaded
{
  let full = readBgp4mpUpdates(FULL)[0]!;
  const paths = announcements(full.updates);
  let bestMs = 1e9;
  let bestCpu = 1e9;
  for (let i = 0; i < 3; i++) {
    const r = ingest(full, true);
    bestMs = Math.min(bestMs, r.ms);
    bestCpu = Math.min(bestCpu, r.cpu);
  }
  log(
    `ingest 578k with the whole file decoded beforehand (as before): best of 3 ${bestMs.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU`,
  );
  console.log(
    `BENCH rib_ingest_preloaded_paths_per_s ${Math.round(paths / (bestCpu / 1000))} paths/s`,
  );
  full = { ...full, updates: [] };
}

// ---------------------------------------------------------------- 115k entries x 36 peers
// A round is a fifth of a full table, so one warm-up round leaves much of the code still being
// optimised (best-of-3 figures here were 30–40% below later rounds): a warm-up round, then the
// best of 5 — about the work of the full-table figures' warm-up and best of 3.
for (const multipath of [false, true]) {
  const peers = readTableDump(RIS);
  const total = peers.reduce(
    (n, p) =>
      n +
      p.updates.reduce((k, u) => k + (u.announced?.reduce((j, a) => j + a.nlri.length, 0) ?? 0), 0),
    0,
  );
  // With multipath: up to 8 routes per prefix, AS_PATHs of equal length (the most a route
  // collector's peers can tie on), so that the cost of the multipath choice shows.
  const decision = multipath
    ? { deterministicMed: true, maximumPaths: 8, multipathRelax: true }
    : { deterministicMed: true };
  const round = (): { rib: Rib; ms: number; cpu: number } => {
    const rib = new Rib({ ...router, decision });
    for (const p of peers) rib.addPeer(N(p.peer, p.peerAs));
    rib.addPeer(IBGP);
    for (const a of rib.peerAddresses()) rib.peerUp(a);
    const t0 = now();
    const c0 = cpuMs();
    for (const p of peers) for (const u of p.updates) rib.update(p.peer, u);
    return { rib, ms: now() - t0, cpu: cpuMs() - c0 };
  };
  round(); // warm-up
  let bestMs = 1e9;
  let bestCpu = 1e9;
  let stats2 = "";
  for (let i = 0; i < 5; i++) {
    const { rib, ms, cpu } = round();
    bestMs = Math.min(bestMs, ms);
    bestCpu = Math.min(bestCpu, cpu);
    stats2 = JSON.stringify(rib.stats());
    if (multipath) {
      let sets = 0;
      let routes = 0;
      for (const r of rib.locRib()) {
        const n = rib.multipath(r.prefix).length;
        if (n > 1) {
          sets++;
          routes += n;
        }
      }
      stats2 += `; ${sets} prefixes forwarded over several routes (${routes} routes)`;
    }
  }
  log(
    `RIS RIB ${RIS}${multipath ? " with multipath (8, relaxed)" : ""}: ${peers.length} peers, ${total} entries; after a warm-up round, best of 5 ${bestMs.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU; stats ${stats2}`,
  );
  const name = multipath ? "rib_ingest_36peers_multipath" : "rib_ingest_36peers";
  console.log(`BENCH ${name}_paths_per_s ${Math.round(total / (bestCpu / 1000))} paths/s`);
  console.log(`BENCH ${name}_paths_per_wall_s ${Math.round(total / (bestMs / 1000))} paths/s`);
}
