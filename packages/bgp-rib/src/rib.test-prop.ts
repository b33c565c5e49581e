import {
  type PathAttributes,
  type Prefix,
  pathAttributesKey,
  WELL_KNOWN_COMMUNITY,
} from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { referenceSelectBest } from "../test/reference-decision";
import { acceptingPeer, addPathRouter } from "../test/routers";
import type { DecisionCandidate } from "./decision";
import type { PeerConfig } from "./peer";
import { acceptAll, type Policy, prefixList, setLocalPref } from "./policy";
import { type AdjRibOutUpdate, type ChangeSet, Rib, type RibUpdate, type Route } from "./rib";
import { arbitraryRibUpdate } from "./testing";

// bgp-wire's pathAttributesKey renders ORIGIN by its first letter (IGP = INCOMPLETE): add it whole.
const attrKey = (a: PathAttributes): string => `${a.origin}|${pathAttributesKey(a)}`;

const PREFIXES = ["203.0.113.0/24", "198.18.0.0/15", "10.0.0.0/8", "2001:db8::/32"];
const afiOf = (prefix: string): number => (prefix.includes(":") ? 2 : 1);
const pfx = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
interface PeerDef {
  address: string;
  asn: number;
  id: string;
  ibgp: boolean;
}
const PEERS: PeerDef[] = [
  { address: "192.0.2.2", asn: 64501, id: "192.0.2.2", ibgp: false },
  { address: "192.0.2.6", asn: 64502, id: "192.0.2.6", ibgp: false },
  { address: "10.0.0.2", asn: 64500, id: "10.0.0.2", ibgp: true },
];
const MONITOR = "10.0.0.99";
/** A second iBGP monitor, one that advertised Long-Lived Graceful Restart (RFC 9494). */
const MONITOR_LLGR = "10.0.0.98";
const { LLGR_STALE, NO_LLGR } = WELL_KNOWN_COMMUNITY;

// A small attribute space so that every decision step gets exercised.
const arbAttrs = fc
  .record({
    path: fc.array(fc.constantFrom(1, 2, 3), { minLength: 0, maxLength: 3 }),
    first: fc.constantFrom(64501, 64502, 64510),
    origin: fc.constantFrom("IGP", "EGP", "INCOMPLETE") as fc.Arbitrary<
      "IGP" | "EGP" | "INCOMPLETE"
    >,
    med: fc.option(fc.constantFrom(0, 10, 20), { nil: undefined }),
    lp: fc.constantFrom(100, 200),
    // RFC 9494: routes not to keep long-lived, and (rarely) routes received long-lived stale.
    communities: fc.constantFrom(undefined, undefined, undefined, [NO_LLGR], [65000, LLGR_STALE]),
  })
  .map(
    (r): PathAttributes => ({
      origin: r.origin,
      asPath: [{ type: "AS_SEQUENCE", asns: [r.first, ...r.path] }],
      nextHop: "192.0.2.254",
      ...(r.med !== undefined ? { multiExitDisc: r.med } : {}),
      localPref: r.lp,
      ...(r.communities !== undefined ? { communities: r.communities } : {}),
    }),
  );

function withNh(a: PathAttributes, prefix: string): PathAttributes {
  return prefix.includes(":")
    ? {
        ...a,
        nextHop: undefined,
        mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::254"], nlri: [] },
      }
    : a;
}

type Model = {
  rib: Map<string, Map<string, { attrs: PathAttributes; arrival: number }>>;
  up: Set<string>;
  arrival: number;
  /** Per neighbour, prefixes retained stale by a graceful restart (RFC 4724). */
  stale: Map<string, Set<string>>;
};
type Real = { rib: Rib; view: Map<string, string>; viewLlgr: Map<string, string> };

const key = (r: Route) => `${r.prefix.address}/${r.prefix.length}`;

function applyView(view: Map<string, string>, d: AdjRibOutUpdate | undefined): void {
  if (d === undefined) return;
  for (const w of d.withdrawn) {
    const k = `${w.address}/${w.length}`;
    // Never a withdrawal of something the neighbour does not have.
    expect(view.has(k)).toBe(true);
    view.delete(k);
  }
  for (const g of d.announced)
    for (const n of g.nlri) {
      const k = `${n.address}/${n.length}`;
      // Never an UPDATE for an unchanged route.
      expect(view.get(k)).not.toBe(attrKey(g.attributes));
      view.set(k, attrKey(g.attributes));
    }
}

/** What the pre-policy Adj-RIB-In keeps: from eBGP, no LOCAL_PREF (RFC 4271 §5.1.5). */
function received(a: PathAttributes, fromEbgp: boolean): PathAttributes {
  if (!fromEbgp) return a;
  const { localPref: _, ...rest } = a;
  return rest;
}

function check(m: Model, r: Real, c: ChangeSet | undefined): void {
  applyView(r.view, c?.adjRibOut.get(MONITOR));
  applyView(r.viewLlgr, c?.adjRibOut.get(MONITOR_LLGR));
  // Down neighbours keep only what a graceful restart retained (stale).
  for (const p of PEERS) {
    const stale = [...(m.stale.get(p.address) ?? [])];
    expect(r.rib.staleCount(p.address)).toBe(stale.length);
    for (const afi of [1, 2])
      expect(r.rib.staleCount(p.address, afi)).toBe(stale.filter((x) => afiOf(x) === afi).length);
    const got = [...r.rib.adjRibIn(p.address, "pre")]
      .map((x) => `${key(x)} ${attrKey(x.attributes)}`)
      .sort();
    const want = [...(m.rib.get(p.address) ?? new Map())]
      .map(([k, v]) => `${k} ${attrKey(received(withNh(v.attrs, k), !p.ibgp))}`)
      .sort();
    expect(got).toEqual(want);
    // The O(1) per-family count agrees with the view it counts.
    const pre = [...r.rib.adjRibIn(p.address, "pre")];
    const post = [...r.rib.adjRibIn(p.address, "post")];
    expect(r.rib.adjRibInCount(p.address)).toEqual({
      ipv4: pre.filter((x) => x.prefix.afi === 1).length,
      ipv6: pre.filter((x) => x.prefix.afi === 2).length,
      accepted: {
        ipv4: post.filter((x) => x.prefix.afi === 1).length,
        ipv6: post.filter((x) => x.prefix.afi === 2).length,
      },
    });
  }
  for (const prefix of PREFIXES) {
    const cands: (DecisionCandidate & { peer: string })[] = [];
    for (const p of PEERS) {
      const e = m.rib.get(p.address)?.get(prefix);
      if (e === undefined) continue;
      const first = e.attrs.asPath![0]!.asns;
      cands.push({
        peer: p.address,
        reachable: true,
        localPref: p.ibgp ? e.attrs.localPref! : 100, // LOCAL_PREF from eBGP ignored
        asPathLength: first.length,
        origin: ["IGP", "EGP", "INCOMPLETE"].indexOf(e.attrs.origin!),
        med: e.attrs.multiExitDisc ?? 0,
        neighborAs: first[0]!,
        peerKind: p.ibgp ? "ibgp" : "ebgp",
        igpCost: 0,
        arrival: e.arrival,
        bgpIdentifier: Number(p.id.split(".").reduce((a, b) => a * 256 + Number(b), 0)),
        clusterListLength: 0,
        peerAddress: p.address,
        pathId: 0,
        llgrStale: e.attrs.communities?.includes(LLGR_STALE) === true,
      });
    }
    const i = referenceSelectBest(cands, { deterministicMed: true });
    const best = r.rib.bestRoute(prefix);
    expect(best?.peer).toBe(i < 0 ? undefined : cands[i]!.peer);
    // The monitors (iBGP) have exactly the eBGP-learned best routes (iBGP split horizon); the
    // one without LLGR none marked LLGR_STALE (RFC 9494 §4.3), the other those too.
    const fromEbgp = i >= 0 && !PEERS.find((p) => p.address === cands[i]!.peer)!.ibgp;
    expect(r.viewLlgr.has(prefix)).toBe(fromEbgp);
    expect(r.view.has(prefix)).toBe(fromEbgp && cands[i]!.llgrStale !== true);
  }
  const outLlgr = [...r.rib.adjRibOut(MONITOR_LLGR)];
  expect(new Map(outLlgr.map((x) => [key(x), attrKey(x.attributes)]))).toEqual(r.viewLlgr);
  // Sent with LLGR_STALE exactly when the best route carries it (kept on: RFC 9494 §4.3).
  for (const x of outLlgr)
    expect(x.attributes.communities?.includes(LLGR_STALE) === true).toBe(
      r.rib.bestRoute(key(x))!.attributes.communities?.includes(LLGR_STALE) === true,
    );
  const out = new Map([...r.rib.adjRibOut(MONITOR)].map((x) => [key(x), attrKey(x.attributes)]));
  expect(out).toEqual(r.view);
  const v6 = [...out.keys()].filter((k) => k.includes(":")).length;
  expect(r.rib.adjRibOutCount(MONITOR)).toEqual({ ipv4: out.size - v6, ipv6: v6 });
  // No export policy towards the monitor: before policy, the same routes (RFC 8671).
  expect(preOut(r.rib, MONITOR)).toEqual(out);
  expect(r.rib.adjRibOutPreCount(MONITOR)).toEqual({ ipv4: out.size - v6, ipv6: v6 });
}

