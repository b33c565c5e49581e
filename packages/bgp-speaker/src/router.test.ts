import { type LocRibChange, Rib, type Route } from "@dyninfra/bgp-rib";
import type { UpdateMessage } from "@dyninfra/bgp-wire";
import { formatPrefix, notificationText } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { endOfRibFamily } from "./graceful-restart";
import { sessionGraftFromJson, sessionGraftToJson } from "./graft-json";
import { followLocRib } from "./kernel-routes";
import { memoryPipe } from "./pipe";
import type { NeighborSpec, RouterSpec } from "./router";
import { Router } from "./router";
import type { SessionState } from "./session";
import { link } from "./test-support";

const flush = async (rounds = 8) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const open = (
  n: Omit<NeighborSpec, "passive" | "importPolicy" | "exportPolicy">,
): NeighborSpec => ({
  ...n,
  passive: true,
  importPolicy: "accept",
  exportPolicy: "accept",
});

/** A router whose BGP Identifier and local address are `id`, on `clock`. */
const routerAt = (
  clock: ManualClock,
  asn: number,
  id: string,
  neighbors: NeighborSpec[],
  originate: string[] = [],
) =>
  new Router(
    {
      asn,
      bgpIdentifier: id,
      localAddress: id,
      neighbors,
      originate: originate.map((prefix) => ({ prefix })),
    },
    { clock },
  );

/** The neighbour's cumulative view: prefix -> attributes, from every UPDATE it received. */
function trackView(r: Router, name: string) {
  const view = new Map<string, UpdateMessage["pathAttributes"]>();
  const log: { announced: number; withdrawn: number }[] = [];
  /** End-of-RIB markers ("afi/safi"), with the number of UPDATEs seen before each. */
  const eor: { family: string; after: number }[] = [];
  r.session(name).on("update", (u) => {
    const f = endOfRibFamily(u);
    if (f !== undefined) {
      eor.push({ family: `${f.afi}/${f.safi}`, after: log.length });
      return;
    }
    for (const p of u.withdrawnRoutes) view.delete(formatPrefix(p));
    for (const p of u.pathAttributes.mpUnreachNlri?.withdrawnRoutes ?? [])
      view.delete(formatPrefix(p));
    for (const p of u.nlri) view.set(formatPrefix(p), u.pathAttributes);
    for (const p of u.pathAttributes.mpReachNlri?.nlri ?? [])
      view.set(formatPrefix(p), u.pathAttributes);
    log.push({
      announced: u.nlri.length + (u.pathAttributes.mpReachNlri?.nlri.length ?? 0),
      withdrawn:
        u.withdrawnRoutes.length + (u.pathAttributes.mpUnreachNlri?.withdrawnRoutes.length ?? 0),
    });
  });
  return { view, log, eor };
}

