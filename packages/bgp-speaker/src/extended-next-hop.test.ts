// Two routers on one link with link-local addresses only (BGP "unnumbered"): the session is
// between link-local addresses, and Extended Next Hop Encoding (RFC 8950) carries the IPv4 routes
// over it with IPv6 next hops — the connection's source address (RFC 2545 §3).
import { describe, expect, it } from "vitest";
import { memoryPipe } from "./pipe";
import { Router } from "./router";
import { acceptingNeighbor, flush } from "./test-support";

/** r1 (AS64501, fe80::1 on eth1) and r2 (AS64500, fe80::2 on eth1), `enh` on each side. */
function unnumbered(enh1: boolean, enh2: boolean) {
  const r1 = new Router({
    asn: 64501,
    bgpIdentifier: "192.0.2.1",
    neighbors: [
      acceptingNeighbor("r2", "fe80::2%eth1", 64500, {
        capabilities: { extendedNextHop: enh1 },
      }),
    ],
    originate: [{ prefix: "198.51.100.0/24" }, { prefix: "2001:db8:100::/48" }],
  });
  const r2 = new Router({
    asn: 64500,
    bgpIdentifier: "192.0.2.2",
    neighbors: [
      acceptingNeighbor("r1", "fe80::1%eth1", 64501, {
        capabilities: { extendedNextHop: enh2 },
      }),
    ],
  });
  r1.start();
  r2.start();
  // The connection's ends, as node:net gives their source addresses.
  const [x, y] = memoryPipe();
  Object.assign(x, { localAddress: "fe80::1%eth1" });
  Object.assign(y, { localAddress: "fe80::2%eth1" });
  r1.accept("r2", x);
  r2.accept("r1", y);
  return { r1, r2 };
}

describe("a session between link-local addresses", () => {
  it("carries IPv4 and IPv6 routes with the link-local next hop when both announce RFC 8950", async () => {
    const { r1, r2 } = unnumbered(true, true);
    await flush(30);
    const s = r2.sessions()[0] as { state: string; negotiated: { extendedNextHop: boolean } };
    expect(s.state).toBe("Established");
    expect(s.negotiated.extendedNextHop).toBe(true);
    const v4 = r2.rib.bestRoute("198.51.100.0/24");
    expect(v4?.peer).toBe("fe80::1%eth1");
    expect(v4?.attributes.nextHop).toBeUndefined();
    expect(v4?.attributes.mpReachNlri).toMatchObject({ afi: 1, safi: 1, nextHop: ["fe80::1"] });
    expect(r2.rib.bestRoute("2001:db8:100::/48")?.attributes.mpReachNlri).toMatchObject({
      afi: 2,
      nextHop: ["fe80::1"],
    });
    r1.stop();
    r2.stop();
  });

  it("without the capability on one side, sends IPv4 routes with no IPv6 next hop", async () => {
    const { r1, r2 } = unnumbered(true, false);
    await flush(30);
    const s = r2.sessions()[0] as { state: string; negotiated: { extendedNextHop: boolean } };
    expect(s.state).toBe("Established");
    expect(s.negotiated.extendedNextHop).toBe(false);
    // r1 has no IPv4 address for that session: the IPv4 route keeps its own next hop (the one it
    // was originated with, r1's BGP Identifier), in NEXT_HOP.
    const v4 = r2.rib.bestRoute("198.51.100.0/24");
    expect(v4?.attributes.nextHop).toBe("192.0.2.1");
    expect(v4?.attributes.mpReachNlri).toBeUndefined();
    expect(r2.rib.bestRoute("2001:db8:100::/48")?.attributes.mpReachNlri?.nextHop).toEqual([
      "fe80::1",
    ]);
    r1.stop();
    r2.stop();
  });
});
