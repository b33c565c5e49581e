// Benchmarks for @dyninfra/iommu-model. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import { PhysicalMemory, RemappingHardwareUnit, VtdDriver } from "@dyninfra/iommu-model";

function measure(label: string, iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) fn(i); // warm-up (JIT, IOTLB)
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.error(`${label}: ${iterations} iterations in ${seconds.toFixed(3)} s`);
  return iterations / seconds;
}

// A NoHype-like host: 8 VFs, one domain each, DMA buffers of 2 MiB per VF mapped with 4 KiB pages
// (512 pages per device, 4096 IOTLB entries in all: a warm IOTLB), requests spread at random.
const memory = new PhysicalMemory({ size: 2 ** 36 });
const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39, iotlbCapacity: 1 << 20 });
const driver = new VtdDriver(unit, {
  tablePool: { base: 0xf_0000_0000 - 0x1000_0000, size: 0x1000_0000 },
});
const VFS = 8;
const PAGES = 512;
const sids: number[] = [];
for (let v = 0; v < VFS; v++) {
  driver.createDomain({ domainId: v + 1 });
  driver.map(v + 1, 0, 0x1_0000_0000 + v * 0x1000_0000, PAGES * 4096, { largePages: false });
  const sid = (0x3b << 8) | (0x10 + v);
  driver.attachDevice(sid, v + 1);
  sids.push(sid);
}
const N = 1 << 16;
const reqSid = new Uint16Array(N);
const reqIova = new Float64Array(N);
const reqWrite = new Uint8Array(N);
let seed = 12345;
for (let i = 0; i < N; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  reqSid[i] = sids[seed % VFS]!;
  reqIova[i] = ((seed >>> 8) % PAGES) * 4096 + (seed & 0xff8);
  reqWrite[i] = (seed >>> 4) & 1;
}
// Warm the IOTLB.
for (let i = 0; i < N; i++) unit.translateAddress(reqSid[i]!, reqIova[i]!, reqWrite[i] === 1);

let sink = 0;
const fast = measure("translateAddress (warm IOTLB)", 20_000_000, (i) => {
  const j = i & (N - 1);
  sink += unit.translateAddress(reqSid[j]!, reqIova[j]!, reqWrite[j] === 1);
});
const full = measure("translate (warm IOTLB, result objects)", 5_000_000, (i) => {
  const j = i & (N - 1);
  const r = unit.translate(reqSid[j]!, reqIova[j]!, reqWrite[j] === 1 ? "write" : "read");
  if (r.ok) sink += r.hostAddress;
});
unit.invalidateIotlb({ granularity: "global" });
const cold = measure("translate with a page walk every time (IOTLB flushed)", 200_000, (i) => {
  const j = i & (N - 1);
  unit.invalidateIotlb({
    granularity: "page",
    domainId: (reqSid[j]! & 0xff) - 0x10 + 1,
    address: Math.floor(reqIova[j]! / 4096) * 4096,
  });
  sink += unit.translateAddress(reqSid[j]!, reqIova[j]!, reqWrite[j] === 1);
});
const msi = { address: 0xfee0_0000 + (3 << 5) + 0x10, data: 0 };
driver.setIrte(3, {
  present: true,
  faultProcessingDisable: false,
  destinationModeLogical: false,
  redirectionHint: false,
  triggerModeLevel: false,
  deliveryMode: 0,
  available: 0,
  irteMode: 0,
  vector: 0x41,
  destinationId: 1,
  sourceId: sids[0]!,
  sourceIdQualifier: 0,
  sourceValidationType: 1,
});
const irq = measure("remapInterrupt (cached IRTE)", 2_000_000, () => {
  const r = unit.remapInterrupt(sids[0]!, msi);
  if (r.ok) sink += r.interrupt.vector;
});
if (sink === 0) throw new Error("benchmark optimised away");
console.log(`BENCH iommu_translations_per_s ${Math.round(fast)} translations/s`);
console.log(`BENCH iommu_translate_result_objects_per_s ${Math.round(full)} translations/s`);
console.log(`BENCH iommu_page_walks_per_s ${Math.round(cold)} walks/s`);
console.log(`BENCH iommu_interrupt_remaps_per_s ${Math.round(irq)} interrupts/s`);
