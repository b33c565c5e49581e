// Benchmarks for @dyninfra/optical-link. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import { OpticalCircuitSwitch, type VirtualClock } from "@dyninfra/optical-link";

// Time is the process's CPU time (user + system), not wall time: the benchmark box is shared and
// often oversubscribed, and CPU seconds keep the figures comparable from run to run.
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

// A bare clock: the benchmark measures the switch, not a scheduler.
const clock: VirtualClock & { now: number } = { now: 0, at: () => undefined };

// 1. Switch operations per second on a 384×384 switch: connect, move, disconnect cycles,
//    each a validated atomic transaction (one operation = one connect, move or disconnect).
const N = 384;
const ocs = new OpticalCircuitSwitch({ clock, ingressPorts: [1, N], egressPorts: [N + 1, 2 * N] });
function cycle(round: number): number {
  let ok = 0;
  for (let i = 1; i <= N; i++) ok += ocs.connect(i, N + 1 + ((i + round) % N)).ok ? 1 : 0;
  for (let i = 1; i <= N; i++) ok += ocs.disconnect(i).ok ? 1 : 0;
  for (let i = 1; i <= N; i++) ok += ocs.connect(i, N + 1 + ((i + round + 1) % N)).ok ? 1 : 0;
  for (let i = 1; i <= N; i++) ok += ocs.move(i, ocs.configuredEgress(i)!).ok ? 1 : 0;
  for (let i = 1; i <= N; i++) ok += ocs.disconnect(i).ok ? 1 : 0;
  clock.now += 1;
  return ok;
}
for (let r = 0; r < 200; r++) cycle(r); // warm-up
const rounds = 3_000;
let sink = 0;
const start = cpuNow();
for (let r = 0; r < rounds; r++) sink += cycle(r);
const s = (cpuNow() - start) / 1e6;
const ops = rounds * 5 * N;
if (sink === 0) throw new Error("benchmark optimised away");
console.error(`${ops} switch operations in ${s.toFixed(3)} s`);
console.log(`BENCH ocs_ops_per_s ${Math.round(ops / s)} ops/s`);

// 2. Frames through live circuits per second (switch lookup only).
clock.now = 1e12;
for (let i = 1; i <= N; i++) ocs.connect(i, N + i);
clock.now = 2e12;
let delivered = 0;
const frames = 5_000_000;
const t2 = cpuNow();
for (let k = 0; k < frames; k++) ocs.pass((k % N) + 1, 0, () => delivered++);
const s2 = (cpuNow() - t2) / 1e6;
if (delivered !== frames) throw new Error("frames lost on live circuits");
console.log(`BENCH ocs_frames_per_s ${Math.round(frames / s2)} frames/s`);
