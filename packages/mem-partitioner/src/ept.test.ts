import { describe, expect, it } from "vitest";
import { EptTables, RWX } from "./ept";
import {
  decodeEptEntry,
  decodeEptp,
  EPT_ACCESSED,
  EPT_DIRTY,
  EPT_EXECUTE,
  EPT_IGNORE_PAT,
  EPT_LARGE_PAGE,
  EPT_MEMORY_TYPE_SHIFT,
  EPT_READ,
  EPT_SUPPRESS_VE,
  EPT_WRITE,
  EptMemoryType,
  encodeEptEntry,
  encodeEptp,
} from "./ept-entry";
import { MemPartitionerError } from "./errors";
import { PAGE_1G, PAGE_2M, PAGE_4K, uniformHostMemoryMap } from "./memory-map";
import { MemoryPartitioner } from "./partitioner";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe("EPT entry layout (SDM Vol. 3C §29.3.2; Linux asm/vmx.h)", () => {
  it("uses the SDM bit positions", () => {
    // vmx.h: VMX_EPT_READABLE_MASK 0x1, WRITABLE 0x2, EXECUTABLE 0x4, VMX_EPT_MT_EPTE_SHIFT 3,
    // VMX_EPT_IPAT_BIT 1<<6, large page bit 7, VMX_EPT_ACCESS_BIT 1<<8, VMX_EPT_DIRTY_BIT 1<<9,
    // VMX_EPT_SUPPRESS_VE_BIT 1<<63.
    expect([EPT_READ, EPT_WRITE, EPT_EXECUTE]).toEqual([1, 2, 4]);
    expect(EPT_MEMORY_TYPE_SHIFT).toBe(3);
    expect(EPT_IGNORE_PAT).toBe(1 << 6);
    expect(EPT_LARGE_PAGE).toBe(1 << 7);
    expect(EPT_ACCESSED).toBe(1 << 8);
    expect(EPT_DIRTY).toBe(1 << 9);
    expect(EPT_SUPPRESS_VE).toBe(1n << 63n);
    expect(EptMemoryType).toEqual({ UC: 0, WC: 1, WT: 4, WP: 5, WB: 6 });
  });

  it("encodes and decodes every field", () => {
    const v = encodeEptEntry({
      read: true,
      write: false,
      execute: true,
      memoryType: 4,
      ignorePat: true,
      largePage: true,
      accessed: true,
      dirty: true,
      userExecute: true,
      suppressVe: true,
      address: 0xf_ffff_ffe0_0000,
    });
    const expected =
      (1n << 63n) |
      0xf_ffff_ffe0_0000n |
      0x400n |
      0x200n |
      0x100n |
      0x80n |
      0x40n |
      (4n << 3n) |
      0x4n |
      0x1n;
    expect(v).toBe(expected);
    expect(decodeEptEntry(v)).toEqual({
      read: true,
      write: false,
      execute: true,
      memoryType: 4,
      ignorePat: true,
      largePage: true,
      accessed: true,
      dirty: true,
      userExecute: true,
      suppressVe: true,
      address: 0xf_ffff_ffe0_0000,
    });
    expect(() => encodeEptEntry({ address: 0x1001 })).toThrow(MemPartitionerError);
    expect(() => encodeEptEntry({ address: 2 ** 52 })).toThrow(MemPartitionerError);
  });
});

