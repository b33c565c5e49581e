// Long-Lived Graceful Restart (RFC 9494) in the RIB: the receiving speaker's side.
import { type PathAttributes, type Prefix, WELL_KNOWN_COMMUNITY } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { acceptingPeer } from "../test/routers";
import { BgpRibError } from "./errors";
import { acceptAll, addCommunities } from "./policy";
import { Rib, type RibUpdate } from "./rib";

const { LLGR_STALE, NO_LLGR } = WELL_KNOWN_COMMUNITY;
const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
const attrs = (asns: number[], nextHop: string, communities?: number[]): PathAttributes => ({
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns }],
  nextHop,
  ...(communities === undefined ? {} : { communities }),
});
const ann = (a: PathAttributes, ...prefixes: string[]): RibUpdate => ({
  announced: [{ attributes: a, nlri: prefixes.map(P) }],
});

// A (AS64501) and B (AS64502) upstreams; C an eBGP customer without LLGR, D one with it.
const A = "192.0.2.2";
const B = "192.0.2.6";
const C = "192.0.2.10";
const D = "192.0.2.14";

function router(): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  rib.addPeer(acceptingPeer(A, 64501, { localAddress: "192.0.2.1" }));
  rib.addPeer(acceptingPeer(B, 64502, { localAddress: "192.0.2.5" }));
  rib.addPeer(acceptingPeer(C, 64503, { localAddress: "192.0.2.9" }));
  rib.addPeer(acceptingPeer(D, 64504, { localAddress: "192.0.2.13" }));
  for (const x of [A, B, C]) rib.peerUp(x);
  rib.peerUp(D, { longLivedGracefulRestart: true });
  return rib;
}

const communitiesOf = (rib: Rib, peer: string, prefix: string) =>
  [...rib.adjRibOut(peer)].find((r) => `${r.prefix.address}/${r.prefix.length}` === prefix)
    ?.attributes.communities;

