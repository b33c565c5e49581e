import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { formatPrefix, maskPrefix, parsePrefix } from "./prefix";
import type { RtrPdu, RtrVersion } from "./rtr";
import { decodeRtrPdu, encodeRtrPdu, RtrDecodeError, RtrStreamDecoder } from "./rtr";

const version = fc.constantFrom<RtrVersion>(0, 1);
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Canonical prefix text (host bits cleared) with a Max Length in length..32/128. */
const prefixAndMax: fc.Arbitrary<{ prefix: string; maxLength: number }> = fc
  .oneof(
    fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })),
    fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })),
  )
  .chain(([bytes, length]) => {
    const words = [...new Array(bytes.length / 2).keys()].map((i) =>
      ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16),
    );
    const text = bytes.length === 4 ? [...bytes].join(".") : words.join(":");
    const prefix = formatPrefix(maskPrefix(parsePrefix(`${text}/${length}`)));
    return fc
      .integer({ min: length, max: bytes.length * 8 })
      .map((maxLength) => ({ prefix, maxLength }));
  });

/** Any valid RTR PDU of either version (Router Key in version 1 only). */
const arbitraryRtrPdu: fc.Arbitrary<RtrPdu> = fc.oneof(
  fc.record({
    type: fc.constantFrom("serial-notify" as const, "serial-query" as const),
    version,
    sessionId: u16,
    serial: u32,
  }),
  fc.record({ type: fc.constantFrom("reset-query" as const, "cache-reset" as const), version }),
  fc.record({ type: fc.constant("cache-response" as const), version, sessionId: u16 }),
  fc
    .tuple(version, fc.boolean(), prefixAndMax, u32)
    .map(([v, announce, p, asn]): RtrPdu => ({ type: "prefix", version: v, announce, ...p, asn })),
  fc.record({
    type: fc.constant("end-of-data" as const),
    version: fc.constant(1 as const),
    sessionId: u16,
    serial: u32,
    refresh: u32,
    retry: u32,
    expire: u32,
  }),
  fc.record({
    type: fc.constant("end-of-data" as const),
    version: fc.constant(0 as const),
    sessionId: u16,
    serial: u32,
  }),
  fc.record({
    type: fc.constant("router-key" as const),
    version: fc.constant(1 as const),
    announce: fc.boolean(),
    ski: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    asn: u32,
    spki: fc.uint8Array({ maxLength: 120 }),
  }),
  fc.record({
    type: fc.constant("error-report" as const),
    version,
    errorCode: u16,
    pdu: fc.uint8Array({ maxLength: 48 }),
    text: fc.string({ unit: "binary", maxLength: 40 }),
  }),
);

/** The bytes of `parts`, one after the other (a plain Uint8Array, not a Buffer). */
const concat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Cuts `bytes` at the given points (taken modulo its length + 1, any order, repeats allowed). */
function cut(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...at, bytes.length]) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

describe("RTR PDUs", () => {
  test.prop([arbitraryRtrPdu], { numRuns: 1000 })(
    "decodeRtrPdu(encodeRtrPdu(p)) is p, and re-encoding gives the same octets",
    (pdu) => {
      const bytes = encodeRtrPdu(pdu);
      const r = decodeRtrPdu(bytes);
      expect(r).toEqual({ pdu, length: bytes.length });
      expect(encodeRtrPdu(r.pdu)).toEqual(bytes);
    },
  );

  test.prop([fc.array(arbitraryRtrPdu, { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 40 })], {
    numRuns: 300,
  })("a concatenation cut anywhere into chunks decodes to the same PDUs", (pdus, points) => {
    const stream = concat(pdus.map(encodeRtrPdu));
    const d = new RtrStreamDecoder();
    const got: RtrPdu[] = [];
    for (const chunk of cut(stream, points)) {
      got.push(...d.push(chunk));
      expect(d.buffered).toBeLessThan(stream.length + 1);
    }
    expect(got).toEqual(pdus);
    expect([d.buffered, d.consumed]).toEqual([0, stream.length]);
  });
});

/** A byte edit of a valid stream: set an octet, cut the stream short, or rewrite a Length field. */
type Mutation =
  | { kind: "set"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "length"; pdu: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.nat(255) }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("length" as const),
      pdu: fc.nat(),
      value: fc.oneof(fc.nat(80), u32, fc.constantFrom(0, 7, 8, 12, 16, 20, 24, 32, 65536, 65537)),
    }),
    weight: 2,
  },
);

