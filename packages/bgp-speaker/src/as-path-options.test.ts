// Per-neighbour AS_PATH options of the router: allowas-in, remove-private-AS and as-override,
// between routers over memory pipes.
import { describe, expect, it } from "vitest";
import type { Router } from "./router";
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