describe("Router", () => {
  it("sends a neighbour's initial table in slices (initialExportSlice), the event loop turning between them; changes meanwhile get through; End-of-RIB after the last", async () => {
    const clock = new ManualClock();
    const prefixes = Array.from({ length: 50 }, (_, i) => `10.0.${i}.0/24`);
    const r1 = new Router(
      {
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        localAddress: "192.0.2.2",
        neighbors: [open({ name: "r2", address: "192.0.2.1", asn: 64500 })],
        originate: prefixes.map((prefix) => ({ prefix })),
      },
      { clock, initialExportSlice: 8 },
    );
    const r2 = routerAt(clock, 64500, "192.0.2.1", [
      open({ name: "r1", address: "192.0.2.2", asn: 64501 }),
    ]);
    // r1's deltas for r2, and the event-loop turns they came in.
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turns = new Set<number>();
    r1.on("changes", (c) => {
      if (c.adjRibOut.has("192.0.2.1")) turns.add(turn);
    });
    // As soon as r1's session is up (during its first slice's turn): one route withdrawn.
    r1.on("session", (_name, _from, to) => {
      if (to === "Established") queueMicrotask(() => r1.withdraw(["10.0.1.0/24"]));
    });
    r1.start();
    r2.start();
    const { view, log, eor } = trackView(r2, "r1");
    link(r1, "r2", r2, "r1");
    await flush(40);
    ticking = false;
    // 50 prefixes in slices of 8: at least 7 turns; all but the withdrawn one arrived, before EoR.
    expect(turns.size).toBeGreaterThanOrEqual(7);
    expect([...view.keys()].sort()).toEqual(prefixes.filter((p) => p !== "10.0.1.0/24").sort());
    expect(eor.map((e) => e.family)).toEqual(["1/1", "2/1"]);
    expect(eor.every((e) => e.after === log.length)).toBe(true); // no UPDATE after End-of-RIB
    expect(r2.rib.stats().locRibRoutes).toBe(49);
    r1.stop();
    r2.stop();
  });

  it("originates, learns and propagates routes over eBGP, packed by attribute set", async () => {
    const clock = new ManualClock();
    const prefixes = Array.from({ length: 300 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const r1 = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [open({ name: "r2", address: "192.0.2.2", asn: 64501 })],
        originate: prefixes.map((prefix) => ({ prefix, communities: ["64500:7"], med: 5 })),
      },
      { clock },
    );
    const r2 = new Router(
      {
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        localAddress: "192.0.2.2",
        neighbors: [open({ name: "r1", address: "192.0.2.1", asn: 64500 })],
      },
      { clock },
    );
    const seen = trackView(r2, "r1");
    r1.start();
    r2.start();
    link(r1, "r2", r2, "r1");
    await flush();
    expect(r2.session("r1").state).toBe("Established");
    expect(seen.view.size).toBe(300);
    // 300 /24 prefixes with one attribute set fit into a single 4096-octet UPDATE.
    expect(seen.log.length).toBe(1);
    // Then one End-of-RIB marker per negotiated family (RFC 4724 §2), after the table.
    expect(seen.eor).toEqual([
      { family: "1/1", after: 1 },
      { family: "2/1", after: 1 },
    ]);
    const best = r2.rib.bestRoute("10.0.5.0/24");
    expect(best?.attributes.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64500] }]);
    expect(best?.attributes.nextHop).toBe("192.0.2.1");
    expect(best?.attributes.communities).toEqual([((64500 << 16) | 7) >>> 0]);
    // Withdrawing at r1 withdraws at r2.
    r1.withdraw(prefixes.slice(0, 100));
    await flush();
    expect(seen.view.size).toBe(200);
    expect(r2.rib.bestRoute("10.0.5.0/24")).toBeUndefined();
  });

  it("keeps a FIB by default and none with fib: false, with the same Loc-RIB", async () => {
    const clock = new ManualClock();
    const prefixes = Array.from({ length: 50 }, (_, i) => `10.9.${i}.0/24`);
    const r1 = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [
          open({ name: "with", address: "192.0.2.2", asn: 64501 }),
          open({ name: "without", address: "192.0.2.3", asn: 64502 }),
        ],
        originate: prefixes.map((prefix) => ({ prefix })),
      },
      { clock },
    );
    const peer = (id: string, asn: number, fib?: boolean) =>
      new Router(
        {
          asn,
          bgpIdentifier: id,
          localAddress: id,
          neighbors: [open({ name: "r1", address: "192.0.2.1", asn: 64500 })],
          ...(fib !== undefined ? { fib } : {}),
        },
        { clock },
      );
    const withFib = peer("192.0.2.2", 64501);
    const withoutFib = peer("192.0.2.3", 64502, false);
    for (const r of [r1, withFib, withoutFib]) r.start();
    link(r1, "with", withFib, "r1");
    link(r1, "without", withoutFib, "r1");
    await flush();
    expect(withFib.rib.stats().locRibRoutes).toBe(50);
    expect(withoutFib.rib.stats().locRibRoutes).toBe(50);
    expect(withFib.rib.fib.size).toBe(50);
    expect(withFib.rib.fib.lookup("10.9.7.1")).toBe("192.0.2.1");
    expect(withoutFib.rib.fib.size).toBe(0);
    expect(withoutFib.rib.fib.lookup("10.9.7.1")).toBeUndefined();
  });

  it("rejects eBGP routes without policy (RFC 8212) unless configured", async () => {
    const clock = new ManualClock();
    const r1 = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [{ name: "r2", address: "192.0.2.2", asn: 64501, passive: true }],
        originate: [{ prefix: "198.51.100.0/24" }],
      },
      { clock },
    );
    const r2 = new Router(
      {
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        neighbors: [{ name: "r1", address: "192.0.2.1", asn: 64500, passive: true }],
      },
      { clock },
    );
    r1.start();
    r2.start();
    link(r1, "r2", r2, "r1");
    await flush();
    expect(r2.session("r1").state).toBe("Established");
    expect(r2.rib.bestRoute("198.51.100.0/24")).toBeUndefined();
  });

  it("grafts a customer session from one router to another with only an incremental update", async () => {
    const { clock, c, a, b, custView, peerView, aSide } = await graftScenario(50, 40);
    const updatesBefore = custView.log.length;

    // Graft: freeze on A, move the TCP connection (same pipe end, same address) to B; the graft
    // crosses as JSON, as between two processes.
    const graft = sessionGraftFromJson(
      JSON.parse(JSON.stringify(sessionGraftToJson(a.graftOut("cust")))),
    );
    expect(a.session("cust").pausedStream).toBe(aSide);
    b.graftIn({ ...graft, neighbor: { ...graft.neighbor, localAddress: "198.18.0.1" } }, aSide);
    a.releaseGraft("cust");
    await flush(20);
    clock.advance(60_000);
    await flush(20);

    // The customer noticed nothing: same session, no NOTIFICATION, no new OPEN.
    const s = c.session("isp");
    expect(s.state).toBe("Established");
    expect(s.stats.opensReceived).toBe(1);
    expect(s.stats.notificationsReceived).toBe(0);
    // Only the incremental update: nothing changed for the customer, so nothing was sent.
    expect(custView.log.length).toBe(updatesBefore);
    expect(custView.view.size).toBe(40);
    // The rest of the network now reaches the customer through B.
    expect(peerView.view.size).toBe(50);
    expect(b.rib.bestRoute("203.0.7.0/24")?.peer).toBe("198.18.0.2");
    expect(a.rib.bestRoute("203.0.7.0/24")?.peer).toBe("10.0.0.2");
    // New announcements after the graft arrive at B.
    c.originate([{ prefix: "203.0.200.0/24" }]);
    await flush(20);
    expect(peerView.view.has("203.0.200.0/24")).toBe(true);
  });
});

