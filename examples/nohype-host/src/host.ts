import {
  type DmarTable,
  findDrhd,
  findRmrrs,
  interruptRemapEntry,
  PhysicalMemory,
  platformCapabilities,
  RemappingHardwareUnit,
  sourceIdOf,
  VtdDriver,
} from "@dyninfra/iommu-model";
import {
  allocateVmMemory,
  type BandwidthResource,
  type CacheResource,
  createHostMemoryMap,
  type HostMemoryMap,
  MemoryPartitioner,
  type PhysRange,
  type ReservedRange,
  type VmMemory,
  validateBandwidth,
  validateCbm,
} from "@dyninfra/mem-partitioner";
import {
  createSriovPf,
  formatIpLinkSetVf,
  Ixgbe82599Switch,
  ixgbeDriver,
  type PciAddress,
  parseMac,
  type SriovPf,
  vfAddress,
  vfRoutingId,
  writeSriovNumvfs,
} from "@dyninfra/sriov-queues";
import { type PortVlan, VepaFabric } from "@dyninfra/vepa-switch";
import {
  CorePinner,
  defaultHousekeeping,
  type PinAllocation,
  type Topology,
} from "@dyninfra/vm-core-pinner";
import { NohypeHostError } from "./errors";
import { SriovVlanView } from "./nic";
import { pageSizeBytes, type Tenant } from "./tenants";

/** The SR-IOV NIC of the host: an Intel 82599 (ixgbe preset) in a PCIe slot. */
export interface NicConfig {
  /** PCI address of the PF. */
  readonly address: PciAddress;
  /** The PF's netdev name, used in the `ip link` commands. */
  readonly dev: string;
  /** Permanent MAC of the PF. */
  readonly pfMac: string;
  /** VFs enabled at boot (`sriov_numvfs`), ≤ 63 for ixgbe. */
  readonly numVfs: number;
}

/** Intel RDT resources of the host (as resctrl's `info/` directory describes them). */
export interface RdtConfig {
  readonly l3: CacheResource;
  readonly mb: BandwidthResource;
  /** Ways (lowest first) kept for the host's default group on every L3; default 1. */
  readonly hostWays?: number;
}

/** Everything a {@link NoHypeHost} is built from. */
export interface HostConfig {
  /** Host name (the endpoint name on the external switch). */
  readonly name: string;
  readonly topology: Topology;
  /** Physical memory map (see {@link hostMemoryMap}). */
  readonly memory: HostMemoryMap;
  /** The host's own memory and the VT-d table pool, reserved in {@link memory}. */
  readonly hostMemory: PhysRange;
  readonly iommuTablePool: PhysRange;
  /** The ACPI DMAR table of the platform. */
  readonly dmar: DmarTable;
  readonly nic: NicConfig;
  readonly rdt: RdtConfig;
  /** Housekeeping CPUs (host OS, emulator threads, IRQs); default one core per package. */
  readonly housekeeping?: readonly number[];
  /** VLANs trunked to the host's port on the external switch. */
  readonly switchVlans: readonly number[];
  /** Interrupt remapping table size; default 1024. */
  readonly interruptRemapEntries?: number;
  /**
   * Second-level large-page support of the remapping unit (CAP.SLLPS): 0 = 4 KiB only,
   * 1 = + 2 MiB, 2 = + 1 GiB. The DMAR table does not carry it (it is a register); default 1.
   */
  readonly iommuLargePageLevels?: number;
}

/**
 * Builds the host memory map: the NUMA nodes (laid out as mem-partitioner's hwloc reader does)
 * with the host's own memory and the VT-d table pool reserved, so no partition can get them.
 *
 * @example
 * ```ts
 * const { memory, hostMemory, iommuTablePool } = hostMemoryMap(hostMemoryMapFromHwloc(xml), 2 * 2 ** 30, 64 * 2 ** 20);
 * ```
 */
