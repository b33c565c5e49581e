import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures } from "../test/data";
import { VmCorePinnerError } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { parseHwlocXml } from "./hwloc-xml";
import { detectTopologyFormat, loadTopology } from "./load";
import {
  buildTopology,
  coreOfCpu,
  describeTopology,
  maxThreadsPerCore,
  topologyTree,
} from "./topology";

describe("topology model", () => {
  it("nests machine → packages → NUMA → L3 → cores → PUs", () => {
    const t = parseHwlocSynthetic("pack:2 numa:2 l3:2 core:2 pu:2");
    const tree = topologyTree(t);
    expect(tree.type).toBe("Machine");
    expect(tree.children.map((c) => c.type)).toEqual(["Package", "Package"]);
    const numa = tree.children[0]?.children[0];
    expect(numa?.type).toBe("NUMANode");
    expect(numa?.children.map((c) => c.type)).toEqual(["L3Cache", "L3Cache"]);
    const core = numa?.children[0]?.children[0];
    expect(core?.type).toBe("Core");
    expect(core?.children.map((p) => p.osIndex)).toEqual([0, 1]);
    expect(describeTopology(t)).toBe(
      "synthetic pack:2 numa:2 l3:2 core:2 pu:2: 2 Package, 4 NUMANode, 8 L3Cache, 16 Core, 32 PU (online 0-31)",
    );
  });
  it("puts a NUMA node that spans packages under each package (v1 8ia64: NUMA above packages)", () => {
    const t = parseHwlocXml(readFileSync(path.join(fixtures, "8ia64-2n2s2c+1n.v1.xml"), "utf8"));
    const tree = topologyTree(t);
    expect(tree.children).toHaveLength(4);
    expect(tree.children.map((p) => p.children[0]?.osIndex)).toEqual([0, 0, 2, 2]);
    expect(describeTopology(t)).toMatch(/1 CPU-less NUMANode, offline 4-7,20-23/);
    expect(coreOfCpu(t, 17)?.pus).toEqual([17]);
    expect(coreOfCpu(t, 5)).toBeUndefined();
    expect(maxThreadsPerCore(t)).toBe(1);
  });
  it("buildTopology refuses inconsistent drafts", () => {
    const base = { os: 0, coreKey: "c", packageKey: "p" };
    expect(() => buildTopology({ source: "x", pus: [] })).toThrow(VmCorePinnerError);
    expect(() => buildTopology({ source: "x", pus: [base, base] })).toThrow(/listed twice/);
    expect(() =>
      buildTopology({ source: "x", pus: [base, { os: 1, coreKey: "c", packageKey: "q" }] }),
    ).toThrow(/spans two packages/);
    expect(() => buildTopology({ source: "x", pus: [base], offlineCpus: [0] })).toThrow(
      /both online and offline/,
    );
  });
});

describe("loadTopology", () => {
  it("recognises every format by content", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(
      detectTopologyFormat(
        enc(
          '<?xml version="1.0"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n<topology version="2.0">',
        ),
      ),
    ).toBe("hwloc-xml");
    expect(detectTopologyFormat(enc("<!-- c --><capabilities>"))).toBe("libvirt-capabilities");
    expect(detectTopologyFormat(enc("/sys/devices/system/cpu/online: 0-1\n"))).toBe("sysfs-dump");
    expect(detectTopologyFormat(enc("pack:2 core:2 pu:1"))).toBe("hwloc-synthetic");
    expect(detectTopologyFormat(readFileSync(path.join(fixtures, "16em64t-4s2c2t.tar.bz2")))).toBe(
      "sysfs-tarball",
    );
    expect(detectTopologyFormat(enc("hello"))).toBeNull();
  });
  it("loads files, tarballs, dumps and synthetic strings", () => {
    expect(loadTopology(path.join(fixtures, "16em64t-4s2c2t.v3.xml")).cores).toHaveLength(8);
    expect(loadTopology(path.join(fixtures, "16em64t-4s2c2t.tar.bz2")).cores).toHaveLength(8);
    expect(
      loadTopology(path.join(fixtures, "host-capabilities-sample-2s8c2t.xml")).cpus,
    ).toHaveLength(32);
    expect(
      loadTopology(path.join(fixtures, "this-machine-sysfs-cpu-cache-hugepages.txt")).cpus,
    ).toEqual([0, 1]);
    expect(loadTopology("synthetic:pack:2 numa:4 core:32 pu:2").cpus).toHaveLength(512);
    expect(loadTopology("pack:1 core:2 pu:2").cpus).toHaveLength(4);
    expect(() => loadTopology("/no/such/file")).toThrow(VmCorePinnerError);
    expect(() => loadTopology(path.join(fixtures, "README.md"))).toThrow(/not hwloc XML/);
  });
});
