import { MemPartitionerError } from "./errors";
import { formatList } from "./internal/cpulist";
import { PAGE_4K } from "./memory-map";
import type { Partition } from "./partitioner";
import type { BandwidthResource, CacheResource } from "./rdt";

// libvirt domain XML (https://libvirt.org/formatdomain.html, RelaxNG domaincommon.rng):
// <memoryBacking>, <numatune>, <cputune><cachetune>/<memorytune>.

/** Formatting options shared by the emitters. */
export interface XmlIndentOptions {
  /** Indentation of the emitted element's own line. Default `"  "` (a child of `<domain>`). */
  readonly indent?: string;
  /** One level of indentation. Default two spaces. */
  readonly step?: string;
}

function escapeAttr(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/'/g, "&apos;")
    .replace(/"/g, "&quot;");
}

/**
 * A byte count in the largest libvirt unit that divides it exactly (`GiB`, `MiB`, `KiB`, `B`).
 *
 * @example
 * ```ts
 * console.log(libvirtSize(2 ** 31)); // { value: 2, unit: "GiB" }
 * ```
 */
export function libvirtSize(bytes: number): { readonly value: number; readonly unit: string } {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new MemPartitionerError("BAD_SIZE", `size ${bytes} is not a byte count`, {
      field: "size",
    });
  }
  for (const [unit, f] of [
    ["TiB", 2 ** 40],
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10],
  ] as const) {
    if (bytes > 0 && bytes % f === 0) return { value: bytes / f, unit };
  }
  return { value: bytes, unit: "B" };
}

/**
 * The guest NUMA cells of a partition: cell `i` is backed by host node `partition.nodes[i]`, with
 * the bytes of the partition on that node.
 *
 * @example
 * ```ts
 * // A partition on nodes 0 and 1 → [{ cellId: 0, hostNode: 0, size: … }, { cellId: 1, hostNode: 1, size: … }]
 * ```
 */
export function guestNumaCells(
  partition: Partition,
): readonly { readonly cellId: number; readonly hostNode: number; readonly size: number }[] {
  return partition.nodes.map((node, cellId) => ({
    cellId,
    hostNode: node,
    size: partition.extents.filter((e) => e.node === node).reduce((s, e) => s + e.size, 0),
  }));
}

/** Options of {@link memoryBackingXml}. */
export interface MemoryBackingOptions extends XmlIndentOptions {
  /** `<nosharepages/>` (no KSM merging across VMs). Default true. */
  readonly nosharepages?: boolean;
  /** `<locked/>` (never swapped). Default true. */
  readonly locked?: boolean;
  /** `<allocation mode=…>`: `immediate` pre-allocates, as a static partition needs. Default `immediate`. */
  readonly allocation?: "immediate" | "ondemand" | null;
  /** `<source type=…>`. Default none. */
  readonly source?: "file" | "anonymous" | "memfd";
  /** `<access mode=…>`. Default none. */
  readonly access?: "shared" | "private";
}

/**
 * `<memoryBacking>` for a partition: huge pages of the partition's page size on every guest
 * NUMA cell (omitted for 4 KiB pages), and the options.
 *
 * @example
 * ```ts
 * console.log(memoryBackingXml(partition));
 * //   <memoryBacking>
 * //     <hugepages>
 * //       <page size='1' unit='GiB' nodeset='0'/>
 * //     </hugepages>
 * //     <nosharepages/>
 * //     <locked/>
 * //     <allocation mode='immediate'/>
 * //   </memoryBacking>
 * ```
 */
export function memoryBackingXml(partition: Partition, options: MemoryBackingOptions = {}): string {
  const i0 = options.indent ?? "  ";
  const s = options.step ?? "  ";
  const i1 = i0 + s;
  const i2 = i1 + s;
  const lines = [`${i0}<memoryBacking>`];
  if (partition.pageSize !== PAGE_4K) {
    const { value, unit } = libvirtSize(partition.pageSize);
    const cells = formatList(guestNumaCells(partition).map((c) => c.cellId));
    lines.push(`${i1}<hugepages>`);
    lines.push(`${i2}<page size='${value}' unit='${unit}' nodeset='${cells}'/>`);
    lines.push(`${i1}</hugepages>`);
  }
  if (options.nosharepages ?? true) lines.push(`${i1}<nosharepages/>`);
  if (options.locked ?? true) lines.push(`${i1}<locked/>`);
  if (options.source !== undefined) lines.push(`${i1}<source type='${options.source}'/>`);
  if (options.access !== undefined) lines.push(`${i1}<access mode='${options.access}'/>`);
  const alloc = options.allocation === undefined ? "immediate" : options.allocation;
  if (alloc !== null) lines.push(`${i1}<allocation mode='${alloc}'/>`);
  lines.push(`${i0}</memoryBacking>`);
  return `${lines.join("\n")}\n`;
}

/**
 * `<numatune>` for a partition: `<memory>` with the partition's mode over its host nodes, and a
 * strict `<memnode>` binding each guest cell to its host node.
 *
 * @example
 * ```ts
 * console.log(numatuneXml(partition));
 * //   <numatune>
 * //     <memory mode='strict' nodeset='0'/>
 * //     <memnode cellid='0' mode='strict' nodeset='0'/>
 * //   </numatune>
 * ```
 */
