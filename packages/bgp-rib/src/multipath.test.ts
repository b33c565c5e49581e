import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import { acceptAll } from "./policy";
import { type ChangeSet, Rib } from "./rib";

const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
const attrs = (asns: number[], nextHop: string, extra: Partial<PathAttributes> = {}) =>
  ({
    origin: "IGP",
    asPath: asns.length ? [{ type: "AS_SEQUENCE", asns }] : [],
    nextHop,
    ...extra,
  }) as PathAttributes;
const ann = (a: PathAttributes, ...prefixes: string[]) => ({
  announced: [{ attributes: a, nlri: prefixes.map(P) }],
});
const eBGP = (address: string, asn: number) => ({
  address,
  asn,
  bgpIdentifier: address,
  importPolicy: acceptAll,
  exportPolicy: acceptAll,
});
/** Upstreams A and B in AS 65001, C in AS 65002, two iBGP neighbours; multipath as given. */
function router(decision: ConstructorParameters<typeof Rib>[0]["decision"]) {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", decision });
  rib.addPeer(eBGP("192.0.2.1", 65001));
  rib.addPeer(eBGP("192.0.2.2", 65001));
  rib.addPeer(eBGP("192.0.2.3", 65002));
  rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
  rib.addPeer({ address: "10.0.0.3", asn: 64500, bgpIdentifier: "10.0.0.3" });
  for (const p of rib.peerAddresses()) rib.peerUp(p);
  return rib;
}
const hops = (routes: readonly { attributes: PathAttributes }[] | undefined) =>
  routes?.map((r) => r.attributes.nextHop);
const change = (c: ChangeSet) => {
  expect(c.locRib).toHaveLength(1);
  const x = c.locRib[0]!;
  return {
    previous: x.previous?.attributes.nextHop,
    current: x.current?.attributes.nextHop,
    previousMultipath: hops(x.previousMultipath),
    multipath: hops(x.multipath),
  };
};
const prefix = "203.0.113.0/24";

describe("multipath (ECMP)", () => {
  it("forwards over routes as good as the best, reports each change of them and fills the FIB", () => {
    const rib = router({ maximumPaths: 4 });
    expect(change(rib.update("192.0.2.2", ann(attrs([65001, 3356], "192.0.2.2"), prefix)))).toEqual(
      {
        previous: undefined,
        current: "192.0.2.2",
        previousMultipath: undefined,
        multipath: undefined,
      },
    );
    // A second route from the same AS with the same AS_PATH: lower BGP Identifier, so the new best.
    expect(change(rib.update("192.0.2.1", ann(attrs([65001, 3356], "192.0.2.1"), prefix)))).toEqual(
      {
        previous: "192.0.2.2",
        current: "192.0.2.1",
        previousMultipath: undefined,
        multipath: ["192.0.2.1", "192.0.2.2"],
      },
    );
    expect(hops(rib.multipath(prefix))).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(rib.explain(prefix).candidates.map((c) => [c.route.peer, c.multipath])).toEqual([
      ["192.0.2.1", true],
      ["192.0.2.2", true],
    ]);
    expect(rib.fib.nextHops(rib.fib.lookupIpv4(0xcb007101))).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(rib.fib.lookup("203.0.113.1")).toBe("192.0.2.1");
    // Another AS_PATH (same length, other neighbouring AS): not without multipathRelax.
    const c = rib.update("192.0.2.3", ann(attrs([65002, 3356], "192.0.2.3"), prefix));
    expect(c.locRib).toHaveLength(0);
    expect(hops(rib.multipath(prefix))).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(rib.explain(prefix).candidates.map((c) => [c.route.peer, c.multipath])).toEqual([
      ["192.0.2.1", true],
      ["192.0.2.2", true],
      ["192.0.2.3", undefined],
    ]);
    // The second route goes: the best stays, the change names it on both sides.
    expect(change(rib.update("192.0.2.2", { withdrawn: [P(prefix)] }))).toEqual({
      previous: "192.0.2.1",
      current: "192.0.2.1",
      previousMultipath: ["192.0.2.1", "192.0.2.2"],
      multipath: undefined,
    });
    expect(hops(rib.multipath(prefix))).toEqual(["192.0.2.1"]);
    expect(rib.fib.nextHops(rib.fib.lookupIpv4(0xcb007101))).toEqual(["192.0.2.1"]);
    // A worse route (longer AS_PATH) never joins.
    rib.update("192.0.2.2", ann(attrs([65001, 65001, 3356], "192.0.2.2"), prefix));
    expect(hops(rib.multipath(prefix))).toEqual(["192.0.2.1"]);
  });

  it("relaxed: equal AS_PATH length suffices; the limit counts the best; next hops once", () => {
    const rib = router({ maximumPaths: 2, multipathRelax: true });
    rib.update("192.0.2.3", ann(attrs([65002, 3356], "192.0.2.9"), prefix));
    rib.update("192.0.2.2", ann(attrs([65001, 3356], "192.0.2.9"), prefix)); // same next hop
    expect(hops(rib.multipath(prefix))).toEqual(["192.0.2.9"]);
    rib.update("192.0.2.1", ann(attrs([65001, 174], "192.0.2.1"), prefix));
    // Best: lowest BGP Identifier (192.0.2.1); then 192.0.2.2 (next hop new); 192.0.2.3 over the limit.
    expect(rib.multipath(prefix).map((r) => r.peer)).toEqual(["192.0.2.1", "192.0.2.2"]);
  });

  it("iBGP routes count against maximumPathsIbgp, and not with eBGP ones", () => {
    const rib = router({ maximumPaths: 4 });
    const lp = { localPref: 100 };
    rib.update("10.0.0.2", ann(attrs([65001], "10.0.0.2", lp), prefix));
    rib.update("10.0.0.3", ann(attrs([65001], "10.0.0.3", lp), prefix));
    expect(rib.multipath(prefix)).toHaveLength(1); // maximumPathsIbgp defaults to 1
    const ibgp = router({ maximumPathsIbgp: 2 });
    ibgp.update("10.0.0.2", ann(attrs([65001], "10.0.0.2", lp), prefix));
    ibgp.update("10.0.0.3", ann(attrs([65001], "10.0.0.3", lp), prefix));
    expect(hops(ibgp.multipath(prefix))).toEqual(["10.0.0.2", "10.0.0.3"]);
    // An eBGP route is better (eBGP over iBGP) and alone: the iBGP ones do not join it.
    ibgp.update("192.0.2.1", ann(attrs([65001], "192.0.2.1"), prefix));
    expect(hops(ibgp.multipath(prefix))).toEqual(["192.0.2.1"]);
  });

  it("a session going down takes its route out of the multipath set", () => {
    const rib = router({ maximumPaths: 4 });
    rib.update("192.0.2.1", ann(attrs([65001], "192.0.2.1"), prefix));
    rib.update("192.0.2.2", ann(attrs([65001], "192.0.2.2"), prefix));
    expect(change(rib.peerDown("192.0.2.1"))).toEqual({
      previous: "192.0.2.1",
      current: "192.0.2.2",
      previousMultipath: ["192.0.2.1", "192.0.2.2"],
      multipath: undefined,
    });
    expect(rib.fib.nextHops(rib.fib.lookupIpv4(0xcb007101))).toEqual(["192.0.2.2"]);
  });

  it("refuses a limit that is not a positive integer", () => {
    for (const maximumPaths of [0, 1.5, -1, Number.NaN]) {
      const e = (() => {
        try {
          router({ maximumPaths });
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(BgpRibError);
      expect((e as BgpRibError).where.field).toBe("decision.maximumPaths");
    }
  });
});
