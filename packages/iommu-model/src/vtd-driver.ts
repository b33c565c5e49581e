// Host-side VT-d programming, as an OS driver (Linux drivers/iommu/intel) or a NoHype host
// manager does it: allocate root/context/second-level tables from a reserved pool, build
// domains, map/unmap with the right invalidations, program context entries and IRTEs.
import { IommuModelError } from "./errors";
import { PAGE_SIZE } from "./physical-memory";
import {
  INTERRUPT_ADDRESS_FIRST,
  INTERRUPT_ADDRESS_LAST,
  MAX_ADDRESS_MASK,
  type RemappingHardwareUnit,
} from "./remapping-hardware";
import {
  agawBits,
  encodeContextEntry,
  encodeIrte,
  halves,
  type InterruptRemapEntry,
  TranslationType,
} from "./vtd-entries";

/**
 * A DMA-remapping domain: one second-level address space, tagged by its domain id.
 *
 * @example
 * ```ts
 * const d: IommuDomain = driver.createDomain({ domainId: 2 });
 * console.log(d.levels, d.pageTable);
 * ```
 */
export interface IommuDomain {
  readonly domainId: number;
  /** AW: 1 = 39-bit/3-level, 2 = 48-bit/4-level, 3 = 57-bit/5-level. */
  readonly addressWidth: number;
  /** Paging levels (AW + 2). */
  readonly levels: number;
  /** Host address of the top-level second-level table (the context entry's SLPTPTR). */
  readonly pageTable: number;
}

/**
 * A contiguous mapping of a domain: IOVA range → host range with permissions.
 *
 * @example
 * ```ts
 * for (const m of driver.mappings(2)) console.log(m.iova, m.hostAddress, m.length);
 * ```
 */
export interface DomainMapping {
  readonly iova: number;
  readonly hostAddress: number;
  readonly length: number;
  readonly read: boolean;
  readonly write: boolean;
  /** Mapped with `shared: true`: the host pages may also belong to other domains. */
  readonly shared: boolean;
}

/**
 * Options of {@link VtdDriver.map}.
 *
 * @example
 * ```ts
 * driver.map(2, 0, 0x8000_0000, 0x1000, { read: true, write: false, shared: true });
 * ```
 */
export interface MapOptions {
  readonly read?: boolean;
  readonly write?: boolean;
  /** Allow host pages that another domain maps (and let others map these). Default false. */
  readonly shared?: boolean;
  /** Use 2 MiB / 1 GiB pages where alignment allows and the hardware supports them. Default true. */
  readonly largePages?: boolean;
}

/**
 * Options of {@link VtdDriver}.
 *
 * @example
 * ```ts
 * new VtdDriver(unit, { tablePool: { base: 0xf_0000_0000, size: 0x100_0000 }, interruptRemapEntries: 1024 });
 * ```
 */
export interface VtdDriverOptions {
  /** Host memory reserved for remapping structures; never mappable for DMA. */
  readonly tablePool: { readonly base: number; readonly size: number };
  /** Interrupt remapping table entries (a power of two, 2..65536). Default 256. */
  readonly interruptRemapEntries?: number;
  /** Program x2APIC (32-bit) destination ids (IRTA.EIME). Default true. */
  readonly extendedInterruptMode?: boolean;
  /** Enable DMA and interrupt remapping at once (default true). */
  readonly enable?: boolean;
}

/**
 * Target of {@link VtdDriver.attachDevice}: a domain id, or pass-through (identity).
 *
 * @example
 * ```ts
 * driver.attachDevice(sid, "pass-through");
 * ```
 */
export type AttachTarget = number | "pass-through";

interface DomainState {
  readonly domain: IommuDomain;
  readonly mappings: DomainMapping[];
  readonly devices: Set<number>;
}

const TWO_32 = 2 ** 32;

