import type { AsPath, PathAttributes } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { maskWords, parsePrefix, prefixContains } from "./ip";
import {
  acceptAll,
  addCommunities,
  chain,
  deleteCommunities,
  isPrivateAsn,
  matchPrefixList,
  type Policy,
  type PolicyRoute,
  prepend,
  rejectAll,
  replaceAsns,
  setLocalPref,
  setMed,
} from "./policy";

const arbAttrs: fc.Arbitrary<PathAttributes> = fc.record(
  {
    origin: fc.constantFrom("IGP" as const, "EGP" as const),
    asPath: fc.array(fc.nat(5)).map((asns) => [{ type: "AS_SEQUENCE" as const, asns }]),
    localPref: fc.nat(300),
    communities: fc.array(fc.nat(10)),
  },
  { requiredKeys: [] },
);
const route = (attributes: PathAttributes): PolicyRoute => ({
  prefix: { afi: 1, address: "10.0.0.0", length: 8 },
  attributes,
  peer: { address: "192.0.2.2", asn: 1, kind: "ebgp" },
});
const arbPolicy: fc.Arbitrary<Policy> = fc.oneof(
  fc.nat(300).map(setLocalPref),
  fc.option(fc.nat(50), { nil: undefined }).map(setMed),
  fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 3 })).map(([a, n]) => prepend(a, n)),
  fc.array(fc.nat(10)).map(addCommunities),
  fc.array(fc.nat(10)).map(deleteCommunities),
  fc.constant(acceptAll),
  fc.constant(rejectAll),
);

test.prop([arbAttrs, arbPolicy, arbPolicy, arbPolicy])(
  "chain is associative and acceptAll is its identity",
  (a, p, q, r) => {
    const x = route(a);
    expect(chain(chain(p, q), r)(x)).toEqual(chain(p, chain(q, r))(x));
    expect(chain(acceptAll, p)(x)).toEqual(p(x));
    expect(chain(p, acceptAll)(x)).toEqual(p(x));
  },
);

test.prop([arbAttrs, arbPolicy])(
  "policies are pure: the input is never mutated and results repeat",
  (a, p) => {
    const copy = structuredClone(a);
    const first = p(route(a));
    expect(a).toEqual(copy);
    expect(p(route(a))).toEqual(first);
  },
);

test.prop([arbAttrs, fc.array(fc.nat(10)), fc.array(fc.nat(10))])(
  "adding then deleting communities leaves only the others",
  (a, add, del) => {
    const out = chain(addCommunities(add), deleteCommunities(del))(route(a));
    const cs = out?.communities ?? [];
    for (const c of cs) expect(del.includes(c)).toBe(false);
    for (const c of add) if (!del.includes(c)) expect(cs.includes(c)).toBe(true);
  },
);

// A prefix-list entry matches exactly the prefixes inside it whose length is within ge..le:
// checked against a direct reading of the rule on random IPv4 prefixes.
test.prop([
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 24 })),
  fc.integer({ min: 0, max: 8 }),
  fc.integer({ min: 0, max: 8 }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 32 })),
])("prefix-list entries match per their ge/le definition", ([ea, el], dge, dle, [ra, rl]) => {
  const e = { family: 4 as const, length: el, words: maskWords([ea >>> 0, 0, 0, 0], el) };
  const ge = el + dge;
  const le = Math.min(32, ge + dle);
  const text = `${e.words[0] >>> 24}.${(e.words[0] >>> 16) & 255}.${(e.words[0] >>> 8) & 255}.${e.words[0] & 255}/${el}`;
  const m = matchPrefixList([{ prefix: text, ge, le }]);
  const r = maskWords([ra >>> 0, 0, 0, 0], rl);
  const addr = `${r[0] >>> 24}.${(r[0] >>> 16) & 255}.${(r[0] >>> 8) & 255}.${r[0] & 255}`;
  const want = rl >= ge && rl <= le && prefixContains(parsePrefix(text), r);
  expect(m({ ...route({}), prefix: { afi: 1, address: addr, length: rl } })).toBe(want);
});

// ASNs around the edges of the private ranges (RFC 6996) and public ones.
const arbAsn = fc.oneof(
  fc.integer({ min: 64510, max: 65536 }),
  fc.integer({ min: 4199999998, max: 4294967295 }),
  fc.integer({ min: 1, max: 64000 }),
);
const arbPath: fc.Arbitrary<AsPath> = fc.array(
  fc.record({
    type: fc.constantFrom("AS_SEQUENCE" as const, "AS_SET" as const),
    asns: fc.array(arbAsn, { minLength: 1, maxLength: 6 }),
  }),
  { maxLength: 4 },
);
const sequences = (p: AsPath) => p.filter((s) => s.type === "AS_SEQUENCE").flatMap((s) => s.asns);

test.prop([arbAsn])("isPrivateAsn is RFC 6996's two ranges exactly", (asn) => {
  const inRange = (lo: number, hi: number) => asn >= lo && asn <= hi;
  expect(isPrivateAsn(asn)).toBe(inRange(64512, 65534) || inRange(4200000000, 4294967294));
});

test.prop([arbPath], { numRuns: 300 })(
  "replaceAsns removing: no matching ASN left, the others in order, no empty segment; the path itself when none matches",
  (path) => {
    const out = replaceAsns(path, isPrivateAsn);
    expect(out.some((s) => s.asns.some(isPrivateAsn))).toBe(false);
    expect(out.every((s) => s.asns.length > 0)).toBe(true);
    expect(sequences(out)).toEqual(sequences(path).filter((a) => !isPrivateAsn(a)));
    if (!path.some((s) => s.asns.some(isPrivateAsn))) expect(out).toBe(path);
  },
);

test.prop([arbPath, arbAsn], { numRuns: 300 })(
  "replaceAsns replacing: sequences keep their length with each match replaced; a rewritten set holds each ASN once",
  (path, by) => {
    const out = replaceAsns(path, isPrivateAsn, by);
    const f = (a: number) => (isPrivateAsn(a) ? by : a);
    expect(sequences(out)).toEqual(sequences(path).map(f));
    expect(out.length).toBe(path.length);
    path.forEach((seg, i) => {
      if (seg.type !== "AS_SET") return;
      const got = out[i]!.asns;
      expect(new Set(got)).toEqual(new Set(seg.asns.map(f)));
      // A set that was rewritten holds each ASN once.
      if (seg.asns.some(isPrivateAsn)) expect(new Set(got).size).toBe(got.length);
    });
  },
);
