import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ipv4Text } from "./ip";

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