/**
 * Programs a {@link RemappingHardwareUnit}: allocates the root table and the IRT from a reserved
 * table pool, builds domains (second-level tables) and context entries, and issues the
 * invalidations a correct driver issues (device-selective context + domain IOTLB on context
 * changes, page-selective IOTLB on unmap, IEC on IRTE changes). Host pages are owned by one
 * domain unless mapped with `shared: true`.
 *
 * @example
 * ```ts
 * const memory = new PhysicalMemory({ size: 2 ** 34 });
 * const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
 * const driver = new VtdDriver(unit, { tablePool: { base: 0x1000_0000, size: 0x100_0000 } });
 * driver.createDomain({ domainId: 1 });
 * driver.map(1, 0, 0x4000_0000, 0x20_0000, { read: true, write: true });
 * driver.attachDevice(0x0310, 1); // 03:02.0
 * unit.translate(0x0310, 0x1234, "write"); // { ok: true, hostAddress: 0x4000_1234, … }
 * ```
 */
export class VtdDriver {
  readonly unit: RemappingHardwareUnit;
  readonly rootTable: number;
  readonly interruptRemapTable: number;
  readonly interruptRemapEntries: number;
  private readonly poolBase: number;
  private readonly poolEnd: number;
  private nextFrame: number;
  private readonly freeFrames: number[] = [];
  private readonly domains = new Map<number, DomainState>();
  private readonly attached = new Map<number, AttachTarget>();

  constructor(unit: RemappingHardwareUnit, options: VtdDriverOptions) {
    this.unit = unit;
    const { base, size } = options.tablePool;
    if (
      !Number.isInteger(base) ||
      !Number.isInteger(size) ||
      base % PAGE_SIZE !== 0 ||
      size % PAGE_SIZE !== 0 ||
      size <= 0
    )
      throw new IommuModelError("DRIVER_OPTION", "table pool must be 4 KiB aligned and sized", {
        field: "tablePool",
      });
    if (!unit.memory.contains(base, size) || base + size > 2 ** unit.hostAddressWidth)
      throw new IommuModelError("DRIVER_OPTION", "table pool must lie in memory below 2^HAW", {
        field: "tablePool",
      });
    this.poolBase = base;
    this.poolEnd = base + size;
    this.nextFrame = base;
    const entries = options.interruptRemapEntries ?? 256;
    if (
      !Number.isInteger(entries) ||
      entries < 2 ||
      entries > 65536 ||
      (entries & (entries - 1)) !== 0
    )
      throw new IommuModelError(
        "DRIVER_OPTION",
        "interruptRemapEntries must be a power of two 2..65536",
        {
          field: "interruptRemapEntries",
        },
      );
    this.interruptRemapEntries = entries;
    this.rootTable = this.allocateFrames(1);
    this.interruptRemapTable = this.allocateFrames(Math.ceil((entries * 16) / PAGE_SIZE));
    unit.setRootTableAddress(this.rootTable);
    unit.invalidateContextCache({ granularity: "global" });
    unit.invalidateIotlb({ granularity: "global" });
    unit.setInterruptRemapTable({
      address: this.interruptRemapTable,
      sizeField: Math.log2(entries) - 1,
      extendedInterruptMode: options.extendedInterruptMode ?? true,
    });
    unit.invalidateInterruptEntryCache({ granularity: "global" });
    if (options.enable !== false) {
      unit.setTranslationEnable(true);
      unit.setInterruptRemapEnable(true);
    }
  }

  /** Table pool frames still free. */
  get freeTableFrames(): number {
    return (this.poolEnd - this.nextFrame) / PAGE_SIZE + this.freeFrames.length;
  }

  private allocateFrames(n: number): number {
    if (n === 1 && this.freeFrames.length > 0) return this.freeFrames.pop()!;
    const at = this.nextFrame;
    if (at + n * PAGE_SIZE > this.poolEnd)
      throw new IommuModelError(
        "TABLE_POOL_EXHAUSTED",
        "no free frame left in the remapping table pool",
        {
          field: "tablePool",
        },
      );
    this.nextFrame += n * PAGE_SIZE;
    return at;
  }

