import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures, sharedPresent, sharedSysfsTarballs } from "../test/data";
import { parseCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { loadSysfsDirectory, loadSysfsTarball, parseSysfsDump, parseSysfsTree } from "./sysfs";
import type { Topology } from "./topology";

// Independent reference: hwloc's own `lstopo -v` output for the same tarball (the .console file).
interface ConsoleObj {
  type: string;
  logical: number;
  os: number | null;
  depth: number;
  children: ConsoleObj[];
  parent: ConsoleObj | null;
}
function parseConsole(text: string) {
  const root: ConsoleObj = {
    type: "Root",
    logical: 0,
    os: null,
    depth: -1,
    children: [],
    parent: null,
  };
  const stack: ConsoleObj[] = [root];
  for (const line of text.split("\n")) {
    const m = /^( *)([A-Za-z][\w]*(?:\[[^\]]*\])?(?:\([^)]*\))?) L#(\d+)(?: \(([^)]*)\))?/.exec(
      line,
    );
    if (!m) continue;
    const depth = (m[1] as string).length;
    const os = m[4] ? /(?:^| )P#(\d+)/.exec(m[4]) : null;
    while ((stack[stack.length - 1] as ConsoleObj).depth >= depth) stack.pop();
    const parent = stack[stack.length - 1] as ConsoleObj;
    const o: ConsoleObj = {
      type: m[2] as string,
      logical: Number(m[3]),
      os: os ? Number(os[1]) : null,
      depth,
      children: [],
      parent,
    };
    parent.children.push(o);
    stack.push(o);
  }
  const pus: {
    os: number;
    core: string;
    pkg: string | null;
    l3: string | null;
    numa: number | null;
  }[] = [];
  const visit = (o: ConsoleObj) => {
    if (o.type === "PU") {
      const anc = (t: string) => {
        for (let p = o.parent; p; p = p.parent) if (p.type === t) return `${t}${p.logical}`;
        return null;
      };
      let numa: number | null = null;
      for (let p = o.parent; p && numa === null; p = p.parent) {
        const n = p.children.find((c) => c.type === "NUMANode");
        if (n) numa = n.os;
      }
      pus.push({
        os: o.os as number,
        core: anc("Core") ?? `PU${o.logical}`,
        pkg: anc("Package"),
        l3: anc("L3Cache"),
        numa,
      });
    }
    for (const c of o.children) visit(c);
  };
  visit(root);
  return pus;
}

function groups(pus: { os: number }[], key: (p: never) => string | null): string[] {
  const m = new Map<string, number[]>();
  for (const p of pus) {
    const k = key(p as never);
    if (k === null) continue;
    m.set(k, [...(m.get(k) ?? []), p.os]);
  }
  return [...m.values()].map((v) => v.sort((a, b) => a - b).join(",")).sort();
}

function checkAgainstConsole(t: Topology, consoleText: string) {
  const ref = parseConsole(consoleText);
  expect(t.cpus).toEqual(ref.map((p) => p.os).sort((a, b) => a - b));
  expect(t.cores.map((c) => c.pus.join(",")).sort()).toEqual(
    groups(ref, (p: { core: string }) => p.core),
  );
  if (ref.some((p) => p.pkg !== null)) {
    expect(t.packages.map((p) => p.cpus.join(",")).sort()).toEqual(
      groups(ref, (p: { pkg: string | null }) => p.pkg),
    );
  }
  expect(t.l3Caches.map((c) => c.cpus.join(",")).sort()).toEqual(
    groups(ref, (p: { l3: string | null }) => p.l3),
  );
  for (const p of ref) {
    const core = t.cores.find((c) => c.pus.includes(p.os));
    const node = core && core.numaNode >= 0 ? t.numaNodes[core.numaNode]?.osIndex : null;
    if (p.numa !== null) expect(node).toBe(p.numa);
  }
}

describe("loadSysfsTarball on bundled hwloc-gather-topology tarballs", () => {
  it("16em64t-4s2c2t: old kernel with hex thread_siblings masks only", () => {
    const t = loadSysfsTarball(readFileSync(path.join(fixtures, "16em64t-4s2c2t.tar.bz2")));
    checkAgainstConsole(t, readFileSync(path.join(fixtures, "16em64t-4s2c2t.console"), "utf8"));
    expect(t.cores).toHaveLength(8);
    expect(t.cores.filter((c) => c.coreId === 0)).toHaveLength(4);
  });
  it("20em64t hybrid: P-cores with 2 threads, E-cores with 1, ranked by base frequency", () => {
    const t = loadSysfsTarball(
      readFileSync(path.join(fixtures, "20em64t-hybrid-1p6c2t+2ca4co1t.tar.bz2")),
    );
    checkAgainstConsole(
      t,
      readFileSync(path.join(fixtures, "20em64t-hybrid-1p6c2t+2ca4co1t.console"), "utf8"),
    );
    expect(t.cpuKinds).toHaveLength(2);
    // lstopo: "Core L#0 (P#0 cpukind=1)" for the P-cores, cpukind=0 for the E-cores.
    expect(t.cpuKinds[1]?.cpus).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(t.cpuKinds[0]?.cpus).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    expect(t.cores.filter((c) => c.pus.length === 2)).toHaveLength(6);
    expect(t.cores.filter((c) => c.pus.length === 1)).toHaveLength(8);
  });
  it("rejects corrupt archives with the package error", () => {
    const data = readFileSync(path.join(fixtures, "16em64t-4s2c2t.tar.bz2"));
    const broken = Uint8Array.from(data.subarray(0, 200));
    expect(() => loadSysfsTarball(broken)).toThrow(VmCorePinnerError);
    expect(() => loadSysfsTarball(new Uint8Array(1024))).toThrow(VmCorePinnerError);
  });
});

