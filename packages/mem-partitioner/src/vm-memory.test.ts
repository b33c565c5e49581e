import { describe, expect, it } from "vitest";
import { EptTables } from "./ept";
import { createHostMemoryMap, PAGE_1G, PAGE_2M, uniformHostMemoryMap } from "./memory-map";
import { MemoryPartitioner } from "./partitioner";
import { allocateVmMemory, checkMemoryIsolation } from "./vm-memory";

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

describe("checkMemoryIsolation", () => {
  it("finds shared host memory and guests that reach EPT pages", () => {
    const rwx = { read: true, write: true, execute: true };
    const a = EptTables.build([{ gpa: 0, hpa: 0x40_0000, size: 0x20_0000, permissions: rwx }], {
      tableBase: 0x1000,
    });
    const b = EptTables.build([{ gpa: 0, hpa: 0x50_0000, size: 0x20_0000, permissions: rwx }], {
      tableBase: 0x10_0000,
    });
    // c maps a's EPT pages (0x1000–0x5000) into its guest.
    const c = EptTables.build([{ gpa: 0, hpa: 0x0, size: 0x1_0000, permissions: rwx }], {
      tableBase: 0x80_0000,
    });
    expect(
      checkMemoryIsolation([
        { name: "a", ept: a },
        { name: "b", ept: b },
        { name: "c", ept: c },
      ]),
    ).toEqual([
      { kind: "shared-memory", vm: "a", other: "b", start: 0x50_0000, end: 0x60_0000 },
      {
        kind: "maps-ept-tables",
        vm: "c",
        other: "a",
        start: 0x1000,
        end: 0x1000 + a.tablePages * 4096,
      },
    ]);
  });
});
