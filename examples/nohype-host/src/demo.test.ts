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
    expect(s.host.dmar).toMatchObject({
      oemTableId: expect.any(String),
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
  });

  it("prints a terminal table with one row per VM", () => {
    const lines = r.table.trimEnd().split("\n");
    expect(lines).toHaveLength(2 + r.host.running().length);
    expect(lines[0]).toMatch(/^vm\s+vcpus\s+cpus/);
  });
});