/** A neighbour's pre-policy Adj-RIB-Out, prefix → attributes; also checked one prefix at a time. */
function preOut(rib: Rib, peer: string): Map<string, string> {
  const routes = [...rib.adjRibOutPre(peer)];
  const pre = new Map(routes.map((x) => [key(x), attrKey(x.attributes)]));
  expect(pre.size).toBe(routes.length);
  // With `within`: those prefixes in that order (reversed, and one without a route, here).
  const keys = [...pre.keys()].reverse();
  expect([...rib.adjRibOutPre(peer, [...keys, "192.0.2.0/24"])].map(key)).toEqual(keys);
  return pre;
}

class Announce implements fc.Command<Model, Real> {
  constructor(
    readonly peer: number,
    readonly prefix: string,
    readonly attrs: PathAttributes,
  ) {}
  check(m: Readonly<Model>) {
    return m.up.has(PEERS[this.peer]!.address);
  }
  run(m: Model, r: Real) {
    const p = PEERS[this.peer]!;
    const a = withNh(this.attrs, this.prefix);
    const c = r.rib.update(p.address, { announced: [{ attributes: a, nlri: [pfx(this.prefix)] }] });
    let t = m.rib.get(p.address);
    if (t === undefined) {
      t = new Map();
      m.rib.set(p.address, t);
    }
    t.set(this.prefix, { attrs: this.attrs, arrival: ++m.arrival });
    m.stale.get(p.address)?.delete(this.prefix);
    check(m, r, c);
  }
  toString() {
    return `announce(${this.peer}, ${this.prefix}, ${JSON.stringify(this.attrs)})`;
  }
}
class Withdraw implements fc.Command<Model, Real> {
  constructor(
    readonly peer: number,
    readonly prefix: string,
  ) {}
  check(m: Readonly<Model>) {
    return m.up.has(PEERS[this.peer]!.address);
  }
  run(m: Model, r: Real) {
    const p = PEERS[this.peer]!;
    const c = r.rib.update(p.address, { withdrawn: [pfx(this.prefix)] });
    m.rib.get(p.address)?.delete(this.prefix);
    m.stale.get(p.address)?.delete(this.prefix);
    check(m, r, c);
  }
  toString() {
    return `withdraw(${this.peer}, ${this.prefix})`;
  }
}
class Flap implements fc.Command<Model, Real> {
  constructor(readonly peer: number) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    const p = PEERS[this.peer]!;
    if (m.up.has(p.address)) {
      const c = r.rib.peerDown(p.address);
      m.up.delete(p.address);
      m.rib.delete(p.address);
      m.stale.delete(p.address);
      check(m, r, c);
    } else {
      const c = r.rib.peerUp(p.address);
      m.up.add(p.address);
      check(m, r, c);
    }
  }
  toString() {
    return `flap(${this.peer})`;
  }
}

/**
 * Graceful restart of the neighbour: the session drops, its routes stay, marked stale — those of
 * the families retained (`afis`, default all); the others are withdrawn.
 */
class RestartDown implements fc.Command<Model, Real> {
  constructor(
    readonly peer: number,
    readonly afis: readonly number[] | undefined,
    readonly then?: LongLivedStale,
  ) {}
  check(m: Readonly<Model>) {
    return m.up.has(PEERS[this.peer]!.address);
  }
  run(m: Model, r: Real) {
    const p = PEERS[this.peer]!;
    const c = r.rib.peerDown(p.address, {
      retainStale: true,
      ...(this.afis === undefined ? {} : { afis: this.afis }),
    });
    m.up.delete(p.address);
    const kept = (x: string) => this.afis === undefined || this.afis.includes(afiOf(x));
    const t = m.rib.get(p.address);
    for (const x of [...(t?.keys() ?? [])]) if (!kept(x)) t!.delete(x);
    m.stale.set(p.address, new Set(t?.keys() ?? []));
    // Nothing changes for the other neighbours when every family is retained.
    if (this.afis === undefined) expect(c.locRib).toEqual([]);
    check(m, r, c);
    if (this.then?.check(m)) this.then.run(m, r);
  }
  toString() {
    return `restartDown(${this.peer}${this.afis === undefined ? "" : `, [${this.afis}]`})${this.then === undefined ? "" : ` + ${this.then}`}`;
  }
}
/**
 * End-of-RIB (or the stale timer): routes not refreshed since the restart go — of one family
 * (`afi`, its End-of-RIB) or all.
 */
class SweepStale implements fc.Command<Model, Real> {
  constructor(
    readonly peer: number,
    readonly afi: number | undefined,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    const p = PEERS[this.peer]!;
    const c = r.rib.sweepStale(p.address, this.afi);
    const stale = m.stale.get(p.address) ?? new Set();
    for (const x of [...stale])
      if (this.afi === undefined || afiOf(x) === this.afi) {
        m.rib.get(p.address)?.delete(x);
        stale.delete(x);
      }
    check(m, r, c);
  }
  toString() {
    return `sweepStale(${this.peer}${this.afi === undefined ? "" : `, ${this.afi}`})`;
  }
}