export function hostMemoryMap(
  base: HostMemoryMap,
  hostBytes: number,
  poolBytes: number,
): { memory: HostMemoryMap; hostMemory: PhysRange; iommuTablePool: PhysRange } {
  const first = base.nodes[0]?.ranges[0];
  if (first === undefined || first.end - first.start < hostBytes + poolBytes + 0x10_0000)
    throw new NohypeHostError("HOST_MEMORY", "node 0 is too small for the host's own memory", {
      field: "memory",
    });
  const hostMemory = { start: first.start + 0x10_0000, end: first.start + hostBytes };
  const iommuTablePool = { start: hostMemory.end, end: hostMemory.end + poolBytes };
  const reserved: ReservedRange[] = [
    ...base.reserved.filter((r) => r.end <= hostMemory.start || r.start >= iommuTablePool.end),
    { ...hostMemory, label: "host" },
    { ...iommuTablePool, label: "vt-d tables" },
  ];
  const memory = createHostMemoryMap({
    nodes: base.nodes,
    reserved,
    pageSizes: base.pageSizes,
    ...(base.distances ? { distances: base.distances } : {}),
  });
  return { memory, hostMemory, iommuTablePool };
}

/** A VF given to a VM, with everything programmed for it. */
export interface VmNic {
  readonly port: string;
  readonly vf: number;
  readonly address: PciAddress;
  /** Requester id (bus << 8 | devfn) of the VF: the source-id the IOMMU sees. */
  readonly routingId: number;
  readonly mac: number;
  readonly vlan: number;
  readonly qos: number;
  readonly maxTxRateMbps: number;
  /** IRT indexes of its MSI-X vectors (queue pairs, then the mailbox). */
  readonly irtes: readonly {
    readonly index: number;
    readonly vector: number;
    readonly cpu: number;
  }[];
  /** The `ip link set … vf …` command that configures it. */
  readonly ipLink: string;
}

/** A running VM. */
export interface RunningVm {
  readonly tenant: Tenant;
  readonly cores: PinAllocation;
  readonly memory: VmMemory;
  /** IOMMU domain id (one per VM). */
  readonly domainId: number;
  /** CAT capacity bitmask per L3 cache id, MBA percent per node. */
  readonly cat: readonly { readonly cacheId: number; readonly cbm: number }[];
  readonly mba: readonly { readonly node: number; readonly percent: number }[];
  readonly nics: readonly VmNic[];
  /** Event counter value at start. */
  readonly startedAt: number;
}

/** Which part of the host refused a start, and why. */
export type StartRefusal = {
  readonly stage: "config" | "cores" | "memory" | "cache" | "bandwidth" | "nic" | "iommu";
  readonly reason: string;
};

/** Outcome of {@link NoHypeHost.start}. */
export type StartResult =
  | { readonly ok: true; readonly vm: RunningVm }
  | { readonly ok: false; readonly refusal: StartRefusal };

const QUEUE_VECTORS = 2; // ixgbevf: up to 2 Rx/Tx queue pairs per VF on an 82599 (RSS ≤ 2)
const FIRST_VECTOR = 0x30;

/**
 * A NoHype host manager: every VM gets dedicated whole cores, a static memory partition with its
 * EPT, its own L3 ways and a memory-bandwidth share, SR-IOV VFs with anti-spoofing, port VLAN and
 * a rate cap, an IOMMU domain that maps only its partition, interrupt remapping entries that
 * target only its cores, and VEPA ports on an external reflective-relay switch. Stopping a VM
 * undoes and scrubs all of it.
 *
 * @example
 * ```ts
 * const host = new NoHypeHost(realHostConfig());
 * const r = host.start(tenants[0]!);
 * if (r.ok) console.log(r.vm.cores.cpus);
 * host.stop(tenants[0]!.name);
 * ```
 */
