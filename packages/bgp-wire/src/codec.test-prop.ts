import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { decodeMessage, decodeUpdate, encodeMessage } from "./codec";
import { BgpWireError } from "./errors";
import { arbitraryBgpMessage, arbitrarySessionContext } from "./testing";

const ctxAndMessage = arbitrarySessionContext().chain((ctx) =>
  fc.tuple(fc.constant(ctx), arbitraryBgpMessage(ctx)),
);

test.prop([ctxAndMessage], { numRuns: 300 })("decode(encode(m)) = m", ([ctx, m]) => {
  expect(decodeMessage(encodeMessage(m, ctx), ctx)).toEqual(m);
});

test.prop([ctxAndMessage], { numRuns: 200 })(
  "encode(decode(b)) = b for canonically encoded messages",
  ([ctx, m]) => {
    const b = encodeMessage(m, ctx);
    expect(encodeMessage(decodeMessage(b, ctx), ctx)).toEqual(b);
  },
);

/** Calls `fn` and fails unless it returns or throws the package's error. */
function onlyPackageErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!BgpWireError.isInstance(e)) throw e;
  }
}

test.prop([arbitrarySessionContext(), fc.uint8Array({ maxLength: 200 })], { numRuns: 500 })(
  "arbitrary bytes: decoders return or throw BgpWireError",
  (ctx, bytes) => {
    // Give half the cases a valid header so the body decoders are reached.
    const framed = new Uint8Array(bytes.length + 19);
    framed.fill(0xff, 0, 16);
    framed[16] = framed.length >> 8;
    framed[17] = framed.length & 255;
    framed[18] = (bytes[0] ?? 0) % 6;
    framed.set(bytes, 19);
    for (const b of [bytes, framed]) {
      onlyPackageErrors(() => decodeMessage(b, ctx));
      onlyPackageErrors(() => decodeUpdate(b, ctx));
    }
  },
);

test.prop(
  [
    ctxAndMessage,
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
  ],
  { numRuns: 500 },
)("mutated valid messages: decoders return or throw BgpWireError", ([ctx, m], flips) => {
  const b = encodeMessage(m, ctx);
  for (const [at, v] of flips) if (at % b.length >= 16) b[at % b.length] = v;
  onlyPackageErrors(() => decodeMessage(b, ctx));
  onlyPackageErrors(() => decodeUpdate(b, ctx));
  onlyPackageErrors(() => {
    const r = decodeMessage(b, ctx);
    encodeMessage(r, ctx);
  });
});
