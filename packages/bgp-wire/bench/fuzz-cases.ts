// Mutation fuzzing of the BGP message and MRT decoders, shared by `pnpm fuzz` (bench/fuzz.ts,
// 1,000,000 cases) and the short run in test/fuzz.test.ts. Seeds are the real BGP messages and
// MRT records of the fixtures. A case fails when a decoder throws anything but BgpWireError.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  BgpWireError,
  decodeMessage,
  decodeMrt,
  decodeUpdate,
  encodeMessage,
  mrtFrames,
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

/** Outcome of a fuzz run. */
export interface FuzzResult {
  readonly cases: number;
  readonly messageSeeds: number;
  readonly recordSeeds: number;
  /** Cases where a decoder threw something other than BgpWireError. */
  readonly failures: number;
  /** The first few failures: decoder, exception text and the input in hex. */
  readonly examples: readonly string[];
}

/** Runs `cases` mutated inputs through the decoders, deterministically from `seed`. */
export function runFuzz(cases: number, seed = 0x9e3779b9): FuzzResult {
  const { messages, records } = fuzzSeeds();
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
  const check = (what: string, input: Uint8Array, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (BgpWireError.isInstance(e)) return;
      failures++;
      if (examples.length < 5)
        examples.push(`${what}: ${String(e)} on ${Buffer.from(input).toString("hex")}`);
    }
  };

  for (let i = 0; i < cases; i++) {
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
    failures,
    examples,
  };
}