export class NoHypeHost {
  readonly config: HostConfig;
  readonly topology: Topology;
  readonly housekeeping: readonly number[];
  readonly pinner: CorePinner;
  readonly partitioner: MemoryPartitioner;
  readonly physicalMemory: PhysicalMemory;
  readonly iommu: RemappingHardwareUnit;
  readonly vtd: VtdDriver;
  readonly pf: SriovPf;
  readonly nic: Ixgbe82599Switch;
  readonly fabric: VepaFabric;
  /** Event counter (starts, stops, refusals). */
  events = 0;
  private readonly vms = new Map<string, RunningVm>();
  private readonly freeVfs: number[];
  private readonly vfOfPort = new Map<string, number>();
  private readonly freeIrtes: number[];
  private readonly views = new Map<number, SriovVlanView>();
  private readonly catUsed = new Map<number, number>(); // L3 cache id → ways bitmap in use
  private readonly mbaUsed = new Map<number, number>(); // node → percent in use
  private nextDomain = 1;
  private readonly freeDomains: number[] = [];
  private nowNs = 0n;
  private readonly written = new Map<string, Set<number>>(); // words the model wrote for a VM

  constructor(config: HostConfig) {
    this.config = config;
    this.topology = config.topology;
    this.housekeeping = [...(config.housekeeping ?? defaultHousekeeping(config.topology))];
    this.pinner = new CorePinner(config.topology, {
      policy: "nohype",
      reserved: this.housekeeping,
    });
    this.partitioner = new MemoryPartitioner(config.memory);
    const caps = platformCapabilities(config.dmar);
    if (!caps.interruptRemapping)
      throw new NohypeHostError(
        "NO_INTR_REMAP",
        "the DMAR table does not report interrupt remapping (INTR_REMAP flag clear)",
        { field: "dmar.flags" },
      );
    const top = Math.max(...config.memory.nodes.flatMap((n) => n.ranges.map((r) => r.end)));
    this.physicalMemory = new PhysicalMemory({ size: Math.ceil(top / 4096) * 4096 });
    this.iommu = new RemappingHardwareUnit(this.physicalMemory, {
      hostAddressWidth: caps.hostAddressWidth,
      largePageLevels: config.iommuLargePageLevels ?? 1,
    });
    const irtes = config.interruptRemapEntries ?? 1024;
    this.vtd = new VtdDriver(this.iommu, {
      tablePool: {
        base: config.iommuTablePool.start,
        size: config.iommuTablePool.end - config.iommuTablePool.start,
      },
      interruptRemapEntries: irtes,
    });
    // The host keeps MSIs in remappable format only (no compatibility-format bypass).
    this.iommu.setCompatibilityFormatInterrupts(false);
    this.freeIrtes = Array.from({ length: irtes }, (_, i) => i).reverse();
    // 82599 with ixgbe: echo N > /sys/bus/pci/devices/<pf>/sriov_numvfs.
    const pf0 = createSriovPf({ address: config.nic.address, driver: ixgbeDriver() });
    const w = writeSriovNumvfs(pf0, `${config.nic.numVfs}\n`);
    if (!w.ok)
      throw new NohypeHostError("SRIOV", `sriov_numvfs: ${w.errno} ${w.message}`, {
        field: "nic.numVfs",
      });
    this.pf = w.value;
    const pfMac = parseMac(config.nic.pfMac);
    this.nic = new Ixgbe82599Switch({ numVfs: config.nic.numVfs, pfMac, bridgeMode: "vepa" });
    this.freeVfs = Array.from({ length: config.nic.numVfs }, (_, i) => i).reverse();
    for (let vf = 0; vf < config.nic.numVfs; vf++) this.nic.setVfSpoofchk(vf, true);
    this.fabric = new VepaFabric({ ageingTime: 300 });
    const vlans: PortVlan[] = config.switchVlans.map((vid) => ({ vid }));
    this.fabric.addHost(config.name, {
      lowerMac: pfMac,
      hairpin: true,
      vlans,
      embeddedSwitch: (_mac, vid) => {
        const v = new SriovVlanView(
          this.nic,
          vid,
          (p) => this.vfOfPort.get(p),
          () => this.tick(),
        );
        this.views.set(vid, v);
        return v;
      },
    });
  }

  /** Advances the host clock by 1 ms (rate limiters) and returns it. @internal */
  tick(): bigint {
    this.nowNs += 1_000_000n;
    return this.nowNs;
  }

  /** Running VMs in start order. */
  running(): RunningVm[] {
    return [...this.vms.values()];
  }

