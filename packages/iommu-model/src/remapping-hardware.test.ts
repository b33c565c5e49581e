import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "./physical-memory";
import { RemappingHardwareUnit } from "./remapping-hardware";

// Tables are written here bit by bit from the VT-d spec (§9.1 root entry, §9.3 context entry,
// §9.8 second-level entries), independently of the package's encoders.
const ROOT = 0x10000;
const CTX = 0x11000;
const SID = (3 << 8) | (2 << 3) | 0; // 03:02.0
const R = 1n;
const W = 2n;
const PS = 0x80n;

function setup(options: ConstructorParameters<typeof RemappingHardwareUnit>[1] = {}) {
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39, ...options });
  memory.writeUint64(ROOT + 3 * 16, BigInt(CTX) | 1n);
  unit.setRootTableAddress(ROOT);
  unit.setTranslationEnable(true);
  return { memory, unit };
}

function context(
  memory: PhysicalMemory,
  sid: number,
  o: { slpt: number; aw: number; did: number; tt?: number; fpd?: boolean; present?: boolean },
) {
  const lo =
    BigInt(o.slpt) |
    (BigInt(o.tt ?? 0) << 2n) |
    (o.fpd ? 2n : 0n) |
    (o.present === false ? 0n : 1n);
  const hi = BigInt(o.aw) | (BigInt(o.did) << 8n);
  memory.writeUint64(CTX + (sid & 0xff) * 16, lo);
  memory.writeUint64(CTX + (sid & 0xff) * 16 + 8, hi);
}

// Builds the chain of tables for `iova` down to `leafLevel` and returns the leaf entry address.
function chain(
  memory: PhysicalMemory,
  top: number,
  levels: number,
  iova: bigint,
  leafLevel = 1,
): number {
  let table = top;
  let next = top + 0x1000;
  for (let level = levels; level > leafLevel; level--) {
    const index = Number((iova >> BigInt(12 + 9 * (level - 1))) & 511n);
    memory.writeUint64(table + index * 8, BigInt(next) | R | W);
    table = next;
    next += 0x1000;
  }
  return table + Number((iova >> BigInt(12 + 9 * (leafLevel - 1))) & 511n) * 8;
}

describe("second-level translation (3/4/5-level AGAW)", () => {
  for (const [aw, levels, iova] of [
    [1, 3, 0x7f_1234_5678n],
    [2, 4, 0xabcd_1234_5678n],
    [3, 5, 0x1ab_cdef_1234_5678n], // above 2^53: only reachable with a bigint
  ] as const) {
    it(`AW ${aw} walks ${levels} levels`, () => {
      const { memory, unit } = setup({ hostAddressWidth: 46 });
      context(memory, SID, { slpt: 0x40000, aw, did: 5 });
      const leaf = chain(memory, 0x40000, levels, iova);
      memory.writeUint64(leaf, 0x9_8765_4000n | R | W);
      const r = unit.translate(SID, iova, "write");
      expect(r).toEqual({ ok: true, hostAddress: 0x9_8765_4678, pageSize: 4096, domainId: 5 });
    });
  }

  it("2 MiB and 1 GiB pages", () => {
    const { memory, unit } = setup();
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1 });
    const l2 = chain(memory, 0x40000, 4, 0x4020_0000n, 2);
    memory.writeUint64(l2, 0x6_0000_0000n | PS | R);
    expect(unit.translate(SID, 0x4023_4567, "read")).toEqual({
      ok: true,
      hostAddress: 0x6_0003_4567,
      pageSize: 0x20_0000,
      domainId: 1,
    });
    const l3 = chain(memory, 0x40000, 4, 0x80_0000_0000n, 3);
    memory.writeUint64(l3, 0x4_4000_0000n | PS | R | W);
    expect(unit.translate(SID, 0x80_1234_5678, "write")).toMatchObject({
      ok: true,
      hostAddress: 0x4_5234_5678,
      pageSize: 2 ** 30,
    });
  });

  it("pass-through gives the identity; translation disabled too", () => {
    const { memory, unit } = setup();
    context(memory, SID, { slpt: 0, aw: 2, did: 0, tt: 2 });
    expect(unit.translate(SID, 0x1234_5678, "write")).toEqual({
      ok: true,
      hostAddress: 0x1234_5678,
      pageSize: 0,
      domainId: -1,
    });
    const other = setup();
    other.unit.setTranslationEnable(false);
    expect(other.unit.translate(0x0700, 0x5000, "read")).toMatchObject({
      ok: true,
      hostAddress: 0x5000,
    });
  });
});

