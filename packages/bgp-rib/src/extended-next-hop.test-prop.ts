// Next hops as a property: after any announcements (IPv4 routes with IPv4 or — RFC 8950 — IPv6
// next hops, IPv6 routes with global and link-local ones) from external neighbours, every
// neighbour's Adj-RIB-Out holds the Loc-RIB's routes with the next hops RFC 4271 §5.1.3,
// RFC 2545 §3 and RFC 8950 give for that neighbour's session — our addresses where we set the
// next hop, the route's own where we do not — and an IPv4 route whose next hop would be an IPv6
// address reaches no neighbour without Extended Next Hop Encoding.
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import type { PeerConfig } from "./peer";
import { acceptAll } from "./policy";
import { Rib, type Route } from "./rib";

const OWN_AS = 64500;
/** The external neighbours routes come from. */
const SOURCES = [
  { address: "192.0.2.2", asn: 65001 },
  { address: "2001:db8:1::2", asn: 65002 },
  { address: "fe80::2%eth2", asn: 65003 },
];
const PREFIXES = [
  "10.0.0.0/8",
  "10.1.0.0/16",
  "172.16.0.0/12",
  "2001:db8:100::/48",
  "2001:db8::/32",
];
const prefix = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
const key = (p: Prefix) => `${p.address}/${p.length}`;

/** A neighbour the routes are sent to: its session's settings. */
interface Receiver {
  kind: "ebgp" | "ibgp" | "rs-client";
  nextHopSelf: boolean;
  extendedNextHop: boolean;
  /** Set at peerUp (else in the configuration). */
  perSession: boolean;
  /** An export policy (internal neighbours need none, RFC 8212 is for external ones). */
  exportPolicy: boolean;
  localAddress: string | undefined;
  localIpv6Address: string | undefined;
  localLinkLocalAddress: string | undefined;
}

const receiver: fc.Arbitrary<Receiver> = fc.record({
  kind: fc.constantFrom("ebgp" as const, "ibgp" as const, "rs-client" as const),
  nextHopSelf: fc.boolean(),
  extendedNextHop: fc.boolean(),
  perSession: fc.boolean(),
  exportPolicy: fc.boolean(),
  localAddress: fc.constantFrom(undefined, "192.0.2.1", "2001:db8:ff::1", "fe80::1%eth9"),
  localIpv6Address: fc.constantFrom(undefined, "2001:db8:ee::1"),
  localLinkLocalAddress: fc.constantFrom(undefined, "fe80::1", "fe80::99%eth7"),
});

/** What a route carries: NEXT_HOP and the next hops of MP_REACH_NLRI with its AFI. */
interface Hops {
  nextHop: string | undefined;
  mp: { afi: number; nextHop: readonly string[] } | undefined;
}

const announcement = fc.record({
  from: fc.nat({ max: SOURCES.length - 1 }),
  prefix: fc.constantFrom(...PREFIXES),
  withdraw: fc.boolean(),
  // IPv4 routes: a NEXT_HOP, or an MP_REACH_NLRI of AFI 1 with IPv6 next hops (RFC 8950).
  v4hops: fc.constantFrom<Hops>(
    { nextHop: "192.0.2.2", mp: undefined },
    { nextHop: "198.51.100.7", mp: undefined },
    { nextHop: undefined, mp: { afi: 1, nextHop: ["2001:db8:1::2"] } },
    { nextHop: undefined, mp: { afi: 1, nextHop: ["2001:db8:1::2", "fe80::2"] } },
    { nextHop: undefined, mp: { afi: 1, nextHop: ["fe80::2"] } },
  ),
  v6hops: fc.constantFrom<Hops>(
    { nextHop: undefined, mp: { afi: 2, nextHop: ["2001:db8:1::2"] } },
    { nextHop: undefined, mp: { afi: 2, nextHop: ["2001:db8:1::2", "fe80::2"] } },
    { nextHop: undefined, mp: { afi: 2, nextHop: ["fe80::2"] } },
  ),
  extra: fc.array(fc.integer({ min: 65100, max: 65110 }), { maxLength: 3 }),
});

const noZone = (a: string) => a.split("%")[0]!;
const isLinkLocal = (a: string) => /^fe80:/i.test(a);

/**
 * The next hops a route with hops `h` (of a `v6` prefix) is sent to r with, or "not sent":
 * written from the RFCs, not from the RIB's code.
 */
