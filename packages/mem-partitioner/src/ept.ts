import {
  EPT_ACCESSED,
  EPT_DIRTY,
  EPT_EXECUTE,
  EPT_IGNORE_PAT,
  EPT_LARGE_PAGE,
  EPT_MEMORY_TYPE_SHIFT,
  EPT_READ,
  EPT_WRITE,
  type EptMemoryType,
  encodeEptp,
  isEptMemoryType,
  EptMemoryType as MT,
} from "./ept-entry";
import { MemPartitionerError } from "./errors";
import { PAGE_1G, PAGE_2M, PAGE_4K, type PageSize } from "./memory-map";
import type { Partition } from "./partitioner";

/** Read / write / execute permissions of a guest-physical mapping. */
export interface EptPermissions {
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
}

/**
 * Read, write and execute.
 *
 * @example
 * ```ts
 * EptTables.build([{ gpa: 0, hpa: 0, size: 4096, permissions: RWX }], { tableBase: 0x10_0000 });
 * ```
 */
export const RWX: EptPermissions = { read: true, write: true, execute: true };

/** One guest-physical → host-physical mapping to install in an EPT. */
export interface EptMapping {
  readonly gpa: number;
  readonly hpa: number;
  /** Bytes; a multiple of 4 KiB. */
  readonly size: number;
  readonly permissions: EptPermissions;
  /** Default WB (6). */
  readonly memoryType?: EptMemoryType;
  /** Bit 6: ignore guest PAT. Default false. */
  readonly ignorePat?: boolean;
}

/** Options of {@link EptTables.build}. */
export interface EptBuildOptions {
  /**
   * Host-physical address of the first paging-structure page (the PML4); further tables follow
   * contiguously. The table pages must not overlap any mapped host range.
   */
  readonly tableBase: number;
  /** Largest leaf page to use. Default 1 GiB. */
  readonly maxPageSize?: PageSize;
  /** EPTP bit 6: the processor sets accessed/dirty flags. Default false. */
  readonly accessedDirty?: boolean;
  /** EPTP bits 2:0. Default 6 (WB). */
  readonly eptpMemoryType?: 0 | 6;
  /** IA32_VMX_EPT_VPID_CAP bit 0: execute-only translations supported. Default true. */
  readonly executeOnly?: boolean;
  /** MAXPHYADDR: bits 51:MAXPHYADDR of entries are reserved. Default 52. */
  readonly maxPhysAddr?: number;
}

/** Options of {@link EptTables.fromBytes}. */
export type EptLoadOptions = Omit<EptBuildOptions, "maxPageSize">;

/** Kind of guest access being translated. */
export type EptAccess = "read" | "write" | "execute";

/** Why an entry is misconfigured (SDM Vol. 3C §29.3.3.1). */
export type EptMisconfigurationReason =
  | "write-without-read"
  | "execute-only-unsupported"
  | "reserved-bit"
  | "reserved-memory-type";

/** Outcome of {@link EptTables.translate}. */
export type EptTranslation =
  | {
      readonly ok: true;
      readonly hpa: number;
      readonly pageSize: PageSize;
      readonly memoryType: EptMemoryType;
      readonly ignorePat: boolean;
    }
  | {
      readonly ok: false;
      readonly kind: "ept-violation";
      readonly gpa: number;
      /** Level of the last entry read: 4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE. */
      readonly level: number;
      /**
       * Exit qualification bits 5:0 (SDM Table 28-7): bit 0 read, 1 write, 2 instruction fetch;
       * bits 3/4/5 the AND of the read/write/execute bits of the entries walked.
       */
      readonly exitQualification: number;
    }
  | {
      readonly ok: false;
      readonly kind: "ept-misconfiguration";
      readonly gpa: number;
      readonly level: number;
      readonly reason: EptMisconfigurationReason;
    };

