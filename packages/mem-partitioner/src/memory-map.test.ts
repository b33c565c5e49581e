import { describe, expect, it } from "vitest";
import { MemPartitionerError } from "./errors";
import {
  createHostMemoryMap,
  hostMemoryMapFromCapabilities,
  hostMemoryMapFromHwloc,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  totalRam,
  uniformHostMemoryMap,
} from "./memory-map";

const GiB = 2 ** 30;

describe("createHostMemoryMap", () => {
  it("sorts nodes and ranges and keeps distances", () => {
    const m = createHostMemoryMap({
      nodes: [
        { node: 1, ranges: [{ start: 4 * GiB, end: 8 * GiB }] },
        { node: 0, ranges: [{ start: 0, end: 2 * GiB }] },
      ],
      distances: [
        [10, 20],
        [20, 10],
      ],
    });
    expect(m.nodes.map((n) => n.node)).toEqual([0, 1]);
    expect(m.pageSizes).toEqual([PAGE_4K, PAGE_2M, PAGE_1G]);
    expect(totalRam(m)).toBe(6 * GiB);
  });

  it.each([
    [{ nodes: [{ node: 0, ranges: [{ start: 0, end: 0 }] }] }, "BAD_RANGE"],
    [{ nodes: [{ node: 0, ranges: [{ start: 1, end: 4097 }] }] }, "BAD_RANGE"],
    [
      {
        nodes: [
          { node: 0, ranges: [{ start: 0, end: GiB }] },
          { node: 1, ranges: [{ start: GiB / 2, end: 2 * GiB }] },
        ],
      },
      "OVERLAP",
    ],
    [
      {
        nodes: [
          { node: 0, ranges: [{ start: 0, end: GiB }] },
          { node: 0, ranges: [{ start: GiB, end: 2 * GiB }] },
        ],
      },
      "DUPLICATE_NODE",
    ],
    [{ nodes: [{ node: 0, ranges: [] }], pageSizes: [8192 as 4096] }, "BAD_PAGE_SIZE"],
    [{ nodes: [{ node: 0, ranges: [] }], distances: [[10, 20]] }, "BAD_DISTANCES"],
  ])("rejects malformed maps (%#)", (init, code) => {
    try {
      createHostMemoryMap(init);
      expect.unreachable();
    } catch (e) {
      expect(MemPartitionerError.isInstance(e)).toBe(true);
      expect((e as MemPartitionerError).code).toBe(code);
    }
  });
});

describe("uniformHostMemoryMap", () => {
  it("lays out the x86 shape: firmware below 1 MiB, PCI hole 3–4 GiB remapped above 4 GiB", () => {
    const m = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 8 * GiB });
    expect(m.nodes[0]!.ranges).toEqual([
      { start: 0, end: 3 * GiB },
      { start: 4 * GiB, end: 9 * GiB },
    ]);
    expect(m.nodes[1]!.ranges).toEqual([{ start: 9 * GiB, end: 17 * GiB }]);
    expect(m.reserved).toEqual([{ start: 0, end: 0x10_0000, label: "firmware" }]);
    expect(totalRam(m)).toBe(16 * GiB);
    expect(m.distances).toEqual([
      [10, 21],
      [21, 10],
    ]);
  });

  it("rejects sizes that are not whole GiB", () => {
    expect(() => uniformHostMemoryMap({ nodes: 1, bytesPerNode: GiB + 4096 })).toThrow(
      MemPartitionerError,
    );
  });
});

describe("hostMemoryMapFromCapabilities", () => {
  it("reads cells, page sizes and distances of the 2-socket sample", async () => {
    const { readFileSync } = await import("node:fs");
    const path = await import("node:path");
    const xml = readFileSync(
      path.resolve(__dirname, "../fixtures/host-capabilities-sample-2s8c2t.xml"),
      "utf8",
    );
    const m = hostMemoryMapFromCapabilities(xml);
    // <memory unit='KiB'>67108864</memory> per cell = 64 GiB; pages 4 KiB, 2 MiB, 1 GiB.
    expect(m.nodes.map((n) => n.node)).toEqual([0, 1]);
    expect(m.nodes.map((n) => n.ranges.reduce((s, r) => s + r.end - r.start, 0))).toEqual([
      64 * GiB,
      64 * GiB,
    ]);
    expect(m.pageSizes).toEqual([PAGE_4K, PAGE_2M, PAGE_1G]);
    expect(m.distances).toEqual([
      [10, 21],
      [21, 10],
    ]);
  });
  it("takes a cell without memory (a CPU-only NUMA node) as a node with no range", async () => {
    const { readFileSync } = await import("node:fs");
    const path = await import("node:path");
    const xml = readFileSync(
      path.resolve(__dirname, "../fixtures/host-capabilities-sample-2s8c2t.xml"),
      "utf8",
    );
    // The first cell's memory set to 0 (its other contents as they are): the second one's memory
    // then starts at address 0, below the PCI hole.
    let cells = 0;
    const cpuOnly = xml.replace(
      /(<memory\s+unit=['"]KiB['"]\s*>)(\d+)(<\/memory>)/g,
      (m, a, _n, b) => (++cells === 1 ? `${a}0${b}` : m),
    );
    expect(cells).toBe(2);
    const m = hostMemoryMapFromCapabilities(cpuOnly);
    expect(m.nodes.map((n) => n.ranges.length)).toEqual([0, 2]);
    expect(m.nodes[1]!.ranges[0]!.start).toBe(0);
    expect(m.nodes[1]!.ranges.reduce((s, r) => s + r.end - r.start, 0)).toBe(64 * GiB);
  });
  it("refuses capabilities without cells", () => {
    expect(() => hostMemoryMapFromCapabilities("<capabilities/>")).toThrow(/no <cell>/);
  });
});

describe("hostMemoryMapFromHwloc", () => {
  const fixture = async (f: string) => {
    const { readFileSync } = await import("node:fs");
    const path = await import("node:path");
    return readFileSync(path.resolve(__dirname, "../fixtures", f), "utf8");
  };
  const sizes = (m: ReturnType<typeof hostMemoryMapFromHwloc>) =>
    m.nodes.map((n) => n.ranges.reduce((s, r) => s + r.end - r.start, 0));

  it("reads NUMANode local_memory and page_type of an hwloc v2 file", async () => {
    const m = hostMemoryMapFromHwloc(await fixture("24em64t-2n6c2t-pci.xml"));
    // local_memory="19316633600" and "19327348736" (both whole 4 KiB pages)
    expect(m.nodes.map((n) => n.node)).toEqual([0, 1]);
    expect(sizes(m)).toEqual([19316633600, 19327348736]);
    expect(m.pageSizes).toEqual([PAGE_4K, PAGE_2M]);
    expect(m.reserved).toEqual([{ start: 0, end: 0x10_0000, label: "firmware" }]);
  });

  it("reads an hwloc v1 file, ordering nodes by OS index", async () => {
    const m = hostMemoryMapFromHwloc(await fixture("16amd64-4distances.v1.xml"));
    expect(m.nodes.map((n) => n.node)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // node 0: local_memory="8587984896"; the others 8 GiB.
    expect(sizes(m)).toEqual([8587984896, ...Array(7).fill(8 * GiB)]);
  });

  it("refuses XML without any memory size", () => {
    expect(() => hostMemoryMapFromHwloc("<topology/>")).toThrow(MemPartitionerError);
  });
});
