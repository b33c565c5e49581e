import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostMemoryMapFromHwloc, PAGE_1G, PAGE_2M, PAGE_4K, type PageSize } from "./memory-map";
import { planPartitions } from "./partitioner";
import { parseSchemata } from "./resctrl-schemata";
import { hostMemoryMapFromSysfs } from "./sysfs";
import { fsSysfsReader } from "./sysfs-node";

// The team's shared data folder sits beside the repository (CI clones it there too).
const data = path.resolve(__dirname, "../../../../shared/data/nohype");
const present = existsSync(path.join(data, "MANIFEST.md"));
if (!present)
  console.warn(`[mem-partitioner] shared data absent at ${data}: shared-data tests skipped`);

describe.runIf(present)("shared data (../shared/data/nohype)", () => {
  const fixtures = path.resolve(__dirname, "../fixtures");
  it.each([
    ["resctrl", "libvirt-linux-resctrl-amd.schemata"],
    ["resctrl", "libvirt-linux-resctrl-amd.info-L3-bit_usage"],
    ["resctrl", "libvirt-linux-resctrl.schemata"],
    ["resctrl", "libvirt-linux-resctrl.manualres.schemata"],
    ["libvirt", "nohype-guest-sample.xml"],
    ["libvirt", "host-capabilities-sample-2s8c2t.xml"],
    ["hwloc/hwloc-tests-xml", "24em64t-2n6c2t-pci.xml"],
    ["hwloc/hwloc-tests-xml", "16amd64-4distances.v1.xml"],
    ["hwloc", "COPYING.hwloc"],
  ])("fixture %s/%s is a byte-for-byte copy", (dir, f) => {
    expect(readFileSync(path.join(fixtures, f))).toEqual(readFileSync(path.join(data, dir, f)));
  });

  it("every resctrl schemata file in the data parses", () => {
    const dir = path.join(data, "resctrl");
    const files = [
      "libvirt-linux-resctrl-amd.schemata",
      "libvirt-linux-resctrl.schemata",
      "libvirt-linux-resctrl.manualres.schemata",
    ];
    for (const f of files)
      expect(parseSchemata(readFileSync(path.join(dir, f), "utf8")).lines.length).toBeGreaterThan(
        0,
      );
  });

  it("the 802.1Qbg guest sample uses the same <memoryBacking> as the one the emitter reproduces", () => {
    const a = readFileSync(path.join(data, "libvirt", "nohype-guest-sample.xml"), "utf8");
    const b = readFileSync(path.join(data, "libvirt", "nohype-guest-sample-8021qbg.xml"), "utf8");
    const mb = (x: string) => x.slice(x.indexOf("<memoryBacking>"), x.indexOf("</memoryBacking>"));
    expect(mb(b)).toBe(mb(a));
  });
});

describe.runIf(present)("partitions on every real hwloc topology of the data", () => {
  const dirs = ["hwloc-tests-xml", "hwloc-tests-xml-v3-master", "synthetic", "local"];
  const files = present
    ? dirs.flatMap((d) =>
        readdirSync(path.join(data, "hwloc", d))
          .filter((f) => f.endsWith(".xml"))
          .map((f) => path.join(d, f)),
      )
    : [];
  it.each(files)(
    "%s: a plan filling every node keeps partitions disjoint, aligned and on their node",
    (f) => {
      const map = hostMemoryMapFromHwloc(readFileSync(path.join(data, "hwloc", f), "utf8"));
      const requests = map.nodes.flatMap((n) =>
        ([PAGE_1G, PAGE_2M, PAGE_4K] as const).map((pageSize: PageSize) => ({
          name: `n${n.node}`,
          size: pageSize === PAGE_4K ? 64 * 2 ** 20 : pageSize * 2,
          pageSize,
          nodeset: [n.node],
        })),
      );
      const plan = planPartitions(
        map,
        requests.filter((r) => map.pageSizes.includes(r.pageSize)),
      );
      const parts = plan.partitioner.partitions();
      const ext = parts.flatMap((p) => p.extents.map((e) => ({ ...e, pageSize: p.pageSize })));
      ext.sort((a, b) => a.hostStart - b.hostStart);
      for (let i = 0; i < ext.length; i++) {
        const e = ext[i]!;
        expect(e.hostStart % e.pageSize).toBe(0);
        if (i > 0)
          expect(e.hostStart).toBeGreaterThanOrEqual(ext[i - 1]!.hostStart + ext[i - 1]!.size);
        const node = map.nodes.find((n) => n.node === e.node)!;
        expect(
          node.ranges.some((r) => r.start <= e.hostStart && e.hostStart + e.size <= r.end),
        ).toBe(true);
      }
      // Whatever was refused really did not fit.
      for (const r of plan.results) if (!r.ok) expect(r.error.kind).toBe("insufficient-memory");
    },
  );
});

describe.runIf(present)("real sysfs trees gathered by hwloc (tar.bz2)", () => {
  const dir = path.join(data, "hwloc", "hwloc-tests-linux-sysfs");
  // A bounded, varied subset (8 NUMA nodes; per-node hugepages; one node; no node directories)
  // keeps the suite fast: extracting thousands of small files is slow on a busy machine.
  const tarballs = [
    "16amd64-8n2c.tar.bz2",
    "64amd64-4s2n4ca2co.tar.bz2",
    "8em64t-2s2ca2c.tar.bz2",
    "2i386-2t-hugepagesizecount.tar.bz2",
  ].filter((f) => present && existsSync(path.join(dir, f)));
  it.each(tarballs)("%s: one node per nodeN directory, sized by its MemTotal", (t) => {
    const tmp = mkdtempSync(path.join(tmpdir(), "mem-partitioner-sysfs-"));
    try {
      execFileSync("tar", ["xjf", path.join(dir, t), "-C", tmp]);
      const [top] = readdirSync(tmp);
      const reader = fsSysfsReader(path.join(tmp, top!));
      const map = hostMemoryMapFromSysfs(reader);
      const nodeDirs = reader.list("sys/devices/system/node").filter((n) => /^node\d+$/.test(n));
      expect(map.nodes.length).toBe(Math.max(1, nodeDirs.length));
      for (const n of map.nodes) {
        const meminfo = reader.read(`sys/devices/system/node/node${n.node}/meminfo`);
        const kb = Number(
          /MemTotal:\s+(\d+)/.exec(meminfo ?? reader.read("proc/meminfo") ?? "")?.[1] ?? 0,
        );
        expect(n.ranges.reduce((s, r) => s + r.end - r.start, 0)).toBe(
          kb * 1024 - ((kb * 1024) % 4096),
        );
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
