// Reads a domain's second-level tables back from memory: what the hardware would translate,
// independent of any bookkeeping (for audits such as "no two VMs reach the same page").
import { IommuModelError } from "./errors";
import { PAGE_SIZE, type PhysicalMemory } from "./physical-memory";

/** A run of IOVA pages mapped to contiguous host pages with the same permissions. */
export interface MappedRange {
  readonly iova: number;
  readonly hostAddress: number;
  readonly length: number;
  readonly read: boolean;
  readonly write: boolean;
}

/**
 * Walks second-level tables from `pageTable` (`levels` = AW + 2) and returns the mapped ranges in
 * IOVA order, merging neighbours that continue each other. Permissions are the AND over the
 * levels, as the hardware applies them. Only IOVAs below 2^53 are reported.
 *
 * @example
 * ```ts
 * const ranges = readMappedRanges(unit.memory, driver.domain(1)!.pageTable, 4);
 * ```
 */
export function readMappedRanges(
  memory: PhysicalMemory,
  pageTable: number,
  levels: number,
): MappedRange[] {
  if (!Number.isInteger(levels) || levels < 2 || levels > 5)
    throw new IommuModelError("WALK_LEVELS", "levels must be 2..5", { field: "levels" });
  const out: MappedRange[] = [];
  const push = (iova: number, host: number, length: number, perm: number) => {
    const last = out[out.length - 1];
    const read = (perm & 1) !== 0;
    const write = (perm & 2) !== 0;
    if (
      last &&
      last.iova + last.length === iova &&
      last.hostAddress + last.length === host &&
      last.read === read &&
      last.write === write
    )
      out[out.length - 1] = { ...last, length: last.length + length };
    else out.push({ iova, hostAddress: host, length, read, write });
  };
  const walk = (table: number, level: number, base: number, perm: number): void => {
    const span = PAGE_SIZE * 512 ** (level - 1);
    for (let i = 0; i < 512; i++) {
      const iova = base + i * span;
      if (iova >= 2 ** 53) return;
      const at = table + i * 8;
      if (!memory.contains(at, 8)) return;
      const lo = memory.lo32(at);
      const p = perm & lo & 3;
      if ((lo & 3) === 0) continue;
      const next = (memory.hi32(at) & 0xfffff) * 2 ** 32 + ((lo & 0xffff_f000) >>> 0);
      if (level === 1 || (lo & 0x80) !== 0) {
        if (p !== 0) push(iova, next, span, p);
      } else walk(next, level - 1, iova, p);
    }
  };
  walk(pageTable, levels, 0, 3);
  return out;
}
