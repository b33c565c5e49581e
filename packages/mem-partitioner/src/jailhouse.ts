import { MemPartitionerError } from "./errors";
import type { Partition } from "./partitioner";

// Jailhouse cell configuration (include/jailhouse/cell-config.h): struct jailhouse_memory
// { __u64 phys_start; __u64 virt_start; __u64 size; __u64 flags; } __attribute__((packed)),
// 32 bytes little-endian, and the JAILHOUSE_MEM_* flags.

/**
 * `JAILHOUSE_MEM_*` flag values.
 *
 * @example
 * ```ts
 * const flags = JailhouseMemFlags.READ | JailhouseMemFlags.WRITE | JailhouseMemFlags.DMA; // 0xb
 * ```
 */
export const JailhouseMemFlags = {
  READ: 0x0001,
  WRITE: 0x0002,
  EXECUTE: 0x0004,
  DMA: 0x0008,
  IO: 0x0010,
  COMM_REGION: 0x0020,
  LOADABLE: 0x0040,
  ROOTSHARED: 0x0080,
  NO_HUGEPAGES: 0x0100,
  IO_UNALIGNED: 0x8000,
  IO_8: 1 << 16,
  IO_16: 2 << 16,
  IO_32: 4 << 16,
  IO_64: 8 << 16,
} as const;

/** One `struct jailhouse_memory`. */
export interface JailhouseMemoryRegion {
  readonly physStart: number;
  readonly virtStart: number;
  readonly size: number;
  /** OR of {@link JailhouseMemFlags}. */
  readonly flags: number;
  /** Comment printed above the region in C output. */
  readonly comment?: string;
}

/**
 * Size of one encoded region.
 *
 * @example
 * ```ts
 * console.log(encodeJailhouseMemRegions(regions).length === regions.length * JAILHOUSE_MEMORY_SIZE); // true
 * ```
 */
export const JAILHOUSE_MEMORY_SIZE = 32;

/**
 * The memory regions of a Jailhouse cell for a partition: one region per extent, guest address as
 * `virt_start`, flags default READ | WRITE | EXECUTE | DMA (| LOADABLE on the first region, where
 * the guest image is loaded).
 *
 * @example
 * ```ts
 * const regions = jailhouseMemoryRegions(partition);
 * console.log(formatJailhouseMemRegions(regions));
 * ```
 */
export function jailhouseMemoryRegions(
  partition: Partition,
  options: { readonly flags?: number; readonly loadable?: boolean } = {},
): JailhouseMemoryRegion[] {
  const F = JailhouseMemFlags;
  const flags = options.flags ?? F.READ | F.WRITE | F.EXECUTE | F.DMA;
  return partition.extents.map((e, i) => ({
    physStart: e.hostStart,
    virtStart: e.guestStart,
    size: e.size,
    flags: i === 0 && (options.loadable ?? true) ? (flags | F.LOADABLE) >>> 0 : flags,
    comment: `${partition.name} RAM ${i} (node ${e.node})`,
  }));
}

/**
 * Encodes regions as the packed `struct jailhouse_memory` array of a binary cell config.
 *
 * @throws {@link MemPartitionerError} `BAD_REGION` for a field that is not a non-negative safe integer.
 * @example
 * ```ts
 * const bytes = encodeJailhouseMemRegions([{ physStart: 0x1000, virtStart: 0, size: 0x1000, flags: 3 }]);
 * console.log(bytes.length); // 32
 * ```
 */
export function encodeJailhouseMemRegions(regions: readonly JailhouseMemoryRegion[]): Uint8Array {
  const out = new Uint8Array(regions.length * JAILHOUSE_MEMORY_SIZE);
  const dv = new DataView(out.buffer);
  regions.forEach((r, i) => {
    const fields = [r.physStart, r.virtStart, r.size, r.flags];
    fields.forEach((v, j) => {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new MemPartitionerError("BAD_REGION", `region ${i} field ${j} is not a u64 value`, {
          field: `regions[${i}]`,
        });
      }
      dv.setBigUint64(i * JAILHOUSE_MEMORY_SIZE + j * 8, BigInt(v), true);
    });
  });
  return out;
}

