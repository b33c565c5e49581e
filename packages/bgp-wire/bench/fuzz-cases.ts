// Mutation fuzzing of the BGP message, MRT and RTR decoders, shared by `pnpm fuzz`
// (bench/fuzz.ts, 1,000,000 cases) and the short run in test/fuzz.test.ts. Seeds are the real BGP
// messages and MRT records of the fixtures, and RTR PDUs (a stayrtr capture and one of every
// type). A case fails when a decoder throws anything but BgpWireError (for the RTR decoders:
// anything but RtrDecodeError).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  BgpWireError,
  decodeMessage,
  decodeMrt,
  decodeRtrPdu,
  decodeUpdate,
  encodeMessage,
  encodeRtrPdu,
  mrtFrames,
  RtrDecodeError,
  RtrStreamDecoder,
  sessionContext,
} from "@dyninfra/bgp-wire";

const root = path.resolve(import.meta.dirname, "../fixtures/mrt");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Real BGP messages (from BGP4MP records) and MRT records of the fixtures. */
export function fuzzSeeds(): { messages: Uint8Array[]; records: Uint8Array[] } {
  const messages: Uint8Array[] = [];
  const records: Uint8Array[] = [];
  for (const f of walk(root).filter(
    (f) => !f.includes(".bgpdump.txt") && !f.endsWith(".md") && !f.endsWith(".bz2"),
  )) {
    const raw = readFileSync(f);
    const bytes = new Uint8Array(raw[0] === 0x1f ? gunzipSync(raw) : raw);
    try {
      for (const fr of mrtFrames(bytes)) {
        const hl = fr.header.microseconds === undefined ? 12 : 16;
        if (records.length < 2000)
          records.push(bytes.slice(fr.header.offset, fr.header.offset + hl + fr.header.length));
        const b = fr.body;
        // BGP4MP MESSAGE bodies: find the marker and keep the BGP message.
        for (let i = 0; i + 19 <= b.length && i < 48; i++) {
          if (
            b[i] === 0xff &&
            b[i + 15] === 0xff &&
            b.subarray(i, i + 16).every((x) => x === 0xff)
          ) {
            if (messages.length < 5000) messages.push(b.slice(i));
            break;
          }
        }
      }
    } catch {
      // truncated fixtures: keep what was framed
    }
  }
  messages.push(encodeMessage({ type: "KEEPALIVE" }));
  return { messages, records };
}

/**
 * RTR PDUs (RFC 8210, RFC 6810): the four of a stayrtr 0.5.1 answer to a Reset Query (captured)
 * and one of every other type and version, encoded.
 */
export function rtrFuzzSeeds(): Uint8Array[] {
  const capture = Buffer.from(
    "0103dd450000000801060000000000200120300020010db80000000000000000000000000000fbf5010400000000001401181800c00002000000fbf40107dd45000000180000000000000e100000025800001c20",
    "hex",
  );
  const seeds: Uint8Array[] = [];
  for (const [from, to] of [
    [0, 8],
    [8, 40],
    [40, 60],
    [60, 84],
  ] as const)
    seeds.push(new Uint8Array(capture.subarray(from, to)));
  const ski = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  const spki = Uint8Array.from({ length: 91 }, (_, i) => (i * 7) & 255);
  for (const version of [0, 1] as const) {
    seeds.push(
      encodeRtrPdu({ type: "serial-notify", version, sessionId: 9, serial: 1234 }),
      encodeRtrPdu({ type: "serial-query", version, sessionId: 9, serial: 1234 }),
      encodeRtrPdu({ type: "reset-query", version }),
      encodeRtrPdu({ type: "cache-reset", version }),
      encodeRtrPdu({
        type: "prefix",
        version,
        announce: false,
        prefix: "2001:db8:8000::/33",
        maxLength: 128,
        asn: 4200000000,
      }),
      encodeRtrPdu({
        type: "prefix",
        version,
        announce: true,
        prefix: "198.51.100.128/25",
        maxLength: 32,
        asn: 0,
      }),
      encodeRtrPdu({
        type: "error-report",
        version,
        errorCode: 0,
        pdu: seeds[1]!,
        text: "Präfix ungültig",
      }),
    );
  }
  seeds.push(
    encodeRtrPdu({ type: "end-of-data", version: 0, sessionId: 9, serial: 1234 }),
    encodeRtrPdu({ type: "router-key", version: 1, announce: true, ski, asn: 64496, spki }),
  );
  return seeds;
}

