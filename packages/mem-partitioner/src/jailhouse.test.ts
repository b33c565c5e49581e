import { describe, expect, it } from "vitest";
import { MemPartitionerError } from "./errors";
import {
  decodeJailhouseMemRegions,
  encodeJailhouseMemRegions,
  formatJailhouseMemFlags,
  formatJailhouseMemRegions,
  JailhouseMemFlags,
  jailhouseMemoryRegions,
} from "./jailhouse";
import { createHostMemoryMap, PAGE_2M } from "./memory-map";
import { MemoryPartitioner } from "./partitioner";

describe("Jailhouse memory regions", () => {
  it("uses cell-config.h flag values", () => {
    expect(JailhouseMemFlags).toMatchObject({
      READ: 0x1,
      WRITE: 0x2,
      EXECUTE: 0x4,
      DMA: 0x8,
      IO: 0x10,
      COMM_REGION: 0x20,
      LOADABLE: 0x40,
      ROOTSHARED: 0x80,
      NO_HUGEPAGES: 0x100,
      IO_UNALIGNED: 0x8000,
      IO_8: 0x1_0000,
      IO_64: 0x8_0000,
    });
    expect(formatJailhouseMemFlags(0x4b)).toBe(
      "JAILHOUSE_MEM_READ | JAILHOUSE_MEM_WRITE | JAILHOUSE_MEM_DMA | JAILHOUSE_MEM_LOADABLE",
    );
    expect(formatJailhouseMemFlags(0x400)).toBe("0x400");
  });

  it("one region per extent, guest address as virt_start, image loadable in the first", () => {
    const host = createHostMemoryMap({
      nodes: [
        {
          node: 0,
          ranges: [
            { start: 0, end: 4 * 2 ** 20 },
            { start: 8 * 2 ** 20, end: 12 * 2 ** 20 },
          ],
        },
      ],
    });
    const r = new MemoryPartitioner(host).allocate({
      name: "cell",
      size: 6 * 2 ** 20,
      pageSize: PAGE_2M,
    });
    if (!r.ok) throw new Error("allocation");
    const regions = jailhouseMemoryRegions(r.value);
    expect(regions.map((x) => [x.physStart, x.virtStart, x.size, x.flags])).toEqual([
      [0, 0, 4 * 2 ** 20, 0x4f],
      [8 * 2 ** 20, 4 * 2 ** 20, 2 * 2 ** 20, 0x0f],
    ]);
    expect(formatJailhouseMemRegions(regions)).toBe(
      [
        "\t.mem_regions = {",
        "\t\t/* cell RAM 0 (node 0) */",
        "\t\t{",
        "\t\t\t.phys_start = 0x0,",
        "\t\t\t.virt_start = 0x0,",
        "\t\t\t.size = 0x400000,",
        "\t\t\t.flags = JAILHOUSE_MEM_READ | JAILHOUSE_MEM_WRITE | JAILHOUSE_MEM_EXECUTE | JAILHOUSE_MEM_DMA | JAILHOUSE_MEM_LOADABLE,",
        "\t\t},",
        "\t\t/* cell RAM 1 (node 0) */",
        "\t\t{",
        "\t\t\t.phys_start = 0x800000,",
        "\t\t\t.virt_start = 0x400000,",
        "\t\t\t.size = 0x200000,",
        "\t\t\t.flags = JAILHOUSE_MEM_READ | JAILHOUSE_MEM_WRITE | JAILHOUSE_MEM_EXECUTE | JAILHOUSE_MEM_DMA,",
        "\t\t},",
        "\t},",
        "",
      ].join("\n"),
    );
  });

  it("encodes packed little-endian struct jailhouse_memory (4 × u64)", () => {
    const b = encodeJailhouseMemRegions([
      { physStart: 0x1_2345_6000, virtStart: 0x1000, size: 0x2000, flags: 0x43 },
    ]);
    expect([...b]).toEqual([
      0x00, 0x60, 0x45, 0x23, 0x01, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0x00, 0x20, 0, 0, 0, 0,
      0, 0, 0x43, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(decodeJailhouseMemRegions(b)).toEqual([
      { physStart: 0x1_2345_6000, virtStart: 0x1000, size: 0x2000, flags: 0x43 },
    ]);
    expect(() => decodeJailhouseMemRegions(new Uint8Array(33))).toThrow(MemPartitionerError);
    expect(() =>
      encodeJailhouseMemRegions([{ physStart: -1, virtStart: 0, size: 0, flags: 0 }]),
    ).toThrow(MemPartitionerError);
  });
});
