import { MemPartitionerError } from "./errors";

// Intel SDM Vol. 3C §29.3.2 "EPT Translation Mechanism", Tables 29-1..29-6; the same constants
// appear in Linux arch/x86/include/asm/vmx.h (VMX_EPT_*_MASK, VMX_EPT_IPAT_BIT, …).

/**
 * Bit 0: read access.
 *
 * @example
 * ```ts
 * console.log((0x7n & BigInt(EPT_READ)) !== 0n); // true
 * ```
 */
export const EPT_READ = 0x1;
/**
 * Bit 1: write access.
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(BigInt(EPT_READ | EPT_WRITE)).write); // true
 * ```
 */
export const EPT_WRITE = 0x2;
/**
 * Bit 2: execute access (supervisor-mode execute when mode-based execute control is on).
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(BigInt(EPT_READ | EPT_EXECUTE)).execute); // true
 * ```
 */
export const EPT_EXECUTE = 0x4;
/**
 * Bits 5:3 of a leaf entry: EPT memory type.
 *
 * @example
 * ```ts
 * console.log((EptMemoryType.WB << EPT_MEMORY_TYPE_SHIFT).toString(16)); // "30"
 * ```
 */
export const EPT_MEMORY_TYPE_SHIFT = 3;
/**
 * Mask of bits 5:3.
 *
 * @example
 * ```ts
 * console.log((0xb7 & EPT_MEMORY_TYPE_MASK) >> EPT_MEMORY_TYPE_SHIFT); // 6
 * ```
 */
export const EPT_MEMORY_TYPE_MASK = 0x38;
/**
 * Bit 6 of a leaf entry: ignore the guest PAT memory type.
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(BigInt(EPT_READ | EPT_IGNORE_PAT)).ignorePat); // true
 * ```
 */
export const EPT_IGNORE_PAT = 0x40;
/**
 * Bit 7 of a PDPTE/PDE: the entry maps a 1 GiB / 2 MiB page.
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(0x400000b7n).largePage); // true (0xb7 has bit 7)
 * ```
 */
export const EPT_LARGE_PAGE = 0x80;
/**
 * Bit 8: accessed flag (when EPTP bit 6 enables accessed/dirty flags).
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(BigInt(EPT_READ | EPT_ACCESSED)).accessed); // true
 * ```
 */
export const EPT_ACCESSED = 0x100;
/**
 * Bit 9 of a leaf entry: dirty flag (when EPTP bit 6 enables accessed/dirty flags).
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(BigInt(EPT_READ | EPT_DIRTY)).dirty); // true
 * ```
 */
export const EPT_DIRTY = 0x200;
/**
 * Bit 10: execute access for user-mode linear addresses (mode-based execute control).
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(BigInt(EPT_READ | EPT_USER_EXECUTE)).userExecute); // true
 * ```
 */
export const EPT_USER_EXECUTE = 0x400;
/**
 * Bit 63 of a leaf entry: suppress #VE.
 *
 * @example
 * ```ts
 * console.log(decodeEptEntry(EPT_SUPPRESS_VE | 1n).suppressVe); // true
 * ```
 */
export const EPT_SUPPRESS_VE = 1n << 63n;

/**
 * EPT memory types (SDM Vol. 3C §29.3.7; values 2, 3 and 7 are reserved and cause an EPT
 * misconfiguration in a leaf entry).
 *
 * @example
 * ```ts
 * console.log(EptMemoryType.WB, EptMemoryType.UC); // 6 0
 * ```
 */
export const EptMemoryType = {
  /** Uncacheable. */
  UC: 0,
  /** Write combining. */
  WC: 1,
  /** Write through. */
  WT: 4,
  /** Write protected. */
  WP: 5,
  /** Write back. */
  WB: 6,
} as const;

/** A valid EPT memory type: 0 (UC), 1 (WC), 4 (WT), 5 (WP) or 6 (WB). */
export type EptMemoryType = (typeof EptMemoryType)[keyof typeof EptMemoryType];

/**
 * True for the memory types the SDM defines (0, 1, 4, 5, 6).
 *
 * @example
 * ```ts
 * console.log(isEptMemoryType(6), isEptMemoryType(2)); // true false
 * ```
 */
export function isEptMemoryType(n: number): n is EptMemoryType {
  return n === 0 || n === 1 || n === 4 || n === 5 || n === 6;
}

/** Decoded fields of one EPT paging-structure entry (any level). */
export interface EptEntryFields {
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
  /** Bits 5:3, raw (meaningful in leaf entries only). */
  readonly memoryType: number;
  readonly ignorePat: boolean;
  /** Bit 7 (page size in a PDPTE/PDE). */
  readonly largePage: boolean;
  readonly accessed: boolean;
  readonly dirty: boolean;
  readonly userExecute: boolean;
  readonly suppressVe: boolean;
  /** Bits 51:12: physical address of the next table or of the page. */
  readonly address: number;
}

