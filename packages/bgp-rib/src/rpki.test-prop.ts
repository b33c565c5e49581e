import type { AsPath } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { BgpRibError } from "./errors";
import { formatPrefix, type IpPrefix, maskWords, parsePrefix, prefixContains } from "./ip";
import { acceptAll } from "./policy";
import { type ChangeSet, Rib } from "./rib";
import {
  type OriginValidity,
  originAs,
  parseVrpJson,
  RoaTable,
  rejectInvalidOrigins,
  type Vrp,
} from "./rpki";

// Reference, read straight from RFC 6811 §2: a VRP "covers" a route prefix when the VRP prefix
// length is ≤ the route's and the VRP prefix's bits equal the route's first bits; it "matches"
// when it covers, the route's origin ASN (not NONE) equals the VRP's, and the route's length is
// ≤ the VRP's maxLength. Valid: some VRP matches; Invalid: some covers, none matches;
// NotFound: none covers. A linear scan, no indexing.
function reference(
  vrps: readonly Vrp[],
  route: IpPrefix,
  origin: number | undefined,
): OriginValidity {
  let covered = false;
  for (const v of vrps) {
    const p = parsePrefix(v.prefix as string);
    if (p.family !== route.family || p.length > route.length) continue;
    if (!prefixContains(p, route.words)) continue;
    covered = true;
    if (origin !== undefined && origin !== 0 && v.asn === origin && route.length <= v.maxLength)
      return "valid";
  }
  return covered ? "invalid" : "not-found";
}

// Prefixes from a small address space (a few /16s, and 2001:db8::/32 below a few /40s), so VRPs
// and routes overlap, cover and nest often; ASNs from a handful.
const arbV4 = fc
  .tuple(
    fc.constantFrom(0x0a000000, 0x0a010000, 0xc0000200),
    fc.nat(0xffff),
    fc.integer({ min: 8, max: 32 }),
  )
  .map(
    ([base, low, len]): IpPrefix => ({
      family: 4,
      length: len,
      words: maskWords([(base | low) >>> 0, 0, 0, 0], len),
    }),
  );
const arbV6 = fc
  .tuple(
    fc.constantFrom(0x0a, 0x0b),
    fc.nat(0xffff),
    fc.nat(0xffffffff),
    fc.integer({ min: 24, max: 128 }),
  )
  .map(
    ([hi, mid, low, len]): IpPrefix => ({
      family: 6,
      length: len,
      words: maskWords([0x20010db8, ((hi << 24) | (mid << 8)) >>> 0, low, 0], len),
    }),
  );
const arbPrefix = fc.oneof({ arbitrary: arbV4, weight: 3 }, { arbitrary: arbV6, weight: 1 });
const arbAsn = fc.constantFrom(0, 64496, 64497, 64498, 4200000000);
const arbVrp: fc.Arbitrary<Vrp> = fc
  .tuple(arbPrefix, fc.nat(24), arbAsn)
  .map(([p, extra, asn]) => ({
    prefix: formatPrefix(p),
    maxLength: Math.min(p.length + extra, p.family === 4 ? 32 : 128),
    asn,
  }));
/** A route near the VRPs: one of their prefixes lengthened or shortened, or any prefix. */
const arbCase = fc.array(arbVrp, { maxLength: 30 }).chain((vrps) =>
  fc.record({
    vrps: fc.constant(vrps),
    route:
      vrps.length === 0
        ? arbPrefix
        : fc.oneof(
            arbPrefix,
            fc
              .tuple(fc.constantFrom(...vrps), fc.integer({ min: -4, max: 6 }), fc.nat())
              .map(([v, d, bits]) => {
                const p = parsePrefix(v.prefix as string);
                const max = p.family === 4 ? 32 : 128;
                const length = Math.max(0, Math.min(max, p.length + d));
                const w = p.words.map(
                  (x, i) =>
                    (i === 0 && p.family === 4 ? x ^ (bits & 0xff) : x ^ (i === 3 ? bits : 0)) >>>
                    0,
                );
                return { family: p.family, length, words: maskWords(w, length) } as IpPrefix;
              }),
          ),
    origin: fc.option(arbAsn, { nil: undefined }),
  }),
);

