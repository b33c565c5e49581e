import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  cachetuneXml,
  guestNumaCells,
  libvirtSize,
  memoryBackingXml,
  memorytuneXml,
  memoryXml,
  numatuneXml,
} from "./libvirt";
import { PAGE_1G, PAGE_2M, PAGE_4K, uniformHostMemoryMap } from "./memory-map";
import { MemoryPartitioner, type Partition } from "./partitioner";
import type { BandwidthResource, CacheResource } from "./rdt";

const fixtures = path.resolve(__dirname, "../fixtures");
const sample = readFileSync(path.join(fixtures, "nohype-guest-sample.xml"), "utf8");
const caps = readFileSync(path.join(fixtures, "host-capabilities-sample-2s8c2t.xml"), "utf8");

/** The lines of `sample` from `<tag` to `</tag>` (or the self-closing line), with a trailing newline. */
function element(xml: string, tag: string): string {
  const lines = xml.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith(`<${tag}`));
  const end = lines.findIndex(
    (l, i) => i >= start && (l.includes(`</${tag}>`) || (i === start && l.endsWith("/>"))),
  );
  return `${lines.slice(start, end + 1).join("\n")}\n`;
}

function partition(
  size: number,
  pageSize: 4096 | 2097152 | 1073741824,
  nodeset: number[],
): Partition {
  const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 64 * 2 ** 30 });
  const r = new MemoryPartitioner(host).allocate({ name: "nohype-vm1", size, pageSize, nodeset });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("libvirt emitters against the validated NoHype guest sample", () => {
  const vm = partition(8 * 2 ** 30, PAGE_1G, [0]);

  it("<memory>", () => {
    expect(memoryXml(vm)).toBe(element(sample, "memory"));
  });
  it("<memoryBacking>", () => {
    expect(memoryBackingXml(vm)).toBe(element(sample, "memoryBacking"));
  });
  it("<numatune>", () => {
    expect(numatuneXml(vm)).toBe(element(sample, "numatune"));
  });

  it("<cachetune> from the host capabilities' L3 (22 MiB, 2 MiB granularity)", () => {
    // <bank id='0' level='3' type='both' size='22' unit='MiB' …><control granularity='2' unit='MiB' …/>
    const bank =
      /<bank id='0' level='3' type='both' size='(\d+)' unit='MiB'[^>]*>\s*<control granularity='(\d+)' unit='MiB'/.exec(
        caps,
      )!;
    const size = Number(bank[1]) * 2 ** 20;
    const ways = size / (Number(bank[2]) * 2 ** 20);
    const l3: CacheResource = {
      kind: "cache",
      name: "L3",
      cbmMask: 2 ** ways - 1,
      minCbmBits: 1,
      numClosids: 16,
      domains: [0, 1],
      cacheSize: size,
    };
    expect(cachetuneXml([0, 1, 2, 3], [{ resource: l3, id: 0, cbm: 0b111_0000_0000 }])).toBe(
      element(sample, "cachetune"),
    );
  });

  it("<memorytune>, rounding bandwidth up to the granularity", () => {
    expect(memorytuneXml([0, 1, 2, 3], [{ id: 0, bandwidth: 50 }])).toBe(
      element(sample, "memorytune"),
    );
    const mb: BandwidthResource = {
      kind: "bandwidth",
      name: "MB",
      minBandwidth: 10,
      bandwidthGran: 10,
      maxBandwidth: 100,
      numClosids: 8,
      domains: [0],
    };
    expect(memorytuneXml([0], [{ id: 0, bandwidth: 41 }], { resource: mb, indent: "" })).toBe(
      "<memorytune vcpus='0'>\n  <node id='0' bandwidth='50'/>\n</memorytune>\n",
    );
  });
});

describe("multi-node and small-page partitions", () => {
  it("one guest cell per host node, bound strictly", () => {
    const p = partition(4 * 2 ** 30, PAGE_2M, [0, 1]);
    const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 4 * 2 ** 30, x86Layout: false });
    const r = new MemoryPartitioner(host).allocate({
      name: "i",
      size: 4 * 2 ** 30,
      pageSize: PAGE_2M,
      mode: "interleave",
    });
    if (!r.ok) throw new Error("no");
    expect(guestNumaCells(r.value)).toEqual([
      { cellId: 0, hostNode: 0, size: 2 * 2 ** 30 },
      { cellId: 1, hostNode: 1, size: 2 * 2 ** 30 },
    ]);
    expect(numatuneXml(r.value, { indent: "" })).toBe(
      "<numatune>\n  <memory mode='interleave' nodeset='0-1'/>\n  <memnode cellid='0' mode='strict' nodeset='0'/>\n  <memnode cellid='1' mode='strict' nodeset='1'/>\n</numatune>\n",
    );
    expect(memoryBackingXml(r.value, { indent: "", nosharepages: false, locked: false })).toBe(
      "<memoryBacking>\n  <hugepages>\n    <page size='2' unit='MiB' nodeset='0-1'/>\n  </hugepages>\n  <allocation mode='immediate'/>\n</memoryBacking>\n",
    );
    expect(p.nodes).toEqual([0]);
  });

  it("no <hugepages> for 4 KiB pages", () => {
    const p = partition(2 ** 20, PAGE_4K, [1]);
    expect(
      memoryBackingXml(p, { indent: "", allocation: null, source: "memfd", access: "private" }),
    ).toBe(
      "<memoryBacking>\n  <nosharepages/>\n  <locked/>\n  <source type='memfd'/>\n  <access mode='private'/>\n</memoryBacking>\n",
    );
  });

  it("picks the largest exact unit", () => {
    expect(libvirtSize(3 * 2 ** 30)).toEqual({ value: 3, unit: "GiB" });
    expect(libvirtSize(1536 * 2 ** 20)).toEqual({ value: 1536, unit: "MiB" });
    expect(libvirtSize(100)).toEqual({ value: 100, unit: "B" });
  });
});
