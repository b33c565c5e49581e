import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { IommuModelError } from "./errors";
import {
  decodeInvalidationDescriptor,
  encodeInvalidationDescriptor,
  type InvalidationDescriptor,
} from "./invalidation-queue";

const descriptor: fc.Arbitrary<InvalidationDescriptor> = fc.oneof(
  fc.record({
    type: fc.constant("context-cache" as const),
    granularity: fc.constantFrom("global" as const, "domain" as const, "device" as const),
    domainId: fc.integer({ min: 0, max: 0xffff }),
    sourceId: fc.integer({ min: 0, max: 0xffff }),
    functionMask: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    type: fc.constant("iotlb" as const),
    granularity: fc.constantFrom("global" as const, "domain" as const, "page" as const),
    domainId: fc.integer({ min: 0, max: 0xffff }),
    drainReads: fc.boolean(),
    drainWrites: fc.boolean(),
    address: fc.oneof(
      fc.integer({ min: 0, max: 2 ** 41 - 1 }).map((p) => p * 4096),
      fc.bigInt({ min: 2n ** 41n, max: 2n ** 52n - 1n }).map((p) => p * 4096n),
    ),
    addressMask: fc.integer({ min: 0, max: 63 }),
    invalidationHint: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("interrupt-entry-cache" as const),
    granularity: fc.constantFrom("global" as const, "index" as const),
    index: fc.integer({ min: 0, max: 0xffff }),
    indexMask: fc.integer({ min: 0, max: 31 }),
  }),
  fc.record({
    type: fc.constant("wait" as const),
    interruptFlag: fc.boolean(),
    statusWrite: fc.boolean(),
    fence: fc.boolean(),
    statusData: fc.integer({ min: 0, max: 0xffff_ffff }),
    statusAddress: fc.integer({ min: 0, max: 2 ** 50 - 1 }).map((a) => a * 4),
  }),
);

test.prop([descriptor])("invalidation descriptors round-trip", (d) => {
  expect(decodeInvalidationDescriptor(encodeInvalidationDescriptor(d))).toEqual(d);
});

const iotlbLike = fc
  .tuple(
    fc.integer({ min: 0, max: 0xff }),
    fc.integer({ min: 0, max: 0xffff }),
    fc.integer({ min: 0, max: 0xffff_ffff }),
    fc.integer({ min: 0, max: 0xffff_ffff }),
  )
  .map(([g, did, w2, w3]) => {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, 2 | (g & 0xf0) | (did << 16), true);
    v.setUint32(8, w2, true);
    v.setUint32(12, w3, true);
    return b;
  });

test.prop([fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), iotlbLike)])(
  "any 16 bytes decode to a descriptor that re-encodes to them, or throw IQE",
  (bytes) => {
    try {
      const d = decodeInvalidationDescriptor(bytes);
      expect(Array.from(encodeInvalidationDescriptor(d))).toEqual(Array.from(bytes));
    } catch (e) {
      if (!IommuModelError.isInstance(e)) throw e;
      expect(e.code).toBe("IQE");
    }
  },
);
