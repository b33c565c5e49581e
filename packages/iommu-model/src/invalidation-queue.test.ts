import { describe, expect, it } from "vitest";
import {
  decodeInvalidationDescriptor,
  encodeInvalidationDescriptor,
  InvalidationQueue,
} from "./invalidation-queue";
import { PhysicalMemory } from "./physical-memory";
import { RemappingHardwareUnit } from "./remapping-hardware";
import { VtdDriver } from "./vtd-driver";

const value = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const bytesOf = (v: bigint) =>
  Uint8Array.from({ length: 16 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

describe("invalidation descriptor formats (VT-d §6.5.2)", () => {
  it("context-cache: type 1, G 5:4, DID 31:16, SID 47:32, FM 49:48", () => {
    const d = {
      type: "context-cache",
      granularity: "device",
      domainId: 0x1234,
      sourceId: 0x3b81,
      functionMask: 2,
    } as const;
    expect(value(encodeInvalidationDescriptor(d))).toBe(
      1n | (3n << 4n) | (0x1234n << 16n) | (0x3b81n << 32n) | (2n << 48n),
    );
    expect(decodeInvalidationDescriptor(encodeInvalidationDescriptor(d))).toEqual(d);
  });

  it("IOTLB: type 2, G 5:4, DW 6, DR 7, DID 31:16; ADDR 127:76, IH 70, AM 69:64", () => {
    const d = {
      type: "iotlb",
      granularity: "page",
      domainId: 7,
      drainReads: true,
      drainWrites: false,
      address: 0x12_3450_0000,
      addressMask: 9,
      invalidationHint: true,
    } as const;
    const hi = 0x12_3450_0000n | 9n | 0x40n;
    expect(value(encodeInvalidationDescriptor(d))).toBe(
      2n | (3n << 4n) | 0x80n | (7n << 16n) | (hi << 64n),
    );
    expect(decodeInvalidationDescriptor(encodeInvalidationDescriptor(d))).toEqual(d);
  });

  it("IEC: type 4, G 4, IM 31:27, IIDX 47:32; wait: type 5, IF 4, SW 5, FN 6, data 63:32, address 127:66", () => {
    const iec = {
      type: "interrupt-entry-cache",
      granularity: "index",
      index: 0x40,
      indexMask: 3,
    } as const;
    expect(value(encodeInvalidationDescriptor(iec))).toBe(
      4n | 0x10n | (3n << 27n) | (0x40n << 32n),
    );
    const wait = {
      type: "wait",
      interruptFlag: false,
      statusWrite: true,
      fence: true,
      statusData: 0xcafe,
      statusAddress: 0x9008,
    } as const;
    expect(value(encodeInvalidationDescriptor(wait))).toBe(
      5n | 0x20n | 0x40n | (0xcafen << 32n) | (0x9008n << 64n),
    );
    expect(decodeInvalidationDescriptor(encodeInvalidationDescriptor(wait))).toEqual(wait);
  });

  it("reserved bits, reserved granularities and unsupported types are Invalidation Queue Errors", () => {
    for (const v of [
      1n | (1n << 4n) | (1n << 6n), // CC bit 6
      1n | (1n << 4n) | (1n << 64n), // CC high qword
      1n, // CC granularity 0
      2n | (1n << 4n) | (1n << 8n), // IOTLB bit 8
      2n | (3n << 4n) | (1n << 71n), // IOTLB hi bit 7
      4n | (1n << 5n), // IEC bit 5
      5n | (1n << 7n), // wait bit 7
      5n | (1n << 64n), // wait address bit 0
      3n, // device-IOTLB (no ATS)
      0n,
      6n,
    ])
      expect(() => decodeInvalidationDescriptor(bytesOf(v))).toThrowError(
        /invalid invalidation descriptor/,
      );
  });
});

describe("InvalidationQueue", () => {
  function setup() {
    const memory = new PhysicalMemory({ size: 2 ** 34 });
    const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
    const driver = new VtdDriver(unit, { tablePool: { base: 0x1000_0000, size: 0x10_0000 } });
    driver.createDomain({ domainId: 3 });
    driver.map(3, 0, 0x4000_0000, 0x2000);
    driver.attachDevice(0x0100, 3);
    expect(unit.translate(0x0100, 0x1000, "read").ok).toBe(true);
    driver.unmap(3, 0x1000, 0x1000, { flush: false });
    const iq = new InvalidationQueue(unit, { address: 0x2000_0000, sizeField: 0 });
    return { memory, unit, iq };
  }
  const iotlbPage = (address: number) =>
    ({
      type: "iotlb",
      granularity: "page",
      domainId: 3,
      drainReads: true,
      drainWrites: true,
      address,
      addressMask: 0,
      invalidationHint: false,
    }) as const;

  it("executes descriptors in order and writes the wait status", () => {
    const { memory, unit, iq } = setup();
    expect(unit.translate(0x0100, 0x1000, "read").ok).toBe(true); // stale
    const r = iq.submit([
      iotlbPage(0x1000),
      {
        type: "wait",
        interruptFlag: false,
        statusWrite: true,
        fence: false,
        statusData: 0x600d,
        statusAddress: 0x3000_0000,
      },
    ]);
    expect(r).toEqual({ ok: true, processed: 2, head: 2 });
    expect(Array.from(memory.read(0x3000_0000, 4))).toEqual([0x0d, 0x60, 0, 0]);
    expect(unit.translate(0x0100, 0x1000, "read")).toMatchObject({
      ok: false,
      fault: { reason: 6 },
    });
    expect(unit.translate(0x0100, 0, "read").ok).toBe(true);
  });

  it("stops at an invalid descriptor with IQE and leaves the rest unexecuted; wraps around the ring", () => {
    const { memory, unit, iq } = setup();
    memory.write(iq.address, bytesOf(2n | (1n << 8n))); // reserved bit
    memory.write(iq.address + 16, encodeInvalidationDescriptor(iotlbPage(0x1000)));
    const r = iq.setTail(2);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.head).toBe(0);
      expect(r.processed).toBe(0);
      expect(r.error.code).toBe("IQE");
    }
    expect(unit.translate(0x0100, 0x1000, "read").ok).toBe(true); // still stale
    // Software fixes the descriptor; the hardware resumes at the head.
    memory.write(
      iq.address,
      encodeInvalidationDescriptor({
        type: "interrupt-entry-cache",
        granularity: "global",
        index: 0,
        indexMask: 0,
      }),
    );
    expect(iq.setTail(2)).toEqual({ ok: true, processed: 2, head: 2 });
    expect(unit.translate(0x0100, 0x1000, "read").ok).toBe(false);
    // Fill to the end of the 256-entry ring and wrap.
    for (let i = 2; i < 255; i++)
      memory.write(iq.address + i * 16, encodeInvalidationDescriptor(iotlbPage(0)));
    expect(iq.setTail(255)).toMatchObject({ ok: true, processed: 253 });
    expect(iq.submit([iotlbPage(0), iotlbPage(0)])).toEqual({ ok: true, processed: 2, head: 1 });
  });
});
