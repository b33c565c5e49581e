// VT-d in-memory structures (legacy mode): root entry, context entry, second-level paging entry
// and interrupt remapping table entry, with their exact bit layouts (VT-d spec §9.1, §9.3, §9.8,
// §9.10; QEMU hw/i386/intel_iommu_internal.h uses the same masks).
import { IommuModelError } from "./errors";

/**
 * Fault reasons recorded in the Fault Recording Registers (VT-d spec Appendix A; values as in
 * QEMU's `VTDFaultReason`).
 *
 * @example
 * ```ts
 * if (!r.ok && r.fault.reason === VtdFaultReason.WRITE) console.log("write to a read-only page");
 * ```
 */
export const VtdFaultReason = {
  /** The Present field of the root entry is 0. */
  ROOT_ENTRY_NOT_PRESENT: 0x1,
  /** The Present field of the context entry is 0. */
  CONTEXT_ENTRY_NOT_PRESENT: 0x2,
  /** Invalid programming of a context entry (unsupported AW or translation type). */
  CONTEXT_ENTRY_INVALID: 0x3,
  /** Input address above 2^AGAW − 1. */
  ADDRESS_BEYOND_MGAW: 0x4,
  /** Write request without write permission. */
  WRITE: 0x5,
  /** Read request without read permission. */
  READ: 0x6,
  /** A second-level paging entry could not be accessed. */
  PAGING_ENTRY_INVALID: 0x7,
  /** The root entry could not be accessed (root table address beyond memory). */
  ROOT_TABLE_INVALID: 0x8,
  /** The context entry could not be accessed. */
  CONTEXT_TABLE_INVALID: 0x9,
  /** Non-zero reserved field in a present root entry. */
  ROOT_ENTRY_RESERVED: 0xa,
  /** Non-zero reserved field in a present context entry. */
  CONTEXT_ENTRY_RESERVED: 0xb,
  /** Non-zero reserved field in a present second-level paging entry. */
  PAGING_ENTRY_RESERVED: 0xc,
  /** Request blocked by the context entry's Translation Type. */
  CONTEXT_ENTRY_TRANSLATION_TYPE: 0xd,
  /** Reserved fields set in the interrupt request (e.g. MSI address not 0xFEExxxxx). */
  IR_REQUEST_RESERVED: 0x20,
  /** Interrupt index beyond the interrupt remapping table size. */
  IR_INDEX_OVERFLOW: 0x21,
  /** Present field of the IRTE is 0. */
  IR_ENTRY_NOT_PRESENT: 0x22,
  /** The interrupt remapping table could not be accessed. */
  IR_ROOT_INVALID: 0x23,
  /** Non-zero reserved field in a present IRTE. */
  IR_ENTRY_RESERVED: 0x24,
  /** Compatibility-format interrupt blocked (GSTS.CFIS = 0). */
  IR_COMPATIBILITY_BLOCKED: 0x25,
  /** Source-id of the request fails the IRTE's SVT/SQ/SID check. */
  IR_SOURCE_ID_INVALID: 0x26,
} as const;

/**
 * A VT-d fault reason code (see {@link VtdFaultReason}).
 *
 * @example
 * ```ts
 * const reason: VtdFaultReasonCode = VtdFaultReason.CONTEXT_ENTRY_NOT_PRESENT;
 * ```
 */
export type VtdFaultReasonCode = (typeof VtdFaultReason)[keyof typeof VtdFaultReason];

/**
 * Context entry Translation Type (TT, bits 3:2 of the low qword).
 *
 * @example
 * ```ts
 * encodeContextEntry({ present: true, faultProcessingDisable: false, translationType: TranslationType.PASS_THROUGH, secondLevelPageTablePointer: 0, addressWidth: 2, domainId: 0 });
 * ```
 */
export const TranslationType = {
  /** Untranslated requests walk the second-level tables; ATS requests are blocked. */
  UNTRANSLATED: 0,
  /** As UNTRANSLATED, and ATS translation/translated requests are allowed (device-TLB). */
  DEVICE_TLB: 1,
  /** Untranslated requests are passed through: host address = input address. */
  PASS_THROUGH: 2,
} as const;