/**
 * Long-Lived Graceful Restart (RFC 9494 §4.2): the Restart Time ran out — the stale routes (of one
 * family or all) become long-lived stale: NO_LLGR ones go, the others get LLGR_STALE.
 */
class LongLivedStale implements fc.Command<Model, Real> {
  constructor(
    readonly peer: number,
    readonly afi: number | undefined,
  ) {}
  check(m: Readonly<Model>) {
    return (m.stale.get(PEERS[this.peer]!.address)?.size ?? 0) > 0;
  }
  run(m: Model, r: Real) {
    const p = PEERS[this.peer]!;
    const c = r.rib.longLivedStale(p.address, this.afi);
    const stale = m.stale.get(p.address) ?? new Set();
    const t = m.rib.get(p.address);
    for (const x of [...stale]) {
      if (this.afi !== undefined && afiOf(x) !== this.afi) continue;
      const e = t!.get(x)!;
      const cs = e.attrs.communities ?? [];
      if (cs.includes(NO_LLGR)) {
        t!.delete(x);
        stale.delete(x);
      } else if (!cs.includes(LLGR_STALE))
        t!.set(x, { ...e, attrs: { ...e.attrs, communities: [...cs, LLGR_STALE] } });
    }
    check(m, r, c);
  }
  toString() {
    return `longLivedStale(${this.peer}${this.afi === undefined ? "" : `, ${this.afi}`})`;
  }
}

const announce = fc
  .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(...PREFIXES), arbAttrs)
  .map(([p, x, a]) => new Announce(p, x, a));
const commands = [
  announce,
  announce,
  announce,
  fc
    .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(...PREFIXES))
    .map(([p, x]) => new Withdraw(p, x)),
  fc.nat(PEERS.length - 1).map((p) => new Flap(p)),
  fc
    .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(undefined, [1], [2], [1, 2], []))
    .map(([p, afis]) => new RestartDown(p, afis)),
  fc
    .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(undefined, 1, 2))
    .map(([p, afi]) => new SweepStale(p, afi)),
  fc
    .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(undefined, 1, 2))
    .map(([p, afi]) => new LongLivedStale(p, afi)),
  // A Restart Time of 0: the long-lived stale period begins as the session drops (RFC 9494 §4.2).
  fc
    .tuple(fc.nat(PEERS.length - 1), fc.constantFrom(undefined, 1, 2))
    .map(([p, afi]) => new RestartDown(p, undefined, new LongLivedStale(p, afi))),
];

// Sequences long enough (size "large") for routes to be announced, retained stale and then long-lived
// stale by one neighbour: with the default size, few restarts found any route to retain.
test.prop([fc.commands(commands, { maxCommands: 40, size: "large" })], { numRuns: 150 })(
  "model-based: Adj-RIB-In, Loc-RIB (vs the RFC reference), graceful-restart stale routes and a neighbour's cumulative view stay right",
  (cmds) => {
    const rib = new Rib({
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      decision: { deterministicMed: true },
    });
    for (const p of PEERS)
      rib.addPeer({
        address: p.address,
        asn: p.asn,
        bgpIdentifier: p.id,
        ...(p.ibgp ? {} : { importPolicy: acceptAll, exportPolicy: acceptAll }),
      });
    rib.addPeer({ address: MONITOR, asn: 64500, bgpIdentifier: MONITOR });
    rib.addPeer({ address: MONITOR_LLGR, asn: 64500, bgpIdentifier: MONITOR_LLGR });
    for (const a of rib.peerAddresses())
      rib.peerUp(a, { longLivedGracefulRestart: a === MONITOR_LLGR });
    const model: Model = {
      rib: new Map(),
      up: new Set(PEERS.map((p) => p.address)),
      arrival: 0,
      stale: new Map(),
    };
    fc.modelRun(() => ({ model, real: { rib, view: new Map(), viewLlgr: new Map() } }), cmds);
  },
);

test.prop(
  [
    fc.array(fc.tuple(fc.nat(PEERS.length - 1), fc.constantFrom(...PREFIXES), arbAttrs), {
      maxLength: 25,
    }),
    fc.nat(),
  ],
  { numRuns: 150 },
)(
  "with deterministic-med the final Loc-RIB does not depend on the order updates arrive in",
  (anns, seed) => {
    // Keep the last announcement per (peer, prefix) so that the final Adj-RIBs-In are the same.
    const last = new Map<string, [number, string, PathAttributes]>();
    for (const a of anns) last.set(`${a[0]} ${a[1]}`, a);
    const batch = [...last.values()];
    const shuffled = [...batch].sort(
      (x, y) => ((x[0] * 7 + x[1].length + seed) % 5) - ((y[0] * 7 + y[1].length + seed) % 5),
    );
    const run = (list: [number, string, PathAttributes][]) => {
      const rib = new Rib({
        asn: 64500,
        bgpIdentifier: "10.0.0.1",
        decision: { deterministicMed: true },
      });
      for (const p of PEERS)
        rib.addPeer({
          address: p.address,
          asn: p.asn,
          bgpIdentifier: p.id,
          importPolicy: acceptAll,
          exportPolicy: acceptAll,
        });
      for (const p of PEERS) rib.peerUp(p.address);
      for (const [peer, prefix, attrs] of list)
        rib.update(PEERS[peer]!.address, {
          announced: [{ attributes: withNh(attrs, prefix), nlri: [pfx(prefix)] }],
        });
      return [...rib.locRib()].map((r) => `${key(r)} ${r.peer} ${attrKey(r.attributes)}`).sort();
    };
    expect(run(shuffled)).toEqual(run(batch));
  },
);

/** A RIB with an eBGP customer (192.0.2.2, AS64501, accepting all) and an iBGP monitor, both up. */
function customerAndMonitor(addPath: boolean): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  rib.addPeer(acceptingPeer("192.0.2.2", 64501, addPath ? { addPath: { receive: true } } : {}));
  rib.addPeer({ address: MONITOR, asn: 64500, bgpIdentifier: MONITOR });
  rib.peerUp("192.0.2.2");
  rib.peerUp(MONITOR);
  return rib;
}

test.prop([fc.array(arbitraryRibUpdate(64501), { maxLength: 12 }), fc.boolean()], { numRuns: 150 })(
  "adjRibInRoutes gives, for any prefix, exactly the neighbour's routes of adjRibIn for it, in both views",
  (updates, addPath) => {
    const rib = customerAndMonitor(addPath);
    // Routes longer than /20 rejected, so that the views differ.
    rib.setPolicies("192.0.2.2", {
      importPolicy: (r) => (r.prefix.length > 20 ? undefined : r.attributes),
    });
    const seen = new Map<string, Prefix>();
    for (const u of updates) {
      for (const n of [...(u.withdrawn ?? []), ...(u.announced ?? []).flatMap((a) => a.nlri)])
        seen.set(`${n.address}/${n.length}`, { afi: n.afi, address: n.address, length: n.length });
      rib.update("192.0.2.2", u);
    }
    seen.set("192.0.2.0/24", { afi: 1, address: "192.0.2.0", length: 24 }); // never announced
    const text = (r: Route) => `${key(r)}#${r.prefix.pathId ?? "-"} ${attrKey(r.attributes)}`;
    for (const view of ["pre", "post"] as const) {
      const all = [...rib.adjRibIn("192.0.2.2", view)];
      for (const [k, p] of seen)
        expect(rib.adjRibInRoutes("192.0.2.2", p, view).map(text).sort()).toEqual(
          all
            .filter((r) => key(r) === k)
            .map(text)
            .sort(),
        );
    }
  },
);