  private state(domainId: number): DomainState {
    const s = this.domains.get(domainId);
    if (!s)
      throw new IommuModelError("NO_DOMAIN", `domain ${domainId} does not exist`, {
        field: "domainId",
      });
    return s;
  }

  /**
   * Creates an empty domain with its top-level second-level table.
   *
   * @example
   * ```ts
   * const d = driver.createDomain({ domainId: 7, addressWidth: 1 }); // 39-bit, 3-level
   * ```
   */
  createDomain(options: { domainId: number; addressWidth?: number }): IommuDomain {
    const { domainId } = options;
    const aw = options.addressWidth ?? 2;
    if (!Number.isInteger(domainId) || domainId < 0 || domainId > 0xffff)
      throw new IommuModelError("DOMAIN_ID", "domain id must be 0..65535", { field: "domainId" });
    if (this.domains.has(domainId))
      throw new IommuModelError("DOMAIN_EXISTS", `domain ${domainId} already exists`, {
        field: "domainId",
      });
    if (!this.unit.supportedAddressWidths.includes(aw))
      throw new IommuModelError("DOMAIN_AW", `AW ${aw} is not in the unit's SAGAW`, {
        field: "addressWidth",
      });
    const domain: IommuDomain = {
      domainId,
      addressWidth: aw,
      levels: aw + 2,
      pageTable: this.allocateFrames(1),
    };
    this.domains.set(domainId, { domain, mappings: [], devices: new Set() });
    return domain;
  }

  /**
   * Destroys a domain (a VM stopping): detaches its devices, invalidates the domain's IOTLB and
   * context-cache entries so that a later domain reusing the id inherits nothing, releases its host
   * pages and returns its second-level table frames to the pool.
   *
   * @example
   * ```ts
   * driver.destroyDomain(7);
   * ```
   */
  destroyDomain(domainId: number): void {
    const st = this.state(domainId);
    for (const sid of [...st.devices]) this.detachDevice(sid);
    const frames: number[] = [];
    const mem = this.unit.memory;
    const collect = (table: number, level: number): void => {
      frames.push(table);
      if (level === 1) return;
      for (let i = 0; i < 512; i++) {
        const lo = mem.lo32(table + i * 8);
        if ((lo & 3) === 0 || (lo & 0x80) !== 0) continue;
        collect(
          (mem.hi32(table + i * 8) & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0),
          level - 1,
        );
      }
    };
    collect(st.domain.pageTable, st.domain.levels);
    this.domains.delete(domainId);
    this.unit.invalidateContextCache({ granularity: "domain", domainId });
    this.unit.invalidateIotlb({ granularity: "domain", domainId });
    for (const f of frames) {
      mem.clearFrame(f);
      this.freeFrames.push(f);
    }
  }

  /**
   * The domain with this id, if any.
   *
   * @example
   * ```ts
   * driver.domain(7)?.levels;
   * ```
   */
  domain(domainId: number): IommuDomain | undefined {
    return this.domains.get(domainId)?.domain;
  }

  /**
   * The domain's mappings, sorted by IOVA.
   *
   * @example
   * ```ts
   * driver.mappings(7).reduce((n, m) => n + m.length, 0); // bytes mapped
   * ```
   */
  mappings(domainId: number): readonly DomainMapping[] {
    return [...this.state(domainId).mappings].sort((a, b) => a.iova - b.iova);
  }

