import fc from "fast-check";
import type { DeviceScope, DmarStructure, DmarTable } from "./dmar";
import type { IommuModelErrorWhere } from "./errors";
import type { ContextEntry, InterruptRemapEntry } from "./vtd-entries";

/**
 * Arbitrary error locations, for property tests of code that reports `@dyninfra/iommu-model` errors.
 *
 * @example
 * ```ts
 * fc.sample(arbitraryIommuModelErrorWhere(), 1);
 * ```
 */
export function arbitraryIommuModelErrorWhere(): fc.Arbitrary<IommuModelErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

const u8 = () => fc.integer({ min: 0, max: 0xff });
const u16 = () => fc.integer({ min: 0, max: 0xffff });
const u32 = () => fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = () => fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const latin1 = (n: number) =>
  fc
    .array(fc.integer({ min: 0, max: 0xff }), { minLength: n, maxLength: n })
    .map((a) => String.fromCharCode(...a));

/**
 * Arbitrary DMAR device scope (any type byte, 0–4 path hops).
 *
 * @example
 * ```ts
 * fc.sample(arbitraryDeviceScope(), 1);
 * ```
 */
export function arbitraryDeviceScope(): fc.Arbitrary<DeviceScope> {
  return fc.record({
    type: u8(),
    flags: u8(),
    reserved: u8(),
    enumerationId: u8(),
    startBusNumber: u8(),
    path: fc.array(fc.record({ device: u8(), function: u8() }), { maxLength: 4 }),
  });
}

/**
 * Arbitrary DMAR remapping structure of every kind, unknown types included.
 *
 * @example
 * ```ts
 * fc.sample(arbitraryDmarStructure(), 1);
 * ```
 */
export function arbitraryDmarStructure(): fc.Arbitrary<DmarStructure> {
  const scopes = fc.array(arbitraryDeviceScope(), { maxLength: 4 });
  return fc.oneof(
    fc.record({
      kind: fc.constant("DRHD" as const),
      flags: u8(),
      size: u8(),
      segment: u16(),
      registerBaseAddress: u64(),
      deviceScopes: scopes,
    }),
    fc.record({
      kind: fc.constant("RMRR" as const),
      reserved: u16(),
      segment: u16(),
      baseAddress: u64(),
      limitAddress: u64(),
      deviceScopes: scopes,
    }),
    fc.record({
      kind: fc.constant("ATSR" as const),
      flags: u8(),
      reserved: u8(),
      segment: u16(),
      deviceScopes: scopes,
    }),
    fc.record({
      kind: fc.constant("SATC" as const),
      flags: u8(),
      reserved: u8(),
      segment: u16(),
      deviceScopes: scopes,
    }),
    fc.record({
      kind: fc.constant("SIDP" as const),
      reserved: u16(),
      segment: u16(),
      deviceScopes: scopes,
    }),
    fc.record({
      kind: fc.constant("RHSA" as const),
      reserved: u32(),
      registerBaseAddress: u64(),
      proximityDomain: u32(),
      trailing: fc.uint8Array({ maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant("ANDD" as const),
      reserved: fc.integer({ min: 0, max: 0xff_ffff }),
      acpiDeviceNumber: u8(),
      acpiObjectName: fc
        .array(fc.integer({ min: 1, max: 0xff }), { maxLength: 20 })
        .map((a) => String.fromCharCode(...a)),
      trailing: fc.oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ maxLength: 3 }).map((t) => Uint8Array.from([0, ...t])),
      ),
    }),
    fc.record({
      kind: fc.constant("unknown" as const),
      type: fc.integer({ min: 7, max: 0xffff }),
      body: fc.uint8Array({ maxLength: 24 }),
    }),
  );
}

/**
 * Arbitrary DMAR table whose encoding fits the 16-bit structure lengths; its `checksum` is 0
 * (encode recomputes it).
 *
 * @example
 * ```ts
 * fc.sample(arbitraryDmarTable(), 1);
 * ```
 */
export function arbitraryDmarTable(): fc.Arbitrary<DmarTable> {
  return fc.record({
    signature: fc.constant("DMAR"),
    revision: u8(),
    checksum: fc.constant(0),
    oemId: latin1(6),
    oemTableId: latin1(8),
    oemRevision: u32(),
    aslCompilerId: latin1(4),
    aslCompilerRevision: u32(),
    hostAddressWidth: u8(),
    flags: u8(),
    reserved: fc.uint8Array({ minLength: 10, maxLength: 10 }),
    structures: fc.array(arbitraryDmarStructure(), { maxLength: 8 }),
  });
}

/**
 * Arbitrary legacy-mode context entry (valid field ranges).
 *
 * @example
 * ```ts
 * fc.sample(arbitraryContextEntry(), 1);
 * ```
 */
export function arbitraryContextEntry(): fc.Arbitrary<ContextEntry> {
  return fc.record({
    present: fc.boolean(),
    faultProcessingDisable: fc.boolean(),
    translationType: fc.integer({ min: 0, max: 3 }),
    secondLevelPageTablePointer: fc.integer({ min: 0, max: 2 ** 40 - 1 }).map((p) => p * 4096),
    addressWidth: fc.integer({ min: 0, max: 7 }),
    domainId: u16(),
  });
}

/**
 * Arbitrary interrupt remapping table entry (remapped format, valid field ranges).
 *
 * @example
 * ```ts
 * fc.sample(arbitraryInterruptRemapEntry(), 1);
 * ```
 */
export function arbitraryInterruptRemapEntry(): fc.Arbitrary<InterruptRemapEntry> {
  return fc.record({
    present: fc.boolean(),
    faultProcessingDisable: fc.boolean(),
    destinationModeLogical: fc.boolean(),
    redirectionHint: fc.boolean(),
    triggerModeLevel: fc.boolean(),
    deliveryMode: fc.integer({ min: 0, max: 7 }),
    available: fc.integer({ min: 0, max: 15 }),
    irteMode: fc.integer({ min: 0, max: 1 }),
    vector: u8(),
    destinationId: u32(),
    sourceId: u16(),
    sourceIdQualifier: fc.integer({ min: 0, max: 3 }),
    sourceValidationType: fc.integer({ min: 0, max: 3 }),
  });
}
