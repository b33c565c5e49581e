import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ipv4Text, ipv4TextShared } from "./ip";

test.prop(
  [fc.uint8Array({ minLength: 4, maxLength: 12 }), fc.nat(8), fc.integer({ min: 0, max: 4 })],
  {
    numRuns: 2000,
  },
)("ipv4Text is the dotted quad of the bytes (zeros past n), as one flat string", (buf, o, n) => {
  const off = o % (buf.length - 3);
  const want = [0, 1, 2, 3].map((i) => (i < n ? buf[off + i]! : 0)).join(".");
  const got = ipv4Text(buf, off, n);
  expect(got).toBe(want);
  expect(got.length).toBe(want.length);
});

// Thousands of addresses against a 4,096-slot cache: slots are shared and overwritten, and a
// string handed back for a slot must still be that of the address asked for.
test.prop(
  [fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 6000 })],
  { numRuns: 20 },
)("ipv4TextShared is ipv4Text of the 4 bytes, also for addresses sharing a cache slot", (list) => {
  for (let round = 0; round < 2; round++)
    for (const b of list) {
      const copy = new Uint8Array(7);
      copy.set(b, 3);
      expect(ipv4TextShared(copy, 3)).toBe(ipv4Text(b, 0));
    }
});