describe("RoaTable", () => {
  test.prop([arbCase], { numRuns: 3000 })(
    "validate agrees with the RFC 6811 reference",
    ({ vrps, route, origin }) => {
      const t = new RoaTable(vrps);
      expect(t.validate(route, origin)).toBe(reference(vrps, route, origin));
      // The same through the text and bgp-wire forms of the prefix.
      const text = formatPrefix(route);
      expect(t.validate(text, origin)).toBe(reference(vrps, route, origin));
      const slash = text.indexOf("/");
      expect(
        t.validate(
          { afi: route.family === 4 ? 1 : 2, address: text.slice(0, slash), length: route.length },
          origin,
        ),
      ).toBe(reference(vrps, route, origin));
    },
  );

  // Hundreds of scattered VRPs: the IPv4 trie grows its arrays several times while being built.
  test.prop(
    [
      fc
        .array(fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 16, max: 32 }), fc.nat(8), arbAsn), {
          minLength: 200,
          maxLength: 400,
        })
        .map((xs) =>
          xs.map(
            ([a, len, extra, asn]): Vrp => ({
              prefix: formatPrefix({ family: 4, length: len, words: maskWords([a, 0, 0, 0], len) }),
              maxLength: Math.min(32, len + extra),
              asn,
            }),
          ),
        ),
      fc.nat(),
      fc.integer({ min: -2, max: 4 }),
    ],
    // No shrinking: a failing case of hundreds of VRPs would shrink for minutes.
    { numRuns: 30, endOnFailure: true },
  )("a large table (its trie grown) agrees with the reference", (vrps, seed, d) => {
    const t = new RoaTable(vrps);
    for (let k = 0; k < 40; k++) {
      const v = parsePrefix(vrps[(seed + k * 7919) % vrps.length]!.prefix as string);
      const length = Math.max(0, Math.min(32, v.length + d));
      const route: IpPrefix = { family: 4, length, words: maskWords(v.words, length) };
      const origin = vrps[(seed + k) % vrps.length]!.asn;
      expect(t.validate(route, origin)).toBe(reference(vrps, route, origin));
    }
  });

  // Model-based: a table under adds and deletes behaves as a plain set of VRPs (size, contents,
  // validation), as an RTR session's incremental updates need.
  test.prop(
    [
      // Operations on a small pool, so that deletes and repeated adds hit VRPs present.
      fc
        .array(arbVrp, { minLength: 1, maxLength: 8 })
        .chain((pool) =>
          fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...pool)), { maxLength: 60 }),
        ),
      fc.array(fc.tuple(arbPrefix, fc.option(arbAsn, { nil: undefined })), {
        minLength: 1,
        maxLength: 10,
      }),
    ],
    { numRuns: 500 },
  )("add/delete against a set model", (ops, routes) => {
    const t = new RoaTable();
    const model = new Map<string, Vrp>();
    const key = (v: Vrp) => `${v.prefix} ${v.maxLength} ${v.asn}`;
    for (const [add, v] of ops) {
      const k = key(v);
      if (add) {
        expect(t.add(v)).toBe(!model.has(k));
        model.set(k, v);
      } else {
        expect(t.delete(v)).toBe(model.has(k));
        model.delete(k);
      }
      expect(t.size).toBe(model.size);
    }
    expect([...t.vrps()].map(key).sort()).toEqual([...model.keys()].sort());
    for (const [r, o] of routes)
      expect(t.validate(r, o)).toBe(reference([...model.values()], r, o));
  });
});

describe("originAs", () => {
  const arbSeg = fc.record({
    type: fc.constantFrom(
      "AS_SEQUENCE" as const,
      "AS_SET" as const,
      "AS_CONFED_SEQUENCE" as const,
      "AS_CONFED_SET" as const,
    ),
    asns: fc.array(fc.integer({ min: 1, max: 70000 }), { minLength: 1, maxLength: 4 }),
  });
  test.prop([
    fc.array(arbSeg, { maxLength: 4 }),
    fc.option(fc.integer({ min: 1, max: 70000 }), { nil: undefined }),
  ])(
    "is the last AS of a final AS_SEQUENCE, the local AS after confederation segments or none, NONE after an AS_SET",
    (path: AsPath, localAs) => {
      const o = originAs(path, { localAs });
      const last = path.at(-1);
      if (last === undefined) expect(o).toBe(localAs);
      else if (last.type === "AS_SEQUENCE") expect(o).toBe(last.asns.at(-1));
      else if (last.type === "AS_SET") expect(o).toBeUndefined();
      else expect(o).toBe(localAs);
    },
  );
});

describe("parseVrpJson", () => {
  test.prop([fc.array(arbVrp, { maxLength: 20 }), fc.boolean()])(
    "reads what a relying party writes (ASN as number or AS<n>)",
    (vrps, asText) => {
      const text = JSON.stringify({
        metadata: { generated: 1 },
        roas: vrps.map((v) => ({ ...v, asn: asText ? `AS${v.asn}` : v.asn, ta: "test" })),
      });
      expect(parseVrpJson(text)).toEqual(vrps);
    },
  );

  // Fuzz: arbitrary JSON, arbitrary text and mutated valid documents never crash the parser
  // with anything but a BgpRibError saying where.
  test.prop(
    [
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.jsonValue().map((roas) => JSON.stringify({ roas })),
        fc.array(fc.jsonValue()).map((roas) => JSON.stringify({ roas })),
        fc
          .tuple(
            fc.array(arbVrp, { minLength: 1, maxLength: 5 }),
            fc.nat(),
            fc.string({ maxLength: 3 }),
          )
          .map(([vrps, at, junk]) => {
            const t = JSON.stringify({ roas: vrps });
            const i = at % t.length;
            return t.slice(0, i) + junk + t.slice(i + 1);
          }),
      ),
    ],
    { numRuns: 3000 },
  )("fuzz: a result or a located BgpRibError", (text) => {
    try {
      const vrps = parseVrpJson(text);
      expect(new RoaTable(vrps).size).toBeLessThanOrEqual(vrps.length);
    } catch (e) {
      expect(BgpRibError.isInstance(e)).toBe(true);
      const where = (e as BgpRibError).where;
      expect(where.offset !== undefined || where.field !== undefined).toBe(true);
    }
  });
});

