// IPv4 routes over IPv6 next hops (RFC 8950) and link-local next hops (RFC 2545 §3): a router
// with an IPv6-only session between link-local addresses (as BGP "unnumbered" fabrics run).
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { acceptingPeer } from "../test/routers";
import { compareAddresses } from "./decision";
import { acceptAll, setNextHopSelf } from "./policy";
import { Rib, type RibUpdate } from "./rib";

const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
const ann = (a: PathAttributes, ...prefixes: string[]): RibUpdate => ({
  announced: [{ attributes: a, nlri: prefixes.map(P) }],
});
const mp = (afi: 1 | 2, ...nextHop: string[]) => ({ afi, safi: 1, nextHop, nlri: [] });
/** A route from AS `asn` with next hop(s) `hops` (NEXT_HOP or MP_REACH_NLRI). */
const path = (asn: number, hops: Partial<PathAttributes>): PathAttributes => ({
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns: [asn] }],
  ...hops,
});

// L: a leaf over link-local addresses on eth1 (AS65001), with Extended Next Hop Encoding.
// V4: an IPv4-only eBGP neighbour. I: an iBGP neighbour without it.
const L = "fe80::2%eth1";
const V4 = "192.0.2.6";
const I = "10.0.0.2";

function router(): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  rib.addPeer(acceptingPeer(L, 65001, { bgpIdentifier: "10.1.1.1", localAddress: "fe80::1%eth1" }));
  rib.addPeer(acceptingPeer(V4, 65002, { localAddress: "192.0.2.5" }));
  rib.addPeer({ address: I, asn: 64500, bgpIdentifier: I, importPolicy: acceptAll });
  rib.peerUp(L, { extendedNextHop: true, localLinkLocalAddress: "fe80::1" });
  rib.peerUp(V4);
  rib.peerUp(I);
  return rib;
}

const outOf = (rib: Rib, peer: string, prefix: string) =>
  [...rib.adjRibOut(peer)].find((r) => `${r.prefix.address}/${r.prefix.length}` === prefix)
    ?.attributes;

