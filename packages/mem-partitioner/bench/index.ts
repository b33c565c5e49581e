// Benchmarks for @dyninfra/mem-partitioner. Prints `BENCH <metric> <value> <unit>` lines (DESIGN.md).
import {
  type EptAccess,
  EptTables,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  type PartitionRequest,
  planPartitions,
  uniformHostMemoryMap,
} from "@dyninfra/mem-partitioner";

const GiB = 2 ** 30;

// ---- ept_translations_per_s ----
// A 64 GiB guest partition mapped with a realistic mix: 1 GiB pages for most of it, a 2 MiB-aligned
// (not 1 GiB-aligned) 1 GiB region, and a 4 KiB-aligned 64 MiB region (4 KiB leaves), so the walk
// ends at every level.
const rw = { read: true, write: true, execute: false };
const ept = EptTables.build(
  [
    {
      gpa: 0,
      hpa: 64 * GiB,
      size: 60 * GiB,
      permissions: { read: true, write: true, execute: true },
    },
    { gpa: 60 * GiB, hpa: 200 * GiB + 2 * 2 ** 20, size: GiB, permissions: rw },
    { gpa: 61 * GiB, hpa: 300 * GiB + 4096, size: 64 * 2 ** 20, permissions: rw },
  ],
  { tableBase: 0x10_0000 },
);
const N = 1 << 16;
const gpas = new Float64Array(N);
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
for (let i = 0; i < N; i++) {
  const r = rand();
  // 80 % inside the 1 GiB-page region, 10 % 2 MiB pages, 8 % 4 KiB pages, 2 % unmapped.
  const base = r < 0.8 ? 0 : r < 0.9 ? 60 * GiB : r < 0.98 ? 61 * GiB : 62 * GiB;
  const span = r < 0.8 ? 60 * GiB : r < 0.9 ? GiB : r < 0.98 ? 64 * 2 ** 20 : GiB;
  gpas[i] = base + Math.floor(rand() * span);
}
const accesses: EptAccess[] = ["read", "write", "read", "execute"];

let sink = 0;
const translateRound = () => {
  for (let i = 0; i < N; i++) {
    const r = ept.translate(gpas[i]!, accesses[i & 3]!);
    sink += r.ok ? 1 : 2;
  }
};
for (let w = 0; w < 20; w++) translateRound(); // warm-up
const rounds = 200;
// CPU time, not wall time: the benchmark machine is shared, and CPU seconds are what the
// translation costs.
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
let c0 = process.cpuUsage();
for (let k = 0; k < rounds; k++) translateRound();
let seconds = cpuSeconds(c0);
const tps = (rounds * N) / seconds;
console.error(
  `EPT: ${rounds * N} translations in ${seconds.toFixed(3)} CPU-s (${ept.tablePages} table pages)`,
);

// ---- partition_plan_1tib_ms ----
// 1 TiB host, 8 NUMA nodes of 128 GiB (x86 layout: firmware, PCI hole), filled by a VM mix:
// large 1 GiB-page VMs bound to a node, 2 MiB-page VMs, small 4 KiB VMs, a few interleaved.
const host = uniformHostMemoryMap({ nodes: 8, bytesPerNode: 128 * GiB });
const requests: PartitionRequest[] = [];
for (let n = 0; n < 8; n++) {
  for (let k = 0; k < 6; k++)
    requests.push({ name: `big-${n}-${k}`, size: 16 * GiB, pageSize: PAGE_1G, nodeset: [n] });
  for (let k = 0; k < 12; k++)
    requests.push({ name: `mid-${n}-${k}`, size: 2 * GiB, pageSize: PAGE_2M, nodeset: [n] });
  for (let k = 0; k < 16; k++)
    requests.push({ name: `small-${n}-${k}`, size: 256 * 2 ** 20, pageSize: PAGE_4K });
}
for (let k = 0; k < 4; k++)
  requests.push({ name: `inter-${k}`, size: 8 * GiB, pageSize: PAGE_2M, mode: "interleave" });
const plans = 20;
let placed = 0;
for (let w = 0; w < 3; w++) planPartitions(host, requests);
c0 = process.cpuUsage();
for (let k = 0; k < plans; k++) {
  const plan = planPartitions(host, requests);
  placed = plan.results.filter((r) => r.ok).length;
}
seconds = cpuSeconds(c0);
const planMs = (seconds * 1000) / plans;
console.error(`plan: ${placed}/${requests.length} partitions placed on 1 TiB / 8 nodes`);

if (sink === 0) throw new Error("benchmark optimised away");
console.log(`BENCH ept_translations_per_s ${Math.round(tps)} translations/s`);
console.log(`BENCH partition_plan_1tib_ms ${planMs.toFixed(3)} ms`);
