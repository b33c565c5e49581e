// RFC 9234 §5 as a property: after any sequence of announcements and withdrawals from neighbours
// of every role, the Adj-RIBs-In (post-policy) and every Adj-RIB-Out are what the RFC's ingress
// and egress procedures, read straight from its text, make of the received routes and the
// Loc-RIB.
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import type { BgpRole } from "./peer";
import { acceptAll } from "./policy";
import { Rib, type Route } from "./rib";

const OWN_AS = 64500;
const NEIGHBORS: { address: string; asn: number; role: BgpRole | undefined }[] = [
  { address: "192.0.2.2", asn: 65001, role: "customer" },
  { address: "192.0.2.6", asn: 65002, role: "provider" },
  { address: "192.0.2.10", asn: 65003, role: "peer" },
  { address: "192.0.2.14", asn: 65004, role: "rs-client" },
  { address: "192.0.2.18", asn: 65005, role: "rs" },
  { address: "192.0.2.22", asn: 65006, role: undefined },
  { address: "10.0.0.2", asn: OWN_AS, role: undefined }, // iBGP
];
const PREFIXES = ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/24", "172.16.0.0/12"];
const prefix = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: 1, address: address!, length: Number(len) };
};
const key = (p: Prefix) => `${p.address}/${p.length}`;

/** RFC 9234 §5 ingress: the OTC a received route keeps or gets, or "leak". */
function ingress(role: BgpRole | undefined, asn: number, otc: number | undefined) {
  if (role === undefined) return otc;
  if (otc === undefined)
    return role === "customer" || role === "rs-client" || role === "peer" ? asn : undefined;
  // Received from a Customer or an RS-Client, or from a Peer with another AS: a leak.
  if (role === "provider" || role === "rs") return "leak" as const;
  if (role === "peer" && otc !== asn) return "leak" as const;
  return otc;
}

/** RFC 9234 §5 egress: the OTC a route is sent with, or "not sent". */
function egress(role: BgpRole | undefined, otc: number | undefined) {
  if (role === undefined) return otc;
  if (otc !== undefined)
    return role === "customer" || role === "rs-client" || role === "peer"
      ? ("not sent" as const)
      : otc;
  return role === "provider" || role === "rs" || role === "peer" ? OWN_AS : undefined;
}

const op = fc.record({
  from: fc.nat({ max: NEIGHBORS.length - 1 }),
  prefix: fc.constantFrom(...PREFIXES),
  withdraw: fc.boolean(),
  // OTC absent, one of the neighbours' ASes, or a remote AS.
  otc: fc.option(fc.constantFrom(65001, 65002, 65003, 65004, 65005, 65099), { nil: undefined }),
  extra: fc.array(fc.integer({ min: 65100, max: 65110 }), { maxLength: 3 }),
  med: fc.nat({ max: 3 }),
});

test.prop([fc.array(op, { maxLength: 40 })], { numRuns: 150 })(
  "Adj-RIBs-In and Adj-RIBs-Out follow RFC 9234 §5's ingress and egress procedures",
  (ops) => {
    const rib = new Rib({ asn: OWN_AS, bgpIdentifier: "10.0.0.1" });
    for (const n of NEIGHBORS)
      rib.addPeer({
        address: n.address,
        asn: n.asn,
        bgpIdentifier: n.address,
        localAddress: "192.0.2.1",
        importPolicy: acceptAll,
        exportPolicy: acceptAll,
        ...(n.role === undefined ? {} : { role: n.role }),
      });
    for (const n of NEIGHBORS) rib.peerUp(n.address);
    for (const o of ops) {
      const n = NEIGHBORS[o.from]!;
      if (o.withdraw) {
        rib.update(n.address, { withdrawn: [prefix(o.prefix)] });
        continue;
      }
      const a: PathAttributes = {
        origin: "IGP",
        asPath: [{ type: "AS_SEQUENCE", asns: n.asn === OWN_AS ? o.extra : [n.asn, ...o.extra] }],
        nextHop: n.address,
        multiExitDisc: o.med,
        ...(n.asn === OWN_AS ? { localPref: 100 } : {}),
        ...(o.otc === undefined ? {} : { onlyToCustomer: o.otc }),
      };
      rib.update(n.address, { announced: [{ attributes: a, nlri: [prefix(o.prefix)] }] });
    }
    // Ingress: each received route is in the post-policy view with the OTC the RFC gives it,
    // or rejected as a leak.
    for (const n of NEIGHBORS) {
      const post = new Map([...rib.adjRibIn(n.address, "post")].map((r) => [key(r.prefix), r]));
      for (const r of rib.adjRibIn(n.address, "pre")) {
        const want = ingress(n.role, n.asn, r.attributes.onlyToCustomer);
        const got = post.get(key(r.prefix));
        if (want === "leak") {
          expect(got).toBeUndefined();
          const why = rib.explain(r.prefix).rejected.find((x) => x.route.peer === n.address);
          expect(why?.reason).toBe("route-leak");
        } else expect(got?.attributes.onlyToCustomer).toBe(want);
        post.delete(key(r.prefix));
      }
      expect([...post.keys()]).toEqual([]);
    }
    // Egress: every Adj-RIB-Out is the Loc-RIB (less the receiver's own routes) as the RFC sends it.
    const loc: Route[] = [...rib.locRib()];
    for (const n of NEIGHBORS) {
      const want = new Map<string, number | undefined>();
      for (const r of loc) {
        if (r.peer === n.address) continue;
        const from = NEIGHBORS.find((m) => m.address === r.peer)!;
        // iBGP to iBGP is not sent (no route reflection here).
        if (n.asn === OWN_AS && from.asn === OWN_AS) continue;
        const otc =
          n.asn === OWN_AS
            ? r.attributes.onlyToCustomer
            : egress(n.role, r.attributes.onlyToCustomer);
        if (otc !== "not sent") want.set(key(r.prefix), otc);
      }
      const got = new Map(
        [...rib.adjRibOut(n.address)].map((r) => [key(r.prefix), r.attributes.onlyToCustomer]),
      );
      expect(got).toEqual(want);
    }
  },
);
