// Benchmarks for @dyninfra/vepa-switch. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import { Bridge, MacvlanPort } from "@dyninfra/vepa-switch";

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

let seed = 7;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 8;
};

// --- Full VEPA path: VM → embedded switch (VEPA) → uplink → external bridge (learning,
// reflective relay) → back down → embedded switch → VM. 64 VMs on one host, 8 other bridge ports.
const host = new MacvlanPort({ lowerMac: 0x001b_2100_0001 });
const VMS = 64;
const vmMac: number[] = [];
for (let i = 0; i < VMS; i++) {
  vmMac.push(0x0200_0000_1000 + i);
  host.add({ name: `vm${i}`, mac: vmMac[i]!, mode: "vepa" });
}
const br = new Bridge({ maxLearned: 16384 });
const uplink = br.addPort({ name: "uplink", hairpin: true });
for (let p = 0; p < 8; p++) br.addPort({ name: `p${p}` });
const N = 4096;
const srcIdx = new Int32Array(N);
const dstIdx = new Int32Array(N);
for (let i = 0; i < N; i++) {
  srcIdx[i] = rnd() % VMS;
  dstIdx[i] = (srcIdx[i]! + 1 + (rnd() % (VMS - 1))) % VMS;
}
// Every VM has spoken once, so the bridge knows them all on the uplink.
for (let i = 0; i < VMS; i++) br.forwardUnicast(uplink, vmMac[i]!, 0xffff_ffff_ffff, -1, 0);

let delivered = 0;
let now = 1;
const vepa = measure("VEPA hairpin unicast (VM → bridge → VM)", 10_000_000, (i) => {
  const k = i & (N - 1);
  const s = srcIdx[k]!;
  const dst = vmMac[dstIdx[k]!]!;
  if ((i & 0xffff) === 0) now += 1;
  const local = host.transmitUnicastIndex(s, dst);
  if (local !== -1) return;
  const out = br.forwardUnicast(uplink, vmMac[s]!, dst, -1, now);
  if (out !== uplink) return;
  if (host.receiveUnicastIndex(dst) === dstIdx[k]) delivered++;
});
if (delivered === 0) throw new Error("nothing delivered");
console.log(`BENCH vepa_forward_frames_per_s ${Math.round(vepa)} frames/s`);

// --- Bridge alone: 16 ports, 10 000 stations, learning + lookup per frame.
const big = new Bridge({ maxLearned: 20000 });
for (let p = 0; p < 16; p++) big.addPort({ name: `p${p}` });
const S = 10_000;
const stMac = Array.from({ length: S }, (_, i) => 0x0200_0001_0000 + i);
const stPort = Int32Array.from({ length: S }, () => rnd() % 16);
for (let i = 0; i < S; i++) big.forwardUnicast(stPort[i]!, stMac[i]!, 0xffff_ffff_ffff, -1, 0);
const a = Int32Array.from({ length: N }, () => rnd() % S);
const b = Int32Array.from({ length: N }, () => rnd() % S);
let hits = 0;
const bridgeRate = measure("bridge unicast (learn + FDB lookup)", 10_000_000, (i) => {
  const k = i & (N - 1);
  const s = a[k]!;
  if (big.forwardUnicast(stPort[s]!, stMac[s]!, stMac[b[k]!]!, -1, 1) >= 0) hits++;
});
if (hits === 0) throw new Error("no forwarding");
console.log(`BENCH bridge_forward_frames_per_s ${Math.round(bridgeRate)} frames/s`);