// After the VRPs change, re-deciding only the routes within the changed VRPs' prefixes
// (Rib.reevaluate) leaves the RIB as deciding all of them again (setPolicies) does, and as a RIB
// that validated against the new VRPs from the start: same Loc-RIB, same Adj-RIB-Out towards a
// second neighbour (the sum of the changes it was sent).
describe("Rib.reevaluate after VRP changes", () => {
  const arbRoute = fc.record({ prefix: arbPrefix, origin: fc.constantFrom(64496, 64497, 64498) });
  test.prop(
    [
      fc.array(arbVrp, { maxLength: 25 }),
      fc.array(arbVrp, { maxLength: 25 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.array(arbRoute, { minLength: 1, maxLength: 40 }),
    ],
    { numRuns: 300 },
  )(
    "equals setPolicies and a RIB validating against the new VRPs from the start",
    (before, added, dropped, routes) => {
      const key = (v: Vrp) => `${v.prefix} ${v.maxLength} ${v.asn}`;
      const removed =
        dropped.length === 0 || before.length === 0
          ? []
          : dropped.map((i) => before[i % before.length]!);
      const after = new Map(before.map((v) => [key(v), v]));
      for (const v of removed) after.delete(key(v));
      for (const v of added) after.set(key(v), v);
      const build = (vrps: Iterable<Vrp>) => {
        const table = new RoaTable(vrps);
        const policy = rejectInvalidOrigins(table);
        const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
        rib.addPeer({
          address: "10.0.0.2",
          asn: 64510,
          bgpIdentifier: "10.0.0.2",
          importPolicy: policy,
          exportPolicy: acceptAll,
        });
        rib.addPeer({
          address: "10.0.0.3",
          asn: 64520,
          bgpIdentifier: "10.0.0.3",
          importPolicy: acceptAll,
          exportPolicy: acceptAll,
        });
        rib.peerUp("10.0.0.2");
        rib.peerUp("10.0.0.3");
        const sent = new Map<string, string>(); // what 10.0.0.3 holds: prefix → AS path
        const take = (c: ChangeSet) => {
          const d = c.adjRibOut.get("10.0.0.3");
          for (const w of d?.withdrawn ?? []) sent.delete(`${w.address}/${w.length}`);
          for (const a of d?.announced ?? [])
            for (const n of a.nlri)
              sent.set(`${n.address}/${n.length}`, JSON.stringify(a.attributes.asPath));
        };
        for (const r of routes) {
          const p = formatPrefix(r.prefix);
          const [address, len] = p.split("/");
          const nlri = [
            {
              afi: r.prefix.family === 4 ? (1 as const) : (2 as const),
              address: address!,
              length: Number(len),
            },
          ];
          const attributes =
            r.prefix.family === 4
              ? {
                  origin: "IGP" as const,
                  asPath: [{ type: "AS_SEQUENCE" as const, asns: [64510, r.origin] }],
                  nextHop: "10.0.0.2",
                }
              : {
                  origin: "IGP" as const,
                  asPath: [{ type: "AS_SEQUENCE" as const, asns: [64510, r.origin] }],
                  mpReachNlri: { afi: 2 as const, safi: 1, nextHop: ["2001:db8::2"], nlri: [] },
                };
          take(rib.update("10.0.0.2", { announced: [{ attributes, nlri }] }));
        }
        return { table, policy, rib, sent, take };
      };
      const locRib = (rib: Rib) =>
        [...rib.locRib()].map((r) => `${r.prefix.address}/${r.prefix.length}`).sort();
      const a = build(before);
      const b = build(before);
      const fresh = build(after.values());
      for (const x of [a, b]) {
        for (const v of removed) x.table.delete(v);
        for (const v of added) x.table.add(v);
      }
      a.take(
        a.rib.reevaluate(
          "10.0.0.2",
          [...removed, ...added].map((v) => v.prefix as string),
        ),
      );
      b.take(b.rib.setPolicies("10.0.0.2", { importPolicy: b.policy, exportPolicy: acceptAll }));
      expect(locRib(a.rib)).toEqual(locRib(fresh.rib));
      expect(locRib(b.rib)).toEqual(locRib(fresh.rib));
      expect(new Map([...a.sent].sort())).toEqual(new Map([...fresh.sent].sort()));
      expect(new Map([...b.sent].sort())).toEqual(new Map([...fresh.sent].sort()));
      expect(a.rib.adjRibInCount("10.0.0.2")).toEqual(fresh.rib.adjRibInCount("10.0.0.2"));
    },
  );
});
