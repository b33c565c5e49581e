import { describe, expect, it } from "vitest";
import { MemPartitionerError } from "./errors";
import { createHostMemoryMap, PAGE_1G, PAGE_2M, PAGE_4K, uniformHostMemoryMap } from "./memory-map";
import { MemoryPartitioner, planPartitions } from "./partitioner";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe("MemoryPartitioner", () => {
  it("places 1 GiB pages on 1 GiB boundaries, skipping firmware and the PCI hole", () => {
    const host = uniformHostMemoryMap({ nodes: 1, bytesPerNode: 8 * GiB });
    const p = new MemoryPartitioner(host);
    const r = p.allocate({ name: "vm", size: 4 * GiB, pageSize: PAGE_1G });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // RAM is [0,3G) (first MiB reserved) and [4G,9G): best fit for 4 GiB of 1 GiB pages is [4G,8G).
    expect(r.value.extents).toEqual([
      { node: 0, hostStart: 4 * GiB, guestStart: 0, size: 4 * GiB },
    ]);
  });

  it("never hands out reserved memory", () => {
    const host = createHostMemoryMap({
      nodes: [{ node: 0, ranges: [{ start: 0, end: 16 * MiB }] }],
      reserved: [{ start: 4 * MiB, end: 6 * MiB, label: "host" }],
    });
    const p = new MemoryPartitioner(host);
    const r = p.allocate({ name: "a", size: 10 * MiB, pageSize: PAGE_2M, contiguous: true });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.extents[0]!.hostStart).toBe(6 * MiB);
    const big = p.allocate({ name: "b", size: 6 * MiB, pageSize: PAGE_2M });
    expect(big).toMatchObject({
      ok: false,
      error: { kind: "insufficient-memory", available: 4 * MiB },
    });
  });

  it("splits across free ranges unless contiguous is asked", () => {
    const host = createHostMemoryMap({
      nodes: [
        {
          node: 0,
          ranges: [
            { start: 0, end: 4 * MiB },
            { start: 8 * MiB, end: 12 * MiB },
          ],
        },
      ],
    });
    const p = new MemoryPartitioner(host);
    expect(
      p.allocate({ name: "c", size: 6 * MiB, pageSize: PAGE_2M, contiguous: true }),
    ).toMatchObject({
      ok: false,
      error: { kind: "insufficient-memory", available: 4 * MiB },
    });
    const r = p.allocate({ name: "s", size: 6 * MiB, pageSize: PAGE_2M, guestBase: 0 });
    expect(r.ok && r.value.extents).toEqual([
      { node: 0, hostStart: 0, guestStart: 0, size: 4 * MiB },
      { node: 0, hostStart: 8 * MiB, guestStart: 4 * MiB, size: 2 * MiB },
    ]);
  });

  it("binds strict requests to their nodeset and falls back for preferred ones", () => {
    const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 4 * GiB, x86Layout: false });
    const p = new MemoryPartitioner(host);
    expect(p.allocate({ name: "a", size: 4 * GiB, pageSize: PAGE_1G, nodeset: [1] })).toMatchObject(
      {
        ok: true,
        value: { nodes: [1] },
      },
    );
    expect(p.allocate({ name: "b", size: GiB, pageSize: PAGE_1G, nodeset: [1] })).toMatchObject({
      ok: false,
      error: { kind: "insufficient-memory", available: 0 },
    });
    expect(
      p.allocate({ name: "c", size: GiB, pageSize: PAGE_1G, nodeset: [1], mode: "preferred" }),
    ).toMatchObject({ ok: true, value: { nodes: [0], mode: "preferred" } });
  });

  it("interleaves equal shares over the nodeset", () => {
    const host = uniformHostMemoryMap({ nodes: 4, bytesPerNode: 4 * GiB, x86Layout: false });
    const p = new MemoryPartitioner(host);
    const r = p.allocate({ name: "i", size: 6 * GiB, pageSize: PAGE_1G, mode: "interleave" });
    expect(r.ok && r.value.extents.map((e) => [e.node, e.size / GiB])).toEqual([
      [0, 2],
      [1, 2],
      [2, 1],
      [3, 1],
    ]);
  });

  it("refuses unknown nodes and page sizes the host lacks, and throws on malformed requests", () => {
    const host = createHostMemoryMap({
      nodes: [{ node: 0, ranges: [{ start: 0, end: GiB }] }],
      pageSizes: [PAGE_4K, PAGE_2M],
    });
    const p = new MemoryPartitioner(host);
    expect(p.allocate({ name: "x", size: GiB, pageSize: PAGE_1G })).toMatchObject({
      ok: false,
      error: { kind: "page-size-unavailable" },
    });
    expect(p.allocate({ name: "x", size: MiB * 2, nodeset: [3] })).toMatchObject({
      ok: false,
      error: { kind: "unknown-node", node: 3 },
    });
    expect(() => p.allocate({ name: "x", size: MiB, pageSize: PAGE_2M })).toThrow(
      MemPartitionerError,
    );
    expect(() => p.allocate({ name: "x", size: 0 })).toThrow(/positive multiple/);
    expect(() => p.allocate({ name: "x", size: 4096, nodeset: [] })).toThrow(/empty nodeset/);
  });

  it("free returns memory and coalesces it back", () => {
    const host = uniformHostMemoryMap({ nodes: 1, bytesPerNode: 8 * GiB });
    const p = new MemoryPartitioner(host);
    const before = p.freeRanges();
    const a = p.allocate({ name: "a", size: 10 * MiB, pageSize: PAGE_2M });
    const b = p.allocate({ name: "b", size: 3 * GiB, pageSize: PAGE_1G });
    expect(a.ok && b.ok).toBe(true);
    expect(p.partitions().map((x) => x.name)).toEqual(["a", "b"]);
    expect(p.free(a.ok ? a.value.id : -1)).toBe(true);
    expect(p.free(a.ok ? a.value.id : -1)).toBe(false);
    expect(p.free(b.ok ? b.value.id : -1)).toBe(true);
    expect(p.freeRanges()).toEqual(before);
  });

  it("reports fragmentation with the kernel's unusable free space index", () => {
    const host = createHostMemoryMap({
      nodes: [{ node: 0, ranges: [{ start: 0, end: 8 * MiB }] }],
      pageSizes: [PAGE_4K, PAGE_2M],
    });
    const p = new MemoryPartitioner(host);
    // Take one 4 KiB page at 2 MiB + 4 KiB … by allocating 2 MiB + 4 KiB contiguously from 0.
    p.allocate({ name: "a", size: 2 * MiB + 4096, contiguous: true });
    const f = p.fragmentation();
    // Free: [2M+4K, 8M) = 6 MiB − 4 KiB; 2 MiB pages: [4M,6M),[6M,8M) = 2.
    const free = 6 * MiB - 4096;
    expect(f.freeBytes).toBe(free);
    expect(f.largestFreeExtent).toBe(free);
    expect(f.externalFragmentation).toBe(0);
    expect(f.byPageSize).toEqual([
      { pageSize: PAGE_4K, freePages: free / 4096, unusableIndex: 0 },
      { pageSize: PAGE_2M, freePages: 2, unusableIndex: (free - 4 * MiB) / free },
    ]);
  });
});

describe("planPartitions", () => {
  it("places large pages first and reports results in request order", () => {
    const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 4 * GiB, x86Layout: false });
    const plan = planPartitions(host, [
      { name: "small", size: 2 * MiB, pageSize: PAGE_2M, nodeset: [0] },
      { name: "big", size: 4 * GiB, pageSize: PAGE_1G, nodeset: [0] },
    ]);
    // In given order the 2 MiB partition would break node 0's only 4 GiB run.
    expect(plan.results.map((r) => r.ok)).toEqual([false, true]);
    const given = planPartitions(
      host,
      [
        { name: "big", size: 3 * GiB, pageSize: PAGE_1G, nodeset: [0] },
        { name: "small", size: 2 * MiB, pageSize: PAGE_2M, nodeset: [0] },
      ],
      { order: "given" },
    );
    expect(given.results.map((r) => r.ok)).toEqual([true, true]);
    expect(given.partitioner.partitions().map((p) => p.name)).toEqual(["big", "small"]);
  });
});
