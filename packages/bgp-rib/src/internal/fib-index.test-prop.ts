import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { fibWithExactTable } from "../fib";
import { formatPrefix, type IpPrefix, maskWords, prefixContains } from "../ip";
import { IndexedExact4 } from "./fib-index";
import { PrefixTable } from "./prefix-table";

// The RIB's FIB keeps its IPv4 entries by the RIB's prefix index (IndexedExact4). Whatever the
// RIB knows (prefixes it learns before, after or never), whatever it hints (the right index, a
// wrong one, none), the FIB answers as one with a table of its own: longest-prefix matches agree
// with a linear scan, deletes return what was there, size and entries are the model's.

const v4addr = fc
  .tuple(fc.constantFrom(10, 192), fc.integer({ min: 0, max: 2 }), fc.nat(255), fc.nat(255))
  .map(([a, b, c, d]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const v4prefix = fc
  .tuple(v4addr, fc.oneof(fc.constantFrom(0, 8, 15, 16, 17, 23, 24, 25, 32), fc.nat(32)))
  .map(([a, l]): IpPrefix => ({ family: 4, length: l, words: maskWords([a, 0, 0, 0], l) }));
const hint = fc.constantFrom("none", "right", "wrong");
// Operations on prefixes drawn from a small pool, so that one prefix is set, learnt, set again
// and deleted in every order.
const op = fc.record({
  kind: fc.constantFrom("set", "del", "learn"),
  i: fc.nat(7),
  hop: fc.constantFrom("a", "b", "c"),
  hint,
});

test.prop(
  [
    fc.constantFrom(0, 2, 1024),
    fc.array(v4prefix, { minLength: 1, maxLength: 8 }),
    fc.array(op, { maxLength: 80 }),
    fc.array(v4addr, { maxLength: 30 }),
  ],
  { numRuns: 300 },
)(
  "a FIB over the RIB's prefix index agrees with a linear scan",
  (threshold, pool, cmds, probes) => {
    const ops = cmds.map((c) => ({ ...c, p: pool[c.i % pool.length]! }));
    const pt = new PrefixTable();
    const exact = new IndexedExact4(pt);
    const fib = fibWithExactTable(exact, { wideIpv4Threshold: threshold });
    const ref = new Map<string, [IpPrefix, string]>();
    for (const o of ops) {
      const a = o.p.words[0];
      if (o.kind === "learn") {
        pt.index4(a, o.p.length, true);
        continue;
      }
      const known = pt.index4(a, o.p.length, false);
      if (o.hint === "right" && known >= 0) exact.hint = known;
      else if (o.hint === "wrong" && pt.count > 0) exact.hint = (known + 1) % pt.count;
      if (o.kind === "set") {
        fib.set4(a, o.p.length, o.hop);
        ref.set(formatPrefix(o.p), [o.p, o.hop]);
      } else expect(fib.delete4(a, o.p.length)).toBe(ref.delete(formatPrefix(o.p)));
    }
    const all = [...probes];
    for (const o of ops) all.push(o.p.words[0], (o.p.words[0] - 1) >>> 0);
    for (const x of all) {
      let best: [IpPrefix, string] | undefined;
      for (const e of ref.values())
        if (
          prefixContains(e[0], [x, 0, 0, 0]) &&
          (best === undefined || e[0].length > best[0].length)
        )
          best = e;
      expect(fib.nextHop(fib.lookupIpv4(x))).toBe(best?.[1]);
    }
    expect(fib.size).toBe(ref.size);
    expect(new Map(fib.entries())).toEqual(new Map([...ref].map(([k, v]) => [k, v[1]])));
  },
);