  /** The running VM with this name. */
  vm(name: string): RunningVm | undefined {
    return this.vms.get(name);
  }

  /** Free VF indexes. */
  freeVfCount(): number {
    return this.freeVfs.length;
  }

  /** The view of the NIC on one VLAN (for attack scenarios that read the drop reason). */
  vlanView(vid: number): SriovVlanView | undefined {
    return this.views.get(vid);
  }

  /** CPUs not kept for housekeeping (isolated from the host scheduler). */
  guestCpus(): number[] {
    const hk = new Set(this.housekeeping);
    return this.topology.cpus.filter((c) => !hk.has(c));
  }

  /**
   * Starts a VM for `tenant`, all or nothing: on any refusal every step already taken is undone
   * and the refusal says which mechanism refused and why.
   */
  start(tenant: Tenant): StartResult {
    this.events++;
    const undo: (() => void)[] = [];
    const refuse = (stage: StartRefusal["stage"], reason: string): StartResult => {
      for (const u of undo.reverse()) u();
      return { ok: false, refusal: { stage, reason } };
    };
    if (this.vms.has(tenant.name)) return refuse("config", `${tenant.name} is already running`);
    for (const n of tenant.nics)
      if (!this.config.switchVlans.includes(n.vlan))
        return refuse("nic", `VLAN ${n.vlan} is not trunked to the host's switch port`);
    // 1. Cores (NoHype: whole cores, no sibling shared with anyone).
    const pin = this.pinner.allocate(tenant.name, { vcpus: tenant.vcpus });
    if (!pin.ok) return refuse("cores", `${pin.refusal.code}: ${pin.refusal.message}`);
    const cores = pin.allocation;
    undo.push(() => this.pinner.free(tenant.name));
    // 2. Memory partition on the cores' NUMA nodes, with its EPT.
    const numaOs = cores.numaNodes.map((i) => this.topology.numaNodes[i]?.osIndex ?? i);
    const mem = allocateVmMemory(this.partitioner, {
      name: tenant.name,
      size: tenant.memoryMiB * 2 ** 20,
      pageSize: pageSizeBytes(tenant.pageSize),
      nodeset: numaOs,
      mode: "strict",
    });
    if (!mem.ok) return refuse("memory", `${mem.error.kind}: ${mem.error.message}`);
    const memory = mem.value;
    undo.push(() => {
      this.partitioner.free(memory.partition.id);
      this.partitioner.free(memory.tables.id);
    });
    // 3. Cache ways (CAT) on each L3 its cores use; bandwidth (MBA) on each node.
    const cat: { cacheId: number; cbm: number }[] = [];
    const l3s = [...new Set(cores.l3Caches)].map((i) => this.topology.l3Caches[i]?.osIndex ?? i);
    for (const cacheId of l3s) {
      const cbm = this.allocateWays(cacheId, tenant.l3Ways);
      if (typeof cbm === "string") return refuse("cache", cbm);
      cat.push({ cacheId, cbm });
      undo.push(() => this.catUsed.set(cacheId, (this.catUsed.get(cacheId) ?? 0) & ~cbm));
    }
    const mba: { node: number; percent: number }[] = [];
    for (const node of numaOs) {
      const v = validateBandwidth(tenant.memBandwidthPercent, this.config.rdt.mb);
      if (!v.ok) return refuse("bandwidth", v.error.lastCmdStatus);
      const used = this.mbaUsed.get(node) ?? 0;
      if (used + v.value > this.config.rdt.mb.maxBandwidth)
        return refuse(
          "bandwidth",
          `node ${node}: ${used}% of memory bandwidth already promised, ${v.value}% more exceeds 100%`,
        );
      this.mbaUsed.set(node, used + v.value);
      mba.push({ node, percent: v.value });
      undo.push(() => this.mbaUsed.set(node, (this.mbaUsed.get(node) ?? 0) - v.value));
    }
    // 4. IOMMU domain mapping only the partition (guest-physical = IOVA).
    const domainId = this.freeDomains.pop() ?? this.nextDomain++;
    this.vtd.createDomain({ domainId, addressWidth: 1 });
    undo.push(() => {
      this.vtd.destroyDomain(domainId);
      this.freeDomains.push(domainId);
    });
    for (const e of memory.partition.extents) {
      for (const [iova, hpa, len] of avoidInterruptWindow(e.guestStart, e.hostStart, e.size))
        this.vtd.map(domainId, iova, hpa, len, { read: true, write: true, largePages: true });
    }
    // 5. VFs: MAC, port VLAN, anti-spoofing, rate; context entry; IRTEs; VEPA port.
    if (tenant.nics.length > this.freeVfs.length)
      return refuse(
        "nic",
        `${tenant.nics.length} VFs asked, ${this.freeVfs.length} free on ${this.config.nic.dev}`,
      );
    const nics: VmNic[] = [];
    for (const [i, n] of tenant.nics.entries()) {
      const vf = this.freeVfs.pop()!;
      undo.push(() => this.freeVfs.push(vf));
      const address = vfAddress(this.pf, vf);
      const routingId = vfRoutingId(this.pf, vf);
      const ref = { segment: address.domain, sourceId: routingId };
      if (findDrhd(this.config.dmar, ref) === undefined)
        return refuse("iommu", `VF ${vf} (${fmtPci(address)}) is behind no DMA-remapping unit`);
      const rmrrs = findRmrrs(this.config.dmar, ref);
      if (rmrrs.length > 0)
        return refuse(
          "iommu",
          `VF ${vf} has RMRRs (firmware DMA); it cannot be isolated in a VM domain`,
        );
      const mac = parseMac(n.mac);
      const steps: [string, () => { ok: boolean; errno?: string; message?: string }][] = [
        ["mac", () => this.nic.setVfMac(vf, mac)],
        ["vlan", () => this.nic.setVfVlan(vf, n.vlan, n.qos)],
        ["spoofchk", () => this.nic.setVfSpoofchk(vf, true)],
        ["trust", () => this.nic.setVfTrust(vf, false)],
        ["rate", () => this.nic.setVfRate(vf, n.maxTxRateMbps)],
      ];
      undo.push(() => this.scrubVf(vf));
      for (const [what, step] of steps) {
        const r = step() as { ok: boolean; errno?: string; message?: string };
        if (!r.ok) return refuse("nic", `VF ${vf} ${what}: ${r.errno} ${r.message}`);
      }
      this.vtd.attachDevice(routingId, domainId);
      undo.push(() => this.vtd.detachDevice(routingId));
      const irtes: { index: number; vector: number; cpu: number }[] = [];
      const vectors = Math.min(QUEUE_VECTORS, tenant.vcpus) + 1;
      for (let k = 0; k < vectors; k++) {
        const index = this.freeIrtes.pop();
        if (index === undefined) return refuse("iommu", "interrupt remapping table full");
        undo.push(() => this.freeIrtes.push(index));
        const cpu = cores.vcpuPins[k % cores.vcpuPins.length]!;
        const vector = FIRST_VECTOR + k;
        this.vtd.setIrte(
          index,
          interruptRemapEntry({ vector, destinationId: cpu, sourceId: routingId }),
        );
        undo.push(() => this.vtd.clearIrte(index));
        irtes.push({ index, vector, cpu });
      }
      const port = `${tenant.name}-nic${i}`;
      this.vfOfPort.set(port, vf);
      undo.push(() => this.vfOfPort.delete(port));
      const att = this.fabric.attach(this.config.name, {
        name: port,
        mac,
        mode: "vepa",
        vlan: n.vlan,
      });
      if (!att.ok) return refuse("nic", `VEPA port ${port}: ${att.errno} ${att.message}`);
      undo.push(() => this.fabric.detach(this.config.name, port));
      const ipLink = `ip ${formatIpLinkSetVf({
        dev: this.config.nic.dev,
        vf,
        settings: {
          mac,
          vlans: [{ vlan: n.vlan, qos: n.qos, proto: "802.1Q" }],
          maxTxRate: n.maxTxRateMbps,
          spoofchk: true,
          trust: false,
        },
      }).join(" ")}`;
      nics.push({
        port,
        vf,
        address,
        routingId,
        mac,
        vlan: n.vlan,
        qos: n.qos,
        maxTxRateMbps: n.maxTxRateMbps,
        irtes,
        ipLink,
      });
    }
    const vm: RunningVm = {
      tenant,
      cores,
      memory,
      domainId,
      cat,
      mba,
      nics,
      startedAt: this.events,
    };
    this.vms.set(tenant.name, vm);
    return { ok: true, vm };
  }