/**
 * Adjusted guest address width (AW field) → AGAW in bits: 0 → 30 (2-level, not in SAGAW of real
 * parts), 1 → 39 (3-level), 2 → 48 (4-level), 3 → 57 (5-level).
 *
 * @example
 * ```ts
 * agawBits(2); // 48
 * ```
 */
export function agawBits(aw: number): number {
  return 30 + 9 * aw;
}

/**
 * Root entry (legacy mode, VT-d §9.1): one per PCI bus.
 *
 * @example
 * ```ts
 * const root: RootEntry = decodeRootEntry(memory.read(rootTable + bus * 16, 16));
 * ```
 */
export interface RootEntry {
  readonly present: boolean;
  /** Host address of the bus's context table (4 KiB aligned). */
  readonly contextTablePointer: number;
}

/**
 * Context entry (legacy mode, VT-d §9.3): one per device/function.
 *
 * @example
 * ```ts
 * const ce: ContextEntry = decodeContextEntry(memory.read(contextTable + devfn * 16, 16));
 * ```
 */
export interface ContextEntry {
  readonly present: boolean;
  readonly faultProcessingDisable: boolean;
  /** Translation type, see {@link TranslationType} (3 is reserved). */
  readonly translationType: number;
  /** Host address of the top second-level table (4 KiB aligned). */
  readonly secondLevelPageTablePointer: number;
  /** AW field: 1 = 39-bit/3-level, 2 = 48-bit/4-level, 3 = 57-bit/5-level. */
  readonly addressWidth: number;
  /** Domain identifier that tags the device's IOTLB entries. */
  readonly domainId: number;
}

/**
 * Second-level paging entry (VT-d §9.8).
 *
 * @example
 * ```ts
 * const pte: SecondLevelEntry = { read: true, write: true, pageSize: false, address: 0x4000_0000 };
 * ```
 */
export interface SecondLevelEntry {
  readonly read: boolean;
  readonly write: boolean;
  /** PS: the entry maps a 2 MiB (level 2) or 1 GiB (level 3) page. */
  readonly pageSize: boolean;
  /** Host address of the next table or of the page. */
  readonly address: number;
  readonly snoop?: boolean;
}

/**
 * Interrupt remapping table entry for remapped interrupts (128 bits, VT-d §9.10).
 *
 * @example
 * ```ts
 * const irte: InterruptRemapEntry = decodeIrte(memory.read(irta + index * 16, 16));
 * ```
 */
export interface InterruptRemapEntry {
  readonly present: boolean;
  readonly faultProcessingDisable: boolean;
  /** DM: false = physical, true = logical destination mode. */
  readonly destinationModeLogical: boolean;
  readonly redirectionHint: boolean;
  /** TM: false = edge, true = level. */
  readonly triggerModeLevel: boolean;
  /** DLM: 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT. */
  readonly deliveryMode: number;
  /** Software-available bits 11:8. */
  readonly available: number;
  /** IM: 0 = remapped format (1 = posted, not supported by this model). */
  readonly irteMode: number;
  readonly vector: number;
  /** DST: 32-bit x2APIC id, or the xAPIC id in bits 15:8 when EIME = 0. */
  readonly destinationId: number;
  /** SID: requester id (SVT 1) or start bus | end bus << 8 (SVT 2). */
  readonly sourceId: number;
  /** SQ: which function bits of SID are ignored (0 none, 1 bit 2, 2 bits 2:1, 3 bits 2:0). */
  readonly sourceIdQualifier: number;
  /** SVT: 0 no check, 1 requester id with SQ, 2 bus range. */
  readonly sourceValidationType: number;
}

function field(v: number, bits: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits)
    throw new IommuModelError("ENTRY_FIELD_RANGE", `${name} must be an integer in 0..2^${bits}-1`, {
      field: name,
    });
  return v;
}

function pageAddress(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 52 || v % 4096 !== 0)
    throw new IommuModelError(
      "ENTRY_FIELD_RANGE",
      `${name} must be a 4 KiB aligned address below 2^52`,
      {
        field: name,
      },
    );
  return v;
}

