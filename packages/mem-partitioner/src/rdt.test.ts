import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type BandwidthResource,
  type CacheResource,
  contiguousCbm,
  DEFAULT_GROUP,
  partitionCacheWays,
  ResctrlFilesystem,
  rdtResourcesFromCapabilities,
  validateBandwidth,
  validateCbm,
} from "./rdt";

const fixtures = path.resolve(__dirname, "../fixtures");
const read = (f: string) => readFileSync(path.join(fixtures, f), "utf8");

const intelL3: CacheResource = {
  kind: "cache",
  name: "L3",
  cbmMask: 0xfffff,
  minCbmBits: 2,
  numClosids: 16,
  domains: [0, 1],
};
const intelMB: BandwidthResource = {
  kind: "bandwidth",
  name: "MB",
  minBandwidth: 10,
  bandwidthGran: 10,
  maxBandwidth: 100,
  delayLinear: true,
  archNeedsLinear: true,
  numClosids: 8,
  domains: [0, 1],
};

// The AMD host of libvirt's linux-resctrl-amd test data: 8 L3 domains of 16 ways, sparse masks,
// CDP capable (hence the 6-wide name column), MB and SMBA with max 2048 (1/8 GB/s units).
const amdIds = [0, 2, 4, 6, 8, 10, 12, 14];
const amd = [
  {
    kind: "cache",
    name: "L3",
    cbmMask: 0xffff,
    minCbmBits: 0,
    numClosids: 16,
    sparseMasks: true,
    cdpCapable: true,
    domains: amdIds,
  },
  {
    kind: "bandwidth",
    name: "MB",
    minBandwidth: 0,
    bandwidthGran: 1,
    maxBandwidth: 2048,
    numClosids: 16,
    domains: amdIds,
  },
  {
    kind: "bandwidth",
    name: "SMBA",
    minBandwidth: 0,
    bandwidthGran: 1,
    maxBandwidth: 2048,
    numClosids: 16,
    domains: amdIds,
  },
] as const satisfies readonly (CacheResource | BandwidthResource)[];

describe("validateCbm (cbm_validate)", () => {
  it.each([
    [0xf0f, "The mask f0f has non-consecutive 1-bits"],
    [0x1, "Need at least 2 bits in the mask"],
    [0, "Mask out of range"],
    [0x1fffff, "Mask out of range"],
  ])("%s → %s", (mask, msg) => {
    expect(validateCbm(mask, intelL3)).toEqual({ ok: false, error: { lastCmdStatus: msg } });
  });
  it("accepts contiguous masks, and sparse ones where supported", () => {
    expect(validateCbm(0xff000, intelL3)).toEqual({ ok: true, value: 0xff000 });
    expect(validateCbm(0xf0f, amd[0])).toEqual({ ok: true, value: 0xf0f });
    expect(validateCbm(0, amd[0])).toEqual({ ok: true, value: 0 });
  });
});

describe("validateBandwidth (bw_validate)", () => {
  it("rounds up to the granularity", () => {
    expect(validateBandwidth(15, intelMB)).toEqual({ ok: true, value: 20 });
    expect(validateBandwidth(100, intelMB)).toEqual({ ok: true, value: 100 });
  });
  it("refuses out-of-range values with the kernel's text", () => {
    expect(validateBandwidth(5, intelMB)).toEqual({
      ok: false,
      error: { lastCmdStatus: "MB value 5 out of range [10,100]" },
    });
    expect(validateBandwidth(2049, amd[1])).toEqual({
      ok: false,
      error: { lastCmdStatus: "MB value 2049 out of range [0,2048]" },
    });
    expect(validateBandwidth(50, { ...intelMB, delayLinear: false })).toEqual({
      ok: false,
      error: { lastCmdStatus: "No support for non-linear MB domains" },
    });
  });
  it("passes MBps through under the software controller", () => {
    expect(validateBandwidth(5000, { ...intelMB, mbaSc: true })).toEqual({ ok: true, value: 5000 });
  });
});