  /**
   * Maps `[iova, iova + length)` to `[hostAddress, hostAddress + length)` in the domain's
   * second-level tables. Throws when the IOVA range is already mapped, when the host range
   * touches the table pool or lies outside memory, or when another domain owns a host page and
   * either side is not `shared`. No invalidation is needed (non-present → present, CM = 0).
   *
   * @example
   * ```ts
   * driver.map(7, 0x10_0000, 0x8000_0000, 0x4000, { read: true, write: false });
   * ```
   */
  map(
    domainId: number,
    iova: number,
    hostAddress: number,
    length: number,
    options: MapOptions = {},
  ): void {
    const st = this.state(domainId);
    const read = options.read ?? true;
    const write = options.write ?? true;
    const shared = options.shared ?? false;
    for (const [v, f] of [
      [iova, "iova"],
      [hostAddress, "hostAddress"],
      [length, "length"],
    ] as const)
      if (!Number.isSafeInteger(v) || v < 0 || v % PAGE_SIZE !== 0)
        throw new IommuModelError("MAP_ALIGN", `${f} must be a non-negative multiple of 4096`, {
          field: f,
        });
    if (length === 0)
      throw new IommuModelError("MAP_ALIGN", "length must be positive", { field: "length" });
    if (!read && !write)
      throw new IommuModelError("MAP_PERMISSION", "a mapping needs read or write", {
        field: "read",
      });
    if (iova + length > 2 ** agawBits(st.domain.addressWidth))
      throw new IommuModelError("MAP_RANGE", "IOVA range exceeds the domain's address width", {
        field: "iova",
      });
    if (
      !this.unit.memory.contains(hostAddress, length) ||
      hostAddress + length > 2 ** this.unit.hostAddressWidth
    )
      throw new IommuModelError("MAP_RANGE", "host range lies outside memory", {
        field: "hostAddress",
      });
    if (hostAddress < this.poolEnd && hostAddress + length > this.poolBase)
      throw new IommuModelError(
        "HOST_RANGE_RESERVED",
        "host range overlaps the remapping table pool",
        {
          field: "hostAddress",
        },
      );
    // Like Linux (dmar_init_reserved_ranges), keep the interrupt address range out of every
    // domain: VT-d treats writes to 0xFEEx_xxxx as interrupt requests, never as DMA.
    if (iova <= INTERRUPT_ADDRESS_LAST && iova + length > INTERRUPT_ADDRESS_FIRST)
      throw new IommuModelError(
        "IOVA_RESERVED",
        "IOVA range overlaps the interrupt address range 0xFEE00000-0xFEEFFFFF",
        {
          field: "iova",
        },
      );
    for (const m of st.mappings)
      if (iova < m.iova + m.length && m.iova < iova + length)
        throw new IommuModelError(
          "IOVA_MAPPED",
          `IOVA 0x${m.iova.toString(16)} is already mapped`,
          { field: "iova" },
        );
    for (const other of this.domains.values()) {
      if (other === st) continue;
      for (const m of other.mappings)
        if (
          hostAddress < m.hostAddress + m.length &&
          m.hostAddress < hostAddress + length &&
          !(shared && m.shared)
        )
          throw new IommuModelError(
            "HOST_PAGE_OWNED",
            `host page 0x${Math.max(hostAddress, m.hostAddress).toString(16)} belongs to domain ${other.domain.domainId}`,
            { field: "hostAddress" },
          );
    }
    const perm = (read ? 1 : 0) | (write ? 2 : 0);
    const large = options.largePages ?? true;
    let done = 0;
    try {
      this.fill(st.domain, iova, hostAddress, length, perm, large, (n) => {
        done = n;
      });
    } catch (e) {
      // Leave no half-built mapping behind (e.g. when the table pool runs out).
      this.clearRange(st.domain, iova, iova + done);
      throw e;
    }
    st.mappings.push({ iova, hostAddress, length, read, write, shared });
  }

  private fill(
    domain: IommuDomain,
    iova: number,
    hostAddress: number,
    length: number,
    perm: number,
    large: boolean,
    progress: (done: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const v = iova + done;
      const h = hostAddress + done;
      let level = 1;
      for (let l = Math.min(this.unit.largePageLevels, 2) + 1; l > 1 && large; l--) {
        const size = PAGE_SIZE * 512 ** (l - 1);
        if (v % size === 0 && h % size === 0 && length - done >= size) {
          level = l;
          break;
        }
      }
      this.setLeaf(domain, v, level, h, perm);
      done += PAGE_SIZE * 512 ** (level - 1);
      progress(done);
    }
  }

