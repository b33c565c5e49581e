import { decodeIrte, readMappedRanges, remappableMsi, VtdFaultReason } from "@dyninfra/iommu-model";
import { checkMemoryIsolation } from "@dyninfra/mem-partitioner";
import { vfRoutingId } from "@dyninfra/sriov-queues";
import type { NoHypeHost, RunningVm } from "./host";

/** The host-wide invariants the manager must keep after every event. */
export type InvariantName =
  | "cores-exclusive"
  | "memory-disjoint"
  | "dma-confined"
  | "interrupts-confined"
  | "traffic-via-switch";

/** A broken invariant. */
export interface Violation {
  readonly invariant: InvariantName;
  readonly message: string;
}

/** Options of {@link checkHost}. */
export interface CheckOptions {
  /** Translations sampled per VF in the DMA sweep beyond the table walk; default 32. */
  readonly dmaSamples?: number;
  /**
   * Inter-VM pairs sent through the fabric: `all` ordered pairs, or only pairs involving the
   * named VM (after an event on it). Default `all`.
   */
  readonly trafficPairs?: "all" | { readonly involving: string } | "none";
  /**
   * Whose EPT and IOMMU tables are walked in full: `all` VMs (default), or only the named one
   * (the VM of the last event — the only tables that changed). Sampled translations, cores,
   * extents, interrupts run for every VM either way.
   */
  readonly tableWalks?: "all" | { readonly only: string };
}

/** Counters of what a check looked at (for the summary). */
export interface CheckStats {
  translations: number;
  tableRanges: number;
  interrupts: number;
  frames: number;
}

const NOT_PRESENT = new Set<number>([
  VtdFaultReason.ROOT_ENTRY_NOT_PRESENT,
  VtdFaultReason.CONTEXT_ENTRY_NOT_PRESENT,
]);

/** An independent statement of "inside": [start, end) within one of the ranges. */
function inside(
  ranges: readonly (readonly [number, number])[],
  start: number,
  end: number,
): boolean {
  return ranges.some(([s, e]) => s <= start && end <= e);
}

function hostRanges(vm: RunningVm): [number, number][] {
  return vm.memory.partition.extents.map((e) => [e.hostStart, e.hostStart + e.size]);
}

/**
 * Checks every host-wide invariant on the host's current state, independently of the allocators'
 * own bookkeeping where possible:
 *
 * - cores: no CPU, no core (SMT sibling) shared by two VMs or a VM and housekeeping (from the
 *   topology, not from the pinner);
 * - memory: partitions pairwise disjoint, outside reserved ranges (host, VT-d tables), EPTs reach
 *   only their own partition and never EPT pages (mem-partitioner's EPT walk);
 * - DMA: each domain's second-level tables, read back from memory as the hardware would walk
 *   them, map only the VM's own partition; plus sampled translations of every VF at its own and
 *   at neighbours' addresses through the remapping unit;
 * - interrupts: every IRTE of a VF remaps (through the hardware) to a CPU of its own VM; a VF
 *   using another VF's IRTE faults;
 * - traffic: a unicast between two VMs of one VLAN reaches the other exactly once, through the
 *   external switch (hops host → bridge → host), never in the NIC; across VLANs never.
 *
 * @example
 * ```ts
 * const violations = checkHost(host);
 * if (violations.length > 0) throw new Error(violations[0]!.message);
 * ```
 */