  /**
   * Stops a VM: VEPA ports detached, IRTEs cleared, context entries cleared, IOMMU domain
   * destroyed (IOTLB invalidated, table frames recycled), VFs reset (MAC, VLAN, rate cleared),
   * partition memory scrubbed and freed with its EPT pages, cache ways and bandwidth returned,
   * cores freed. Returns false when no such VM runs.
   */
  stop(name: string): boolean {
    this.events++;
    const vm = this.vms.get(name);
    if (vm === undefined) return false;
    for (const n of vm.nics) {
      this.fabric.detach(this.config.name, n.port);
      this.vfOfPort.delete(n.port);
      for (const e of n.irtes) {
        this.vtd.clearIrte(e.index);
        this.freeIrtes.push(e.index);
      }
      this.vtd.detachDevice(n.routingId);
      this.scrubVf(n.vf);
      this.freeVfs.push(n.vf);
    }
    this.vtd.destroyDomain(vm.domainId);
    this.freeDomains.push(vm.domainId);
    // Scrub: the partition's frames and its EPT pages are zeroed before anyone else gets them.
    for (const a of this.written.get(name) ?? []) this.physicalMemory.writeHalves(a, 0, 0);
    this.written.delete(name);
    this.partitioner.free(vm.memory.partition.id);
    this.partitioner.free(vm.memory.tables.id);
    for (const c of vm.cat)
      this.catUsed.set(c.cacheId, (this.catUsed.get(c.cacheId) ?? 0) & ~c.cbm);
    for (const m of vm.mba) this.mbaUsed.set(m.node, (this.mbaUsed.get(m.node) ?? 0) - m.percent);
    this.pinner.free(name);
    this.vms.delete(name);
    return true;
  }

