// One VT-d DMA-remapping hardware unit (what a DRHD structure describes): root/context table
// walk, second-level translation for 3/4/5-level AGAW with 2 MiB/1 GiB pages, pass-through,
// IOTLB and context cache tagged as in hardware, fault recording, and interrupt remapping with an
// interrupt entry cache. Caches keep stale entries until software invalidates them (VT-d §6.5).
import { IommuModelError } from "./errors";
import { PAGE_SIZE, type PhysicalMemory } from "./physical-memory";
import { agawBits, TranslationType, VtdFaultReason, type VtdFaultReasonCode } from "./vtd-entries";

/**
 * Direction of a DMA request.
 *
 * @example
 * ```ts
 * const access: DmaAccess = "write";
 * ```
 */
export type DmaAccess = "read" | "write";

/**
 * A DMA request the hardware blocked.
 *
 * @example
 * ```ts
 * const r = unit.translate(sid, iova, "read");
 * if (!r.ok) console.log(r.fault.reason, r.fault.address);
 * ```
 */
export interface DmaFault {
  readonly reason: VtdFaultReasonCode;
  readonly sourceId: number;
  readonly address: number | bigint;
  readonly access: DmaAccess;
}

/**
 * Outcome of {@link RemappingHardwareUnit.translate}.
 *
 * @example
 * ```ts
 * const r: DmaTranslation = unit.translate(sid, iova, "read");
 * ```
 */
export type DmaTranslation =
  | {
      readonly ok: true;
      readonly hostAddress: number;
      /** Size of the page that mapped the address (4096, 2 MiB, 1 GiB); 0 when not remapped. */
      readonly pageSize: number;
      /** Domain the translation belongs to; -1 for pass-through or translation disabled. */
      readonly domainId: number;
    }
  | { readonly ok: false; readonly fault: DmaFault };

/**
 * A fault as logged in the Fault Recording Registers.
 *
 * @example
 * ```ts
 * for (const f of unit.faultRecords) console.log(f.sourceId.toString(16), f.reason);
 * ```
 */
export interface FaultRecord {
  readonly sourceId: number;
  readonly reason: VtdFaultReasonCode;
  /** `dma-read`/`dma-write` (address = input address) or `interrupt` (address = IRT index). */
  readonly type: "dma-read" | "dma-write" | "interrupt";
  readonly address: number | bigint;
}

/**
 * Context-cache invalidation (CCMD_REG / context-cache invalidate descriptor, VT-d §6.5.1.1).
 *
 * @example
 * ```ts
 * unit.invalidateContextCache({ granularity: "domain", domainId: 3 });
 * ```
 */
export type ContextCacheInvalidation =
  | { readonly granularity: "global" }
  | { readonly granularity: "domain"; readonly domainId: number }
  | {
      readonly granularity: "device";
      readonly sourceId: number;
      /** FM: 0 none, 1 ignore function bit 2, 2 bits 2:1, 3 bits 2:0. */
      readonly functionMask?: number;
    };

/**
 * IOTLB invalidation (IOTLB_REG / IOTLB invalidate descriptor, VT-d §6.5.1.2).
 *
 * @example
 * ```ts
 * unit.invalidateIotlb({ granularity: "page", domainId: 3, address: 0x40_0000, addressMask: 0 });
 * ```
 */
export type IotlbInvalidation =
  | { readonly granularity: "global" }
  | { readonly granularity: "domain"; readonly domainId: number }
  | {
      readonly granularity: "page";
      readonly domainId: number;
      /** Input address, aligned to 2^(12 + addressMask). */
      readonly address: number | bigint;
      /** AM: invalidate 2^AM pages (at most MAMV = 18). */
      readonly addressMask?: number;
    };

/**
 * Interrupt entry cache invalidation (VT-d §6.5.2.7).
 *
 * @example
 * ```ts
 * unit.invalidateInterruptEntryCache({ granularity: "index", index: 8, indexMask: 3 });
 * ```
 */
export type InterruptEntryCacheInvalidation =
  | { readonly granularity: "global" }
  | { readonly granularity: "index"; readonly index: number; readonly indexMask?: number };

/**
 * An MSI write as the device issues it.
 *
 * @example
 * ```ts
 * const msi: MsiMessage = { address: 0xfee0_0000 + (5 << 5) + 0x10, data: 0 };
 * ```
 */
export interface MsiMessage {
  /** Address (0xFEEx_xxxx); a bigint or number above 2^32 means a non-zero upper dword. */
  readonly address: number | bigint;
  readonly data: number;
}

/**
 * The interrupt as delivered to the local APICs.
 *
 * @example
 * ```ts
 * const r = unit.remapInterrupt(sid, msi);
 * if (r.ok) console.log(r.interrupt.vector, r.interrupt.destinationId);
 * ```
 */
export interface DeliveredInterrupt {
  readonly vector: number;
  readonly destinationId: number;
  readonly destinationModeLogical: boolean;
  readonly deliveryMode: number;
  readonly triggerModeLevel: boolean;
  readonly redirectionHint: boolean;
  /** True when an IRTE produced it; false for a compatibility-format interrupt let through. */
  readonly remapped: boolean;
  /** The IRT index used (-1 when not remapped). */
  readonly index: number;
}

/**
 * Outcome of {@link RemappingHardwareUnit.remapInterrupt}.
 *
 * @example
 * ```ts
 * const r: InterruptRemapResult = unit.remapInterrupt(sid, msi);
 * ```
 */
