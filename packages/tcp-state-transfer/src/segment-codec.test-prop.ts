import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { TcpStateTransferError } from "./errors";
import type { TcpSegment } from "./segment";
import { decodeTcpSegment, encodeTcpSegment, tcpChecksum } from "./segment-codec";

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const segment: fc.Arbitrary<TcpSegment> = fc
  .record(
    {
      srcPort: fc.integer({ min: 0, max: 0xffff }),
      dstPort: fc.integer({ min: 0, max: 0xffff }),
      seq: u32,
      ack: u32,
      flags: fc.integer({ min: 0, max: 0xff }),
      window: fc.integer({ min: 0, max: 0xffff }),
      payload: fc.uint8Array({ maxLength: 100 }),
      mss: fc.integer({ min: 0, max: 0xffff }),
      wscale: fc.integer({ min: 0, max: 14 }),
      sackPermitted: fc.constant(true),
      sack: fc.array(fc.record({ left: u32, right: u32 }), { minLength: 1, maxLength: 3 }),
      tsval: u32,
      tsecr: u32,
    },
    { requiredKeys: ["srcPort", "dstPort", "seq", "ack", "flags", "window", "payload"] },
  )
  .filter((s) => {
    // Keep within the 40 bytes of option space.
    const len =
      (s.mss !== undefined ? 4 : 0) +
      (s.sackPermitted ? (s.tsval !== undefined ? 2 : 4) : 0) +
      (s.tsval !== undefined ? (s.sackPermitted ? 10 : 12) : 0) +
      (s.wscale !== undefined ? 4 : 0) +
      (s.sack !== undefined ? 4 + 8 * s.sack.length : 0);
    return Math.ceil(len / 4) * 4 <= 40;
  });

test.prop([segment])("encode then decode gives the segment back", (s) => {
  const d = decodeTcpSegment(encodeTcpSegment(s)).segment;
  const { payload, tsecr, ...rest } = s;
  expect(d).toMatchObject({ ...rest, ...(s.tsval !== undefined ? { tsecr: tsecr ?? 0 } : {}) });
  expect(Buffer.from(d.payload).equals(Buffer.from(payload))).toBe(true);
});

test.prop([segment, fc.boolean()])("a computed checksum verifies to zero", (s, v6) => {
  const [a, b] = v6 ? ["2001:db8::1", "2001:db8::2"] : ["192.0.2.1", "192.0.2.2"];
  expect(tcpChecksum(encodeTcpSegment(s, { srcAddr: a, dstAddr: b }), a, b)).toBe(0);
});

const decodeOrError = (b: Uint8Array): void => {
  try {
    decodeTcpSegment(b);
  } catch (e) {
    if (!TcpStateTransferError.isInstance(e)) throw e;
  }
};

test.prop([fc.uint8Array({ maxLength: 80 })])(
  "arbitrary bytes fail only with the package error",
  (b) => {
    decodeOrError(b);
  },
);

test.prop([segment, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 })])(
  "mutated segments decode or fail with the package error",
  (s, flips) => {
    const b = encodeTcpSegment(s).slice();
    for (const [i, v] of flips) b[i % b.length] = v;
    decodeOrError(b);
  },
);