describe("fault reasons (VT-d Appendix A)", () => {
  const reason = (r: ReturnType<RemappingHardwareUnit["translate"]>) => (r.ok ? 0 : r.fault.reason);

  it("1 root entry not present, 2 context entry not present", () => {
    const { memory, unit } = setup();
    expect(reason(unit.translate(0x0400, 0, "read"))).toBe(1);
    expect(reason(unit.translate(SID, 0, "read"))).toBe(2);
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1, present: false });
    expect(reason(unit.translate(SID, 0, "read"))).toBe(2);
  });

  it("3 for a reserved TT, an unsupported AW or pass-through without ECAP.PT", () => {
    const { memory, unit } = setup({ supportedAddressWidths: [2], passThrough: false });
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1, tt: 3 });
    expect(reason(unit.translate(SID, 0, "read"))).toBe(3);
    context(memory, SID, { slpt: 0x40000, aw: 1, did: 1 });
    expect(reason(unit.translate(SID, 0, "read"))).toBe(3);
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1, tt: 2 });
    expect(reason(unit.translate(SID, 0, "read"))).toBe(3);
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1, tt: 1 }); // device-TLB without ECAP.DT
    expect(reason(unit.translate(SID, 0, "read"))).toBe(3);
  });

  it("4 above the AGAW, 5 write without W, 6 read without R (at any level)", () => {
    const { memory, unit } = setup();
    context(memory, SID, { slpt: 0x40000, aw: 1, did: 1 });
    expect(reason(unit.translate(SID, 2 ** 39, "read"))).toBe(4);
    const leaf = chain(memory, 0x40000, 3, 0x5000n);
    memory.writeUint64(leaf, 0x7000n | R);
    expect(reason(unit.translate(SID, 0x5000, "write"))).toBe(5);
    expect(reason(unit.translate(SID, 0x6000, "read"))).toBe(6); // not present
    memory.writeUint64(leaf, 0x7000n | W);
    unit.invalidateIotlb({ granularity: "global" });
    expect(reason(unit.translate(SID, 0x5000, "read"))).toBe(6);
    // Permissions are ANDed over levels: a read-only top-level entry forbids writes below.
    memory.writeUint64(leaf, 0x7000n | R | W);
    memory.writeUint64(0x40000, 0x41000n | R);
    unit.invalidateIotlb({ granularity: "global" });
    expect(reason(unit.translate(SID, 0x5000, "write"))).toBe(5);
  });

  it("7, 8, 9 when tables lie beyond installed memory", () => {
    const memory = new PhysicalMemory({ size: 0x20000 });
    const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
    unit.setTranslationEnable(true);
    unit.setRootTableAddress(0x1f000);
    unit.setRootTableAddress(0x40000);
    expect(reason(unit.translate(0x0000, 0, "read"))).toBe(8);
    unit.setRootTableAddress(0x1f000);
    memory.writeUint64(0x1f000, 0x80000n | 1n);
    expect(reason(unit.translate(0x0000, 0, "read"))).toBe(9);
    memory.writeUint64(0x1f000, 0x1e000n | 1n);
    memory.writeUint64(0x1e000, 0x90000n | 1n);
    memory.writeUint64(0x1e008, 2n | (1n << 8n));
    expect(reason(unit.translate(0x0000, 0, "read"))).toBe(7);
  });

  it("0xA, 0xB, 0xC for reserved bits in root, context and paging entries", () => {
    const { memory, unit } = setup();
    memory.writeUint64(ROOT + 5 * 16, BigInt(CTX) | 1n | 0x10n);
    expect(reason(unit.translate(0x0500, 0, "read"))).toBe(0xa);
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1 });
    memory.writeUint64(CTX + (SID & 0xff) * 16 + 8, 2n | (1n << 8n) | (1n << 30n));
    expect(reason(unit.translate(SID, 0, "read"))).toBe(0xb);
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1 });
    unit.invalidateContextCache({ granularity: "global" });
    const leaf = chain(memory, 0x40000, 4, 0x5000n);
    memory.writeUint64(leaf, 0x7000n | R | 0x800n); // SNP without snoop control
    expect(reason(unit.translate(SID, 0x5000, "read"))).toBe(0xc);
    memory.writeUint64(leaf, (1n << 40n) | R); // address bit above HAW 39
    expect(reason(unit.translate(SID, 0x5000, "read"))).toBe(0xc);
    memory.writeUint64(0x40000, 0x41000n | R | W | PS); // PS in a PML4 entry
    expect(reason(unit.translate(SID, 0x5000, "read"))).toBe(0xc);
  });

  it("faults are recorded with source-id, reason and address, except under FPD; overflow sets PFO", () => {
    const { memory, unit } = setup({ faultRecordingRegisters: 2 });
    unit.translate(0x0400, 0x1234, "write");
    expect(unit.faultRecords).toEqual([
      { sourceId: 0x0400, reason: 1, type: "dma-write", address: 0x1234 },
    ]);
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 1, fpd: true });
    expect(reason(unit.translate(SID, 0x5000, "read"))).toBe(6);
    expect(unit.faultRecords.length).toBe(1);
    unit.translate(0x0400, 0, "read");
    unit.translate(0x0400, 0, "read");
    expect(unit.faultRecords.length).toBe(2);
    expect(unit.faultOverflow).toBe(true);
    expect(unit.clearFaults().length).toBe(2);
    expect(unit.faultOverflow).toBe(false);
  });
});

