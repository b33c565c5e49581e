// Benchmarks for @dyninfra/sriov-queues. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import { Ixgbe82599Switch } from "@dyninfra/sriov-queues";

function measure(label: string, iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) fn(i); // warm-up
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // The BENCH figure is wall-clock; on a shared machine the CPU-time rate shows the code's own speed.
  console.error(
    `${label}: ${iterations} iterations in ${seconds.toFixed(3)} s wall, ${cpuSeconds.toFixed(3)} s CPU ` +
      `(${Math.round(iterations / cpuSeconds)} /CPU-s)`,
  );
  return iterations / seconds;
}

// 63 VFs on an 82599 (64 pools × 2 queues), each VF with its MAC, half of them on a port VLAN.
const nic = new Ixgbe82599Switch({ numVfs: 63, pfMac: 0x001b_2100_0001 });
const macs: number[] = [];
for (let vf = 0; vf < 63; vf++) {
  const mac = 0x0200_0000_0100 + vf;
  nic.setVfMac(vf, mac);
  if (vf % 2 === 1) nic.setVfVlan(vf, 100 + vf);
  macs.push(mac);
}
// A frame mix: VF unicast (tagged/untagged as each VF expects), PF unicast, unknown unicast.
const N = 4096;
const dst = new Float64Array(N);
const vlan = new Int32Array(N);
const hash = new Uint32Array(N);
let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed;
};
for (let i = 0; i < N; i++) {
  const r = rnd() % 70;
  if (r < 63) {
    dst[i] = macs[r]!;
    vlan[i] = r % 2 === 1 ? 100 + r : -1;
  } else if (r < 66) {
    dst[i] = 0x001b_2100_0001;
    vlan[i] = -1;
  } else {
    dst[i] = 0x0200_dead_0000 + r;
    vlan[i] = -1;
  }
  hash[i] = rnd();
}

let sink = 0;
const rate = measure("classify unicast (MAC + VLAN → pool → RSS queue)", 20_000_000, (i) => {
  const k = i & (N - 1);
  sink += nic.classifyQueue(dst[k]!, vlan[k]!, hash[k]!);
});
if (sink === 0) throw new Error("benchmark optimised away");
console.log(`BENCH sriov_classify_frames_per_s ${Math.round(rate)} frames/s`);

const frames = Array.from({ length: N }, (_, k) => ({
  dst: dst[k]!,
  src: 0x0400_0000_0001,
  ...(vlan[k]! > 0 ? { vlan: vlan[k]! } : {}),
  rssHash: hash[k]!,
}));
let delivered = 0;
const rxRate = measure("receive() with delivery records", 2_000_000, (i) => {
  const r = nic.receive(frames[i & (N - 1)]!);
  if (r.ok) delivered += r.deliveries.length;
});
if (delivered === 0) throw new Error("no deliveries");
console.log(`BENCH sriov_receive_frames_per_s ${Math.round(rxRate)} frames/s`);