/** A leaf mapping found in a table, as reported by {@link EptTables.leaves}. */
export interface EptLeaf {
  readonly gpa: number;
  readonly hpa: number;
  readonly pageSize: PageSize;
  readonly permissions: EptPermissions;
  readonly memoryType: number;
  readonly ignorePat: boolean;
}

const GPA_LIMIT = 2 ** 48; // 4-level EPT translates 48-bit guest-physical addresses
const TWO32 = 2 ** 32;
const ENTRIES = 512;

function perms(lo: number): EptPermissions {
  return {
    read: (lo & EPT_READ) !== 0,
    write: (lo & EPT_WRITE) !== 0,
    execute: (lo & EPT_EXECUTE) !== 0,
  };
}

function violation(gpa: number, level: number, want: number, allowed = 0): EptTranslation {
  // Exit qualification bits 2:0 = the access, bits 5:3 = AND of the R/W/X bits walked (0 when an
  // entry was not present).
  return { ok: false, kind: "ept-violation", gpa, level, exitQualification: want | (allowed << 3) };
}

function misconfiguration(
  gpa: number,
  level: number,
  reason: EptMisconfigurationReason,
): EptTranslation {
  return { ok: false, kind: "ept-misconfiguration", gpa, level, reason };
}

/**
 * A 4-level Intel EPT: the paging-structure pages in a flat typed-array image (entry `i` of table
 * page `t` is `lo/hi[t·512 + i]`), the EPTP, translation with the SDM's violation and
 * misconfiguration rules, and serialisation to the bytes the processor walks.
 *
 * @example
 * ```ts
 * const ept = EptTables.build(
 *   [{ gpa: 0, hpa: 0x1_0000_0000, size: 2 ** 30, permissions: RWX }],
 *   { tableBase: 0x10_0000 },
 * );
 * console.log(ept.translate(0x1234, "write")); // { ok: true, hpa: 4294971956, pageSize: 1073741824, … }
 * console.log(ept.toBytes().length); // 8192: a PML4 and a PDPT
 * ```
 */
export class EptTables {
  /** Host-physical address of the PML4 page. */
  readonly tableBase: number;
  /** EPTP bit 6. */
  readonly accessedDirty: boolean;
  /** EPTP bits 2:0. */
  readonly eptpMemoryType: 0 | 6;
  private readonly executeOnly: boolean;
  private readonly reservedHiMask: number;
  private lo: Uint32Array;
  private hi: Uint32Array;
  private pages: number;

  private constructor(options: EptLoadOptions, lo: Uint32Array, hi: Uint32Array, pages: number) {
    const base = options.tableBase;
    if (!Number.isSafeInteger(base) || base < 0 || base % PAGE_4K !== 0 || base >= 2 ** 52) {
      throw new MemPartitionerError("BAD_TABLE_BASE", `table base ${base} is not 4 KiB aligned`, {
        field: "tableBase",
      });
    }
    const m = options.maxPhysAddr ?? 52;
    if (!Number.isInteger(m) || m < 32 || m > 52) {
      throw new MemPartitionerError("BAD_OPTION", `MAXPHYADDR ${m} outside 32..52`, {
        field: "maxPhysAddr",
      });
    }
    this.tableBase = base;
    this.accessedDirty = options.accessedDirty ?? false;
    this.eptpMemoryType = options.eptpMemoryType ?? 6;
    this.executeOnly = options.executeOnly ?? true;
    // Bits 51:M of the high word (bit 32+k is hi bit k).
    this.reservedHiMask = m >= 52 ? 0 : ((1 << (52 - m)) - 1) << (m - 32);
    this.lo = lo;
    this.hi = hi;
    this.pages = pages;
  }

