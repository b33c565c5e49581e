// Property of configured policies: the compiled policy (bgp-rib's when/chain/… built-ins) gives,
// on arbitrary routes and arbitrary term lists, what a reference interpreter written straight
// from the semantics of PolicyTerm gives — terms tried in order, the first whose conditions all
// hold applies its changes; accept ends with the route as changed, reject ends with nothing, next
// goes on with the changed route; no accepting term: rejected. The reference changes attributes
// itself (LOCAL_PREF, MED, next hop, prepend, communities) and matches communities (with "*" patterns) and
// AS_PATH lengths itself; prefix lists, AS-path expressions and RPKI use bgp-rib's matchers.
import {
  community,
  matchAsPath,
  matchOriginValidity,
  matchPrefixList,
  type PolicyRoute,
  RoaTable,
} from "@dyninfra/bgp-rib";
import type { AsPath, PathAttributes } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { parsePolicies } from "./config";
import { BgpSpeakerError } from "./errors";
import { compilePolicy, type PolicyTerm } from "./policy-config";

const ASN = 64500;
const COMMUNITIES = ["64500:1", "64500:2", "no-export"];
/** Community patterns: a half may be "*". */
const PATTERNS = ["64500:*", "*:2"];
const PREFIXES = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/25", "10.1.0.0/16"];
const PREFIX_LISTS = [
  [{ prefix: "10.0.0.0/16", ge: 24, le: 24 }],
  [
    { prefix: "10.0.1.0/24", action: "deny" as const },
    { prefix: "10.0.0.0/8", le: 32 },
  ],
  [{ prefix: "10.1.0.0/16" }],
];
const REGEXES = ["^64501_", "_64502$", "_64503_"];
const roas = new RoaTable([
  { prefix: "10.0.0.0/16", maxLength: 24, asn: 64502 },
  { prefix: "10.1.0.0/16", maxLength: 16, asn: 64503 },
]);

const sub = <T>(xs: readonly T[]) => fc.subarray([...xs], { minLength: 1 });

const term: fc.Arbitrary<PolicyTerm> = fc
  .record(
    {
      match: fc.record(
        {
          prefixList: fc.constantFrom(...PREFIX_LISTS),
          asPath: fc.constantFrom(...REGEXES),
          community: fc.constantFrom(...COMMUNITIES, ...PATTERNS),
          asPathLength: fc
            .record({ min: fc.nat(4), max: fc.nat(4) }, { requiredKeys: [] })
            .filter((l) => (l.min ?? 0) <= (l.max ?? 9) && (l.min ?? l.max) !== undefined),
          rpki: fc.constantFrom("valid" as const, "invalid" as const, "not-found" as const),
        },
        { requiredKeys: [] },
      ),
      set: fc.record(
        {
          localPref: fc.nat(300),
          med: fc.nat(100),
          nextHop: fc.constantFrom("192.0.2.77", "self"),
          prepend: fc.integer({ min: 1, max: 3 }),
          addCommunities: sub(COMMUNITIES),
          deleteCommunities: sub([...COMMUNITIES, ...PATTERNS, "*"]),
        },
        { requiredKeys: [] },
      ),
      action: fc.constantFrom("accept" as const, "reject" as const, "next" as const),
    },
    { requiredKeys: ["action"] },
  )
  .map((t) => (t.action === "reject" ? { match: t.match, action: t.action } : t));

const route: fc.Arbitrary<PolicyRoute> = fc
  .record({
    prefix: fc.constantFrom(...PREFIXES),
    path: fc.array(fc.constantFrom(64501, 64502, 64503), { minLength: 1, maxLength: 3 }),
    communities: fc.option(sub(COMMUNITIES), { nil: undefined }),
    localPref: fc.option(fc.nat(300), { nil: undefined }),
    med: fc.option(fc.nat(100), { nil: undefined }),
    local: fc.option(fc.constant("192.0.2.1"), { nil: undefined }),
  })
  .map((r) => {
    const [address, length] = r.prefix.split("/");
    const attributes: PathAttributes = {
      origin: "IGP",
      asPath: [{ type: "AS_SEQUENCE", asns: r.path }],
      nextHop: "192.0.2.2",
      ...(r.med !== undefined ? { multiExitDisc: r.med } : {}),
      ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
      ...(r.communities !== undefined ? { communities: r.communities.map(community) } : {}),
    };
    return {
      prefix: { afi: 1 as const, address: address!, length: Number(length) },
      attributes,
      peer: {
        address: "192.0.2.2",
        asn: 64501,
        kind: "ebgp" as const,
        ...(r.local !== undefined ? { localAddress: r.local } : {}),
      },
    };
  });

/** Whether community c matches a text of the configuration (exact, name, or pattern). */
const fits = (text: string, c: number): boolean => {
  if (text === "*") return true;
  const [hi, lo] = text.split(":");
  if (hi === "*" || lo === "*")
    return (hi === "*" || c >>> 16 === Number(hi)) && (lo === "*" || (c & 0xffff) === Number(lo));
  return c === community(text);
};

