import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { crc32, crc32Portable } from "./codec";

/** CRC-32 bit by bit, straight from the definition (reflected polynomial 0xEDB88320). */
function reference(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test.prop([fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat()], { numRuns: 500 })(
  "crc32 (zlib's where the runtime has it) and crc32Portable (slicing-by-4) of any range equal the bitwise definition",
  (b, x, y) => {
    const from = b.length === 0 ? 0 : x % (b.length + 1);
    const to = from + (b.length - from === 0 ? 0 : y % (b.length - from + 1));
    const want = reference(b.subarray(from, to));
    expect(crc32Portable(b, from, to)).toBe(want);
    expect(crc32(b, from, to)).toBe(want);
  },
);