  /**
   * Builds the tables mapping each range with the largest pages that the alignment of both
   * addresses (and `maxPageSize`) allows. Non-leaf entries carry R/W/X; leaves carry the mapping's
   * permissions, memory type (bits 5:3) and ignore-PAT (bit 6).
   *
   * @throws {@link MemPartitionerError} `BAD_MAPPING` (misaligned, beyond 48-bit GPA or 52-bit HPA,
   * write without read, reserved memory type), `OVERLAP` (two mappings share a guest page, or the
   * tables would lie inside a mapped host range).
   */
  static build(mappings: readonly EptMapping[], options: EptBuildOptions): EptTables {
    const t = new EptTables(options, new Uint32Array(8 * ENTRIES), new Uint32Array(8 * ENTRIES), 1);
    const maxPage = options.maxPageSize ?? PAGE_1G;
    if (maxPage !== PAGE_4K && maxPage !== PAGE_2M && maxPage !== PAGE_1G) {
      throw new MemPartitionerError("BAD_OPTION", `max page size ${maxPage} is not 4K/2M/1G`, {
        field: "maxPageSize",
      });
    }
    mappings.forEach((m, i) => {
      t.checkMapping(m, i);
      const mt = m.memoryType ?? MT.WB;
      const leafBits =
        (m.permissions.read ? EPT_READ : 0) |
        (m.permissions.write ? EPT_WRITE : 0) |
        (m.permissions.execute ? EPT_EXECUTE : 0) |
        (mt << EPT_MEMORY_TYPE_SHIFT) |
        (m.ignorePat ? EPT_IGNORE_PAT : 0);
      let off = 0;
      while (off < m.size) {
        const g = m.gpa + off;
        const h = m.hpa + off;
        const left = m.size - off;
        let ps: PageSize = PAGE_4K;
        for (const p of [PAGE_1G, PAGE_2M] as const) {
          if (p <= maxPage && g % p === 0 && h % p === 0 && left >= p) {
            ps = p;
            break;
          }
        }
        t.mapPage(g, h, ps, leafBits, i);
        off += ps;
      }
    });
    // The EPT itself must not be reachable by the guest.
    const end = t.tableBase + t.pages * PAGE_4K;
    mappings.forEach((m, i) => {
      if (m.hpa < end && t.tableBase < m.hpa + m.size) {
        throw new MemPartitionerError(
          "OVERLAP",
          `EPT pages [0x${t.tableBase.toString(16)}, 0x${end.toString(16)}) lie inside mapping ${i}`,
          { field: `mappings[${i}]` },
        );
      }
    });
    t.lo = t.lo.slice(0, t.pages * ENTRIES);
    t.hi = t.hi.slice(0, t.pages * ENTRIES);
    return t;
  }