export type InterruptRemapResult =
  | { readonly ok: true; readonly interrupt: DeliveredInterrupt }
  | {
      readonly ok: false;
      readonly reason: VtdFaultReasonCode;
      readonly sourceId: number;
      readonly index: number;
    };

/**
 * Capabilities of a {@link RemappingHardwareUnit} (CAP_REG / ECAP_REG fields).
 *
 * @example
 * ```ts
 * new RemappingHardwareUnit(memory, { hostAddressWidth: 46, supportedAddressWidths: [1, 2], largePageLevels: 1 });
 * ```
 */
export interface RemappingHardwareOptions {
  /** Host address width in bits (DMAR Host Address Width + 1), 32..52. Default 46. */
  readonly hostAddressWidth?: number;
  /** SAGAW as AW values: 1 = 39-bit, 2 = 48-bit, 3 = 57-bit. Default [1, 2, 3]. */
  readonly supportedAddressWidths?: readonly number[];
  /** SLLPS: 0 = 4 KiB only, 1 = + 2 MiB, 2 = + 1 GiB. Default 2. */
  readonly largePageLevels?: number;
  /** ECAP.PT: pass-through translation type supported. Default true. */
  readonly passThrough?: boolean;
  /** ECAP.DT: device-TLB translation type supported. Default false. */
  readonly deviceTlb?: boolean;
  /** CAP.NFR: number of fault recording registers. Default 8. */
  readonly faultRecordingRegisters?: number;
  /** Maximum IOTLB entries; when full the IOTLB is emptied (as QEMU does). Default 65536. */
  readonly iotlbCapacity?: number;
}

const PT = TranslationType.PASS_THROUGH;
const FPD_FLAG = 0x100;
const FRONT_SLOTS = 1 << 16;
const FRONT_MASK = FRONT_SLOTS - 1;
const TWO_32 = 2 ** 32;
/**
 * First address of the interrupt address range (VT-d §3.14, 0xFEEx_xxxx): DWORD writes there are
 * interrupt requests for {@link RemappingHardwareUnit.remapInterrupt}, not DMA.
 *
 * @example
 * ```ts
 * const isMsiWrite = address >= INTERRUPT_ADDRESS_FIRST && address <= INTERRUPT_ADDRESS_LAST;
 * ```
 */
export const INTERRUPT_ADDRESS_FIRST = 0xfee0_0000;

/**
 * Last address of the interrupt address range.
 *
 * @example
 * ```ts
 * INTERRUPT_ADDRESS_LAST - INTERRUPT_ADDRESS_FIRST + 1; // 1 MiB
 * ```
 */
export const INTERRUPT_ADDRESS_LAST = 0xfeef_ffff;

/**
 * MAMV: maximum address mask value for page-selective invalidation (QEMU's VTD_MAMV).
 *
 * @example
 * ```ts
 * unit.invalidateIotlb({ granularity: "page", domainId: 1, address: 0, addressMask: MAX_ADDRESS_MASK });
 * ```
 */
export const MAX_ADDRESS_MASK = 18;

/**
 * A VT-d DMA-remapping hardware unit with interrupt remapping, reading its tables from
 * {@link PhysicalMemory}. Software programs it like the registers of VT-d chapter 10 (root table
 * address, translation enable, invalidations, IRTA) and issues requests with
 * {@link RemappingHardwareUnit.translate} and {@link RemappingHardwareUnit.remapInterrupt}.
 *
 * @example
 * ```ts
 * const memory = new PhysicalMemory({ size: 2 ** 32 });
 * const unit = new RemappingHardwareUnit(memory);
 * unit.setRootTableAddress(0x1000);
 * unit.setTranslationEnable(true);
 * unit.translate(0x0100, 0x4000, "read"); // fault 1: root entry not present
 * ```
 */
export class RemappingHardwareUnit {
  readonly memory: PhysicalMemory;
  readonly hostAddressWidth: number;
  readonly supportedAddressWidths: readonly number[];
  readonly largePageLevels: number;
  readonly passThrough: boolean;
  readonly deviceTlb: boolean;
  readonly faultRecordingRegisters: number;
  readonly iotlbCapacity: number;

  private rootTable = 0;
  private te = false;
  // Context cache, indexed by source-id.
  private readonly ccValid = new Uint8Array(65536);
  private readonly ccFast = new Uint8Array(65536);
  private readonly ccTT = new Uint8Array(65536);
  private readonly ccLevels = new Uint8Array(65536);
  private readonly ccFpd = new Uint8Array(65536);
  private readonly ccDid = new Int32Array(65536);
  private readonly ccLimit = new Float64Array(65536);
  private readonly ccTable = new Float64Array(65536);
  private readonly ccTlb: (Map<number, number> | undefined)[] = new Array(65536);
  // IOTLB: per domain id, key = page number at the leaf level * 4 + (level - 1),
  // value = host page address + permission bits (R = 1, W = 2).
  private readonly iotlb = new Map<number, Map<number, number>>();
  // Direct-mapped front of the IOTLB (like a first-level TLB): copies of IOTLB entries at 4 KiB
  // granularity in typed arrays for the hot path. Every IOTLB removal also clears it, so it never
  // outlives the entry it copies.
  private readonly frontDid = new Int32Array(FRONT_SLOTS).fill(-1);
  private readonly frontPfn = new Float64Array(FRONT_SLOTS);
  private readonly frontHost = new Float64Array(FRONT_SLOTS);
  private readonly frontPerm = new Uint8Array(FRONT_SLOTS);
  private readonly frontLevel = new Uint8Array(FRONT_SLOTS);
  private iotlbEntries = 0;
  // Interrupt remapping.
  private irta = 0;
  private irtEntries = 0;
  private eime = false;
  private ire = false;
  private cfi = false;
  private readonly iec = new Map<number, Uint32Array>();
  // Fault recording.
  private readonly faults: FaultRecord[] = [];
  private overflow = false;
  private readonly hawLimit: number;
  private readonly hiAddressMask: number;

