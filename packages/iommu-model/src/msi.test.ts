import { describe, expect, it } from "vitest";
import { compatibilityMsi, interruptRemapEntry, remappableMsi } from "./msi";
import { PhysicalMemory } from "./physical-memory";
import { RemappingHardwareUnit } from "./remapping-hardware";
import { VtdDriver } from "./vtd-driver";
import { sourceIdOf } from "./vtd-entries";

describe("MSI helpers", () => {
  it("remappable format: handle bits 19:5 and 2, format bit 4, SHV bit 3 (VT-d §5.1.2.2)", () => {
    expect(remappableMsi(12)).toEqual({ address: 0xfee0_0000 + (12 << 5) + 0x10, data: 0 });
    expect(remappableMsi(0x8001, 2)).toEqual({
      address: 0xfee0_0000 + (1 << 5) + 0x10 + 0x8 + 0x4,
      data: 2,
    });
    expect(() => remappableMsi(0x10000)).toThrowError(/handle/);
  });

  it("compatibility format: destination 19:12, RH 3, DM 2; vector 7:0, delivery mode 10:8, level 15:14", () => {
    expect(compatibilityMsi({ destinationId: 3, vector: 0x31 })).toEqual({
      address: 0xfee0_3000,
      data: 0x31,
    });
    expect(
      compatibilityMsi({
        destinationId: 0xff,
        vector: 2,
        deliveryMode: 4,
        destinationModeLogical: true,
        triggerModeLevel: true,
      }),
    ).toEqual({
      address: 0xfee0_0000 + 0xff000 + 4,
      data: 2 | (4 << 8) | 0xc000,
    });
  });

  it("a VF's interrupts reach the VM's core only from the VF (end to end through the driver)", () => {
    const memory = new PhysicalMemory({ size: 2 ** 34 });
    const unit = new RemappingHardwareUnit(memory);
    const driver = new VtdDriver(unit, { tablePool: { base: 0x1000_0000, size: 0x10_0000 } });
    const vf = sourceIdOf(0x3b, 0x10, 1);
    driver.setIrte(40, interruptRemapEntry({ vector: 0x41, destinationId: 6, sourceId: vf }));
    driver.setIrte(41, interruptRemapEntry({ vector: 0x42, destinationId: 6, sourceId: vf }));
    expect(unit.remapInterrupt(vf, remappableMsi(40))).toMatchObject({
      ok: true,
      interrupt: { vector: 0x41, destinationId: 6 },
    });
    expect(unit.remapInterrupt(vf, remappableMsi(40, 1))).toMatchObject({
      ok: true,
      interrupt: { vector: 0x42, index: 41 },
    });
    expect(unit.remapInterrupt(sourceIdOf(0x3b, 0x10, 2), remappableMsi(40))).toMatchObject({
      ok: false,
      reason: 0x26,
    });
    // A VM that reprograms its VF with a compatibility-format MSI is blocked (CFI clear).
    expect(
      unit.remapInterrupt(vf, compatibilityMsi({ destinationId: 0, vector: 0x80 })),
    ).toMatchObject({ ok: false, reason: 0x25 });
  });
});
