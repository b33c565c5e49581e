import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ByteQueue } from "./byte-queue";

// Operations on a ByteQueue, checked against a plain array of bytes (the model).
type Op =
  | { kind: "append"; bytes: number[] }
  | { kind: "appendOwned"; bytes: number[] }
  | { kind: "appendAdjacent"; n: number; gap: number }
  | { kind: "consume"; n: number }
  | { kind: "view"; offset: number; len: number }
  | { kind: "copyOut"; len: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("append" as const),
    bytes: fc.array(fc.nat(255), { maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("appendOwned" as const),
    bytes: fc.array(fc.nat(255), { maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("appendAdjacent" as const),
    n: fc.nat(30),
    gap: fc.constantFrom(0, 0, 1, 5),
  }),
  fc.record({ kind: fc.constant("consume" as const), n: fc.nat(60) }),
  fc.record({ kind: fc.constant("view" as const), offset: fc.nat(80), len: fc.nat(80) }),
  fc.record({ kind: fc.constant("copyOut" as const), len: fc.nat(80) }),
);

test.prop([fc.array(op, { maxLength: 120 })])(
  "a ByteQueue holds exactly the bytes appended and not consumed, in order; views and copies show them; handed-out bytes never change",
  (ops) => {
    const q = new ByteQueue();
    const model: number[] = [];
    // One shared buffer cut into adjacent owned views (as segment payloads are cut from a write):
    // the queue may merge them into one chunk.
    const shared = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 0xff);
    let sharedUsed = 0;
    const handedOut: { bytes: Uint8Array; expected: number[] }[] = [];
    for (const o of ops) {
      switch (o.kind) {
        case "append": {
          const b = Uint8Array.from(o.bytes);
          q.append(b);
          b.fill(0xee); // the queue keeps its own copy
          model.push(...o.bytes);
          break;
        }
        case "appendOwned":
          q.appendOwned(Uint8Array.from(o.bytes));
          model.push(...o.bytes);
          break;
        case "appendAdjacent": {
          // Mostly adjacent to the previous piece; sometimes a gap (same buffer, not adjacent).
          sharedUsed = Math.min(shared.length, sharedUsed + o.gap);
          const n = Math.min(o.n, shared.length - sharedUsed);
          q.appendOwned(shared.subarray(sharedUsed, sharedUsed + n));
          model.push(...shared.subarray(sharedUsed, sharedUsed + n));
          sharedUsed += n;
          break;
        }
        case "consume":
          q.consume(o.n);
          model.splice(0, Math.min(o.n, model.length));
          break;
        case "view": {
          if (o.offset + o.len > model.length) break;
          const v = q.view(o.offset, o.len);
          const expected = model.slice(o.offset, o.offset + o.len);
          expect([...v]).toEqual(expected);
          handedOut.push({ bytes: v, expected });
          break;
        }
        case "copyOut": {
          const len = Math.min(o.len, model.length);
          const c = q.copyOut(len);
          expect([...c]).toEqual(model.slice(0, len));
          const before = [...q.copy()];
          c.fill(0x55); // a copy is private: writing it changes nothing queued
          expect([...q.copy()]).toEqual(before);
          break;
        }
      }
      expect(q.length).toBe(model.length);
      expect([...q.copy()]).toEqual(model);
    }
    for (const h of handedOut) expect([...h.bytes]).toEqual(h.expected);
  },
);