describe("EPTP (SDM Vol. 3C §25.6.11)", () => {
  it("packs memory type, walk length − 1 and the A/D enable", () => {
    // vmx.h: VMX_EPTP_MT_WB 0x6, VMX_EPTP_PWL_4 0x18, VMX_EPTP_AD_ENABLE_BIT 1<<6.
    const root = 0x1234_5000;
    expect(
      encodeEptp({ memoryType: 6, pageWalkLength: 4, accessedDirty: true, rootAddress: root }),
    ).toBe(BigInt(root) | 0x6n | 0x18n | 0x40n);
    expect(
      encodeEptp({ memoryType: 0, pageWalkLength: 5, accessedDirty: false, rootAddress: 0 }),
    ).toBe(0x20n);
    expect(decodeEptp(BigInt(root) | 0x5en)).toEqual({
      memoryType: 6,
      pageWalkLength: 4,
      accessedDirty: true,
      supervisorShadowStack: false,
      rootAddress: root,
    });
  });

  it("fails the VM-entry checks on reserved values", () => {
    expect(() => decodeEptp(0x1dn)).toThrow(/memory type 5 is reserved/); // WP is not allowed for paging structures
    expect(() => decodeEptp(0x06n)).toThrow(/page-walk length 1/);
    expect(() => decodeEptp(0x11en)).toThrow(/bits 11:8/);
    expect(() => decodeEptp(0x1en | (1n << 46n), { maxPhysAddr: 46 })).toThrow(/63:46/);
    expect(() =>
      encodeEptp({ memoryType: 1 as 0, pageWalkLength: 4, accessedDirty: false, rootAddress: 0 }),
    ).toThrow(MemPartitionerError);
  });
});

describe("EptTables.build", () => {
  it("maps 1 GiB with one PDPTE leaf: PML4E → PDPT, PDPTE = address | PS | WB | RWX", () => {
    const base = 0x10_0000;
    const ept = EptTables.build([{ gpa: 0, hpa: GiB, size: GiB, permissions: RWX }], {
      tableBase: base,
    });
    expect(ept.tablePages).toBe(2);
    expect(ept.entry(0, 0)).toBe(BigInt(base + 0x1000) | 0x7n);
    expect(ept.entry(1, 0)).toBe(0x4000_0000n | 0x80n | (6n << 3n) | 0x7n);
    expect(ept.eptp).toBe(BigInt(base) | 0x1en);
    // The byte image is little-endian u64s, PML4 first.
    const bytes = ept.toBytes();
    expect(bytes.length).toBe(2 * 4096);
    expect([...bytes.subarray(0, 8)]).toEqual([0x07, 0x10, 0x10, 0, 0, 0, 0, 0]);
    expect([...bytes.subarray(4096, 4104)]).toEqual([0xb7, 0, 0, 0x40, 0, 0, 0, 0]);
  });

  it("uses the largest page the alignment of both addresses allows", () => {
    // gpa 0, hpa 2 MiB: 1 GiB impossible (hpa not 1 GiB aligned) → 2 MiB pages, then a 4 KiB tail.
    const ept = EptTables.build(
      [{ gpa: 0, hpa: 2 * MiB, size: 4 * MiB + 8192, permissions: RWX }],
      {
        tableBase: GiB,
      },
    );
    expect(ept.leaves().map((l) => [l.gpa, l.hpa, l.pageSize])).toEqual([
      [0, 2 * MiB, PAGE_2M],
      [2 * MiB, 4 * MiB, PAGE_2M],
      [4 * MiB, 6 * MiB, PAGE_4K],
      [4 * MiB + 4096, 6 * MiB + 4096, PAGE_4K],
    ]);
    // PML4, PDPT, PD, PT
    expect(ept.tablePages).toBe(4);
    expect(
      EptTables.pagesNeeded([{ gpa: 0, hpa: 2 * MiB, size: 4 * MiB + 8192, permissions: RWX }]),
    ).toBe(4);
    const small = EptTables.build([{ gpa: 0, hpa: 0, size: 2 * MiB, permissions: RWX }], {
      tableBase: GiB,
      maxPageSize: PAGE_4K,
    });
    expect(small.leaves().length).toBe(512);
  });

  it("builds the EPT of a partition", () => {
    const host = uniformHostMemoryMap({ nodes: 1, bytesPerNode: 16 * GiB });
    const r = new MemoryPartitioner(host).allocate({
      name: "vm",
      size: 2 * GiB,
      pageSize: PAGE_1G,
    });
    if (!r.ok) throw new Error("allocation failed");
    const ept = EptTables.forPartition(r.value, { tableBase: 0x20_0000 });
    const e = r.value.extents[0]!;
    expect(ept.leaves()).toEqual([
      {
        gpa: 0,
        hpa: e.hostStart,
        pageSize: PAGE_1G,
        permissions: RWX,
        memoryType: 6,
        ignorePat: false,
      },
      {
        gpa: GiB,
        hpa: e.hostStart + GiB,
        pageSize: PAGE_1G,
        permissions: RWX,
        memoryType: 6,
        ignorePat: false,
      },
    ]);
  });

  it("rejects write-without-read, misaligned, overlapping mappings and tables inside the guest", () => {
    const w = { read: false, write: true, execute: false };
    expect(() =>
      EptTables.build([{ gpa: 0, hpa: 0, size: 4096, permissions: w }], { tableBase: GiB }),
    ).toThrow(/write without read/);
    expect(() =>
      EptTables.build([{ gpa: 1, hpa: 0, size: 4096, permissions: RWX }], { tableBase: GiB }),
    ).toThrow(/4 KiB aligned/);
    expect(() =>
      EptTables.build(
        [
          { gpa: 0, hpa: 0, size: 2 * MiB, permissions: RWX },
          { gpa: MiB, hpa: 4 * MiB, size: 4096, permissions: RWX },
        ],
        { tableBase: GiB },
      ),
    ).toThrow(/already mapped by a large page/);
    expect(() =>
      EptTables.build([{ gpa: 0, hpa: 0, size: 2 * MiB, permissions: RWX }], { tableBase: 0x1000 }),
    ).toThrow(/lie inside mapping 0/);
    expect(() =>
      EptTables.build([{ gpa: 0, hpa: 0, size: 4096, permissions: RWX, memoryType: 2 as 0 }], {
        tableBase: GiB,
      }),
    ).toThrow(/reserved/);
  });
});

