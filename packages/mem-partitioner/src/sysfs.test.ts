import path from "node:path";
import { describe, expect, it } from "vitest";
import { MemPartitionerError } from "./errors";
import { PAGE_2M, PAGE_4K } from "./memory-map";
import { hostMemoryMapFromSysfs, type SysfsReader } from "./sysfs";
import { fsSysfsReader } from "./sysfs-node";

const fixture = path.resolve(__dirname, "../fixtures/sysfs-16amd64-8n2c");

function memReader(files: Record<string, string>): SysfsReader {
  return {
    read: (p) => files[p],
    list: (p) => [
      ...new Set(
        Object.keys(files)
          .filter((f) => f.startsWith(`${p}/`))
          .map((f) => f.slice(p.length + 1).split("/")[0]!),
      ),
    ],
  };
}

describe("hostMemoryMapFromSysfs", () => {
  it("reads the 8-node AMD tree gathered by hwloc (meminfo MemTotal, distance)", () => {
    const m = hostMemoryMapFromSysfs(fsSysfsReader(fixture));
    expect(m.nodes.map((n) => n.node)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // "Node 0 MemTotal:      8386704 kB", the others 8388608 kB
    expect(m.nodes.map((n) => n.ranges.reduce((s, r) => s + r.end - r.start, 0))).toEqual([
      8386704 * 1024,
      ...Array(7).fill(8388608 * 1024),
    ]);
    expect(m.distances![0]).toEqual([10, 20, 20, 20, 20, 20, 20, 20]);
    expect(m.pageSizes).toEqual([PAGE_4K]);
  });

  it("takes page sizes from hugepages directories and falls back to proc/meminfo", () => {
    const m = hostMemoryMapFromSysfs(
      memReader({
        "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "0\n",
        "proc/meminfo": "MemTotal:        4030680 kB\nMemFree: 1 kB\n",
      }),
    );
    // 3.84 GiB: 3 GiB below the PCI hole, the rest remapped above 4 GiB.
    expect(m.nodes).toEqual([
      {
        node: 0,
        ranges: [
          { start: 0, end: 3 * 2 ** 30 },
          { start: 4 * 2 ** 30, end: 4 * 2 ** 30 + 4030680 * 1024 - 3 * 2 ** 30 },
        ],
      },
    ]);
    expect(m.pageSizes).toEqual([PAGE_4K, PAGE_2M]);
  });

  it("says which file is malformed", () => {
    try {
      hostMemoryMapFromSysfs(
        memReader({ "sys/devices/system/node/node0/meminfo": "Node 0 MemFree: 1 kB\n" }),
      );
      expect.unreachable();
    } catch (e) {
      expect(MemPartitionerError.isInstance(e)).toBe(true);
      expect((e as MemPartitionerError).where.field).toBe("sys/devices/system/node/node0/meminfo");
    }
    expect(() => hostMemoryMapFromSysfs(memReader({}))).toThrow(/no NUMA node/);
  });
});
