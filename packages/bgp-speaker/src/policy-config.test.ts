// Policies of the router's configuration: parsed and checked field by field, compiled, and applied
// by routers over a memory pipe (import and export; an import policy matching on RPKI validity
// decided again as the VRPs change).
import type { PathAttributes } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { parseRouterSpec } from "./config";
import type { PolicyDefinitions } from "./policy-config";
import { parseLargeCommunity } from "./policy-config";
import { Router } from "./router";
import { flush, routerPair } from "./test-support";

const POLICIES: PolicyDefinitions = {
  in: [
    { match: { community: "64501:666" }, action: "reject" },
    {
      match: { prefixList: [{ prefix: "198.18.0.0/16", le: 24 }] },
      set: { localPref: 200, addCommunities: ["64500:100"], deleteCommunities: ["64501:1"] },
      action: "accept",
    },
    { set: { med: 7 }, action: "next" },
    { match: { asPath: "^64501$" }, action: "accept" },
  ],
  out: [{ set: { prepend: 2, addLargeCommunities: ["64500:1:2"] }, action: "accept" }],
  rov: [
    { match: { rpki: "invalid" }, set: { localPref: 50 }, action: "accept" },
    { action: "accept" },
  ],
};

/** r1 (AS 64501) originates three routes; r2 (AS 64500) imports with `imp`, exports with `exp`. */
async function pair(imp: string, exp: string, own: string[] = []) {
  const pair = routerPair({
    originate: [
      { prefix: "198.18.1.0/24", communities: ["64501:1", "64501:2"] },
      { prefix: "198.18.2.0/24", communities: ["64501:666"] },
      { prefix: "203.0.113.0/24" },
    ],
    r2Neighbor: { importPolicy: imp, exportPolicy: exp },
    r2Spec: { originate: own.map((prefix) => ({ prefix })), policies: POLICIES },
  });
  await flush(20);
  return pair;
}

const texts = (a: PathAttributes | undefined) =>
  (a?.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);

