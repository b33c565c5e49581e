import { PAGE_1G, PAGE_2M } from "@dyninfra/mem-partitioner";
import { formatMac } from "@dyninfra/sriov-queues";
import { formatCpuList, kernelIsolationParams } from "@dyninfra/vm-core-pinner";
import type { AttackOutcome } from "./attacks";
import type { Violation } from "./checks";
import type { ChurnSummary } from "./churn";
import { fmtPci, type NoHypeHost, type RunningVm } from "./host";
import { pageSizeBytes } from "./tenants";

/** Whole `page`-aligned pages of `[start, end)` outside the (possibly overlapping) `cuts`. */
function wholePages(
  start: number,
  end: number,
  cuts: readonly { readonly start: number; readonly end: number }[],
  page: number,
): number {
  const inside = cuts.filter((x) => x.end > start && x.start < end);
  inside.sort((a, b) => a.start - b.start);
  let pages = 0;
  let at = start;
  for (const c of [...inside, { start: end, end }]) {
    const s = Math.ceil(at / page) * page;
    const e = Math.floor(Math.min(c.start, end) / page) * page;
    if (e > s) pages += (e - s) / page;
    at = Math.max(at, c.end);
  }
  return pages;
}

/**
 * The host's kernel command line: CPU isolation of every guest CPU (`isolcpus`, `nohz_full`,
 * `rcu_nocbs`, `irqaffinity` on housekeeping), huge pages for the partitions, and the IOMMU
 * (`intel_iommu=on`, no pass-through for host devices, interrupt remapping on, no
 * compatibility-format MSIs).
 *
 * Huge pages are given per NUMA node (`hugepages=<node>:<n>,…`, Linux 5.16+; without the node
 * form the kernel spreads them evenly). The 2 MiB pool of a node is every whole 2 MiB page of its
 * RAM outside the reserved ranges, the VMs' EPT pages and the partitions of running VMs backed by
 * other page sizes: 4 KiB-backed partitions stay ordinary memory, 1 GiB-backed ones get a 1 GiB
 * pool of exactly their size.
 *
 * @example
 * ```ts
 * kernelCmdline(host); // "isolcpus=managed_irq,domain,2-11,14-23 nohz_full=… intel_iommu=on …"
 * ```
 */
export function kernelCmdline(host: NoHypeHost): string {
  const iso = kernelIsolationParams(host.guestCpus(), { housekeeping: host.housekeeping });
  const mem = host.config.memory;
  const notTwoM: { start: number; end: number }[] = [...mem.reserved];
  const oneG = new Map<number, number>(); // node → 1 GiB pages of 1G-backed partitions
  for (const vm of host.running()) {
    // EPT pages are kernel memory (4 KiB pages), never in a huge-page pool.
    for (const e of vm.memory.tables.extents)
      notTwoM.push({ start: e.hostStart, end: e.hostStart + e.size });
    const page = pageSizeBytes(vm.tenant.pageSize);
    if (page === PAGE_2M) continue;
    for (const e of vm.memory.partition.extents) {
      notTwoM.push({ start: e.hostStart, end: e.hostStart + e.size });
      if (page === PAGE_1G) oneG.set(e.node, (oneG.get(e.node) ?? 0) + e.size / PAGE_1G);
    }
  }
  const perNode = (count: (node: number) => number) =>
    mem.nodes.map((n) => `${n.node}:${count(n.node)}`).join(",");
  const twoM = mem.pageSizes.includes(PAGE_2M)
    ? [
        "default_hugepagesz=2M",
        "hugepagesz=2M",
        `hugepages=${perNode((node) =>
          mem.nodes
            .filter((n) => n.node === node)
            .flatMap((n) => n.ranges)
            .reduce((sum, r) => sum + wholePages(r.start, r.end, notTwoM, PAGE_2M), 0),
        )}`,
      ]
    : [];
  const gig =
    oneG.size > 0 ? ["hugepagesz=1G", `hugepages=${perNode((n) => oneG.get(n) ?? 0)}`] : [];
  return [
    iso.cmdline,
    ...twoM,
    ...gig,
    "intel_iommu=on",
    "iommu=nopt",
    "intremap=on",
    "vfio_iommu_type1.allow_unsafe_interrupts=0",
    `ixgbe.max_vfs=${host.config.nic.numVfs}`,
  ]
    .filter((s) => s.length > 0)
    .join(" ");
}

/**
 * `host.txt`: the kernel command line, the VF enable command, the `ip link … vf …` commands of
 * the running VMs, and the resctrl groups.
 *
 * @example
 * ```ts
 * writeFileSync("host.txt", hostTxt(host));
 * ```
 */
