// Benchmarks for @dyninfra/bgp-rib on the real tables in ../shared/data/bgp.
// Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md); details go to stderr.
// Runs on the built package (dist), as users get it: `pnpm bench` builds first.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { acceptAll, type IpPrefix, parsePrefix, Rib } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates } from "../test/mrt";
import { announcements, cpuMs, FULL, IBGP, ingest, log, now, start } from "./common";
import { benchFib } from "./fib";
import { benchRpki } from "./rpki";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const mem = () => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
start();

// ---------------------------------------------------------------- 578k full table
// Memory first, in a clean process state: the RIB alone (no FIB), input batches dropped, as the
// heap after GC with the RIB minus the heap after GC once the RIB is dropped too (what the
// harness itself keeps alive cancels out).
let full = readBgp4mpUpdates(FULL)[0]!;
const paths = announcements(full.updates);
log(
  `full table: ${FULL}: peer ${full.peer} AS${full.peerAs}, ${full.updates.length} UPDATEs, ${paths} announcements`,
);
const peerAddr = full.peer;
{
  let rib: Rib | undefined = ingest(full, false).rib;
  const stats = rib.stats();
  full = { ...full, updates: [] };
  const withRib = mem();
  rib = undefined;
  const used = withRib - mem();
  log(
    `memory after GC: ${(used / 1e6).toFixed(1)} MB for ${stats.paths} paths, ${stats.attributeSets} attribute sets, Loc-RIB + Adj-RIB-Out to one iBGP peer, no FIB`,
  );
  console.log(`BENCH rib_bytes_per_path ${Math.round(used / stats.paths)} bytes`);
}
full = readBgp4mpUpdates(FULL)[0]!; // decoded again: the measurement dropped it
let kept: Rib | undefined = ingest(full, false).rib;
full = { ...full, updates: [] };

/** The router a session is grafted into: a new RIB with one iBGP neighbour. */
function newRouter(): Rib {
  const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9", fib: false });
  B.addPeer({ ...IBGP, address: "10.0.0.3", bgpIdentifier: "10.0.0.3" });
  B.peerUp("10.0.0.3");
  return B;
}
const graftOptions = { importPolicy: acceptAll, exportPolicy: acceptAll };

// ---------------------------------------------------------------- graft of the 578k session
// Export from A + import into a fresh B (decision and incremental diff included), four times: the
// first in a cold process is printed on its own (`graft_578k_cold_ms`: a router grafts once in a
// while, with its code not yet optimised), the best of the other three is the figure (measured
// as the ingest benchmarks are, after a warm-up). A releases the session after the last one.
{
  const A = kept;
  kept = undefined;
  const graft = () => {
    gc(); // each round starts from a collected heap (the previous rounds' RIBs are garbage)
    const B = newRouter();
    const t0 = now();
    const c0 = cpuMs();
    const snap = A.exportSession(peerAddr);
    const t1 = now();
    const imp = B.importSession(snap, graftOptions);
    const t2 = now();
    return { B, snap, imp, exportMs: t1 - t0, importMs: t2 - t1, cpu: cpuMs() - c0 };
  };
  const cold = (({ exportMs, importMs }) => ({ exportMs, importMs }))(graft()); // RIB dropped
  let best: ReturnType<typeof graft> | undefined;
  for (let i = 0; i < 3; i++) {
    const g = graft();
    if (best === undefined || g.exportMs + g.importMs < best.exportMs + best.importMs) best = g;
  }
  const { B, snap, imp } = best!;
  // Memory after GC of a RIB the session was grafted into, measured as rib_bytes_per_path is
  // (the import's results dropped: the caller has sent them).
  {
    let G: Rib | undefined = newRouter();
    G.importSession(A.exportSession(peerAddr), graftOptions); // its results dropped at once
    const pathsG = G.stats().paths;
    const withG = mem();
    G = undefined;
    const usedG = withG - mem();
    log(
      `memory after GC of the RIB the session was grafted into: ${(usedG / 1e6).toFixed(1)} MB for ${pathsG} paths`,
    );
    console.log(`BENCH rib_bytes_per_path_imported ${Math.round(usedG / pathsG)} bytes`);
  }
  const t2 = now();
  const rel = A.releaseSession(peerAddr);
  const t3 = now();
  log(
    `graft: snapshot ${(snap.length / 1e6).toFixed(1)} MB; cold ${(cold.exportMs + cold.importMs).toFixed(0)} ms (export ${cold.exportMs.toFixed(0)} + import ${cold.importMs.toFixed(0)}); best of 3 after it: export ${best!.exportMs.toFixed(0)} ms, import+decision+diff ${best!.importMs.toFixed(0)} ms, ${best!.cpu.toFixed(0)} ms CPU (all threads, GC included; incremental update: ${imp.neighbor.withdrawn.length} withdrawn, ${imp.neighbor.announced.length} groups; ${imp.changes.locRib.length} Loc-RIB changes); release ${(t3 - t2).toFixed(0)} ms (${rel.locRib.length} Loc-RIB changes)`,
  );
  console.log(`BENCH graft_578k_ms ${Math.round(best!.exportMs + best!.importMs)} ms`);
  console.log(`BENCH graft_578k_cold_ms ${Math.round(cold.exportMs + cold.importMs)} ms`);

  // ---------------------------------------------------------------- FIB (see bench/fib.ts)
  const entries: [IpPrefix, string][] = [...B.locRib()].map((r) => [
    parsePrefix(`${r.prefix.address}/${r.prefix.length}`),
    r.attributes.nextHop ?? "",
  ]);
  benchFib(entries);
  benchRpki([...B.locRib()]);
}

// ---------------------------------------------------------------- ingest speed
// In a fresh process (bench/ingest.ts): see there why.
execFileSync(process.execPath, [...process.execArgv, resolve(import.meta.dirname, "ingest.ts")], {
  stdio: "inherit",
});
