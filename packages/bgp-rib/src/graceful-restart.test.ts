import type { Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import { acceptAll } from "./policy";
import { Rib } from "./rib";

const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: 1, address: address!, length: Number(len) };
};
const ann = (asns: number[], nextHop: string, ...prefixes: string[]) => ({
  announced: [
    {
      attributes: {
        origin: "IGP" as const,
        asPath: [{ type: "AS_SEQUENCE" as const, asns }],
        nextHop,
      },
      nlri: prefixes.map(P),
    },
  ],
});
const CUSTOMER = "192.0.2.2";
const IBGP = "10.0.0.2";

function router(): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  rib.addPeer({
    address: CUSTOMER,
    asn: 64501,
    bgpIdentifier: CUSTOMER,
    localAddress: "192.0.2.1",
    importPolicy: acceptAll,
    exportPolicy: acceptAll,
  });
  rib.addPeer({ address: IBGP, asn: 64500, bgpIdentifier: IBGP });
  rib.peerUp(CUSTOMER);
  rib.peerUp(IBGP);
  return rib;
}

describe("graceful restart, receiving speaker (RFC 4724 §4.2)", () => {
  it("retains the routes stale across the restart: no Loc-RIB change, nothing sent to iBGP", () => {
    const rib = router();
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24", "203.0.113.0/24"));
    const down = rib.peerDown(CUSTOMER, { retainStale: true });
    expect(down.locRib).toEqual([]);
    expect(down.adjRibOut.size).toBe(0);
    expect(rib.staleCount(CUSTOMER)).toBe(2);
    expect(rib.bestRoute("198.51.100.0/24")?.peer).toBe(CUSTOMER);
  });

  it("a stale route announced again is not a duplicate announcement; announced once more, it is", () => {
    const rib = router();
    const a = ann([64501], "192.0.2.2", "198.51.100.0/24");
    rib.update(CUSTOMER, a);
    rib.update(CUSTOMER, a);
    expect(rib.receiveCounters(CUSTOMER).duplicateAnnouncements).toBe(1);
    rib.peerDown(CUSTOMER, { retainStale: true });
    rib.peerUp(CUSTOMER); // a new session: counters from 0
    expect(rib.receiveCounters(CUSTOMER).duplicateAnnouncements).toBe(0);
    rib.update(CUSTOMER, a);
    expect(rib.receiveCounters(CUSTOMER).duplicateAnnouncements).toBe(0);
    rib.update(CUSTOMER, a);
    expect(rib.receiveCounters(CUSTOMER).duplicateAnnouncements).toBe(1);
  });

  it("routes re-announced after the restart stop being stale; End-of-RIB withdraws the rest", () => {
    const rib = router();
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24", "203.0.113.0/24"));
    rib.peerDown(CUSTOMER, { retainStale: true });
    rib.peerUp(CUSTOMER);
    const again = rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24"));
    // The same route re-announced: the Loc-RIB best is unchanged, the iBGP peer hears nothing.
    expect(again.adjRibOut.get(IBGP)).toBeUndefined();
    expect(rib.staleCount(CUSTOMER)).toBe(1);
    const sweep = rib.sweepStale(CUSTOMER);
    expect(sweep.locRib.map((c) => c.prefix.address)).toEqual(["203.0.113.0"]);
    expect(sweep.adjRibOut.get(IBGP)?.withdrawn.map((p) => p.address)).toEqual(["203.0.113.0"]);
    expect(rib.staleCount(CUSTOMER)).toBe(0);
    expect(rib.bestRoute("203.0.113.0/24")).toBeUndefined();
    expect(rib.bestRoute("198.51.100.0/24")?.peer).toBe(CUSTOMER);
  });

  it("retains the families listed only, and sweeps one family on its End-of-RIB", () => {
    const rib = router();
    const v6 = {
      announced: [
        {
          attributes: {
            origin: "IGP" as const,
            asPath: [{ type: "AS_SEQUENCE" as const, asns: [64501] }],
            mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::2"], nlri: [] },
          },
          nlri: [{ afi: 2 as const, address: "2001:db8:1::", length: 48 }],
        },
      ],
    };
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24", "203.0.113.0/24"));
    rib.update(CUSTOMER, v6);
    // IPv6 only retained: the IPv4 routes are withdrawn at once.
    const down = rib.peerDown(CUSTOMER, { retainStale: true, afis: [2] });
    expect(down.locRib.map((c) => c.prefix.address).sort()).toEqual([
      "198.51.100.0",
      "203.0.113.0",
    ]);
    expect(rib.staleCount(CUSTOMER)).toBe(1);
    expect(rib.staleCount(CUSTOMER, 2)).toBe(1);
    expect(rib.staleCount(CUSTOMER, 1)).toBe(0);
    // Both retained this time; the IPv4 End-of-RIB sweeps the IPv4 routes only.
    rib.peerUp(CUSTOMER);
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24", "203.0.113.0/24"));
    rib.peerDown(CUSTOMER, { retainStale: true, afis: [1, 2] });
    rib.peerUp(CUSTOMER);
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24"));
    const v4 = rib.sweepStale(CUSTOMER, 1);
    expect(v4.locRib.map((c) => c.prefix.address)).toEqual(["203.0.113.0"]);
    expect(rib.staleCount(CUSTOMER, 2)).toBe(1);
    expect(rib.bestRoute("2001:db8:1::/48")?.peer).toBe(CUSTOMER);
    expect(rib.sweepStale(CUSTOMER, 2).locRib.map((c) => c.prefix.address)).toEqual([
      "2001:db8:1::",
    ]);
    expect(rib.staleCount(CUSTOMER)).toBe(0);
  });

  it("an AFI other than IPv4 and IPv6 is a typed error naming the field", () => {
    const rib = router();
    expect(() => rib.peerDown(CUSTOMER, { retainStale: true, afis: [25] })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "afis" } }),
    );
    expect(() => rib.sweepStale(CUSTOMER, 3)).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "afi" } }),
    );
  });

  it("a plain session down afterwards removes stale routes too", () => {
    const rib = router();
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24"));
    rib.peerDown(CUSTOMER, { retainStale: true });
    const down = rib.peerDown(CUSTOMER);
    expect(down.locRib).toHaveLength(1);
    expect(rib.staleCount(CUSTOMER)).toBe(0);
  });
});