describe("BGP Roles and route-leak prevention (RFC 9234)", () => {
  // p (AS 64510) is the provider of c (AS 64500); c peers laterally with q (AS 64520).
  const routers = (cRoleTowardsP: "customer" | "peer" = "customer") => {
    const clock = new ManualClock();
    const p = routerAt(
      clock,
      64510,
      "192.0.2.10",
      [open({ name: "c", address: "192.0.2.1", asn: 64500, role: "provider" })],
      ["198.18.0.0/15"],
    );
    const c = routerAt(
      clock,
      64500,
      "192.0.2.1",
      [
        open({ name: "p", address: "192.0.2.10", asn: 64510, role: cRoleTowardsP }),
        open({ name: "q", address: "192.0.2.20", asn: 64520, role: "peer", strictRole: true }),
      ],
      ["203.0.113.0/24"],
    );
    const q = routerAt(clock, 64520, "192.0.2.20", [
      open({ name: "c", address: "192.0.2.1", asn: 64500, role: "peer" }),
    ]);
    return { p, c, q };
  };

  it("marks a provider's routes with OTC and keeps them from peers; own routes reach both", async () => {
    const { p, c, q } = routers();
    const atP = trackView(p, "c");
    const atQ = trackView(q, "c");
    for (const r of [p, c, q]) r.start();
    link(p, "c", c, "p");
    link(c, "q", q, "c");
    await flush();
    expect(c.session("p").negotiated?.peerRole).toBe(0); // provider
    expect(q.session("c").negotiated?.peerRole).toBe(4); // peer
    // c learned p's route and marked it (ingress from a provider: OTC = 64510).
    expect(c.rib.bestRoute("198.18.0.0/15")?.attributes.onlyToCustomer).toBe(64510);
    // Not sent to the peer q (egress: a route with OTC goes to no provider, peer or RS).
    expect([...atQ.view.keys()]).toEqual(["203.0.113.0/24"]);
    // c's own route: to q with OTC = 64500 (to a peer), to its provider p without.
    expect(atQ.view.get("203.0.113.0/24")?.onlyToCustomer).toBe(64500);
    expect([...atP.view.keys()]).toEqual(["203.0.113.0/24"]);
    expect(atP.view.get("203.0.113.0/24")?.onlyToCustomer).toBeUndefined();
    // q learned c's route as sent (OTC equal to c's AS: no leak).
    expect(q.rib.bestRoute("203.0.113.0/24")?.attributes.onlyToCustomer).toBe(64500);
  });

  it("refuses a neighbour whose role does not agree (Role Mismatch, OPEN error subcode 11)", async () => {
    const { p, c } = routers("peer"); // p says provider, c says peer
    const errors: string[] = [];
    for (const r of [p, c])
      r.on("notification", (name, dir, n) =>
        errors.push(`${name} ${dir} ${n.errorCode}/${n.errorSubcode}`),
      );
    p.start();
    c.start();
    link(p, "c", c, "p");
    await flush();
    expect(c.session("p").state).not.toBe("Established");
    // Each refuses the other's OPEN: Role Mismatch sent (and the other's received) both ways.
    expect(errors).toEqual(expect.arrayContaining(["c sent 2/11", "p sent 2/11"]));
  });

  it("refuses role settings that cannot work (BAD_CONFIG, field role)", () => {
    const spec = (n: Partial<NeighborSpec>): RouterSpec => ({
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      neighbors: [{ name: "x", address: "192.0.2.9", asn: 64509, ...n }],
    });
    expect(() => new Router(spec({ asn: 64500, role: "peer" }))).toThrow(/eBGP sessions only/);
    expect(() => new Router(spec({ role: "upstream" as "peer" }))).toThrow(/unknown BGP Role/);
    expect(() => new Router(spec({ strictRole: true }))).toThrow(/strictRole needs a role/);
    expect(() => new Router(spec({ role: "customer", capabilities: { role: 0 } }))).toThrow(
      /disagree/,
    );
  });
});