/** @internal Splits a page address into the two 32-bit halves of a qword with low flags. */
export function halves(address: number, lowFlags: number): [number, number] {
  const hi = Math.floor(address / 2 ** 32);
  const lo = (address - hi * 2 ** 32 + lowFlags) >>> 0;
  return [lo, hi >>> 0];
}

function toBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => {
    view.setUint32(i * 4, w >>> 0, true);
  });
  return out;
}

function words(bytes: Uint8Array, n: number, what: string): number[] {
  if (bytes.length !== n * 4)
    throw new IommuModelError("ENTRY_LENGTH", `${what} needs ${n * 4} bytes, got ${bytes.length}`, {
      offset: 0,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: n }, (_, i) => view.getUint32(i * 4, true));
}

/**
 * Encodes a root entry as the 16 bytes the hardware reads.
 *
 * @example
 * ```ts
 * encodeRootEntry({ present: true, contextTablePointer: 0x10_0000 }); // 01 00 10 00 00 …
 * ```
 */
export function encodeRootEntry(e: RootEntry): Uint8Array {
  const [lo, hi] = halves(
    pageAddress(e.contextTablePointer, "contextTablePointer"),
    e.present ? 1 : 0,
  );
  return toBytes([lo, hi, 0, 0]);
}

/**
 * Decodes the 16 bytes of a root entry (reserved bits are not reported; the hardware faults on
 * them during a walk).
 *
 * @example
 * ```ts
 * decodeRootEntry(encodeRootEntry({ present: true, contextTablePointer: 0x2000 }));
 * ```
 */
export function decodeRootEntry(bytes: Uint8Array): RootEntry {
  const [lo, hi] = words(bytes, 4, "root entry") as [number, number];
  return {
    present: (lo & 1) === 1,
    contextTablePointer: (hi & 0xfffff) * 2 ** 32 + ((lo & 0xffff_f000) >>> 0),
  };
}

/**
 * Encodes a legacy-mode context entry as 16 bytes.
 *
 * @example
 * ```ts
 * encodeContextEntry({
 *   present: true, faultProcessingDisable: false, translationType: 0,
 *   secondLevelPageTablePointer: 0x5000, addressWidth: 2, domainId: 7,
 * });
 * ```
 */
export function encodeContextEntry(e: ContextEntry): Uint8Array {
  const flags =
    (e.present ? 1 : 0) |
    (e.faultProcessingDisable ? 2 : 0) |
    (field(e.translationType, 2, "translationType") << 2);
  const [lo, hi] = halves(
    pageAddress(e.secondLevelPageTablePointer, "secondLevelPageTablePointer"),
    flags,
  );
  const hiLo = field(e.addressWidth, 3, "addressWidth") | (field(e.domainId, 16, "domainId") << 8);
  return toBytes([lo, hi, hiLo, 0]);
}

/**
 * Decodes the 16 bytes of a legacy-mode context entry.
 *
 * @example
 * ```ts
 * decodeContextEntry(new Uint8Array(16)).present; // false
 * ```
 */
export function decodeContextEntry(bytes: Uint8Array): ContextEntry {
  const [lo, hi, w2] = words(bytes, 4, "context entry") as [number, number, number];
  return {
    present: (lo & 1) === 1,
    faultProcessingDisable: (lo & 2) === 2,
    translationType: (lo >>> 2) & 3,
    secondLevelPageTablePointer: (hi & 0xfffff) * 2 ** 32 + ((lo & 0xffff_f000) >>> 0),
    addressWidth: w2 & 7,
    domainId: (w2 >>> 8) & 0xffff,
  };
}

/**
 * Encodes a second-level paging entry as 8 bytes (R bit 0, W bit 1, PS bit 7, SNP bit 11,
 * address bits 51:12).
 *
 * @example
 * ```ts
 * encodeSecondLevelEntry({ read: true, write: true, pageSize: false, address: 0x7000 });
 * ```
 */
