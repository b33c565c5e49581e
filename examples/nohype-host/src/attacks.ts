import { compatibilityMsi, remappableMsi, VtdFaultReason } from "@dyninfra/iommu-model";
import { formatMac } from "@dyninfra/sriov-queues";
import type { NoHypeHost, RunningVm } from "./host";
import type { Tenant } from "./tenants";

/** One attack and how the host answered it. */
export interface AttackOutcome {
  readonly attack: string;
  readonly attacker: string;
  readonly victim: string;
  /** True when the attack was refused. */
  readonly refused: boolean;
  /** The mechanism that refused it (IOMMU DMA remapping, VF anti-spoofing, …). */
  readonly mechanism: string;
  /** The reason as the mechanism reports it (fault reason, drop reason, refusal). */
  readonly reason: string;
  /** For over-asks: the host's state is identical before and after (nothing leaked). */
  readonly leakFree?: boolean;
}

const FAULT_NAMES = new Map<number, string>(
  Object.entries(VtdFaultReason).map(([k, v]) => [v as number, k]),
);

/** `0x26 IR_SOURCE_ID_INVALID`. @example faultName(6) // "0x6 READ" */
export function faultName(code: number): string {
  return `0x${code.toString(16)} ${FAULT_NAMES.get(code) ?? "?"}`;
}

/**
 * Runs the attack scenarios of the issue from `attacker` against `victim` (two running VMs) and
 * returns each outcome. Expected: every attack refused, by the named mechanism:
 *
 * - DMA into the neighbour's memory (by its host-physical address, by its guest-physical address
 *   beyond the attacker's partition) → IOMMU DMA-remapping fault;
 * - MAC spoofing (the victim's MAC as source) → VF MAC anti-spoofing drop;
 * - VLAN spoofing (a tagged frame into the victim's VLAN) → VF VLAN anti-spoofing drop;
 * - interrupt injection to the victim's core (the victim's IRTE handle; a compatibility-format
 *   MSI addressed to the victim's CPU) → interrupt-remapping fault;
 * - asking for more cores or more memory than free → the allocator's refusal, host state
 *   unchanged.
 *
 * @example
 * ```ts
 * for (const o of runAttacks(host, "web-a", "db-b")) console.log(o.attack, o.refused, o.reason);
 * ```
 */