const ADDRESS_MAX = 2 ** 52;

/**
 * Encodes an EPT entry as the 64-bit value the processor reads.
 *
 * @throws {@link MemPartitionerError} `BAD_ENTRY` for an address that is not 4 KiB aligned or ≥ 2^52,
 * or a memory type outside 0..7.
 * @example
 * ```ts
 * const e = encodeEptEntry({ read: true, write: true, execute: true, memoryType: 6, address: 0x4000_0000, largePage: true });
 * console.log(e.toString(16)); // "400000b7"
 * ```
 */
export function encodeEptEntry(fields: Partial<EptEntryFields> & { address: number }): bigint {
  const { address } = fields;
  if (!Number.isSafeInteger(address) || address < 0 || address >= ADDRESS_MAX || address % 4096) {
    throw new MemPartitionerError(
      "BAD_ENTRY",
      `address ${address} is not a 4 KiB aligned 52-bit address`,
      {
        field: "address",
      },
    );
  }
  const mt = fields.memoryType ?? 0;
  if (!Number.isInteger(mt) || mt < 0 || mt > 7) {
    throw new MemPartitionerError("BAD_ENTRY", `memory type ${mt} does not fit bits 5:3`, {
      field: "memoryType",
    });
  }
  let lo =
    (fields.read ? EPT_READ : 0) |
    (fields.write ? EPT_WRITE : 0) |
    (fields.execute ? EPT_EXECUTE : 0) |
    (mt << EPT_MEMORY_TYPE_SHIFT) |
    (fields.ignorePat ? EPT_IGNORE_PAT : 0) |
    (fields.largePage ? EPT_LARGE_PAGE : 0) |
    (fields.accessed ? EPT_ACCESSED : 0) |
    (fields.dirty ? EPT_DIRTY : 0) |
    (fields.userExecute ? EPT_USER_EXECUTE : 0);
  lo = (lo | (address % 2 ** 32)) >>> 0;
  const hi = Math.floor(address / 2 ** 32);
  let v = (BigInt(hi) << 32n) | BigInt(lo);
  if (fields.suppressVe) v |= EPT_SUPPRESS_VE;
  return v;
}

/**
 * Decodes a 64-bit EPT entry into its fields (no validity check: see `EptTables.translate` for
 * misconfiguration rules).
 *
 * @example
 * ```ts
 * const f = decodeEptEntry(0x400000b7n);
 * console.log(f.read, f.write, f.execute, f.memoryType, f.largePage, f.address); // true true true 6 true 1073741824
 * ```
 */
export function decodeEptEntry(value: bigint): EptEntryFields {
  if (value < 0n || value >= 1n << 64n) {
    throw new MemPartitionerError("BAD_ENTRY", "EPT entry must be an unsigned 64-bit value", {
      field: "value",
    });
  }
  const lo = Number(value & 0xffff_ffffn);
  const hi = Number((value >> 32n) & 0xffff_ffffn);
  return {
    read: (lo & EPT_READ) !== 0,
    write: (lo & EPT_WRITE) !== 0,
    execute: (lo & EPT_EXECUTE) !== 0,
    memoryType: (lo & EPT_MEMORY_TYPE_MASK) >>> EPT_MEMORY_TYPE_SHIFT,
    ignorePat: (lo & EPT_IGNORE_PAT) !== 0,
    largePage: (lo & EPT_LARGE_PAGE) !== 0,
    accessed: (lo & EPT_ACCESSED) !== 0,
    dirty: (lo & EPT_DIRTY) !== 0,
    userExecute: (lo & EPT_USER_EXECUTE) !== 0,
    suppressVe: (value & EPT_SUPPRESS_VE) !== 0n,
    address: (hi & 0xf_ffff) * 2 ** 32 + ((lo & 0xffff_f000) >>> 0),
  };
}

// EPTP: Intel SDM Vol. 3C §25.6.11 "Extended-Page-Table Pointer (EPTP)"; Linux vmx.h
// VMX_EPTP_MT_WB = 6, VMX_EPTP_MT_UC = 0, VMX_EPTP_PWL_4 = 0x18, VMX_EPTP_AD_ENABLE_BIT = 1 << 6.

