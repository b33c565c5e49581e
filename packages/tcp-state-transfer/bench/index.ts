// Benchmarks for @dyninfra/tcp-state-transfer. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import {
  decodeSnapshot,
  encodeSnapshot,
  restoreEndpoint,
  TcpSimulation,
} from "@dyninfra/tcp-state-transfer";

// Time is the process's CPU time (user + system), not wall time: the benchmark box is shared and
// often oversubscribed, and CPU seconds keep the figures comparable from run to run.
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
function seconds(start: number): number {
  return (cpuNow() - start) / 1e6;
}

// 1. Simulated segments per second: a bulk transfer both ways over a lossless 100 µs link,
//    counting every segment the channels deliver (data and ACKs) per wall-clock second.
function simulate(bytes: number): { segments: number; s: number } {
  const sim = new TcpSimulation({
    aToB: { delayUs: 100 },
    bToA: { delayUs: 100 },
    a: { receiveBufferSize: 4 << 20 },
    b: { receiveBufferSize: 4 << 20 },
  });
  sim.connect();
  const chunk = new Uint8Array(256 * 1024).fill(7);
  const written = { a: 0, b: 0 };
  // Applications that read everything and keep about 256 KiB queued, like a bulk sender.
  const feed = (side: "a" | "b"): void => {
    if (written[side] < bytes && sim.pendingWrites(side) === 0) {
      sim.write(side, chunk);
      written[side] += chunk.length;
    }
  };
  sim.onEvent = (side) => {
    sim.read(side);
    feed(side);
  };
  const start = cpuNow();
  feed("a");
  feed("b");
  while (!(sim.quiet() && written.a >= bytes && written.b >= bytes)) {
    sim.runFor(10_000);
    feed("a");
    feed("b");
  }
  const s = seconds(start);
  return { segments: sim.aToB.stats.delivered + sim.bToA.stats.delivered, s };
}
simulate(4 << 20); // warm-up
const run = simulate(32 << 20);
console.error(`simulated ${run.segments} segments in ${run.s.toFixed(3)} s`);
console.log(`BENCH tcp_sim_segments_per_s ${Math.round(run.segments / run.s)} segments/s`);

// 2. Snapshot + restore with 64 KiB in both the receive and the send queue.
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
let s = seconds(start);
console.error(`snapshot+restore: ${iterations} in ${s.toFixed(3)} s`);
console.log(`BENCH tcp_snapshot_restore_per_s ${Math.round(iterations / s)} ops/s`);

// Same through the binary form (dump → bytes → decode → restore), as a migration carries it.
start = cpuNow();
for (let i = 0; i < iterations; i++) {
  const restored = restoreEndpoint(decodeSnapshot(encodeSnapshot(a.snapshot(i))), { now: i });
  sink += restored.readable;
}
s = seconds(start);
console.log(`BENCH tcp_snapshot_restore_binary_per_s ${Math.round(iterations / s)} ops/s`);
if (sink === 0) throw new Error("benchmark optimised away");