test.prop(
  [
    fc.array(fc.tuple(fc.boolean(), arbitraryRibUpdate(64501)), { maxLength: 12 }),
    fc.boolean(),
    fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 3 }),
  ],
  { numRuns: 150 },
)(
  "adjRibsIn groups every neighbour's adjRibIn by prefix, in both views, without local routes",
  (updates, addPath, local) => {
    const rib = customerAndMonitor(addPath);
    rib.setPolicies("192.0.2.2", {
      importPolicy: (r) => (r.prefix.length > 20 ? undefined : r.attributes),
    });
    // Routes originated here: in the Loc-RIB, never in an Adj-RIB-In.
    rib.originate({
      announced: local.map((i) => ({
        attributes: { origin: "IGP", asPath: [], nextHop: "10.0.0.1" },
        nlri: [{ afi: 1, address: `100.64.${i * 16}.0`, length: 20 }],
      })),
    });
    for (const [fromMonitor, u] of updates) rib.update(fromMonitor ? MONITOR : "192.0.2.2", u);
    const text = (prefix: Prefix, peer: string, pathId: number | undefined, a: PathAttributes) =>
      `${prefix.address}/${prefix.length} ${peer} #${pathId ?? "-"} ${attrKey(a)}`;
    for (const view of ["pre", "post"] as const) {
      const want = ["192.0.2.2", MONITOR]
        .flatMap((peer) =>
          [...rib.adjRibIn(peer, view)].map((r) =>
            text(r.prefix, r.peer, r.prefix.pathId, r.attributes),
          ),
        )
        .sort();
      const groups = [...rib.adjRibsIn(view)];
      const got = groups
        .flatMap((g) => g.paths.map((p) => text(g.prefix, p.peer, p.pathId, p.attributes)))
        .sort();
      expect(got).toEqual(want);
      // One group per prefix, none empty, prefixes without a Path Identifier.
      const keys = groups.map((g) => `${g.prefix.address}/${g.prefix.length}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(groups.every((g) => g.paths.length > 0 && g.prefix.pathId === undefined)).toBe(true);
    }
  },
);

test.prop(
  [
    fc.array(arbitraryRibUpdate(64501), { maxLength: 8 }),
    fc.nat(20),
    fc.array(fc.tuple(fc.boolean(), arbitraryRibUpdate(64501)), { minLength: 1, maxLength: 8 }),
  ],
  { numRuns: 200 },
)(
  "adjRibsIn resumed after the RIB changed reads each prefix it reaches as it is then, and misses none it had",
  (first, k, later) => {
    const rib = customerAndMonitor(false);
    for (const u of first) rib.update("192.0.2.2", u);
    const group = (g: {
      prefix: Prefix;
      paths: readonly { peer: string; attributes: PathAttributes }[];
    }) =>
      `${g.prefix.address}/${g.prefix.length} ${g.paths.map((p) => `${p.peer} ${attrKey(p.attributes)}`).join(" | ")}`;
    const prefixOf = (g: string) => g.slice(0, g.indexOf(" "));
    const before = [...rib.adjRibsIn()].map(group);
    const it = rib.adjRibsIn();
    const g1: string[] = [];
    for (let i = 0; i < k; i++) {
      const n = it.next();
      if (n.done) break;
      g1.push(group(n.value));
    }
    expect(g1).toEqual(before.slice(0, g1.length));
    for (const [fromMonitor, u] of later) rib.update(fromMonitor ? MONITOR : "192.0.2.2", u);
    const g2 = [...it].map(group);
    const after = new Map([...rib.adjRibsIn()].map((g) => [prefixOf(group(g)), group(g)]));
    // What it reads after the change is the RIB as it is now…
    for (const g of g2) expect(after.get(prefixOf(g))).toBe(g);
    // … no prefix twice, and every prefix it had not reached yet that still has routes is there.
    const reached = new Set(g1.map(prefixOf));
    expect(g2.some((g) => reached.has(prefixOf(g)))).toBe(false);
    const had = new Set(before.map(prefixOf));
    const rest = new Set(g2.map(prefixOf));
    for (const p of after.keys()) if (had.has(p) && !reached.has(p)) expect(rest.has(p)).toBe(true);
  },
);

// Batches, some of whose announcements carry the router's own AS (an AS loop), and session resets.
const counterOps = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(arbitraryRibUpdate(64501), fc.nat(7)) },
    { weight: 1, arbitrary: fc.constant("reset" as const) },
    { weight: 2, arbitrary: fc.constant("again" as const) },
  ),
  { maxLength: 14 },
);

test.prop([counterOps], { numRuns: 200 })(
  "receiveCounters equal a model's count of refused routes per reason, announcements with one, duplicate announcements, withdrawals and UPDATEs since the session came up",
  (ops) => {
    const rib = customerAndMonitor(false);
    rib.setPolicies("192.0.2.2", {
      importPolicy: (r) => (r.prefix.length > 20 ? undefined : r.attributes),
    });
    const adjIn = new Map<string, string>();
    let m = {
      routes: new Map<string, number>(),
      anns: new Map<string, number>(),
      dupA: 0,
      dupW: 0,
      dupU: 0,
    };
    let last: RibUpdate | undefined;
    const bump = (c: Map<string, number>, k: string) => c.set(k, (c.get(k) ?? 0) + 1);
    for (const op of ops) {
      if (op === "reset") {
        rib.peerDown("192.0.2.2");
        rib.peerUp("192.0.2.2");
        adjIn.clear();
        m = { routes: new Map(), anns: new Map(), dupA: 0, dupW: 0, dupU: 0 };
        continue;
      }
      // The last UPDATE sent again (its routes all duplicates, unless it repeated a prefix).
      const [u0, loopMask] = op === "again" ? [last ?? {}, 0] : op;
      // Announcement i loops when bit i of loopMask is set: the router's AS 64500 in its path.
      const u: RibUpdate = {
        withdrawn: u0.withdrawn ?? [],
        announced: (u0.announced ?? []).map((a, i) =>
          loopMask & (1 << i)
            ? {
                ...a,
                attributes: {
                  ...a.attributes,
                  asPath: [{ type: "AS_SEQUENCE" as const, asns: [64501, 64500] }],
                },
              }
            : a,
        ),
      };
      last = u;
      const dupsBefore = m.dupA + m.dupW;
      let routes = 0;
      for (const w of u.withdrawn ?? []) {
        const k = `${w.address}/${w.length}`;
        if (!adjIn.delete(k)) m.dupW++;
        routes++;
      }
      for (const a of u.announced ?? []) {
        const looped = a.attributes.asPath?.some((seg) => seg.asns.includes(64500)) === true;
        const reasons = new Set<string>();
        for (const n of a.nlri) {
          routes++;
          const k = `${n.address}/${n.length}`;
          const text = attrKey(received(a.attributes, true));
          if (adjIn.get(k) === text) m.dupA++;
          adjIn.set(k, text);
          const reason = looped ? "as-loop" : n.length > 20 ? "import-policy" : undefined;
          if (reason !== undefined) {
            bump(m.routes, reason);
            reasons.add(reason);
          }
        }
        for (const r of reasons) bump(m.anns, r);
      }
      if (routes > 0 && m.dupA + m.dupW - dupsBefore === routes) m.dupU++;
      rib.update("192.0.2.2", u);
      const c = rib.receiveCounters("192.0.2.2");
      const nonZero = (o: Readonly<Record<string, number>>) =>
        new Map(Object.entries(o).filter(([, v]) => v !== 0));
      expect(nonZero(c.rejectedRoutes)).toEqual(m.routes);
      expect(nonZero(c.rejectedAnnouncements)).toEqual(m.anns);
      expect(Object.keys(c.rejectedRoutes).sort()).toEqual(
        Object.keys(c.rejectedAnnouncements).sort(),
      );
      expect(Object.keys(c.rejectedRoutes)).toHaveLength(9);
      expect(c.duplicateAnnouncements).toBe(m.dupA);
      expect(c.duplicateWithdrawals).toBe(m.dupW);
      expect(c.duplicateUpdates).toBe(m.dupU);
    }
  },
);

test.prop([fc.array(arbitraryRibUpdate(64501), { maxLength: 12 })], { numRuns: 150 })(
  "implicit withdraw and interning: Adj-RIB-In holds the last word per prefix; a session down frees every attribute set",
  (updates) => {
    const rib = customerAndMonitor(false);
    const model = new Map<string, string>();
    const view = new Map<string, string>();
    for (const u of updates) {
      for (const w of u.withdrawn ?? []) model.delete(`${w.address}/${w.length}`);
      for (const a of u.announced ?? [])
        for (const n of a.nlri)
          model.set(`${n.address}/${n.length}`, attrKey(received(a.attributes, true)));
      applyView(view, rib.update("192.0.2.2", u).adjRibOut.get(MONITOR));
    }
    expect(
      new Map([...rib.adjRibIn("192.0.2.2", "pre")].map((r) => [key(r), attrKey(r.attributes)])),
    ).toEqual(model);
    expect(
      new Map([...rib.adjRibOut(MONITOR)].map((r) => [key(r), attrKey(r.attributes)])),
    ).toEqual(view);
    expect(view.size).toBe(model.size);
    rib.peerDown("192.0.2.2");
    expect(rib.stats()).toMatchObject({ paths: 0, locRibRoutes: 0, attributeSets: 0 });
  },
);

test.prop(
  [
    fc.array(
      fc.tuple(
        fc.boolean(),
        fc.constantFrom("203.0.113.0/24", "198.18.0.0/15"),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
      ),
      { maxLength: 25 },
    ),
  ],
  { numRuns: 150 },
)(
  "ADD-PATH: a send-capable client's cumulative view holds every received path, nothing more",
  (ops) => {
    const rib = addPathRouter();
    const model = new Map<string, number>(); // prefix#pathId → AS
    const view = new Map<string, string>(); // prefix#outPathId → attributes key
    for (const [announce, prefix, pathId, asn] of ops) {
      const p = { ...pfx(prefix), pathId };
      const c = announce
        ? rib.update("10.0.0.2", {
            announced: [
              {
                attributes: {
                  origin: "IGP",
                  asPath: [{ type: "AS_SEQUENCE", asns: [asn] }],
                  nextHop: `10.9.0.${asn}`,
                  localPref: 100,
                },
                nlri: [p],
              },
            ],
          })
        : rib.update("10.0.0.2", { withdrawn: [p] });
      if (announce) model.set(`${prefix}#${pathId}`, asn);
      else model.delete(`${prefix}#${pathId}`);
      const d = c.adjRibOut.get("10.0.0.3");
      for (const w of d?.withdrawn ?? []) {
        const k = `${w.address}/${w.length}#${w.pathId}`;
        expect(view.has(k)).toBe(true);
        view.delete(k);
      }
      for (const g of d?.announced ?? [])
        for (const n of g.nlri) {
          const k = `${n.address}/${n.length}#${n.pathId}`;
          expect(view.get(k)).not.toBe(attrKey(g.attributes));
          view.set(k, attrKey(g.attributes));
        }
    }
    const out = [...rib.adjRibOut("10.0.0.3")];
    expect(out.length).toBe(model.size);
    expect(view.size).toBe(model.size);
    const count = rib.adjRibOutCount("10.0.0.3");
    expect(count.ipv4 + count.ipv6).toBe(model.size);
    expect(
      new Map(out.map((r) => [`${key(r)}#${r.prefix.pathId}`, attrKey(r.attributes)])),
    ).toEqual(view);
    // Every received path is there, with its AS path.
    const got = out.map((r) => `${key(r)} ${r.attributes.asPath![0]!.asns[0]}`).sort();
    const want = [...model].map(([k, asn]) => `${k.split("#")[0]} ${asn}`).sort();
    expect(got).toEqual(want);
  },
);

test.prop(
  [
    fc.array(
      fc.tuple(
        fc.boolean(),
        fc.constantFrom("203.0.113.0/24", "2001:db8:7::/48", "2001:db8:8::/48"),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
      ),
      { maxLength: 25 },
    ),
  ],
  { numRuns: 150 },
)(
  "ADD-PATH send for IPv4 only (negotiated per family): every IPv4 path with its Path Identifier, the best IPv6 path alone without one",
  (ops) => {
    const rib = addPathRouter({ send: [1] });
    const model = new Map<string, Map<number, number>>(); // prefix → path id → AS
    const view = new Map<string, string>(); // prefix[#outPathId] → attributes key
    for (const [announce, prefix, pathId, asn] of ops) {
      const p = { ...pfx(prefix), pathId };
      const v6 = p.afi === 2;
      const attributes: PathAttributes = {
        origin: "IGP",
        asPath: [{ type: "AS_SEQUENCE", asns: [asn] }],
        localPref: 100,
        ...(v6
          ? { mpReachNlri: { afi: 2, safi: 1, nextHop: [`2001:db8::${asn}`], nlri: [] } }
          : { nextHop: `10.9.0.${asn}` }),
      };
      const c = rib.update(
        "10.0.0.2",
        announce ? { announced: [{ attributes, nlri: [p] }] } : { withdrawn: [p] },
      );
      const paths = model.get(prefix) ?? new Map<number, number>();
      if (announce) paths.set(pathId, asn);
      else paths.delete(pathId);
      model.set(prefix, paths);
      const d = c.adjRibOut.get("10.0.0.3");
      const k = (n: Prefix) => {
        // Path Identifiers on IPv4 only.
        expect(n.pathId !== undefined).toBe(n.afi === 1);
        return n.afi === 1 ? `${n.address}/${n.length}#${n.pathId}` : `${n.address}/${n.length}`;
      };
      for (const w of d?.withdrawn ?? []) {
        expect(view.has(k(w))).toBe(true);
        view.delete(k(w));
      }
      for (const g of d?.announced ?? [])
        for (const n of g.nlri) {
          expect(view.get(k(n))).not.toBe(attrKey(g.attributes));
          view.set(k(n), attrKey(g.attributes));
        }
    }
    const out = [...rib.adjRibOut("10.0.0.3")];
    expect(
      new Map(
        out.map((r) => [
          r.prefix.afi === 1 ? `${key(r)}#${r.prefix.pathId}` : key(r),
          attrKey(r.attributes),
        ]),
      ),
    ).toEqual(view);
    // IPv4: every path. IPv6: one route per prefix that has paths, the best one.
    const got = out.map((r) => `${key(r)} ${r.attributes.asPath![0]!.asns[0]}`).sort();
    const want: string[] = [];
    for (const [prefix, paths] of model) {
      if (prefix.includes(":")) {
        const best = rib.bestRoute(prefix);
        expect(best === undefined).toBe(paths.size === 0);
        if (best !== undefined) want.push(`${prefix} ${best.attributes.asPath![0]!.asns[0]}`);
      } else for (const asn of paths.values()) want.push(`${prefix} ${asn}`);
    }
    expect(got).toEqual(want.sort());
  },
);

test.prop(
  [fc.array(fc.array(arbitraryRibUpdate(64501), { maxLength: 4 }), { maxLength: 6 }), fc.boolean()],
  { numRuns: 150 },
)(
  "updateMany = the same updates one by one: same Adj-RIB-In, Loc-RIB and neighbour views; the net delta applied to the old view gives the new one",
  (batches, addPath) => {
    const one = customerAndMonitor(addPath);
    const many = customerAndMonitor(addPath);
    const viewOne = new Map<string, string>();
    const viewMany = new Map<string, string>();
    for (const batch of batches) {
      for (const u of batch) applyView(viewOne, one.update("192.0.2.2", u).adjRibOut.get(MONITOR));
      const before = new Map([...many.locRib()].map((r) => [key(r), attrKey(r.attributes)]));
      const c = many.updateMany("192.0.2.2", batch);
      applyView(viewMany, c.adjRibOut.get(MONITOR));
      // The reported Loc-RIB changes are exactly the net difference.
      for (const ch of c.locRib) {
        const k = `${ch.prefix.address}/${ch.prefix.length}`;
        if (ch.current === undefined) before.delete(k);
        else before.set(k, attrKey(ch.current.attributes));
      }
      const after = new Map([...many.locRib()].map((r) => [key(r), attrKey(r.attributes)]));
      expect(before).toEqual(after);
      const routes = (r: Rib) => ({
        adjRibIn: [...r.adjRibIn("192.0.2.2", "pre")]
          .map((x) => `${key(x)}#${x.prefix.pathId ?? 0} ${attrKey(x.attributes)}`)
          .sort(),
        locRib: [...r.locRib()].map((x) => `${key(x)} ${attrKey(x.attributes)}`).sort(),
        out: [...r.adjRibOut(MONITOR)].map((x) => `${key(x)} ${attrKey(x.attributes)}`).sort(),
      });
      expect(routes(many)).toEqual(routes(one));
      expect(viewMany).toEqual(viewOne);
    }
  },
);

/**
 * Router 64500 with eBGP neighbours `members` (AS `asnOf(i)`), one local address and accept-all
 * policies — one update group — every session up.
 */
function groupRouter(members: readonly string[], asnOf: (i: number) => number): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  for (const [i, address] of members.entries())
    rib.addPeer({
      address,
      asn: asnOf(i),
      bgpIdentifier: address,
      localAddress: "192.0.2.1",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
  for (const m of members) rib.peerUp(m);
  return rib;
}

/** The arbitrary's neighbour AS is 64501: `u` re-stamped as sent by eBGP neighbour AS `asn`. */
function fromAs(u: RibUpdate, asn: number): RibUpdate {
  return {
    ...u,
    announced: (u.announced ?? []).map((a) => ({
      ...a,
      attributes: {
        ...a.attributes,
        asPath: [
          {
            type: "AS_SEQUENCE" as const,
            asns: [asn, ...a.attributes.asPath![0]!.asns.slice(1)],
          },
        ],
      },
    })),
  };
}

test.prop(
  [fc.array(fc.tuple(fc.nat(3), arbitraryRibUpdate(64501), fc.boolean()), { maxLength: 14 })],
  { numRuns: 120 },
)(
  "update group: every member's deltas add up to its Adj-RIB-Out, never echo its own routes, and members differ only there",
  (ops) => {
    // Four eBGP neighbours with one export policy object and local address: one update group.
    const members = ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"];
    const rib = groupRouter(members, (i) => 64501 + i);
    const views = new Map(members.map((m) => [m, new Map<string, string>()]));
    for (const [who, u, many] of ops) {
      const from = members[who]!;
      const upd = fromAs(u, 64501 + who);
      const c = many ? rib.updateMany(from, [upd]) : rib.update(from, upd);
      for (const m of members) applyView(views.get(m)!, c.adjRibOut.get(m));
    }
    for (const m of members) {
      const out = new Map([...rib.adjRibOut(m)].map((r) => [key(r), attrKey(r.attributes)]));
      expect(out).toEqual(views.get(m));
      // Nothing learned from m goes back to m; everything else in the Loc-RIB does.
      for (const r of rib.locRib()) expect(out.has(key(r))).toBe(r.peer !== m);
    }
  },
);

const groupOp = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.constant("update" as const),
      fc.nat(3),
      arbitraryRibUpdate(64501),
      fc.boolean(),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom(
        "down" as const,
        "up" as const,
        "hold" as const,
        "resume" as const,
        "refresh" as const,
      ),
      fc.nat(3),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant("policy" as const), fc.nat(3), fc.boolean()) },
  // The previous update again, from another neighbour.
  { weight: 2, arbitrary: fc.tuple(fc.constant("again" as const), fc.nat(3)) },
  // Session reset, up again with its table exported a few prefixes at a time (initialExport).
  { weight: 1, arbitrary: fc.tuple(fc.constant("up-sliced" as const), fc.nat(3)) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constant("slice" as const), fc.nat(3), fc.integer({ min: 1, max: 6 })),
  },
);