function mutate(pdus: readonly Uint8Array[], edits: readonly Mutation[]): Uint8Array {
  const starts: number[] = [];
  let o = 0;
  for (const p of pdus) {
    starts.push(o);
    o += p.length;
  }
  let b = concat(pdus);
  for (const m of edits) {
    if (b.length === 0) break;
    if (m.kind === "set") b[m.at % b.length] = m.value;
    else if (m.kind === "truncate") b = b.subarray(0, m.at % b.length);
    else if (starts.length > 0) {
      const s = starts[m.pdu % starts.length]!;
      if (s + 8 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(s + 4, m.value);
    }
  }
  return b;
}

const fuzzInput: fc.Arbitrary<{ bytes: Uint8Array; points: number[] }> = fc.record({
  bytes: fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
    {
      arbitrary: fc
        .tuple(
          fc.array(arbitraryRtrPdu, { minLength: 1, maxLength: 8 }),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
        )
        .map(([pdus, edits]) => mutate(pdus.map(encodeRtrPdu), edits)),
      weight: 2,
    },
  ),
  points: fc.array(fc.nat(), { maxLength: 12 }),
});

/** Checks an exception from a decoder of `total` input octets; returns its code. */
function checked(e: unknown, total: number): string {
  if (!RtrDecodeError.isInstance(e)) throw e;
  const { offset, field } = e.where;
  if (!(Number.isInteger(offset) && offset! >= 0 && offset! < total)) {
    throw new Error(`${e.code} offset ${offset} outside the ${total} input octets`);
  }
  if (typeof field !== "string" || field === "") throw new Error(`${e.code} names no field`);
  if (!(e.pdu instanceof Uint8Array) || e.pdu.length > total) throw new Error("bad PDU copy");
  return e.code;
}

it("fuzz: arbitrary and mutated streams decode or throw RtrDecodeError with an offset inside the input", () => {
  const codes = new Map<string, number>();
  let decoded = 0;
  const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);
  fc.assert(
    fc.property(fuzzInput, ({ bytes, points }) => {
      // PDU after PDU with decodeRtrPdu, up to the first error.
      const one: RtrPdu[] = [];
      let off = 0;
      let oneError: RtrDecodeError | undefined;
      try {
        while (off < bytes.length) {
          const { pdu, length } = decodeRtrPdu(bytes, off);
          if (length < 8) throw new Error(`length ${length} taken`);
          one.push(pdu);
          off += length;
        }
      } catch (e) {
        count(checked(e, bytes.length));
        oneError = e as RtrDecodeError;
      }
      decoded += one.length;
      // The same bytes through the stream decoder in chunks: the same PDUs, then maybe an error.
      const d = new RtrStreamDecoder();
      const streamed: RtrPdu[] = [];
      let failed: RtrDecodeError | undefined;
      for (const chunk of cut(bytes, points)) {
        try {
          streamed.push(...d.push(chunk));
        } catch (e) {
          checked(e, bytes.length);
          failed = e as RtrDecodeError;
          break;
        }
      }
      if (failed === undefined) {
        expect(streamed).toEqual(one);
        // Only a PDU cut short at the end may stop decodeRtrPdu and not the stream.
        if (oneError !== undefined) expect(oneError.code).toBe("RTR_TRUNCATED");
      } else {
        // The stream stops at the same PDU, for the same reason, at the same offset, and loses
        // none before it: those the failing chunk completed come with the error.
        expect([...streamed, ...failed.pdus]).toEqual(one);
        expect(d.consumed).toBe(off);
        expect([failed.code, failed.where]).toEqual([oneError?.code, oneError?.where]);
        expect(failed.pdu).toEqual(oneError?.pdu.subarray(0, failed.pdu.length));
      }
      expect(d.consumed).toBeLessThanOrEqual(bytes.length);
    }),
    { numRuns: 3000 },
  );
  // The fuzzer reaches both outcomes and every kind of decoding error.
  expect(decoded).toBeGreaterThan(1000);
  for (const code of [
    "RTR_TRUNCATED",
    "RTR_BAD_LENGTH",
    "RTR_BAD_VERSION",
    "RTR_UNKNOWN_PDU",
    "RTR_BAD_PREFIX",
    "RTR_BAD_FIELD",
  ]) {
    expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
  }
});