describe("maximum-prefix limit (RFC 4486 §4)", () => {
  const pair = (
    maxPrefixes: NeighborSpec["maxPrefixes"],
    importPolicy: "accept" | "reject" = "accept",
  ) => {
    const clock = new ManualClock();
    const prefixes = Array.from({ length: 300 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const r1 = routerAt(
      clock,
      64500,
      "192.0.2.1",
      [open({ name: "r2", address: "192.0.2.2", asn: 64501, idleHoldTime: 0 })],
      prefixes,
    );
    const r2 = routerAt(clock, 64501, "192.0.2.2", [
      { ...open({ name: "r1", address: "192.0.2.1", asn: 64500, maxPrefixes }), importPolicy },
    ]);
    const notes: string[] = [];
    const warnings: string[] = [];
    r1.on("notification", (_n, dir, m) => notes.push(`r1 ${dir} ${notificationText(m)}`));
    r2.on("warning", (_n, w) => warnings.push(w));
    r1.start();
    r2.start();
    link(r1, "r2", r2, "r1");
    return { clock, r1, r2, notes, warnings };
  };

  it("closes the session past the limit with Cease / Maximum Number of Prefixes Reached", async () => {
    const { r2, notes, warnings } = pair({ limit: 200 });
    await flush();
    expect(r2.session("r1").state).toBe("Idle");
    expect(notes).toContain(
      "r1 received 6/1 Cease / Maximum Number of Prefixes Reached (AFI 1 SAFI 1, limit 200)",
    );
    expect(warnings.some((w) => /300 IPv4 routes: more than the limit of 200/.test(w))).toBe(true);
    expect(r2.rib.stats().locRibRoutes).toBe(0); // the session's routes withdrawn
    expect(r2.rib.adjRibInCount("192.0.2.1")).toEqual({
      ipv4: 0,
      ipv6: 0,
      accepted: { ipv4: 0, ipv6: 0 },
    });
  });

  it('count "accepted" counts what the import policy let in (FRR\'s way): rejected routes do not close the session', async () => {
    const { r1, r2, warnings } = pair({ limit: 200, count: "accepted" }, "reject");
    await flush();
    expect(r2.session("r1").state).toBe("Established");
    expect(r2.sessions()[0]).toMatchObject({
      prefixesReceived: { ipv4: 300, ipv6: 0, accepted: { ipv4: 0, ipv6: 0 } },
      received: { rejectedRoutes: { "import-policy": 300, "as-loop": 0 }, duplicateWithdrawals: 0 },
    });
    expect(r1.sessions()[0]).toMatchObject({ prefixesSent: { ipv4: 300, ipv6: 0 } });
    expect(warnings).toEqual([]);
    const { r2: over, warnings: w2 } = pair({ limit: 200, count: "accepted" });
    await flush();
    expect(over.session("r1").state).toBe("Idle");
    expect(w2.some((w) => /300 accepted IPv4 routes: more than the limit of 200/.test(w))).toBe(
      true,
    );
  });

  it("restarts after restartAfter seconds; at the limit itself the session stays", async () => {
    const { clock, r1, r2 } = pair({ limit: 200, restartAfter: 30 });
    await flush();
    expect(r2.session("r1").state).toBe("Idle");
    clock.advance(29_000);
    expect(r2.session("r1").state).toBe("Idle");
    clock.advance(1_000);
    expect(r2.session("r1").state).not.toBe("Idle"); // started again (connecting)
    // A stop before the restart cancels it.
    const again = pair({ limit: 200, restartAfter: 30 });
    await flush();
    again.r2.session("r1").stop();
    again.clock.advance(60_000);
    expect(again.r2.session("r1").state).toBe("Idle");
    const { r2: ok } = pair({ limit: 300 });
    await flush();
    expect(ok.session("r1").state).toBe("Established");
    expect(ok.rib.stats().locRibRoutes).toBe(300);
    r1.stop();
  });

  it("warningOnly warns once and keeps the session and its routes", async () => {
    const { r1, r2, warnings, notes } = pair({ limit: 100, warningOnly: true });
    await flush();
    r1.withdraw(["10.0.0.0/24"]); // another batch, still over the limit: no second warning
    await flush();
    expect(r2.session("r1").state).toBe("Established");
    expect(r2.rib.stats().locRibRoutes).toBe(299);
    expect(r2.sessions()[0]).toMatchObject({
      prefixesReceived: { ipv4: 299, ipv6: 0 },
      maxPrefixes: { limit: 100, warningOnly: true },
    });
    expect(warnings.filter((w) => /more than the limit of 100/.test(w))).toHaveLength(1);
    expect(notes).toEqual([]);
  });
});

/**
 * Customer C (AS 65001) on router A, peer P (AS 65002) on router B, A and B in AS 64500 over
 * iBGP; all sessions up, routes exchanged. The customer session is the one grafted to B.
 */
async function graftScenario(custRoutes = 30, peerRoutes = 20) {
  const clock = new ManualClock();
  const isp = (address: string) => [open({ name: "isp", address, asn: 64500 })];
  const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  const c = routerAt(
    clock,
    65001,
    "198.18.0.2",
    isp("198.18.0.1"),
    range(custRoutes, (i) => `203.0.${i}.0/24`),
  );
  const p = routerAt(
    clock,
    65002,
    "198.18.1.2",
    isp("198.18.1.1"),
    range(peerRoutes, (i) => `100.64.${i}.0/24`),
  );
  const custSpec = open({
    name: "cust",
    address: "198.18.0.2",
    asn: 65001,
    localAddress: "198.18.0.1",
  });
  const ibgp = (name: string, address: string) =>
    open({ name, address, asn: 64500, nextHopSelf: true });
  const a = routerAt(clock, 64500, "10.0.0.1", [ibgp("b", "10.0.0.2"), custSpec]);
  const b = routerAt(clock, 64500, "10.0.0.2", [
    ibgp("a", "10.0.0.1"),
    open({ name: "peer", address: "198.18.1.2", asn: 65002, localAddress: "198.18.1.1" }),
  ]);
  const custView = trackView(c, "isp");
  const peerView = trackView(p, "isp");
  for (const r of [c, p, a, b]) r.start();
  const [aSide] = link(a, "cust", c, "isp");
  link(a, "b", b, "a");
  link(b, "peer", p, "isp");
  await flush(20);
  expect(custView.view.size).toBe(peerRoutes);
  expect(peerView.view.size).toBe(custRoutes);

  return { clock, c, p, a, b, custSpec, custView, peerView, aSide };
}

describe("grafting in two phases: background import, journal replayed at the freeze", () => {
  it("loses no update that crossed the background phase and sends only the incremental update", async () => {
    const { clock, c, p, a, b, custSpec, custView, peerView, aSide } = await graftScenario();
    // 1. Background: A exports (and journals from now on), B imports with the output held.
    const { seq } = b.graftPrepare(custSpec, a.rib.exportSession(custSpec.address));
    await flush(20);
    // The session keeps running on A: the customer changes its routes, and so does the peer
    // (A advertises that to the customer), after the snapshot.
    c.originate([{ prefix: "203.0.100.0/24" }]);
    c.withdraw(["203.0.3.0/24"]);
    p.originate([{ prefix: "100.64.200.0/24" }]);
    p.withdraw(["100.64.5.0/24"]);
    await flush(30);
    expect(custView.view.has("100.64.200.0/24")).toBe(true);
    expect(custView.view.has("100.64.5.0/24")).toBe(false);
    const updatesBefore = custView.log.length;

    // 2-4. Freeze on A, hand over the journal, resume on B over the same stream; A releases.
    const handover = a.graftFreeze("cust", seq);
    expect(handover.journal.some((e) => e.direction === "in")).toBe(true);
    expect(handover.journal.some((e) => e.direction === "out")).toBe(true);
    const resumed = b.graftResume(handover, aSide);
    expect(resumed.replayed).toBe(handover.journal.length);
    expect(resumed.replayed).toBeGreaterThan(0);
    a.releaseGraft("cust");
    await flush(20);
    clock.advance(60_000);
    await flush(20);

    // The customer noticed nothing, and got nothing: B advertises exactly what A had sent.
    const s = c.session("isp");
    expect(s.state).toBe("Established");
    expect(s.stats.opensReceived).toBe(1);
    expect(s.stats.notificationsReceived).toBe(0);
    expect(resumed.neighbor.announced.length + resumed.neighbor.withdrawn.length).toBe(0);
    expect(custView.log.length).toBe(updatesBefore);
    expect(custView.view.size).toBe(20);
    // The changes of the background phase were replayed on B, not lost.
    expect(peerView.view.has("203.0.100.0/24")).toBe(true);
    expect(peerView.view.has("203.0.3.0/24")).toBe(false);
    expect(peerView.view.size).toBe(30);
    expect(b.rib.bestRoute("203.0.100.0/24")?.peer).toBe("198.18.0.2");
    expect(b.rib.bestRoute("203.0.3.0/24")).toBeUndefined();
    expect(a.rib.bestRoute("203.0.100.0/24")?.peer).toBe("10.0.0.2");
    // The session lives on B now.
    c.originate([{ prefix: "203.0.201.0/24" }]);
    await flush(20);
    expect(peerView.view.has("203.0.201.0/24")).toBe(true);
    expect(b.session("cust").state).toBe("Established");
  });

  it("rolls an abandoned graft back: A continues the frozen session and sends what queued up meanwhile; B drops the prepared session", async () => {
    const { clock, c, p, a, b, custSpec, custView, peerView } = await graftScenario();
    const { seq } = b.graftPrepare(custSpec, a.rib.exportSession(custSpec.address));
    await flush(20);
    const pathsOnB = b.rib.stats().paths;
    const handover = a.graftFreeze("cust", seq);
    expect(a.session("cust").isPaused).toBe(true);
    // While the session is frozen, the peer changes routes: A's output to the customer queues.
    p.originate([{ prefix: "100.64.77.0/24" }]);
    p.withdraw(["100.64.6.0/24"]);
    await flush(30);
    expect(custView.view.has("100.64.77.0/24")).toBe(false);
    expect(a.rib.sessionJournal(custSpec.address, 0).length).toBeGreaterThan(
      handover.journal.length,
    );
    // B cannot take the session: both routers roll back.
    const dropped = b.graftDiscard("cust");
    expect(dropped.adjRibOut.size).toBe(0); // prepared routes were never eligible on B
    expect(b.rib.stats().paths).toBeLessThan(pathsOnB);
    expect(b.rib.peerAddresses()).not.toContain(custSpec.address);
    const r = a.graftAbort("cust");
    expect(r.unpaused).toBe(true);
    expect(r.journalDropped).toBeGreaterThan(0);
    expect(a.rib.sessionJournal(custSpec.address, 0)).toEqual([]);
    await flush(20);
    // The customer got the queued changes, on the same session: no reset, no second OPEN.
    expect(custView.view.has("100.64.77.0/24")).toBe(true);
    expect(custView.view.has("100.64.6.0/24")).toBe(false);
    expect(custView.view.size).toBe(20);
    clock.advance(120_000);
    await flush(20);
    const s = c.session("isp");
    expect(s.state).toBe("Established");
    expect(s.stats.opensReceived).toBe(1);
    expect(s.stats.notificationsReceived).toBe(0);
    // The session runs on A as before: the customer's new route reaches the peer through A.
    c.originate([{ prefix: "203.0.150.0/24" }]);
    await flush(30);
    expect(peerView.view.has("203.0.150.0/24")).toBe(true);
    expect(b.rib.bestRoute("203.0.150.0/24")?.peer).toBe("10.0.0.1");
    expect(() => b.graftDiscard("cust")).toThrow(/not prepared/);
    expect(a.graftAbort("cust")).toEqual({ journalDropped: 0, unpaused: false });
  });

  it("refuses to resume a session it did not prepare, and a snapshot of another neighbour", () => {
    const r = new Router({ asn: 64500, bgpIdentifier: "10.0.0.2", neighbors: [] });
    const other = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    other.addPeer({ address: "198.18.0.9", asn: 65009, bgpIdentifier: "198.18.0.9" });
    other.peerUp("198.18.0.9");
    other.update("198.18.0.9", {
      announced: [
        {
          attributes: {
            origin: "IGP",
            asPath: [{ type: "AS_SEQUENCE", asns: [65009] }],
            nextHop: "198.18.0.9",
          },
          nlri: [{ afi: 1, address: "203.0.113.0", length: 24 }],
        },
      ],
    });
    const spec = open({ name: "cust", address: "198.18.0.2", asn: 65001 });
    const [s] = memoryPipe();
    // Refused before the session state is looked at.
    const state = {} as SessionState;
    expect(() => r.graftResume({ neighbor: spec, session: state, journal: [] }, s)).toThrow(
      /not prepared/,
    );
    expect(() => r.graftPrepare(spec, other.exportSession("198.18.0.9"))).toThrow(
      /snapshot is of 198.18.0.9/,
    );
    expect(r.rib.stats().paths).toBe(0);
  });
});

describe("connection collision (RFC 4271 §6.8)", () => {
  it("keeps the connection initiated by the higher BGP Identifier and closes the other", async () => {
    const clock = new ManualClock();
    const spec = (
      id: string,
      asn: number,
      peer: string,
      peerAddress: string,
      peerAsn: number,
      prefix: string,
    ): RouterSpec => ({
      asn,
      bgpIdentifier: id,
      localAddress: id,
      neighbors: [
        {
          name: peer,
          address: peerAddress,
          asn: peerAsn,
          importPolicy: "accept",
          exportPolicy: "accept",
        },
      ],
      originate: [{ prefix }],
    });
    let r1!: Router;
    let r2!: Router;
    // r1 connects at once; r2's connection completes only when the test releases it, by which
    // time r2 already has r1's connection in OpenSent or OpenConfirm: two connections per side.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    r1 = new Router(spec("192.0.2.1", 64500, "r2", "192.0.2.2", 64501, "198.51.100.0/24"), {
      clock,
      connect: async () => {
        const [mine, theirs] = memoryPipe();
        r2.accept("r1", theirs);
        return mine;
      },
    });
    r2 = new Router(spec("192.0.2.2", 64501, "r1", "192.0.2.1", 64500, "203.0.113.0/24"), {
      clock,
      connect: async () => {
        await gate;
        const [mine, theirs] = memoryPipe();
        r1.accept("r2", theirs);
        return mine;
      },
    });
    const first1 = r1.session("r2");
    const first2 = r2.session("r1");
    r2.start(); // r2 first: r1's connection attempt reaches r2 synchronously
    r1.start();
    expect(first2.state).toBe("OpenSent");
    release();
    await flush(40);
    const s1 = r1.session("r2");
    const s2 = r2.session("r1");
    expect(s1.state).toBe("Established");
    expect(s2.state).toBe("Established");
    // r1 has the lower identifier: both keep the connection r2 initiated.
    expect(s1).not.toBe(first1);
    expect(s1.connectionInitiatedLocally).toBe(false);
    expect(s2.connectionInitiatedLocally).toBe(true);
    expect(first1.state).toBe("Idle");
    expect(first1.stats.notificationsSent + first2.stats.notificationsSent).toBeGreaterThanOrEqual(
      1,
    );
    expect(r2.rib.bestRoute("198.51.100.0/24")).toBeDefined();
    expect(r1.rib.bestRoute("203.0.113.0/24")).toBeDefined();
  });
});