  constructor(memory: PhysicalMemory, options: RemappingHardwareOptions = {}) {
    this.memory = memory;
    this.hostAddressWidth = options.hostAddressWidth ?? 46;
    if (
      !Number.isInteger(this.hostAddressWidth) ||
      this.hostAddressWidth < 32 ||
      this.hostAddressWidth > 52
    )
      throw new IommuModelError("HW_OPTION", "hostAddressWidth must be 32..52", {
        field: "hostAddressWidth",
      });
    this.supportedAddressWidths = [...(options.supportedAddressWidths ?? [1, 2, 3])];
    if (this.supportedAddressWidths.some((aw) => ![0, 1, 2, 3].includes(aw)))
      throw new IommuModelError("HW_OPTION", "supportedAddressWidths holds AW values 0..3", {
        field: "supportedAddressWidths",
      });
    this.largePageLevels = options.largePageLevels ?? 2;
    this.passThrough = options.passThrough ?? true;
    this.deviceTlb = options.deviceTlb ?? false;
    this.faultRecordingRegisters = options.faultRecordingRegisters ?? 8;
    this.iotlbCapacity = options.iotlbCapacity ?? 65536;
    this.hawLimit = 2 ** this.hostAddressWidth;
    // Address bits HAW..51 of the high dword that must be zero in table entries.
    this.hiAddressMask = (0xfffff & ~((1 << (this.hostAddressWidth - 32)) - 1)) >>> 0;
  }

  // ---------------------------------------------------------------- registers

  /**
   * RTADDR_REG + GCMD.SRTP: latch the root table address (legacy mode). Caches are not flushed:
   * software must invalidate the context cache and IOTLB globally afterwards (VT-d §10.4.5).
   *
   * @example
   * ```ts
   * unit.setRootTableAddress(0x1000);
   * ```
   */
  setRootTableAddress(address: number): void {
    if (
      !Number.isInteger(address) ||
      address < 0 ||
      address % PAGE_SIZE !== 0 ||
      address >= this.hawLimit
    )
      throw new IommuModelError(
        "HW_REGISTER",
        "root table address must be 4 KiB aligned below 2^HAW",
        {
          field: "RTADDR_REG",
        },
      );
    this.rootTable = address;
  }

  /**
   * GCMD.TE: enable or disable DMA remapping. While disabled, DMA passes untranslated.
   *
   * @example
   * ```ts
   * unit.setTranslationEnable(true);
   * ```
   */
  setTranslationEnable(enable: boolean): void {
    this.te = enable;
    for (let sid = 0; sid < 65536; sid++)
      this.ccFast[sid] = enable && this.ccValid[sid] === 1 && this.ccTT[sid] !== PT ? 1 : 0;
  }

  /** GSTS.TES: whether DMA remapping is enabled. */
  get translationEnabled(): boolean {
    return this.te;
  }

  /**
   * IRTA_REG + GCMD.SIRTP: interrupt remapping table address, size field S (2^(S+1) entries) and
   * EIME (x2APIC 32-bit destination ids).
   *
   * @example
   * ```ts
   * unit.setInterruptRemapTable({ address: 0x9000, sizeField: 7, extendedInterruptMode: true });
   * ```
   */
  setInterruptRemapTable(irta: {
    address: number;
    sizeField: number;
    extendedInterruptMode: boolean;
  }): void {
    const { address, sizeField } = irta;
    if (
      !Number.isInteger(address) ||
      address < 0 ||
      address % PAGE_SIZE !== 0 ||
      address >= this.hawLimit
    )
      throw new IommuModelError("HW_REGISTER", "IRT address must be 4 KiB aligned below 2^HAW", {
        field: "IRTA_REG",
      });
    if (!Number.isInteger(sizeField) || sizeField < 0 || sizeField > 15)
      throw new IommuModelError("HW_REGISTER", "IRTA size field S must be 0..15", {
        field: "IRTA_REG.S",
      });
    this.irta = address;
    this.irtEntries = 2 ** (sizeField + 1);
    this.eime = irta.extendedInterruptMode;
  }

  /**
   * GCMD.IRE: enable interrupt remapping.
   *
   * @example
   * ```ts
   * unit.setInterruptRemapEnable(true);
   * ```
   */
  setInterruptRemapEnable(enable: boolean): void {
    this.ire = enable;
  }

  /**
   * GCMD.CFI: let compatibility-format interrupts through while remapping is enabled.
   *
   * @example
   * ```ts
   * unit.setCompatibilityFormatInterrupts(false);
   * ```
   */
  setCompatibilityFormatInterrupts(allow: boolean): void {
    this.cfi = allow;
  }

  // ---------------------------------------------------------------- invalidation

