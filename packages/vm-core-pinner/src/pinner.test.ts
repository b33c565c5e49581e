import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures } from "../test/data";
import { formatCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { parseHwlocXml } from "./hwloc-xml";
import { defaultHousekeeping, planNoHypeHost } from "./nohype";
import { CorePinner } from "./pinner";

const intel = parseHwlocSynthetic("pack:2 numa:1 l3:1 core:8 pu:2(indexes=2*16:1*2)"); // siblings i, i+16

describe("CorePinner with the NoHype policy", () => {
  it("gives whole cores and keeps the housekeeping core's sibling from guests", () => {
    const p = new CorePinner(intel, { policy: "nohype", reserved: [0] });
    const r = p.allocate("vm1", 4);
    expect(r.ok && formatCpuList(r.allocation.cpus)).toBe("1-2,17-18");
    // CPU 16 (sibling of housekeeping CPU 0) is never handed to a guest.
    for (let i = 2; i <= 8; i++) {
      const x = p.allocate(`vm${i}`, 2);
      if (x.ok) expect(x.allocation.owned).not.toContain(16);
    }
  });
  it("smt-idle: one vCPU per core, the sibling owned but idle", () => {
    const p = new CorePinner(intel, { policy: "nohype", options: ["smt-idle"] });
    const r = p.allocate("vm1", 2);
    expect(r.ok && r.allocation.vcpuPins).toEqual([0, 1]);
    expect(r.ok && r.allocation.owned).toEqual([0, 1, 16, 17]);
  });
  it("best fit: a small VM goes to the fuller L3 domain", () => {
    const p = new CorePinner(intel, { policy: "nohype" });
    p.allocate("big", 12); // 6 cores of package 0
    const r = p.allocate("small", 2);
    expect(r.ok && r.allocation.l3Caches).toEqual([0]);
  });
  it("l3-exclusive: no two VMs share an L3, and the refusal says why", () => {
    const p = new CorePinner(intel, { policy: "nohype", options: ["l3-exclusive"], reserved: [0] });
    const a = p.allocate("a", 2);
    const b = p.allocate("b", 2);
    const c = p.allocate("c", 2);
    expect(a.ok && b.ok).toBe(true);
    // 16 cores: 1 housekeeping, 1 each for a and b (2 vCPUs = one core), 13 free but claimed.
    expect(p.fragmentation().claimedFreeCores).toBe(13);
    // Every free CPU (the 13 cores and CPU 16, beside the reserved 0) is under a claimed L3.
    expect(p.claimedFreeCpus()).toEqual(p.freeCpus());
    expect(p.claimedFreeCpus()).toHaveLength(27);
    expect(a.ok && b.ok && a.allocation.l3Caches[0] !== b.allocation.l3Caches[0]).toBe(true);
    expect(c.ok ? "" : c.refusal.code).toBe("no-fit");
    expect(c.ok ? "" : c.refusal.message).toMatch(/exclusivity/);
    p.free("a");
    expect(p.allocate("c", 2).ok).toBe(true);
  });
  it("an exclusive VM cannot enter an L3 another VM already uses", () => {
    const p = new CorePinner(intel, { policy: "nohype" });
    p.allocate("shared", 2);
    expect(p.claimedFreeCpus()).toEqual([]);
    const r = p.allocate("secret", { vcpus: 2, l3Exclusive: true });
    expect(r.ok && r.allocation.l3Caches).toEqual([1]);
    // Package 1's other 7 cores are held back for "secret"; package 0's stay open.
    const claimed = p.claimedFreeCpus();
    expect(claimed).toHaveLength(14);
    const pkg1 = new Set(intel.cores.filter((c) => c.l3 === 1).flatMap((c) => c.pus));
    expect(claimed.every((c) => pkg1.has(c))).toBe(true);
  });
  it("numa-exclusive on a two-node machine", () => {
    const p = new CorePinner(intel, { policy: "nohype", options: ["numa-exclusive"] });
    expect(p.allocate("a", 2).ok).toBe(true);
    expect(p.allocate("b", 2).ok).toBe(true);
    expect(p.allocate("c", 2).ok).toBe(false);
  });
  it("spans NUMA nodes only when no single node fits", () => {
    const p = new CorePinner(intel, { policy: "nohype" });
    const r = p.allocate("wide", 20);
    expect(r.ok && r.allocation.numaNodes).toEqual([0, 1]);
    expect(p.fragmentation().freeCores).toBe(6);
  });
  it("hybrid CPUs: a VM can ask for one CPU kind", () => {
    const t = parseHwlocXml(readFileSync(path.join(fixtures, "fakecpukinds.xml"), "utf8"));
    const p = new CorePinner(t, { policy: "nohype" });
    const r = p.allocate("big", { vcpus: 1, cpuKind: 0 });
    expect(r.ok && r.allocation.cpus).toEqual([0]);
  });
});

describe("CorePinner, all policies", () => {
  it("kubelet-static: refusals carry kubelet's text", () => {
    const p = new CorePinner(intel, { policy: "kubelet-static", available: [0, 1, 2, 3] });
    const r = p.allocate("c1", 5);
    expect(r.ok ? "" : r.refusal.message).toBe(
      "not enough cpus available to satisfy request: requested=5, available=4",
    );
    expect(r.ok ? "" : r.refusal.code).toBe("not-enough-cpus");
  });
  it("nova-isolate consumes siblings; free gives them back", () => {
    const p = new CorePinner(intel, { policy: "nova-isolate" });
    const before = p.snapshot();
    const r = p.allocate("i1", 2);
    expect(r.ok && r.allocation.cpus).toEqual([0, 1]);
    expect(r.ok && r.allocation.owned).toEqual([0, 1, 16, 17]);
    p.free("i1");
    expect(p.snapshot()).toEqual(before);
    expect(p.free("i1")).toBeUndefined();
  });
  it("misuse throws: duplicate VM, bad request, unknown option, foreign CPU", () => {
    const p = new CorePinner(intel, { policy: "nohype" });
    p.allocate("x", 2);
    expect(() => p.allocate("x", 2)).toThrow(VmCorePinnerError);
    expect(() => p.allocate("y", 0)).toThrow(VmCorePinnerError);
    expect(() => p.allocate("y", 1.5)).toThrow(VmCorePinnerError);
    expect(() => new CorePinner(intel, { policy: "nohype", options: ["turbo"] })).toThrow(
      /unknown nohype option/,
    );
    expect(() => new CorePinner(intel, { policy: "nova-prefer", options: ["x"] })).toThrow(
      VmCorePinnerError,
    );
    expect(() => new CorePinner(intel, { policy: "nohype", reserved: [99] })).toThrow(
      VmCorePinnerError,
    );
  });
  it("fragmentation counts stranded siblings", () => {
    const p = new CorePinner(intel, { policy: "kubelet-static" });
    p.allocate("odd", 1);
    const f = p.fragmentation();
    expect(f.partialCores).toBe(1);
    expect(f.strandedCpus).toBe(1);
    expect(f.freeCpus).toBe(31);
    expect(f.freeCores).toBe(15);
    expect(f.largestFreeCoresInNuma).toBe(8);
    expect(f.fragmentation).toBeCloseTo(1 - 8 / 15);
  });
});

describe("planNoHypeHost", () => {
  it("places guests, isolates guest CPUs from the kernel and pins emulators to housekeeping", () => {
    expect(defaultHousekeeping(intel)).toEqual([0, 8, 16, 24]);
    const plan = planNoHypeHost(intel, {
      guests: [
        { name: "web", vcpus: 4 },
        { name: "db", vcpus: 4, l3Exclusive: true },
        { name: "huge", vcpus: 40 },
      ],
    });
    expect(plan.guests.map((g) => g.name)).toEqual(["web", "db"]);
    expect(plan.refused.map((r) => r.name)).toEqual(["huge"]);
    expect(plan.kernel?.cmdline).toBe(
      "isolcpus=managed_irq,domain,1-7,9-15,17-23,25-31 nohz_full=1-7,9-15,17-23,25-31 rcu_nocbs=1-7,9-15,17-23,25-31 irqaffinity=0,8,16,24",
    );
    expect(plan.guests[0]?.cputuneXml).toContain("<emulatorpin cpuset='0,8,16,24'/>");
    // web: cores (1,17) and (2,18): the guest sees 2 cores × 2 threads.
    expect(plan.guests[0]?.guestCpu.topology).toBe(
      "<topology sockets='1' dies='1' cores='2' threads='2'/>",
    );
    expect(() =>
      planNoHypeHost(intel, {
        guests: [
          { name: "a", vcpus: 1 },
          { name: "a", vcpus: 1 },
        ],
      }),
    ).toThrow(VmCorePinnerError);
  });
});