describe("ADD-PATH negotiated per session (RFC 7911)", () => {
  /**
   * x (AS 64510) and y (AS 64511) both announce 198.51.100.0/24 to r1 (AS 64501), which passes
   * what it has on to r2 (AS 64500). `r2AddPath` is what r2 offers for IPv4 unicast.
   */
  async function chain(r2AddPath: 1 | 2 | 3 | undefined, dualStack = false) {
    const clock = new ManualClock();
    // Dual stack: IPv6 unicast on every session too (2001:db8:5::/48 from x and y), with ADD-PATH
    // between r1 and r2 for IPv4 unicast only.
    const v6 = (on: boolean) =>
      on
        ? {
            families: [
              { afi: 1, safi: 1 },
              { afi: 2, safi: 1 },
            ],
          }
        : {};
    const edge = (asn: number, id: string) =>
      new Router(
        {
          asn,
          bgpIdentifier: id,
          localAddress: id,
          localIpv6Address: `2001:db8::${asn - 64000}`,
          neighbors: [
            open({ name: "r1", address: "192.0.2.2", asn: 64501, capabilities: v6(dualStack) }),
          ],
          originate: [
            { prefix: "198.51.100.0/24", med: asn - 64500 },
            ...(dualStack ? [{ prefix: "2001:db8:5::/48", med: asn - 64500 }] : []),
          ],
        },
        { clock },
      );
    const x = edge(64510, "192.0.2.10");
    const y = edge(64511, "192.0.2.11");
    const r1 = new Router(
      {
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        localAddress: "192.0.2.2",
        localIpv6Address: "2001:db8::2",
        neighbors: [
          open({ name: "x", address: "192.0.2.10", asn: 64510, capabilities: v6(dualStack) }),
          open({ name: "y", address: "192.0.2.11", asn: 64511, capabilities: v6(dualStack) }),
          open({
            name: "r2",
            address: "192.0.2.1",
            asn: 64500,
            capabilities: {
              families: dualStack
                ? [
                    { afi: 1, safi: 1 },
                    { afi: 2, safi: 1 },
                  ]
                : [{ afi: 1, safi: 1 }],
              addPath: [{ afi: 1, safi: 1, sendReceive: 3 }],
            },
          }),
        ],
      },
      { clock },
    );
    const r2 = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [
          open({
            name: "r1",
            address: "192.0.2.2",
            asn: 64501,
            capabilities: {
              ...v6(dualStack),
              addPath: r2AddPath === undefined ? [] : [{ afi: 1, safi: 1, sendReceive: r2AddPath }],
            },
          }),
        ],
      },
      { clock },
    );
    for (const r of [x, y, r1, r2]) r.start();
    link(x, "r1", r1, "x");
    link(y, "r1", r1, "y");
    await flush();
    const seen = trackView(r2, "r1");
    link(r1, "r2", r2, "r1");
    await flush(20);
    expect(r2.session("r1").state).toBe("Established");
    return { r1, r2, x, seen };
  }

  it("receives every path, keyed by Path Identifier, when r2 may receive them", async () => {
    const { r2, x } = await chain(1);
    const paths = [...r2.rib.adjRibIn("192.0.2.2")];
    expect(paths).toHaveLength(2);
    expect(new Set(paths.map((p) => p.prefix.pathId)).size).toBe(2);
    expect(paths.map((p) => p.attributes.asPath?.[0]?.asns).sort()).toEqual([
      [64501, 64510],
      [64501, 64511],
    ]);
    const s = r2.sessions()[0] as { addPath: unknown; negotiated: { addPath: unknown } };
    expect(s.addPath).toEqual({ receive: true, send: false });
    expect(s.negotiated.addPath).toEqual({ receive: [{ afi: 1, safi: 1 }], send: [] });
    // x withdraws: only its path goes.
    x.withdraw(["198.51.100.0/24"]);
    await flush(20);
    const left = [...r2.rib.adjRibIn("192.0.2.2")];
    expect(left.map((p) => p.attributes.asPath?.[0]?.asns)).toEqual([[64501, 64511]]);
  });

  it("receives only the best path when r2 does not offer to receive several", async () => {
    for (const offer of [undefined, 2] as const) {
      const { r2 } = await chain(offer);
      const paths = [...r2.rib.adjRibIn("192.0.2.2")];
      expect(paths).toHaveLength(1);
      expect(paths[0]?.prefix.pathId).toBeUndefined();
    }
  });

  it("sends several paths only when negotiated: r1 sends two for one prefix", async () => {
    const { seen, r1 } = await chain(3);
    expect((r1.sessions()[2] as { addPath: unknown }).addPath).toEqual({
      receive: true,
      send: true,
    });
    expect(seen.log.reduce((n, l) => n + l.announced, 0)).toBe(2);
  });

  it("sends several paths for the families negotiated only: two IPv4 paths, the best IPv6 path alone", async () => {
    const { seen, r1, r2, x } = await chain(3, true);
    expect((r1.sessions()[2] as { addPath: unknown }).addPath).toEqual({
      receive: true,
      send: [1],
    });
    const paths = (afi: number) =>
      [...r2.rib.adjRibIn("192.0.2.2")]
        .filter((p) => p.prefix.afi === afi)
        .map((p) => `${p.prefix.pathId} AS${p.attributes.asPath?.[0]?.asns[1]}`);
    expect(paths(1)).toHaveLength(2);
    expect(new Set(paths(1)).size).toBe(2);
    // The best by MED (10 < 11) alone, sent without a Path Identifier (r2 keys it as 0; one
    // sent with one would not have decoded: the session would have closed).
    expect(paths(2)).toEqual(["0 AS64510"]);
    expect(seen.view.get("2001:db8:5::/48")?.asPath?.[0]?.asns).toEqual([64501, 64510]);
    // The best IPv6 path goes: r2 gets y's as an implicit withdrawal; x's IPv4 path goes alone.
    x.withdraw(["198.51.100.0/24", "2001:db8:5::/48"]);
    await flush(20);
    expect(paths(1).map((p) => p.split(" ")[1])).toEqual(["AS64511"]);
    expect(paths(2)).toEqual(["0 AS64511"]);
    expect(r2.session("r1").state).toBe("Established");
  });

  it("originates no empty COMMUNITIES attribute (RFC 7606 §7.8 would discard the route)", async () => {
    const clock = new ManualClock();
    const a = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [open({ name: "b", address: "192.0.2.2", asn: 64501 })],
        originate: [{ prefix: "203.0.113.0/24", communities: [], largeCommunities: [] }],
      },
      { clock },
    );
    const b = new Router(
      {
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        neighbors: [open({ name: "a", address: "192.0.2.1", asn: 64500 })],
      },
      { clock },
    );
    const seen = trackView(b, "a");
    a.start();
    b.start();
    link(a, "b", b, "a");
    await flush();
    const attrs = seen.view.get("203.0.113.0/24");
    expect(attrs).toBeDefined();
    expect(attrs?.communities).toBeUndefined();
    expect(attrs?.largeCommunities).toBeUndefined();
  });
});

