import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { BgpRibError } from "./errors";
import { Fib } from "./fib";
import { formatPrefix, type IpPrefix, maskWords, parsePrefix, prefixContains } from "./ip";

// Linear-scan reference: the longest entry containing the address.
function linear<H>(entries: Map<string, [IpPrefix, H]>, addr: readonly number[], family: 4 | 6) {
  let best: [IpPrefix, H] | undefined;
  for (const e of entries.values()) {
    if (e[0].family !== family || !prefixContains(e[0], addr)) continue;
    if (best === undefined || e[0].length > best[0].length) best = e;
  }
  return best?.[1];
}

// Addresses clustered in a few /8s and /16s so that prefixes nest often; lengths favour the
// level boundaries of both IPv4 layouts (8-4-4-4-4-4-4 and 16-4-4-4-4).
const v4addr = fc
  .tuple(fc.constantFrom(10, 192, 0, 255), fc.integer({ min: 0, max: 3 }), fc.nat(255), fc.nat(255))
  .map(([a, b, c, d]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const v4length = fc.oneof(
  fc.constantFrom(0, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19, 20, 21, 23, 24, 25, 27, 28, 29, 31, 32),
  fc.integer({ min: 0, max: 32 }),
);
const v4prefix = fc
  .tuple(v4addr, v4length)
  .map(([a, l]): IpPrefix => ({ family: 4, length: l, words: maskWords([a, 0, 0, 0], l) }));
const v6words = fc
  .tuple(
    fc.constantFrom(0x20010db8, 0),
    fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0x80000000, 0xc0000000, 0x40000000)),
    fc.nat(3),
    fc.nat(),
  )
  .map(([a, b, c, d]) => [a, b >>> 0, c, d >>> 0]);
const v6prefix = fc
  .tuple(v6words, fc.oneof(fc.constantFrom(0, 32, 48, 64, 127, 128), fc.nat(128)))
  .map(([w, l]): IpPrefix => ({ family: 6, length: l, words: maskWords(w, l) }));
const op = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      p: fc.oneof({ weight: 4, arbitrary: v4prefix }, { weight: 1, arbitrary: v6prefix }),
      // One next hop, or a multipath list (of one, too).
      hop: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom("a", "b", "c", "d") },
        fc.uniqueArray(fc.constantFrom("a", "b", "c", "d"), { minLength: 1, maxLength: 3 }),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("del" as const),
      p: fc.oneof({ weight: 4, arbitrary: v4prefix }, { weight: 1, arbitrary: v6prefix }),
      hop: fc.constant("" as string | string[]),
    }),
  },
);
// Thresholds that make the FIB switch between its IPv4 layouts during a run (0: 16-4-4-4-4 from
// the first entry; Infinity: 8-4-4-4-4-4-4 forever).
const threshold = fc.constantFrom(0, 1, 2, 3, 5, 8, 1024, Number.POSITIVE_INFINITY);

test.prop(
  [
    threshold,
    fc.array(op, { maxLength: 60 }),
    fc.array(v4addr, { maxLength: 40 }),
    fc.array(v6words, { maxLength: 20 }),
    fc.boolean(),
  ],
  { numRuns: 300 },
)(
  "LPM agrees with a linear scan after any interleaving of sets and deletes (IPv4 through set/delete or set4/delete4)",
  (t, ops, a4, a6, fast) => {
    const fib = new Fib({ wideIpv4Threshold: t });
    const ref = new Map<string, [IpPrefix, string | string[]]>();
    for (const o of ops) {
      const key = formatPrefix(o.p);
      const v4fast = fast && o.p.family === 4;
      if (o.kind === "set") {
        if (v4fast) fib.set4(o.p.words[0], o.p.length, o.hop);
        else fib.set(o.p, o.hop);
        ref.set(key, [o.p, o.hop]);
      } else {
        expect(v4fast ? fib.delete4(o.p.words[0], o.p.length) : fib.delete(o.p)).toBe(
          ref.delete(key),
        );
      }
    }
    // Probe the given addresses and the first/last address of every prefix ever touched (and the
    // addresses just outside it).
    const probes4 = [...a4];
    for (const o of ops)
      if (o.p.family === 4) {
        const first = o.p.words[0];
        const last = (first | (o.p.length === 32 ? 0 : 0xffffffff >>> o.p.length)) >>> 0;
        probes4.push(first, last, (first - 1) >>> 0, (last + 1) >>> 0);
      }
    const list = (h: string | string[] | undefined) =>
      h === undefined ? [] : typeof h === "string" ? [h] : h;
    for (const a of probes4) {
      const i = fib.lookupIpv4(a);
      const want = list(linear(ref, [a, 0, 0, 0], 4));
      expect(fib.nextHops(i)).toEqual(want);
      expect(fib.nextHop(i)).toBe(want[0]);
    }
    for (const w of [...a6, ...ops.filter((o) => o.p.family === 6).map((o) => [...o.p.words])]) {
      const i = fib.lookupIpv6(w);
      const want = list(linear(ref, w, 6));
      expect(fib.nextHops(i)).toEqual(want);
      expect(fib.nextHop(i)).toBe(want[0]);
    }
    expect(fib.size).toBe(ref.size);
    expect(new Map(fib.entries())).toEqual(new Map([...ref].map(([k, v]) => [k, list(v[1])[0]])));
    // The layout follows the IPv4 entry count (with hysteresis, so only the extremes are fixed).
    const n4 = [...ref.values()].filter((e) => e[0].family === 4).length;
    if (n4 > t) expect(fib.ipv4Layout).toBe("16-4-4-4-4");
    if (t === Number.POSITIVE_INFINITY) expect(fib.ipv4Layout).toBe("8-4-4-4-4-4-4");
  },
);

