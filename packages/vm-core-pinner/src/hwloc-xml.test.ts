import { readFileSync } from "node:fs";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { fixtures, sharedHwlocXml, sharedPresent } from "../test/data";
import { parseCpuMask } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { hwlocXmlVersion, parseHwlocXml } from "./hwloc-xml";
import type { Topology } from "./topology";

// Independent reference: the cpusets hwloc itself wrote on every Core and Package object.
interface RefObj {
  type?: string;
  cpuset?: string;
  object?: RefObj | RefObj[];
}
function reference(xml: string) {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml) as {
    topology: { object: RefObj };
  };
  const machine = doc.topology.object;
  const usable = new Set(parseCpuMask(machine.cpuset ?? "0x0"));
  const cores: string[] = [];
  const packages: string[] = [];
  const pus: number[] = [];
  const walk = (o: RefObj) => {
    const kids = o.object === undefined ? [] : Array.isArray(o.object) ? o.object : [o.object];
    const set = parseCpuMask(o.cpuset ?? "0x0").filter((c) => usable.has(c));
    if (o.type === "Core" && set.length > 0) cores.push(set.join(","));
    if ((o.type === "Package" || o.type === "Socket") && set.length > 0)
      packages.push(set.join(","));
    if (o.type === "PU") pus.push(...set);
    for (const k of kids) walk(k);
  };
  walk(machine);
  return {
    cores: cores.sort(),
    packages: packages.sort(),
    pus: [...new Set(pus)].sort((a, b) => a - b),
  };
}

function checkAgainstReference(xml: string, t: Topology) {
  const ref = reference(xml);
  expect(t.cpus).toEqual(ref.pus);
  const withCore = t.cores.filter((c) => c.coreId !== null);
  if (ref.cores.length > 0) expect(withCore.map((c) => c.pus.join(",")).sort()).toEqual(ref.cores);
  if (ref.packages.length > 0)
    expect(t.packages.map((p) => p.cpus.join(",")).sort()).toEqual(ref.packages);
  // Every online CPU is in exactly one core; cores never keyed by core_id alone.
  expect(t.cores.flatMap((c) => c.pus).sort((a, b) => a - b)).toEqual(t.cpus);
}

const fx = (f: string) => readFileSync(path.join(fixtures, f), "utf8");

describe("parseHwlocXml on bundled hwloc test files", () => {
  it("reads v2: 4 packages × 2 cores × 2 threads with Linux-style sibling numbering", () => {
    const xml = fx("16em64t-4s2c2t.v2.xml");
    expect(hwlocXmlVersion(xml)).toBe("v2");
    const t = parseHwlocXml(xml);
    checkAgainstReference(xml, t);
    expect(t.packages).toHaveLength(4);
    expect(t.cores).toHaveLength(8);
    expect(t.l3Caches).toHaveLength(4);
    // core_id 0 exists in every package: four distinct cores share it.
    expect(t.cores.filter((c) => c.coreId === 0)).toHaveLength(4);
    expect(t.cores.find((c) => c.pus.includes(4))?.pus).toEqual([4, 12]);
  });
  it("reads v3 to the same topology as v2", () => {
    const v2 = parseHwlocXml(fx("16em64t-4s2c2t.v2.xml"));
    const xml = fx("16em64t-4s2c2t.v3.xml");
    expect(hwlocXmlVersion(xml)).toBe("v3");
    const v3 = parseHwlocXml(xml);
    checkAgainstReference(xml, v3);
    expect(v3.cores).toEqual(v2.cores);
    expect(v3.packages).toEqual(v2.packages);
  });
  it("reads v1 with NUMA nodes in the tree, a CPU-less node and CPUs outside the cpuset", () => {
    const xml = fx("8ia64-2n2s2c+1n.v1.xml");
    expect(hwlocXmlVersion(xml)).toBe("v1");
    const t = parseHwlocXml(xml);
    checkAgainstReference(xml, t);
    expect(t.numaNodes.map((n) => [n.osIndex, n.cpus])).toEqual([
      [0, [0, 1, 2, 3]],
      [2, [16, 17, 18, 19]],
      [16, []],
    ]);
    expect(t.numaNodes.find((n) => n.osIndex === 16)?.memoryBytes).toBe(1044660224);
    expect(t.offlineCpus).toEqual([4, 5, 6, 7, 20, 21, 22, 23]);
    // Package os_index 131072 (SGI-style): kept as reported.
    expect(t.packages.map((p) => p.osIndex)).toEqual([0, 1, 131072, 131073]);
  });
  it("reads hybrid cpukinds ranked by forced_efficiency", () => {
    const t = parseHwlocXml(fx("fakecpukinds.xml"));
    expect(t.cpuKinds.map((k) => [k.coreType, k.cpus])).toEqual([
      ["MySmallCore", [0, 1]],
      ["YouBigcore", [2]],
      ["IntelCore", [3]],
    ]);
  });
  it("gives KNL SNC4 cores their DDR node, leaving MCDRAM nodes CPU-less", () => {
    const xml = fx("64intel64-fakeKNL-SNC4-hybrid.xml");
    const t = parseHwlocXml(xml);
    checkAgainstReference(xml, t);
    const withCpus = t.numaNodes.filter((n) => n.cpus.length > 0);
    const cpuLess = t.numaNodes.filter((n) => n.cpus.length === 0);
    expect(withCpus).toHaveLength(4);
    expect(cpuLess).toHaveLength(4);
    expect(cpuLess.every((n) => n.subtype === "MCDRAM")).toBe(true);
    expect(Math.max(...t.cores.map((c) => c.pus.length))).toBe(4);
  });
});

describe("parseHwlocXml errors carry line and element", () => {
  it("reports malformed XML with its line", () => {
    const xml =
      '<?xml version="1.0"?>\n<topology version="2.0">\n  <object type="Machine">\n</topology>\n';
    try {
      parseHwlocXml(xml);
      expect.unreachable();
    } catch (e) {
      expect(VmCorePinnerError.isInstance(e)).toBe(true);
      expect((e as VmCorePinnerError).code).toBe("XML_MALFORMED");
      expect((e as VmCorePinnerError).where.line).toBeGreaterThanOrEqual(3);
    }
  });
  it("reports a bad attribute with the line of its element", () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<topology version="2.0">',
      '  <object type="Machine" os_index="0" cpuset="0x3">',
      '    <object type="Core" os_index="0" cpuset="0x3">',
      '      <object type="PU" os_index="zero" cpuset="0x1"/>',
      "    </object>",
      "  </object>",
      "</topology>",
    ].join("\n");
    try {
      parseHwlocXml(xml);
      expect.unreachable();
    } catch (e) {
      const err = e as VmCorePinnerError;
      expect(err.code).toBe("HWLOC_XML_INVALID");
      expect(err.where.line).toBe(5);
      expect(err.where.field).toBe("os_index");
    }
  });
  it("rejects a document that is not an hwloc topology", () => {
    expect(() => parseHwlocXml("<capabilities/>")).toThrow(VmCorePinnerError);
    expect(() =>
      parseHwlocXml('<topology version="9.0"><object type="Machine"/></topology>'),
    ).toThrow(/unsupported version/);
  });
});

describe.runIf(sharedPresent)("parseHwlocXml on every hwloc XML of the shared data", () => {
  for (const file of sharedHwlocXml()) {
    it(path.basename(file), () => {
      const xml = readFileSync(file, "utf8");
      const t = parseHwlocXml(xml, { name: file });
      checkAgainstReference(xml, t);
      for (const c of t.cores) expect(c.package).toBeGreaterThanOrEqual(0);
    });
  }
});