  /**
   * Context-cache invalidation: global, domain-selective (entries cached with that domain id) or
   * device-selective (source-id with function mask).
   *
   * @example
   * ```ts
   * unit.invalidateContextCache({ granularity: "device", sourceId: 0x0100 });
   * ```
   */
  invalidateContextCache(cmd: ContextCacheInvalidation): void {
    if (cmd.granularity === "global") {
      this.ccValid.fill(0);
      this.ccFast.fill(0);
      return;
    }
    if (cmd.granularity === "domain") {
      const did = checkDomain(cmd.domainId);
      for (let sid = 0; sid < 65536; sid++)
        if (this.ccValid[sid] === 1 && this.ccDid[sid] === did) {
          this.ccValid[sid] = 0;
          this.ccFast[sid] = 0;
        }
      return;
    }
    if (cmd.granularity === "device") {
      const sid = checkSourceId(cmd.sourceId);
      const fm = cmd.functionMask ?? 0;
      if (!Number.isInteger(fm) || fm < 0 || fm > 3)
        throw new IommuModelError("HW_INVALIDATION", "function mask must be 0..3", { field: "FM" });
      // FM = 1 ignores function bit 2, 2 bits 2:1, 3 bits 2:0 (VT-d §10.4.7).
      const ignored = [0, 4, 6, 7][fm]!;
      const base = sid & 0xfff8;
      for (let s = base; s < base + 8; s++)
        if ((s & ~ignored) === (sid & ~ignored)) {
          this.ccValid[s] = 0;
          this.ccFast[s] = 0;
        }
      return;
    }
    throw new IommuModelError("HW_INVALIDATION", "unknown context-cache granularity", {
      field: "CIRG",
    });
  }

  /**
   * IOTLB invalidation: global, domain-selective, or page-selective (2^AM pages from `address`)
   * within one domain. Superpage entries overlapping the range are dropped too.
   *
   * @example
   * ```ts
   * unit.invalidateIotlb({ granularity: "page", domainId: 1, address: 0x20_0000, addressMask: 9 });
   * ```
   */
  invalidateIotlb(cmd: IotlbInvalidation): void {
    if (cmd.granularity === "global") {
      for (const m of this.iotlb.values()) m.clear();
      this.iotlbEntries = 0;
      this.frontDid.fill(-1);
      return;
    }
    if (cmd.granularity === "domain") {
      const m = this.iotlb.get(checkDomain(cmd.domainId));
      if (m) {
        this.iotlbEntries -= m.size;
        m.clear();
      }
      this.frontDid.fill(-1);
      return;
    }
    if (cmd.granularity === "page") {
      const did = checkDomain(cmd.domainId);
      const am = cmd.addressMask ?? 0;
      if (!Number.isInteger(am) || am < 0 || am > MAX_ADDRESS_MASK)
        throw new IommuModelError(
          "HW_INVALIDATION",
          `address mask must be 0..${MAX_ADDRESS_MASK}`,
          { field: "AM" },
        );
      const address = cmd.address;
      const first =
        typeof address === "bigint"
          ? Number(address >> 12n)
          : Number.isInteger(address)
            ? Math.floor(address / PAGE_SIZE)
            : -1;
      const misaligned =
        typeof address === "bigint"
          ? address % (1n << BigInt(12 + am)) !== 0n
          : address % 2 ** (12 + am) !== 0;
      if (first < 0 || misaligned)
        throw new IommuModelError(
          "HW_INVALIDATION",
          "page-selective address must be aligned to 2^(12+AM)",
          {
            field: "ADDR",
          },
        );
      const m = this.iotlb.get(did);
      if (!m) return;
      const count = 2 ** am;
      const last = first + count - 1;
      const before = m.size;
      // Every IOTLB entry dropped also leaves the front cache: the 4 KiB pages it covered.
      const drop = (key: number, level: number): void => {
        if (!m.delete(key)) return;
        const span = 512 ** level;
        this.dropFront(did, ((key - level) / 4) * span, span);
      };
      if (count * 3 > m.size) {
        for (const key of [...m.keys()]) {
          const level = key % 4;
          const span = 512 ** level;
          const start = ((key - level) / 4) * span;
          if (start <= last && start + span - 1 >= first) drop(key, level);
        }
      } else {
        for (let level = 0; level < 3; level++) {
          const span = 512 ** level;
          for (let i = Math.floor(first / span); i <= Math.floor(last / span); i++)
            drop(i * 4 + level, level);
        }
      }
      this.iotlbEntries -= before - m.size;
      return;
    }
    throw new IommuModelError("HW_INVALIDATION", "unknown IOTLB granularity", { field: "IIRG" });
  }

  /**
   * Interrupt entry cache invalidation: global or index-selective (2^IM entries from `index`).
   *
   * @example
   * ```ts
   * unit.invalidateInterruptEntryCache({ granularity: "index", index: 5 });
   * ```
   */
  invalidateInterruptEntryCache(cmd: InterruptEntryCacheInvalidation): void {
    if (cmd.granularity === "global") {
      this.iec.clear();
      return;
    }
    const im = cmd.indexMask ?? 0;
    if (
      !Number.isInteger(cmd.index) ||
      cmd.index < 0 ||
      cmd.index > 0xffff ||
      !Number.isInteger(im) ||
      im < 0 ||
      im > 16
    )
      throw new IommuModelError("HW_INVALIDATION", "IEC index must be 0..65535 and IM 0..16", {
        field: "IIDX",
      });
    const base = cmd.index - (cmd.index % 2 ** im);
    for (let i = base; i < base + 2 ** im; i++) this.iec.delete(i);
  }

  // ---------------------------------------------------------------- faults

  /** Pending fault records (oldest first), at most `faultRecordingRegisters`. */
  get faultRecords(): readonly FaultRecord[] {
    return this.faults;
  }

