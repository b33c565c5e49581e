// Benchmarks for @dyninfra/tcp-state-transfer. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import {
  decodeSnapshot,
  encodeSnapshot,
  restoreEndpoint,
  TcpSimulation,
} from "@dyninfra/tcp-state-transfer";

// Rates are per CPU-second of the process (user + system, all threads: GC and JIT included), not
// per wall-second: the benchmark box is shared and often oversubscribed, and CPU seconds keep the
// figures comparable from run to run. The wall-clock rate is printed too.
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

interface Run {
  segments: number;
  cpuS: number;
  wallS: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

/** Warm-up runs (JIT), then measured runs; the median rate of the measured ones. */
function measure(name: string, runs: number, once: () => Run): { cpu: number; wall: number } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 2 + runs; i++) {
    const r = once();
    const line = `${name} run ${i}: ${r.segments} segments, ${Math.round(r.segments / r.cpuS)} /CPU-s, ${Math.round(r.segments / r.wallS)} /wall-s`;
    console.error(i < 2 ? `${line} (warm-up, not counted)` : line);
    if (i >= 2) {
      cpu.push(r.segments / r.cpuS);
      wall.push(r.segments / r.wallS);
    }
  }
  return { cpu: median(cpu), wall: median(wall) };
}

// 1. Simulated segments per second, bulk: 32 MiB each way at once over a lossless 100 µs link
//    (no bandwidth limit), 4 MiB receive buffers; the applications write 256 KiB chunks whenever
//    their previous chunk was taken and read everything after every event. Every segment the
//    channels deliver counts (data, ACKs and window updates).
const BULK_BYTES = 32 << 20;
function bulk(): Run {
  const sim = new TcpSimulation({
    aToB: { delayUs: 100 },
    bToA: { delayUs: 100 },
    a: { receiveBufferSize: 4 << 20 },
    b: { receiveBufferSize: 4 << 20 },
  });
  sim.connect();
  const chunk = new Uint8Array(256 * 1024).fill(7);
  const written = { a: 0, b: 0 };
  let read = 0;
  const feed = (side: "a" | "b"): void => {
    if (written[side] < BULK_BYTES && sim.pendingWrites(side) === 0) {
      sim.write(side, chunk);
      written[side] += chunk.length;
    }
  };
  sim.onEvent = (side) => {
    read += sim.read(side).length;
    feed(side);
  };
  const start = cpuNow();
  const wall = performance.now();
  feed("a");
  feed("b");
  while (!(sim.quiet() && written.a >= BULK_BYTES && written.b >= BULK_BYTES)) {
    sim.runFor(10_000);
    feed("a");
    feed("b");
  }
  const cpuS = (cpuNow() - start) / 1e6;
  const wallS = (performance.now() - wall) / 1000;
  read += sim.read("a").length + sim.read("b").length;
  if (read !== 2 * BULK_BYTES) throw new Error(`read ${read} bytes, wrote ${2 * BULK_BYTES}`);
  return { segments: sim.aToB.stats.delivered + sim.bToA.stats.delivered, cpuS, wallS };
}