/** The reference: PolicyTerm's semantics, attribute changes written out here. */
function reference(terms: readonly PolicyTerm[], r: PolicyRoute): PathAttributes | undefined {
  let a = r.attributes;
  for (const t of terms) {
    const m = t.match ?? {};
    const now = { ...r, attributes: a };
    if (m.prefixList !== undefined && !matchPrefixList(m.prefixList)(now)) continue;
    if (m.asPath !== undefined && !matchAsPath(m.asPath)(now)) continue;
    if (m.community !== undefined && !(a.communities ?? []).some((c) => fits(m.community!, c)))
      continue;
    if (m.asPathLength !== undefined) {
      // Only AS_SEQUENCE segments here (prepend keeps it so): their ASN count.
      const n = (a.asPath ?? []).reduce((k, seg) => k + seg.asns.length, 0);
      if (n < (m.asPathLength.min ?? 0) || n > (m.asPathLength.max ?? Number.POSITIVE_INFINITY))
        continue;
    }
    if (
      m.rpki !== undefined &&
      !matchOriginValidity(roas, m.rpki as "valid", { localAs: ASN })(now)
    )
      continue;
    if (t.action === "reject") return undefined;
    const s = t.set ?? {};
    if (s.localPref !== undefined) a = { ...a, localPref: s.localPref };
    if (s.med !== undefined) a = { ...a, multiExitDisc: s.med };
    // "self": the session's local address; without one the next hop stays.
    if (s.nextHop !== undefined)
      a = { ...a, nextHop: s.nextHop === "self" ? (r.peer.localAddress ?? a.nextHop) : s.nextHop };
    if (s.prepend !== undefined) {
      const path = a.asPath ?? [];
      const first = path[0];
      const own = Array<number>(s.prepend).fill(ASN);
      const asPath: AsPath =
        first?.type === "AS_SEQUENCE"
          ? [{ type: "AS_SEQUENCE", asns: [...own, ...first.asns] }, ...path.slice(1)]
          : [{ type: "AS_SEQUENCE", asns: own }, ...path];
      a = { ...a, asPath };
    }
    if (s.addCommunities !== undefined) {
      const cur = a.communities ?? [];
      const add = s.addCommunities.map(community).filter((c) => !cur.includes(c));
      a = { ...a, communities: [...cur, ...add] };
    }
    if (s.deleteCommunities !== undefined && a.communities !== undefined) {
      const del = s.deleteCommunities;
      const kept = a.communities.filter((c) => !del.some((d) => fits(d, c)));
      const { communities: _, ...rest } = a;
      a = kept.length === 0 ? rest : { ...rest, communities: kept };
    }
    if (t.action === "accept") return a;
  }
  return undefined;
}

test.prop(
  [fc.array(term, { minLength: 1, maxLength: 6 }), fc.array(route, { minLength: 1, maxLength: 8 })],
  {
    numRuns: 500,
  },
)(
  "a compiled policy decides and changes every route as the reference interpreter does",
  (terms, routes) => {
    const { policy, usesRpki } = compilePolicy(terms, { asn: ASN, roas, field: "policies.p" });
    expect(usesRpki).toBe(terms.some((t) => t.match?.rpki !== undefined));
    for (const r of routes) expect(policy(r)).toEqual(reference(terms, r));
  },
);

// What PUT /policies takes comes off the network: any JSON gives definitions or a BAD_CONFIG
// error naming a field under "policies" — never another exception. Half the inputs are valid
// definitions with one value somewhere replaced by arbitrary JSON.
const junk = fc.jsonValue({ maxDepth: 3 });
const replaceSomewhere = (v: unknown, path: number, with_: unknown): unknown => {
  if (Array.isArray(v) && v.length > 0) {
    const i = path % v.length;
    const copy = [...v];
    copy[i] = path % 3 === 0 ? with_ : replaceSomewhere(v[i], Math.floor(path / 3), with_);
    return copy;
  }
  if (typeof v === "object" && v !== null) {
    const keys = Object.keys(v);
    if (keys.length === 0) return with_;
    const k = keys[path % keys.length]!;
    return {
      ...v,
      [k]:
        path % 3 === 0
          ? with_
          : replaceSomewhere((v as Record<string, unknown>)[k], Math.floor(path / 3), with_),
    };
  }
  return with_;
};
test.prop(
  [
    fc.oneof(
      junk,
      fc
        .tuple(fc.array(term, { minLength: 1, maxLength: 4 }), fc.nat(), junk)
        .map(([terms, path, j]) => replaceSomewhere({ p: terms }, path, j)),
    ),
  ],
  { numRuns: 2000 },
)("any JSON is parsed into policies or refused with a BAD_CONFIG error naming the field", (v) => {
  try {
    const defs = parsePolicies(v, ASN);
    for (const [name, terms] of Object.entries(defs))
      compilePolicy(terms, { asn: ASN, roas, field: `policies.${name}` });
  } catch (e) {
    expect(BgpSpeakerError.isInstance(e)).toBe(true);
    expect((e as BgpSpeakerError).code).toBe("BAD_CONFIG");
    expect((e as BgpSpeakerError).where.field).toMatch(/^policies/);
  }
});