  /** CAT ways in use per L3 cache id (host ways included). */
  waysInUse(cacheId: number): number {
    return (this.catUsed.get(cacheId) ?? 0) | this.hostWaysMask();
  }

  /** MBA percent promised per node. */
  bandwidthInUse(node: number): number {
    return this.mbaUsed.get(node) ?? 0;
  }

  /** A fingerprint of every allocator's state, to prove a refusal leaked nothing. */
  fingerprint(): string {
    return JSON.stringify({
      cpus: this.pinner.freeCpus(),
      mem: this.partitioner.freeRanges(),
      vfs: [...this.freeVfs].sort((a, b) => a - b),
      irtes: this.freeIrtes.length,
      domains: [this.nextDomain, [...this.freeDomains].sort((a, b) => a - b)],
      tableFrames: this.vtd.freeTableFrames,
      cat: [...this.catUsed.entries()].filter(([, v]) => v !== 0).sort(),
      mba: [...this.mbaUsed.entries()].filter(([, v]) => v !== 0).sort(),
      ports: [...this.vfOfPort.keys()].sort(),
      vms: [...this.vms.keys()],
    });
  }

  private hostWaysMask(): number {
    const w = this.config.rdt.hostWays ?? 1;
    return 2 ** w - 1;
  }

  private allocateWays(cacheId: number, ways: number): number | string {
    const r = this.config.rdt.l3;
    const len = Math.floor(Math.log2(r.cbmMask)) + 1;
    const used = this.waysInUse(cacheId);
    for (let first = len - ways; first >= 0; first--) {
      const cbm = (2 ** ways - 1) * 2 ** first;
      if ((cbm & used) !== 0) continue;
      const v = validateCbm(cbm, r);
      if (!v.ok) return `L3 ${cacheId}: ${v.error.lastCmdStatus}`;
      this.catUsed.set(cacheId, (this.catUsed.get(cacheId) ?? 0) | cbm);
      return cbm;
    }
    return `L3 ${cacheId}: no ${ways} contiguous free ways (in use ${used.toString(16)})`;
  }

