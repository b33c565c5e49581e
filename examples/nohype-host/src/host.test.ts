import { interruptRemapEntry, remappableMsi, VtdFaultReason } from "@dyninfra/iommu-model";
import { PAGE_2M } from "@dyninfra/mem-partitioner";
import { parseMac } from "@dyninfra/sriov-queues";
import { beforeEach, describe, expect, it } from "vitest";
import { runAttacks } from "./attacks";
import { checkHost } from "./checks";
import { loadTenants, realHostConfig } from "./data";
import { avoidInterruptWindow, NoHypeHost } from "./host";
import type { Tenant } from "./tenants";

const tenants = loadTenants();
const config = realHostConfig(tenants);

describe("the real host", () => {
  it("is the two-socket SL390s G7 with the X8DTT DMAR and an 82599", () => {
    const host = new NoHypeHost(config);
    // From the hwloc file: 2 packages × 6 cores × 2 threads, 2 NUMA nodes.
    expect(host.topology.packages).toHaveLength(2);
    expect(host.topology.cores).toHaveLength(12);
    expect(host.topology.cpus).toHaveLength(24);
    expect(config.memory.nodes.map((n) => n.node)).toEqual([0, 1]);
    // From the DMAR table: HAW field 0x27 (40 bits), INTR_REMAP (flags bit 0) set.
    expect(config.dmar.hostAddressWidth).toBe(0x27);
    expect(config.dmar.flags & 1).toBe(1);
    // 82599 defaults: First VF Offset 128, VF Stride 2 → VF 0 at 07:10.0, VF 1 at 07:10.2.
    expect(host.pf.numVfs).toBe(63);
    // hwloc lists 4 KiB and 2 MiB pages only.
    expect(config.memory.pageSizes).toEqual([4096, PAGE_2M]);
  });
});

