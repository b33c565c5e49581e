import { describe, expect, it } from "vitest";
import {
  agawBits,
  decodeContextEntry,
  decodeIrte,
  decodeRootEntry,
  decodeSecondLevelEntry,
  encodeContextEntry,
  encodeIrte,
  encodeRootEntry,
  encodeSecondLevelEntry,
  sourceIdOf,
} from "./vtd-entries";

// 128-bit little-endian value of 16 bytes, to compare with bit positions from the VT-d spec.
const value = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);

describe("VT-d entry formats", () => {
  it("root entry: P bit 0, CTP 63:12", () => {
    const b = encodeRootEntry({ present: true, contextTablePointer: 0x12_3456_7000 });
    expect(value(b)).toBe(0x12_3456_7000n | 1n);
    expect(decodeRootEntry(b)).toEqual({ present: true, contextTablePointer: 0x12_3456_7000 });
  });

  it("context entry: P 0, FPD 1, TT 3:2, SLPTPTR 63:12, AW 66:64, DID 87:72", () => {
    const e = {
      present: true,
      faultProcessingDisable: true,
      translationType: 2,
      secondLevelPageTablePointer: 0xf_fff0_0000,
      addressWidth: 3,
      domainId: 0xbeef,
    };
    const b = encodeContextEntry(e);
    expect(value(b)).toBe(1n | 2n | (2n << 2n) | 0xf_fff0_0000n | (3n << 64n) | (0xbeefn << 72n));
    expect(decodeContextEntry(b)).toEqual(e);
  });

  it("second-level entry: R 0, W 1, PS 7, SNP 11, address 51:12", () => {
    const e = {
      read: true,
      write: false,
      pageSize: true,
      snoop: false,
      address: (0xa_bcde_0000_0000 / 4096) * 4096,
    };
    const b = encodeSecondLevelEntry(e);
    expect(value(b)).toBe(BigInt(e.address) | 1n | 0x80n);
    expect(decodeSecondLevelEntry(b)).toEqual(e);
  });

  it("IRTE: P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, AVAIL 11:8, IM 15, V 23:16, DST 63:32, SID 79:64, SQ 81:80, SVT 83:82", () => {
    const e = {
      present: true,
      faultProcessingDisable: false,
      destinationModeLogical: true,
      redirectionHint: false,
      triggerModeLevel: true,
      deliveryMode: 4,
      available: 0xa,
      irteMode: 0,
      vector: 0xef,
      destinationId: 0x1234_5678,
      sourceId: 0x3b81,
      sourceIdQualifier: 2,
      sourceValidationType: 1,
    };
    const b = encodeIrte(e);
    const expected =
      1n |
      4n |
      0x10n |
      (4n << 5n) |
      (0xan << 8n) |
      (0xefn << 16n) |
      (0x1234_5678n << 32n) |
      (0x3b81n << 64n) |
      (2n << 80n) |
      (1n << 82n);
    expect(value(b)).toBe(expected);
    expect(decodeIrte(b)).toEqual(e);
  });

  it("source-id and AGAW helpers", () => {
    expect(sourceIdOf(0x3b, 0x10, 1)).toBe(0x3b81);
    expect([1, 2, 3].map(agawBits)).toEqual([39, 48, 57]);
    expect(() => sourceIdOf(0, 32, 0)).toThrowError(/device/);
    expect(() => encodeRootEntry({ present: true, contextTablePointer: 0x1001 })).toThrowError(
      /aligned/,
    );
  });
});