// Model-based: commands against a Map of prefixes, checked after every step.
interface Model {
  entries: Map<string, [IpPrefix, string]>;
}
/** Checks the first and last address of a prefix, and the addresses just outside it. */
function checkEdges(m: Model, fib: Fib, p: IpPrefix): void {
  const first = p.words[0];
  const last = (first | (p.length === 32 ? 0 : 0xffffffff >>> p.length)) >>> 0;
  for (const a of [first, last, (first - 1) >>> 0, (last + 1) >>> 0])
    expect(fib.nextHop(fib.lookupIpv4(a))).toBe(linear(m.entries, [a, 0, 0, 0], 4));
}
class SetCmd implements fc.Command<Model, Fib> {
  constructor(
    readonly p: IpPrefix,
    readonly hop: string,
  ) {}
  check = () => true;
  run(m: Model, fib: Fib): void {
    fib.set(this.p, this.hop);
    m.entries.set(formatPrefix(this.p), [this.p, this.hop]);
    expect(fib.size).toBe(m.entries.size);
    checkEdges(m, fib, this.p);
  }
  toString = () => `set(${formatPrefix(this.p)}, ${this.hop})`;
}
class DeleteCmd implements fc.Command<Model, Fib> {
  constructor(readonly p: IpPrefix) {}
  check = () => true;
  run(m: Model, fib: Fib): void {
    expect(fib.delete(this.p)).toBe(m.entries.delete(formatPrefix(this.p)));
    expect(fib.size).toBe(m.entries.size);
    checkEdges(m, fib, this.p);
  }
  toString = () => `delete(${formatPrefix(this.p)})`;
}
class LookupCmd implements fc.Command<Model, Fib> {
  constructor(readonly a: number) {}
  check = () => true;
  run(m: Model, fib: Fib): void {
    expect(fib.nextHop(fib.lookupIpv4(this.a))).toBe(linear(m.entries, [this.a, 0, 0, 0], 4));
  }
  toString = () => `lookupIpv4(${this.a})`;
}
// A dense address space (two /16s, four /24s each) so that deletes fold blocks back and later
// sets reuse them.
const denseAddr = fc
  .tuple(fc.constantFrom(10, 192), fc.nat(1), fc.nat(3), fc.nat(255))
  .map(([a, b, c, d]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
// Both halves of a prefix with the same next hop: a block can become uniform with leaves of a
// prefix longer than its parent slot covers, which must not fold.
class SetHalvesCmd implements fc.Command<Model, Fib> {
  constructor(
    readonly p: IpPrefix,
    readonly hop: string,
  ) {}
  check = () => this.p.length < 32;
  run(m: Model, fib: Fib): void {
    const len = this.p.length + 1;
    const hi = (this.p.words[0] | (0x80000000 >>> this.p.length)) >>> 0;
    for (const a of [this.p.words[0], hi])
      new SetCmd({ family: 4, length: len, words: [a, 0, 0, 0] }, this.hop).run(m, fib);
  }
  toString = () => `setHalves(${formatPrefix(this.p)}, ${this.hop})`;
}
// Commands draw their prefixes from a small pool (each prefix with its two halves), so that
// deletes hit prefixes that were set, and halves with one next hop fill blocks uniformly.
const halves = (p: IpPrefix): IpPrefix[] => {
  if (p.length === 32) return [];
  const hi = (p.words[0] | (0x80000000 >>> p.length)) >>> 0;
  return [p.words[0], hi].map((a) => ({ family: 4, length: p.length + 1, words: [a, 0, 0, 0] }));
};
const poolPrefix = fc
  .tuple(
    denseAddr,
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(0, 8, 16, 24) }, // halves fill a whole block
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 32 }) },
    ),
  )
  .map(([a, l]): IpPrefix => ({ family: 4, length: l, words: maskWords([a, 0, 0, 0], l) }));