describe("IOTLB and context cache keep stale entries until invalidated", () => {
  function mapped() {
    const s = setup();
    context(s.memory, SID, { slpt: 0x40000, aw: 2, did: 9 });
    const leaf = chain(s.memory, 0x40000, 4, 0x5000n);
    s.memory.writeUint64(leaf, 0x7000n | R | W);
    expect(s.unit.translate(SID, 0x5010, "read")).toMatchObject({ hostAddress: 0x7010 });
    return { ...s, leaf };
  }

  it("page-selective invalidation (with address mask) drops exactly the covered pages", () => {
    const { memory, unit, leaf } = mapped();
    memory.writeUint64(leaf, 0n);
    expect(unit.translate(SID, 0x5010, "read")).toMatchObject({ ok: true, hostAddress: 0x7010 });
    unit.invalidateIotlb({ granularity: "page", domainId: 8, address: 0x5000 }); // other domain
    expect(unit.translate(SID, 0x5010, "read").ok).toBe(true);
    unit.invalidateIotlb({ granularity: "page", domainId: 9, address: 0x6000 }); // other page
    expect(unit.translate(SID, 0x5010, "read").ok).toBe(true);
    unit.invalidateIotlb({ granularity: "page", domainId: 9, address: 0x4000, addressMask: 1 }); // 0x4000-0x5fff
    expect(unit.translate(SID, 0x5010, "read")).toMatchObject({ ok: false, fault: { reason: 6 } });
    expect(() =>
      unit.invalidateIotlb({ granularity: "page", domainId: 9, address: 0x5000, addressMask: 1 }),
    ).toThrowError(/aligned/);
  });

  it("domain-selective and global invalidation", () => {
    const a = mapped();
    a.memory.writeUint64(a.leaf, 0x8000n | R | W);
    expect(a.unit.translate(SID, 0x5000, "read")).toMatchObject({ hostAddress: 0x7000 });
    a.unit.invalidateIotlb({ granularity: "domain", domainId: 9 });
    expect(a.unit.translate(SID, 0x5000, "read")).toMatchObject({ hostAddress: 0x8000 });
    const b = mapped();
    b.memory.writeUint64(b.leaf, 0x8000n | R | W);
    b.unit.invalidateIotlb({ granularity: "global" });
    expect(b.unit.translate(SID, 0x5000, "read")).toMatchObject({ hostAddress: 0x8000 });
    expect(b.unit.translateAddress(SID, 0x5004, true)).toBe(0x8004);
  });

  it("a changed context entry is used only after context-cache invalidation (device FM, domain, global)", () => {
    const { memory, unit } = mapped();
    // Move 03:02.0 to a domain with no mappings: stale context keeps the old domain.
    context(memory, SID, { slpt: 0x60000, aw: 2, did: 10 });
    expect(unit.translate(SID, 0x5000, "read").ok).toBe(true);
    unit.invalidateContextCache({ granularity: "device", sourceId: SID | 4, functionMask: 0 }); // 03:02.4 only
    expect(unit.isContextCached(SID)).toBe(true);
    unit.invalidateContextCache({ granularity: "device", sourceId: SID | 4, functionMask: 1 }); // ignores bit 2
    expect(unit.isContextCached(SID)).toBe(false);
    expect(unit.translate(SID, 0x5000, "read")).toMatchObject({ ok: false, fault: { reason: 6 } });
    context(memory, SID, { slpt: 0x40000, aw: 2, did: 9 });
    unit.invalidateContextCache({ granularity: "domain", domainId: 9 });
    expect(unit.isContextCached(SID)).toBe(true); // cached with domain 10
    unit.invalidateContextCache({ granularity: "domain", domainId: 10 });
    expect(unit.translate(SID, 0x5000, "read")).toMatchObject({ ok: true, domainId: 9 });
    unit.invalidateContextCache({ granularity: "global" });
    expect(unit.isContextCached(SID)).toBe(false);
  });

  it("translateAddress agrees with translate and encodes faults as -reason", () => {
    const { unit } = mapped();
    expect(unit.translateAddress(SID, 0x5abc, false)).toBe(0x7abc);
    expect(unit.translateAddress(SID, 0x9000, true)).toBe(-5);
    expect(unit.translateAddress(0x0400, 0, false)).toBe(-1);
  });
});

