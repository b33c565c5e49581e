import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import {
  ipv4PrefixText,
  ipv4Text,
  ipv4TextShared,
  ipv6PrefixText,
  ipv6Text,
  parseIpv4,
} from "./ip";

/** The dotted-quad grammar written as a regular expression: the reference for parseIpv4. */
const DOTTED_QUAD =
  /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
const reference = (text: string): number[] | undefined => {
  const m = DOTTED_QUAD.exec(text);
  if (m === null) return undefined;
  const v = m.slice(1).map(Number);
  return v.every((x) => x <= 255) ? v : undefined;
};

// Strings near the grammar (digits, dots, signs, spaces, leading zeros, too many or few parts,
// values over 255) and the texts of every 4-byte address.
const nearQuad = fc.oneof(
  fc.stringMatching(/^[0-9.]{0,16}$/),
  fc
    .array(
      fc.oneof(
        fc.nat(300).map(String),
        fc.constantFrom("", "00", "01", "+1", " 1", "1 ", "0x1", "1e2", "٣"),
      ),
      {
        minLength: 1,
        maxLength: 6,
      },
    )
    .map((parts) => parts.join(".")),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => [...b].join(".")),
  fc.string(),
);
test.prop([nearQuad, fc.nat(4)], { numRuns: 5000 })(
  "parseIpv4 accepts exactly the dotted quads of octets ≤ 255 without leading zeros, writing their bytes",
  (text, off) => {
    const out = new Uint8Array(off + 4).fill(7);
    const ok = parseIpv4(text, out, off);
    const want = reference(text);
    expect(ok).toBe(want !== undefined);
    if (want !== undefined) expect([...out.subarray(off)]).toEqual(want);
  },
);

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

test.prop([fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(3), fc.nat(99)], {
  numRuns: 2000,
})("ipv4PrefixText is the dotted quad, a slash and the length, as one flat string", (b, o, len) => {
  const buf = new Uint8Array(o + 4);
  buf.set(b, o);
  const want = `${[...b].join(".")}/${len}`;
  const got = ipv4PrefixText(buf, o, len);
  expect(got).toBe(want);
  expect(got.length).toBe(want.length);
});

// Addresses with runs of zero words (the RFC 5952 cases: none, one, ties, at either end, all),
// IPv4-mapped ones, and any bytes.
const words16 = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.nat(0xffff)), {
  minLength: 8,
  maxLength: 8,
});
test.prop(
  [fc.oneof(words16, fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })), fc.nat(199)],
  {
    numRuns: 3000,
  },
)("ipv6PrefixText is ipv6Text, a slash and the length, as one flat string", (words, len) => {
  const buf = new Uint8Array(19);
  words.forEach((w, i) => {
    buf[3 + 2 * i] = w >> 8;
    buf[4 + 2 * i] = w & 255;
  });
  const want = `${ipv6Text(buf, 3)}/${len}`;
  expect(ipv6PrefixText(buf, 3, len)).toBe(want);
});