export function hostTxt(host: NoHypeHost): string {
  const c = host.config;
  const lines = [
    `# NoHype host ${c.name} (${c.topology.source}): ${c.topology.packages.length} packages, ${c.topology.cores.length} cores, ${c.topology.cpus.length} CPUs`,
    `# housekeeping CPUs ${formatCpuList(host.housekeeping)}; guest CPUs ${formatCpuList(host.guestCpus())}`,
    "",
    "# kernel command line",
    kernelCmdline(host),
    "",
    `# SR-IOV: ${c.nic.numVfs} VFs on the 82599 PF ${fmtPci(c.nic.address)} (${c.nic.dev}), VEPA to the external switch`,
    `echo ${c.nic.numVfs} > /sys/bus/pci/devices/${fmtPci(c.nic.address)}/sriov_numvfs`,
    `bridge link set dev ${c.nic.dev} hwmode vepa`,
    "",
    "# VFs of the running VMs",
  ];
  for (const vm of host.running()) {
    lines.push(`# ${vm.tenant.name}`);
    for (const n of vm.nics) lines.push(n.ipLink);
  }
  lines.push(
    "",
    "# external switch port facing this host: reflective relay (hairpin), VLANs trunked",
  );
  lines.push(`bridge link set dev <port-to-${c.name}> hairpin on`);
  for (const v of c.switchVlans) lines.push(`bridge vlan add dev <port-to-${c.name}> vid ${v}`);
  lines.push("", "# resctrl groups (libvirt creates them from <cachetune>/<memorytune>)");
  for (const vm of host.running()) {
    const l3 = vm.cat.map((x) => `${x.cacheId}=${x.cbm.toString(16)}`).join(";");
    const mb = vm.mba.map((x) => `${x.node}=${x.percent}`).join(";");
    lines.push(`# ${vm.tenant.name}: L3:${l3}  MB:${mb}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A row of the terminal table and of `summary.json`. */
export interface VmRow {
  readonly vm: string;
  readonly vcpus: number;
  readonly cpus: string;
  readonly cores: number;
  readonly numa: string;
  readonly memory: string;
  readonly pageSize: string;
  readonly l3: string;
  readonly mba: string;
  readonly vfs: string;
  readonly queues: string;
  readonly vlans: string;
  readonly iommuDomain: number;
  readonly irtes: number;
}

/** Per-VM summary rows. @example vmRows(host)[0]?.cpus // "2,4,14,16" */
export function vmRows(host: NoHypeHost): VmRow[] {
  return host.running().map((vm) => ({
    vm: vm.tenant.name,
    vcpus: vm.tenant.vcpus,
    cpus: formatCpuList(vm.cores.cpus),
    cores: vm.cores.cores.length,
    numa: vm.memory.partition.nodes.join(","),
    memory: `${vm.tenant.memoryMiB} MiB`,
    pageSize: vm.tenant.pageSize,
    l3: vm.cat.map((c) => `${c.cacheId}:${c.cbm.toString(16)}`).join(" "),
    mba: vm.mba.map((m) => `${m.node}:${m.percent}%`).join(" "),
    vfs: vm.nics.map((n) => `vf${n.vf}@${fmtPci(n.address).slice(5)}`).join(" "),
    queues: vm.nics
      .map(
        (n) =>
          `${n.vf * host.nic.layout.queuesPerPool}-${(n.vf + 1) * host.nic.layout.queuesPerPool - 1}`,
      )
      .join(" "),
    vlans: vm.nics.map((n) => n.vlan).join(","),
    iommuDomain: vm.domainId,
    irtes: vm.nics.reduce((s, n) => s + n.irtes.length, 0),
  }));
}

/** A plain-text table (fixed-width columns). @example table([{ a: 1 }]) */
export function table(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return "(no VM running)\n";
  const cols = Object.keys(rows[0]!);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => s.padEnd(w[i]!))
      .join("  ")
      .trimEnd();
  return `${[line(cols), line(w.map((n) => "-".repeat(n))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join("\n")}\n`;
}

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/**
 * An ACPI fixed-width string field (OEM ID, OEM table ID) up to its first NUL, without spaces
 * around it.
 *
 * @example
 * ```ts
 * acpiString("AMI\0\0\0"); // "AMI"
 * ```
 */
export function acpiString(s: string): string {
  return (s.split("\0")[0] ?? "").trim();
}

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/**
 * The SVG host map: packages with their cores (each PU coloured by its tenant, housekeeping
 * grey), memory bars per NUMA node (partitions coloured, reserved hatched), and the NIC's VFs
 * (used ones coloured, with their VLAN).
 *
 * @example
 * ```ts
 * const svg = hostMapSvg(host);
 * ```
 */
export function hostMapSvg(host: NoHypeHost): string {
  const t = host.topology;
  const vms = host.running();
  const colour = new Map(vms.map((vm, i) => [vm.tenant.name, PALETTE[i % PALETTE.length]!]));
  const owner = new Map<number, string>();
  for (const vm of vms) for (const c of vm.cores.cpus) owner.set(c, vm.tenant.name);
  const hk = new Set(host.housekeeping);
  const parts: string[] = [];
  const W = 900;
  let y = 30;
  parts.push(
    `<text x="10" y="18" font-size="14" font-weight="bold">${esc(host.config.name)}: cores (PUs coloured by tenant; grey = housekeeping)</text>`,
  );
  for (const p of t.packages) {
    const cores = t.cores.filter((c) => c.package === p.index);
    parts.push(`<text x="10" y="${y + 14}" font-size="12">package ${p.index}</text>`);
    cores.forEach((c, i) => {
      const x = 90 + i * 62;
      parts.push(`<rect x="${x}" y="${y}" width="58" height="40" fill="none" stroke="#333"/>`);
      c.pus.forEach((pu, k) => {
        const who = owner.get(pu);
        const fill = hk.has(pu) ? "#999" : who ? colour.get(who)! : "#fff";
        const px = x + 3 + k * (52 / c.pus.length);
        parts.push(
          `<rect x="${px}" y="${y + 3}" width="${52 / c.pus.length - 2}" height="34" fill="${fill}" stroke="#666"><title>CPU ${pu}${who ? ` — ${esc(who)}` : hk.has(pu) ? " — housekeeping" : " — free"}</title></rect>`,
        );
        parts.push(`<text x="${px + 4}" y="${y + 24}" font-size="10">${pu}</text>`);
      });
    });
    y += 52;
  }
  y += 10;
  parts.push(
    `<text x="10" y="${y + 12}" font-size="14" font-weight="bold">memory per NUMA node (partitions; dark = reserved for the host / VT-d tables)</text>`,
  );
  y += 22;
  for (const n of host.config.memory.nodes) {
    const lo = Math.min(...n.ranges.map((r) => r.start));
    const hi = Math.max(...n.ranges.map((r) => r.end));
    const scale = (W - 110) / (hi - lo);
    parts.push(`<text x="10" y="${y + 14}" font-size="12">node ${n.node}</text>`);
    parts.push(`<rect x="90" y="${y}" width="${W - 110}" height="20" fill="#fff" stroke="#333"/>`);
    for (const r of host.config.memory.reserved)
      if (r.end > lo && r.start < hi)
        parts.push(
          `<rect x="${90 + (Math.max(r.start, lo) - lo) * scale}" y="${y}" width="${Math.max(1, (Math.min(r.end, hi) - Math.max(r.start, lo)) * scale)}" height="20" fill="#444"><title>${esc(r.label ?? "reserved")}</title></rect>`,
        );
    for (const vm of vms)
      for (const e of vm.memory.partition.extents)
        if (e.node === n.node)
          parts.push(
            `<rect x="${90 + (e.hostStart - lo) * scale}" y="${y}" width="${Math.max(1, e.size * scale)}" height="20" fill="${colour.get(vm.tenant.name)}"><title>${esc(vm.tenant.name)}: ${e.size / 2 ** 20} MiB at 0x${e.hostStart.toString(16)}</title></rect>`,
          );
    y += 28;
  }
  y += 10;
  parts.push(
    `<text x="10" y="${y + 12}" font-size="14" font-weight="bold">82599 ${fmtPci(host.config.nic.address)}: VFs (pools of ${host.nic.layout.queuesPerPool} queues)</text>`,
  );
  y += 20;
  const qpp = host.nic.layout.queuesPerPool;
  const vfOwner = new Map<number, { vm: RunningVm; vlan: number }>();
  for (const vm of vms) for (const n of vm.nics) vfOwner.set(n.vf, { vm, vlan: n.vlan });
  for (let vf = 0; vf < host.config.nic.numVfs; vf++) {
    const x = 90 + (vf % 32) * 25;
    const yy = y + Math.floor(vf / 32) * 28;
    const o = vfOwner.get(vf);
    parts.push(
      `<rect x="${x}" y="${yy}" width="22" height="22" fill="${o ? colour.get(o.vm.tenant.name) : "#fff"}" stroke="#666"><title>VF ${vf} (pool ${vf}, Rx/Tx queues ${vf * qpp}–${vf * qpp + qpp - 1})${o ? ` — ${esc(o.vm.tenant.name)}, VLAN ${o.vlan}` : " — free"}</title></rect>`,
    );
    parts.push(`<text x="${x + 3}" y="${yy + 15}" font-size="9">${vf}</text>`);
  }
  y += Math.ceil(host.config.nic.numVfs / 32) * 28 + 10;
  vms.forEach((vm, i) => {
    parts.push(
      `<rect x="${90 + i * 130}" y="${y}" width="12" height="12" fill="${colour.get(vm.tenant.name)}"/><text x="${106 + i * 130}" y="${y + 11}" font-size="12">${esc(vm.tenant.name)}</text>`,
    );
  });
  y += 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif">\n${parts.join("\n")}\n</svg>`;
}

/** Everything the report shows. */
export interface ReportInput {
  readonly host: NoHypeHost;
  readonly rows: readonly VmRow[];
  readonly refused: readonly {
    readonly tenant: string;
    readonly stage: string;
    readonly reason: string;
  }[];
  readonly attacks: readonly AttackOutcome[];
  readonly checks: readonly { readonly event: string; readonly violations: readonly Violation[] }[];
  readonly churn?: ChurnSummary;
}

function churnHtml(c: ChurnSummary): string {
  const parts = [
    `${c.events} random start/stop events on ${esc(c.topology)}, the host-wide checks after each: ${c.violations} violations, ${c.seconds.toFixed(2)} s wall time (${(c.events / c.seconds).toFixed(1)} events/s).`,
  ];
  if (c.starts !== undefined && c.stops !== undefined)
    parts.push(
      `${c.starts} starts, ${c.stops} stops, clean refusals ${esc(
        Object.entries(c.refusals ?? {})
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "none",
      )}${c.maxRunning !== undefined ? `, up to ${c.maxRunning} VMs at once` : ""}.`,
    );
  if (c.checks)
    parts.push(
      `The checks swept ${c.checks.translations} DMA translations, ${c.checks.interrupts} interrupt remaps, ${c.checks.frames} inter-VM frames and ${c.checks.tableRanges} read-back second-level table ranges.`,
    );
  return `<h2>Churn</h2><p>${parts.join(" ")}</p>`;
}

/**
 * `report.html`: the host map, the VM table, the invariant checks per event, the attack scenarios
 * and their outcomes, the churn run.
 *
 * @example
 * ```ts
 * writeFileSync("report.html", reportHtml({ host, rows, refused: [], attacks, checks }));
 * ```
 */
export function reportHtml(r: ReportInput): string {
  const h = (s: string | number) => esc(String(s));
  const rowsHtml = (rows: readonly Record<string, string | number | boolean | undefined>[]) => {
    if (rows.length === 0) return "<p>(none)</p>";
    const cols = Object.keys(rows[0]!);
    return `<table><tr>${cols.map((c) => `<th>${h(c)}</th>`).join("")}</tr>${rows.map((row) => `<tr>${cols.map((c) => `<td>${h(String(row[c] ?? ""))}</td>`).join("")}</tr>`).join("")}</table>`;
  };
  const vmMacs = r.host.running().map((vm) => ({
    vm: vm.tenant.name,
    nics: vm.nics
      .map((n) => `${formatMac(n.mac)} VLAN ${n.vlan} qos ${n.qos} ≤ ${n.maxTxRateMbps} Mb/s`)
      .join("; "),
  }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NoHype host ${h(r.host.config.name)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}.ok{color:#2a7a2a}.bad{color:#b00}</style></head>
<body>
<h1>NoHype host manager — ${h(r.host.config.name)}</h1>
<p>Topology ${h(r.host.topology.source)}; DMAR ${h(acpiString(r.host.config.dmar.oemId))} ${h(acpiString(r.host.config.dmar.oemTableId))} (HAW ${r.host.config.dmar.hostAddressWidth + 1} bits, interrupt remapping ${r.host.config.dmar.flags & 1 ? "on" : "off"}); NIC: Intel 82599 (ixgbe) at ${h(fmtPci(r.host.config.nic.address))}, ${r.host.config.nic.numVfs} VFs, VEPA.</p>
<h2>Host map</h2>
${hostMapSvg(r.host)}
<h2>Tenants</h2>
${rowsHtml(r.rows as unknown as Record<string, string | number>[])}
${rowsHtml(vmMacs)}
<h3>Refused starts</h3>
${rowsHtml(r.refused as unknown as Record<string, string>[])}
<h2>Invariants after every event</h2>
${rowsHtml(r.checks.map((c) => ({ event: c.event, violations: c.violations.length, detail: c.violations.map((v) => `${v.invariant}: ${v.message}`).join("; ") || "all hold" })))}
<h2>Attack scenarios</h2>
${rowsHtml(r.attacks.map((a) => ({ attack: a.attack, attacker: a.attacker, victim: a.victim, outcome: a.refused ? "refused" : "NOT REFUSED", mechanism: a.mechanism, reason: a.reason, "nothing leaked": a.leakFree === undefined ? "" : String(a.leakFree) })))}
${r.churn ? churnHtml(r.churn) : ""}
</body></html>
`;
}
