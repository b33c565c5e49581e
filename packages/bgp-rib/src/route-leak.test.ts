// RFC 9234 §5: route-leak prevention with BGP Roles and the Only to Customer (OTC) attribute,
// rule by rule.
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import type { BgpRole } from "./peer";
import { acceptAll } from "./policy";
import { Rib } from "./rib";

const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: 1, address: address!, length: Number(len) };
};
const attrs = (asns: number[], nextHop: string, otc?: number): PathAttributes => ({
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns }],
  nextHop,
  ...(otc === undefined ? {} : { onlyToCustomer: otc }),
});
const ann = (a: PathAttributes, ...prefixes: string[]) => ({
  announced: [{ attributes: a, nlri: prefixes.map(P) }],
});

/** Our role towards each neighbour of router 64500 (the neighbour is the role's counterpart). */
const NEIGHBORS: { name: string; address: string; asn: number; role: BgpRole }[] = [
  { name: "provider", address: "192.0.2.2", asn: 65001, role: "customer" },
  { name: "customer", address: "192.0.2.6", asn: 65002, role: "provider" },
  { name: "peer", address: "192.0.2.10", asn: 65003, role: "peer" },
  { name: "route server", address: "192.0.2.14", asn: 65004, role: "rs-client" },
  { name: "rs client", address: "192.0.2.18", asn: 65005, role: "rs" },
];
const at = (name: string) => NEIGHBORS.find((n) => n.name === name)!;
const IBGP = "10.0.0.2";

function router(config: Partial<ConstructorParameters<typeof Rib>[0]> = {}): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", ...config });
  for (const n of NEIGHBORS)
    rib.addPeer({
      address: n.address,
      asn: n.asn,
      bgpIdentifier: n.address,
      localAddress: "192.0.2.1",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
      role: n.role,
    });
  rib.addPeer({ address: IBGP, asn: 64500, bgpIdentifier: IBGP });
  for (const a of rib.peerAddresses()) rib.peerUp(a);
  return rib;
}

/** OTC of each route in the Adj-RIB-Out of `name` (`null`: sent without OTC), by prefix. */
const sentOtc = (rib: Rib, address: string): Record<string, number | null> =>
  Object.fromEntries(
    [...rib.adjRibOut(address)].map((r) => [
      `${r.prefix.address}/${r.prefix.length}`,
      r.attributes.onlyToCustomer ?? null,
    ]),
  );

