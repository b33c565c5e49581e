import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MemPartitionerError } from "./errors";
import { decodeJailhouseMemRegions, encodeJailhouseMemRegions } from "./jailhouse";

const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
test.prop([
  fc.array(fc.record({ physStart: u53, virtStart: u53, size: u53, flags: u53 }), { maxLength: 8 }),
])("decode ∘ encode is the identity on memory regions", (regions) => {
  expect(decodeJailhouseMemRegions(encodeJailhouseMemRegions(regions))).toEqual(regions);
});

test.prop([fc.uint8Array({ maxLength: 200 })])(
  "arbitrary bytes decode or throw MemPartitionerError",
  (bytes) => {
    try {
      const r = decodeJailhouseMemRegions(bytes);
      expect(r.length * 32).toBe(bytes.length);
    } catch (e) {
      expect(MemPartitionerError.isInstance(e)).toBe(true);
    }
  },
);