describe("Long-Lived Graceful Restart (RFC 9494)", () => {
  it("marks the retained routes LLGR_STALE, withdraws NO_LLGR ones, and keeps them stale", () => {
    const rib = router();
    rib.update(A, ann(attrs([64501], A), "203.0.113.0/24"));
    rib.update(A, ann(attrs([64501], A, [NO_LLGR]), "198.51.100.0/24"));
    rib.peerDown(A, { retainStale: true });
    expect(rib.staleCount(A)).toBe(2);
    const c = rib.longLivedStale(A);
    // NO_LLGR: withdrawn (§4.2); the other: LLGR_STALE added to the route as received.
    expect(c.locRib.map((x) => `${x.prefix.address} ${x.current?.attributes.communities}`)).toEqual(
      expect.arrayContaining(["198.51.100.0 undefined", `203.0.113.0 ${LLGR_STALE}`]),
    );
    expect([...rib.adjRibIn(A, "pre")].map((r) => r.attributes.communities)).toEqual([
      [LLGR_STALE],
    ]);
    expect(rib.staleCount(A)).toBe(1);
    // Only D, which advertised LLGR, is sent it (with the community); C has it withdrawn (§4.3).
    expect(c.adjRibOut.get(C)?.withdrawn.map((w) => w.address)).toEqual(
      expect.arrayContaining(["203.0.113.0", "198.51.100.0"]),
    );
    expect(communitiesOf(rib, D, "203.0.113.0/24")).toEqual([LLGR_STALE]);
    expect(communitiesOf(rib, C, "203.0.113.0/24")).toBeUndefined();
    // Again: nothing changes.
    const again = rib.longLivedStale(A);
    expect(again.locRib).toEqual([]);
    expect(again.adjRibOut.size).toBe(0);
    // End-of-RIB (or the Long-Lived Stale Time) sweeps it.
    expect(rib.sweepStale(A).locRib.map((x) => x.current)).toEqual([undefined]);
    expect(rib.staleCount(A)).toBe(0);
  });

  it("a long-lived stale route is least preferred: any other route wins, whatever its LOCAL_PREF", () => {
    const rib = router();
    // A's route wins first (shorter AS_PATH).
    rib.update(A, ann(attrs([64501], A), "203.0.113.0/24"));
    rib.update(B, ann(attrs([64502, 3, 4], B), "203.0.113.0/24"));
    expect(rib.bestRoute("203.0.113.0/24")?.peer).toBe(A);
    rib.peerDown(A, { retainStale: true });
    expect(rib.bestRoute("203.0.113.0/24")?.peer).toBe(A); // plain GR: preference unchanged
    rib.longLivedStale(A);
    expect(rib.bestRoute("203.0.113.0/24")?.peer).toBe(B);
    const e = rib.explain("203.0.113.0/24");
    expect(e.candidates.map((x) => [x.route.peer, x.decidedBy])).toEqual([
      [B, undefined],
      [A, "llgr-stale"],
    ]);
    // B's route goes: the long-lived stale one is used again (and sent to D only).
    const c = rib.update(B, { withdrawn: [P("203.0.113.0/24")] });
    expect(c.locRib[0]?.current?.peer).toBe(A);
    expect(c.adjRibOut.get(C)?.withdrawn.map((w) => w.address)).toEqual(["203.0.113.0"]);
    expect(communitiesOf(rib, D, "203.0.113.0/24")).toEqual([LLGR_STALE]);
    // The session is back and refreshes the route: no longer stale, preferred again.
    rib.peerUp(A);
    const back = rib.update(A, ann(attrs([64501], A), "203.0.113.0/24"));
    expect(back.locRib[0]?.current?.attributes.communities).toBeUndefined();
    expect(communitiesOf(rib, C, "203.0.113.0/24")).toBeUndefined();
    expect(rib.adjRibOutCount(C).ipv4).toBe(1);
    expect(rib.staleCount(A)).toBe(0);
  });

  it("a route received with LLGR_STALE from a live session is least preferred and kept from C", () => {
    const rib = router();
    rib.update(A, ann(attrs([64501], A, [LLGR_STALE]), "203.0.113.0/24"));
    expect(rib.adjRibOutCount(C).ipv4).toBe(0);
    expect(communitiesOf(rib, D, "203.0.113.0/24")).toEqual([LLGR_STALE]);
    rib.update(B, ann(attrs([64502, 3, 4, 5], B), "203.0.113.0/24"));
    expect(rib.bestRoute("203.0.113.0/24")?.peer).toBe(B);
    expect(communitiesOf(rib, C, "203.0.113.0/24")).toBeUndefined();
    expect(rib.adjRibOutCount(C).ipv4).toBe(1);
  });

  it("only the family asked for; NO_LLGR added by the import policy counts too", () => {
    const rib = router();
    rib.setPolicies(A, {
      importPolicy: (r) =>
        r.prefix.address === "198.51.100.0" ? addCommunities([NO_LLGR])(r) : r.attributes,
    });
    rib.update(A, ann(attrs([64501], A), "203.0.113.0/24", "198.51.100.0/24"));
    rib.update(A, {
      announced: [
        {
          attributes: {
            origin: "IGP",
            asPath: [{ type: "AS_SEQUENCE", asns: [64501] }],
            mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::2"], nlri: [] },
          },
          nlri: [P("2001:db8:1::/48")],
        },
      ],
    });
    rib.peerDown(A, { retainStale: true });
    rib.longLivedStale(A, 1);
    const pre = [...rib.adjRibIn(A, "pre")].map(
      (r) => `${r.prefix.address} ${r.attributes.communities ?? "-"}`,
    );
    expect(pre.sort()).toEqual(["2001:db8:1:: -", `203.0.113.0 ${LLGR_STALE}`]);
    rib.longLivedStale(A, 2);
    expect(rib.bestRoute("2001:db8:1::/48")?.attributes.communities).toEqual([LLGR_STALE]);
    expect(() => rib.longLivedStale(A, 3)).toThrow(BgpRibError);
  });

  it("a neighbour's LLGR capability travels with its session snapshot", () => {
    const rib = router();
    rib.update(A, ann(attrs([64501], A, [LLGR_STALE]), "203.0.113.0/24"));
    const other = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.3" });
    other.addPeer(acceptingPeer(A, 64501, { localAddress: "192.0.2.1" }));
    other.peerUp(A);
    other.update(A, ann(attrs([64501], A, [LLGR_STALE]), "203.0.113.0/24"));
    // D's session moves to the other router: it still gets the LLGR_STALE route there.
    const moved = other.importSession(rib.exportSession(D), {
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    expect(moved.neighbor.announced.flatMap((g) => g.nlri.map((n) => n.address))).toEqual([]);
    expect(communitiesOf(other, D, "203.0.113.0/24")).toEqual([LLGR_STALE]);
  });
});