describe("RFC 9234 §5 ingress", () => {
  it("adds OTC = the neighbour's AS to routes without it from a provider, peer or route server", () => {
    const rib = router();
    for (const n of NEIGHBORS) rib.update(n.address, ann(attrs([n.asn], n.address), "10.0.0.0/8"));
    const otc = (name: string) =>
      [...rib.adjRibIn(at(name).address, "post")][0]?.attributes.onlyToCustomer;
    expect(otc("provider")).toBe(65001);
    expect(otc("peer")).toBe(65003);
    expect(otc("route server")).toBe(65004);
    expect(otc("customer")).toBeUndefined();
    expect(otc("rs client")).toBeUndefined();
    // The pre-policy view keeps what was received.
    expect([...rib.adjRibIn(at("provider").address, "pre")][0]?.attributes.onlyToCustomer).toBe(
      undefined,
    );
  });

  it("keeps an OTC already present (a provider's route marked further up)", () => {
    const rib = router();
    rib.update(
      at("provider").address,
      ann(attrs([65001, 65100], "192.0.2.2", 65100), "10.0.0.0/8"),
    );
    expect(rib.bestRoute("10.0.0.0/8")?.attributes.onlyToCustomer).toBe(65100);
  });

  it("a route with OTC from a customer or a route-server client is a leak: ineligible", () => {
    const rib = router();
    for (const name of ["customer", "rs client"]) {
      const n = at(name);
      rib.update(n.address, ann(attrs([n.asn, 65200], n.address, 65200), "10.1.0.0/16"));
    }
    expect(rib.bestRoute("10.1.0.0/16")).toBeUndefined();
    const rejected = rib.explain("10.1.0.0/16").rejected;
    expect(rejected.map((r) => [r.route.peer, r.reason])).toEqual(
      expect.arrayContaining([
        [at("customer").address, "route-leak"],
        [at("rs client").address, "route-leak"],
      ]),
    );
    expect(rejected).toHaveLength(2);
  });

  it("a route from a peer is a leak only when its OTC is not the peer's AS", () => {
    const rib = router();
    const peer = at("peer");
    rib.update(peer.address, ann(attrs([65003], peer.address, 65003), "10.2.0.0/16"));
    rib.update(peer.address, ann(attrs([65003, 65300], peer.address, 65300), "10.3.0.0/16"));
    expect(rib.bestRoute("10.2.0.0/16")?.attributes.onlyToCustomer).toBe(65003);
    expect(rib.bestRoute("10.3.0.0/16")).toBeUndefined();
    expect(rib.explain("10.3.0.0/16").rejected[0]?.reason).toBe("route-leak");
  });

  it("a session without a role neither adds OTC nor rejects on it", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib.addPeer({
      address: "192.0.2.2",
      asn: 65001,
      bgpIdentifier: "192.0.2.2",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    rib.peerUp("192.0.2.2");
    rib.update("192.0.2.2", ann(attrs([65001], "192.0.2.2", 65400), "10.4.0.0/16"));
    rib.update("192.0.2.2", ann(attrs([65001], "192.0.2.2"), "10.5.0.0/16"));
    expect(rib.bestRoute("10.4.0.0/16")?.attributes.onlyToCustomer).toBe(65400);
    expect(rib.bestRoute("10.5.0.0/16")?.attributes.onlyToCustomer).toBeUndefined();
  });
});

describe("RFC 9234 §5 egress", () => {
  it("a route with OTC goes to customers and route-server clients only, OTC unchanged", () => {
    const rib = router();
    rib.update(at("provider").address, ann(attrs([65001], "192.0.2.2"), "10.0.0.0/8"));
    expect(sentOtc(rib, at("customer").address)).toEqual({ "10.0.0.0/8": 65001 });
    expect(sentOtc(rib, at("rs client").address)).toEqual({ "10.0.0.0/8": 65001 });
    expect(sentOtc(rib, at("peer").address)).toEqual({});
    expect(sentOtc(rib, at("route server").address)).toEqual({});
    expect(sentOtc(rib, at("provider").address)).toEqual({}); // its own route
    // iBGP carries it unchanged (RFC 9234 §5: once set, preserved).
    expect(sentOtc(rib, IBGP)).toEqual({ "10.0.0.0/8": 65001 });
  });

  it("a route without OTC gets OTC = our AS towards customers, peers and route-server clients", () => {
    const rib = router();
    rib.update(at("customer").address, ann(attrs([65002], "192.0.2.6"), "10.6.0.0/16"));
    rib.originate(ann(attrs([], "192.0.2.1"), "10.7.0.0/16"));
    expect(sentOtc(rib, at("provider").address)).toEqual({
      "10.6.0.0/16": null,
      "10.7.0.0/16": null,
    });
    expect(sentOtc(rib, at("route server").address)).toEqual({
      "10.6.0.0/16": null,
      "10.7.0.0/16": null,
    });
    expect(sentOtc(rib, at("peer").address)).toEqual({
      "10.6.0.0/16": 64500,
      "10.7.0.0/16": 64500,
    });
    expect(sentOtc(rib, at("rs client").address)).toEqual({
      "10.6.0.0/16": 64500,
      "10.7.0.0/16": 64500,
    });
    expect(sentOtc(rib, at("customer").address)).toEqual({ "10.7.0.0/16": 64500 });
    expect(sentOtc(rib, IBGP)).toEqual({ "10.6.0.0/16": null, "10.7.0.0/16": null });
  });

  it("in a confederation the OTC added on egress is the confederation identifier", () => {
    const rib = router({ asn: 64500, confederation: { identifier: 100, members: [64500, 64501] } });
    rib.update(at("customer").address, ann(attrs([65002], "192.0.2.6"), "10.8.0.0/16"));
    expect(sentOtc(rib, at("peer").address)).toEqual({ "10.8.0.0/16": 100 });
  });

  it("the UPDATE to a peer carries the OTC added (the delta, not only the stored view)", () => {
    const rib = router();
    const c = rib.update(at("customer").address, ann(attrs([65002], "192.0.2.6"), "10.9.0.0/16"));
    const d = c.adjRibOut.get(at("peer").address);
    expect(d?.announced.map((g) => g.attributes.onlyToCustomer)).toEqual([64500]);
    expect(c.adjRibOut.get(at("provider").address)?.announced[0]?.attributes.onlyToCustomer).toBe(
      undefined,
    );
  });
});

describe("BGP Role configuration", () => {
  it("is refused on iBGP sessions and when unknown (BAD_CONFIG, field role)", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    const e = (f: () => void) => {
      try {
        f();
      } catch (x) {
        return x;
      }
      return undefined;
    };
    const ibgp = e(() =>
      rib.addPeer({ address: IBGP, asn: 64500, bgpIdentifier: IBGP, role: "peer" }),
    );
    expect(ibgp).toBeInstanceOf(BgpRibError);
    expect(ibgp).toMatchObject({ code: "BAD_CONFIG", where: { field: "role" } });
    const unknown = e(() =>
      rib.addPeer({
        address: "192.0.2.2",
        asn: 65001,
        bgpIdentifier: "192.0.2.2",
        role: "upstream" as BgpRole,
      }),
    );
    expect(unknown).toMatchObject({ code: "BAD_CONFIG", message: /unknown BGP Role "upstream"/ });
    expect(rib.peerAddresses()).toEqual([]);
  });

  it("travels with a grafted session: the new router applies the same rules", () => {
    const a = router();
    a.update(at("provider").address, ann(attrs([65001], "192.0.2.2"), "10.0.0.0/8"));
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    const peer = at("peer");
    b.addPeer({
      address: peer.address,
      asn: peer.asn,
      bgpIdentifier: peer.address,
      localAddress: "192.0.2.1",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
      role: "peer",
    });
    b.peerUp(peer.address);
    b.importSession(a.exportSession(at("provider").address), {
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    expect(b.bestRoute("10.0.0.0/8")?.attributes.onlyToCustomer).toBe(65001);
    expect(sentOtc(b, peer.address)).toEqual({}); // a provider's route: not to a peer
  });
});
