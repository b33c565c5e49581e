import { type AttackOutcome, runAttacks } from "./attacks";
import { checkHost, type Violation } from "./checks";
import type { ChurnSummary } from "./churn";
import { type DomainProblem, domainXml, semanticCheck } from "./domain";
import { type HostConfig, NoHypeHost } from "./host";
import { acpiString, hostTxt, reportHtml, table, type VmRow, vmRows } from "./report";
import type { Tenant } from "./tenants";

/** Everything the demo produces (files by name, and the figures for the summary). */
export interface DemoResult {
  readonly host: NoHypeHost;
  /** `<vm>.xml`, `host.txt`, `report.html`, `summary.json`. */
  readonly files: Record<string, string>;
  readonly table: string;
  readonly rows: readonly VmRow[];
  readonly checks: readonly { readonly event: string; readonly violations: readonly Violation[] }[];
  readonly attacks: readonly AttackOutcome[];
  readonly refused: readonly {
    readonly tenant: string;
    readonly stage: string;
    readonly reason: string;
  }[];
  readonly domainProblems: readonly DomainProblem[];
}

/**
 * The demo scenario: start every tenant (checks after each), run the attacks between the first
 * two VMs, stop and restart the first VM (checks after each: its memory is scrubbed and nothing
 * of it survives), then emit the domain XML of every running VM, `host.txt`, `report.html` and
 * `summary.json`.
 *
 * @example
 * ```ts
 * const r = runDemo(realHostConfig(tenants), tenants);
 * for (const [name, text] of Object.entries(r.files)) writeFileSync(name, text);
 * ```
 */
export function runDemo(
  config: HostConfig,
  tenants: readonly Tenant[],
  extra: { readonly churn?: ChurnSummary } = {},
): DemoResult {
  const host = new NoHypeHost(config);
  const checks: { event: string; violations: Violation[] }[] = [];
  const refused: { tenant: string; stage: string; reason: string }[] = [];
  const check = (event: string) => checks.push({ event, violations: checkHost(host) });
  for (const t of tenants) {
    const r = host.start(t);
    if (!r.ok) refused.push({ tenant: t.name, stage: r.refusal.stage, reason: r.refusal.reason });
    check(r.ok ? `start ${t.name}` : `refused ${t.name}`);
  }
  let attacks: AttackOutcome[] = [];
  const running = host.running();
  if (running.length >= 2) {
    attacks = runAttacks(host, running[0]!.tenant.name, running[1]!.tenant.name);
    check("after the attacks");
    // Stop/restart: the guest writes a secret, stops; the next owner of the memory reads zero.
    const first = running[0]!;
    const w = host.guestWrite(first.tenant.name, 0x1000, 0x5ec12e7, 0x5ec12e7);
    host.stop(first.tenant.name);
    check(`stop ${first.tenant.name}`);
    const residue = w.ok ? host.readHost(w.hpa) : [0, 0];
    attacks.push({
      attack: `data remanence: ${first.tenant.name} wrote a secret at GPA 0x1000, then stopped`,
      attacker: "(next tenant)",
      victim: first.tenant.name,
      refused: residue[0] === 0 && residue[1] === 0,
      mechanism: "scrub on stop",
      reason: `host word after stop: 0x${residue[1]!.toString(16).padStart(8, "0")}${residue[0]!.toString(16).padStart(8, "0")}`,
    });
    const again = host.start(first.tenant);
    check(again.ok ? `restart ${first.tenant.name}` : `refused restart ${first.tenant.name}`);
  }
  const files: Record<string, string> = {};
  const domainProblems: DomainProblem[] = [];
  for (const vm of host.running()) {
    const xml = domainXml(host, vm);
    files[`${vm.tenant.name}.xml`] = xml;
    domainProblems.push(...semanticCheck(host, vm, xml));
  }
  files["host.txt"] = hostTxt(host);
  const rows = vmRows(host);
  files["report.html"] = reportHtml({
    host,
    rows,
    refused,
    attacks,
    checks,
    ...(extra.churn ? { churn: extra.churn } : {}),
  });
  files["summary.json"] = `${JSON.stringify(
    {
      host: {
        name: config.name,
        topology: config.topology.source,
        packages: config.topology.packages.length,
        cores: config.topology.cores.length,
        cpus: config.topology.cpus.length,
        numaNodes: config.memory.nodes.map((n) => n.node),
        housekeeping: host.housekeeping,
        dmar: {
          oemId: acpiString(config.dmar.oemId),
          oemTableId: acpiString(config.dmar.oemTableId),
          hostAddressWidth: config.dmar.hostAddressWidth + 1,
          interruptRemapping: (config.dmar.flags & 1) === 1,
        },
        nic: { model: "Intel 82599 (ixgbe)", pf: config.nic.address, numVfs: config.nic.numVfs },
      },
      vms: rows,
      refused,
      invariants: checks.map((c) => ({ event: c.event, violations: c.violations })),
      allInvariantsHeld: checks.every((c) => c.violations.length === 0),
      attacks,
      allAttacksRefused: attacks.every((a) => a.refused && a.leakFree !== false),
      domainXmlProblems: domainProblems,
      ...(extra.churn ? { churn: extra.churn } : {}),
    },
    null,
    2,
  )}\n`;
  return {
    host,
    files,
    table: table(rows as unknown as Record<string, string | number>[]),
    rows,
    checks,
    attacks,
    refused,
    domainProblems,
  };
}