/**
 * Decodes a packed `struct jailhouse_memory` array.
 *
 * @throws {@link MemPartitionerError} `BAD_REGION` when the length is not a multiple of 32 or a
 * value exceeds 2^53 − 1.
 * @example
 * ```ts
 * console.log(decodeJailhouseMemRegions(new Uint8Array(32))); // [{ physStart: 0, virtStart: 0, size: 0, flags: 0 }]
 * ```
 */
export function decodeJailhouseMemRegions(bytes: Uint8Array): JailhouseMemoryRegion[] {
  if (bytes.length % JAILHOUSE_MEMORY_SIZE !== 0) {
    throw new MemPartitionerError(
      "BAD_REGION",
      `${bytes.length} bytes is not a whole number of 32-byte jailhouse_memory entries`,
      { offset: bytes.length - (bytes.length % JAILHOUSE_MEMORY_SIZE) },
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: JailhouseMemoryRegion[] = [];
  const names = ["phys_start", "virt_start", "size", "flags"];
  for (let off = 0; off < bytes.length; off += JAILHOUSE_MEMORY_SIZE) {
    const v = [0, 1, 2, 3].map((j) => {
      const x = dv.getBigUint64(off + j * 8, true);
      if (x > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new MemPartitionerError("BAD_REGION", `${names[j]} exceeds 2^53 − 1`, {
          offset: off + j * 8,
          field: names[j]!,
        });
      }
      return Number(x);
    });
    out.push({ physStart: v[0]!, virtStart: v[1]!, size: v[2]!, flags: v[3]! });
  }
  return out;
}

/**
 * Symbolic form of a flags word: `JAILHOUSE_MEM_READ | JAILHOUSE_MEM_WRITE | …`, unknown bits in hex.
 *
 * @example
 * ```ts
 * console.log(formatJailhouseMemFlags(0x43)); // "JAILHOUSE_MEM_READ | JAILHOUSE_MEM_WRITE | JAILHOUSE_MEM_LOADABLE"
 * ```
 */
export function formatJailhouseMemFlags(flags: number): string {
  const parts: string[] = [];
  let rest = flags;
  for (const [name, bit] of Object.entries(JailhouseMemFlags)) {
    if ((rest & bit) === bit && bit !== 0) {
      parts.push(`JAILHOUSE_MEM_${name}`);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
  return parts.length === 0 ? "0" : parts.join(" | ");
}

/**
 * The `.mem_regions = { … }` initializer of a Jailhouse cell config in C.
 *
 * @example
 * ```ts
 * console.log(formatJailhouseMemRegions([{ physStart: 0x1000, virtStart: 0, size: 0x1000, flags: 3 }]));
 * // \t.mem_regions = {
 * // \t\t{
 * // \t\t\t.phys_start = 0x1000,
 * // …
 * ```
 */
export function formatJailhouseMemRegions(regions: readonly JailhouseMemoryRegion[]): string {
  const out = ["\t.mem_regions = {"];
  for (const r of regions) {
    if (r.comment !== undefined) out.push(`\t\t/* ${r.comment.replace(/\*\//g, "* /")} */`);
    out.push("\t\t{");
    out.push(`\t\t\t.phys_start = 0x${r.physStart.toString(16)},`);
    out.push(`\t\t\t.virt_start = 0x${r.virtStart.toString(16)},`);
    out.push(`\t\t\t.size = 0x${r.size.toString(16)},`);
    out.push(`\t\t\t.flags = ${formatJailhouseMemFlags(r.flags)},`);
    out.push("\t\t},");
  }
  out.push("\t},");
  return `${out.join("\n")}\n`;
}