  private entryAt(table: number, iova: number, level: number): number {
    return table + (Math.floor(iova / (PAGE_SIZE * 512 ** (level - 1))) % 512) * 8;
  }

  private writeEntry(at: number, address: number, flags: number): void {
    const [lo, hi] = halves(address, flags);
    this.unit.memory.writeHalves(at, lo, hi);
  }

  // Walks to `level`, creating tables (and splitting superpages) on the way.
  private tableFor(domain: IommuDomain, iova: number, level: number): number {
    const mem = this.unit.memory;
    let table = domain.pageTable;
    for (let l = domain.levels; l > level; l--) {
      const at = this.entryAt(table, iova, l);
      const lo = mem.lo32(at);
      const hi = mem.hi32(at);
      if ((lo & 3) === 0) {
        const next = this.allocateFrames(1);
        this.writeEntry(at, next, 3);
        table = next;
      } else if ((lo & 0x80) !== 0) {
        // Split a superpage into a table of next-level pages with the same permissions.
        const base = (hi & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0);
        const next = this.allocateFrames(1);
        const step = PAGE_SIZE * 512 ** (l - 2);
        for (let i = 0; i < 512; i++)
          this.writeEntry(next + i * 8, base + i * step, (lo & 3) | (l - 1 > 1 ? 0x80 : 0));
        this.writeEntry(at, next, 3);
        table = next;
      } else {
        table = (hi & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0);
      }
    }
    return table;
  }

  private setLeaf(
    domain: IommuDomain,
    iova: number,
    level: number,
    host: number,
    perm: number,
  ): void {
    const table = this.tableFor(domain, iova, level);
    this.writeEntry(this.entryAt(table, iova, level), host, perm | (level > 1 ? 0x80 : 0));
  }

  /**
   * Unmaps `[iova, iova + length)` (page aligned; parts of mappings and superpages are split) and,
   * unless `flush: false`, issues page-selective IOTLB invalidations for the range. With
   * `flush: false` the device keeps its stale translations until software invalidates.
   *
   * @example
   * ```ts
   * driver.unmap(7, 0x10_0000, 0x4000);
   * ```
   */
  unmap(domainId: number, iova: number, length: number, options: { flush?: boolean } = {}): void {
    const st = this.state(domainId);
    if (
      !Number.isSafeInteger(iova) ||
      !Number.isSafeInteger(length) ||
      iova < 0 ||
      length <= 0 ||
      iova % PAGE_SIZE !== 0 ||
      length % PAGE_SIZE !== 0
    )
      throw new IommuModelError("MAP_ALIGN", "unmap range must be page aligned and non-empty", {
        field: "iova",
      });
    const end = iova + length;
    const kept: DomainMapping[] = [];
    for (const m of st.mappings) {
      const mEnd = m.iova + m.length;
      if (mEnd <= iova || m.iova >= end) {
        kept.push(m);
        continue;
      }
      if (m.iova < iova) kept.push({ ...m, length: iova - m.iova });
      if (mEnd > end)
        kept.push({
          ...m,
          iova: end,
          hostAddress: m.hostAddress + (end - m.iova),
          length: mEnd - end,
        });
      const from = Math.max(m.iova, iova);
      const to = Math.min(mEnd, end);
      this.clearRange(st.domain, from, to);
    }
    st.mappings.splice(0, st.mappings.length, ...kept);
    if (options.flush !== false) this.flushRange(domainId, iova, length);
  }

