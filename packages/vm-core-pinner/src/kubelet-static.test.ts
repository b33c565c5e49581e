import { describe, expect, it } from "vitest";
import { formatCpuList, parseCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import {
  KubeletStaticPolicy,
  kubeletNumaHint,
  kubeletStaticOptions,
  kubeletTakeByTopologyNUMADistributed,
  kubeletTakeByTopologyNUMAPacked,
} from "./kubelet-static";
import { buildTopology, type Topology } from "./topology";

// The topologies of kubelet's own tests (pkg/kubelet/cm/cpumanager/policy_test.go), rebuilt here;
// expected results are the ones kubelet's cpu_assignment_test.go asserts.
const topoSingleSocketHT = parseHwlocSynthetic("pack:1 core:4 pu:2(indexes=2*4:1*2)"); // CPU i, i+4 siblings
function dualSocketHT(uncoreAll: boolean): Topology {
  // 12 CPUs; CPU i in socket/NUMA i%2, core i%6 (siblings i, i+6); kubelet's test leaves every
  // UncoreCacheID at 0, i.e. one uncore cache spanning both sockets.
  return buildTopology({
    source: "kubelet topoDualSocketHT",
    pus: Array.from({ length: 12 }, (_, i) => ({
      os: i,
      coreKey: `c${i % 6}`,
      packageKey: `s${i % 2}`,
      packageOs: i % 2,
      numaOs: i % 2,
      ...(uncoreAll ? { l3Key: "u0", l3Os: 0 } : {}),
    })),
  });
}
const topoDualSocketHT = dualSocketHT(true);
const topoDualSocketMultiNumaPerSocketHT = parseHwlocSynthetic(
  "pack:2 numa:2 core:10 pu:2(indexes=2*40:1*2)",
);
const topoUncoreSingleSocketNoSMT = parseHwlocSynthetic("pack:1 l3:4 core:4 pu:1");
const topoUncoreDualSocketNoSMT = parseHwlocSynthetic("pack:2 numa:1 l3:2 core:4 pu:1");
const topoUncoreSingleSocketSMT = parseHwlocSynthetic("pack:1 l3:2 core:4 pu:2(indexes=2*8:1*2)");

const L = (s: string) => parseCpuList(s);
const packed = (
  t: Topology,
  avail: string,
  n: number,
  o: Parameters<typeof kubeletTakeByTopologyNUMAPacked>[3] = {},
) => {
  const r = kubeletTakeByTopologyNUMAPacked(t, L(avail), n, o);
  return r.ok ? formatCpuList(r.cpus) : r.error.message;
};

describe("takeByTopologyNUMAPacked (kubelet test vectors)", () => {
  it.each([
    [
      topoSingleSocketHT,
      "0,2,4,6",
      5,
      "not enough cpus available to satisfy request: requested=5, available=4",
    ],
    [topoSingleSocketHT, "0-7", 0, ""],
    [topoSingleSocketHT, "0-7", 1, "0"],
    [topoSingleSocketHT, "1,3,5,6,7", 1, "6"],
    [topoSingleSocketHT, "0-7", 2, "0,4"],
    [topoSingleSocketHT, "0-7", 8, "0-7"],
    [topoSingleSocketHT, "0-3,6", 2, "2,6"],
    [topoDualSocketHT, "0-11", 6, "0,2,4,6,8,10"],
    [topoDualSocketMultiNumaPerSocketHT, "0-79", 40, "0-19,40-59"],
    [topoDualSocketMultiNumaPerSocketHT, "0-79", 20, "0-9,40-49"],
    [topoDualSocketMultiNumaPerSocketHT, "10-39,50-79", 20, "10-19,50-59"],
    [topoDualSocketMultiNumaPerSocketHT, "0-79", 60, "0-29,40-69"],
    [topoDualSocketMultiNumaPerSocketHT, "1-39,41-79", 60, "10-39,50-79"],
    [topoDualSocketHT, "1-5,7-11", 1, "2"],
    [topoDualSocketHT, "0-11", 8, "0-2,4,6-8,10"],
    [topoDualSocketMultiNumaPerSocketHT, "0-79", 64, "0-31,40-71"],
  ] as const)("%#: available %s, request %i", (t, avail, n, expected) => {
    expect(packed(t, avail, n)).toBe(expected);
  });

  it.each([
    [topoUncoreSingleSocketNoSMT, "1-15", 10, "1-2,4-11"],
    [topoDualSocketHT, "1-5,7-11", 1, "1"],
    [topoUncoreDualSocketNoSMT, "0-15", 4, "0-3"],
    [topoUncoreDualSocketNoSMT, "2-15", 6, "2-7"],
    [topoUncoreDualSocketNoSMT, "8-15", 4, "8-11"],
    [topoUncoreSingleSocketSMT, "2-3,10-11,4-7,12-15", 6, "4-6,12-14"],
    [topoUncoreSingleSocketSMT, "1-7,9-15", 10, "1,4-7,9,12-15"],
  ] as const)(
    "%#: prefer-align-cpus-by-uncorecache, available %s, request %i",
    (t, avail, n, expected) => {
      expect(packed(t, avail, n, { preferAlignByUncoreCache: true })).toBe(expected);
    },
  );

  it.each([
    [topoSingleSocketHT, "0-7", 3, "0-2"],
    [topoDualSocketHT, "0-11", 2, "0,2"],
    [topoDualSocketHT, "0-11", 3, "0,2,4"],
    [topoDualSocketHT, "0-11", 6, "0,2,4,6,8,10"],
    [topoDualSocketHT, "0-11", 8, "0-4,6,8,10"],
    [topoDualSocketMultiNumaPerSocketHT, "0-79", 8, "0-7"],
  ] as const)(
    "%#: distribute-cpus-across-cores, available %s, request %i",
    (t, avail, n, expected) => {
      expect(packed(t, avail, n, { distributeCPUsAcrossCores: true })).toBe(expected);
    },
  );
});

describe("takeByTopologyNUMADistributed (kubelet test vectors)", () => {
  it.each([
    [topoDualSocketHT, "0-11", 8, 1, "0-3,6-9"],
    [
      topoDualSocketMultiNumaPerSocketHT,
      "0-79",
      64,
      1,
      "0-7,10-17,20-27,30-37,40-47,50-57,60-67,70-77",
    ],
    [topoDualSocketMultiNumaPerSocketHT, "0-79", 48, 1, "0-7,10-17,20-27,40-47,50-57,60-67"],
    [
      topoDualSocketMultiNumaPerSocketHT,
      "1-29,32-39,41-69,72-79",
      48,
      1,
      "1-8,10-17,20-27,41-48,50-57,60-67",
    ],
    [
      topoDualSocketMultiNumaPerSocketHT,
      "2-29,31-39,42-69,71-79",
      48,
      1,
      "10-17,20-27,31-38,50-57,60-67,71-78",
    ],
    [
      topoSingleSocketHT,
      "0,2,4,6",
      5,
      1,
      "not enough cpus available to satisfy request: requested=5, available=4",
    ],
  ] as const)("%#: available %s, request %i in groups of %i", (t, avail, n, g, expected) => {
    const r = kubeletTakeByTopologyNUMADistributed(t, L(avail), n, g);
    expect(r.ok ? formatCpuList(r.cpus) : r.error.message).toBe(expected);
  });
});

describe("kubelet static policy options", () => {
  it("refuses the combinations kubelet refuses, with kubelet's words", () => {
    expect(() => kubeletStaticOptions(["full-pcpus-only", "distribute-cpus-across-cores"])).toThrow(
      "static policy options full-pcpus-only and distribute-cpus-across-cores can not be used at the same time",
    );
    expect(() =>
      kubeletStaticOptions(["distribute-cpus-across-numa", "distribute-cpus-across-cores"]),
    ).toThrow(
      "static policy options distribute-cpus-across-numa and distribute-cpus-across-cores can not be used at the same time",
    );
    expect(() =>
      kubeletStaticOptions(["prefer-align-cpus-by-uncorecache", "distribute-cpus-across-numa"]),
    ).toThrow(
      "static policy options prefer-align-cpus-by-uncorecache and distribute-cpus-across-numa can not be used at the same time",
    );
    expect(() => kubeletStaticOptions(["fast-path"])).toThrow(
      'unknown CPU Manager Policy option: "fast-path"',
    );
    expect(() => kubeletStaticOptions({ "full-pcpus-only": "yes" })).toThrow(
      /bad value for option "full-pcpus-only"/,
    );
    expect(kubeletStaticOptions({ "full-pcpus-only": "True" }).fullPhysicalCPUsOnly).toBe(true);
  });
  it("align-by-socket: refused where sockets outnumber NUMA nodes and with single-numa-node", () => {
    const fourSockets = parseHwlocSynthetic("pack:4 core:2 pu:2");
    expect(() => new KubeletStaticPolicy(fourSockets, { options: ["align-by-socket"] })).toThrow(
      "Align by socket is not compatible with hardware where number of sockets are more than number of NUMA",
    );
    expect(
      () =>
        new KubeletStaticPolicy(topoDualSocketMultiNumaPerSocketHT, {
          options: ["align-by-socket"],
          topologyManagerPolicy: "single-numa-node",
        }),
    ).toThrow(
      "Topolgy manager single-numa-node policy is incompatible with CPUManager align-by-socket policy option",
    );
  });
});

describe("KubeletStaticPolicy", () => {
  it("full-pcpus-only: SMT alignment errors as kubelet prints them", () => {
    const p = new KubeletStaticPolicy(topoDualSocketHT, {
      options: ["full-pcpus-only"],
      reservedCpus: [0],
    });
    const odd = p.allocate(3);
    expect(odd).toEqual({
      ok: false,
      error: {
        reason: "SMTAlignmentError",
        message: "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2",
      },
    });
    // Reserving CPU 0 also withholds its sibling 6: 10 physical CPUs left.
    expect(p.reservedPhysicalCpus).toEqual([0, 6]);
    const big = p.allocate(12);
    expect(big.ok ? "" : big.error.message).toBe(
      "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = 10, requested CPUs = 12, CPUs per core = 2",
    );
    const ok = p.allocate(4);
    expect(ok.ok && ok.cpus.length === 4 && !ok.cpus.includes(0) && !ok.cpus.includes(6)).toBe(
      true,
    );
  });
  it("reserves CPUs by count the way kubelet does (lowest cores first)", () => {
    const p = new KubeletStaticPolicy(topoSingleSocketHT, { numReservedCpus: 2 });
    expect(p.reservedCpus).toEqual([0, 4]);
    expect(() => new KubeletStaticPolicy(topoSingleSocketHT, { numReservedCpus: 9 })).toThrow(
      /unable to reserve the required amount of CPUs/,
    );
  });
  it("strict-cpu-reservation keeps reserved CPUs out of the shared pool", () => {
    const plain = new KubeletStaticPolicy(topoSingleSocketHT, { reservedCpus: [0, 4] });
    const strict = new KubeletStaticPolicy(topoSingleSocketHT, {
      reservedCpus: [0, 4],
      options: ["strict-cpu-reservation"],
    });
    expect(plain.sharedPool()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(strict.sharedPool()).toEqual([1, 2, 3, 5, 6, 7]);
    expect(strict.availableCpus()).toEqual(plain.availableCpus());
  });
  it("never hands out reserved CPUs and returns kubelet's shortage error", () => {
    const p = new KubeletStaticPolicy(topoSingleSocketHT, { reservedCpus: [0, 4] });
    const a = p.allocate(4);
    expect(a.ok && a.cpus.every((c) => c !== 0 && c !== 4)).toBe(true);
    const b = p.allocate(3);
    expect(b.ok ? "" : b.error.message).toBe(
      "not enough cpus available to satisfy request: requested=3, available=2",
    );
    if (a.ok) p.release(a.cpus);
    expect(p.availableCpus()).toEqual([1, 2, 3, 5, 6, 7]);
    expect(() => p.allocate(-1)).toThrow(VmCorePinnerError);
  });
  it("topology manager hint: restricted refuses what no preferred NUMA set can hold", () => {
    const t = parseHwlocSynthetic("pack:2 numa:1 core:2 pu:1");
    expect(kubeletNumaHint(t, t.cpus, 2)).toEqual({ numaNodes: [0], preferred: true });
    expect(kubeletNumaHint(t, [0, 2], 2)).toEqual({ numaNodes: [0, 1], preferred: false });
    const p = new KubeletStaticPolicy(t, {
      topologyManagerPolicy: "restricted",
      available: [0, 2],
    });
    const r = p.allocate(2);
    expect(r).toEqual({
      ok: false,
      error: {
        reason: "TopologyAffinityError",
        message: "Resources cannot be allocated with Topology locality",
      },
    });
    const be = new KubeletStaticPolicy(t, {
      topologyManagerPolicy: "best-effort",
      available: [0, 2],
    });
    expect(be.allocate(2)).toEqual({ ok: true, cpus: [0, 2] });
  });
  it("align-by-socket widens the NUMA hint to the socket", () => {
    // Socket 0 = NUMA 0 (CPUs 0-3, all free) + NUMA 1 (only CPU 7 free). The hint is NUMA 0;
    // aligned by socket, packing prefers the fuller NUMA 1 inside the same socket.
    const t = parseHwlocSynthetic("pack:2 numa:2 core:4 pu:1");
    const available = L("0-3,7-15");
    const byNuma = new KubeletStaticPolicy(t, { topologyManagerPolicy: "best-effort", available });
    const bySocket = new KubeletStaticPolicy(t, {
      options: ["align-by-socket"],
      topologyManagerPolicy: "best-effort",
      available,
    });
    expect(byNuma.allocate(1)).toEqual({ ok: true, cpus: [0] });
    expect(bySocket.allocate(1)).toEqual({ ok: true, cpus: [7] });
  });
});

describe("kubelet limits on big machines", () => {
  const big = parseHwlocSynthetic("group:12 pack:2 numa:1 l3:1 core:8 pu:2"); // 24 NUMA nodes, 384 CPUs
  it("the topology manager refuses more than 8 NUMA nodes, as kubelet does", () => {
    expect(() => new KubeletStaticPolicy(big, { topologyManagerPolicy: "best-effort" })).toThrow(
      "unsupported on machines with more than 8 NUMA Nodes",
    );
    expect(new KubeletStaticPolicy(big).allocate(2).ok).toBe(true);
  });
  it("distribute-cpus-across-numa finishes on 24 NUMA nodes and spreads evenly", () => {
    const r = kubeletTakeByTopologyNUMADistributed(big, big.cpus, 48, 2);
    expect(r.ok && r.cpus.length).toBe(48);
    const r2 = kubeletTakeByTopologyNUMADistributed(big, big.cpus, 200, 2);
    expect(r2.ok && r2.cpus.length).toBe(200);
  });
});
