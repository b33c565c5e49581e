// Model-based test of Graceful Restart as receiving speaker (RFC 4724 §4.2): the real
// GracefulRestartReceiver driving a real Rib on a ManualClock, against a model written from the
// RFC's rules — each route of the neighbour is fresh or stale; what the session events, the
// End-of-RIB markers and the passing of time do to them.
import type { Rib } from "@dyninfra/bgp-rib";
import type { AfiSafi } from "@dyninfra/bgp-wire";
import {
  DEFAULT_SESSION_CONTEXT,
  decodeUpdate,
  encodeMessage,
  formatPrefix,
  parsePrefix,
} from "@dyninfra/bgp-wire";
import { arbitrarySessionContext, arbitraryUpdateMessage } from "@dyninfra/bgp-wire/testing";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ManualClock } from "./clock";
import type { GracefulRestartReceiver, PeerGracefulRestart } from "./graceful-restart";
import { endOfRib, endOfRibFamily } from "./graceful-restart";
import { GR_PEER, gracefulRestartRig, peerRouteAttributes } from "./test-support";

const PEER = GR_PEER;
const RESTART_TIME = 60;
const STALE_TIME = 100;
const V4: AfiSafi = { afi: 1, safi: 1 };
const V6: AfiSafi = { afi: 2, safi: 1 };
const FAMILIES = [V4, V6];
const POOL = [
  "10.0.0.0/24",
  "10.0.1.0/24",
  "10.0.2.0/24",
  "2001:db8:1::/48",
  "2001:db8:2::/48",
  "2001:db8:3::/48",
];

/** What the neighbour's new OPEN says: no GR; GR with or without F bits; GR for IPv4 only. */
type Cap = "none" | "no-forwarding" | "forwarding" | "ipv4-only";

function capability(c: Cap): PeerGracefulRestart | false {
  if (c === "none") return false;
  const fams = c === "ipv4-only" ? [V4] : FAMILIES;
  return {
    restartTime: RESTART_TIME,
    restartState: true,
    notification: false,
    families: fams.map((f) => ({ ...f, forwardingState: c !== "no-forwarding" })),
  };
}

interface Model {
  now: number;
  up: boolean;
  /** The capability of the session that is up (or fell last). */
  cap: Cap;
  routes: Map<string, "fresh" | "stale">;
  phase: "none" | "restarting" | "stale";
  restartAt: number;
  staleAt: number;
  /** AFIs whose routes are retained stale, and those awaiting their End-of-RIB. */
  staleAfis: Set<number>;
  awaiting: Set<number>;
}

interface Real {
  clock: ManualClock;
  rib: Rib;
  gr: GracefulRestartReceiver;
}

const afiOf = (prefix: string) => (prefix.includes(":") ? 2 : 1);

/** Every stale route goes; Graceful Restart is over. */
const dropStale = (m: Model) => {
  for (const [p, s] of m.routes) if (s === "stale") m.routes.delete(p);
  m.phase = "none";
  m.awaiting.clear();
  m.staleAfis.clear();
};

/** The stale routes of one family go. */
const dropStaleOf = (m: Model, afi: number) => {
  for (const [p, s] of m.routes) if (s === "stale" && afiOf(p) === afi) m.routes.delete(p);
  m.awaiting.delete(afi);
  m.staleAfis.delete(afi);
};

/** The AFIs a capability lists (with or without Forwarding State). */
const listed = (c: Cap): number[] => (c === "none" ? [] : c === "ipv4-only" ? [1] : [1, 2]);

function check(m: Model, r: Real): void {
  const held = [...r.rib.adjRibIn(PEER, "pre")].map((x) => formatPrefix(x.prefix)).sort();
  expect(held).toEqual([...m.routes.keys()].sort());
  const stale = [...m.routes.values()].filter((s) => s === "stale").length;
  expect(r.rib.staleCount(PEER)).toBe(stale);
  expect(r.gr.currentPhase).toBe(m.phase);
  // Stale routes are still used for forwarding (RFC 4724 §4.2: no difference in forwarding).
  for (const p of POOL) expect(r.rib.bestRoute(p) !== undefined).toBe(m.routes.has(p));
}

class Announce implements fc.Command<Model, Real> {
  constructor(
    readonly prefix: string,
    readonly med: number,
  ) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    const p = parsePrefix(this.prefix);
    const u = { announced: [{ attributes: peerRouteAttributes(p, this.med), nlri: [p] }] };
    r.rib.update(PEER, u);
    m.routes.set(this.prefix, "fresh");
    check(m, r);
  }
  toString = () => `announce ${this.prefix}`;
}

class Withdraw implements fc.Command<Model, Real> {
  constructor(readonly prefix: string) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    const u = { withdrawn: [parsePrefix(this.prefix)] };
    r.rib.update(PEER, u);
    m.routes.delete(this.prefix);
    check(m, r);
  }
  toString = () => `withdraw ${this.prefix}`;
}