describe("ADD-PATH negotiated per session", () => {
  it("setAddPath(receive) keys the neighbour's paths by Path Identifier", () => {
    const rib = router();
    rib.peerDown(IBGP);
    rib.setAddPath(IBGP, { receive: true });
    rib.peerUp(IBGP);
    const a = ann([64510], "10.9.9.1", "198.51.100.0/24");
    const b = ann([64511, 64512], "10.9.9.2", "198.51.100.0/24");
    rib.update(IBGP, {
      announced: [
        { ...a.announced[0]!, nlri: [{ ...P("198.51.100.0/24"), pathId: 1 }] },
        { ...b.announced[0]!, nlri: [{ ...P("198.51.100.0/24"), pathId: 2 }] },
      ],
    });
    expect([...rib.adjRibIn(IBGP)].map((r) => r.prefix.pathId).sort()).toEqual([1, 2]);
  });

  it("refuses a change while the session is up, or while its routes are held", () => {
    const rib = router();
    expect(() => rib.setAddPath(IBGP, { receive: true })).toThrow(BgpRibError);
    rib.update(CUSTOMER, ann([64501], "192.0.2.2", "198.51.100.0/24"));
    rib.peerDown(CUSTOMER, { retainStale: true });
    expect(() => rib.setAddPath(CUSTOMER, { receive: true })).toThrow(
      expect.objectContaining({ code: "PATHS_HELD" }),
    );
    rib.setAddPath(CUSTOMER, { send: true }); // send only: allowed
  });
});