describe("Extended Next Hop Encoding (RFC 8950) and link-local next hops", () => {
  it("takes IPv4 routes with an IPv6 next hop and forwards over it", () => {
    const rib = router();
    const c = rib.update(L, ann(path(65001, { mpReachNlri: mp(1, "fe80::2") }), "203.0.113.0/24"));
    expect(c.locRib.map((x) => x.current?.peer)).toEqual([L]);
    expect(rib.fib.lookup("203.0.113.9")).toBe("fe80::2");
    // To the IPv4 neighbour: our IPv4 address in NEXT_HOP, no MP_REACH_NLRI of AFI 1 left.
    const v4 = outOf(rib, V4, "203.0.113.0/24");
    expect(v4?.nextHop).toBe("192.0.2.5");
    expect(v4?.mpReachNlri).toBeUndefined();
    // The internal neighbour could not read the IPv6 next hop, and we do not set ours: not sent.
    expect(outOf(rib, I, "203.0.113.0/24")).toBeUndefined();
  });

  it("sends IPv4 and IPv6 routes over the link-local session with our link-local next hop", () => {
    const rib = router();
    rib.update(V4, ann(path(65002, { nextHop: V4 }), "198.51.100.0/24"));
    rib.update(V4, ann(path(65002, { mpReachNlri: mp(2, "2001:db8::6") }), "2001:db8:100::/48"));
    const v4 = outOf(rib, L, "198.51.100.0/24");
    expect(v4?.nextHop).toBeUndefined();
    expect(v4?.mpReachNlri).toEqual(mp(1, "fe80::1"));
    expect(outOf(rib, L, "2001:db8:100::/48")?.mpReachNlri).toEqual(mp(2, "fe80::1"));
    // With a global address too: global first, link-local second (RFC 2545 §3).
    const rib2 = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib2.addPeer(
      acceptingPeer(L, 65001, { bgpIdentifier: "10.1.1.1", localIpv6Address: "2001:db8:ff::1" }),
    );
    rib2.addPeer(acceptingPeer(V4, 65002, { localAddress: "192.0.2.5" }));
    rib2.peerUp(L, { extendedNextHop: true, localLinkLocalAddress: "fe80::1" });
    rib2.peerUp(V4);
    rib2.update(V4, ann(path(65002, { nextHop: V4 }), "198.51.100.0/24"));
    expect(outOf(rib2, L, "198.51.100.0/24")?.mpReachNlri).toEqual(
      mp(1, "2001:db8:ff::1", "fe80::1"),
    );
  });

  it("sends a new session without Extended Next Hop Encoding no IPv6 next hop for IPv4 routes", () => {
    const rib = router();
    const L2 = "fe80::3%eth2";
    rib.addPeer(
      acceptingPeer(L2, 65003, { bgpIdentifier: "10.1.1.3", localAddress: "fe80::1%eth2" }),
    );
    rib.peerUp(L2, { extendedNextHop: true });
    rib.update(V4, ann(path(65002, { nextHop: V4 }), "198.51.100.0/24"));
    rib.update(L2, ann(path(65003, { mpReachNlri: mp(1, "fe80::3") }), "203.0.113.0/24"));
    expect(outOf(rib, L, "203.0.113.0/24")?.mpReachNlri).toEqual(mp(1, "fe80::1"));
    rib.peerDown(L);
    rib.peerUp(L, { extendedNextHop: false });
    // No IPv4 address of ours on that session: routes keep their next hop — an IPv4 one is sent,
    // an IPv6 one is not.
    expect(outOf(rib, L, "198.51.100.0/24")).toMatchObject({ nextHop: V4 });
    expect(outOf(rib, L, "198.51.100.0/24")?.mpReachNlri).toBeUndefined();
    expect(outOf(rib, L, "203.0.113.0/24")).toBeUndefined();
    expect(rib.adjRibOutCount(L)).toEqual({ ipv4: 1, ipv6: 0 });
  });

  it("moves the session's next-hop settings with a graft", () => {
    const a = router();
    a.update(V4, ann(path(65002, { nextHop: V4 }), "198.51.100.0/24"));
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    b.addPeer(acceptingPeer(V4, 65002, { localAddress: "192.0.2.5" }));
    b.peerUp(V4);
    b.update(V4, ann(path(65002, { nextHop: V4 }), "198.51.100.0/24"));
    const imported = b.importSession(a.exportSession(L), {
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    // The same next hops as the old router sent: nothing to send.
    expect(imported.neighbor).toEqual({ withdrawn: [], announced: [] });
    expect(outOf(b, L, "198.51.100.0/24")?.mpReachNlri).toEqual(mp(1, "fe80::1"));
  });

  it("setNextHopSelf in a policy picks our next hop as the session does, from its settings", () => {
    // An iBGP neighbour over link-local addresses whose export policy sets next hop self.
    const rib = router();
    const L2 = "fe80::3%eth2";
    rib.addPeer({
      address: L2,
      asn: 64500,
      bgpIdentifier: "10.1.1.3",
      localAddress: "fe80::1%eth2",
      exportPolicy: setNextHopSelf(),
    });
    rib.peerUp(L2, { extendedNextHop: true, localLinkLocalAddress: "fe80::1" });
    rib.update(V4, ann(path(65002, { nextHop: V4 }), "198.51.100.0/24"));
    rib.update(V4, ann(path(65002, { mpReachNlri: mp(2, "2001:db8::6") }), "2001:db8:100::/48"));
    expect(outOf(rib, L2, "198.51.100.0/24")?.mpReachNlri).toEqual(mp(1, "fe80::1"));
    expect(outOf(rib, L2, "2001:db8:100::/48")?.mpReachNlri).toEqual(mp(2, "fe80::1"));
    // The next session without Extended Next Hop Encoding: we have no next hop for IPv4 routes
    // there, so the policy leaves them as they are — and they are still sent.
    rib.peerDown(L2);
    rib.peerUp(L2, { extendedNextHop: false });
    expect(outOf(rib, L2, "198.51.100.0/24")).toMatchObject({ nextHop: V4 });
    expect(outOf(rib, L2, "2001:db8:100::/48")?.mpReachNlri).toEqual(mp(2, "fe80::1"));
  });

  it("orders link-local neighbours by address, then by interface", () => {
    expect(compareAddresses("fe80::2%eth1", "fe80::10%eth0")).toBeLessThan(0);
    expect(compareAddresses("fe80::2%eth1", "fe80::2%eth0")).toBeGreaterThan(0);
    expect(compareAddresses("fe80::2%eth0", "fe80::2%eth0")).toBe(0);
  });
});