  /** FSTS.PFO: a fault was dropped because every recording register was full. */
  get faultOverflow(): boolean {
    return this.overflow;
  }

  /**
   * Software reads and clears the fault recording registers (FRCD.F, FSTS.PFO).
   *
   * @example
   * ```ts
   * const pending = unit.clearFaults();
   * ```
   */
  clearFaults(): FaultRecord[] {
    const out = this.faults.splice(0);
    this.overflow = false;
    return out;
  }

  private record(r: FaultRecord): void {
    if (this.faults.length >= this.faultRecordingRegisters) this.overflow = true;
    else this.faults.push(r);
  }

  /** Number of entries currently held in the IOTLB (all domains). */
  get iotlbSize(): number {
    return this.iotlbEntries;
  }

  /** True when the context cache holds an entry for `sourceId`. */
  isContextCached(sourceId: number): boolean {
    return this.ccValid[checkSourceId(sourceId)] === 1;
  }

  // ---------------------------------------------------------------- DMA remapping

  /**
   * Hot path of DMA remapping for number addresses: the host address, or `-reason` (a negative
   * VT-d fault reason code) when the request is blocked. Same semantics as
   * {@link RemappingHardwareUnit.translate}, without allocating a result. `iova` must be a
   * non-negative safe integer: a front-cache hit does not re-check it (misses throw as `translate`).
   *
   * @example
   * ```ts
   * const hpa = unit.translateAddress(0x0100, 0x4000, false);
   * if (hpa < 0) console.log("fault reason", -hpa);
   * ```
   */
  translateAddress(sourceId: number, iova: number, write: boolean): number {
    // ccFast: context cached, translation enabled and not pass-through.
    if (this.ccFast[sourceId] === 1 && iova < this.ccLimit[sourceId]! && iova >= 0) {
      const pfn = Math.floor(iova / PAGE_SIZE);
      const did = this.ccDid[sourceId]!;
      const slot = (pfn ^ (did << 9)) & FRONT_MASK;
      if (
        this.frontPfn[slot] === pfn &&
        this.frontDid[slot] === did &&
        (this.frontPerm[slot]! & (write ? 2 : 1)) !== 0
      )
        return this.frontHost[slot]! + (iova - pfn * PAGE_SIZE);
    }
    return this.resolve(sourceId, iova, write);
  }

  /**
   * Translates one untranslated DMA request from `sourceId` (bus << 8 | devfn) at input address
   * `iova`. Blocked requests return the VT-d fault and are logged unless the context entry has
   * FPD set. Bigint addresses reach the full 57-bit space of 5-level tables.
   *
   * @example
   * ```ts
   * const r = unit.translate(0x0100, 0x4000, "write");
   * if (r.ok) console.log(r.hostAddress.toString(16));
   * else console.log("fault", r.fault.reason);
   * ```
   */
  translate(sourceId: number, iova: number | bigint, access: DmaAccess): DmaTranslation {
    checkSourceId(sourceId);
    const write = access === "write";
    if (access !== "read" && !write)
      throw new IommuModelError("DMA_REQUEST", "access must be read or write", { field: "access" });
    let r: number;
    if (typeof iova === "bigint") {
      if (iova < 0n || iova >= 1n << 64n)
        throw new IommuModelError("DMA_REQUEST", "address must be a 64-bit unsigned value", {
          field: "iova",
        });
      if (iova < 2n ** 53n) r = this.resolve(sourceId, Number(iova), write);
      else r = this.resolveBig(sourceId, iova, write);
    } else {
      if (!Number.isSafeInteger(iova) || iova < 0)
        throw new IommuModelError("DMA_REQUEST", "address must be a non-negative safe integer", {
          field: "iova",
        });
      // Front-cache hit: same answer as the IOTLB, without the slower lookups.
      if (this.ccFast[sourceId] === 1 && iova < this.ccLimit[sourceId]!) {
        const pfn = Math.floor(iova / PAGE_SIZE);
        const did = this.ccDid[sourceId]!;
        const slot = (pfn ^ (did << 9)) & FRONT_MASK;
        if (
          this.frontPfn[slot] === pfn &&
          this.frontDid[slot] === did &&
          (this.frontPerm[slot]! & (write ? 2 : 1)) !== 0
        )
          return {
            ok: true,
            hostAddress: this.frontHost[slot]! + (iova - pfn * PAGE_SIZE),
            pageSize: PAGE_SIZE * 512 ** this.frontLevel[slot]!,
            domainId: did,
          };
      }
      r = this.resolve(sourceId, iova, write);
    }
    if (r < 0)
      return {
        ok: false,
        fault: { reason: -r as VtdFaultReasonCode, sourceId, address: iova, access },
      };
    const remapped = this.te && this.ccValid[sourceId] === 1 && this.ccTT[sourceId] !== PT;
    return {
      ok: true,
      hostAddress: r,
      pageSize: remapped ? this.lastPageSize : 0,
      domainId: remapped ? this.ccDid[sourceId]! : -1,
    };
  }

  private lastPageSize = PAGE_SIZE;

  // Clears the front-cache slots of `count` pages from `firstPfn` in domain `did`.
  private dropFront(did: number, firstPfn: number, count: number): void {
    if (count > 4096) {
      this.frontDid.fill(-1);
      return;
    }
    for (let pfn = firstPfn; pfn < firstPfn + count; pfn++) {
      const slot = (pfn ^ (did << 9)) & FRONT_MASK;
      if (this.frontDid[slot] === did && this.frontPfn[slot] === pfn) this.frontDid[slot] = -1;
    }
  }

