import { describe, expect, it } from "vitest";
import { createHostMemoryMap, PAGE_1G, PAGE_2M, uniformHostMemoryMap } from "./memory-map";
import { MemoryPartitioner } from "./partitioner";
import { allocateVmMemory } from "./vm-memory";

const GiB = 2 ** 30;

describe("allocateVmMemory", () => {
  it("puts the EPT in host memory outside the guest's partition, on its node", () => {
    const partitioner = new MemoryPartitioner(
      uniformHostMemoryMap({ nodes: 2, bytesPerNode: 16 * GiB }),
    );
    const vm = allocateVmMemory(partitioner, {
      name: "vm1",
      size: 4 * GiB,
      pageSize: PAGE_1G,
      nodeset: [1],
    });
    if (!vm.ok) throw new Error(vm.error.message);
    const { partition, tables, ept } = vm.value;
    expect(tables.nodes).toEqual([1]);
    expect(tables.size).toBe(ept.tablePages * 4096);
    expect(ept.tableBase).toBe(tables.extents[0]!.hostStart);
    expect(ept.eptp & ~0xfffn).toBe(BigInt(tables.extents[0]!.hostStart));
    // Every leaf maps into the partition, none into the tables.
    for (const l of ept.leaves()) {
      const e = partition.extents.find(
        (x) => x.hostStart <= l.hpa && l.hpa + l.pageSize <= x.hostStart + x.size,
      );
      expect(e).toBeDefined();
    }
    expect(ept.translate(4 * GiB, "read")).toMatchObject({ ok: false, kind: "ept-violation" });
    expect(partitioner.partitions().length).toBe(2);
  });

  it("is atomic: no room for the tables means nothing stays allocated", () => {
    const host = createHostMemoryMap({
      nodes: [{ node: 0, ranges: [{ start: 0, end: 4 * 2 ** 20 }] }],
    });
    const partitioner = new MemoryPartitioner(host);
    const vm = allocateVmMemory(partitioner, {
      name: "full",
      size: 4 * 2 ** 20,
      pageSize: PAGE_2M,
    });
    expect(vm).toMatchObject({ ok: false, error: { kind: "insufficient-memory" } });
    expect(partitioner.partitions()).toEqual([]);
  });
});