  private scrubVf(vf: number): void {
    this.nic.setVfMac(vf, 0);
    this.nic.setVfVlan(vf, 0, 0);
    this.nic.setVfRate(vf, 0);
    this.nic.setVfSpoofchk(vf, true);
    this.nic.setVfTrust(vf, false);
  }

  /**
   * The guest CPU writes a 64-bit word at guest-physical `gpa`, through its EPT. Returns the host
   * address written, or the EPT violation.
   */
  guestWrite(
    name: string,
    gpa: number,
    lo: number,
    hi: number,
  ): { ok: true; hpa: number } | { ok: false; reason: string } {
    const vm = this.vms.get(name);
    if (vm === undefined) return { ok: false, reason: `no VM ${name}` };
    const t = vm.memory.ept.translate(gpa, "write");
    if (!t.ok) return { ok: false, reason: t.kind };
    this.physicalMemory.writeHalves(t.hpa, lo, hi);
    this.remember(name, t.hpa);
    return { ok: true, hpa: t.hpa };
  }

  /**
   * A VM's VF DMA-writes a 64-bit word at `iova`, through the IOMMU. Returns the host address
   * written, or the DMA fault (VT-d fault reason).
   */
  dmaWrite(
    name: string,
    nic: number,
    iova: number,
    lo: number,
    hi: number,
  ): { ok: true; hpa: number } | { ok: false; faultReason: number } {
    const n = this.vms.get(name)?.nics[nic];
    if (n === undefined)
      throw new NohypeHostError("NO_NIC", `${name} has no NIC ${nic}`, { field: "nic" });
    const t = this.iommu.translate(n.routingId, iova, "write");
    if (!t.ok) return { ok: false, faultReason: t.fault.reason };
    this.physicalMemory.writeHalves(t.hostAddress, lo, hi);
    this.remember(name, t.hostAddress);
    return { ok: true, hpa: t.hostAddress };
  }

  /** Reads the 64-bit word at a host address (lo, hi). */
  readHost(hpa: number): [number, number] {
    return [this.physicalMemory.lo32(hpa), this.physicalMemory.hi32(hpa)];
  }

  private remember(name: string, hpa: number): void {
    let s = this.written.get(name);
    if (s === undefined) {
      s = new Set();
      this.written.set(name, s);
    }
    s.add(hpa - (hpa % 8));
  }
}

/** `dddd:bb:dd.f`. @example fmtPci({ domain: 0, bus: 7, device: 0x10, function: 1 }) // "0000:07:10.1" */
export function fmtPci(a: PciAddress): string {
  const h = (v: number, n: number) => v.toString(16).padStart(n, "0");
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.device, 2)}.${a.function}`;
}

/** The source-id of a PCI address (bus << 8 | device << 3 | function). @example sid({ domain: 0, bus: 7, device: 0x10, function: 0 }) // 0x780 */
export function sid(a: PciAddress): number {
  return sourceIdOf(a.bus, a.device, a.function);
}

const IRQ_LO = 0xfee0_0000;
const IRQ_HI = 0xfef0_0000;

/**
 * Splits a guest-physical extent around the interrupt address window 0xFEE00000–0xFEEFFFFF: DMA
 * writes there are interrupt requests (VT-d §3.14), so that guest range is never DMA-mapped.
 *
 * @example
 * ```ts
 * avoidInterruptWindow(0, 0x1_0000_0000, 2 ** 33).length; // 2
 * ```
 */
export function avoidInterruptWindow(
  iova: number,
  hpa: number,
  size: number,
): [number, number, number][] {
  const end = iova + size;
  if (end <= IRQ_LO || iova >= IRQ_HI) return [[iova, hpa, size]];
  const out: [number, number, number][] = [];
  if (iova < IRQ_LO) out.push([iova, hpa, IRQ_LO - iova]);
  if (end > IRQ_HI) out.push([IRQ_HI, hpa + (IRQ_HI - iova), end - IRQ_HI]);
  return out;
}