function expected(r: Receiver, v6: boolean, h: Hops): Hops | "not sent" {
  // Our IPv6 addresses on the session: global, then link-local (RFC 2545 §3).
  const la = r.localAddress;
  const global = r.localIpv6Address ?? (la?.includes(":") && !isLinkLocal(la) ? la : undefined);
  const ll = r.localLinkLocalAddress ?? (la !== undefined && isLinkLocal(la) ? la : undefined);
  const ours6 = [global, ll].filter((x): x is string => x !== undefined).map(noZone);
  const ours4 = la !== undefined && !la.includes(":") ? la : undefined;
  // RFC 4271 §5.1.3: towards an external neighbour we are the next hop (a route server, RFC 7947
  // §2.2.2, is not); towards an internal one only with next-hop-self.
  const self = r.kind === "ebgp" || (r.kind === "ibgp" && r.nextHopSelf);
  let out: Hops = h;
  if (self && v6 && ours6.length > 0) out = { nextHop: undefined, mp: { afi: 2, nextHop: ours6 } };
  else if (self && !v6 && r.extendedNextHop && ours6.length > 0)
    out = { nextHop: undefined, mp: { afi: 1, nextHop: ours6 } };
  else if (self && !v6 && ours4 !== undefined) out = { nextHop: ours4, mp: undefined };
  // RFC 8950 §4: an IPv6 next hop for IPv4 routes only to a neighbour that can read it.
  if (!v6 && out.mp?.afi === 1 && out.mp.nextHop[0]!.includes(":") && !r.extendedNextHop)
    return "not sent";
  return out;
}

/** The next hops of a route as sent, in the terms of {@link Hops}. */
function hopsOf(a: PathAttributes, v6: boolean): Hops {
  const mp = a.mpReachNlri;
  return {
    nextHop: v6 ? undefined : a.nextHop,
    mp: mp !== undefined && (v6 || mp.afi === 1) ? { afi: mp.afi, nextHop: mp.nextHop } : undefined,
  };
}

test.prop(
  [
    fc.array(receiver, { minLength: 1, maxLength: 4 }),
    fc.array(announcement, { minLength: 1, maxLength: 30 }),
  ],
  { numRuns: 200 },
)("Adj-RIBs-Out carry the next hops of RFC 4271, RFC 2545 and RFC 8950", (receivers, ops) => {
  const rib = new Rib({ asn: OWN_AS, bgpIdentifier: "10.0.0.1" });
  for (const s of SOURCES)
    rib.addPeer({
      address: s.address,
      asn: s.asn,
      bgpIdentifier: "192.0.2.200",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
  const addresses = receivers.map((_, i) => `10.9.0.${i + 1}`);
  receivers.forEach((r, i) => {
    const config: PeerConfig = {
      address: addresses[i]!,
      asn: r.kind === "ibgp" ? OWN_AS : 65200 + i,
      bgpIdentifier: addresses[i]!,
      importPolicy: acceptAll,
      ...(r.exportPolicy || r.kind !== "ibgp" ? { exportPolicy: acceptAll } : {}),
      ...(r.kind === "rs-client" ? { routeServerClient: true } : {}),
      ...(r.nextHopSelf ? { nextHopSelf: true } : {}),
      ...(r.localAddress !== undefined ? { localAddress: r.localAddress } : {}),
      ...(r.localIpv6Address !== undefined ? { localIpv6Address: r.localIpv6Address } : {}),
      ...(!r.perSession && r.extendedNextHop ? { extendedNextHop: true } : {}),
      ...(!r.perSession && r.localLinkLocalAddress !== undefined
        ? { localLinkLocalAddress: r.localLinkLocalAddress }
        : {}),
    };
    rib.addPeer(config);
  });
  for (const s of SOURCES) rib.peerUp(s.address);
  receivers.forEach((r, i) => {
    rib.peerUp(
      addresses[i]!,
      r.perSession
        ? {
            extendedNextHop: r.extendedNextHop,
            ...(r.localLinkLocalAddress !== undefined
              ? { localLinkLocalAddress: r.localLinkLocalAddress }
              : {}),
          }
        : {},
    );
  });
  for (const o of ops) {
    const s = SOURCES[o.from]!;
    const p = prefix(o.prefix);
    if (o.withdraw) {
      rib.update(s.address, { withdrawn: [p] });
      continue;
    }
    const h = p.afi === 2 ? o.v6hops : o.v4hops;
    const attributes: PathAttributes = {
      origin: "IGP",
      asPath: [{ type: "AS_SEQUENCE", asns: [s.asn, ...o.extra] }],
      ...(h.nextHop !== undefined ? { nextHop: h.nextHop } : {}),
      ...(h.mp !== undefined
        ? { mpReachNlri: { afi: h.mp.afi as 1 | 2, safi: 1, nextHop: h.mp.nextHop, nlri: [] } }
        : {}),
    };
    rib.update(s.address, { announced: [{ attributes, nlri: [p] }] });
  }
  const best = new Map<string, Route>();
  for (const r of rib.locRib()) best.set(key(r.prefix), r);
  receivers.forEach((r, i) => {
    const want = new Map<string, Hops>();
    for (const [k, route] of best) {
      const v6 = route.prefix.afi === 2;
      const e = expected(r, v6, hopsOf(route.attributes, v6));
      if (e !== "not sent") want.set(k, e);
    }
    const got = new Map<string, Hops>();
    for (const out of rib.adjRibOut(addresses[i]!))
      got.set(key(out.prefix), hopsOf(out.attributes, out.prefix.afi === 2));
    expect(got).toEqual(want);
  });
});
