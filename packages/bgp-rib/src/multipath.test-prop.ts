import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { referenceMultipath, referenceSelectBest } from "../test/reference-decision";
import type { DecisionCandidate, DecisionOptions } from "./decision";
import { parsePrefix } from "./ip";
import { acceptAll } from "./policy";
import { type ChangeSet, Rib, type Route } from "./rib";

// Model-based test of multipath (ECMP): after every step, the routes the RIB forwards over per
// prefix equal the reference (test/reference-decision.ts) on the model's candidates, the FIB holds
// their next hops, and the change sets, applied one after the other, give that same state — each
// change a real one.

const PREFIXES = ["203.0.113.0/24", "198.18.0.0/15", "2001:db8::/32"];
interface PeerDef {
  address: string;
  asn: number;
  ibgp: boolean;
  /** The next hop its routes carry (two neighbours share one, so that it counts once). */
  hop: string;
}
const PEERS: PeerDef[] = [
  { address: "192.0.2.2", asn: 64501, ibgp: false, hop: "192.0.2.2" },
  { address: "192.0.2.3", asn: 64501, ibgp: false, hop: "192.0.2.3" },
  { address: "192.0.2.4", asn: 64502, ibgp: false, hop: "192.0.2.2" },
  { address: "192.0.2.5", asn: 64503, ibgp: false, hop: "192.0.2.5" },
  { address: "10.0.0.2", asn: 64500, ibgp: true, hop: "10.0.0.2" },
  { address: "10.0.0.3", asn: 64500, ibgp: true, hop: "10.0.0.3" },
];
const v6hop = (h: string) => `2001:db8:ffff::${h.split(".").at(-1)}`;
const pfx = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};

/** Route values from a small space, so that routes tie up to the tie-breakers often. */
interface RouteDef {
  first: number;
  tail: readonly number[];
  origin: "IGP" | "INCOMPLETE";
  med: number | undefined;
  lp: number;
}
const arbRoute = fc.record({
  first: fc.constantFrom(64501, 64502),
  tail: fc.constantFrom([], [1], [2], [1, 2]),
  origin: fc.constantFrom("IGP", "IGP", "IGP", "INCOMPLETE") as fc.Arbitrary<"IGP" | "INCOMPLETE">,
  med: fc.constantFrom(undefined, undefined, 0, 10),
  lp: fc.constantFrom(100, 100, 200),
});

function attributes(p: PeerDef, r: RouteDef, prefix: string): PathAttributes {
  const first = p.ibgp ? r.first : p.asn; // an eBGP neighbour's own AS first
  return {
    origin: r.origin,
    asPath: [{ type: "AS_SEQUENCE", asns: [first, ...r.tail] }],
    ...(prefix.includes(":")
      ? { mpReachNlri: { afi: 2, safi: 1, nextHop: [v6hop(p.hop)], nlri: [] } }
      : { nextHop: p.hop }),
    ...(r.med === undefined ? {} : { multiExitDisc: r.med }),
    ...(p.ibgp ? { localPref: r.lp } : {}),
  };
}

type Model = { rib: Map<string, Map<string, PathAttributes>>; up: Set<string> };
/** The RIB and, per prefix, the next hops the change sets say it forwards over. */
type Real = { rib: Rib; view: Map<string, string[]> };

const hopOf = (a: PathAttributes) => a.nextHop ?? a.mpReachNlri!.nextHop[0]!;
const ip = (s: string) => s.split(".").reduce((a, b) => a * 256 + Number(b), 0);

/** The next hops the reference forwards over for each prefix. */
function expected(m: Model, o: DecisionOptions): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const prefix of PREFIXES) {
    const cands: DecisionCandidate[] = [];
    const hops: string[] = [];
    const paths: string[] = [];
    for (const p of PEERS) {
      const a = m.rib.get(p.address)?.get(prefix);
      if (a === undefined) continue;
      const asns = a.asPath![0]!.asns;
      cands.push({
        reachable: true,
        localPref: a.localPref ?? 100,
        asPathLength: asns.length,
        origin: a.origin === "IGP" ? 0 : 2,
        med: a.multiExitDisc ?? 0,
        neighborAs: asns[0]!,
        peerKind: p.ibgp ? "ibgp" : "ebgp",
        igpCost: 0,
        arrival: 0,
        bgpIdentifier: ip(p.address),
        clusterListLength: 0,
        peerAddress: p.address,
        pathId: 0,
      });
      hops.push(hopOf(a));
      paths.push(asns.join(" "));
    }
    const best = referenceSelectBest(cands, o);
    const picked = referenceMultipath(cands, best, o, hops, paths);
    if (picked.length > 0)
      out.set(
        prefix,
        picked.map((i) => hops[i]!),
      );
  }
  return out;
}

