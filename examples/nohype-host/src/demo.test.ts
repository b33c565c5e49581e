import { formatCpuList } from "@dyninfra/vm-core-pinner";
import { describe, expect, it } from "vitest";
import { loadTenants, realHostConfig } from "./data";
import { runDemo } from "./demo";

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
