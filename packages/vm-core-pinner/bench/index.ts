// Benchmarks for @dyninfra/vm-core-pinner. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
//
// pin_op_us_192pu: one allocate or free (mean of allocate+free pairs / 2) under the NoHype policy on
// the largest real topology of the data (hwloc test 192em64t-12gr2n8c2t: 192 cores, 384 PUs),
// or on the same shape built synthetically when the shared data is absent.
// pin_op_us_512pu: the same on the synthetic 512-PU host `pack:2 numa:4 core:32 pu:2`.
// The host is first half filled with 2-vCPU VMs so that placement searches a realistic state.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CorePinner,
  type PinPolicy,
  parseHwlocSynthetic,
  parseHwlocXml,
  type Topology,
} from "@dyninfra/vm-core-pinner";

const here = path.dirname(fileURLToPath(import.meta.url));
const real = path.resolve(
  here,
  "../../../../shared/data/nohype/hwloc/hwloc-tests-xml/192em64t-12gr2n8c2t.xml",
);

function topology192(): Topology {
  if (existsSync(real))
    return parseHwlocXml(readFileSync(real, "utf8"), { name: "192em64t-12gr2n8c2t.xml" });
  console.error(`shared data absent (${real}): using the synthetic equivalent`);
  return parseHwlocSynthetic("group:12 pack:2 numa:1 l3:1 core:8 pu:2");
}

function opMicros(t: Topology, policy: PinPolicy, label: string, pairs: number): number {
  const p = new CorePinner(t, { policy, reserved: [...(t.cores[0]?.pus ?? [])] });
  // Half fill.
  let filled = 0;
  while (filled < t.cores.length / 2 && p.allocate(`base${filled}`, 2).ok) filled++;
  const sizes = [2, 4, 8, 2, 6];
  for (let i = 0; i < Math.min(pairs, 2000); i++) {
    const vm = `w${i}`;
    p.allocate(vm, sizes[i % sizes.length] as number);
    p.free(vm);
  }
  const start = process.hrtime.bigint();
  let granted = 0;
  for (let i = 0; i < pairs; i++) {
    const vm = `vm${i}`;
    if (p.allocate(vm, sizes[i % sizes.length] as number).ok) granted++;
    p.free(vm);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const us = (seconds * 1e6) / (pairs * 2);
  console.error(
    `${label} ${policy}: ${t.cpus.length} PUs, ${t.cores.length} cores, ${pairs} allocate+free pairs (${granted} granted) in ${seconds.toFixed(3)} s`,
  );
  return us;
}

const t192 = topology192();
const t512 = parseHwlocSynthetic("pack:2 numa:4 core:32 pu:2");
console.log(`BENCH pin_op_us_192pu ${opMicros(t192, "nohype", "192pu", 20_000).toFixed(2)} us/op`);
console.log(`BENCH pin_op_us_512pu ${opMicros(t512, "nohype", "512pu", 20_000).toFixed(2)} us/op`);
// The same operation under the kubelet static policy (its sort-heavy algorithm), for comparison.
console.log(
  `BENCH pin_op_us_192pu_kubelet ${opMicros(t192, "kubelet-static", "192pu", 2_000).toFixed(2)} us/op`,
);
console.log(
  `BENCH pin_op_us_512pu_kubelet ${opMicros(t512, "kubelet-static", "512pu", 2_000).toFixed(2)} us/op`,
);