describe("EptTables.translate", () => {
  const ro = { read: true, write: false, execute: false };
  const ept = () =>
    EptTables.build(
      [
        { gpa: 0, hpa: 4 * GiB, size: 2 * MiB, permissions: ro },
        {
          gpa: 2 * MiB,
          hpa: 8 * GiB + 4096,
          size: 4096,
          permissions: RWX,
          memoryType: 0,
          ignorePat: true,
        },
      ],
      { tableBase: GiB, accessedDirty: true },
    );

  it("returns the host address, page size and memory type", () => {
    expect(ept().translate(0x1_2345, "read")).toEqual({
      ok: true,
      hpa: 4 * GiB + 0x1_2345,
      pageSize: PAGE_2M,
      memoryType: 6,
      ignorePat: false,
    });
    expect(ept().translate(2 * MiB + 7, "execute")).toEqual({
      ok: true,
      hpa: 8 * GiB + 4096 + 7,
      pageSize: PAGE_4K,
      memoryType: 0,
      ignorePat: true,
    });
  });

  it("reports an EPT violation with the exit qualification of SDM Table 28-7", () => {
    // Write to a read-only page: bit 1 (write access) | bit 3 (readable).
    expect(ept().translate(0x1000, "write")).toEqual({
      ok: false,
      kind: "ept-violation",
      gpa: 0x1000,
      level: 2,
      exitQualification: 0b00_1010,
    });
    // Not mapped: PD entry 2 is not present; bits 5:3 are 0.
    expect(ept().translate(4 * MiB, "read")).toMatchObject({
      kind: "ept-violation",
      level: 2,
      exitQualification: 0b1,
    });
    // Beyond the PML4 entry: not present at level 4.
    expect(ept().translate(2 ** 40, "execute")).toMatchObject({
      level: 4,
      exitQualification: 0b100,
    });
    expect(() => ept().translate(2 ** 48, "read")).toThrow(MemPartitionerError);
  });

  it("sets accessed flags on the walk and the dirty flag on writes when EPTP[6] is set", () => {
    const t = ept();
    expect(t.translate(2 * MiB, "write").ok).toBe(true);
    const leaf = t.leaves().find((l) => l.gpa === 2 * MiB)!;
    expect(leaf).toBeDefined();
    const bytes = t.toBytes();
    const dv = new DataView(bytes.buffer);
    // PML4E 0, PDPTE 0 and the PDE pointing to the page table all get A; the PTE gets A and D.
    expect(dv.getUint32(0, true) & EPT_ACCESSED).toBe(EPT_ACCESSED);
    const pte = [...t.presentEntries()].find(
      (e) => (e.value & 0xf_ffff_ffff_f000n) === BigInt(8 * GiB + 4096),
    )!;
    expect(pte.value & BigInt(EPT_ACCESSED | EPT_DIRTY)).toBe(BigInt(EPT_ACCESSED | EPT_DIRTY));
    const ro2 = [...t.presentEntries()].find(
      (e) => (e.value & 0xf_ffff_ffff_f000n) === BigInt(4 * GiB),
    )!;
    expect(ro2.value & BigInt(EPT_ACCESSED)).toBe(0n);
  });

  describe("EPT misconfigurations (SDM §29.3.3.1) on hand-edited images", () => {
    const base = GiB;
    const image = () =>
      EptTables.build([{ gpa: 0, hpa: 2 * GiB, size: 2 * MiB, permissions: RWX }], {
        tableBase: base,
      }).toBytes();
    // Page 2 is the PD; its entry 0 is the 2 MiB leaf.
    const patchLeaf = (f: (lo: number) => number) => {
      const b = image();
      const dv = new DataView(b.buffer);
      dv.setUint32(2 * 4096, f(dv.getUint32(2 * 4096, true)) >>> 0, true);
      return EptTables.fromBytes(b, { tableBase: base });
    };
    it("write without read", () => {
      expect(patchLeaf((lo) => (lo & ~7) | 2).translate(0, "read")).toMatchObject({
        kind: "ept-misconfiguration",
        level: 2,
        reason: "write-without-read",
      });
    });
    it("reserved memory types 2, 3 and 7", () => {
      for (const mt of [2, 3, 7]) {
        expect(patchLeaf((lo) => (lo & ~0x38) | (mt << 3)).translate(0, "read")).toMatchObject({
          reason: "reserved-memory-type",
        });
      }
    });
    it("reserved bits 20:12 of a 2 MiB PDE", () => {
      expect(patchLeaf((lo) => lo | 0x1000).translate(0, "read")).toMatchObject({
        reason: "reserved-bit",
      });
    });
    it("execute-only when the processor does not support it", () => {
      const b = image();
      const dv = new DataView(b.buffer);
      dv.setUint32(2 * 4096, (dv.getUint32(2 * 4096, true) & ~7) | 4, true);
      expect(EptTables.fromBytes(b, { tableBase: base }).translate(0, "execute")).toMatchObject({
        ok: true,
      });
      expect(
        EptTables.fromBytes(b, { tableBase: base, executeOnly: false }).translate(0, "execute"),
      ).toMatchObject({
        reason: "execute-only-unsupported",
      });
    });
    it("bits 51:MAXPHYADDR", () => {
      const b = image();
      new DataView(b.buffer).setUint32(2 * 4096 + 4, 1 << 15, true); // bit 47
      expect(
        EptTables.fromBytes(b, { tableBase: base, maxPhysAddr: 46 }).translate(0, "read"),
      ).toMatchObject({
        reason: "reserved-bit",
        level: 2,
      });
    });
    it("rejects images that are not whole pages and pointers outside the image", () => {
      expect(() => EptTables.fromBytes(new Uint8Array(100), { tableBase: base })).toThrow(
        /4 KiB pages/,
      );
      const b = image();
      expect(() =>
        EptTables.fromBytes(b, { tableBase: base + 16 * 4096 }).translate(0, "read"),
      ).toThrow(/outside the table image/);
    });
  });
});