export function runAttacks(host: NoHypeHost, attacker: string, victim: string): AttackOutcome[] {
  const a = host.vm(attacker);
  const v = host.vm(victim);
  if (a === undefined || v === undefined) throw new Error(`attack needs two running VMs`);
  const out: AttackOutcome[] = [];
  const an = a.nics[0]!;
  const vn = v.nics[0]!;
  const ve = v.memory.partition.extents[0]!;
  // DMA: the victim's host-physical address, and a guest address past the attacker's memory.
  for (const [what, iova] of [
    ["DMA write to the neighbour's host-physical memory", ve.hostStart],
    [
      "DMA write past its own partition (neighbour's memory by guest address)",
      a.memory.partition.size + ve.guestStart,
    ],
  ] as const) {
    const before = host.readHost(ve.hostStart);
    const r = host.dmaWrite(attacker, 0, iova, 0xdeadbeef, 0xdeadbeef);
    const after = host.readHost(ve.hostStart);
    out.push({
      attack: `${what} (IOVA 0x${iova.toString(16)})`,
      attacker,
      victim,
      refused: !r.ok && before[0] === after[0] && before[1] === after[1],
      mechanism: "IOMMU DMA remapping (VT-d second-level tables)",
      reason: r.ok ? `written at 0x${r.hpa.toString(16)}` : `DMA fault ${faultName(r.faultReason)}`,
    });
  }
  // MAC spoofing: the victim's MAC as source.
  const spoofMac = host.nic.transmit(an.vf, { dst: vn.mac, src: vn.mac }, host.tick());
  const viaFabric = host.fabric.send(
    `${host.config.name}/${an.port}`,
    { dst: vn.mac, src: vn.mac },
    0,
  );
  out.push({
    attack: `MAC spoofing (source ${formatMac(vn.mac)})`,
    attacker,
    victim,
    refused: !spoofMac.ok && viaFabric.length === 0,
    mechanism: "82599 VF MAC anti-spoofing (spoofchk on)",
    reason: spoofMac.ok ? "transmitted" : `Tx drop: ${spoofMac.reason}`,
  });
  // The VF asks the PF (mailbox) to take the victim's MAC: refused, the VF is untrusted and its
  // MAC was set by the administrator.
  const mbox = host.nic.vfSetMacAddr(an.vf, vn.mac);
  out.push({
    attack: `VF mailbox request to take ${formatMac(vn.mac)}`,
    attacker,
    victim,
    refused: !mbox.ok && host.nic.vfInfo(an.vf).mac === an.mac,
    mechanism: "ixgbe PF mailbox policy (VF untrusted, administrator-set MAC)",
    reason: mbox.ok ? "MAC changed" : `${mbox.errno}: ${mbox.message}`,
  });
  // VLAN spoofing: a tagged frame into another VLAN: one of the victim's the attacker is not on,
  // or 4000 if the victim has none.
  const vid = v.nics.map((n) => n.vlan).find((x) => x !== an.vlan) ?? 4000;
  const vlanVictim = v.nics.find((n) => n.vlan === vid) ?? vn;
  const spoofVlan = host.nic.transmit(
    an.vf,
    { dst: vlanVictim.mac, src: an.mac, vlan: vid },
    host.tick(),
  );
  const vlanViaFabric = host.fabric
    .send(`${host.config.name}/${an.port}`, { dst: vlanVictim.mac, src: an.mac, vlan: vid }, 0)
    .filter((d) => d.endpoint === `${host.config.name}/${vlanVictim.port}`);
  out.push({
    attack: `VLAN spoofing (tagged VLAN ${vid}${vid === vlanVictim.vlan ? `, ${victim}'s` : ""})`,
    attacker,
    victim,
    refused: !spoofVlan.ok && vlanViaFabric.length === 0,
    mechanism: "82599 VF VLAN anti-spoofing (port VLAN, spoofchk on)",
    reason: spoofVlan.ok ? "transmitted" : `Tx drop: ${spoofVlan.reason}`,
  });
  // Interrupt injection: the victim's IRTE, and a compatibility-format MSI to the victim's CPU.
  const victimIrte = vn.irtes[0]!;
  const ir = host.iommu.remapInterrupt(an.routingId, remappableMsi(victimIrte.index));
  out.push({
    attack: `interrupt injection via ${victim}'s IRTE ${victimIrte.index} (CPU ${victimIrte.cpu})`,
    attacker,
    victim,
    refused: !ir.ok,
    mechanism: "VT-d interrupt remapping (IRTE source-id verification)",
    reason: ir.ok
      ? `delivered to CPU ${ir.interrupt.destinationId}`
      : `IR fault ${faultName(ir.reason)}`,
  });
  const compat = host.iommu.remapInterrupt(
    an.routingId,
    compatibilityMsi({ destinationId: victimIrte.cpu & 0xff, vector: 0x41 }),
  );
  out.push({
    attack: `interrupt injection with a compatibility-format MSI to CPU ${victimIrte.cpu}`,
    attacker,
    victim,
    refused: !compat.ok,
    mechanism: "VT-d interrupt remapping (compatibility format blocked)",
    reason: compat.ok
      ? `delivered to CPU ${compat.interrupt.destinationId}`
      : `IR fault ${faultName(compat.reason)}`,
  });
  host.iommu.clearFaults();
  out.push(
    overAsk(
      host,
      "more cores than free",
      {
        ...a.tenant,
        name: `${attacker}-greedy-cpu`,
        vcpus: host.pinner.freeCpus().length + 2,
        nics: [],
      },
      "cores",
    ),
  );
  const freeBytes = host.partitioner.freeRanges().reduce((s, r) => s + (r.end - r.start), 0);
  out.push(
    overAsk(
      host,
      "more memory than free",
      {
        ...a.tenant,
        name: `${attacker}-greedy-mem`,
        vcpus: 1,
        memoryMiB: Math.ceil(freeBytes / 2 ** 20 / 2) * 2 + 2048,
        pageSize: "2M",
        nics: [],
      },
      "memory",
    ),
  );
  return out;
}

function overAsk(host: NoHypeHost, what: string, tenant: Tenant, stage: string): AttackOutcome {
  const before = host.fingerprint();
  const r = host.start(tenant);
  const after = host.fingerprint();
  if (r.ok) host.stop(tenant.name);
  return {
    attack: `asking for ${what} (${tenant.vcpus} vCPUs, ${tenant.memoryMiB} MiB)`,
    attacker: tenant.name,
    victim: "(host)",
    refused: !r.ok && r.refusal.stage === stage,
    mechanism: stage === "cores" ? "NoHype core pinner" : "static memory partitioner",
    reason: r.ok ? "started" : `${r.refusal.stage}: ${r.refusal.reason}`,
    leakFree: before === after,
  };
}

/** The VM pair the demo attacks with: the first two running VMs. @example attackPair(host) */
export function attackPair(host: NoHypeHost): [RunningVm, RunningVm] | undefined {
  const r = host.running();
  return r.length >= 2 ? [r[0]!, r[1]!] : undefined;
}