const pooled = fc
  .array(poolPrefix, { minLength: 2, maxLength: 5 })
  .map((ps) => ps.flatMap((p) => [p, ...halves(p)]))
  .chain((pool) => {
    const pick = fc.nat(pool.length - 1).map((i) => pool[i]!);
    return fc.commands(
      [
        fc.tuple(pick, fc.constantFrom("a", "b", "c")).map(([p, h]) => new SetCmd(p, h)),
        fc.tuple(pick, fc.constantFrom("a", "b")).map(([p, h]) => new SetHalvesCmd(p, h)),
        pick.map((p) => new DeleteCmd(p)),
        denseAddr.map((a) => new LookupCmd(a)),
      ],
      { maxCommands: 60, size: "medium" },
    );
  });

test.prop([threshold, pooled], { numRuns: 500 })(
  "model-based: every lookup between sets and deletes matches the model",
  (t, cmds) => {
    fc.modelRun(
      () => ({ model: { entries: new Map() }, real: new Fib({ wideIpv4Threshold: t }) }),
      cmds,
    );
  },
);

test.prop(
  [fc.array(v4prefix, { minLength: 1, maxLength: 40 }), fc.array(v4addr, { maxLength: 30 })],
  {
    numRuns: 100,
  },
)("the lookup result does not depend on insertion order or layout", (ps, addrs) => {
  const forward = new Fib({ wideIpv4Threshold: Number.POSITIVE_INFINITY });
  const backward = new Fib({ wideIpv4Threshold: 0 });
  for (const p of ps) forward.set(p, formatPrefix(p));
  for (const p of [...ps].reverse()) backward.set(p, formatPrefix(p));
  for (const a of addrs)
    expect(forward.nextHop(forward.lookupIpv4(a))).toBe(backward.nextHop(backward.lookupIpv4(a)));
});

// Malformed input: a typed error naming the field, never a foreign exception.
const anyValue = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.record({
    family: fc.oneof(fc.constantFrom(4, 6), fc.anything()),
    length: fc.oneof(fc.integer({ min: -2, max: 130 }), fc.double(), fc.anything()),
    words: fc.oneof(
      fc.array(fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()), { maxLength: 5 }),
      fc.anything(),
    ),
  }),
);

function expectTypedOrOk(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    expect(BgpRibError.isInstance(e)).toBe(true);
    expect((e as BgpRibError).where.field).toBeTypeOf("string");
    return false;
  }
}

test.prop([anyValue, fc.oneof(fc.string(), fc.anything())], { numRuns: 400 })(
  "bad prefixes, next hops and addresses throw BgpRibError with the field",
  (prefix, hop) => {
    const fib = new Fib({ wideIpv4Threshold: 2 });
    fib.set("10.0.0.0/8", "a");
    const stored = expectTypedOrOk(() => fib.set(prefix as IpPrefix, hop as string));
    expectTypedOrOk(() => fib.delete(prefix as IpPrefix));
    expectTypedOrOk(() => fib.lookup(prefix as string));
    expectTypedOrOk(() => fib.lookupIpv6(prefix as number[]));
    expectTypedOrOk(() => new Fib({ wideIpv4Threshold: hop as number }));
    // A rejected set left the table as it was.
    if (!stored) {
      expect(fib.size).toBe(1);
      expect(fib.lookup("10.1.2.3")).toBe("a");
    }
  },
);

test.prop([fc.string(), fc.nat(0xffff)], { numRuns: 300 })(
  "mutated prefix text is accepted exactly when parsePrefix accepts it",
  (text, n) => {
    const mutated = `${n >> 8}.${n & 255}.0.0/${text}`;
    const fib = new Fib();
    let ok = true;
    try {
      fib.set(mutated, "a");
    } catch (e) {
      ok = false;
      expect(BgpRibError.isInstance(e)).toBe(true);
      expect((e as BgpRibError).where.field).toBe("prefix");
    }
    expect(fib.size).toBe(ok ? 1 : 0);
    let parses = true;
    try {
      parsePrefix(mutated);
    } catch {
      parses = false;
    }
    expect(ok).toBe(parses);
  },
);
