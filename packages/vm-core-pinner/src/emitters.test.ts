import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nohypeData, sharedPresent } from "../test/data";
import {
  cgroupCpuset,
  kernelIsolationParams,
  libvirtCputune,
  libvirtGuestCpu,
  parseLibvirtCputune,
} from "./emitters";
import { VmCorePinnerError } from "./errors";

describe("kernelIsolationParams", () => {
  it("writes isolcpus with flags, nohz_full, rcu_nocbs and irqaffinity in cpu-list syntax", () => {
    const k = kernelIsolationParams([2, 3, 4, 5, 18, 19, 20, 21], { housekeeping: [0, 1, 16, 17] });
    expect(k.isolcpus).toBe("managed_irq,domain,2-5,18-21");
    expect(k.nohz_full).toBe("2-5,18-21");
    expect(k.rcu_nocbs).toBe("2-5,18-21");
    expect(k.cmdline).toBe(
      "isolcpus=managed_irq,domain,2-5,18-21 nohz_full=2-5,18-21 rcu_nocbs=2-5,18-21 irqaffinity=0-1,16-17",
    );
    expect(kernelIsolationParams([1], { isolcpusFlags: [] }).cmdline).toBe(
      "isolcpus=1 nohz_full=1 rcu_nocbs=1",
    );
  });
  it("refuses overlapping housekeeping and isolated CPUs", () => {
    expect(() => kernelIsolationParams([1, 2], { housekeeping: [2] })).toThrow(VmCorePinnerError);
    expect(() => kernelIsolationParams([])).toThrow(VmCorePinnerError);
  });
});

describe("libvirtCputune", () => {
  it("pins each vCPU, the emulator and I/O threads, and reads back", () => {
    const xml = libvirtCputune({
      vcpuPins: [2, 3, 4, 5],
      emulatorCpus: [0, 16],
      iothreads: [{ id: 1, cpus: [0, 16] }],
      vcpuSched: { scheduler: "fifo", priority: 1 },
    });
    expect(xml).toBe(
      [
        "<cputune>",
        "  <vcpupin vcpu='0' cpuset='2'/>",
        "  <vcpupin vcpu='1' cpuset='3'/>",
        "  <vcpupin vcpu='2' cpuset='4'/>",
        "  <vcpupin vcpu='3' cpuset='5'/>",
        "  <emulatorpin cpuset='0,16'/>",
        "  <iothreadpin iothread='1' cpuset='0,16'/>",
        "  <vcpusched vcpus='0-3' scheduler='fifo' priority='1'/>",
        "</cputune>",
      ].join("\n"),
    );
    expect(parseLibvirtCputune(xml)).toEqual({
      vcpuPins: [[2], [3], [4], [5]],
      emulatorCpus: [0, 16],
    });
  });
  it("refuses empty guests and bad iothread ids; reports bad XML with its line", () => {
    expect(() => libvirtCputune({ vcpuPins: [] })).toThrow(VmCorePinnerError);
    expect(() => libvirtCputune({ vcpuPins: [1], iothreads: [{ id: 0, cpus: [0] }] })).toThrow(
      VmCorePinnerError,
    );
    try {
      parseLibvirtCputune("<cputune>\n<vcpupin vcpu='0' cpuset='3-1'/>\n</cputune>");
      expect.unreachable();
    } catch (e) {
      expect((e as VmCorePinnerError).where.line).toBe(2);
      expect((e as VmCorePinnerError).where.field).toBe("vcpupin");
    }
  });
  it.runIf(sharedPresent)("reads the project's validated NoHype guest sample", () => {
    const xml = readFileSync(path.join(nohypeData, "libvirt", "nohype-guest-sample.xml"), "utf8");
    expect(parseLibvirtCputune(xml)).toEqual({
      vcpuPins: [[2], [3], [4], [5]],
      emulatorCpus: [0, 16],
    });
  });
  it.runIf(sharedPresent)(
    "uses only elements and attributes libvirt's RelaxNG schema defines",
    () => {
      const rng = readFileSync(
        path.join(nohypeData, "libvirt", "schemas-debian-libvirt0-9.0.0", "domaincommon.rng"),
        "utf8",
      );
      for (const el of ["cputune", "vcpupin", "emulatorpin", "iothreadpin", "vcpusched"])
        expect(rng).toContain(`<element name="${el}">`);
      for (const attr of ["vcpu", "cpuset", "iothread", "vcpus", "scheduler", "priority"])
        expect(rng).toContain(`<attribute name="${attr}">`);
    },
  );
});

describe("cgroupCpuset", () => {
  it("writes cgroup v2 cpuset files", () => {
    expect(cgroupCpuset([2, 3, 18, 19], [0])).toEqual({
      "cpuset.cpus": "2-3,18-19",
      "cpuset.mems": "0",
      "cpuset.cpus.partition": "root",
    });
    expect(() => cgroupCpuset([], [0])).toThrow(VmCorePinnerError);
  });
});

describe("libvirtGuestCpu", () => {
  it("mirrors host cores and threads in the guest topology", () => {
    expect(
      libvirtGuestCpu([
        [2, 18],
        [3, 19],
      ]),
    ).toEqual({
      vcpu: "<vcpu placement='static'>4</vcpu>",
      topology: "<topology sockets='1' dies='1' cores='2' threads='2'/>",
      cpu: "<cpu mode='host-passthrough' check='none'>\n  <topology sockets='1' dies='1' cores='2' threads='2'/>\n</cpu>",
    });
    expect(libvirtGuestCpu([[2, 18], [3]]).topology).toBe(
      "<topology sockets='1' dies='1' cores='3' threads='1'/>",
    );
    expect(() => libvirtGuestCpu([])).toThrow(VmCorePinnerError);
  });
});