  private clearRange(domain: IommuDomain, from: number, to: number): void {
    const mem = this.unit.memory;
    let v = from;
    while (v < to) {
      // Find the leaf for v; split superpages only when the range covers part of them.
      let table = domain.pageTable;
      let level = domain.levels;
      for (;;) {
        const at = this.entryAt(table, v, level);
        const lo = mem.lo32(at);
        const hi = mem.hi32(at);
        const size = PAGE_SIZE * 512 ** (level - 1);
        if ((lo & 3) === 0) {
          v = Math.floor(v / size) * size + size; // nothing mapped here
          break;
        }
        if (level === 1 || (lo & 0x80) !== 0) {
          const start = Math.floor(v / size) * size;
          if (start >= from && start + size <= to) {
            mem.writeHalves(at, 0, 0);
            v = start + size;
          } else {
            table = this.tableFor(domain, v, level - 1);
            level -= 1;
            continue;
          }
          break;
        }
        table = (hi & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0);
        level -= 1;
      }
    }
  }

  /**
   * Page-selective IOTLB invalidation of `[iova, iova + length)` in aligned power-of-two blocks
   * (domain-selective when that would take more than 64 commands).
   *
   * @example
   * ```ts
   * driver.flushRange(7, 0, 0x20_0000);
   * ```
   */
  flushRange(domainId: number, iova: number, length: number): void {
    const blocks: [number, number][] = [];
    let page = Math.floor(iova / PAGE_SIZE);
    const endPage = Math.ceil((iova + length) / PAGE_SIZE);
    while (page < endPage && blocks.length <= 64) {
      let am = 0;
      while (am < MAX_ADDRESS_MASK && page % 2 ** (am + 1) === 0 && page + 2 ** (am + 1) <= endPage)
        am++;
      blocks.push([page * PAGE_SIZE, am]);
      page += 2 ** am;
    }
    if (blocks.length > 64) this.unit.invalidateIotlb({ granularity: "domain", domainId });
    else
      for (const [address, addressMask] of blocks)
        this.unit.invalidateIotlb({ granularity: "page", domainId, address, addressMask });
  }

  private contextTableFor(bus: number, create: boolean): number | undefined {
    const mem = this.unit.memory;
    const at = this.rootTable + bus * 16;
    const lo = mem.lo32(at);
    if ((lo & 1) === 1) return (mem.hi32(at) & 0xfffff) * TWO_32 + ((lo & 0xffff_f000) >>> 0);
    if (!create) return undefined;
    const table = this.allocateFrames(1);
    const [l, h] = halves(table, 1);
    mem.writeHalves(at, l, h);
    return table;
  }

  /**
   * Programs the device's context entry to translate through a domain (TT = untranslated) or to
   * pass through, then invalidates its context-cache entry and the previous domain's IOTLB if the
   * entry was present before (VT-d §6.5.3.3).
   *
   * @example
   * ```ts
   * driver.attachDevice(sourceIdOf(3, 2, 0), 7);
   * ```
   */
  attachDevice(
    sourceId: number,
    target: AttachTarget,
    options: { faultProcessingDisable?: boolean } = {},
  ): void {
    if (!Number.isInteger(sourceId) || sourceId < 0 || sourceId > 0xffff)
      throw new IommuModelError("SOURCE_ID", "source-id must be 0..65535", { field: "sourceId" });
    const passThrough = target === "pass-through";
    if (passThrough && !this.unit.passThrough)
      throw new IommuModelError(
        "NO_PASS_THROUGH",
        "the unit does not support pass-through (ECAP.PT)",
        { field: "target" },
      );
    const st = passThrough ? undefined : this.state(target);
    const table = this.contextTableFor(sourceId >>> 8, true)!;
    const previous = this.attached.get(sourceId);
    const bytes = encodeContextEntry({
      present: true,
      faultProcessingDisable: options.faultProcessingDisable ?? false,
      translationType: passThrough ? TranslationType.PASS_THROUGH : TranslationType.UNTRANSLATED,
      secondLevelPageTablePointer: st ? st.domain.pageTable : 0,
      addressWidth: st ? st.domain.addressWidth : this.unit.supportedAddressWidths[0]!,
      domainId: st ? st.domain.domainId : 0,
    });
    this.writeContext(table + (sourceId & 0xff) * 16, bytes);
    if (previous !== undefined) {
      if (typeof previous === "number") this.domains.get(previous)?.devices.delete(sourceId);
      this.unit.invalidateContextCache({ granularity: "device", sourceId });
      if (typeof previous === "number")
        this.unit.invalidateIotlb({ granularity: "domain", domainId: previous });
    }
    this.attached.set(sourceId, target);
    st?.devices.add(sourceId);
  }