  /**
   * Loads tables from their byte image (4 KiB pages of 512 little-endian u64 entries, the PML4
   * first, page `k` at host address `tableBase + k·4096`).
   *
   * @throws {@link MemPartitionerError} `BAD_IMAGE` when the length is not a positive multiple of 4096.
   */
  static fromBytes(bytes: Uint8Array, options: EptLoadOptions): EptTables {
    if (bytes.length === 0 || bytes.length % PAGE_4K !== 0) {
      throw new MemPartitionerError(
        "BAD_IMAGE",
        `EPT image of ${bytes.length} bytes is not a whole number of 4 KiB pages`,
        { offset: bytes.length },
      );
    }
    const n = bytes.length / 8;
    const lo = new Uint32Array(n);
    const hi = new Uint32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      lo[i] = dv.getUint32(i * 8, true);
      hi[i] = dv.getUint32(i * 8 + 4, true);
    }
    return new EptTables(options, lo, hi, bytes.length / PAGE_4K);
  }

  /**
   * Builds the EPT of a partition: each extent mapped at its guest address with `permissions`
   * (default RWX), memory type WB.
   *
   * @example
   * ```ts
   * const host = uniformHostMemoryMap({ nodes: 1, bytesPerNode: 16 * 2 ** 30 });
   * const p = new MemoryPartitioner(host).allocate({ name: "vm", size: 2 ** 30, pageSize: PAGE_1G });
   * if (p.ok) console.log(EptTables.forPartition(p.value, { tableBase: 0x20_0000 }).tablePages); // 2
   * ```
   */
  static forPartition(
    partition: Partition,
    options: EptBuildOptions & { readonly permissions?: EptPermissions },
  ): EptTables {
    return EptTables.build(
      partition.extents.map((e) => ({
        gpa: e.guestStart,
        hpa: e.hostStart,
        size: e.size,
        permissions: options.permissions ?? RWX,
      })),
      options,
    );
  }

  /**
   * Number of 4 KiB table pages {@link EptTables.build} needs for these mappings (to reserve host
   * memory for the tables before building them).
   *
   * @example
   * ```ts
   * console.log(EptTables.pagesNeeded([{ gpa: 0, hpa: 0, size: 2 ** 21, permissions: RWX }], 4096)); // 4
   * ```
   */
  static pagesNeeded(mappings: readonly EptMapping[], maxPageSize: PageSize = PAGE_1G): number {
    // Built at a table base above every 52-bit host address a mapping can use, so no overlap check fires.
    const probe = EptTables.build(mappings, {
      tableBase: 2 ** 52 - 2 ** 40,
      maxPageSize,
    });
    return probe.pages;
  }

  /** Number of 4 KiB paging-structure pages. */
  get tablePages(): number {
    return this.pages;
  }

  /** The EPTP to load in the VMCS: memory type, walk length 4 (bits 5:3 = 3), A/D enable, PML4 address. */
  get eptp(): bigint {
    return encodeEptp({
      memoryType: this.eptpMemoryType,
      pageWalkLength: 4,
      accessedDirty: this.accessedDirty,
      rootAddress: this.tableBase,
    });
  }

  /** The 64-bit entry `index` of table page `page` (page 0 is the PML4). */
  entry(page: number, index: number): bigint {
    if (!Number.isInteger(page) || page < 0 || page >= this.pages || index < 0 || index >= 512) {
      throw new MemPartitionerError("BAD_INDEX", `no entry ${index} in table page ${page}`, {
        field: "page",
      });
    }
    const k = page * ENTRIES + index;
    return (BigInt(this.hi[k]!) << 32n) | BigInt(this.lo[k]!);
  }

  /**
   * Translates a guest-physical address for an access, as the processor's EPT walk does
   * (SDM Vol. 3C §29.3.2–29.3.3): an entry that is not present (bits 2:0 clear) ends
   * the walk with an EPT violation; a present entry that is write-without-read, execute-only
   * (when unsupported), has a reserved bit set, or is a leaf with memory type 2, 3 or 7 is an EPT
   * misconfiguration; otherwise the access must be allowed by every entry walked. With A/D flags
   * enabled a successful walk sets the accessed flags, and the leaf's dirty flag on writes.
   *
   * @throws {@link MemPartitionerError} `BAD_GPA` for an address outside 0..2^48−1; `BAD_IMAGE` when an
   * entry points outside the table image.
   */
  translate(gpa: number, access: EptAccess): EptTranslation {
    const want = access === "read" ? 1 : access === "write" ? 2 : access === "execute" ? 4 : 0;
    if (want === 0) {
      throw new MemPartitionerError("BAD_ACCESS", `unknown access ${String(access)}`, {
        field: "access",
      });
    }
    if (!(gpa >= 0 && gpa < GPA_LIMIT) || gpa !== Math.floor(gpa)) {
      throw new MemPartitionerError("BAD_GPA", `guest-physical address ${gpa} is not 48-bit`, {
        field: "gpa",
      });
    }
    // The walk is unrolled over the four levels: this is the hot path (typed arrays, no allocation
    // until the result).
    const gHi = (gpa / TWO32) | 0; // bits 47:32
    const gLo = gpa >>> 0; // bits 31:0
    const lo = this.lo;
    const hi = this.hi;
    // Level 4: PML4E, bits 47:39.
    const k4 = (gHi >>> 7) & 511;
    let l = lo[k4]!;
    let h = hi[k4]!;
    if ((l & 7) === 0) return violation(gpa, 4, want);
    let bad = this.entryProblem(l, h);
    if (bad !== undefined) return misconfiguration(gpa, 4, bad);
    if ((l & 0xf8) !== 0) return misconfiguration(gpa, 4, "reserved-bit"); // bits 7:3 reserved
    let allowed = l & 7;
    // Level 3: PDPTE, bits 38:30.
    const k3 = this.next(l, h, 4, k4) * ENTRIES + (((gHi & 0x7f) << 2) | (gLo >>> 30));
    l = lo[k3]!;
    h = hi[k3]!;
    if ((l & 7) === 0) return violation(gpa, 3, want, 0);
    bad = this.entryProblem(l, h);
    if (bad !== undefined) return misconfiguration(gpa, 3, bad);
    allowed &= l;
    if ((l & EPT_LARGE_PAGE) !== 0) {
      if ((l & 0x3fff_f000) !== 0) return misconfiguration(gpa, 3, "reserved-bit"); // bits 29:12
      return this.leaf(gpa, 3, k3, l, h, allowed, want, k4, -1, -1);
    }
    if ((l & 0x78) !== 0) return misconfiguration(gpa, 3, "reserved-bit"); // bits 6:3 reserved
    // Level 2: PDE, bits 29:21.
    const k2 = this.next(l, h, 3, k3) * ENTRIES + ((gLo >>> 21) & 511);
    l = lo[k2]!;
    h = hi[k2]!;
    if ((l & 7) === 0) return violation(gpa, 2, want, 0);
    bad = this.entryProblem(l, h);
    if (bad !== undefined) return misconfiguration(gpa, 2, bad);
    allowed &= l;
    if ((l & EPT_LARGE_PAGE) !== 0) {
      if ((l & 0x1f_f000) !== 0) return misconfiguration(gpa, 2, "reserved-bit"); // bits 20:12
      return this.leaf(gpa, 2, k2, l, h, allowed, want, k4, k3, -1);
    }
    if ((l & 0x78) !== 0) return misconfiguration(gpa, 2, "reserved-bit");
    // Level 1: PTE, bits 20:12 (bit 7 ignored).
    const k1 = this.next(l, h, 2, k2) * ENTRIES + ((gLo >>> 12) & 511);
    l = lo[k1]!;
    h = hi[k1]!;
    if ((l & 7) === 0) return violation(gpa, 1, want, 0);
    bad = this.entryProblem(l, h);
    if (bad !== undefined) return misconfiguration(gpa, 1, bad);
    allowed &= l;
    return this.leaf(gpa, 1, k1, l, h, allowed, want, k4, k3, k2);
  }

  /** Misconfiguration of a present entry at any level (permissions, bits 51:MAXPHYADDR). */
  private entryProblem(l: number, h: number): EptMisconfigurationReason | undefined {
    if ((l & 3) === EPT_WRITE) return "write-without-read";
    if ((l & 7) === EPT_EXECUTE && !this.executeOnly) return "execute-only-unsupported";
    if ((h & this.reservedHiMask) !== 0) return "reserved-bit";
    return undefined;
  }

  /** Table page index the non-leaf entry at `k` points to. */
  private next(l: number, h: number, level: number, k: number): number {
    const addr = (h & 0xf_ffff) * TWO32 + ((l & 0xffff_f000) >>> 0);
    const page = (addr - this.tableBase) / PAGE_4K;
    if (!(page >= 0 && page < this.pages)) {
      throw new MemPartitionerError(
        "BAD_IMAGE",
        `level-${level} entry points to 0x${addr.toString(16)}, outside the table image`,
        { offset: k * 8, field: `level${level}` },
      );
    }
    return page;
  }

  private leaf(
    gpa: number,
    level: number,
    k: number,
    l: number,
    h: number,
    allowed: number,
    want: number,
    k4: number,
    k3: number,
    k2: number,
  ): EptTranslation {
    const mt = (l >>> EPT_MEMORY_TYPE_SHIFT) & 7;
    if (mt === 2 || mt === 3 || mt === 7)
      return misconfiguration(gpa, level, "reserved-memory-type");
    if ((allowed & want) === 0) return violation(gpa, level, want, allowed & 7);
    const pageSize: PageSize = level === 3 ? PAGE_1G : level === 2 ? PAGE_2M : PAGE_4K;
    const base = (h & 0xf_ffff) * TWO32 + ((l & 0xffff_f000) >>> 0);
    if (this.accessedDirty) {
      const lo = this.lo;
      lo[k4] = lo[k4]! | EPT_ACCESSED;
      if (k3 >= 0) lo[k3] = lo[k3]! | EPT_ACCESSED;
      if (k2 >= 0) lo[k2] = lo[k2]! | EPT_ACCESSED;
      lo[k] = (l | EPT_ACCESSED | (want === 2 ? EPT_DIRTY : 0)) >>> 0;
    }
    return {
      ok: true,
      hpa: base + (gpa % pageSize),
      pageSize,
      memoryType: mt as EptMemoryType,
      ignorePat: (l & EPT_IGNORE_PAT) !== 0,
    };
  }

  /** Every leaf mapping, in guest-physical order. */
  leaves(): EptLeaf[] {
    const out: EptLeaf[] = [];
    const walk = (page: number, level: number, gbase: number): void => {
      const span = level === 4 ? 2 ** 39 : level === 3 ? PAGE_1G : level === 2 ? PAGE_2M : PAGE_4K;
      for (let i = 0; i < ENTRIES; i++) {
        const k = page * ENTRIES + i;
        const l = this.lo[k]!;
        if ((l & 7) === 0) continue;
        const h = this.hi[k]!;
        const addr = (h & 0xf_ffff) * TWO32 + ((l & 0xffff_f000) >>> 0);
        const g = gbase + i * span;
        const large = (l & EPT_LARGE_PAGE) !== 0 && (level === 3 || level === 2);
        if (level === 1 || large) {
          out.push({
            gpa: g,
            hpa: addr,
            pageSize: span as PageSize,
            permissions: perms(l),
            memoryType: (l >>> EPT_MEMORY_TYPE_SHIFT) & 7,
            ignorePat: (l & EPT_IGNORE_PAT) !== 0,
          });
        } else {
          const next = (addr - this.tableBase) / PAGE_4K;
          if (next >= 0 && next < this.pages && Number.isInteger(next)) walk(next, level - 1, g);
        }
      }
    };
    walk(0, 4, 0);
    return out;
  }

  /** Every present entry's permission bits, for invariant checks (e.g. no write-without-read). */
  presentEntries(): { page: number; index: number; value: bigint }[] {
    const out: { page: number; index: number; value: bigint }[] = [];
    for (let k = 0; k < this.pages * ENTRIES; k++) {
      if ((this.lo[k]! & 7) !== 0) {
        out.push({
          page: Math.floor(k / ENTRIES),
          index: k % ENTRIES,
          value: (BigInt(this.hi[k]!) << 32n) | BigInt(this.lo[k]!),
        });
      }
    }
    return out;
  }

  /** The table image: page `k` (page 0 the PML4) at host address `tableBase + k·4096`, entries little-endian. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.pages * PAGE_4K);
    const dv = new DataView(out.buffer);
    const n = this.pages * ENTRIES;
    for (let i = 0; i < n; i++) {
      dv.setUint32(i * 8, this.lo[i]!, true);
      dv.setUint32(i * 8 + 4, this.hi[i]!, true);
    }
    return out;
  }

  private checkMapping(m: EptMapping, i: number): void {
    const field = `mappings[${i}]`;
    const bad = (what: string) => new MemPartitionerError("BAD_MAPPING", what, { field });
    for (const [k, v] of [
      ["gpa", m.gpa],
      ["hpa", m.hpa],
      ["size", m.size],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0 || v % PAGE_4K !== 0) {
        throw bad(`${k} ${v} is not a 4 KiB aligned non-negative integer`);
      }
    }
    if (m.size === 0) throw bad("empty mapping");
    if (m.gpa + m.size > GPA_LIMIT) throw bad("mapping exceeds the 48-bit guest-physical space");
    if (m.hpa + m.size > 2 ** 52) throw bad("mapping exceeds the 52-bit host-physical space");
    if (m.permissions.write && !m.permissions.read) {
      throw bad("write without read is an EPT misconfiguration (SDM §29.3.3.1)");
    }
    if (m.permissions.execute && !m.permissions.read && !m.permissions.write && !this.executeOnly) {
      throw bad("execute-only mapping but execute-only translations are not supported");
    }
    if (!m.permissions.read && !m.permissions.write && !m.permissions.execute) {
      throw bad("a mapping with no access is not present; leave it unmapped instead");
    }
    const mt = m.memoryType ?? MT.WB;
    if (!isEptMemoryType(mt)) throw bad(`memory type ${mt} is reserved`);
  }

  private newPage(): number {
    if ((this.pages + 1) * ENTRIES > this.lo.length) {
      const lo = new Uint32Array(this.lo.length * 2);
      const hi = new Uint32Array(this.hi.length * 2);
      lo.set(this.lo);
      hi.set(this.hi);
      this.lo = lo;
      this.hi = hi;
    }
    return this.pages++;
  }

  private mapPage(gpa: number, hpa: number, ps: PageSize, leafBits: number, i: number): void {
    const leafLevel = ps === PAGE_1G ? 3 : ps === PAGE_2M ? 2 : 1;
    const gHi = Math.floor(gpa / TWO32);
    const gLo = gpa >>> 0;
    let page = 0;
    for (let level = 4; level > leafLevel; level--) {
      const index =
        level === 4
          ? (gHi >>> 7) & 511
          : level === 3
            ? ((gHi & 0x7f) << 2) | (gLo >>> 30)
            : (gLo >>> 21) & 511;
      const k = page * ENTRIES + index;
      const l = this.lo[k]!;
      if ((l & 7) === 0) {
        const np = this.newPage();
        const addr = this.tableBase + np * PAGE_4K;
        // Non-leaf entries allow everything; the leaf restricts (the walk ANDs the levels).
        this.lo[k] = ((addr % TWO32) | EPT_READ | EPT_WRITE | EPT_EXECUTE) >>> 0;
        this.hi[k] = Math.floor(addr / TWO32);
        page = np;
      } else if ((l & EPT_LARGE_PAGE) !== 0 && level !== 4) {
        throw new MemPartitionerError(
          "OVERLAP",
          `guest address 0x${gpa.toString(16)} is already mapped by a large page`,
          { field: `mappings[${i}]` },
        );
      } else {
        const addr = (this.hi[k]! & 0xf_ffff) * TWO32 + ((l & 0xffff_f000) >>> 0);
        page = (addr - this.tableBase) / PAGE_4K;
      }
    }
    const index =
      leafLevel === 3
        ? ((gHi & 0x7f) << 2) | (gLo >>> 30)
        : leafLevel === 2
          ? (gLo >>> 21) & 511
          : (gLo >>> 12) & 511;
    const k = page * ENTRIES + index;
    if ((this.lo[k]! & 7) !== 0) {
      throw new MemPartitionerError(
        "OVERLAP",
        `guest address 0x${gpa.toString(16)} is mapped twice`,
        { field: `mappings[${i}]` },
      );
    }
    this.lo[k] = ((hpa % TWO32) | leafBits | (leafLevel === 1 ? 0 : EPT_LARGE_PAGE)) >>> 0;
    this.hi[k] = Math.floor(hpa / TWO32);
  }
}