/** Outcome of a fuzz run. */
export interface FuzzResult {
  readonly cases: number;
  readonly messageSeeds: number;
  readonly recordSeeds: number;
  readonly rtrSeeds: number;
  /** Cases where a decoder threw something other than BgpWireError (RtrDecodeError for RTR). */
  readonly failures: number;
  /** The first few failures: decoder, exception text and the input in hex. */
  readonly examples: readonly string[];
}

/** Runs `cases` mutated inputs through the decoders, deterministically from `seed`. */
export function runFuzz(cases: number, seed = 0x9e3779b9): FuzzResult {
  const { messages, records } = fuzzSeeds();
  const rtr = rtrFuzzSeeds();
  let state = seed | 0 || 1;
  const rnd = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };

  const mutate = (src: Uint8Array): Uint8Array => {
    let b = src.slice();
    const k = 1 + rnd(4);
    for (let i = 0; i < k; i++) {
      const op = rnd(10);
      if (op < 7 && b.length > 0) b[rnd(b.length)] = rnd(256);
      else if (op < 8 && b.length > 0) b = b.subarray(0, rnd(b.length));
      else if (op < 9) {
        const ext = new Uint8Array(b.length + 1 + rnd(8));
        ext.set(b);
        for (let j = b.length; j < ext.length; j++) ext[j] = rnd(256);
        b = ext;
      } else if (b.length > 20) b[16 + rnd(4)] = rnd(256); // lengths
    }
    return b;
  };

  const contexts = [
    sessionContext(),
    sessionContext({ fourOctetAs: true }),
    sessionContext({
      fourOctetAs: true,
      addPath: [
        { afi: 1, safi: 1 },
        { afi: 2, safi: 1 },
      ],
      extendedMessage: true,
    }),
  ];
  let failures = 0;
  const examples: string[] = [];
  const check = (
    what: string,
    input: Uint8Array,
    fn: () => void,
    expected: (e: unknown) => boolean = BgpWireError.isInstance,
  ): void => {
    try {
      fn();
    } catch (e) {
      if (expected(e)) return;
      failures++;
      if (examples.length < 5)
        examples.push(`${what}: ${String(e)} on ${Buffer.from(input).toString("hex")}`);
    }
  };

  for (let i = 0; i < cases; i++) {
    if (i % 8 === 3) {
      // An RTR stream: 1-4 PDUs, mutated, maybe a Length field rewritten; decoded PDU after PDU
      // and through the stream decoder in random chunks. Only RtrDecodeError may come out.
      const parts = Array.from({ length: 1 + rnd(4) }, () => rtr[rnd(rtr.length)]!);
      const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        joined.set(p, at);
        at += p.length;
      }
      const r = mutate(joined);
      if (r.length >= 8 && rnd(3) === 0) r[4 + rnd(4)] = rnd(256);
      check(
        "decodeRtrPdu",
        r,
        () => {
          for (let off = 0; off < r.length; ) off += decodeRtrPdu(r, off).length;
        },
        RtrDecodeError.isInstance,
      );
      check(
        "RtrStreamDecoder",
        r,
        () => {
          const d = new RtrStreamDecoder();
          for (let off = 0; off < r.length; ) {
            const n = 1 + rnd(24);
            d.push(r.subarray(off, off + n));
            off += n;
          }
        },
        RtrDecodeError.isInstance,
      );
      continue;
    }
    if (i % 8 === 7) {
      const r = mutate(records[rnd(records.length)]!);
      check("decodeMrt", r, () => {
        for (const _ of decodeMrt(r));
      });
      continue;
    }
    const m = mutate(messages[rnd(messages.length)]!);
    const ctx = contexts[i % contexts.length]!;
    check("decodeMessage", m, () => {
      const d = decodeMessage(m, ctx);
      encodeMessage(d, ctx);
    });
    check("decodeUpdate", m, () => decodeUpdate(m, ctx));
  }
  return {
    cases,
    messageSeeds: messages.length,
    recordSeeds: records.length,
    rtrSeeds: rtr.length,
    failures,
    examples,
  };
}
