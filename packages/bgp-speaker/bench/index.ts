// Benchmarks for @dyninfra/bgp-speaker. Prints `BENCH <metric> <value> <unit>` lines.
//
// Full-table transfer over real sessions in network namespaces (root, BIRD and the shared data
// needed): dyninfra A sends the 578k-prefix 2015 table to BIRD (session_send_routes_per_s:
// until BIRD holds every prefix), and BIRD passes it on to dyninfra C
// (session_receive_routes_per_s: until C has installed every prefix). Without root, BIRD or the
// data, the in-memory figure below is still printed and the session lines are skipped with a
// reason.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OriginateSpec } from "@dyninfra/bgp-speaker";
import {
  ManualClock,
  memoryPipe,
  Router,
  writeRibDump,
  writeRibDumpAsync,
} from "@dyninfra/bgp-speaker";
import { bird, startDyninfra } from "../test/interop/daemons";
import { isRoot, Lab, which } from "../test/interop/lab";
import { FULL_TABLE, loadTable, TABLE } from "../test/interop/routes";

const locRib = async (d: { get(p: string): Promise<unknown> }) =>
  ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;

async function inMemory(routes: OriginateSpec[]): Promise<void> {
  const clock = new ManualClock();
  const a = new Router(
    {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [
        {
          name: "c",
          address: "192.0.2.2",
          asn: 64501,
          passive: true,
          importPolicy: "accept",
          exportPolicy: "accept",
        },
      ],
      originate: routes,
    },
    { clock },
  );
  const c = new Router(
    {
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      neighbors: [
        {
          name: "a",
          address: "192.0.2.1",
          asn: 64500,
          passive: true,
          importPolicy: "accept",
          exportPolicy: "accept",
        },
      ],
    },
    { clock },
  );
  a.start();
  c.start();
  const start = performance.now();
  const [x, y] = memoryPipe();
  a.accept("c", x);
  c.accept("a", y);
  // The longest the event loop went without a turn meanwhile: A's initial table is exported in
  // slices, C applies each read's UPDATEs at once.
  let last = performance.now();
  let longest = 0;
  while (c.rib.stats().locRibRoutes < routes.length) {
    await new Promise((r) => setImmediate(r));
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }
  const s = (performance.now() - start) / 1000;
  console.error(
    `in-memory session: ${routes.length} routes in ${s.toFixed(2)} s; the event loop held at most ${longest.toFixed(0)} ms`,
  );
  console.log(`BENCH session_memory_pipe_routes_per_s ${Math.round(routes.length / s)} routes/s`);
  console.log(`BENCH session_memory_pipe_longest_block_ms ${Math.round(longest)} ms`);
  await ribDump(c);
  a.stop();
  c.stop();
}

/**
 * A TABLE_DUMP_V2 dump of C's Adj-RIB-In (the routes A sent it), written at once
 * (`writeRibDump`, the event loop held throughout) and in chunks (`writeRibDumpAsync`, as the
 * periodic dumps of `dyninfra-bgpd` are): the time each takes, and for the chunked one the longest
 * the event loop went without a turn (what a session's timers and reads wait at worst).
 */