test.prop([fc.array(groupOp, { maxLength: 24 })], { numRuns: 300 })(
  "model-based: update-group members (one shared Adj-RIB-Out while in step) keep exact views through sessions going down and up (the initial table at once or in slices), held output, refresh and policy changes",
  (ops) => {
    // Four eBGP neighbours with one local address; two export policy objects (two groups). The
    // last two are of one AS: the same route from either is exported the same, so the best route
    // can move between them with no change for the others.
    const members = ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"];
    const med7: Policy = Object.assign(
      (r: { attributes: PathAttributes }) => ({ ...r.attributes, multiExitDisc: 7 }),
      { prefixIndependent: true as const },
    );
    const rib = groupRouter(members, (i) => 64501 + Math.min(i, 2));
    const views = new Map(members.map((m) => [m, new Map<string, string>()]));
    const up = new Set(members);
    const held = new Set<string>();
    /** Members whose initial table is being exported in slices. */
    const sweeping = new Set<string>();
    const policyOf = new Map(members.map((m) => [m, "all"]));
    let last: RibUpdate | undefined;
    const apply = (c: ChangeSet) => {
      for (const m of members) if (!held.has(m)) applyView(views.get(m)!, c.adjRibOut.get(m));
      for (const m of held) expect(c.adjRibOut.has(m)).toBe(false);
    };
    for (const op of ops) {
      const m = members[op[1]]!;
      switch (op[0]) {
        case "update":
          if (!up.has(m)) break;
          last = op[2];
          apply(
            op[3]
              ? rib.updateMany(m, [fromAs(op[2], 64501 + Math.min(op[1], 2))])
              : rib.update(m, fromAs(op[2], 64501 + Math.min(op[1], 2))),
          );
          break;
        case "again":
          if (!up.has(m) || last === undefined) break;
          apply(rib.update(m, fromAs(last, 64501 + Math.min(op[1], 2))));
          break;
        case "down":
          if (!up.has(m)) break;
          // Held output stays held (holdOutput lasts until resumeOutput, sessions going or not).
          up.delete(m);
          sweeping.delete(m);
          apply(rib.peerDown(m));
          views.get(m)!.clear();
          break;
        case "up":
          if (up.has(m)) break;
          up.add(m);
          apply(rib.peerUp(m));
          break;
        case "up-sliced":
          // A session reset: down (if up), then up with its table exported in slices.
          if (up.has(m)) {
            sweeping.delete(m);
            apply(rib.peerDown(m));
            views.get(m)!.clear();
          }
          up.add(m);
          sweeping.add(m);
          apply(rib.peerUp(m, { slicedInitialExport: true }));
          break;
        case "slice": {
          if (!sweeping.has(m)) break;
          const r = rib.initialExport(m, op[2]);
          if (!held.has(m)) applyView(views.get(m)!, r.update);
          else expect(r.update.announced.length + r.update.withdrawn.length).toBe(0);
          if (r.done) sweeping.delete(m);
          break;
        }
        case "hold":
          if (!up.has(m) || held.has(m)) break;
          rib.holdOutput(m);
          held.add(m);
          break;
        case "resume":
          if (!held.has(m)) break;
          held.delete(m);
          applyView(views.get(m)!, rib.resumeOutput(m));
          break;
        case "refresh": {
          if (!up.has(m) || held.has(m)) break;
          const r = rib.routeRefresh(m);
          expect(r.withdrawn).toEqual([]);
          const all = new Map(
            r.announced.flatMap((g) =>
              g.nlri.map((n) => [`${n.address}/${n.length}`, attrKey(g.attributes)]),
            ),
          );
          // During a sliced initial export the refresh sends the rest of the table and ends it.
          if (sweeping.delete(m)) {
            views.set(m, all);
            expect(rib.initialExport(m, 1)).toEqual({
              update: { withdrawn: [], announced: [] },
              done: true,
            });
          }
          expect(all).toEqual(views.get(m));
          break;
        }
        case "policy": {
          if (!up.has(m) || held.has(m)) break;
          policyOf.set(m, op[2] ? "all" : "med7");
          apply(rib.setPolicies(m, { exportPolicy: op[2] ? acceptAll : med7 }));
          break;
        }
      }
      const loc = [...rib.locRib()];
      const seen = new Map<string, Map<string, string>>();
      for (const m of members) {
        if (!up.has(m)) continue;
        const out = new Map([...rib.adjRibOut(m)].map((r) => [key(r), attrKey(r.attributes)]));
        expect(out).toEqual(views.get(m));
        const v6 = [...out.keys()].filter((k) => k.includes(":")).length;
        expect(rib.adjRibOutCount(m)).toEqual({ ipv4: out.size - v6, ipv6: v6 });
        if (held.has(m) || sweeping.has(m)) continue;
        // Before export policy (RFC 8671): the same routes, without the policy's MED.
        const pre = preOut(rib, m);
        if (policyOf.get(m) === "all") expect(pre).toEqual(out);
        else
          expect(
            new Map(
              [...rib.adjRibOutPre(m)].map((r) => [
                key(r),
                attrKey({ ...r.attributes, multiExitDisc: 7 }),
              ]),
            ),
          ).toEqual(out);
        expect(rib.adjRibOutPreCount(m)).toEqual({ ipv4: out.size - v6, ipv6: v6 });
        // Everything in the Loc-RIB but what m sent; the same sets as its group's other members.
        for (const r of loc) expect(out.has(key(r))).toBe(r.peer !== m);
        const ref = seen.get(policyOf.get(m)!);
        if (ref === undefined) seen.set(policyOf.get(m)!, out);
        else for (const [k, v] of out) if (ref.has(k)) expect(v).toBe(ref.get(k));
      }
    }
    // The sliced exports finished: every member has its whole table.
    for (const m of sweeping) {
      for (let n = 0; ; n++) {
        const r = rib.initialExport(m, 2);
        if (!held.has(m)) applyView(views.get(m)!, r.update);
        if (r.done) break;
        expect(n).toBeLessThan(1000);
      }
      expect(rib.initialExport(m).done).toBe(true);
    }
    const loc = [...rib.locRib()];
    for (const m of members) {
      if (!up.has(m) || held.has(m)) continue;
      const out = new Map([...rib.adjRibOut(m)].map((r) => [key(r), attrKey(r.attributes)]));
      expect(out).toEqual(views.get(m));
      // Exactly the Loc-RIB but what m sent, as the export gives it now (no stale route left).
      expect([...out.keys()].sort()).toEqual(
        loc
          .filter((r) => r.peer !== m)
          .map(key)
          .sort(),
      );
      const policy =
        policyOf.get(m) === "all"
          ? (a: PathAttributes) => a
          : (a: PathAttributes) => ({ ...a, multiExitDisc: 7 });
      expect(
        new Map([...rib.adjRibOutPre(m)].map((r) => [key(r), attrKey(policy(r.attributes))])),
      ).toEqual(out);
    }
    // Session down everywhere: the group tables release every set they held.
    for (const m of members) if (up.has(m)) rib.peerDown(m);
    expect(rib.stats()).toMatchObject({ paths: 0, locRibRoutes: 0, attributeSets: 0 });
  },
);

