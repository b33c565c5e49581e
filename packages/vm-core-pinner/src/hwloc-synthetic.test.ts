import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures, nohypeData, sharedPresent } from "../test/data";
import { VmCorePinnerError } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { parseHwlocXml } from "./hwloc-xml";
import type { Topology } from "./topology";

const shape = (t: Topology) =>
  t.cores.map((c) => ({
    pus: c.pus,
    pkg: t.packages[c.package]?.cpus,
    numa: c.numaNode,
    l3: c.l3 >= 0 ? t.l3Caches[c.l3]?.cpus : null,
  }));

// Reference: lstopo's own XML export of the same synthetic description (SyntheticDescription info).
function checkAgainstLstopo(xml: string) {
  const spec = /name="SyntheticDescription" value="([^"]*)"/.exec(xml)?.[1];
  expect(spec).toBeDefined();
  expect(shape(parseHwlocSynthetic(spec as string))).toEqual(shape(parseHwlocXml(xml)));
}

describe("parseHwlocSynthetic", () => {
  it("interleaves indexes like lstopo: pu:2(indexes=2*16:1*2) gives Linux's Intel sibling numbering", () => {
    const xml = readFileSync(
      path.join(fixtures, "synth-pack2-core8-pu2-linux-intel-sibling-numbering.xml"),
      "utf8",
    );
    checkAgainstLstopo(xml);
    const t = parseHwlocSynthetic("pack:2 numa:1 l3:1 core:8 pu:2(indexes=2*16:1*2)");
    expect(t.cores[0]?.pus).toEqual([0, 16]);
    expect(t.cores[15]?.pus).toEqual([15, 31]);
    expect(t.packages[1]?.cpus).toEqual([
      8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31,
    ]);
  });
  it("builds the 512-PU benchmark host pack:2 numa:4 core:32 pu:2", () => {
    const t = parseHwlocSynthetic("pack:2 numa:4 core:32 pu:2");
    expect(t.cpus).toHaveLength(512);
    expect(t.cores).toHaveLength(256);
    expect(t.numaNodes.map((n) => n.cpus.length)).toEqual([64, 64, 64, 64, 64, 64, 64, 64]);
    expect(t.packages.map((p) => p.cpus.length)).toEqual([256, 256]);
  });
  it("accepts explicit index lists, type aliases and a machine without NUMA level", () => {
    const t = parseHwlocSynthetic("socket:1 co:2 pu:2(indexes=0,2,1,3)");
    expect(t.cores.map((c) => c.pus)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(t.numaNodes).toHaveLength(1);
    expect(
      parseHwlocSynthetic("numa:2(memory=1GB) pack:1 core:1 pu:1").numaNodes[0]?.memoryBytes,
    ).toBe(1024 ** 3);
  });
  it("rejects bad descriptions with the offset", () => {
    const err = (s: string) => {
      try {
        parseHwlocSynthetic(s);
        return null;
      } catch (e) {
        expect(VmCorePinnerError.isInstance(e)).toBe(true);
        return (e as VmCorePinnerError).where.offset ?? -1;
      }
    };
    expect(err("pack:2 core:2")).not.toBeNull(); // no pu level
    expect(err("pack:2 gizmo:2 pu:1")).toBe(7);
    expect(err("pack:2 pu:2 core:1")).not.toBeNull();
    expect(err("pack:2 core:2 pu:2(indexes=3*2:1*2)")).not.toBeNull(); // not a permutation
    expect(err("pack:2 core:2 pu:2(indexes=0,1,2)")).not.toBeNull();
    expect(err("pack:0 pu:1")).toBe(0);
    expect(err("pack:2 core:2 pu:2 !")).not.toBeNull();
  });
});

describe.runIf(sharedPresent)(
  "every synthetic XML of the shared data matches its description",
  () => {
    const dir = path.join(nohypeData, "hwloc", "synthetic");
    for (const f of sharedPresent ? readdirSync(dir).filter((n) => n.endsWith(".xml")) : []) {
      it(f, () => checkAgainstLstopo(readFileSync(path.join(dir, f), "utf8")));
    }
  },
);