describe("parseSysfsTree", () => {
  it("keys cores by thread siblings, never by core_id", () => {
    const f = new Map<string, string>();
    const base = "sys/devices/system/cpu";
    f.set(`${base}/online`, "0-3\n");
    // Two packages, both with core_id 0: two cores, not one.
    for (const [cpu, pkg, sib] of [
      [0, 0, "0,2"],
      [1, 1, "1,3"],
      [2, 0, "0,2"],
      [3, 1, "1,3"],
    ] as const) {
      f.set(`${base}/cpu${cpu}/topology/physical_package_id`, `${pkg}\n`);
      f.set(`${base}/cpu${cpu}/topology/core_id`, "0\n");
      f.set(`${base}/cpu${cpu}/topology/thread_siblings_list`, `${sib}\n`);
    }
    const t = parseSysfsTree(f);
    expect(t.cores.map((c) => c.pus)).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });
  it("reports offline CPUs and CPU-less nodes", () => {
    const f = new Map<string, string>([
      ["sys/devices/system/cpu/online", "0-1"],
      ["sys/devices/system/cpu/offline", "2-3"],
      ["sys/devices/system/cpu/cpu0/topology/physical_package_id", "0"],
      ["sys/devices/system/cpu/cpu1/topology/physical_package_id", "0"],
      ["sys/devices/system/cpu/cpu2/online", "0"],
      ["sys/devices/system/node/node0/cpulist", "0-1"],
      ["sys/devices/system/node/node1/cpulist", "\n"],
      ["sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:       1048576 kB\n"],
    ]);
    const t = parseSysfsTree(f);
    expect(t.offlineCpus).toEqual([2, 3]);
    expect(t.numaNodes.map((n) => [n.osIndex, n.cpus, n.memoryBytes])).toEqual([
      [0, [0, 1], null],
      [1, [], 1073741824],
    ]);
  });
  it("names the file at fault", () => {
    const f = new Map([
      ["sys/devices/system/cpu/online", "0-x"],
      ["sys/devices/system/cpu/cpu0/topology/physical_package_id", "0"],
    ]);
    try {
      parseSysfsTree(f);
      expect.unreachable();
    } catch (e) {
      expect((e as VmCorePinnerError).code).toBe("SYSFS_INVALID");
      expect((e as VmCorePinnerError).where.field).toBe("sys/devices/system/cpu/online");
    }
  });
  it("reads a directory tree and this machine's sysfs dump", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vcp-sysfs-"));
    try {
      const w = (p: string, v: string) => {
        mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        writeFileSync(path.join(dir, p), v);
      };
      w("sys/devices/system/cpu/online", "0-1\n");
      for (const c of [0, 1]) {
        w(`sys/devices/system/cpu/cpu${c}/topology/physical_package_id`, "0\n");
        w(`sys/devices/system/cpu/cpu${c}/topology/core_cpus_list`, "0-1\n");
        w(`sys/devices/system/cpu/cpu${c}/cache/index3/level`, "3\n");
        w(`sys/devices/system/cpu/cpu${c}/cache/index3/shared_cpu_list`, "0-1\n");
        w(`sys/devices/system/cpu/cpu${c}/cache/index3/size`, "32768K\n");
      }
      const t = loadSysfsDirectory(dir);
      expect(t.cores.map((c) => c.pus)).toEqual([[0, 1]]);
      expect(t.l3Caches[0]?.sizeBytes).toBe(32 * 1024 * 1024);
      // The sysfs mount itself (like /sys) reads the same.
      const m = loadSysfsDirectory(path.join(dir, "sys"));
      expect({ ...m, source: "" }).toEqual({ ...t, source: "" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const dump = parseSysfsDump(
      readFileSync(path.join(fixtures, "this-machine-sysfs-cpu-cache-hugepages.txt"), "utf8"),
    );
    expect(dump.cores.map((c) => c.pus)).toEqual([[0], [1]]);
    expect(dump.l3Caches.map((c) => [c.cpus, c.sizeBytes])).toEqual([[[0, 1], 36608 * 1024]]);
  });
});

describe.runIf(sharedPresent)(
  "loadSysfsTarball on every tarball of the shared data, against lstopo -v",
  () => {
    for (const { tarball, console: consoleFile } of sharedSysfsTarballs()) {
      it(path.basename(tarball), () => {
        const t = loadSysfsTarball(readFileSync(tarball), { name: tarball });
        if (consoleFile) checkAgainstConsole(t, readFileSync(consoleFile, "utf8"));
        expect(t.cores.flatMap((c) => c.pus).sort((a, b) => a - b)).toEqual(t.cpus);
      });
    }
  },
);

const liveSysfs = existsSync("/sys/devices/system/cpu/online");
describe.runIf(liveSysfs)("this machine's live /sys", () => {
  it("loads with every online CPU in exactly one core", () => {
    const t = loadSysfsDirectory("/");
    expect(t.cpus).toEqual(parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8")));
    expect(t.cores.flatMap((c) => c.pus).sort((a, b) => a - b)).toEqual(t.cpus);
  });
  it("loads the same from the sysfs mount /sys itself", () => {
    const { source: _a, ...fromRoot } = loadSysfsDirectory("/");
    const { source: _b, ...fromMount } = loadSysfsDirectory("/sys");
    expect(fromMount).toEqual(fromRoot);
  });
});
