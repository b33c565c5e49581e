import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { restoreEndpoint } from "./endpoint";
import { TcpStateTransferError } from "./errors";
import { TcpSimulation } from "./simulation";
import { type TcpRepairSnapshot, validateSnapshot } from "./snapshot";
import { decodeSnapshot, encodeSnapshot, snapshotFromJson, snapshotToJson } from "./snapshot-codec";
import { arbitraryTcpRepairSnapshot } from "./testing";

const now = fc.integer({ min: 0, max: 2 ** 40 });

/** Deep equality; queues compared as bytes (vitest's element-wise diff is slow on big arrays). */
function expectSame(x: TcpRepairSnapshot, y: TcpRepairSnapshot): void {
  const { inq: xi, outq: xo, ...xs } = x;
  const { inq: yi, outq: yo, ...ys } = y;
  expect(xs).toEqual(ys);
  expect(Buffer.from(xi).equals(Buffer.from(yi))).toBe(true);
  expect(Buffer.from(xo).equals(Buffer.from(yo))).toBe(true);
}

test.prop([arbitraryTcpRepairSnapshot(), now])(
  "snapshot → restore → snapshot is the identity",
  (s, t) => {
    expect(validateSnapshot(s)).toEqual({ ok: true });
    const e = restoreEndpoint(s, { now: t });
    expectSame(e.snapshot(t), s);
  },
);

test.prop([arbitraryTcpRepairSnapshot()])("binary form round-trips", (s) => {
  expectSame(decodeSnapshot(encodeSnapshot(s)), s);
});

test.prop([arbitraryTcpRepairSnapshot()])("JSON form round-trips through text", (s) => {
  expectSame(snapshotFromJson(JSON.stringify(snapshotToJson(s))), s);
});

const decodeOrError = (b: Uint8Array): "error" | Uint8Array => {
  try {
    return encodeSnapshot(decodeSnapshot(b));
  } catch (e) {
    if (!TcpStateTransferError.isInstance(e)) throw e;
    return "error";
  }
};

test.prop([fc.uint8Array({ maxLength: 200 })])(
  "the decoder rejects arbitrary bytes only with its own error",
  (b) => {
    const r = decodeOrError(b);
    if (r !== "error") expect(r).toEqual(b);
  },
);

test.prop([
  arbitraryTcpRepairSnapshot(64),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  fc.nat(),
])("mutated snapshots decode to a canonical snapshot or fail cleanly", (s, flips, cut) => {
  const b = encodeSnapshot(s).slice();
  for (const [i, v] of flips) b[i % b.length] = v;
  const damaged = cut % 3 === 0 ? b.subarray(0, cut % (b.length + 1)) : b;
  const r = decodeOrError(damaged);
  if (r !== "error") expect(r).toEqual(damaged);
});

test.prop(
  [
    fc.integer({ min: 0, max: 0xffff_ffff }),
    fc.integer({ min: 0, max: 60_000 }),
    fc.integer({ min: 0, max: 60_000 }),
    fc.integer({ min: 0, max: 20_000 }),
  ],
  { numRuns: 30 },
)("a live endpoint frozen at any instant restores to the same snapshot", (iss, nA, nB, at) => {
  const sim = new TcpSimulation({ a: { iss }, aToB: { delayUs: 3_000 }, bToA: { delayUs: 3_000 } });
  sim.connect();
  sim.write("a", new Uint8Array(nA).fill(1));
  sim.write("b", new Uint8Array(nB).fill(2));
  sim.runFor(at);
  const a = sim.endpoint("a");
  a.freeze();
  const s = a.snapshot(sim.now);
  expect(validateSnapshot(s)).toEqual({ ok: true });
  expectSame(restoreEndpoint(s, { now: sim.now }).snapshot(sim.now), s);
});