export function encodeSecondLevelEntry(e: SecondLevelEntry): Uint8Array {
  const flags =
    (e.read ? 1 : 0) | (e.write ? 2 : 0) | (e.pageSize ? 0x80 : 0) | (e.snoop ? 0x800 : 0);
  const [lo, hi] = halves(pageAddress(e.address, "address"), flags);
  return toBytes([lo, hi]);
}

/**
 * Decodes an 8-byte second-level paging entry.
 *
 * @example
 * ```ts
 * decodeSecondLevelEntry(new Uint8Array(8)).read; // false
 * ```
 */
export function decodeSecondLevelEntry(bytes: Uint8Array): SecondLevelEntry {
  const [lo, hi] = words(bytes, 2, "second-level entry") as [number, number];
  return {
    read: (lo & 1) === 1,
    write: (lo & 2) === 2,
    pageSize: (lo & 0x80) !== 0,
    snoop: (lo & 0x800) !== 0,
    address: (hi & 0xfffff) * 2 ** 32 + ((lo & 0xffff_f000) >>> 0),
  };
}

/**
 * Encodes an interrupt remapping table entry (remapped format) as 16 bytes.
 *
 * @example
 * ```ts
 * encodeIrte({
 *   present: true, faultProcessingDisable: false, destinationModeLogical: false,
 *   redirectionHint: false, triggerModeLevel: false, deliveryMode: 0, available: 0,
 *   irteMode: 0, vector: 0x41, destinationId: 3, sourceId: 0x0100,
 *   sourceIdQualifier: 0, sourceValidationType: 1,
 * });
 * ```
 */
export function encodeIrte(e: InterruptRemapEntry): Uint8Array {
  const lo =
    (e.present ? 1 : 0) |
    (e.faultProcessingDisable ? 2 : 0) |
    (e.destinationModeLogical ? 4 : 0) |
    (e.redirectionHint ? 8 : 0) |
    (e.triggerModeLevel ? 0x10 : 0) |
    (field(e.deliveryMode, 3, "deliveryMode") << 5) |
    (field(e.available, 4, "available") << 8) |
    (field(e.irteMode, 1, "irteMode") << 15) |
    (field(e.vector, 8, "vector") << 16);
  const hi =
    field(e.sourceId, 16, "sourceId") |
    (field(e.sourceIdQualifier, 2, "sourceIdQualifier") << 16) |
    (field(e.sourceValidationType, 2, "sourceValidationType") << 18);
  return toBytes([lo, field(e.destinationId, 32, "destinationId"), hi, 0]);
}

/**
 * Decodes the 16 bytes of an IRTE (reserved bits are checked by the hardware, not here).
 *
 * @example
 * ```ts
 * decodeIrte(new Uint8Array(16)).present; // false
 * ```
 */
export function decodeIrte(bytes: Uint8Array): InterruptRemapEntry {
  const [lo, dst, hi] = words(bytes, 4, "IRTE") as [number, number, number];
  return {
    present: (lo & 1) === 1,
    faultProcessingDisable: (lo & 2) !== 0,
    destinationModeLogical: (lo & 4) !== 0,
    redirectionHint: (lo & 8) !== 0,
    triggerModeLevel: (lo & 0x10) !== 0,
    deliveryMode: (lo >>> 5) & 7,
    available: (lo >>> 8) & 0xf,
    irteMode: (lo >>> 15) & 1,
    vector: (lo >>> 16) & 0xff,
    destinationId: dst >>> 0,
    sourceId: hi & 0xffff,
    sourceIdQualifier: (hi >>> 16) & 3,
    sourceValidationType: (hi >>> 18) & 3,
  };
}

/**
 * PCI requester id (source-id) from bus, device, function: `bus << 8 | device << 3 | function`.
 *
 * @example
 * ```ts
 * sourceIdOf(0x3b, 0x10, 1); // 0x3b81
 * ```
 */
export function sourceIdOf(bus: number, device: number, fn: number): number {
  return (field(bus, 8, "bus") << 8) | (field(device, 5, "device") << 3) | field(fn, 3, "function");
}
