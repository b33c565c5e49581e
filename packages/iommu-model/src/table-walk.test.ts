import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "./physical-memory";
import { readMappedRanges } from "./table-walk";

describe("readMappedRanges", () => {
  it("reads 4 KiB and 2 MiB leaves from hand-written 3-level tables, ANDing permissions", () => {
    const memory = new PhysicalMemory({ size: 2 ** 32 });
    // PML3 at 0x10000 → entry 0 → PD at 0x11000; PD[0] → PT at 0x12000; PD[1] = 2 MiB page.
    memory.writeUint64(0x10000, 0x11000n | 3n);
    memory.writeUint64(0x11000, 0x12000n | 1n); // read-only directory entry
    memory.writeUint64(0x11008, 0x4000_0000n | 0x80n | 3n);
    memory.writeUint64(0x12000, 0x9000n | 3n);
    memory.writeUint64(0x12008, 0xa000n | 3n); // continues the previous page
    memory.writeUint64(0x12018, 0xc000n | 2n); // write-only, but the directory allows reads only
    expect(readMappedRanges(memory, 0x10000, 3)).toEqual([
      { iova: 0, hostAddress: 0x9000, length: 0x2000, read: true, write: false },
      { iova: 0x20_0000, hostAddress: 0x4000_0000, length: 0x20_0000, read: true, write: true },
    ]);
    expect(() => readMappedRanges(memory, 0x10000, 6)).toThrowError(/levels/);
  });
});