test.prop(
  [
    fc.array(fc.tuple(fc.nat(1), fc.nat(3), fc.boolean()), { minLength: 1, maxLength: 16 }),
    fc.boolean(),
  ],
  { numRuns: 150 },
)(
  "arrival numbers renumbered before they overflow leave every decision as it was",
  (ops, preferOlder) => {
    // Two eBGP neighbours of one AS sending the same attributes: routes tie down to the arrival
    // order (prefer-older, RFC 5004) or to the router ID after the newest-first comparison.
    const make = (): Rib => {
      const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", decision: { preferOlder } });
      for (const address of ["192.0.2.2", "192.0.2.6"])
        rib.addPeer({ address, asn: 64501, bgpIdentifier: address, importPolicy: acceptAll });
      rib.peerUp("192.0.2.2");
      rib.peerUp("192.0.2.6");
      return rib;
    };
    const plain = make();
    const wrapping = make();
    // A few arrivals before the counter's end: the renumbering happens within the batches.
    (wrapping as unknown as { arrival: number }).arrival = 0xfffffffe - 3;
    const attributes: PathAttributes = {
      origin: "IGP",
      asPath: [{ type: "AS_SEQUENCE", asns: [64501, 64510] }],
      nextHop: "192.0.2.9",
    };
    for (const [who, i, withdraw] of ops) {
      const from = who === 0 ? "192.0.2.2" : "192.0.2.6";
      const prefix = { afi: 1 as const, address: `100.64.${i}.0`, length: 24 };
      const u = withdraw
        ? { withdrawn: [prefix] }
        : { announced: [{ attributes, nlri: [prefix] }] };
      plain.update(from, u);
      wrapping.update(from, u);
    }
    const view = (r: Rib) => [...r.locRib()].map((x) => [key(x), x.peer]);
    expect(view(wrapping)).toEqual(view(plain));
    for (const [k] of view(plain))
      expect(wrapping.explain(k as string).candidates.map((c) => c.route.peer)).toEqual(
        plain.explain(k as string).candidates.map((c) => c.route.peer),
      );
  },
);