describe("ResctrlFilesystem", () => {
  it("reads the AMD host's default schemata exactly as in libvirt's test data", () => {
    const fs = new ResctrlFilesystem(amd);
    expect(fs.readSchemata(DEFAULT_GROUP)).toBe(read("libvirt-linux-resctrl-amd.schemata"));
  });

  it("reads info/L3/bit_usage exactly as in libvirt's test data", () => {
    const fs = new ResctrlFilesystem(amd);
    expect(fs.bitUsage("L3")).toBe(read("libvirt-linux-resctrl-amd.info-L3-bit_usage"));
  });

  it("reads the Intel host's schemata (17-bit L3, two domains)", () => {
    const fs = new ResctrlFilesystem([{ ...intelL3, cbmMask: 0x1ffff, minCbmBits: 1 }]);
    expect(fs.readSchemata(DEFAULT_GROUP)).toBe(read("libvirt-linux-resctrl.schemata"));
  });

  it("gives NoHype VMs exclusive ways once the host is shrunk", () => {
    const fs = new ResctrlFilesystem([intelL3, intelMB]);
    expect(fs.mkdir("vm1")).toEqual({ ok: true, value: 1 });
    expect(fs.writeSchemata("vm1", "L3:0=ff000;1=ff000\nMB:0=45;1=100\n")).toEqual({
      ok: true,
      value: undefined,
    });
    // The default group still holds every way.
    expect(fs.setMode("vm1", "exclusive")).toEqual({
      ok: false,
      error: { lastCmdStatus: "Schemata overlaps" },
    });
    expect(fs.writeSchemata(DEFAULT_GROUP, "L3:0=00fff;1=00fff\n").ok).toBe(true);
    expect(fs.setMode("vm1", "exclusive")).toEqual({ ok: true, value: undefined });
    expect(fs.readSchemata("vm1")).toBe(
      "    MB:0=50;1=100\n    L3:0=ff000;1=ff000\n".replace(/^ {4}/gm, ""),
    );
    // A new group starts with the shareable and unused ways, first run only.
    expect(fs.mkdir("vm2")).toEqual({ ok: true, value: 2 });
    expect(fs.control("vm2", "L3", 0)).toBe(0xfff);
    expect(fs.writeSchemata("vm2", "L3:0=fc000\n")).toEqual({
      ok: false,
      error: { lastCmdStatus: "Overlaps with exclusive group" },
    });
    // All-or-nothing: the valid first line of a failing write is not applied.
    expect(fs.writeSchemata("vm2", "MB:0=30\nL3:1=3\nL3:0=0\n").ok).toBe(false);
    expect(fs.control("vm2", "MB", 0)).toBe(100);
    expect(fs.writeSchemata("vm1", "L3:0=fff00\n")).toEqual({
      ok: false,
      error: { lastCmdStatus: "Overlaps with other group" },
    });
    expect(fs.bitUsage("L3")).toBe(`0=EEEEEEEESSSSSSSSSSSS;1=EEEEEEEESSSSSSSSSSSS\n`);
  });

  it("runs out of CLOSIDs at the smallest num_closids", () => {
    const fs = new ResctrlFilesystem([intelL3, { ...intelMB, numClosids: 2 }]);
    expect(fs.mkdir("a").ok).toBe(true);
    expect(fs.mkdir("b")).toEqual({ ok: false, error: { lastCmdStatus: "Out of CLOSIDs" } });
    expect(fs.rmdir("a")).toBe(true);
    expect(fs.mkdir("b")).toEqual({ ok: true, value: 1 });
    expect(fs.groups()).toEqual([DEFAULT_GROUP, "b"]);
  });

  it("refuses exclusivity without a cache resource and unknown domains", () => {
    const fs = new ResctrlFilesystem([intelMB]);
    fs.mkdir("a");
    expect(fs.setMode("a", "exclusive")).toEqual({
      ok: false,
      error: { lastCmdStatus: "Cannot be exclusive without CAT/CDP" },
    });
    // The kernel returns -EINVAL with an empty last_cmd_status for a domain id it does not have.
    expect(fs.writeSchemata("a", "MB:7=50\n")).toEqual({ ok: false, error: { lastCmdStatus: "" } });
  });

  it("marks hardware-shared ways in bit_usage", () => {
    const fs = new ResctrlFilesystem([
      { ...intelL3, cbmMask: 0xff, shareableBits: 0xc0, domains: [0] },
    ]);
    expect(fs.writeSchemata(DEFAULT_GROUP, "L3:0=f\n").ok).toBe(true);
    expect(fs.bitUsage("L3")).toBe("0=HH00SSSS\n");
    expect(fs.writeSchemata(DEFAULT_GROUP, "L3:0=ff\n").ok).toBe(true);
    expect(fs.bitUsage("L3")).toBe("0=XXSSSSSS\n");
  });
});

describe("way partitioning", () => {
  it("carves disjoint contiguous masks from the top ways", () => {
    const l3: CacheResource = { ...intelL3, cbmMask: 0x7ff, minCbmBits: 2 };
    expect(partitionCacheWays(l3, [4, 4])).toEqual({ ok: true, value: [0x780, 0x78] });
    expect(partitionCacheWays(l3, [1])).toEqual({
      ok: false,
      error: { lastCmdStatus: "Need at least 2 bits in the mask" },
    });
    expect(partitionCacheWays(l3, [6, 6]).ok).toBe(false);
    expect(contiguousCbm(4, 8)).toBe(0xff0);
  });
});

describe("rdtResourcesFromCapabilities", () => {
  it("reads the CAT and MBA controls of the 2-socket sample host", () => {
    const caps = read("host-capabilities-sample-2s8c2t.xml");
    // <bank … size='22' unit='MiB'><control granularity='2' unit='MiB' type='both' maxAllocs='16'/>
    // <memory_bandwidth><node id='0'><control granularity='10' min='10' maxAllocs='8'/>
    expect(rdtResourcesFromCapabilities(caps)).toEqual([
      {
        kind: "cache",
        name: "L3",
        cbmMask: 0x7ff,
        minCbmBits: 1,
        numClosids: 16,
        domains: [0, 1],
        cacheSize: 22 * 2 ** 20,
        cdpCapable: false,
      },
      {
        kind: "bandwidth",
        name: "MB",
        minBandwidth: 10,
        bandwidthGran: 10,
        maxBandwidth: 100,
        delayLinear: true,
        numClosids: 8,
        domains: [0, 1],
      },
    ]);
    // and a resctrl model of that host gives 8 groups at most (MBA has 8 CLOSIDs)
    const fs = new ResctrlFilesystem(rdtResourcesFromCapabilities(caps));
    for (let i = 1; i < 8; i++) expect(fs.mkdir(`vm${i}`).ok).toBe(true);
    expect(fs.mkdir("vm8")).toEqual({ ok: false, error: { lastCmdStatus: "Out of CLOSIDs" } });
  });
});
