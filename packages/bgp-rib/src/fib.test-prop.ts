import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { Fib } from "./fib";
import { formatPrefix, type IpPrefix, maskWords, prefixContains } from "./ip";

// Linear-scan reference: the longest entry containing the address.
function linear(entries: Map<string, [IpPrefix, string]>, addr: number[], family: 4 | 6) {
  let best: [IpPrefix, string] | undefined;
  for (const e of entries.values()) {
    if (e[0].family !== family || !prefixContains(e[0], addr)) continue;
    if (best === undefined || e[0].length > best[0].length) best = e;
  }
  return best?.[1];
}

// Addresses clustered in a few /8s so that prefixes nest often.
const v4addr = fc
  .tuple(fc.constantFrom(10, 192, 0, 255), fc.integer({ min: 0, max: 3 }), fc.nat(255), fc.nat(255))
  .map(([a, b, c, d]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const v4prefix = fc
  .tuple(v4addr, fc.integer({ min: 0, max: 32 }))
  .map(([a, l]): IpPrefix => ({ family: 4, length: l, words: maskWords([a, 0, 0, 0], l) }));
const v6words = fc
  .tuple(fc.constantFrom(0x20010db8, 0), fc.integer({ min: 0, max: 3 }), fc.nat(3), fc.nat())
  .map(([a, b, c, d]) => [a, b, c, d >>> 0]);
const v6prefix = fc
  .tuple(v6words, fc.integer({ min: 0, max: 128 }))
  .map(([w, l]): IpPrefix => ({ family: 6, length: l, words: maskWords(w, l) }));
const op = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    p: fc.oneof(v4prefix, v6prefix),
    hop: fc.constantFrom("a", "b", "c", "d"),
  }),
  fc.record({
    kind: fc.constant("del" as const),
    p: fc.oneof(v4prefix, v6prefix),
    hop: fc.constant(""),
  }),
);

test.prop(
  [
    fc.array(op, { maxLength: 60 }),
    fc.array(v4addr, { maxLength: 40 }),
    fc.array(v6words, { maxLength: 20 }),
  ],
  {
    numRuns: 300,
  },
)("LPM agrees with a linear scan after any sequence of inserts and deletes", (ops, a4, a6) => {
  const fib = new Fib();
  const ref = new Map<string, [IpPrefix, string]>();
  for (const o of ops) {
    const key = formatPrefix(o.p);
    if (o.kind === "set") {
      fib.set(o.p, o.hop);
      ref.set(key, [o.p, o.hop]);
    } else {
      expect(fib.delete(o.p)).toBe(ref.delete(key));
    }
  }
  // Probe the given addresses and the first/last address of every prefix ever touched.
  const probes4 = [...a4];
  for (const o of ops)
    if (o.p.family === 4) {
      probes4.push(
        o.p.words[0],
        (o.p.words[0] | (o.p.length === 32 ? 0 : 0xffffffff >>> o.p.length)) >>> 0,
      );
    }
  for (const a of probes4)
    expect(fib.nextHop(fib.lookupIpv4(a))).toBe(linear(ref, [a, 0, 0, 0], 4));
  for (const w of [...a6, ...ops.filter((o) => o.p.family === 6).map((o) => [...o.p.words])])
    expect(fib.nextHop(fib.lookupIpv6(w))).toBe(linear(ref, w, 6));
  expect(fib.size).toBe(ref.size);
  expect(new Map(fib.entries())).toEqual(new Map([...ref].map(([k, v]) => [k, v[1]])));
});
