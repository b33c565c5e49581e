import { describe, expect, it } from "vitest";
import { formatCpuList, isValidCpuList, parseCpuList, parseCpuMask } from "./cpu-list";
import { VmCorePinnerError } from "./errors";

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("parseCpuList (kernel bitmap_parselist rules)", () => {
  it("reads single CPUs, ranges and comma lists", () => {
    expect(parseCpuList("0")).toEqual([0]);
    expect(parseCpuList("0-3")).toEqual([0, 1, 2, 3]);
    expect(parseCpuList("2-3,18-19")).toEqual([2, 3, 18, 19]);
    expect(parseCpuList("5,1,3-4")).toEqual([1, 3, 4, 5]);
  });
  it("reads the group syntax range:used/group (Documentation example 0-1023:2/256)", () => {
    expect(parseCpuList("0-1023:2/256", { nbits: 1024 })).toEqual([
      0, 1, 256, 257, 512, 513, 768, 769,
    ]);
    expect(parseCpuList("0-31:1/2", { nbits: 32 })).toEqual(range(0, 15).map((i) => 2 * i));
    expect(parseCpuList("100-200:1/1000", { nbits: 256 })).toEqual([100]);
  });
  it("substitutes N by the last CPU and accepts 'all' in any case", () => {
    expect(parseCpuList("0-N", { nbits: 4 })).toEqual([0, 1, 2, 3]);
    expect(parseCpuList("N", { nbits: 8 })).toEqual([7]);
    expect(parseCpuList("all", { nbits: 3 })).toEqual([0, 1, 2]);
    expect(parseCpuList("ALL:1/2", { nbits: 6 })).toEqual([0, 2, 4]);
    expect(parseCpuList("16-N", { nbits: 18 })).toEqual([16, 17]);
  });
  it("skips separators and stops at a newline, like sysfs files end", () => {
    expect(parseCpuList("0-1\n")).toEqual([0, 1]);
    expect(parseCpuList(" 1 , 3 ")).toEqual([1, 3]);
    expect(parseCpuList(",,4")).toEqual([4]);
    expect(parseCpuList("")).toEqual([]);
    expect(parseCpuList("\n")).toEqual([]);
  });
  it("rejects what the kernel rejects, with the kernel's errno class", () => {
    const code = (s: string, nbits?: number) => {
      try {
        parseCpuList(s, nbits === undefined ? {} : { nbits });
        return "ok";
      } catch (e) {
        return (e as VmCorePinnerError).code;
      }
    };
    expect(code("3-0")).toBe("CPULIST_EINVAL"); // start > end
    expect(code("-1")).toBe("CPULIST_EINVAL");
    expect(code("1-")).toBe("CPULIST_EINVAL");
    expect(code("0-7:0/0")).toBe("CPULIST_EINVAL"); // group_len == 0
    expect(code("0-7:3/2")).toBe("CPULIST_EINVAL"); // off > group_len
    expect(code("0-7:1")).toBe("CPULIST_EINVAL");
    expect(code("1x")).toBe("CPULIST_EINVAL");
    expect(code("a")).toBe("CPULIST_EINVAL");
    expect(code("8", 8)).toBe("CPULIST_ERANGE");
    expect(code("0-8", 8)).toBe("CPULIST_ERANGE");
    expect(code("4294967296")).toBe("CPULIST_EOVERFLOW");
    expect(code("0-7:1/2", 8)).toBe("ok");
  });
  it("says where the bad region starts", () => {
    try {
      parseCpuList("0-3,9-7");
      expect.unreachable();
    } catch (e) {
      expect(VmCorePinnerError.isInstance(e)).toBe(true);
      expect((e as VmCorePinnerError).where.offset).toBe(4);
    }
    expect(isValidCpuList("0-3")).toBe(true);
    expect(isValidCpuList("0-3,")).toBe(true);
    expect(isValidCpuList("0--3")).toBe(false);
  });
});

describe("formatCpuList (%*pbl)", () => {
  it("prints runs of two or more as ranges, like the kernel", () => {
    expect(formatCpuList([19, 2, 3, 18])).toBe("2-3,18-19");
    expect(formatCpuList([0, 2, 4])).toBe("0,2,4");
    expect(formatCpuList([0, 1])).toBe("0-1");
    expect(formatCpuList([])).toBe("");
    expect(formatCpuList([5, 5, 5])).toBe("5");
  });
  it("refuses non-CPU ids", () => {
    expect(() => formatCpuList([-1])).toThrow(VmCorePinnerError);
    expect(() => formatCpuList([1.5])).toThrow(VmCorePinnerError);
  });
});

describe("parseCpuMask (sysfs cpumap / hwloc cpuset)", () => {
  it("reads 32-bit words, most significant first", () => {
    expect(parseCpuMask("00000000,00001111")).toEqual([0, 4, 8, 12]);
    expect(parseCpuMask("0x00000003,0x0")).toEqual([32, 33]);
    expect(parseCpuMask("0x0000ffff")).toEqual(range(0, 15));
    expect(parseCpuMask("0x1,,0x2")).toEqual([1, 64]);
    expect(parseCpuMask("0x0")).toEqual([]);
  });
  it("ignores hwloc's infinite prefix and rejects junk", () => {
    expect(parseCpuMask("0xf...f,0x00000001")).toEqual([0]);
    expect(() => parseCpuMask("0xzz")).toThrow(VmCorePinnerError);
  });
});
