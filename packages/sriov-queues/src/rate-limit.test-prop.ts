import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { effectiveRateMbps, ixgbeRttbcnrc, TokenBucket } from "./rate-limit";
import { MICROSOFT_RSS_KEY, toeplitzHash } from "./rss";

test.prop([fc.integer({ min: 11, max: 10000 })])(
  "the enforced rate is ≥ the request and within 0.2 %",
  (rate) => {
    const eff = effectiveRateMbps(10000, ixgbeRttbcnrc(10000, rate));
    expect(eff).toBeGreaterThanOrEqual(rate);
    expect(eff).toBeLessThanOrEqual(rate * 1.002);
  },
);

test.prop([
  fc.integer({ min: 1000, max: 10_000_000 }),
  fc.integer({ min: 64, max: 20000 }),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 9000 })), {
    maxLength: 200,
  }),
])("a token bucket never admits more than burst + rate × elapsed", (rate, burst, steps) => {
  const tb = new TokenBucket(rate, burst);
  let now = 0n;
  let admitted = 0;
  for (const [dt, len] of steps) {
    now += BigInt(dt);
    if (tb.tryConsume(len, now)) admitted += len;
    expect(admitted).toBeLessThanOrEqual(burst + (rate * Number(now)) / 1e9 + 1e-6);
  }
});

test.prop([
  fc.uint8Array({ minLength: 12, maxLength: 12 }),
  fc.uint8Array({ minLength: 12, maxLength: 12 }),
])("Toeplitz is linear over GF(2): h(a ⊕ b) = h(a) ⊕ h(b)", (a, b) => {
  const x = a.map((v, i) => v ^ b[i]!);
  expect(toeplitzHash(MICROSOFT_RSS_KEY, x)).toBe(
    (toeplitzHash(MICROSOFT_RSS_KEY, a) ^ toeplitzHash(MICROSOFT_RSS_KEY, b)) >>> 0,
  );
});
