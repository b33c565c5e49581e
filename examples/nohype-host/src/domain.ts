import { createHash } from "node:crypto";
import {
  cachetuneXml,
  guestNumaCells,
  libvirtSize,
  memoryBackingXml,
  memorytuneXml,
  memoryXml,
  numatuneXml,
} from "@dyninfra/mem-partitioner";
import { formatMac } from "@dyninfra/sriov-queues";
import {
  formatCpuList,
  libvirtCputune,
  libvirtGuestCpu,
  parseCpuList,
} from "@dyninfra/vm-core-pinner";
import type { NoHypeHost, RunningVm } from "./host";

function indent(block: string, pad: string): string {
  return block
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => pad + l)
    .join("\n");
}

/** A stable UUID for a VM name (name-based, SHA-1, RFC 9562 version 5 layout). @example vmUuid("web-a").length // 36 */
export function vmUuid(name: string): string {
  const h = createHash("sha1").update(`dyninfra-nohype:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * The libvirt domain XML of a running VM: `vcpupin`/`emulatorpin` on its dedicated cores and the
 * housekeeping CPUs, `cachetune`/`memorytune` with its CAT ways and MBA share, locked huge pages
 * with `numatune` on the partition's nodes, a guest NUMA topology mirroring the host, each VF as
 * an `<interface type='hostdev'>` (MAC, VLAN tag, VFIO) and a virtual Intel IOMMU with interrupt
 * remapping.
 *
 * @example
 * ```ts
 * writeFileSync(`${vm.tenant.name}.xml`, domainXml(host, vm));
 * ```
 */
export function domainXml(host: NoHypeHost, vm: RunningVm): string {
  const t = host.topology;
  const name = vm.tenant.name;
  const pins = vm.cores.vcpuPins;
  const vcpus = pins.map((_, i) => i);
  const byCore = vm.cores.cores.map((ci) => pins.filter((p) => t.cores[ci]?.pus.includes(p)));
  const guestCpu = libvirtGuestCpu(byCore);
  const l3 = host.config.rdt.l3;
  const cachetune = cachetuneXml(
    vcpus,
    vm.cat.map((c) => ({ resource: l3, id: c.cacheId, cbm: c.cbm })),
    { indent: "  " },
  );
  const memorytune = memorytuneXml(
    vcpus,
    vm.mba.map((m) => ({ id: m.node, bandwidth: m.percent })),
    { indent: "  ", resource: host.config.rdt.mb },
  );
  const cputune = libvirtCputune({ vcpuPins: pins, emulatorCpus: host.housekeeping }).split("\n");
  cputune.splice(
    cputune.length - 1,
    0,
    ...cachetune.trimEnd().split("\n"),
    ...memorytune.trimEnd().split("\n"),
  );
  // Guest NUMA cells: one per host node of the partition; vCPUs by the node of their host CPU.
  const nodeOfCpu = new Map<number, number>();
  for (const n of t.numaNodes) for (const c of n.cpus) nodeOfCpu.set(c, n.osIndex);
  const cells = guestNumaCells(vm.memory.partition).map((c) => {
    const cpus = vcpus.filter((v) => nodeOfCpu.get(pins[v]!) === c.hostNode);
    const { value, unit } = libvirtSize(c.size);
    const cpuAttr = cpus.length > 0 ? ` cpus='${formatCpuList(cpus)}'` : "";
    return `      <cell id='${c.cellId}'${cpuAttr} memory='${value}' unit='${unit}' memAccess='private'/>`;
  });
  const nics = vm.nics.map((n) => {
    const a = n.address;
    const h = (v: number, w: number) => `0x${v.toString(16).padStart(w, "0")}`;
    return [
      "    <interface type='hostdev' managed='yes'>",
      `      <mac address='${formatMac(n.mac)}'/>`,
      "      <driver name='vfio'/>",
      "      <source>",
      `        <address type='pci' domain='${h(a.domain, 4)}' bus='${h(a.bus, 2)}' slot='${h(a.device, 2)}' function='${h(a.function, 1)}'/>`,
      "      </source>",
      "      <vlan>",
      `        <tag id='${n.vlan}'/>`,
      "      </vlan>",
      "    </interface>",
    ].join("\n");
  });
  const size = libvirtSize(vm.memory.partition.size);
  return [
    "<domain type='kvm'>",
    `  <name>${name}</name>`,
    `  <uuid>${vmUuid(name)}</uuid>`,
    `  <description>NoHype guest: dedicated cores ${formatCpuList(vm.cores.cpus)}, partition on node(s) ${vm.memory.partition.nodes.join(",")}, IOMMU domain ${vm.domainId}</description>`,
    memoryXml(vm.memory.partition).trimEnd(),
    `  <currentMemory unit='${size.unit}'>${size.value}</currentMemory>`,
    memoryBackingXml(vm.memory.partition).trimEnd(),
    `  ${guestCpu.vcpu}`,
    indent(cputune.join("\n"), "  "),
    numatuneXml(vm.memory.partition).trimEnd(),
    "  <os>",
    "    <type arch='x86_64' machine='q35'>hvm</type>",
    "    <boot dev='hd'/>",
    "  </os>",
    "  <features>",
    "    <acpi/>",
    "    <apic/>",
    "    <ioapic driver='qemu'/>",
    "  </features>",
    "  <cpu mode='host-passthrough' check='none'>",
    `    ${guestCpu.topology}`,
    "    <numa>",
    ...cells,
    "    </numa>",
    "  </cpu>",
    "  <on_poweroff>destroy</on_poweroff>",
    "  <on_reboot>restart</on_reboot>",
    "  <on_crash>destroy</on_crash>",
    "  <devices>",
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
    ...nics,
    "    <iommu model='intel'>",
    "      <driver intremap='on' caching_mode='on'/>",
    "    </iommu>",
    "    <memballoon model='none'/>",
    "  </devices>",
    "</domain>",
    "",
  ].join("\n");
}

/** A semantic problem of an emitted domain XML (what the RelaxNG schema cannot see). */
export interface DomainProblem {
  readonly vm: string;
  readonly message: string;
}

function attrs(xml: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of xml.matchAll(new RegExp(`<${tag}\\b([^>]*)/?>`, "g"))) {
    const a: Record<string, string> = {};
    for (const p of m[1]!.matchAll(/([\w:]+)='([^']*)'/g)) a[p[1]!] = p[2]!;
    out.push(a);
  }
  return out;
}

/**
 * Reads an emitted domain XML back (independently of the emitter) and checks it against the host:
 * one `vcpupin` per vCPU, each vCPU index below the `<vcpu>` count and pinned to one host CPU of
 * the VM's own cores (never a housekeeping CPU, never another VM's); `emulatorpin` only on
 * housekeeping CPUs; `numatune` nodes are the partition's, and the nodes of its pinned CPUs;
 * guest NUMA cells add up to `<memory>`; `cachetune`/`memorytune` ids exist on the host; each
 * hostdev is one of the VM's VFs; the vIOMMU has interrupt remapping.
 *
 * @example
 * ```ts
 * semanticCheck(host, vm, domainXml(host, vm)); // []
 * ```
 */
export function semanticCheck(host: NoHypeHost, vm: RunningVm, xml: string): DomainProblem[] {
  const p: DomainProblem[] = [];
  const bad = (message: string) => p.push({ vm: vm.tenant.name, message });
  const vcpuCount = Number(/<vcpu[^>]*>(\d+)<\/vcpu>/.exec(xml)?.[1] ?? Number.NaN);
  if (vcpuCount !== vm.tenant.vcpus) bad(`<vcpu> is ${vcpuCount}, tenant asked ${vm.tenant.vcpus}`);
  const hostCpus = new Set(host.topology.cpus);
  const hk = new Set(host.housekeeping);
  const mine = new Set(vm.cores.cpus);
  const others = new Set(
    host
      .running()
      .filter((o) => o !== vm)
      .flatMap((o) => o.cores.cpus),
  );
  const pins = attrs(xml, "vcpupin");
  if (pins.length !== vcpuCount) bad(`${pins.length} vcpupin for ${vcpuCount} vCPUs`);
  const seen = new Set<number>();
  for (const a of pins) {
    const v = Number(a.vcpu);
    if (!(v >= 0 && v < vcpuCount)) bad(`vcpupin vcpu='${a.vcpu}' outside 0..${vcpuCount - 1}`);
    if (seen.has(v)) bad(`vCPU ${v} pinned twice`);
    seen.add(v);
    const set = parseCpuList(a.cpuset ?? "");
    if (set.length !== 1) bad(`vCPU ${v} pinned to ${set.length} CPUs, not one`);
    for (const c of set) {
      if (!hostCpus.has(c)) bad(`vCPU ${v} pinned to CPU ${c}, not on the host`);
      else if (hk.has(c)) bad(`vCPU ${v} pinned to housekeeping CPU ${c}`);
      else if (others.has(c)) bad(`vCPU ${v} pinned to CPU ${c} of another VM`);
      else if (!mine.has(c)) bad(`vCPU ${v} pinned to CPU ${c}, not one of its cores`);
    }
  }
  for (const a of attrs(xml, "emulatorpin"))
    for (const c of parseCpuList(a.cpuset ?? ""))
      if (!hk.has(c)) bad(`emulatorpin on non-housekeeping CPU ${c}`);
  const partNodes = vm.memory.partition.nodes.join(",");
  const mem = attrs(xml, "memory").find((a) => a.nodeset !== undefined);
  if (mem === undefined) bad("no <numatune><memory nodeset>");
  else {
    const ns = parseCpuList(mem.nodeset!).join(",");
    if (ns !== partNodes) bad(`numatune nodeset ${ns}, partition on ${partNodes}`);
    const cpuNodes = new Set<number>();
    for (const pin of pins)
      for (const c of parseCpuList(pin.cpuset ?? "")) {
        const n = host.topology.numaNodes.find((x) => x.cpus.includes(c));
        if (n) cpuNodes.add(n.osIndex);
      }
    for (const n of cpuNodes)
      if (!parseCpuList(mem.nodeset!).includes(n))
        bad(`vCPUs run on node ${n}, memory is not there`);
    if (mem.mode !== "strict") bad(`numatune mode ${mem.mode}, not strict`);
  }
  const unitBytes: Record<string, number> = {
    KiB: 2 ** 10,
    MiB: 2 ** 20,
    GiB: 2 ** 30,
    TiB: 2 ** 40,
  };
  const memTag = /<memory unit='(\w+)'>(\d+)<\/memory>/.exec(xml);
  const total = memTag ? Number(memTag[2]) * (unitBytes[memTag[1]!] ?? Number.NaN) : Number.NaN;
  if (total !== vm.tenant.memoryMiB * 2 ** 20)
    bad(`<memory> is ${total} bytes, tenant asked ${vm.tenant.memoryMiB} MiB`);
  const cellSum = attrs(xml, "cell").reduce(
    (s, a) => s + Number(a.memory) * (unitBytes[a.unit ?? "KiB"] ?? Number.NaN),
    0,
  );
  if (cellSum !== total) bad(`guest NUMA cells hold ${cellSum} bytes, <memory> ${total}`);
  if (!/<locked\/>/.test(xml)) bad("memory not locked");
  const l3Ids = new Set(host.config.rdt.l3.domains);
  for (const a of attrs(xml, "cache"))
    if (!l3Ids.has(Number(a.id))) bad(`cachetune on unknown L3 id ${a.id}`);
  const nodes = new Set(host.config.memory.nodes.map((n) => n.node));
  for (const a of attrs(xml, "node"))
    if (!nodes.has(Number(a.id))) bad(`memorytune on unknown node ${a.id}`);
  const vfs = new Set(
    vm.nics.map((n) => `${n.address.bus}:${n.address.device}.${n.address.function}`),
  );
  const hostdevs = attrs(xml, "address").filter((a) => a.type === "pci");
  if (hostdevs.length !== vm.nics.length)
    bad(`${hostdevs.length} hostdev interfaces for ${vm.nics.length} NICs`);
  for (const a of hostdevs) {
    const key = `${Number(a.bus)}:${Number(a.slot)}.${Number(a.function)}`;
    if (!vfs.has(key)) bad(`hostdev ${a.bus}:${a.slot}.${a.function} is not one of its VFs`);
  }
  if (!/<iommu model='intel'>\s*<driver intremap='on'/.test(xml))
    bad("no vIOMMU with interrupt remapping");
  return p;
}
