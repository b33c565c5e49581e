import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { acceptingPeer } from "../test/routers";
import { BgpRibError } from "./errors";
import {
  acceptAll,
  addCommunities,
  addLargeCommunities,
  asPathText,
  chain,
  community,
  deleteCommunities,
  deleteLargeCommunities,
  hasCommunity,
  hasLargeCommunity,
  matchAsPath,
  matchPrefixList,
  type PolicyRoute,
  prefixList,
  prepend,
  rejectAll,
  setLocalPref,
  setMed,
  setNextHop,
  setNextHopSelf,
  when,
} from "./policy";
import { Rib } from "./rib";

const pfx = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
const route = (prefix: string, attributes: PathAttributes = {}): PolicyRoute => {
  const [address, len] = prefix.split("/");
  const p: Prefix = { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
  return { prefix: p, attributes, peer: { address: "192.0.2.2", asn: 64501, kind: "ebgp" } };
};

describe("prefix lists (ge/le as in Cisco IOS / FRR)", () => {
  const m = matchPrefixList([
    { prefix: "10.0.0.0/8", action: "deny", ge: 30 },
    { prefix: "10.0.0.0/8", le: 24 },
    { prefix: "192.0.2.0/24" },
    { prefix: "2001:db8::/32", ge: 48, le: 64 },
  ]);
  it.each([
    ["10.0.0.0/8", true],
    ["10.1.0.0/16", true],
    ["10.1.2.0/24", true],
    ["10.1.2.0/25", false],
    ["10.1.2.4/30", false], // denied by the first entry
    ["11.0.0.0/8", false],
    ["192.0.2.0/24", true],
    ["192.0.2.0/25", false], // exact length only without ge/le
    ["2001:db8:1::/48", true],
    ["2001:db8::/32", false],
    ["2001:db9::/48", false],
  ])("%s → %s", (p, want) => {
    expect(m(route(p))).toBe(want);
  });
  it("rejects inconsistent ge/le", () => {
    expect(() => matchPrefixList([{ prefix: "10.0.0.0/8", ge: 4 }])).toThrow(BgpRibError);
    expect(() => matchPrefixList([{ prefix: "10.0.0.0/8", ge: 20, le: 16 }])).toThrow(BgpRibError);
  });
  it("as a policy: permit accepts unchanged, no match rejects", () => {
    const r = route("10.1.0.0/16", { origin: "IGP" });
    expect(prefixList([{ prefix: "10.0.0.0/8", le: 24 }])(r)).toBe(r.attributes);
    expect(prefixList([{ prefix: "10.0.0.0/8", le: 24 }])(route("12.0.0.0/8"))).toBeUndefined();
  });
});

describe("AS-path regular expressions", () => {
  const a: PathAttributes = {
    asPath: [
      { type: "AS_SEQUENCE", asns: [64501, 3356, 1299] },
      { type: "AS_SET", asns: [7, 8] },
    ],
  };
  it("renders the path as routers show it", () => {
    expect(asPathText(a.asPath)).toBe("64501 3356 1299 {7,8}");
    expect(asPathText([{ type: "AS_CONFED_SEQUENCE", asns: [1, 2] }])).toBe("(1 2)");
  });
  it.each([
    ["^64501_", true],
    ["_3356_", true],
    ["_335_", false],
    ["_1299_", true],
    ["_8$", false],
    ["_8}$", true],
    ["^$", false],
  ])("%s", (re, want) => {
    expect(matchAsPath(re)(route("10.0.0.0/8", a))).toBe(want);
  });
  it("rejects a bad expression", () => {
    expect(() => matchAsPath("(")).toThrow(BgpRibError);
  });
});

describe("communities (RFC 1997, RFC 8092)", () => {
  it("parses text and well-known names", () => {
    expect(community("65000:100")).toBe(0xfde80064);
    expect(community("no-export")).toBe(0xffffff01);
    expect(community("no-advertise")).toBe(0xffffff02);
    expect(() => community("70000:1")).toThrow(BgpRibError);
  });
  it("add, match and delete", () => {
    const r = route("10.0.0.0/8", { communities: [community("65000:1")] });
    const added = addCommunities([community("65000:2"), community("65000:1")])(r)!;
    expect(added.communities).toEqual([community("65000:1"), community("65000:2")]);
    expect(hasCommunity(community("65000:2"))({ ...r, attributes: added })).toBe(true);
    const del = deleteCommunities((c) => c >>> 16 === 65000)({ ...r, attributes: added })!;
    expect(del.communities).toBeUndefined();
    const lc = { globalAdministrator: 64500, localDataPart1: 1, localDataPart2: 2 };
    const withLc = addLargeCommunities([lc])(r)!;
    expect(hasLargeCommunity(lc)({ ...r, attributes: withLc })).toBe(true);
    expect(
      deleteLargeCommunities(() => true)({ ...r, attributes: withLc })!.largeCommunities,
    ).toBeUndefined();
  });
});

describe("actions and composition", () => {
  it("set LOCAL_PREF, MED, next hop; prepend", () => {
    const r = route("10.0.0.0/8", {
      asPath: [{ type: "AS_SEQUENCE", asns: [64501] }],
      multiExitDisc: 5,
    });
    const out = chain(
      setLocalPref(200),
      setMed(undefined),
      setNextHop("192.0.2.254"),
      prepend(64500, 2),
    )(r)!;
    expect(out.localPref).toBe(200);
    expect(out.multiExitDisc).toBeUndefined();
    expect(out.nextHop).toBe("192.0.2.254");
    expect(out.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64500, 64500, 64501] }]);
    expect(setNextHop("2001:db8::1")(r)!.mpReachNlri?.nextHop).toEqual(["2001:db8::1"]);
    expect(setMed(7)(r)!.multiExitDisc).toBe(7);
  });
  it("next hop self: the session's own address for the route's family, per route, in a RIB's export", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib.addPeer(acceptingPeer("192.0.2.2", 64501));
    // iBGP: next hops pass unchanged, but for routes tagged 64500:100.
    rib.addPeer({
      address: "10.0.0.2",
      asn: 64500,
      bgpIdentifier: "10.0.0.2",
      localAddress: "10.0.0.1",
      localIpv6Address: "2001:db8::1",
      exportPolicy: when(hasCommunity(community("64500:100")), setNextHopSelf()),
    });
    rib.addPeer({ address: "10.0.0.3", asn: 64500, bgpIdentifier: "10.0.0.3" });
    for (const a of rib.peerAddresses()) rib.peerUp(a);
    const tagged = { origin: "IGP" as const, communities: [community("64500:100")] };
    const path = [{ type: "AS_SEQUENCE" as const, asns: [64501] }];
    rib.update("192.0.2.2", {
      announced: [
        {
          attributes: { ...tagged, asPath: path, nextHop: "192.0.2.2" },
          nlri: [pfx("198.51.100.0/24")],
        },
        {
          attributes: { origin: "IGP", asPath: path, nextHop: "192.0.2.2" },
          nlri: [pfx("203.0.113.0/24")],
        },
        {
          attributes: {
            ...tagged,
            asPath: path,
            mpReachNlri: {
              afi: 2,
              safi: 1,
              nextHop: ["2001:db8:9::2"],
              nlri: [pfx("2001:db8:1::/48")],
            },
          },
          nlri: [pfx("2001:db8:1::/48")],
        },
      ],
    });
    const hops = (peer: string) =>
      new Map(
        [...rib.adjRibOut(peer)].map((r) => [
          `${r.prefix.address}/${r.prefix.length}`,
          r.attributes.nextHop ?? r.attributes.mpReachNlri?.nextHop[0],
        ]),
      );
    expect(hops("10.0.0.2")).toEqual(
      new Map([
        ["198.51.100.0/24", "10.0.0.1"],
        ["203.0.113.0/24", "192.0.2.2"],
        ["2001:db8:1::/48", "2001:db8::1"],
      ]),
    );
    // Another iBGP neighbour, without the policy, gets every next hop as received.
    expect(hops("10.0.0.3").get("198.51.100.0/24")).toBe("192.0.2.2");
    // Without a local address the policy leaves the next hop as it is.
    expect(setNextHopSelf()(route("198.51.100.0/24", { nextHop: "192.0.2.2" }))!.nextHop).toBe(
      "192.0.2.2",
    );
  });
  it("next hop of an IPv4 route: an IPv6 address goes in an MP_REACH_NLRI of AFI 1 (RFC 8950), without a zone", () => {
    const r = route("198.51.100.0/24", { nextHop: "192.0.2.2" });
    const out = setNextHop("fe80::1%eth1")(r)!;
    expect(out.nextHop).toBeUndefined();
    expect(out.mpReachNlri).toEqual({ afi: 1, safi: 1, nextHop: ["fe80::1"], nlri: [] });
    // And back: an IPv4 next hop replaces the MP_REACH_NLRI of AFI 1.
    const back = setNextHop("192.0.2.9")(route("198.51.100.0/24", out))!;
    expect([back.nextHop, back.mpReachNlri]).toEqual(["192.0.2.9", undefined]);
    // Next hop self over a session between link-local addresses: our link-local address (for
    // IPv4 routes with Extended Next Hop Encoding; without it we have none, and the route keeps
    // its own).
    const onLink = {
      ...r,
      peer: {
        address: "fe80::2%eth1",
        asn: 64501,
        kind: "ebgp" as const,
        localAddress: "fe80::1%eth1",
        extendedNextHop: true,
      },
    };
    expect(setNextHopSelf()(onLink)!.mpReachNlri?.nextHop).toEqual(["fe80::1"]);
    const noEnh = { ...onLink, peer: { ...onLink.peer, extendedNextHop: false } };
    expect(setNextHopSelf()(noEnh)).toBe(noEnh.attributes);
    const v6 = { ...onLink, prefix: { afi: 2 as const, address: "2001:db8:1::", length: 48 } };
    expect(setNextHopSelf()(v6)!.mpReachNlri).toEqual({
      afi: 2,
      safi: 1,
      nextHop: ["fe80::1"],
      nlri: [],
    });
  });
  it("the first rejection wins; when/otherwise", () => {
    const r = route("10.0.0.0/8", { communities: [community("65000:666")] });
    expect(chain(setLocalPref(1), rejectAll, setLocalPref(2))(r)).toBeUndefined();
    const p = when(hasCommunity(community("65000:666")), rejectAll, setLocalPref(50));
    expect(p(r)).toBeUndefined();
    expect(p(route("10.0.0.0/8", {}))!.localPref).toBe(50);
  });
  it("marks which policies may be cached per attribute set", () => {
    expect(chain(setLocalPref(1), prepend(1)).prefixIndependent).toBe(true);
    expect(chain(setLocalPref(1), prefixList([{ prefix: "10.0.0.0/8" }])).prefixIndependent).toBe(
      false,
    );
    expect(acceptAll.prefixIndependent).toBe(true);
  });
});
