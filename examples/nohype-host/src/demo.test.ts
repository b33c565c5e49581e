import { formatCpuList } from "@dyninfra/vm-core-pinner";
import { describe, expect, it } from "vitest";
import { loadTenants, realHostConfig } from "./data";
import { runDemo } from "./demo";
import { NoHypeHost } from "./host";
import { kernelCmdline } from "./report";

const tenants = loadTenants();

describe("the demo outputs", () => {
  const r = runDemo(realHostConfig(tenants), tenants);

  it("writes one domain XML per VM, host.txt, report.html and summary.json", () => {
    expect(Object.keys(r.files).sort()).toEqual(
      [...tenants.map((t) => `${t.name}.xml`), "host.txt", "report.html", "summary.json"].sort(),
    );
    expect(r.domainProblems).toEqual([]);
  });

  it("holds every invariant after every event and refuses every attack", () => {
    expect(r.checks.length).toBeGreaterThanOrEqual(tenants.length + 3);
    for (const c of r.checks) expect(c.violations, c.event).toEqual([]);
    expect(r.attacks.length).toBe(10);
    for (const a of r.attacks) expect(a.refused, a.attack).toBe(true);
    const s = JSON.parse(r.files["summary.json"]!);
    expect(s.allInvariantsHeld).toBe(true);
    expect(s.allAttacksRefused).toBe(true);
    // The X8DTT's DMAR: OEM ID "AMI" padded with NULs in the table, shown without them.
    expect(s.host.dmar).toMatchObject({
      oemId: "AMI",
      oemTableId: expect.stringMatching(/^[\x20-\x7e]+$/),
      hostAddressWidth: 40,
      interruptRemapping: true,
    });
  });

  it("host.txt isolates exactly the non-housekeeping CPUs and configures each VF", () => {
    const txt = r.files["host.txt"]!;
    // Independent: every CPU of the topology minus the first core of each package.
    const hk = r.host.topology.packages.flatMap(
      (p) => r.host.topology.cores.find((c) => c.package === p.index)!.pus,
    );
    const guest = r.host.topology.cpus.filter((c) => !hk.includes(c));
    expect(txt).toContain(
      `isolcpus=managed_irq,domain,${formatCpuList(guest)} nohz_full=${formatCpuList(guest)} rcu_nocbs=${formatCpuList(guest)}`,
    );
    expect(txt).toContain("intel_iommu=on");
    expect(txt).toContain("intremap=on");
    expect(txt).toContain("echo 63 > /sys/bus/pci/devices/0000:07:00.0/sriov_numvfs");
    for (const t of tenants)
      for (const n of t.nics)
        expect(txt).toMatch(
          new RegExp(
            `ip link set dev enp7s0f0 vf \\d+ mac ${n.mac} vlan ${n.vlan}( qos ${n.qos})? max_tx_rate ${n.maxTxRateMbps} spoofchk on trust off`,
          ),
        );
  });

  it("host.txt reserves 2 MiB pages per node, leaving 4 KiB-backed partitions and EPT pages out", () => {
    const pool = (cmdline: string) =>
      new Map(
        /hugepagesz=2M hugepages=(\S+)/
          .exec(cmdline)![1]!
          .split(",")
          .map((x) => x.split(":").map(Number) as [number, number]),
      );
    const host = new NoHypeHost(realHostConfig(tenants));
    const boot = pool(kernelCmdline(host));
    expect([...boot.keys()]).toEqual([0, 1]);
    for (const t of tenants) expect(host.start(t).ok).toBe(true);
    const running = pool(kernelCmdline(host));
    for (const [node, pages] of running) {
      // What the 2M-backed partitions on the node use fits in its pool.
      const need = host
        .running()
        .filter((vm) => vm.tenant.pageSize === "2M")
        .flatMap((vm) => vm.memory.partition.extents.filter((e) => e.node === node))
        .reduce((s, e) => s + e.size / 2 ** 21, 0);
      expect(pages).toBeGreaterThanOrEqual(need);
      // The pool shrank by at least the 4K partitions and EPT pages placed on the node.
      const outside = host
        .running()
        .flatMap((vm) => [
          ...vm.memory.tables.extents,
          ...(vm.tenant.pageSize === "4K" ? vm.memory.partition.extents : []),
        ])
        .filter((e) => e.node === node);
      const bytes = outside.reduce((s, e) => s + e.size, 0);
      expect(boot.get(node)! - pages).toBeGreaterThanOrEqual(Math.ceil(bytes / 2 ** 21));
      // … and by at most the 2 MiB pages those extents touch.
      const touched = outside.reduce(
        (s, e) =>
          s +
          Math.floor((e.hostStart + e.size - 1) / 2 ** 21) -
          Math.floor(e.hostStart / 2 ** 21) +
          1,
        0,
      );
      expect(boot.get(node)! - pages).toBeLessThanOrEqual(touched);
    }
    // batch-c (512 MiB of 4 KiB pages) is on node 1.
    expect(host.vm("batch-c")!.memory.partition.nodes).toEqual([1]);
    expect(boot.get(1)! - running.get(1)!).toBeGreaterThanOrEqual(256);
  });

  it("report.html carries the SVG host map with every CPU and VF", () => {
    const html = r.files["report.html"]!;
    expect(html).toMatch(/<svg[^>]*>[\s\S]*<\/svg>/);
    for (const c of r.host.topology.cpus) expect(html).toContain(`<title>CPU ${c} —`);
    expect(html.match(/<title>VF \d+ /g)).toHaveLength(63);
    expect(html).not.toMatch(/NaN|undefined/);
    expect(html.includes("\0")).toBe(false);
  });

  it("reports a churn run with its wall time and what the checks swept", () => {
    const churn = {
      events: 1234,
      seconds: 5,
      violations: 0,
      topology: "test topology",
      starts: 600,
      stops: 500,
      refusals: { cores: 134 },
      maxRunning: 17,
      checks: { translations: 4321, tableRanges: 12, interrupts: 765, frames: 98 },
    };
    const d = runDemo(realHostConfig(tenants), tenants, { churn });
    const html = d.files["report.html"]!;
    expect(html).toContain("1234 random start/stop events on test topology");
    expect(html).toContain("5.00 s wall time (246.8 events/s)");
    expect(html).toContain("600 starts, 500 stops, clean refusals cores 134, up to 17 VMs");
    expect(html).toContain("4321 DMA translations, 765 interrupt remaps, 98 inter-VM frames");
    expect(JSON.parse(d.files["summary.json"]!).churn).toEqual(churn);
  });

  it("prints a terminal table with one row per VM", () => {
    const lines = r.table.trimEnd().split("\n");
    expect(lines).toHaveLength(2 + r.host.running().length);
    expect(lines[0]).toMatch(/^vm\s+vcpus\s+cpus/);
  });
});