export function numatuneXml(partition: Partition, options: XmlIndentOptions = {}): string {
  const i0 = options.indent ?? "  ";
  const i1 = i0 + (options.step ?? "  ");
  const lines = [`${i0}<numatune>`];
  lines.push(`${i1}<memory mode='${partition.mode}' nodeset='${formatList(partition.nodes)}'/>`);
  for (const c of guestNumaCells(partition)) {
    lines.push(`${i1}<memnode cellid='${c.cellId}' mode='strict' nodeset='${c.hostNode}'/>`);
  }
  lines.push(`${i0}</numatune>`);
  return `${lines.join("\n")}\n`;
}

/** One cache allocation of a `<cachetune>`. */
export interface CacheTuneAllocation {
  /** The cache resource (its `cacheSize` and `cbmMask` give the way size). */
  readonly resource: CacheResource;
  /** Cache id (control domain). */
  readonly id: number;
  /** The capacity bitmask given to the VM. */
  readonly cbm: number;
  /** `both` (no CDP), `code` or `data`. Default `both`. */
  readonly type?: "both" | "code" | "data";
}

/**
 * `<cachetune vcpus=…>` (a child of `<cputune>`): one `<cache>` per allocation, its size the
 * CBM's ways times the way size (cache size / CBM length), as libvirt computes it.
 *
 * @throws {@link MemPartitionerError} `BAD_RESOURCE` when the resource has no `cacheSize` or the size
 * is not a whole number of bytes per way.
 * @example
 * ```ts
 * // 3 ways of a 22 MiB, 11-way L3 → <cache id='0' level='3' type='both' size='6' unit='MiB'/>
 * ```
 */
export function cachetuneXml(
  vcpus: readonly number[],
  allocations: readonly CacheTuneAllocation[],
  options: XmlIndentOptions = {},
): string {
  const i0 = options.indent ?? "    ";
  const i1 = i0 + (options.step ?? "  ");
  const lines = [`${i0}<cachetune vcpus='${escapeAttr(formatList(vcpus))}'>`];
  for (const a of allocations) {
    const r = a.resource;
    const len = Math.floor(Math.log2(r.cbmMask)) + 1;
    if (r.cacheSize === undefined || r.cacheSize % len !== 0) {
      throw new MemPartitionerError(
        "BAD_RESOURCE",
        `${r.name} needs a cacheSize divisible by ${len} ways`,
        {
          field: "cacheSize",
        },
      );
    }
    let ways = 0;
    for (let b = 0; b < len; b++) if (Math.floor(a.cbm / 2 ** b) % 2 === 1) ways++;
    const { value, unit } = libvirtSize((r.cacheSize / len) * ways);
    const level = r.name.replace(/^L/, "").replace(/(CODE|DATA)$/, "");
    lines.push(
      `${i1}<cache id='${a.id}' level='${level}' type='${a.type ?? "both"}' size='${value}' unit='${unit}'/>`,
    );
  }
  lines.push(`${i0}</cachetune>`);
  return `${lines.join("\n")}\n`;
}

/**
 * `<memorytune vcpus=…>` (a child of `<cputune>`): one `<node id bandwidth>` per MBA domain, the
 * bandwidth rounded up to the resource's granularity as the kernel would.
 *
 * @example
 * ```ts
 * // memorytuneXml([0, 1, 2, 3], [{ id: 0, bandwidth: 50 }]) →
 * //     <memorytune vcpus='0-3'>
 * //       <node id='0' bandwidth='50'/>
 * //     </memorytune>
 * ```
 */
export function memorytuneXml(
  vcpus: readonly number[],
  nodes: readonly { readonly id: number; readonly bandwidth: number }[],
  options: XmlIndentOptions & { readonly resource?: BandwidthResource } = {},
): string {
  const i0 = options.indent ?? "    ";
  const i1 = i0 + (options.step ?? "  ");
  const lines = [`${i0}<memorytune vcpus='${escapeAttr(formatList(vcpus))}'>`];
  for (const n of nodes) {
    let bw = n.bandwidth;
    if (!Number.isSafeInteger(bw) || bw < 0) {
      throw new MemPartitionerError(
        "BAD_BANDWIDTH",
        `bandwidth ${bw} is not a non-negative integer`,
        {
          field: `node ${n.id}`,
        },
      );
    }
    if (options.resource !== undefined) {
      const g = options.resource.bandwidthGran;
      bw = Math.ceil(bw / g) * g;
    }
    lines.push(`${i1}<node id='${n.id}' bandwidth='${bw}'/>`);
  }
  lines.push(`${i0}</memorytune>`);
  return `${lines.join("\n")}\n`;
}

/**
 * `<memory unit=…>N</memory>` with the partition's size in the largest exact unit.
 *
 * @example
 * ```ts
 * // 8 GiB partition → "  <memory unit='GiB'>8</memory>\n"
 * ```
 */
export function memoryXml(partition: Partition, options: XmlIndentOptions = {}): string {
  const { value, unit } = libvirtSize(partition.size);
  return `${options.indent ?? "  "}<memory unit='${unit}'>${value}</memory>\n`;
}