class Down implements fc.Command<Model, Real> {
  constructor(readonly graceful: boolean) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    r.gr.sessionDown(this.graceful, capability(m.cap), FAMILIES);
    m.up = false;
    // Retained only after the loss of the connection, for the families the fallen session's
    // capability listed; the routes of the others are withdrawn.
    const keep = listed(m.cap);
    if (this.graceful && keep.length > 0) {
      if (m.phase === "stale") dropStale(m); // consecutive restart
      for (const p of [...m.routes.keys()]) {
        if (keep.includes(afiOf(p))) m.routes.set(p, "stale");
        else m.routes.delete(p);
      }
      m.phase = "restarting";
      m.staleAfis = new Set(keep);
      m.restartAt = m.now + RESTART_TIME * 1000;
    } else {
      m.routes.clear();
      m.phase = "none";
    }
    check(m, r);
  }
  toString = () => `down(${this.graceful ? "connection lost" : "notification"})`;
}

class Up implements fc.Command<Model, Real> {
  constructor(readonly cap: Cap) {}
  check = (m: Readonly<Model>) => !m.up;
  run(m: Model, r: Real): void {
    r.rib.peerUp(PEER);
    r.gr.sessionUp(capability(this.cap));
    m.up = true;
    m.cap = this.cap;
    if (m.phase === "restarting") {
      // A stale family missing from the new capability, or without its F bit, is swept at once.
      const ok = this.cap === "no-forwarding" ? [] : listed(this.cap);
      const dropped = [...m.staleAfis].filter((a) => !ok.includes(a));
      if (dropped.length === m.staleAfis.size) dropStale(m);
      else {
        for (const a of dropped) dropStaleOf(m, a);
        m.phase = "stale";
        m.awaiting = new Set(m.staleAfis);
        m.staleAt = m.now + STALE_TIME * 1000;
      }
    }
    check(m, r);
  }
  toString = () => `up(${this.cap})`;
}

class EndOfRib implements fc.Command<Model, Real> {
  constructor(readonly afi: 1 | 2) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    r.gr.endOfRib({ afi: this.afi, safi: 1 });
    // The family's stale routes go; the others wait for their own marker.
    if (m.phase === "stale" && m.awaiting.has(this.afi)) {
      if (m.awaiting.size === 1) dropStale(m);
      else dropStaleOf(m, this.afi);
    }
    check(m, r);
  }
  toString = () => `end-of-rib(afi ${this.afi})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms);
    m.now += this.ms;
    if (m.phase === "restarting" && m.restartAt <= m.now) dropStale(m);
    if (m.phase === "stale" && m.staleAt <= m.now) dropStale(m);
    check(m, r);
  }
  toString = () => `advance ${this.ms} ms`;
}

// Weighted towards restart cycles (graceful falls, returns with forwarding state preserved),
// where the interesting transitions are.
const commands = [
  fc
    .tuple(fc.constantFrom(...POOL), fc.integer({ min: 0, max: 3 }))
    .map(([p, med]) => new Announce(p, med)),
  fc
    .tuple(fc.constantFrom(...POOL), fc.integer({ min: 0, max: 3 }))
    .map(([p, med]) => new Announce(p, med)),
  fc.constantFrom(...POOL).map((p) => new Withdraw(p)),
  fc.constantFrom(true, true, true, false).map((g) => new Down(g)),
  fc
    .constantFrom<Cap>("forwarding", "forwarding", "none", "no-forwarding", "ipv4-only")
    .map((c) => new Up(c)),
  fc.constantFrom<1 | 2>(1, 2).map((a) => new EndOfRib(a)),
  fc.constantFrom(1_000, 30_000, 59_999, 60_000, 40_000, 100_000).map((ms) => new Advance(ms)),
];

test.prop([fc.commands(commands, { maxCommands: 40, size: "+1" })], { numRuns: 150 })(
  "Graceful Restart keeps, refreshes and sweeps the neighbour's routes as RFC 4724 §4.2 says",
  (cmds) => {
    const clock = new ManualClock();
    const { rib, gr } = gracefulRestartRig(clock, STALE_TIME);
    const model: Model = {
      now: 0,
      up: true,
      cap: "forwarding",
      routes: new Map(),
      phase: "none",
      restartAt: 0,
      staleAt: 0,
      staleAfis: new Set(),
      awaiting: new Set(),
    };
    fc.modelRun(() => ({ model, real: { clock, rib, gr } }), cmds);
  },
);

// ------------------------------------------------------------------------ End-of-RIB markers

test.prop([fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 255 })])(
  "End-of-RIB of any family survives the wire and is recognised as that family",
  (afi, safi) => {
    const bytes = encodeMessage(endOfRib({ afi, safi }), DEFAULT_SESSION_CONTEXT);
    const r = decodeUpdate(bytes, DEFAULT_SESSION_CONTEXT);
    expect(r.ok).toBe(true);
    if (r.ok) expect(endOfRibFamily(r.update)).toEqual({ afi, safi });
  },
);

test.prop([arbitrarySessionContext().chain((ctx) => arbitraryUpdateMessage(ctx))])(
  "an UPDATE is an End-of-RIB marker exactly when it carries no route and no attribute but an empty MP_UNREACH_NLRI",
  (u) => {
    const attrs = Object.entries(u.pathAttributes).filter(([, v]) => v !== undefined);
    const un = u.pathAttributes.mpUnreachNlri;
    const expected =
      u.withdrawnRoutes.length === 0 &&
      u.nlri.length === 0 &&
      (attrs.length === 0 ||
        (attrs.length === 1 && un !== undefined && un.withdrawnRoutes.length === 0));
    expect(endOfRibFamily(u) !== undefined).toBe(expected);
  },
);