/** Fields of an extended-page-table pointer. */
export interface EptpFields {
  /** Bits 2:0: memory type for accessing the EPT paging structures: 0 (UC) or 6 (WB). */
  readonly memoryType: 0 | 6;
  /** Bits 5:3 hold this value minus 1: 4 (4-level EPT) or 5 (5-level EPT). */
  readonly pageWalkLength: 4 | 5;
  /** Bit 6: enable accessed and dirty flags. */
  readonly accessedDirty: boolean;
  /** Bit 7: enable enforcement of supervisor shadow-stack access rights. */
  readonly supervisorShadowStack?: boolean;
  /** Bits N-1:12: physical address of the PML4 (or PML5) table. */
  readonly rootAddress: number;
}

/**
 * Encodes an EPTP as written to the VMCS (field 0x201A).
 *
 * @throws {@link MemPartitionerError} `BAD_EPTP` for a memory type other than UC/WB, a walk
 * length other than 4/5, or a root address that is not 4 KiB aligned.
 * @example
 * ```ts
 * const eptp = encodeEptp({ memoryType: 6, pageWalkLength: 4, accessedDirty: true, rootAddress: 0x1000 });
 * console.log(eptp.toString(16)); // "105e"
 * ```
 */
export function encodeEptp(fields: EptpFields): bigint {
  if (fields.memoryType !== 0 && fields.memoryType !== 6) {
    throw new MemPartitionerError("BAD_EPTP", `EPTP memory type ${fields.memoryType} is reserved`, {
      field: "memoryType",
    });
  }
  if (fields.pageWalkLength !== 4 && fields.pageWalkLength !== 5) {
    throw new MemPartitionerError(
      "BAD_EPTP",
      `EPT page-walk length ${fields.pageWalkLength} is not 4 or 5`,
      { field: "pageWalkLength" },
    );
  }
  const a = fields.rootAddress;
  if (!Number.isSafeInteger(a) || a < 0 || a >= ADDRESS_MAX || a % 4096 !== 0) {
    throw new MemPartitionerError("BAD_EPTP", `EPT root ${a} is not a 4 KiB aligned address`, {
      field: "rootAddress",
    });
  }
  let v = BigInt(a);
  v |= BigInt(fields.memoryType);
  v |= BigInt(fields.pageWalkLength - 1) << 3n;
  if (fields.accessedDirty) v |= 1n << 6n;
  if (fields.supervisorShadowStack) v |= 1n << 7n;
  return v;
}

/** Options of {@link decodeEptp}: the processor's physical-address width. */
export interface EptpDecodeOptions {
  /** MAXPHYADDR (CPUID.80000008H:EAX[7:0]); bits 63:MAXPHYADDR are reserved. Default 52. */
  readonly maxPhysAddr?: number;
}

/**
 * Decodes an EPTP, applying the VM-entry checks of SDM Vol. 3C §27.2.1.1 (memory type UC or WB,
 * walk length 4 or 5, bits 11:8 and 63:MAXPHYADDR zero).
 *
 * @throws {@link MemPartitionerError} `BAD_EPTP` naming the failed check.
 * @example
 * ```ts
 * console.log(decodeEptp(0x105en)); // { memoryType: 6, pageWalkLength: 4, accessedDirty: true, … rootAddress: 4096 }
 * ```
 */
export function decodeEptp(value: bigint, options: EptpDecodeOptions = {}): EptpFields {
  const m = options.maxPhysAddr ?? 52;
  if (value < 0n || value >= 1n << 64n) {
    throw new MemPartitionerError("BAD_EPTP", "EPTP must be an unsigned 64-bit value", {
      field: "value",
    });
  }
  const mt = Number(value & 7n);
  if (mt !== 0 && mt !== 6) {
    throw new MemPartitionerError("BAD_EPTP", `EPTP memory type ${mt} is reserved`, {
      field: "memoryType",
    });
  }
  const pwl = Number((value >> 3n) & 7n) + 1;
  if (pwl !== 4 && pwl !== 5) {
    throw new MemPartitionerError("BAD_EPTP", `EPT page-walk length ${pwl} is not 4 or 5`, {
      field: "pageWalkLength",
    });
  }
  if (((value >> 8n) & 0xfn) !== 0n) {
    throw new MemPartitionerError("BAD_EPTP", "EPTP bits 11:8 are reserved", {
      field: "reserved",
    });
  }
  if (value >> BigInt(m) !== 0n) {
    throw new MemPartitionerError("BAD_EPTP", `EPTP bits 63:${m} are reserved`, {
      field: "reserved",
    });
  }
  return {
    memoryType: mt,
    pageWalkLength: pwl,
    accessedDirty: (value & (1n << 6n)) !== 0n,
    supervisorShadowStack: (value & (1n << 7n)) !== 0n,
    rootAddress: Number(value & ~0xfffn),
  };
}