describe("starting and stopping VMs", () => {
  let host: NoHypeHost;
  beforeEach(() => {
    host = new NoHypeHost(config);
  });

  it("gives each tenant whole cores, a partition on their node, CAT ways, VFs, an IOMMU domain and IRTEs", () => {
    for (const t of tenants) expect(host.start(t).ok).toBe(true);
    const hk = new Set(host.housekeeping);
    for (const vm of host.running()) {
      const t = vm.tenant;
      expect(vm.cores.vcpuPins).toHaveLength(t.vcpus);
      // Whole cores: every PU of every allocated core belongs to this VM.
      for (const ci of vm.cores.cores)
        for (const pu of host.topology.cores[ci]!.pus) expect(vm.cores.owned).toContain(pu);
      for (const c of vm.cores.cpus) expect(hk.has(c)).toBe(false);
      // Memory on the NUMA nodes of its cores.
      const cpuNodes = new Set(
        vm.cores.cpus.map((c) => host.topology.numaNodes.find((n) => n.cpus.includes(c))!.osIndex),
      );
      expect(new Set(vm.memory.partition.nodes)).toEqual(cpuNodes);
      expect(vm.memory.partition.size).toBe(t.memoryMiB * 2 ** 20);
      // VF configuration as ip link would show it.
      for (const [i, n] of vm.nics.entries()) {
        const info = host.nic.vfInfo(n.vf);
        expect(info.mac).toBe(parseMac(t.nics[i]!.mac));
        expect(info.vlan).toBe(t.nics[i]!.vlan);
        expect(info.qos).toBe(t.nics[i]!.qos);
        expect(info.maxTxRate).toBe(t.nics[i]!.maxTxRateMbps);
        expect(info.spoofchk).toBe(true);
        expect(info.trust).toBe(false);
        // Routing id: PF 07:00.0 (0x0700) + offset 128 + 2·vf.
        expect(n.routingId).toBe(0x0700 + 128 + 2 * n.vf);
        expect(host.vtd.attachment(n.routingId)).toBe(vm.domainId);
        for (const e of n.irtes) {
          const r = host.iommu.remapInterrupt(n.routingId, remappableMsi(e.index));
          expect(r.ok && r.interrupt.destinationId).toBe(e.cpu);
          expect(vm.cores.cpus).toContain(e.cpu);
        }
      }
    }
    expect(checkHost(host)).toEqual([]);
  });

  it("DMA reaches the VM's own memory and nothing else (translation = EPT translation)", () => {
    host.start(tenants[0]!);
    const vm = host.running()[0]!;
    const n = vm.nics[0]!;
    for (const gpa of [0, 0x1000, 0x20_0000 + 8, vm.memory.partition.size - 8]) {
      const ept = vm.memory.ept.translate(gpa, "write");
      const dma = host.iommu.translate(n.routingId, gpa, "write");
      expect(ept.ok && dma.ok).toBe(true);
      if (ept.ok && dma.ok) expect(dma.hostAddress).toBe(ept.hpa);
    }
    const beyond = host.iommu.translate(n.routingId, vm.memory.partition.size, "read");
    expect(beyond.ok).toBe(false);
    if (!beyond.ok) expect(beyond.fault.reason).toBe(VtdFaultReason.READ);
  });

  it("stop releases and scrubs everything: the host is as before", () => {
    const empty = host.fingerprint();
    for (const t of tenants) host.start(t);
    const vm = host.vm("web-a")!;
    const w = host.guestWrite("web-a", 0x2000, 0x11223344, 0x55667788);
    expect(w.ok).toBe(true);
    const d = host.dmaWrite("web-a", 0, 0x3000, 0xaabbccdd, 0x1);
    expect(d.ok).toBe(true);
    const n = vm.nics[0]!;
    expect(host.stop("web-a")).toBe(true);
    if (w.ok) expect(host.readHost(w.hpa)).toEqual([0, 0]);
    if (d.ok) expect(host.readHost(d.hpa)).toEqual([0, 0]);
    // The VF: context entry gone (DMA faults "context entry not present"), IRTEs cleared, VF reset.
    const dma = host.iommu.translate(n.routingId, 0, "read");
    expect(!dma.ok && dma.fault.reason).toBe(VtdFaultReason.CONTEXT_ENTRY_NOT_PRESENT);
    for (const e of n.irtes) {
      const r = host.iommu.remapInterrupt(n.routingId, remappableMsi(e.index));
      expect(!r.ok && r.reason).toBe(VtdFaultReason.IR_ENTRY_NOT_PRESENT);
    }
    const info = host.nic.vfInfo(n.vf);
    expect([info.mac, info.vlan, info.maxTxRate]).toEqual([0, 0, 0]);
    expect(host.vtd.domain(vm.domainId)).toBeUndefined();
    expect(host.pinner.allocationOf("web-a")).toBeUndefined();
    expect(checkHost(host)).toEqual([]);
    for (const t of tenants.slice(1)) host.stop(t.name);
    const after = JSON.parse(host.fingerprint());
    const before = JSON.parse(empty);
    // Domain ids are recycled, not returned to the counter; the context table of bus 07 (the
    // VFs' bus) stays allocated once created, as the Linux driver keeps it; all else is as at boot.
    expect(after.tableFrames).toBe(before.tableFrames - 1);
    for (const k of ["domains", "tableFrames"]) {
      delete after[k];
      delete before[k];
    }
    expect(after).toEqual(before);
  });

  it("a restarted VM on the same memory inherits nothing", () => {
    host.start(tenants[0]!);
    const w = host.guestWrite(tenants[0]!.name, 0x5000, 0xfeedf00d, 0xfeedf00d);
    host.stop(tenants[0]!.name);
    const other: Tenant = { ...tenants[0]!, name: "next", nics: [] };
    expect(host.start(other).ok).toBe(true);
    const vm = host.vm("next")!;
    const t = vm.memory.ept.translate(0x5000, "read");
    expect(t.ok).toBe(true);
    if (t.ok && w.ok) {
      expect(t.hpa).toBe(w.hpa); // same frame handed out again …
      expect(host.readHost(t.hpa)).toEqual([0, 0]); // … scrubbed
    }
  });

  it("refuses a duplicate name, an untrunked VLAN and a page size the host lacks, leaking nothing", () => {
    host.start(tenants[0]!);
    const before = host.fingerprint();
    const dup = host.start(tenants[0]!);
    expect(!dup.ok && dup.refusal.stage).toBe("config");
    const vlan = host.start({
      ...tenants[1]!,
      name: "x",
      nics: [{ ...tenants[1]!.nics[0]!, vlan: 999 }],
    });
    expect(!vlan.ok && vlan.refusal.stage).toBe("nic");
    const huge = host.start({ ...tenants[1]!, name: "y", pageSize: "1G", memoryMiB: 1024 });
    expect(!huge.ok && huge.refusal).toMatchObject({ stage: "memory" });
    if (!huge.ok) expect(huge.refusal.reason).toMatch(/page-size-unavailable/);
    expect(host.fingerprint()).toBe(before);
  });

  it("refuses more cache ways than the L3 has, undoing cores and memory", () => {
    const before = host.fingerprint();
    const r = host.start({ ...tenants[0]!, name: "ways", l3Ways: 16 });
    expect(!r.ok && r.refusal.stage).toBe("cache");
    expect(host.fingerprint()).toBe(before);
  });

  it("refuses memory bandwidth above 100 % on a node", () => {
    const a = host.start({
      ...tenants[0]!,
      name: "a",
      vcpus: 2,
      memBandwidthPercent: 60,
      nics: [],
    });
    expect(a.ok).toBe(true);
    const node = a.ok ? a.vm.mba[0]!.node : -1;
    // Same node (the pinner fills node 0 first here).
    const b = host.start({
      ...tenants[0]!,
      name: "b",
      vcpus: 2,
      memBandwidthPercent: 50,
      nics: [],
    });
    if (b.ok) expect(b.vm.mba[0]!.node).not.toBe(node);
    else expect(b.refusal.stage).toBe("bandwidth");
  });
});

