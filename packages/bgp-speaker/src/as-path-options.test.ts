// Per-neighbour AS_PATH options of the router: allowas-in, remove-private-AS and as-override,
// between routers over memory pipes.
import { AspaTable } from "@dyninfra/bgp-rib";
import { describe, expect, it } from "vitest";
import { Router } from "./router";
import { acceptingNeighbor, flush, link, routerAt } from "./test-support";

const P = "198.51.100.0/24";

/** A router with one neighbour D (AS64500 at 192.0.2.1). */
const edge = (asn: number, address: string, originate: string[] = []) =>
  routerAt(asn, address, [acceptingNeighbor("d", "192.0.2.1", 64500)], originate);
const pathOf = (r: Router, prefix: string) =>
  [...r.rib.locRib()].find((x) => `${x.prefix.address}/${x.prefix.length}` === prefix)?.attributes
    .asPath;

describe("AS_PATH options per neighbour", () => {
  it("as-override lets another site of the customer's AS take the route; remove-private-AS hides the customer's private AS from a transit", async () => {
    const d = routerAt(64500, "192.0.2.1", [
      acceptingNeighbor("siteA", "192.0.2.11", 65001),
      acceptingNeighbor("siteB", "192.0.2.12", 65001, { asOverride: true }),
      acceptingNeighbor("siteC", "192.0.2.13", 65001),
      acceptingNeighbor("transit", "192.0.2.14", 3356, { removePrivateAs: "remove" }),
    ]);
    const siteA = edge(65001, "192.0.2.11", [P]);
    const siteB = edge(65001, "192.0.2.12");
    const siteC = edge(65001, "192.0.2.13");
    const transit = edge(3356, "192.0.2.14");
    for (const r of [d, siteA, siteB, siteC, transit]) r.start();
    link(d, "siteA", siteA, "d");
    link(d, "siteB", siteB, "d");
    link(d, "siteC", siteC, "d");
    link(d, "transit", transit, "d");
    await flush(60);
    expect(pathOf(siteB, P)).toEqual([{ type: "AS_SEQUENCE", asns: [64500, 64500] }]);
    // Without as-override siteC sees its own AS: a loop, refused.
    expect(pathOf(siteC, P)).toBeUndefined();
    expect(pathOf(transit, P)).toEqual([{ type: "AS_SEQUENCE", asns: [64500] }]);
  });

  it("allowas-in: a site takes routes with its own AS once when configured to", async () => {
    const d = routerAt(64500, "192.0.2.1", [
      acceptingNeighbor("siteA", "192.0.2.11", 65001),
      acceptingNeighbor("siteB", "192.0.2.12", 65001),
    ]);
    const siteA = edge(65001, "192.0.2.11", [P]);
    const siteB = routerAt(65001, "192.0.2.12", [
      acceptingNeighbor("d", "192.0.2.1", 64500, { allowAsIn: 1 }),
    ]);
    for (const r of [d, siteA, siteB]) r.start();
    link(d, "siteA", siteA, "d");
    link(d, "siteB", siteB, "d");
    await flush(60);
    expect(pathOf(siteB, P)).toEqual([{ type: "AS_SEQUENCE", asns: [64500, 65001] }]);
  });
});

describe("route server (RFC 7947)", () => {
  it("passes one client's routes to another with the AS_PATH and NEXT_HOP that client sent", async () => {
    const rs = routerAt(64500, "192.0.2.1", [
      acceptingNeighbor("a", "192.0.2.11", 65001, { routeServerClient: true }),
      acceptingNeighbor("b", "192.0.2.12", 65002, { routeServerClient: true }),
    ]);
    const a = edge(65001, "192.0.2.11", [P]);
    const b = edge(65002, "192.0.2.12");
    for (const r of [rs, a, b]) r.start();
    link(rs, "a", a, "d");
    link(rs, "b", b, "d");
    await flush(60);
    const got = [...b.rib.locRib()].find((x) => x.prefix.address === "198.51.100.0")!;
    expect([got.attributes.asPath, got.attributes.nextHop]).toEqual([
      [{ type: "AS_SEQUENCE", asns: [65001] }],
      "192.0.2.11",
    ]);
  });
});

describe("ASPA verification (draft-ietf-sidrops-aspa-verification)", () => {
  it('"reject-aspa-invalid" drops a customer\'s leak as the ASPAs come, and takes it back when they go', async () => {
    const d = routerAt(64500, "192.0.2.1", [
      acceptingNeighbor("cust", "192.0.2.11", 65001, {
        role: "provider", // we are its provider: upstream verification
        importPolicy: "reject-aspa-invalid",
      }),
    ]);
    const cust = new Router({
      asn: 65001,
      bgpIdentifier: "192.0.2.11",
      localAddress: "192.0.2.11",
      neighbors: [acceptingNeighbor("d", "192.0.2.1", 64500, { role: "customer" })],
      originate: [
        { prefix: "198.51.100.0/24" }, // its own: path 65001
        { prefix: "203.0.113.0/24", asPath: [64510, 64520] }, // 64510 is no customer of 65001
      ],
    });
    for (const r of [d, cust]) r.start();
    link(d, "cust", cust, "d");
    await flush(60);
    const loc = () => [...d.rib.locRib()].map((r) => r.prefix.address).sort();
    // No ASPAs: nothing is invalid (unknown is accepted).
    expect(loc()).toEqual(["198.51.100.0", "203.0.113.0"]);
    const t = new AspaTable();
    t.set(64520, [64510]);
    t.set(64510, [65002]);
    const redecided: string[] = [];
    d.on("adj-rib-in", (name) => redecided.push(name));
    expect(d.setAspas(t)).toEqual({ aspas: 2, locRibChanges: 1 });
    // Its post-policy Adj-RIB-In changed: said as for a change of VRPs or policies (BMP reads it).
    expect(redecided).toEqual(["cust"]);
    expect(loc()).toEqual(["198.51.100.0"]);
    expect(d.setAspas(new AspaTable())).toEqual({ aspas: 0, locRibChanges: 1 });
    expect(loc()).toEqual(["198.51.100.0", "203.0.113.0"]);
  });

  it("match.aspa in a named import policy", async () => {
    const d = new Router({
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [
        acceptingNeighbor("cust", "192.0.2.11", 65001, { role: "provider", importPolicy: "in" }),
      ],
      policies: {
        in: [
          { match: { aspa: "invalid" }, action: "reject" },
          { match: { aspa: "unknown" }, set: { localPref: 50 }, action: "accept" },
          { action: "accept" },
        ],
      },
    });
    const t = new AspaTable();
    t.set(64510, [65002]);
    t.set(65001, [64500]);
    d.setAspas(t);
    const cust = routerAt(65001, "192.0.2.11", [acceptingNeighbor("d", "192.0.2.1", 64500)]);
    for (const r of [d, cust]) r.start();
    link(d, "cust", cust, "d");
    cust.originate([
      { prefix: "198.51.100.0/24" }, // 65001 alone: valid
      { prefix: "203.0.113.0/24", asPath: [64510] }, // 64510's ASPA names 65002 only: invalid
      { prefix: "192.0.2.128/25", asPath: [64999] }, // 64999 has no ASPA: unknown
    ]);
    await flush(60);
    const loc = [...d.rib.locRib()].map((r) => [r.prefix.address, r.attributes.localPref]).sort();
    expect(loc).toEqual([
      ["192.0.2.128", 50],
      ["198.51.100.0", undefined],
    ]);
  });
});