describe("restarting router (RFC 4724 §4.1: Restart State, route selection deferral)", () => {
  /**
   * r (AS 64500, restarting) between x (AS 64510) and y (AS 64511), which originate a prefix each;
   * r originates its own. x is linked at once; y when the test calls `linkY`.
   */
  async function restart(forwardingPreserved = true, before?: (r: Router) => void) {
    const clock = new ManualClock();
    const r = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [
          open({ name: "x", address: "192.0.2.10", asn: 64510 }),
          open({ name: "y", address: "192.0.2.11", asn: 64511 }),
        ],
        originate: [{ prefix: "203.0.113.0/24" }],
      },
      { clock, restarting: { forwardingPreserved, selectionDeferralTime: 60 } },
    );
    const edge = (asn: number, id: string, prefix: string) =>
      routerAt(clock, asn, id, [open({ name: "r", address: "192.0.2.1", asn: 64500 })], [prefix]);
    const x = edge(64510, "192.0.2.10", "198.51.100.0/24");
    const y = edge(64511, "192.0.2.11", "198.51.101.0/24");
    const converged: string[] = [];
    r.on("converged", (why) => converged.push(why));
    const xView = trackView(x, "r");
    before?.(r);
    for (const q of [r, x, y]) q.start();
    link(r, "x", x, "r");
    await flush(20);
    return { clock, r, x, y, xView, converged, linkY: () => link(r, "y", y, "r") };
  }

  it("announces Restart State and Forwarding State, sends nothing until every neighbour's End-of-RIB, then its routes and End-of-RIB last", async () => {
    const { r, x, xView, converged, linkY } = await restart();
    const gr = x.session("r").negotiated?.peerGracefulRestart;
    if (!gr) throw new Error("no Graceful Restart capability from r");
    expect(gr.restartState).toBe(true);
    expect(gr.families.length).toBeGreaterThan(0);
    expect(gr.families.every((f) => f.forwardingState)).toBe(true);
    // x is back and has sent its table and End-of-RIB; y is not back yet: r holds its output.
    expect(r.deferring).toBe(true);
    expect(r.rib.bestRoute("198.51.100.0/24")?.peer).toBe("192.0.2.10"); // learned meanwhile
    expect(xView.log).toEqual([]);
    expect(xView.eor).toEqual([]);
    linkY();
    await flush(30);
    expect(converged).toEqual(["End-of-RIB received from every neighbour"]);
    expect(r.deferring).toBe(false);
    // x gets r's route and y's, and then End-of-RIB (after every UPDATE).
    expect([...xView.view.keys()].sort()).toEqual(["198.51.101.0/24", "203.0.113.0/24"]);
    expect(xView.eor.length).toBeGreaterThan(0);
    expect(xView.eor.every((e) => e.after === xView.log.length)).toBe(true);
  });

  it("leaves the kernel's routes alone while deferring, then installs the converged Loc-RIB whole (followLocRib)", async () => {
    const applied: string[] = [];
    const resynced: string[][] = [];
    const kernel = {
      apply: (changes: readonly LocRibChange[]) => {
        for (const c of changes)
          applied.push(`${c.current === undefined ? "-" : "+"}${formatPrefix(c.prefix)}`);
      },
      resync: async (routes: readonly Route[]) => {
        resynced.push(routes.map((x) => formatPrefix(x.prefix)).sort());
        return { replaced: routes.length, deleted: 0 };
      },
    };
    const results: unknown[] = [];
    const { r, x, linkY } = await restart(true, (r) =>
      followLocRib(r, kernel, (res) => results.push(res)),
    );
    // r has learned x's route and originated its own, but defers: the kernel is not touched.
    expect(r.rib.bestRoute("198.51.100.0/24")).toBeDefined();
    expect(applied).toEqual([]);
    expect(resynced).toEqual([]);
    linkY();
    await flush(30);
    expect(r.deferring).toBe(false);
    expect(resynced).toEqual([["198.51.100.0/24", "198.51.101.0/24", "203.0.113.0/24"]]);
    expect(results).toEqual([{ replaced: 3, deleted: 0 }]);
    expect(applied).toEqual([]);
    // Converged: changes go to the kernel as they come.
    x.withdraw(["198.51.100.0/24"]);
    await flush(20);
    expect(applied).toEqual(["-198.51.100.0/24"]);
  });

  it("ends the deferral when the timer runs out, and announces no Forwarding State unless preserved", async () => {
    const { clock, r, x, xView, converged } = await restart(false);
    const gr = x.session("r").negotiated?.peerGracefulRestart;
    if (!gr) throw new Error("no Graceful Restart capability from r");
    expect(gr.restartState).toBe(true);
    expect(gr.families.some((f) => f.forwardingState)).toBe(false);
    clock.advance(59_000);
    await flush(10);
    expect(r.deferring).toBe(true);
    expect(xView.log).toEqual([]);
    clock.advance(1_000);
    await flush(20);
    expect(converged).toEqual(["selection deferral timer (60 s) ran out"]);
    expect([...xView.view.keys()]).toEqual(["203.0.113.0/24"]);
    expect(xView.eor.length).toBeGreaterThan(0);
    expect(
      () =>
        new Router(
          { asn: 1, bgpIdentifier: "192.0.2.1", neighbors: [] },
          { restarting: { selectionDeferralTime: 0 } },
        ),
    ).toThrow(/selectionDeferralTime/);
  });
});
