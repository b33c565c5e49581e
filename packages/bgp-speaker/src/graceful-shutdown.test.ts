// Graceful BGP session shutdown (RFC 8326) by the router: draining a session while it stays up.
import { WELL_KNOWN_COMMUNITY } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { Router } from "./router";
import { acceptingNeighbor, flush, link, routerAt } from "./test-support";

const GSHUT = WELL_KNOWN_COMMUNITY.GRACEFUL_SHUTDOWN;
const P = "198.51.100.0/24";
const Q = "203.0.113.0/24";

/**
 * D (AS64500, 192.0.2.1) between two upstreams that both announce P — U1 (AS64501) with the
 * shorter path, so D prefers it — and an internal neighbour I (AS64500); D originates Q.
 */
async function lab() {
  const d = routerAt(
    64500,
    "192.0.2.1",
    [
      acceptingNeighbor("u1", "192.0.2.11", 64501),
      acceptingNeighbor("u2", "192.0.2.12", 64502),
      acceptingNeighbor("i", "192.0.2.13", 64500),
    ],
    [Q],
  );
  const upstream = (address: string, asn: number, asPath: number[]) =>
    new Router({
      asn,
      bgpIdentifier: address,
      localAddress: address,
      neighbors: [acceptingNeighbor("d", "192.0.2.1", 64500)],
      originate: [{ prefix: P, asPath }],
    });
  const u1 = upstream("192.0.2.11", 64501, []);
  const u2 = upstream("192.0.2.12", 64502, [64502]);
  const i = routerAt(64500, "192.0.2.13", [acceptingNeighbor("d", "192.0.2.1", 64500)]);
  for (const r of [d, u1, u2, i]) r.start();
  link(d, "u1", u1, "d");
  link(d, "u2", u2, "d");
  link(d, "i", i, "d");
  await flush(40);
  return { d, u1, u2, i };
}

const bestFrom = (r: Router, prefix: string) =>
  [...r.rib.locRib()].find((x) => `${x.prefix.address}/${x.prefix.length}` === prefix);
const fromD = (r: Router, prefix: string) =>
  [...r.rib.adjRibIn("192.0.2.1", "pre")].find(
    (x) => `${x.prefix.address}/${x.prefix.length}` === prefix,
  );

describe("graceful session shutdown (RFC 8326)", () => {
  it("drains a session that stays up: the neighbour gets every route tagged GRACEFUL_SHUTDOWN, its routes LOCAL_PREF 0 here, so traffic moves; ending it moves it back", async () => {
    const { d, u1, i } = await lab();
    expect(bestFrom(d, P)?.peer).toBe("192.0.2.11");
    expect(fromD(u1, Q)?.attributes.communities ?? []).not.toContain(GSHUT);

    const r = d.gracefulShutdown("u1");
    await flush(40);
    expect(r.locRibChanges).toBe(1); // P moved
    expect(d.session("u1").state).toBe("Established");
    // D now prefers U2's longer path: U1's route has LOCAL_PREF 0 here.
    expect(bestFrom(d, P)?.peer).toBe("192.0.2.12");
    const drained = [...d.rib.adjRibIn("192.0.2.11", "post")];
    expect(drained.map((x) => x.attributes.localPref)).toEqual([0]);
    // U1 was sent every route again with the community (Q, and P now via U2).
    expect(fromD(u1, Q)?.attributes.communities).toContain(GSHUT);
    expect(fromD(u1, P)?.attributes.communities).toContain(GSHUT);
    expect(fromD(u1, P)?.attributes.asPath).toEqual([
      { type: "AS_SEQUENCE", asns: [64500, 64502, 64502] },
    ]);
    // The internal neighbour is not drained: it sees P via U2 without the community.
    expect(fromD(i, P)?.attributes.communities ?? []).not.toContain(GSHUT);
    expect(d.sessions().find((s) => (s as { name: string }).name === "u1")).toMatchObject({
      gracefulShutdown: true,
    });
    // Again: nothing changes.
    expect(d.gracefulShutdown("u1").locRibChanges).toBe(0);

    // Over: P back to U1, the community gone from what U1 has.
    expect(d.gracefulShutdown("u1", false).locRibChanges).toBe(1);
    await flush(40);
    expect(bestFrom(d, P)?.peer).toBe("192.0.2.11");
    expect(fromD(u1, Q)?.attributes.communities ?? []).not.toContain(GSHUT);
  });

  it("towards an internal neighbour sets LOCAL_PREF 0 as well as the community", async () => {
    const { d, i } = await lab();
    d.gracefulShutdown("i");
    await flush(40);
    for (const prefix of [P, Q]) {
      const got = fromD(i, prefix)!;
      expect(got.attributes.communities).toContain(GSHUT);
      expect(got.attributes.localPref).toBe(0);
    }
    expect(() => d.gracefulShutdown("nobody")).toThrow(
      expect.objectContaining({ code: "UNKNOWN_NEIGHBOR" }),
    );
  });

  it("starts drained when configured so, and an eBGP neighbour without policies stays refused (RFC 8212)", async () => {
    const d = routerAt(
      64500,
      "192.0.2.1",
      [
        acceptingNeighbor("u1", "192.0.2.11", 64501, { gracefulShutdown: true }),
        { name: "bare", address: "192.0.2.12", asn: 64502, passive: true, gracefulShutdown: true },
      ],
      [Q],
    );
    const u1 = routerAt(64501, "192.0.2.11", [acceptingNeighbor("d", "192.0.2.1", 64500)]);
    const bare = routerAt(64502, "192.0.2.12", [acceptingNeighbor("d", "192.0.2.1", 64500)], [P]);
    for (const r of [d, u1, bare]) r.start();
    link(d, "u1", u1, "d");
    link(d, "bare", bare, "d");
    await flush(40);
    expect(fromD(u1, Q)?.attributes.communities).toContain(GSHUT);
    expect(fromD(bare, Q)).toBeUndefined();
    expect(bestFrom(d, P)).toBeUndefined();
  });
});