  private writeContext(at: number, bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
    // Write the high qword first and the low qword (with P) last, as drivers do.
    this.unit.memory.writeHalves(at + 8, view.getUint32(8, true), view.getUint32(12, true));
    this.unit.memory.writeHalves(at, view.getUint32(0, true), view.getUint32(4, true));
  }

  /**
   * Clears the device's context entry (its DMA then faults with reason 2) and invalidates.
   *
   * @example
   * ```ts
   * driver.detachDevice(sourceIdOf(3, 2, 0));
   * ```
   */
  detachDevice(sourceId: number): void {
    const previous = this.attached.get(sourceId);
    if (previous === undefined) return;
    const table = this.contextTableFor(sourceId >>> 8, false)!;
    this.unit.memory.writeHalves(table + (sourceId & 0xff) * 16, 0, 0);
    this.unit.memory.writeHalves(table + (sourceId & 0xff) * 16 + 8, 0, 0);
    this.attached.delete(sourceId);
    this.unit.invalidateContextCache({ granularity: "device", sourceId });
    if (typeof previous === "number") {
      this.domains.get(previous)?.devices.delete(sourceId);
      this.unit.invalidateIotlb({ granularity: "domain", domainId: previous });
    }
  }

  /**
   * Where the device is attached: a domain id, `"pass-through"`, or undefined.
   *
   * @example
   * ```ts
   * driver.attachment(0x0310); // 7
   * ```
   */
  attachment(sourceId: number): AttachTarget | undefined {
    return this.attached.get(sourceId);
  }

  /**
   * Writes IRTE `index` and invalidates it in the interrupt entry cache.
   *
   * @example
   * ```ts
   * driver.setIrte(5, { ...irte, vector: 0x41, destinationId: 2, sourceId: 0x0310, sourceValidationType: 1 });
   * ```
   */
  setIrte(index: number, entry: InterruptRemapEntry): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.interruptRemapEntries)
      throw new IommuModelError(
        "IRTE_INDEX",
        `IRTE index must be 0..${this.interruptRemapEntries - 1}`,
        { field: "index" },
      );
    const bytes = encodeIrte(entry);
    const at = this.interruptRemapTable + index * 16;
    const view = new DataView(bytes.buffer);
    this.unit.memory.writeHalves(at + 8, view.getUint32(8, true), view.getUint32(12, true));
    this.unit.memory.writeHalves(at, view.getUint32(0, true), view.getUint32(4, true));
    this.unit.invalidateInterruptEntryCache({ granularity: "index", index });
  }

  /**
   * Clears IRTE `index` (its interrupts then fault with reason 0x22) and invalidates it.
   *
   * @example
   * ```ts
   * driver.clearIrte(5);
   * ```
   */
  clearIrte(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.interruptRemapEntries)
      throw new IommuModelError(
        "IRTE_INDEX",
        `IRTE index must be 0..${this.interruptRemapEntries - 1}`,
        { field: "index" },
      );
    const at = this.interruptRemapTable + index * 16;
    this.unit.memory.writeHalves(at, 0, 0);
    this.unit.memory.writeHalves(at + 8, 0, 0);
    this.unit.invalidateInterruptEntryCache({ granularity: "index", index });
  }
}