describe("interrupt remapping (VT-d §5.1, IRTE §9.10)", () => {
  const IRTA = 0x80000;
  // IRTE written from the spec's bit positions: P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, IM 15,
  // V 23:16, DST 63:32; SID 79:64, SQ 81:80, SVT 83:82.
  function irte(
    memory: PhysicalMemory,
    index: number,
    o: {
      vector: number;
      dst: number;
      sid?: number;
      sq?: number;
      svt?: number;
      present?: boolean;
      fpd?: boolean;
      lo?: bigint;
      hi?: bigint;
    },
  ) {
    const lo =
      (o.present === false ? 0n : 1n) |
      (o.fpd ? 2n : 0n) |
      (BigInt(o.vector) << 16n) |
      (BigInt(o.dst) << 32n) |
      (o.lo ?? 0n);
    const hi =
      BigInt(o.sid ?? 0) | (BigInt(o.sq ?? 0) << 16n) | (BigInt(o.svt ?? 0) << 18n) | (o.hi ?? 0n);
    memory.writeUint64(IRTA + index * 16, lo);
    memory.writeUint64(IRTA + index * 16 + 8, hi);
  }
  function ir(eime = true) {
    const memory = new PhysicalMemory({ size: 2 ** 32 });
    const unit = new RemappingHardwareUnit(memory);
    unit.setInterruptRemapTable({ address: IRTA, sizeField: 3, extendedInterruptMode: eime }); // 16 entries
    unit.setInterruptRemapEnable(true);
    return { memory, unit };
  }
  // Remappable MSI address: 0xFEE in 31:20, handle[14:0] in 19:5, format bit 4, SHV bit 3,
  // handle[15] in bit 2.
  const msiAddress = (handle: number, shv = false) =>
    0xfee0_0000 + ((handle & 0x7fff) << 5) + 0x10 + (shv ? 8 : 0) + ((handle >> 15) << 2);
  const reasonOf = (r: ReturnType<RemappingHardwareUnit["remapInterrupt"]>) =>
    r.ok ? 0 : r.reason;

  it("remaps to the IRTE's vector and destination (x2APIC and xAPIC destination formats)", () => {
    const { memory, unit } = ir();
    irte(memory, 5, { vector: 0x41, dst: 0x0000_0203, lo: (1n << 3n) | (1n << 4n) | (1n << 5n) });
    const r = unit.remapInterrupt(0x0310, { address: msiAddress(5), data: 0 });
    expect(r).toEqual({
      ok: true,
      interrupt: {
        vector: 0x41,
        destinationId: 0x203,
        destinationModeLogical: false,
        redirectionHint: true,
        deliveryMode: 1,
        triggerModeLevel: true,
        remapped: true,
        index: 5,
      },
    });
    const x = ir(false);
    irte(x.memory, 2, { vector: 0x30, dst: 0x0000_0700 }); // xAPIC id 7 in DST bits 15:8
    expect(x.unit.remapInterrupt(0x0310, { address: msiAddress(2), data: 0 })).toMatchObject({
      ok: true,
      interrupt: { destinationId: 7, vector: 0x30 },
    });
    irte(x.memory, 3, { vector: 0x30, dst: 0x0001_0700 }); // bit 48 reserved in xAPIC mode
    expect(reasonOf(x.unit.remapInterrupt(0x0310, { address: msiAddress(3), data: 0 }))).toBe(0x24);
  });

  it("adds the subhandle when SHV is set; reserved data bits fault 0x20", () => {
    const { memory, unit } = ir();
    irte(memory, 9, { vector: 0x99, dst: 1 });
    expect(unit.remapInterrupt(0x0310, { address: msiAddress(6, true), data: 3 })).toMatchObject({
      ok: true,
      interrupt: { index: 9, vector: 0x99 },
    });
    expect(
      reasonOf(unit.remapInterrupt(0x0310, { address: msiAddress(6, true), data: 0x1_0003 })),
    ).toBe(0x20);
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: 0xfed0_0010, data: 0 }))).toBe(0x20);
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: 0x1_fee0_0010n, data: 0 }))).toBe(0x20);
  });

  it("faults 0x21 beyond the table, 0x22 not present, 0x23 table beyond memory, 0x24 reserved", () => {
    const { memory, unit } = ir();
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: msiAddress(16), data: 0 }))).toBe(0x21);
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: msiAddress(0x8000), data: 0 }))).toBe(
      0x21,
    );
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: msiAddress(4), data: 0 }))).toBe(0x22);
    irte(memory, 4, { vector: 1, dst: 1, lo: 1n << 15n }); // IM = 1 (posted) is reserved here
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: msiAddress(4), data: 0 }))).toBe(0x24);
    irte(memory, 4, { vector: 1, dst: 1, hi: 1n << 20n });
    expect(reasonOf(unit.remapInterrupt(0x0310, { address: msiAddress(4), data: 0 }))).toBe(0x24);
    const small = new RemappingHardwareUnit(new PhysicalMemory({ size: 0x10000 }));
    small.setInterruptRemapTable({ address: 0xf000, sizeField: 15, extendedInterruptMode: true });
    small.setInterruptRemapEnable(true);
    expect(reasonOf(small.remapInterrupt(0, { address: msiAddress(0x1000), data: 0 }))).toBe(0x23);
  });

  it("compatibility-format interrupts fault 0x25 unless CFI; pass unchanged when IR is off", () => {
    const { unit } = ir();
    const compat = { address: 0xfee0_3000 + 4, data: 0x8000 | (5 << 8) | 0x31 };
    expect(reasonOf(unit.remapInterrupt(0x0310, compat))).toBe(0x25);
    unit.setCompatibilityFormatInterrupts(true);
    expect(unit.remapInterrupt(0x0310, compat)).toEqual({
      ok: true,
      interrupt: {
        vector: 0x31,
        destinationId: 3,
        destinationModeLogical: true,
        redirectionHint: false,
        deliveryMode: 5,
        triggerModeLevel: true,
        remapped: false,
        index: -1,
      },
    });
  });

  it("validates the source-id: SVT 1 with SQ masks, SVT 2 bus range, SVT 3 reserved (0x26)", () => {
    const { memory, unit } = ir();
    const sid = (3 << 8) | (2 << 3) | 5; // 03:02.5
    const cases: [number, number, number, boolean][] = [
      // [svt, sq, requester, allowed]
      [1, 0, sid, true],
      [1, 0, sid ^ 1, false],
      [1, 1, sid ^ 4, true], // ignore function bit 2
      [1, 1, sid ^ 2, false],
      [1, 2, sid ^ 6, true], // ignore bits 2:1
      [1, 2, sid ^ 1, false],
      [1, 3, sid ^ 7, true], // ignore bits 2:0
      [1, 3, sid ^ 8, false], // device differs
      [0, 0, 0xffff, true],
    ];
    for (const [svt, sq, requester, allowed] of cases) {
      irte(memory, 1, { vector: 0x50, dst: 1, sid, sq, svt });
      unit.invalidateInterruptEntryCache({ granularity: "global" });
      expect([
        svt,
        sq,
        requester,
        reasonOf(unit.remapInterrupt(requester, { address: msiAddress(1), data: 0 })),
      ]).toEqual([svt, sq, requester, allowed ? 0 : 0x26]);
    }
    irte(memory, 2, { vector: 0x50, dst: 1, sid: 0x0502, svt: 2 }); // buses 2..5
    for (const [bus, ok] of [
      [1, false],
      [2, true],
      [5, true],
      [6, false],
    ] as const)
      expect(reasonOf(unit.remapInterrupt(bus << 8, { address: msiAddress(2), data: 0 }))).toBe(
        ok ? 0 : 0x26,
      );
    irte(memory, 3, { vector: 0x50, dst: 1, svt: 3 });
    expect(reasonOf(unit.remapInterrupt(0, { address: msiAddress(3), data: 0 }))).toBe(0x26);
  });

  it("the interrupt entry cache keeps a stale IRTE until invalidated; faults are recorded unless FPD", () => {
    const { memory, unit } = ir();
    irte(memory, 7, { vector: 0x60, dst: 1 });
    expect(unit.remapInterrupt(0, { address: msiAddress(7), data: 0 })).toMatchObject({
      interrupt: { vector: 0x60 },
    });
    irte(memory, 7, { vector: 0x61, dst: 1 });
    expect(unit.remapInterrupt(0, { address: msiAddress(7), data: 0 })).toMatchObject({
      interrupt: { vector: 0x60 },
    });
    unit.invalidateInterruptEntryCache({ granularity: "index", index: 6, indexMask: 1 });
    expect(unit.remapInterrupt(0, { address: msiAddress(7), data: 0 })).toMatchObject({
      interrupt: { vector: 0x61 },
    });
    unit.clearFaults();
    irte(memory, 8, { vector: 1, dst: 1, sid: 0x100, svt: 1, fpd: true });
    expect(reasonOf(unit.remapInterrupt(0x200, { address: msiAddress(8), data: 0 }))).toBe(0x26);
    expect(unit.faultRecords).toEqual([]);
    unit.remapInterrupt(0x200, { address: msiAddress(9), data: 0 });
    expect(unit.faultRecords).toEqual([
      { sourceId: 0x200, reason: 0x22, type: "interrupt", address: 9 },
    ]);
  });
});
