import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { formatIp, parseIp } from "./ip";

// Eight 16-bit words, zero often (so that runs of zeros, ties between runs and "::" at either end
// come up), as the 16 bytes formatIp reads.
const v6Bytes = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
    minLength: 8,
    maxLength: 8,
  })
  .map((ws) => new Uint8Array(ws.flatMap((w) => [w >> 8, w & 0xff])));

test.prop([v6Bytes])(
  "IPv6 text is RFC 5952 canonical: the same as the WHATWG URL serializer writes (an independent oracle)",
  (b) => {
    const full = Array.from({ length: 8 }, (_, i) =>
      ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16),
    );
    const canonical = new URL(`http://[${full.join(":")}]`).hostname.slice(1, -1);
    expect(formatIp(b)).toBe(canonical);
    expect(parseIp(formatIp(b), "addr")).toEqual(b);
  },
);