// Few prefixes and sets, so that the best route often moves between routes that the iBGP
// neighbours are sent alike (one with LOCAL_PREF 100, one without; one with an attribute that is
// not passed on, one without).
const LP_SETS: PathAttributes[] = [
  { origin: "IGP", asPath: [{ type: "AS_SEQUENCE", asns: [64501] }], nextHop: "192.0.2.2" },
  {
    origin: "IGP",
    asPath: [{ type: "AS_SEQUENCE", asns: [64501, 64510] }],
    nextHop: "192.0.2.2",
    multiExitDisc: 5,
  },
  {
    origin: "EGP",
    asPath: [{ type: "AS_SEQUENCE", asns: [64501] }],
    nextHop: "192.0.2.2",
    communities: [42],
  },
  // The first with an optional non-transitive attribute the RIB does not pass on: sent alike.
  {
    origin: "IGP",
    asPath: [{ type: "AS_SEQUENCE", asns: [64501] }],
    nextHop: "192.0.2.2",
    unknown: [{ flags: 0x80, typeCode: 99, value: new Uint8Array([1]) }],
  },
];

test.prop(
  [
    fc.array(
      fc.record({
        from: fc.constantFrom("customer", "ibgp", "local"),
        withdraw: fc.boolean(),
        prefix: fc.constantFrom("203.0.113.0/24", "198.18.0.0/15"),
        set: fc.nat(LP_SETS.length - 1),
        lp: fc.constantFrom(undefined, 100, 200),
      }),
      { maxLength: 20 },
    ),
  ],
  { numRuns: 200 },
)(
  "iBGP neighbours are sent LOCAL_PREF always (the route's, else the default; an export policy's), never an UPDATE equal to what they have, and their views are the Adj-RIBs-Out",
  (ops) => {
    const rib = customerAndMonitor(false);
    // Monitors: no policy (MONITOR); LOCAL_PREF set to the default; LOCAL_PREF deleted.
    const drop: Policy = Object.assign(
      (r: { attributes: PathAttributes }) => {
        const { localPref: _, ...rest } = r.attributes;
        return rest;
      },
      { prefixIndependent: true as const },
    );
    const monitors: [string, Policy | undefined][] = [
      [MONITOR, undefined],
      ["10.0.0.97", setLocalPref(100)],
      ["10.0.0.98", drop],
    ];
    const others: PeerConfig[] = [
      { address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" },
      ...monitors.slice(1).map(([address, exportPolicy]) => ({
        address,
        asn: 64500,
        bgpIdentifier: address,
        exportPolicy,
      })),
    ];
    for (const c of others) {
      rib.addPeer(c);
      rib.peerUp(c.address);
    }
    const views = monitors.map(() => new Map<string, string>());
    for (const op of ops) {
      const base = LP_SETS[op.set]!;
      const attributes = op.lp === undefined ? base : { ...base, localPref: op.lp };
      const update: RibUpdate = op.withdraw
        ? { withdrawn: [pfx(op.prefix)] }
        : { announced: [{ attributes, nlri: [pfx(op.prefix)] }] };
      const c =
        op.from === "local"
          ? rib.originate(update)
          : rib.update(op.from === "ibgp" ? "10.0.0.2" : "192.0.2.2", update);
      monitors.forEach(([address], i) => {
        const d = c.adjRibOut.get(address);
        for (const g of d?.announced ?? []) expect(g.attributes.localPref).toBeDefined();
        applyView(views[i]!, d);
      });
    }
    // What each monitor should have: the best route unless learned over iBGP (no reflection),
    // with its LOCAL_PREF or the default — or the default, where the policy sets or deletes it.
    monitors.forEach(([address], i) => {
      const want = new Map<string, string>();
      for (const r of rib.locRib()) {
        if (r.peer === "10.0.0.2") continue;
        // (The only unknown attribute here is non-transitive: not passed on.)
        const { unknown: _, ...sent } = r.attributes;
        const lp = i === 0 ? (r.attributes.localPref ?? 100) : 100;
        want.set(key(r), attrKey({ ...sent, localPref: lp }));
      }
      expect(views[i]).toEqual(want);
      const out = [...rib.adjRibOut(address)].map((r) => [key(r), attrKey(r.attributes)] as const);
      expect(new Map(out)).toEqual(want);
    });
  },
);

test.prop(
  [
    fc.array(
      fc.oneof(
        {
          weight: 5,
          arbitrary: arbitraryRibUpdate(64501).map((u) => ({ kind: "update" as const, u })),
        },
        fc.constantFrom(
          { kind: "policy" as const, only24: true },
          { kind: "policy" as const, only24: false },
          { kind: "down" as const, retain: true },
          { kind: "down" as const, retain: false },
          { kind: "up" as const },
          { kind: "sweep" as const },
        ),
      ),
      { maxLength: 30 },
    ),
  ],
  { numRuns: 150 },
)(
  "adjRibInCount: received and accepted (post-policy) counts equal the Adj-RIB-In views through updates, policy changes, sessions down (stale or not) and sweeps",
  (ops) => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    const N = { address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2" };
    const only24 = prefixList([{ prefix: "100.64.0.0/10", ge: 24, le: 24 }]);
    rib.addPeer({ ...N, importPolicy: acceptAll, exportPolicy: acceptAll });
    rib.peerUp(N.address);
    let up = true;
    for (const op of ops) {
      if (op.kind === "update") {
        if (up) rib.update(N.address, op.u);
      } else if (op.kind === "policy")
        rib.setPolicies(N.address, { importPolicy: op.only24 ? only24 : acceptAll });
      else if (op.kind === "down" && up) {
        rib.peerDown(N.address, { retainStale: op.retain });
        up = false;
      } else if (op.kind === "up" && !up) {
        rib.peerUp(N.address);
        up = true;
      } else if (op.kind === "sweep") rib.sweepStale(N.address);
      const count = rib.adjRibInCount(N.address);
      expect(count).toEqual({
        ipv4: [...rib.adjRibIn(N.address, "pre")].length,
        ipv6: 0,
        accepted: { ipv4: [...rib.adjRibIn(N.address, "post")].length, ipv6: 0 },
      });
    }
  },
);