  private fillFront(did: number, pfn: number, host: number, perm: number, level: number): void {
    const slot = (pfn ^ (did << 9)) & FRONT_MASK;
    this.frontLevel[slot] = level;
    this.frontDid[slot] = did;
    this.frontPfn[slot] = pfn;
    this.frontHost[slot] = host;
    this.frontPerm[slot] = perm;
  }

  // Addresses >= 2^53 (5-level tables only): split into page number and offset.
  private resolveBig(sid: number, iova: bigint, write: boolean): number {
    const pfn = Number(iova >> 12n);
    const off = Number(iova & 0xfffn);
    return this.walkFor(sid, pfn, off, iova, write);
  }

  private resolve(sid: number, iova: number, write: boolean): number {
    if (
      !Number.isSafeInteger(iova) ||
      iova < 0 ||
      !Number.isInteger(sid) ||
      sid < 0 ||
      sid > 0xffff
    )
      throw new IommuModelError(
        "DMA_REQUEST",
        "source-id must be 0..65535 and address a non-negative safe integer",
        {
          field: "iova",
        },
      );
    const pfn = Math.floor(iova / PAGE_SIZE);
    return this.walkFor(sid, pfn, iova - pfn * PAGE_SIZE, iova, write);
  }

  private fault(
    sid: number,
    reason: number,
    address: number | bigint,
    write: boolean,
    fpd: boolean,
  ): number {
    if (!fpd)
      this.record({
        sourceId: sid,
        reason: reason as VtdFaultReasonCode,
        type: write ? "dma-write" : "dma-read",
        address,
      });
    return -reason;
  }

  private walkFor(
    sid: number,
    pfn: number,
    off: number,
    address: number | bigint,
    write: boolean,
  ): number {
    if (!this.te) {
      if (typeof address === "bigint")
        return this.fault(sid, VtdFaultReason.ADDRESS_BEYOND_MGAW, address, write, false);
      return address;
    }
    if (this.ccValid[sid] !== 1) {
      const r = this.loadContext(sid);
      if (r !== 0) return this.fault(sid, r & 0xff, address, write, (r & FPD_FLAG) !== 0);
    }
    const fpd = this.ccFpd[sid] === 1;
    const inputLimit = this.ccLimit[sid]!;
    const beyond =
      typeof address === "bigint" ? address >= BigInt(inputLimit) : address >= inputLimit;
    if (beyond) return this.fault(sid, VtdFaultReason.ADDRESS_BEYOND_MGAW, address, write, fpd);
    if (this.ccTT[sid] === PT) return address as number;
    const tlb = this.ccTlb[sid]!;
    const need = write ? 2 : 1;
    // IOTLB lookup at each page size.
    for (let level = 0; level <= this.largePageLevels; level++) {
      const span = 512 ** level;
      const v = tlb.get(Math.floor(pfn / span) * 4 + level);
      if (v !== undefined) {
        const perm = v % 4;
        if ((perm & need) === 0)
          return this.fault(
            sid,
            write ? VtdFaultReason.WRITE : VtdFaultReason.READ,
            address,
            write,
            fpd,
          );
        this.lastPageSize = span * PAGE_SIZE;
        const host = v - perm + (pfn % span) * PAGE_SIZE;
        this.fillFront(this.ccDid[sid]!, pfn, host, perm, level);
        return host + off;
      }
    }
    // Page walk (VT-d §3.7): permissions are the AND of R/W over every level.
    let table = this.ccTable[sid]!;
    let perm = 3;
    for (let level = this.ccLevels[sid]!; level >= 1; level--) {
      const span = 512 ** (level - 1);
      const entryAddress = table + (Math.floor(pfn / span) % 512) * 8;
      if (!this.memory.contains(entryAddress, 8))
        return this.fault(sid, VtdFaultReason.PAGING_ENTRY_INVALID, address, write, fpd);
      const lo = this.memory.lo32(entryAddress);
      const hi = this.memory.hi32(entryAddress);
      perm &= lo & 3;
      if ((perm & need) === 0)
        return this.fault(
          sid,
          write ? VtdFaultReason.WRITE : VtdFaultReason.READ,
          address,
          write,
          fpd,
        );
      const ps = (lo & 0x80) !== 0 && level > 1;
      // Reserved bits: address bits above HAW, SNP (bit 11, no snoop control), TM (bit 62, no
      // device-TLB), PS at levels 4 and 5 or where the page size is not supported, and the low
      // address bits of a superpage.
      let reserved =
        (hi & this.hiAddressMask) !== 0 ||
        (lo & 0x800) !== 0 ||
        (!this.deviceTlb && (hi & 0x4000_0000) !== 0);
      if (ps && level - 1 > this.largePageLevels) reserved = true;
      if (ps && level === 2 && (lo & 0x1f_f000) !== 0) reserved = true;
      if (ps && level === 3 && (lo & 0x3fff_f000) !== 0) reserved = true;
      if (reserved)
        return this.fault(sid, VtdFaultReason.PAGING_ENTRY_RESERVED, address, write, fpd);
      const next = (hi & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0);
      if (level === 1 || ps) {
        const key = Math.floor(pfn / span) * 4 + (level - 1);
        if (this.iotlbEntries >= this.iotlbCapacity)
          this.invalidateIotlb({ granularity: "global" });
        if (!tlb.has(key)) this.iotlbEntries++;
        tlb.set(key, next + perm);
        this.lastPageSize = span * PAGE_SIZE;
        const host = next + (pfn % span) * PAGE_SIZE;
        this.fillFront(this.ccDid[sid]!, pfn, host, perm, level - 1);
        return host + off;
      }
      table = next;
    }
    return this.fault(sid, VtdFaultReason.PAGING_ENTRY_INVALID, address, write, fpd);
  }