function check(m: Model, r: Real, c: ChangeSet, o: DecisionOptions): void {
  for (const x of c.locRib) {
    const k = `${x.prefix.address}/${x.prefix.length}`;
    const list = (one: Route | undefined, many: readonly Route[] | undefined) =>
      many?.map((y) => `${y.peer} ${hopOf(y.attributes)}`) ??
      (one === undefined ? [] : [`${one.peer} ${hopOf(one.attributes)}`]);
    // Each change is one: the routes forwarded over differ — in number, neighbour or attributes
    // (a route of the multipath set other than the best may be the one that changed).
    const before = list(x.previous, x.previousMultipath);
    const after = list(x.current, x.multipath);
    const routesBefore = x.previousMultipath ?? (x.previous === undefined ? [] : [x.previous]);
    const routesAfter = x.multipath ?? (x.current === undefined ? [] : [x.current]);
    expect(
      routesBefore.length === routesAfter.length &&
        routesBefore.every(
          (y, i) => y.peer === routesAfter[i]!.peer && y.attributes === routesAfter[i]!.attributes,
        ),
    ).toBe(false);
    expect(x.multipath === undefined || x.multipath.length > 1).toBe(true);
    if (x.multipath !== undefined) expect(x.multipath[0]!.peer).toBe(x.current!.peer);
    // What the view had is what the change says was there.
    expect(r.view.get(k) ?? []).toEqual(before.map((y) => y.split(" ")[1]));
    if (after.length === 0) r.view.delete(k);
    else
      r.view.set(
        k,
        after.map((y) => y.split(" ")[1]!),
      );
  }
  const want = expected(m, o);
  expect(r.view).toEqual(want);
  for (const prefix of PREFIXES) {
    const hops = want.get(prefix) ?? [];
    expect(r.rib.multipath(prefix).map((x) => hopOf(x.attributes))).toEqual(hops);
    expect(r.rib.bestRoute(prefix) && hopOf(r.rib.bestRoute(prefix)!.attributes)).toBe(hops[0]);
    // The FIB: the prefix's first address.
    const pp = parsePrefix(prefix);
    const i = pp.family === 4 ? r.rib.fib.lookupIpv4(pp.words[0]) : r.rib.fib.lookupIpv6(pp.words);
    expect(r.rib.fib.nextHops(i)).toEqual(hops);
  }
}

/**
 * A command of the model run: `act` changes the RIB and the model and returns the change set,
 * which {@link check} then verifies with the state.
 */
function step(
  label: string,
  when: (m: Readonly<Model>) => boolean,
  act: (m: Model, r: Real) => ChangeSet,
  o: DecisionOptions,
): fc.Command<Model, Real> {
  return {
    check: when,
    run: (m, r) => check(m, r, act(m, r), o),
    toString: () => label,
  };
}

const upNow = (peer: number) => (m: Readonly<Model>) => m.up.has(PEERS[peer]!.address);

function announce(peer: number, prefix: string, route: RouteDef, o: DecisionOptions) {
  const p = PEERS[peer]!;
  return step(
    `announce(${peer}, ${prefix}, ${JSON.stringify(route)})`,
    upNow(peer),
    (m, r) => {
      const a = attributes(p, route, prefix);
      if (!m.rib.has(p.address)) m.rib.set(p.address, new Map());
      m.rib.get(p.address)!.set(prefix, a);
      return r.rib.update(p.address, { announced: [{ attributes: a, nlri: [pfx(prefix)] }] });
    },
    o,
  );
}

function withdraw(peer: number, prefix: string, o: DecisionOptions) {
  const p = PEERS[peer]!;
  return step(
    `withdraw(${peer}, ${prefix})`,
    upNow(peer),
    (m, r) => {
      m.rib.get(p.address)?.delete(prefix);
      return r.rib.update(p.address, { withdrawn: [pfx(prefix)] });
    },
    o,
  );
}

/** The session goes down (its routes withdrawn) or comes up again (with none). */
function flap(peer: number, o: DecisionOptions) {
  const a = PEERS[peer]!.address;
  return step(
    `flap(${peer})`,
    () => true,
    (m, r) => {
      if (!m.up.has(a)) {
        m.up.add(a);
        return r.rib.peerUp(a);
      }
      m.up.delete(a);
      m.rib.delete(a);
      return r.rib.peerDown(a);
    },
    o,
  );
}

const options = fc.record({
  deterministicMed: fc.constant(true),
  maximumPaths: fc.integer({ min: 1, max: 4 }),
  maximumPathsIbgp: fc.integer({ min: 1, max: 3 }),
  multipathRelax: fc.boolean(),
});

test.prop(
  [
    options.chain((o) =>
      fc.record({
        o: fc.constant(o),
        cmds: fc.commands(
          [
            fc
              .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(...PREFIXES), arbRoute)
              .map(([p, x, r]) => announce(p, x, r, o)),
            fc
              .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(...PREFIXES))
              .map(([p, x]) => withdraw(p, x, o)),
            fc.nat(PEERS.length - 1).map((p) => flap(p, o)),
          ],
          { maxCommands: 50 },
        ),
      }),
    ),
  ],
  { numRuns: 200 },
)(
  "model-based: the routes forwarded over, the FIB and the change sets follow the reference multipath",
  ({ o, cmds }) => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", decision: o });
    for (const p of PEERS)
      rib.addPeer({
        address: p.address,
        asn: p.asn,
        bgpIdentifier: p.address,
        ...(p.ibgp ? {} : { importPolicy: acceptAll, exportPolicy: acceptAll }),
      });
    for (const a of rib.peerAddresses()) rib.peerUp(a);
    const model: Model = { rib: new Map(), up: new Set(PEERS.map((p) => p.address)) };
    fc.modelRun(() => ({ model, real: { rib, view: new Map() } }), cmds);
  },
);
