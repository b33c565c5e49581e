import { describe, expect, it } from "vitest";
import { IommuModelError } from "./errors";
import { PhysicalMemory } from "./physical-memory";
import { RemappingHardwareUnit } from "./remapping-hardware";
import { VtdDriver } from "./vtd-driver";
import { decodeContextEntry, decodeRootEntry, sourceIdOf } from "./vtd-entries";

const POOL = { base: 0x1000_0000, size: 0x40_0000 };

function host(options: ConstructorParameters<typeof RemappingHardwareUnit>[1] = {}) {
  const memory = new PhysicalMemory({ size: 2 ** 36 });
  const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39, ...options });
  const driver = new VtdDriver(unit, { tablePool: POOL });
  return { memory, unit, driver };
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (IommuModelError.isInstance(e)) return e.code;
    throw e;
  }
  return "none";
};

describe("VtdDriver", () => {
  it("builds root/context entries the hardware reads, and enables translation", () => {
    const { memory, unit, driver } = host();
    const d = driver.createDomain({ domainId: 3, addressWidth: 1 });
    const vf = sourceIdOf(0x3b, 0x10, 1);
    driver.attachDevice(vf, 3);
    expect(unit.translationEnabled).toBe(true);
    const root = decodeRootEntry(memory.read(driver.rootTable + 0x3b * 16, 16));
    expect(root.present).toBe(true);
    const ce = decodeContextEntry(memory.read(root.contextTablePointer + (vf & 0xff) * 16, 16));
    expect(ce).toEqual({
      present: true,
      faultProcessingDisable: false,
      translationType: 0,
      secondLevelPageTablePointer: d.pageTable,
      addressWidth: 1,
      domainId: 3,
    });
    expect(driver.attachment(vf)).toBe(3);
  });

  it("maps with 4 KiB, 2 MiB and 1 GiB pages and translates every page of the range", () => {
    const { unit, driver } = host();
    driver.createDomain({ domainId: 1 });
    const iova = 0x4000_0000 - 0x20_0000 - 0x3000; // 4K pages, then a 2M page, then a 1G page
    const hpa = 0x8000_0000 - 0x20_0000 - 0x3000;
    const length = 0x3000 + 0x20_0000 + 0x4000_0000 + 0x1000;
    driver.map(1, iova, hpa, length, { read: true, write: false });
    driver.attachDevice(0x0100, 1);
    const sizes = new Set<number>();
    for (let off = 0; off < length; off += 0x1000 * 97) {
      const r = unit.translate(0x0100, iova + off + 5, "read");
      expect(r).toMatchObject({ ok: true, hostAddress: hpa + off + 5 });
      if (r.ok) sizes.add(r.pageSize);
      expect(unit.translate(0x0100, iova + off, "write")).toMatchObject({
        ok: false,
        fault: { reason: 5 },
      });
    }
    expect([...sizes].sort((a, b) => a - b)).toEqual([0x1000, 0x20_0000, 0x4000_0000]);
  });

  it("partial unmap splits superpages; with flush the device loses exactly the unmapped pages", () => {
    const { unit, driver } = host();
    driver.createDomain({ domainId: 1 });
    driver.map(1, 0x20_0000, 0x4000_0000, 0x20_0000);
    driver.attachDevice(0x0100, 1);
    expect(unit.translate(0x0100, 0x20_5000, "write")).toMatchObject({
      ok: true,
      pageSize: 0x20_0000,
    });
    driver.unmap(1, 0x20_5000, 0x2000);
    expect(unit.translate(0x0100, 0x20_5000, "write")).toMatchObject({
      ok: false,
      fault: { reason: 5 },
    });
    expect(unit.translate(0x0100, 0x20_6fff, "read")).toMatchObject({
      ok: false,
      fault: { reason: 6 },
    });
    expect(unit.translate(0x0100, 0x20_4fff, "read")).toMatchObject({
      ok: true,
      hostAddress: 0x4000_4fff,
      pageSize: 0x1000,
    });
    expect(unit.translate(0x0100, 0x20_7000, "read")).toMatchObject({
      ok: true,
      hostAddress: 0x4000_7000,
    });
    expect(driver.mappings(1).map((m) => [m.iova, m.length])).toEqual([
      [0x20_0000, 0x5000],
      [0x20_7000, 0x20_0000 - 0x7000],
    ]);
  });

  it("without flush a stale translation survives until the driver or software invalidates", () => {
    const { unit, driver } = host();
    driver.createDomain({ domainId: 1 });
    driver.map(1, 0, 0x4000_0000, 0x1000);
    driver.attachDevice(0x0100, 1);
    expect(unit.translate(0x0100, 0, "read").ok).toBe(true);
    driver.unmap(1, 0, 0x1000, { flush: false });
    expect(unit.translate(0x0100, 0, "read").ok).toBe(true);
    driver.flushRange(1, 0, 0x1000);
    expect(unit.translate(0x0100, 0, "read").ok).toBe(false);
  });

  it("moving a device between domains takes effect at once (context + IOTLB invalidation)", () => {
    const { unit, driver } = host();
    driver.createDomain({ domainId: 1 });
    driver.createDomain({ domainId: 2 });
    driver.map(1, 0, 0x4000_0000, 0x1000);
    driver.map(2, 0, 0x5000_0000, 0x1000);
    driver.attachDevice(0x0100, 1);
    expect(unit.translate(0x0100, 0, "read")).toMatchObject({ hostAddress: 0x4000_0000 });
    driver.attachDevice(0x0100, 2);
    expect(unit.translate(0x0100, 0, "read")).toMatchObject({
      hostAddress: 0x5000_0000,
      domainId: 2,
    });
    driver.attachDevice(0x0100, "pass-through");
    expect(unit.translate(0x0100, 0x1234, "read")).toMatchObject({
      hostAddress: 0x1234,
      domainId: -1,
    });
    driver.detachDevice(0x0100);
    expect(unit.translate(0x0100, 0, "read")).toMatchObject({ ok: false, fault: { reason: 2 } });
  });

  it("refuses foreign host pages, the table pool, overlapping IOVAs and bad ranges", () => {
    const { driver } = host();
    driver.createDomain({ domainId: 1 });
    driver.createDomain({ domainId: 2 });
    driver.map(1, 0, 0x4000_0000, 0x2000);
    expect(code(() => driver.map(2, 0, 0x4000_1000, 0x1000))).toBe("HOST_PAGE_OWNED");
    expect(code(() => driver.map(2, 0, POOL.base + 0x1000, 0x1000))).toBe("HOST_RANGE_RESERVED");
    expect(code(() => driver.map(1, 0x1000, 0x6000_0000, 0x1000))).toBe("IOVA_MAPPED");
    expect(code(() => driver.map(1, 2 ** 48, 0x6000_0000, 0x1000))).toBe("MAP_RANGE");
    expect(code(() => driver.map(1, 0x10_0000, 2 ** 36, 0x1000))).toBe("MAP_RANGE");
    expect(code(() => driver.map(1, 0x10_0800, 0x6000_0000, 0x1000))).toBe("MAP_ALIGN");
    expect(code(() => driver.map(9, 0, 0x6000_0000, 0x1000))).toBe("NO_DOMAIN");
    expect(code(() => driver.map(1, 0xfe00_0000, 0x6000_0000, 0x100_0000))).toBe("IOVA_RESERVED");
    expect(code(() => driver.map(1, 0xfeef_f000, 0x6000_0000, 0x1000))).toBe("IOVA_RESERVED");
    expect(code(() => driver.map(1, 0xfef0_0000, 0x6000_0000, 0x1000))).toBe("none");
    expect(code(() => driver.createDomain({ domainId: 1 }))).toBe("DOMAIN_EXISTS");
    // Explicit sharing on both sides is allowed.
    driver.map(1, 0x10_0000, 0x7000_0000, 0x1000, { shared: true });
    expect(code(() => driver.map(2, 0x10_0000, 0x7000_0000, 0x1000))).toBe("HOST_PAGE_OWNED");
    expect(code(() => driver.map(2, 0x10_0000, 0x7000_0000, 0x1000, { shared: true }))).toBe(
      "none",
    );
  });

  it("programs IRTEs and invalidates the interrupt entry cache", () => {
    const { unit, driver } = host();
    const vf = sourceIdOf(0x3b, 0x10, 1);
    const entry = {
      present: true,
      faultProcessingDisable: false,
      destinationModeLogical: false,
      redirectionHint: false,
      triggerModeLevel: false,
      deliveryMode: 0,
      available: 0,
      irteMode: 0,
      vector: 0x41,
      destinationId: 6,
      sourceId: vf,
      sourceIdQualifier: 0,
      sourceValidationType: 1,
    };
    driver.setIrte(12, entry);
    const msi = { address: 0xfee0_0000 + (12 << 5) + 0x10, data: 0 };
    expect(unit.remapInterrupt(vf, msi)).toMatchObject({
      ok: true,
      interrupt: { vector: 0x41, destinationId: 6 },
    });
    expect(unit.remapInterrupt(vf + 1, msi)).toMatchObject({ ok: false, reason: 0x26 });
    driver.setIrte(12, { ...entry, vector: 0x42 });
    expect(unit.remapInterrupt(vf, msi)).toMatchObject({ ok: true, interrupt: { vector: 0x42 } });
    driver.clearIrte(12);
    expect(unit.remapInterrupt(vf, msi)).toMatchObject({ ok: false, reason: 0x22 });
    expect(code(() => driver.setIrte(256, entry))).toBe("IRTE_INDEX");
  });
});