  // Fills the context cache for `sid`; returns 0 or a fault reason, with FPD_FLAG added when the
  // (present) context entry disables fault recording.
  private loadContext(sid: number): number {
    const bus = sid >>> 8;
    const devfn = sid & 0xff;
    const rootAddress = this.rootTable + bus * 16;
    if (!this.memory.contains(rootAddress, 16)) return VtdFaultReason.ROOT_TABLE_INVALID;
    const rlo = this.memory.lo32(rootAddress);
    const rhi = this.memory.hi32(rootAddress);
    if ((rlo & 1) === 0) return VtdFaultReason.ROOT_ENTRY_NOT_PRESENT;
    if (
      (rlo & 0xffe) !== 0 ||
      (rhi & this.hiAddressMask) !== 0 ||
      (rhi & 0xfff0_0000) !== 0 ||
      this.memory.lo32(rootAddress + 8) !== 0 ||
      this.memory.hi32(rootAddress + 8) !== 0
    )
      return VtdFaultReason.ROOT_ENTRY_RESERVED;
    const contextTable = (rhi & 0xfffff) * TWO_32 + ((rlo & 0xffff_f000) >>> 0);
    const ceAddress = contextTable + devfn * 16;
    if (!this.memory.contains(ceAddress, 16)) return VtdFaultReason.CONTEXT_TABLE_INVALID;
    const lo = this.memory.lo32(ceAddress);
    const hi = this.memory.hi32(ceAddress);
    const w2 = this.memory.lo32(ceAddress + 8);
    const w3 = this.memory.hi32(ceAddress + 8);
    if ((lo & 1) === 0) return VtdFaultReason.CONTEXT_ENTRY_NOT_PRESENT;
    const fpd = (lo & 2) !== 0;
    const withFpd = (reason: number) => (fpd ? reason | FPD_FLAG : reason);
    if (
      (lo & 0xff0) !== 0 ||
      (hi & this.hiAddressMask) !== 0 ||
      (hi & 0xfff0_0000) !== 0 ||
      (w2 & 0xff00_0080) !== 0 ||
      w3 !== 0
    )
      return withFpd(VtdFaultReason.CONTEXT_ENTRY_RESERVED);
    const tt = (lo >>> 2) & 3;
    const aw = w2 & 7;
    if (
      tt === 3 ||
      (tt === TranslationType.DEVICE_TLB && !this.deviceTlb) ||
      (tt === PT && !this.passThrough)
    )
      return withFpd(VtdFaultReason.CONTEXT_ENTRY_INVALID);
    if (tt !== PT && !this.supportedAddressWidths.includes(aw))
      return withFpd(VtdFaultReason.CONTEXT_ENTRY_INVALID);
    const did = (w2 >>> 8) & 0xffff;
    let tlb = this.iotlb.get(did);
    if (tlb === undefined) {
      tlb = new Map();
      this.iotlb.set(did, tlb);
    }
    this.ccValid[sid] = 1;
    this.ccFast[sid] = this.te && tt !== PT ? 1 : 0;
    this.ccTT[sid] = tt;
    this.ccLevels[sid] = aw + 2;
    this.ccFpd[sid] = fpd ? 1 : 0;
    this.ccDid[sid] = did;
    this.ccLimit[sid] = tt === PT ? this.hawLimit : 2 ** agawBits(aw);
    this.ccTable[sid] = (hi & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0);
    this.ccTlb[sid] = tlb;
    return 0;
  }

  // ---------------------------------------------------------------- interrupt remapping