describe("attack scenarios", () => {
  it("are all refused by the right mechanism with the right reason", () => {
    const host = new NoHypeHost(config);
    for (const t of tenants) host.start(t);
    const out = runAttacks(host, "web-a", "db-b");
    const by = (s: string) => out.find((o) => o.attack.startsWith(s))!;
    for (const o of out) expect(o.refused, o.attack).toBe(true);
    // VT-d: a write through a not-present second-level entry is a write-permission fault (5).
    expect(by("DMA write to the neighbour").reason).toBe("DMA fault 0x5 WRITE");
    expect(by("DMA write past").reason).toBe("DMA fault 0x5 WRITE");
    expect(by("MAC spoofing").reason).toBe("Tx drop: mac-spoof");
    expect(by("VLAN spoofing").reason).toBe("Tx drop: vlan-spoof");
    // Into the victim's other VLAN (db-b is on 100 and 200; web-a on 100 only).
    expect(by("VLAN spoofing").attack).toBe("VLAN spoofing (tagged VLAN 200, db-b's)");
    expect(by("VF mailbox request").reason).toMatch(/^EPERM/);
    expect(by("interrupt injection via").reason).toBe("IR fault 0x26 IR_SOURCE_ID_INVALID");
    expect(by("interrupt injection with a compatibility").reason).toBe(
      "IR fault 0x25 IR_COMPATIBILITY_BLOCKED",
    );
    expect(by("asking for more cores")).toMatchObject({
      leakFree: true,
      mechanism: "NoHype core pinner",
    });
    expect(by("asking for more memory")).toMatchObject({
      leakFree: true,
      mechanism: "static memory partitioner",
    });
    expect(checkHost(host)).toEqual([]);
  });
});

describe("invariant checks can fail", () => {
  it("catch a VF attached to a neighbour's domain", () => {
    const host = new NoHypeHost(config);
    for (const t of tenants.slice(0, 2)) host.start(t);
    const [a, b] = host.running();
    host.vtd.attachDevice(a!.nics[0]!.routingId, b!.domainId);
    const v = checkHost(host, { trafficPairs: "none" });
    expect(v.some((x) => x.invariant === "dma-confined")).toBe(true);
  });

  it("catch an IRTE aimed at a neighbour's core", () => {
    const host = new NoHypeHost(config);
    for (const t of tenants.slice(0, 2)) host.start(t);
    const [a, b] = host.running();
    const n = a!.nics[0]!;
    host.vtd.setIrte(
      n.irtes[0]!.index,
      interruptRemapEntry({
        vector: 0x30,
        destinationId: b!.cores.cpus[0]!,
        sourceId: n.routingId,
      }),
    );
    const v = checkHost(host, { trafficPairs: "none" });
    expect(v.some((x) => x.invariant === "interrupts-confined")).toBe(true);
  });

  it("catch inter-VM traffic that bypasses the external switch (no reflective relay)", () => {
    const host = new NoHypeHost(config);
    for (const t of tenants.slice(0, 2)) host.start(t); // web-a and db-b share VLAN 100
    expect(checkHost(host)).toEqual([]);
    host.fabric.setHairpin(config.name, false);
    const v = checkHost(host);
    expect(v.some((x) => x.invariant === "traffic-via-switch")).toBe(true);
  });
});

describe("avoidInterruptWindow", () => {
  it("leaves 0xFEE00000–0xFEEFFFFF unmapped and keeps the rest contiguous", () => {
    const parts = avoidInterruptWindow(0, 2 ** 32, 2 ** 33);
    expect(parts).toEqual([
      [0, 2 ** 32, 0xfee0_0000],
      [0xfef0_0000, 2 ** 32 + 0xfef0_0000, 2 ** 33 - 0xfef0_0000],
    ]);
    expect(avoidInterruptWindow(0, 0, 2 ** 30)).toEqual([[0, 0, 2 ** 30]]);
  });
});

describe("the interrupt remapping table scan", () => {
  it("catches a stray present IRTE left behind for a stopped VF", () => {
    const host = new NoHypeHost(config);
    for (const t of tenants.slice(0, 2)) host.start(t);
    const gone = host.vm(tenants[1]!.name)!.nics[0]!;
    host.stop(tenants[1]!.name);
    expect(checkHost(host, { trafficPairs: "none" })).toEqual([]);
    // A buggy stop that forgot one entry: the IRTE still verifies the stopped VF's requester id.
    host.vtd.setIrte(
      1000,
      interruptRemapEntry({ vector: 0x30, destinationId: 3, sourceId: gone.routingId }),
    );
    const v = checkHost(host, { trafficPairs: "none" });
    expect(v.map((x) => x.message)).toContainEqual(
      expect.stringMatching(/^IRTE 1000 is present but verifies no running VF/),
    );
  });
});

describe("the free-VF scan", () => {
  it("catches a VF left attached after its VM stopped", () => {
    const host = new NoHypeHost(config);
    for (const t of tenants.slice(0, 2)) host.start(t);
    const gone = host.vm(tenants[1]!.name)!.nics[0]!;
    host.stop(tenants[1]!.name);
    host.vtd.attachDevice(gone.routingId, host.vm(tenants[0]!.name)!.domainId);
    const v = checkHost(host, { trafficPairs: "none" });
    expect(v.map((x) => x.message)).toContain(
      `free VF ${gone.vf} can still issue DMA (context entry present)`,
    );
  });
});