async function ribDump(c: Router): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dyninfra-bench-"));
  try {
    const t0 = performance.now();
    const once = writeRibDump(c, join(dir, "once.mrt"));
    const syncMs = performance.now() - t0;
    let last = performance.now();
    let longest = 0;
    let running = true;
    const turn = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    const t1 = performance.now();
    const chunked = await writeRibDumpAsync(c, join(dir, "chunked.mrt"));
    const asyncMs = performance.now() - t1;
    running = false;
    console.error(
      `RIB dump of ${once.entries} entries (${(statSync(join(dir, "once.mrt")).size / 1e6).toFixed(1)} MB): at once ${syncMs.toFixed(0)} ms; in chunks ${asyncMs.toFixed(0)} ms, the event loop held at most ${longest.toFixed(0)} ms (${chunked.entries} entries)`,
    );
    console.log(`BENCH mrt_rib_dump_ms ${Math.round(syncMs)} ms`);
    console.log(`BENCH mrt_rib_dump_chunked_ms ${Math.round(asyncMs)} ms`);
    console.log(`BENCH mrt_rib_dump_longest_block_ms ${Math.round(longest)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Polls `count` until it reaches `target`; fails, saying where it stopped, when it has not moved
 * for `stallMs` (a route refused on the way would otherwise leave the bench waiting forever).
 * Returns the time (performance.now()) at which the target was seen.
 */
async function reach(
  what: string,
  count: () => Promise<number>,
  target: number,
  intervalMs: number,
  stallMs = 60_000,
): Promise<number> {
  let last = -1;
  let movedAt = performance.now();
  for (;;) {
    const n = await count().catch(() => last);
    const now = performance.now();
    if (n >= target) return now;
    if (n !== last) {
      last = n;
      movedAt = now;
    } else if (now - movedAt > stallMs) {
      throw new Error(`${what}: stuck at ${n} of ${target} for ${stallMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function overBird(routes: OriginateSpec[]): Promise<boolean> {
  const lab = new Lab();
  const daemon = bird();
  try {
    const nsA = await lab.ns("a");
    const nsB = await lab.ns("b");
    const nsC = await lab.ns("c");
    await lab.link(nsA, "192.0.2.1/24", nsB, "192.0.2.2/24");
    await lab.link(nsB, "198.18.0.1/24", nsC, "198.18.0.2/24");
    await daemon.start(lab, nsB, {
      asn: 64501,
      routerId: "192.0.2.2",
      holdTime: 240,
      neighbors: [
        { address: "192.0.2.1", asn: 64500, local: "192.0.2.2" },
        { address: "198.18.0.2", asn: 64502, local: "198.18.0.1" },
      ],
    });
    const neighbor = (address: string, local: string) => ({
      name: "bird",
      address,
      asn: 64501,
      localAddress: local,
      holdTime: 240,
      connectRetryTime: 1,
      importPolicy: "accept",
      exportPolicy: "accept",
    });
    const established = async (d: { get(p: string): Promise<unknown> }) =>
      ((await d.get("/sessions")) as { state: string }[])[0]?.state === "Established" ? 1 : 0;

    // Send: dyninfra A, holding the table, connects to BIRD; the clock runs from Established
    // until BIRD holds every prefix.
    const a = await startDyninfra(lab, nsA, "dyninfra-a", {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [neighbor("192.0.2.2", "192.0.2.1")],
      originate: routes,
    });
    const t0 = await reach("A Established", () => established(a), 1, 20, 300_000);
    const t1 = await reach(
      "BIRD receiving the table",
      () => daemon.prefixCount(),
      routes.length,
      250,
    );
    const send = (t1 - t0) / 1000;
    console.error(`BIRD received ${routes.length} routes from dyninfra in ${send.toFixed(2)} s`);
    console.log(`BENCH session_send_routes_per_s ${Math.round(routes.length / send)} routes/s`);

    // Receive: only now does dyninfra C start; BIRD sends it the whole table. The clock runs from
    // Established until C has installed every prefix in its Loc-RIB.
    const c = await startDyninfra(lab, nsC, "dyninfra-c", {
      asn: 64502,
      bgpIdentifier: "198.18.0.2",
      localAddress: "198.18.0.2",
      neighbors: [neighbor("198.18.0.1", "198.18.0.2")],
    });
    const t2 = await reach("C Established", () => established(c), 1, 20, 120_000);
    const t3 = await reach("dyninfra C receiving the table", () => locRib(c), routes.length, 100);
    const receive = (t3 - t2) / 1000;
    console.error(
      `dyninfra received and installed ${routes.length} routes from BIRD in ${receive.toFixed(2)} s`,
    );
    console.log(
      `BENCH session_receive_routes_per_s ${Math.round(routes.length / receive)} routes/s`,
    );
    return true;
  } catch (e) {
    console.error(`bench: session measurement failed — ${(e as Error).message}`);
    for (const name of ["bird", "dyninfra-a", "dyninfra-c"])
      console.error(`--- ${name} log (tail)\n${lab.log(name).split("\n").slice(-15).join("\n")}`);
    return false;
  } finally {
    await lab.cleanup();
  }
}

const file = existsSync(FULL_TABLE) ? FULL_TABLE : TABLE;
if (!existsSync(file)) {
  console.error(
    "bench: ../shared/data/bgp is absent; no real table to transfer — nothing measured",
  );
  process.exit(0);
}
const table = loadTable(file, "*");
const routes: OriginateSpec[] = table.map((r) => ({
  prefix: r.prefix,
  asPath: r.asPath,
  origin: r.origin,
  communities: r.communities,
}));
console.error(`table: ${routes.length} prefixes from ${file}`);
await inMemory(routes.slice(0, 200_000));
if (!isRoot || !which("ip")) console.error("bench: session lines skipped — need root and iproute2");
else if (!bird().available)
  console.error("bench: session lines skipped — BIRD (bird2) is not installed");
else if (!(await overBird(routes))) process.exitCode = 1;