describe("VtdDriver when the table pool runs out", () => {
  it("throws TABLE_POOL_EXHAUSTED and leaves no partial mapping", () => {
    const memory = new PhysicalMemory({ size: 2 ** 36 });
    const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
    // Root table, IRT, the domain's PML4, a context table, then PDPT, PD and one PT.
    const driver = new VtdDriver(unit, {
      tablePool: { base: 0x1000_0000, size: 7 * 4096 },
      interruptRemapEntries: 256,
    });
    driver.createDomain({ domainId: 1 });
    driver.attachDevice(0x0100, 1); // uses the context-table frame
    expect(driver.freeTableFrames).toBe(3);
    // 512 pages fit in the one PT; page 513 needs a second PT: the pool runs dry midway.
    expect(code(() => driver.map(1, 0, 0x4000_0000, 513 * 4096, { largePages: false }))).toBe(
      "TABLE_POOL_EXHAUSTED",
    );
    expect(driver.mappings(1)).toEqual([]);
    for (const page of [0, 1, 255, 511])
      expect(unit.translate(0x0100, page * 4096, "read").ok).toBe(false);
    driver.map(1, 0, 0x4000_0000, 512 * 4096, { largePages: false }); // what fits still maps
    expect(unit.translate(0x0100, 511 * 4096, "read")).toMatchObject({
      ok: true,
      hostAddress: 0x4000_0000 + 511 * 4096,
    });
  });
});