  /**
   * Remaps an MSI/MSI-X write from `sourceId` (VT-d §5.1): compatibility-format interrupts pass
   * only when CFI is set; remappable ones are looked up in the IRT (through the interrupt entry
   * cache), checked against the IRTE's source validation, and delivered with the IRTE's vector
   * and destination.
   *
   * @example
   * ```ts
   * // remappable format, handle 5, no subhandle: address bit 4 set, handle in bits 19:5
   * const r = unit.remapInterrupt(0x0100, { address: 0xfee0_0000 | (5 << 5) | 0x10, data: 0 });
   * if (r.ok) console.log(r.interrupt.vector, r.interrupt.destinationId);
   * ```
   */
  remapInterrupt(sourceId: number, msi: MsiMessage): InterruptRemapResult {
    checkSourceId(sourceId);
    const { data } = msi;
    let address: number;
    if (typeof msi.address === "bigint") {
      if (msi.address < 0n || msi.address >= 1n << 64n)
        throw new IommuModelError("IR_REQUEST", "MSI address must be a 64-bit value", {
          field: "address",
        });
      if (msi.address >= 1n << 32n)
        return this.irFault(sourceId, VtdFaultReason.IR_REQUEST_RESERVED, -1, false);
      address = Number(msi.address);
    } else {
      if (!Number.isSafeInteger(msi.address) || msi.address < 0)
        throw new IommuModelError("IR_REQUEST", "MSI address must be a non-negative integer", {
          field: "address",
        });
      if (msi.address >= TWO_32)
        return this.irFault(sourceId, VtdFaultReason.IR_REQUEST_RESERVED, -1, false);
      address = msi.address;
    }
    if (!Number.isInteger(data) || data < 0 || data >= TWO_32)
      throw new IommuModelError("IR_REQUEST", "MSI data must be a 32-bit value", { field: "data" });
    if (address >>> 20 !== 0xfee)
      return this.irFault(sourceId, VtdFaultReason.IR_REQUEST_RESERVED, -1, false);
    const remappable = (address & 0x10) !== 0;
    if (!this.ire || !remappable) {
      if (this.ire && !this.cfi)
        return this.irFault(sourceId, VtdFaultReason.IR_COMPATIBILITY_BLOCKED, -1, false);
      // Compatibility format (Intel SDM vol. 3 §11.11): dest 19:12, RH 3, DM 2; vector 7:0,
      // delivery mode 10:8, trigger mode 15.
      return {
        ok: true,
        interrupt: {
          vector: data & 0xff,
          destinationId: (address >>> 12) & 0xff,
          destinationModeLogical: (address & 4) !== 0,
          redirectionHint: (address & 8) !== 0,
          deliveryMode: (data >>> 8) & 7,
          triggerModeLevel: (data & 0x8000) !== 0,
          remapped: false,
          index: -1,
        },
      };
    }
    // Remappable format (VT-d §5.1.2.2): handle[14:0] in 19:5, handle[15] in bit 2, SHV bit 3.
    let index = ((address >>> 5) & 0x7fff) | (((address >>> 2) & 1) << 15);
    if ((address & 8) !== 0) {
      if (data >>> 16 !== 0)
        return this.irFault(sourceId, VtdFaultReason.IR_REQUEST_RESERVED, index, false);
      index += data & 0xffff;
    }
    if (index >= this.irtEntries)
      return this.irFault(sourceId, VtdFaultReason.IR_INDEX_OVERFLOW, index, false);
    let irte = this.iec.get(index);
    if (irte === undefined) {
      const at = this.irta + index * 16;
      if (!this.memory.contains(at, 16))
        return this.irFault(sourceId, VtdFaultReason.IR_ROOT_INVALID, index, false);
      irte = Uint32Array.of(
        this.memory.lo32(at),
        this.memory.hi32(at),
        this.memory.lo32(at + 8),
        this.memory.hi32(at + 8),
      );
      if ((irte[0]! & 1) === 0)
        return this.irFault(sourceId, VtdFaultReason.IR_ENTRY_NOT_PRESENT, index, false);
      const fpd = (irte[0]! & 2) !== 0;
      // Reserved: 14:12, IM (15, no posted interrupts), 31:24, xAPIC-mode DST 39:32 and 63:48,
      // 127:84.
      const dstReserved = !this.eime && (irte[1]! & 0xffff_00ff) !== 0;
      if (
        (irte[0]! & 0xff00_f000) !== 0 ||
        dstReserved ||
        (irte[2]! & 0xfff0_0000) !== 0 ||
        irte[3] !== 0
      )
        return this.irFault(sourceId, VtdFaultReason.IR_ENTRY_RESERVED, index, fpd);
      this.iec.set(index, irte);
    }
    const [lo, dst, hi] = irte as unknown as [number, number, number];
    const fpd = (lo & 2) !== 0;
    const sid = hi & 0xffff;
    const sq = (hi >>> 16) & 3;
    const svt = (hi >>> 18) & 3;
    if (svt === 1) {
      // SQ masks function bits: 1 ignores bit 2, 2 bits 2:1, 3 bits 2:0 (QEMU vtd_svt_mask).
      const mask = [0xffff, 0xfffb, 0xfff9, 0xfff8][sq]!;
      if ((sid & mask) !== (sourceId & mask))
        return this.irFault(sourceId, VtdFaultReason.IR_SOURCE_ID_INVALID, index, fpd);
    } else if (svt === 2) {
      const bus = sourceId >>> 8;
      if (bus < (sid & 0xff) || bus > sid >>> 8)
        return this.irFault(sourceId, VtdFaultReason.IR_SOURCE_ID_INVALID, index, fpd);
    } else if (svt === 3) {
      // Reserved SVT value: QEMU treats it as a verification failure.
      return this.irFault(sourceId, VtdFaultReason.IR_SOURCE_ID_INVALID, index, fpd);
    }
    return {
      ok: true,
      interrupt: {
        vector: (lo >>> 16) & 0xff,
        destinationId: this.eime ? dst >>> 0 : (dst >>> 8) & 0xff,
        destinationModeLogical: (lo & 4) !== 0,
        redirectionHint: (lo & 8) !== 0,
        deliveryMode: (lo >>> 5) & 7,
        triggerModeLevel: (lo & 0x10) !== 0,
        remapped: true,
        index,
      },
    };
  }

  private irFault(
    sourceId: number,
    reason: VtdFaultReasonCode,
    index: number,
    fpd: boolean,
  ): InterruptRemapResult {
    if (!fpd) this.record({ sourceId, reason, type: "interrupt", address: Math.max(index, 0) });
    return { ok: false, reason, sourceId, index };
  }
}

function checkSourceId(sid: number): number {
  if (!Number.isInteger(sid) || sid < 0 || sid > 0xffff)
    throw new IommuModelError("DMA_REQUEST", "source-id must be an integer 0..65535", {
      field: "sourceId",
    });
  return sid;
}

function checkDomain(did: number): number {
  if (!Number.isInteger(did) || did < 0 || did > 0xffff)
    throw new IommuModelError("HW_INVALIDATION", "domain id must be 0..65535", { field: "DID" });
  return did;
}