export function checkHost(
  host: NoHypeHost,
  options: CheckOptions = {},
  stats?: CheckStats,
): Violation[] {
  const out: Violation[] = [];
  const vms = host.running();
  const t = host.topology;
  // --- cores
  const coreOwner = new Map<number, string>();
  const cpuCore = new Map<number, number>();
  for (const c of t.cores) for (const p of c.pus) cpuCore.set(p, c.index);
  for (const p of host.housekeeping) coreOwner.set(cpuCore.get(p)!, "(host)");
  for (const vm of vms) {
    if (vm.cores.vcpuPins.length !== vm.tenant.vcpus)
      out.push({
        invariant: "cores-exclusive",
        message: `${vm.tenant.name} has ${vm.cores.vcpuPins.length} pins for ${vm.tenant.vcpus} vCPUs`,
      });
    const mine = new Set<number>();
    for (const p of vm.cores.cpus) {
      const core = cpuCore.get(p);
      if (core === undefined) {
        out.push({
          invariant: "cores-exclusive",
          message: `${vm.tenant.name} got CPU ${p}, not on the host`,
        });
        continue;
      }
      mine.add(core);
    }
    for (const core of mine) {
      const other = coreOwner.get(core);
      if (other !== undefined && other !== vm.tenant.name)
        out.push({
          invariant: "cores-exclusive",
          message: `core ${core} (CPUs ${t.cores[core]!.pus.join(",")}) shared by ${vm.tenant.name} and ${other}`,
        });
      coreOwner.set(core, vm.tenant.name);
    }
  }
  // --- memory
  const reserved = host.config.memory.reserved.map((r) => [r.start, r.end] as const);
  for (const [i, a] of vms.entries()) {
    for (const [s, e] of [
      ...hostRanges(a),
      ...a.memory.tables.extents.map(
        (x) => [x.hostStart, x.hostStart + x.size] as [number, number],
      ),
    ]) {
      for (const [rs, re] of reserved)
        if (s < re && rs < e)
          out.push({
            invariant: "memory-disjoint",
            message: `${a.tenant.name} memory [${hex(s)}, ${hex(e)}) overlaps a reserved range`,
          });
      for (const b of vms.slice(i + 1))
        for (const [bs, be] of [
          ...hostRanges(b),
          ...b.memory.tables.extents.map(
            (x) => [x.hostStart, x.hostStart + x.size] as [number, number],
          ),
        ])
          if (s < be && bs < e)
            out.push({
              invariant: "memory-disjoint",
              message: `${a.tenant.name} and ${b.tenant.name} share [${hex(Math.max(s, bs))}, ${hex(Math.min(e, be))})`,
            });
    }
  }
  const walk = options.tableWalks ?? "all";
  const walked = (vm: RunningVm) => walk === "all" || walk.only === vm.tenant.name;
  const eptSubjects = walk === "all" ? vms : vms.filter(walked);
  for (const v of checkMemoryIsolation(
    eptSubjects.map((vm) => ({ name: vm.tenant.name, ept: vm.memory.ept })),
  ))
    out.push({
      invariant: "memory-disjoint",
      message: `EPT: ${v.kind} ${v.vm}/${v.other} at ${hex(v.start)}`,
    });
  for (const vm of eptSubjects) {
    const own = hostRanges(vm);
    for (const l of vm.memory.ept.leaves())
      if (!inside(own, l.hpa, l.hpa + l.pageSize)) {
        out.push({
          invariant: "memory-disjoint",
          message: `${vm.tenant.name}: EPT maps GPA ${hex(l.gpa)} outside its partition`,
        });
        break;
      }
  }
  // --- DMA
  const samples = options.dmaSamples ?? 32;
  for (const vm of vms) {
    const own = hostRanges(vm);
    const dom = host.vtd.domain(vm.domainId);
    if (dom === undefined) {
      out.push({
        invariant: "dma-confined",
        message: `${vm.tenant.name}: IOMMU domain ${vm.domainId} missing`,
      });
      continue;
    }
    const mapped = walked(vm)
      ? readMappedRanges(host.physicalMemory, dom.pageTable, dom.levels)
      : [];
    if (stats) stats.tableRanges += mapped.length;
    for (const m of mapped)
      if (!inside(own, m.hostAddress, m.hostAddress + m.length))
        out.push({
          invariant: "dma-confined",
          message: `${vm.tenant.name}: domain ${vm.domainId} maps IOVA ${hex(m.iova)} to ${hex(m.hostAddress)}, outside its partition`,
        });
    const size = vm.memory.partition.size;
    const probes: number[] = [];
    for (let k = 0; k < samples; k++)
      probes.push(Math.floor((((k + 0.5) / samples) * size) / 4096) * 4096);
    // Neighbours' addresses: all of them, or (incremental) the event's VM against everyone.
    const neighbours = walked(vm) ? vms : vms.filter(walked);
    for (const other of neighbours)
      if (other !== vm)
        for (const e of other.memory.partition.extents) probes.push(e.hostStart, e.guestStart);
    probes.push(size, size + 2 ** 30);
    for (const n of vm.nics) {
      if (host.vtd.attachment(n.routingId) !== vm.domainId)
        out.push({
          invariant: "dma-confined",
          message: `${n.port}: VF ${n.vf} not attached to domain ${vm.domainId}`,
        });
      for (const iova of probes) {
        if (iova >= 2 ** 39) continue;
        const hpa = host.iommu.translateAddress(n.routingId, iova, true);
        if (stats) stats.translations++;
        if (hpa >= 0 && !inside(own, hpa, hpa + 1))
          out.push({
            invariant: "dma-confined",
            message: `${n.port}: DMA to IOVA ${hex(iova)} reaches ${hex(hpa)}, outside ${vm.tenant.name}`,
          });
      }
    }
  }
  // Free VFs: no context entry, so any DMA they issue faults (root or context entry not present).
  const inUse = new Set(vms.flatMap((vm) => vm.nics.map((n) => n.vf)));
  for (let vf = 0; vf < host.pf.numVfs; vf++) {
    if (inUse.has(vf)) continue;
    const rid = vfRoutingId(host.pf, vf);
    const r = host.iommu.translate(rid, 0, "read");
    if (stats) stats.translations++;
    if (host.vtd.attachment(rid) !== undefined || r.ok || !NOT_PRESENT.has(r.fault.reason))
      out.push({
        invariant: "dma-confined",
        message: `free VF ${vf} can still issue DMA (context entry present)`,
      });
  }
  host.iommu.clearFaults();
  // --- interrupts
  const cpusOf = new Map(vms.map((vm) => [vm.tenant.name, new Set(vm.cores.cpus)]));
  const allIrtes = vms.flatMap((vm) => vm.nics.flatMap((n) => n.irtes.map((e) => ({ vm, n, e }))));
  for (const { vm, n, e } of allIrtes) {
    const r = host.iommu.remapInterrupt(n.routingId, remappableMsi(e.index));
    if (stats) stats.interrupts++;
    if (!r.ok)
      out.push({
        invariant: "interrupts-confined",
        message: `${n.port}: own IRTE ${e.index} faults (${r.reason})`,
      });
    else if (!cpusOf.get(vm.tenant.name)!.has(r.interrupt.destinationId))
      out.push({
        invariant: "interrupts-confined",
        message: `${n.port}: IRTE ${e.index} targets CPU ${r.interrupt.destinationId}, not one of ${vm.tenant.name}'s`,
      });
  }
  // The whole interrupt remapping table, read from memory: every present IRTE must verify the
  // requester id of a running VM's VF and target one of that VM's CPUs.
  const vmOfSid = new Map<number, RunningVm>();
  for (const vm of vms) for (const n of vm.nics) vmOfSid.set(n.routingId, vm);
  const irt = host.vtd.interruptRemapTable;
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < host.vtd.interruptRemapEntries; i++) {
    const at = irt + i * 16;
    const w0 = host.physicalMemory.lo32(at);
    if ((w0 & 1) === 0) continue; // not present
    view.setUint32(0, w0, true);
    view.setUint32(4, host.physicalMemory.hi32(at), true);
    view.setUint32(8, host.physicalMemory.lo32(at + 8), true);
    view.setUint32(12, host.physicalMemory.hi32(at + 8), true);
    const e = decodeIrte(bytes);
    const owner = vmOfSid.get(e.sourceId);
    if (e.sourceValidationType !== 1 || owner === undefined)
      out.push({
        invariant: "interrupts-confined",
        message: `IRTE ${i} is present but verifies no running VF (SVT ${e.sourceValidationType}, SID 0x${e.sourceId.toString(16)})`,
      });
    else if (!cpusOf.get(owner.tenant.name)!.has(e.destinationId))
      out.push({
        invariant: "interrupts-confined",
        message: `IRTE ${i} of ${owner.tenant.name} targets CPU ${e.destinationId}`,
      });
  }
  // Cross check: one foreign IRTE per VF (the next VM's first entry) must fault.
  for (const [i, vm] of vms.entries()) {
    const next = vms[(i + 1) % vms.length];
    if (next === undefined || next === vm) continue;
    const foreign = next.nics[0]?.irtes[0];
    if (foreign === undefined) continue;
    for (const n of vm.nics) {
      const r = host.iommu.remapInterrupt(n.routingId, remappableMsi(foreign.index));
      if (stats) stats.interrupts++;
      if (r.ok)
        out.push({
          invariant: "interrupts-confined",
          message: `${n.port} raised ${next.tenant.name}'s IRTE ${foreign.index}`,
        });
    }
  }
  host.iommu.clearFaults();
  // --- traffic
  const mode = options.trafficPairs ?? "all";
  if (mode !== "none") {
    const ports = vms.flatMap((vm) => vm.nics.map((n) => ({ vm, n })));
    for (const a of ports)
      for (const b of ports) {
        if (a.vm === b.vm) continue;
        if (
          typeof mode === "object" &&
          a.vm.tenant.name !== mode.involving &&
          b.vm.tenant.name !== mode.involving
        )
          continue;
        if (stats) stats.frames++;
        const got = host.fabric.send(
          `${host.config.name}/${a.n.port}`,
          { dst: b.n.mac, src: a.n.mac },
          Number(host.tick() / 1_000_000n) / 1000,
        );
        const toB = got.filter((d) => d.endpoint === `${host.config.name}/${b.n.port}`);
        if (a.n.vlan === b.n.vlan) {
          if (toB.length !== 1)
            out.push({
              invariant: "traffic-via-switch",
              message: `${a.n.port} → ${b.n.port} (VLAN ${a.n.vlan}) delivered ${toB.length} times`,
            });
          else if (toB[0]!.hops.join(">") !== `${host.config.name}>bridge>${host.config.name}`)
            out.push({
              invariant: "traffic-via-switch",
              message: `${a.n.port} → ${b.n.port} took ${toB[0]!.hops.join(" → ")}, not the external switch`,
            });
        } else if (toB.length > 0)
          out.push({
            invariant: "traffic-via-switch",
            message: `${a.n.port} (VLAN ${a.n.vlan}) reached ${b.n.port} (VLAN ${b.n.vlan})`,
          });
      }
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
