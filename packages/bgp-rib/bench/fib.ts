// FIB benchmark for @dyninfra/bgp-rib on the real 578k-prefix table in ../shared/data/bgp.
// Standalone, on the built package: `pnpm --filter @dyninfra/bgp-rib exec tsx bench/fib.ts`
// (bench/index.ts may also import and call `benchFib`). Prints `BENCH <metric> <value> <unit>`
// lines on stdout; details go to stderr.
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { Fib, formatPrefix, type IpPrefix, parsePrefix } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates } from "../test/mrt";

const now = () => Number(process.hrtime.bigint()) / 1e6;
const log = (s: string) => console.error(s);

const data = resolve(import.meta.dirname, "../../../../shared/data/bgp/ripe-ncc-bgpdump/test_data");
const FULL = resolve(data, "updates.et-header.2015.gz");

/**
 * The Loc-RIB of a single eBGP peer that accepts everything: the first peer's UPDATEs of the full
 * table applied in file order (announce = replace, withdraw = remove), as prefix → next hop.
 */
export function fullTableEntries(file = FULL): [IpPrefix, string][] {
  const first = readBgp4mpUpdates(file)[0]!;
  const table = new Map<string, [IpPrefix, string]>();
  for (const u of first.updates) {
    for (const w of u.withdrawn ?? []) table.delete(`${w.address}/${w.length}`);
    for (const a of u.announced ?? []) {
      const nh = a.attributes.nextHop ?? a.attributes.mpReachNlri?.nextHop[0] ?? "";
      for (const p of a.nlri) {
        const key = `${p.address}/${p.length}`;
        table.set(key, [parsePrefix(key), nh]);
      }
    }
  }
  log(
    `full table: ${file}: peer ${first.peer} AS${first.peerAs}, ${first.updates.length} UPDATEs, ${table.size} prefixes`,
  );
  return [...table.values()];
}

/** Builds the FIB (best of `rounds`) and measures IPv4 lookups on uniformly random addresses. */
export function benchFib(entries: [IpPrefix, string][], rounds = 3): Fib {
  let fib = new Fib();
  let tb = Number.POSITIVE_INFINITY;
  for (let k = 0; k < rounds; k++) {
    fib = new Fib();
    const f0 = now();
    for (const [p, nh] of entries) fib.set(p, nh);
    tb = Math.min(tb, now() - f0);
  }
  log(
    `FIB: ${fib.size} entries, byteLength ${(fib.byteLength / 1e6).toFixed(1)} MB; build best of ${rounds}`,
  );
  console.log(`BENCH fib_build_ms ${Math.round(tb)} ms`);

  const n = 1 << 22;
  const addrs = new Uint32Array(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    // xorshift32: uniform over the 32-bit address space
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    addrs[i] = x >>> 0;
  }
  const loop = (): number => {
    let sink = 0;
    for (let i = 0; i < n; i++) sink += fib.lookupIpv4(addrs[i]!);
    return sink;
  };
  let sink = loop() + loop(); // warm-up (JIT, caches)
  // The goal is per core: the rate is over the CPU time of the process (the loop allocates
  // nothing, so that is this thread's time), not wall-clock time, which on a shared machine also
  // counts the time the thread waits for a core. Both are logged.
  let best = 0;
  let bestWall = 0;
  for (let round = 0; round < 7; round++) {
    const c0 = process.cpuUsage();
    const l0 = now();
    sink += loop();
    const wall = now() - l0;
    const c = process.cpuUsage(c0);
    best = Math.max(best, n / ((c.user + c.system) / 1e6));
    bestWall = Math.max(bestWall, n / (wall / 1000));
  }
  let hits = 0;
  for (let i = 0; i < n; i++) if (fib.lookupIpv4(addrs[i]!) >= 0) hits++;
  log(
    `FIB lookups: ${n} uniformly random IPv4 addresses per round, best of 7, ${((100 * hits) / n).toFixed(1)}% matched (sink ${sink}); per CPU second ${(best / 1e6).toFixed(1)}M, per wall-clock second ${(bestWall / 1e6).toFixed(1)}M`,
  );
  console.log(`BENCH fib_ipv4_lookups_per_s ${Math.round(best)} lookups/s`);

  // A small FIB must stay small.
  const small = new Fib();
  for (const [p, nh] of entries.slice(0, 10)) small.set(p, nh);
  log(
    `FIB of 10 entries (${entries
      .slice(0, 3)
      .map(([p]) => formatPrefix(p))
      .join(", ")}, …): byteLength ${small.byteLength} bytes`,
  );
  return fib;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  log(
    `load average at start: ${loadavg()
      .map((v) => v.toFixed(1))
      .join(" ")} (figures scale with the CPU share available)`,
  );
  if (!existsSync(FULL)) {
    console.error(
      `shared data absent (${FULL}): the FIB benchmark runs only on the real table; nothing measured`,
    );
    process.exit(0);
  }
  benchFib(fullTableEntries());
}