// 2. BGP-sized messages: both sides write 16 MiB in messages of 19–4096 bytes (BGP's sizes,
//    mostly small UPDATEs) in bursts, over a 1 ms link with 200 µs jitter and 1 % loss each way;
//    default buffers. Exercises reordering, out-of-order queues, SACK and retransmission.
const BGP_BYTES = 16 << 20;
function bgp(): Run {
  const sim = new TcpSimulation({
    seed: 42,
    aToB: { delayUs: 1_000, jitterUs: 200, loss: 0.01 },
    bToA: { delayUs: 1_000, jitterUs: 200, loss: 0.01 },
  });
  sim.connect();
  let x = 12345;
  const size = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const r = x >>> 8;
    return r % 10 < 8 ? 19 + (r % 200) : 19 + (r % 4078); // 80 % small UPDATEs/KEEPALIVEs
  };
  const messages = Array.from({ length: 256 }, () => new Uint8Array(size()).fill(2));
  const written = { a: 0, b: 0 };
  let read = 0;
  let next = 0;
  sim.onEvent = (side) => {
    read += sim.read(side).length;
  };
  const start = cpuNow();
  const wall = performance.now();
  while (written.a < BGP_BYTES || written.b < BGP_BYTES) {
    for (const side of ["a", "b"] as const) {
      // A burst of messages while little is held back (an application that keeps writing).
      while (written[side] < BGP_BYTES && sim.pendingWrites(side) < 64 * 1024) {
        const m = messages[next++ & 255]!;
        sim.write(side, m);
        written[side] += m.length;
      }
    }
    sim.runFor(1_000);
  }
  while (!sim.quiet()) sim.runFor(10_000);
  sim.runFor(10_000);
  const cpuS = (cpuNow() - start) / 1e6;
  const wallS = (performance.now() - wall) / 1000;
  read += sim.read("a").length + sim.read("b").length;
  if (read !== written.a + written.b)
    throw new Error(`read ${read}, wrote ${written.a + written.b}`);
  return { segments: sim.aToB.stats.delivered + sim.bToA.stats.delivered, cpuS, wallS };
}

console.error(
  "workload tcp_sim: bulk, 32 MiB each way at once, lossless 100 µs link, 4 MiB receive buffers, " +
    "256 KiB writes, read after every event; 2 warm-up runs, median of 5",
);
const b = measure("bulk", 5, bulk);
console.log(`BENCH tcp_sim_segments_per_s ${Math.round(b.cpu)} segments/s`);
console.log(`BENCH tcp_sim_segments_per_wall_s ${Math.round(b.wall)} segments/s`);
console.error(
  "workload tcp_sim_bgp: 16 MiB each way of 19–4096-byte messages, 1 ms ± 200 µs link, 1 % loss " +
    "each way; 2 warm-up runs, median of 5",
);
const g = measure("bgp", 5, bgp);
console.log(`BENCH tcp_sim_bgp_segments_per_s ${Math.round(g.cpu)} segments/s`);

// 3. Snapshot + restore with 64 KiB in both the receive and the send queue.
const sim = new TcpSimulation({
  a: { receiveBufferSize: 1 << 20 },
  b: { receiveBufferSize: 1 << 20 },
});
sim.connect();
sim.write("b", new Uint8Array(64 * 1024).fill(1));
sim.runFor(100_000);
sim.write("a", new Uint8Array(64 * 1024).fill(2));
const a = sim.endpoint("a");
a.freeze();
const probe = a.snapshot(sim.now);
if (probe.inq_len !== 65536 || probe.outq_len !== 65536) throw new Error("queues not 64 KiB");
let sink = 0;
const iterations = 20_000;
for (let i = 0; i < 2_000; i++) sink += restoreEndpoint(a.snapshot(i), { now: i }).sendQueueLength;
let start = cpuNow();
for (let i = 0; i < iterations; i++) {
  const restored = restoreEndpoint(a.snapshot(i), { now: i });
  sink += restored.readable;
}
let s = (cpuNow() - start) / 1e6;
console.error(`snapshot+restore: ${iterations} in ${s.toFixed(3)} CPU-s`);
console.log(`BENCH tcp_snapshot_restore_per_s ${Math.round(iterations / s)} ops/s`);

// Same through the binary form (dump → bytes → decode → restore), as a migration carries it.
start = cpuNow();
for (let i = 0; i < iterations; i++) {
  const restored = restoreEndpoint(decodeSnapshot(encodeSnapshot(a.snapshot(i))), { now: i });
  sink += restored.readable;
}
s = (cpuNow() - start) / 1e6;
console.log(`BENCH tcp_snapshot_restore_binary_per_s ${Math.round(iterations / s)} ops/s`);
if (sink === 0) throw new Error("benchmark optimised away");