describe("configured policies", () => {
  it("import: first matching term decides; accept with changes, reject, next then accept, implicit reject", async () => {
    const { r1, r2 } = await pair("in", "reject");
    // 198.18.1.0/24: the prefix-list term — LOCAL_PREF 200, 64500:100 added, 64501:1 deleted.
    const a = r2.rib.bestRoute("198.18.1.0/24")?.attributes;
    expect(a?.localPref).toBe(200);
    expect(texts(a)).toEqual(["64501:2", "64500:100"]);
    // 198.18.2.0/24 carries 64501:666: rejected by the first term.
    expect(r2.rib.bestRoute("198.18.2.0/24")).toBeUndefined();
    // 203.0.113.0/24: MED 7 (next), then accepted by its AS path.
    expect(r2.rib.bestRoute("203.0.113.0/24")?.attributes.multiExitDisc).toBe(7);
    // A route no term accepts: from AS 64501 via another AS (not ^64501$) — rejected.
    r1.originate([{ prefix: "100.64.0.0/24", asPath: [64999] }]);
    await flush();
    expect(r2.rib.bestRoute("100.64.0.0/24")).toBeUndefined();
    expect(
      r2.rib.explain("100.64.0.0/24").candidates.length +
        r2.rib.explain("100.64.0.0/24").rejected.length,
    ).toBe(1);
  });

  it("export: what r2 sends r1 is prepended and tagged", async () => {
    const { r1 } = await pair("reject", "out", ["192.0.2.128/25"]);
    const a = r1.rib.bestRoute("192.0.2.128/25")?.attributes;
    expect(a?.asPath?.flatMap((s) => s.asns)).toEqual([64500, 64500, 64500]);
    expect(a?.largeCommunities).toEqual([parseLargeCommunity("64500:1:2")]);
  });

  it("an import policy matching on rpki is decided again when the VRPs change", async () => {
    const { r2 } = await pair("rov", "reject");
    expect(r2.rib.bestRoute("198.18.1.0/24")?.attributes.localPref).toBeUndefined();
    r2.setVrps([{ prefix: "198.18.0.0/16", maxLength: 24, asn: 64999 }]); // 64501 now invalid
    await flush();
    expect(r2.rib.bestRoute("198.18.1.0/24")?.attributes.localPref).toBe(50);
    expect(r2.rib.bestRoute("203.0.113.0/24")?.attributes.localPref).toBeUndefined();
    r2.setVrps([]);
    await flush();
    expect(r2.rib.bestRoute("198.18.1.0/24")?.attributes.localPref).toBeUndefined();
  });

  it("changes policies while running: routes decided and sent again, no session reset (setPolicies)", async () => {
    const { r1, r2 } = await pair("in", "out", ["192.0.2.128/25"]);
    const events: string[] = [];
    r1.on("session", (_n, from, to) => events.push(`${from}>${to}`));
    r2.on("session", (_n, from, to) => events.push(`${from}>${to}`));
    expect(r2.rib.bestRoute("198.18.1.0/24")?.attributes.localPref).toBe(200);
    const res = r2.setPolicies({
      ...POLICIES,
      in: [
        { match: { prefixList: [{ prefix: "198.18.1.0/24" }] }, action: "reject" },
        { set: { localPref: 300 }, action: "accept" },
      ],
      out: [{ action: "accept" }],
    });
    expect(res.neighbors).toEqual(["r1"]);
    await flush();
    expect(r2.rib.bestRoute("198.18.1.0/24")).toBeUndefined();
    expect(r2.rib.bestRoute("198.18.2.0/24")?.attributes.localPref).toBe(300);
    expect(r2.rib.bestRoute("203.0.113.0/24")?.attributes.localPref).toBe(300);
    // r1 gets r2's route again, without the prepend and large community.
    const a = r1.rib.bestRoute("192.0.2.128/25")?.attributes;
    expect(a?.asPath?.flatMap((x) => x.asns)).toEqual([64500]);
    expect(a?.largeCommunities).toBeUndefined();
    expect(events).toEqual([]);
    expect(r2.session("r1").state).toBe("Established");
    // A policy a neighbour uses cannot go; a bad one changes nothing.
    expect(() => r2.setPolicies({ out: [{ action: "accept" }] })).toThrow(
      /importPolicy "in" would name no policy/,
    );
    expect(() =>
      r2.setPolicies({ in: [{ match: { community: "x" }, action: "accept" }], out: [] }),
    ).toThrow(/policies\.in\[0\]\.match\.community/);
    expect(r2.policyDefinitions.out).toEqual([{ action: "accept" }]);
  });

  it("refuses an unknown policy name, and one matching on rpki for export, when a neighbour is added", () => {
    const spec = {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      neighbors: [],
      policies: POLICIES,
    };
    const r = new Router(spec);
    const n = { name: "x", address: "192.0.2.9", asn: 64509 };
    expect(() => r.addNeighbor({ ...n, importPolicy: "nope" })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "importPolicy" } }),
    );
    expect(() => r.addNeighbor({ ...n, exportPolicy: "rov" })).toThrow(/matches on rpki/);
    expect(() => new Router({ ...spec, policies: { accept: [{ action: "reject" }] } })).toThrow(
      /redefines a built-in/,
    );
  });

  it("is configured by policies, checked field by field", () => {
    const base = {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      neighbors: [{ name: "x", address: "192.0.2.9", asn: 64509, importPolicy: "in" }],
    };
    expect(parseRouterSpec({ ...base, policies: POLICIES }).policies).toEqual(POLICIES);
    const bad =
      (policies: unknown, neighbors = base.neighbors) =>
      () =>
        parseRouterSpec({ ...base, neighbors, policies });
    expect(bad({ other: [{ action: "accept" }] })).toThrow(
      /neighbors\[0\]\.importPolicy names no policy: "in"/,
    );
    expect(
      bad(POLICIES, [
        { name: "x", address: "192.0.2.9", asn: 64509, exportPolicy: "rov" } as never,
      ]),
    ).toThrow(/neighbors\[0\]\.exportPolicy names "rov", which matches on rpki/);
    expect(bad({ in: [] })).toThrow(/policies\.in must be a non-empty list of terms/);
    expect(bad({ in: [{ action: "drop" }] })).toThrow(/policies\.in\[0\]\.action must be/);
    expect(bad({ in: [{ set: { med: 1 }, action: "reject" }] })).toThrow(
      /policies\.in\[0\]\.set has no effect/,
    );
    expect(bad({ in: [{ match: { colour: "red" }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.match\.colour is not a known match/,
    );
    expect(bad({ in: [{ match: { community: "1:2:3" }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.match\.community is not a community/,
    );
    expect(bad({ in: [{ set: { addLargeCommunities: ["1:2"] }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.set\.addLargeCommunities\[0\] is not a large community/,
    );
    expect(bad({ in: [{ set: { nextHop: "slef" }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.set\.nextHop must be an IP address/,
    );
    expect(bad({ in: [{ set: { nextHop: "self" }, action: "accept" }] })).not.toThrow();
    expect(bad({ in: [{ match: { asPath: "(" }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.match\.asPath/,
    );
    expect(
      bad({ in: [{ match: { prefixList: [{ prefix: "10.0.0.0/8", ge: 4 }] }, action: "accept" }] }),
    ).toThrow(/policies\.in\[0\]\.match\.prefixList bad ge\/le/);
    expect(
      bad({ in: [{ match: { prefixList: [{ prefix: "10.0.0.0/33" }] }, action: "accept" }] }),
    ).toThrow(/policies\.in\[0\]\.match\.prefixList\[0\]\.prefix must be a prefix/);
    expect(bad({ in: [{ match: { rpki: "bogus" }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.match\.rpki must be "valid", "invalid" or "not-found"/,
    );
    expect(
      bad({ in: [{ match: { asPathLength: { min: 3, max: 2 } }, action: "accept" }] }),
    ).toThrow(/policies\.in\[0\]\.match\.asPathLength has min above max/);
    expect(bad({ in: [{ match: { asPathLength: {} }, action: "accept" }] })).toThrow(
      /asPathLength needs min, max or both/,
    );
    expect(bad({ in: [{ set: { deleteCommunities: ["70000:*"] }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.set\.deleteCommunities\[0\] is not a community pattern/,
    );
    expect(bad({ in: [{ set: { addCommunities: ["64500:*"] }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.set\.addCommunities\[0\] is not a community/,
    );
    expect(bad({ in: [{ set: { prepend: 11 }, action: "accept" }] })).toThrow(
      /policies\.in\[0\]\.set\.prepend must be an integer in 1\.\.10/,
    );
    expect(bad({ "reject-invalid": [{ action: "accept" }], in: [{ action: "accept" }] })).toThrow(
      /policies\.reject-invalid redefines a built-in policy/,
    );
    expect(bad({ "a b": [{ action: "accept" }], in: [{ action: "accept" }] })).toThrow(
      /policies\.a b is not a policy name/,
    );
    // Names are names: none is taken from Object.prototype.
    const inherited = [{ name: "x", address: "192.0.2.9", asn: 64509, importPolicy: "toString" }];
    expect(bad(undefined, inherited as never)).toThrow(/importPolicy names no policy: "toString"/);
    const proto = JSON.parse(
      '{"__proto__": [{"action": "accept"}], "constructor": [{"action": "reject"}]}',
    );
    const spec = parseRouterSpec({
      ...base,
      neighbors: [{ ...base.neighbors[0], importPolicy: "__proto__" }],
      policies: proto,
    });
    expect(Object.keys(spec.policies ?? {}).sort()).toEqual(["__proto__", "constructor"]);
  });
});
