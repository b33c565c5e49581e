import type { PathAttributes } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { acceptAll } from "./policy";
import { Rib } from "./rib";

// adjRibOutCount is kept as the Adj-RIB-Out changes (O(1)): per family, for a neighbour with its
// own table, for members of an update group's shared table (less the routes that came from
// them), and when a member leaves the shared table.
const v4 = (address: string, length: number) => ({ afi: 1 as const, address, length });
const v6 = (address: string, length: number) => ({ afi: 2 as const, address, length });
const attrs = (asn: number, nextHop: string): PathAttributes => ({
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns: [asn] }],
  nextHop,
});
const attrs6 = (asn: number, nextHop: string): PathAttributes => ({
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns: [asn] }],
  mpReachNlri: { afi: 2, safi: 1, nextHop: [nextHop], nlri: [] },
});
const eBGP = (address: string, asn: number) => ({
  address,
  asn,
  bgpIdentifier: address,
  localAddress: "192.0.2.1",
  localIpv6Address: "2001:db8::1",
  importPolicy: acceptAll,
  exportPolicy: acceptAll,
});

describe("adjRibOutCount", () => {
  it("counts per family through shared tables, their members' own routes, and leaving them", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
    rib.addPeer(eBGP("192.0.2.2", 65001)); // upstream
    rib.addPeer(eBGP("192.0.2.3", 65002)); // customers: one update group
    rib.addPeer(eBGP("192.0.2.4", 65003));
    for (const a of rib.peerAddresses()) rib.peerUp(a);
    rib.update("192.0.2.2", {
      announced: [
        {
          attributes: attrs(65001, "192.0.2.2"),
          nlri: [v4("198.51.100.0", 24), v4("203.0.113.0", 24)],
        },
        { attributes: attrs6(65001, "2001:db8::2"), nlri: [v6("2001:db8:100::", 48)] },
      ],
    });
    // A customer's own route: sent to the others, not back to it.
    rib.update("192.0.2.3", {
      announced: [{ attributes: attrs6(65002, "2001:db8::3"), nlri: [v6("2001:db8:200::", 48)] }],
    });
    const count = (a: string) => rib.adjRibOutCount(a);
    const scan = (a: string) => {
      const out = [...rib.adjRibOut(a)];
      return {
        ipv4: out.filter((r) => r.prefix.afi === 1).length,
        ipv6: out.filter((r) => r.prefix.afi === 2).length,
      };
    };
    const check = (want: Record<string, { ipv4: number; ipv6: number }>) => {
      for (const [a, w] of Object.entries(want)) {
        expect(count(a), a).toEqual(w);
        expect(scan(a), a).toEqual(w);
      }
    };
    check({
      "192.0.2.2": { ipv4: 0, ipv6: 1 },
      "192.0.2.3": { ipv4: 2, ipv6: 1 },
      "192.0.2.4": { ipv4: 2, ipv6: 2 },
    });
    // A member leaves the shared table (output held), the other is then alone in it (and leaves).
    rib.holdOutput("192.0.2.3");
    check({ "192.0.2.3": { ipv4: 2, ipv6: 1 }, "192.0.2.4": { ipv4: 2, ipv6: 2 } });
    rib.update("192.0.2.2", { withdrawn: [v6("2001:db8:100::", 48), v4("203.0.113.0", 24)] });
    check({ "192.0.2.4": { ipv4: 1, ipv6: 1 } });
    rib.resumeOutput("192.0.2.3");
    check({ "192.0.2.3": { ipv4: 1, ipv6: 0 }, "192.0.2.4": { ipv4: 1, ipv6: 1 } });
    rib.peerDown("192.0.2.4");
    check({ "192.0.2.2": { ipv4: 0, ipv6: 1 }, "192.0.2.3": { ipv4: 1, ipv6: 0 } });
    expect(count("192.0.2.4")).toEqual({ ipv4: 0, ipv6: 0 });
  });
});
