// Model-based test of Long-Lived Graceful Restart as receiving speaker (RFC 9494 §4.2, with RFC
// 4724 §4.2 around it): the real GracefulRestartReceiver driving a real Rib on a ManualClock,
// against a model written from the RFCs' rules — each route of the neighbour fresh, stale or
// long-lived stale; per family, a Long-Lived Stale Time timer that nothing restarts; timers fire
// in deadline order.
import type { Rib } from "@dyninfra/bgp-rib";
import { type AfiSafi, formatPrefix, parsePrefix, WELL_KNOWN_COMMUNITY } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ManualClock } from "./clock";
import type {
  GracefulRestartReceiver,
  PeerGracefulRestart,
  PeerLongLivedGracefulRestart,
} from "./graceful-restart";
import { GR_PEER, gracefulRestartRig, peerRouteAttributes } from "./test-support";

const PEER = GR_PEER;
const RESTART_TIME = 60;
const STALE_TIME = 100;
/** Long-Lived Stale Time per AFI, as the neighbour announces it. */
const LLST: Record<number, number> = { 1: 150, 2: 230 };
/** Our bounds on it (RFC 9494 §4.2): IPv4's raised to 160 s, IPv6's cut to 200 s. */
const BOUNDS = { min: 160, max: 200 };
const FAMILIES: AfiSafi[] = [
  { afi: 1, safi: 1 },
  { afi: 2, safi: 1 },
];
const POOL = ["10.0.0.0/24", "10.0.1.0/24", "2001:db8:1::/48", "2001:db8:2::/48"];
const afiOf = (prefix: string) => (prefix.includes(":") ? 2 : 1);

/** Graceful Restart capability of a session: families listed, Restart Time, F bits. */
type Gr = "forwarding" | "zero" | "ipv4-only" | "no-forwarding" | "none";
/** Long-Lived Graceful Restart capability: both families (F), both without F, IPv6 only (F). */
type Ll = "both" | "no-f" | "ipv6-only" | "none";

const grListed = (g: Gr): number[] => (g === "none" ? [] : g === "ipv4-only" ? [1] : [1, 2]);
const grForwarding = (g: Gr): number[] => (g === "no-forwarding" ? [] : grListed(g));
const llListed = (l: Ll): number[] => (l === "none" ? [] : l === "ipv6-only" ? [2] : [1, 2]);
const llForwarding = (l: Ll): number[] => (l === "no-f" ? [] : llListed(l));

function grCap(g: Gr): PeerGracefulRestart | false {
  if (g === "none") return false;
  return {
    restartTime: g === "zero" ? 0 : RESTART_TIME,
    restartState: true,
    notification: false,
    families: grListed(g).map((afi) => ({ afi, safi: 1, forwardingState: g !== "no-forwarding" })),
  };
}
function llCap(l: Ll): PeerLongLivedGracefulRestart | false {
  if (l === "none") return false;
  return {
    families: llListed(l).map((afi) => ({
      afi,
      safi: 1,
      forwardingState: l !== "no-f",
      staleTime: LLST[afi]!,
    })),
  };
}

interface Timer {
  at: number;
  seq: number;
}
interface Model {
  now: number;
  seq: number;
  up: boolean;
  gr: Gr;
  ll: Ll;
  routes: Map<string, "fresh" | "stale" | "long-lived">;
  phase: "none" | "restarting" | "long-lived" | "stale";
  /** AFIs whose routes are retained; those awaiting End-of-RIB (phase stale). */
  staleAfis: Set<number>;
  awaiting: Set<number>;
  restart: Timer | undefined;
  /** The families the Restart Time's end moves on, with the fallen session's capabilities. */
  later: number[];
  fellWith: { gr: Gr; ll: Ll };
  staleTimer: Timer | undefined;
  /** Per AFI: its Long-Lived Stale Time timer, while the family is long-lived stale. */
  longLived: Map<number, Timer>;
}

interface Real {
  clock: ManualClock;
  rib: Rib;
  gr: GracefulRestartReceiver;
}

const timer = (m: Model, ms: number): Timer => ({ at: m.now + ms, seq: ++m.seq });

/** Phase none: every retained route goes, every timer stops. */
function reset(m: Model): void {
  for (const [p, s] of m.routes) if (s !== "fresh") m.routes.delete(p);
  m.phase = "none";
  m.staleAfis.clear();
  m.awaiting.clear();
  m.restart = undefined;
  m.staleTimer = undefined;
  m.longLived.clear();
}

/** One family's retained routes go (and its timer); phase none once nothing is retained. */
function dropAfi(m: Model, afi: number): void {
  for (const [p, s] of m.routes) if (s !== "fresh" && afiOf(p) === afi) m.routes.delete(p);
  m.staleAfis.delete(afi);
  m.awaiting.delete(afi);
  m.longLived.delete(afi);
  if (m.staleAfis.size === 0) reset(m);
}

/** The Long-Lived Stale Time of an AFI by the capabilities of the session that fell, bounded. */
const llst = (m: Model, afi: number): number =>
  m.fellWith.gr !== "none" && llListed(m.fellWith.ll).includes(afi)
    ? Math.min(Math.max(LLST[afi]!, BOUNDS.min), BOUNDS.max)
    : 0;

/** RFC 9494 §4.2: the AFIs' routes become long-lived stale, or go when they have no time. */
function enterLongLived(m: Model, afis: readonly number[]): void {
  const ll = afis.filter((a) => m.longLived.has(a) || llst(m, a) > 0);
  for (const a of afis) if (!ll.includes(a)) dropAfi(m, a);
  for (const a of ll)
    for (const [p, s] of m.routes)
      if (s !== "fresh" && afiOf(p) === a) m.routes.set(p, "long-lived");
  for (const a of ll) if (!m.longLived.has(a)) m.longLived.set(a, timer(m, llst(m, a) * 1000));
}

function check(m: Model, r: Real): void {
  const held = [...r.rib.adjRibIn(PEER, "pre")];
  expect(held.map((x) => formatPrefix(x.prefix)).sort()).toEqual([...m.routes.keys()].sort());
  for (const x of held) {
    const state = m.routes.get(formatPrefix(x.prefix));
    // Long-lived stale routes carry LLGR_STALE; the others do not.
    expect(x.attributes.communities?.includes(WELL_KNOWN_COMMUNITY.LLGR_STALE) === true).toBe(
      state === "long-lived",
    );
  }
  const retained = [...m.routes.values()].filter((s) => s !== "fresh").length;
  expect(r.rib.staleCount(PEER)).toBe(retained);
  expect(r.gr.currentPhase).toBe(m.phase);
  const st = r.gr.status();
  expect(st.longLived.map((f) => [f.afi, f.deadline]).sort((a, b) => a[0]! - b[0]!)).toEqual(
    [...m.longLived].sort((a, b) => a[0] - b[0]).map(([a, t]) => [a, t.at]),
  );
  expect(st.restartDeadline).toBe(m.phase === "restarting" ? (m.restart?.at ?? null) : null);
  expect(st.staleDeadline).toBe(m.phase === "stale" ? (m.staleTimer?.at ?? null) : null);
  // Every route is still used, long-lived stale ones too (the only ones here).
  for (const p of POOL) expect(r.rib.bestRoute(p) !== undefined).toBe(m.routes.has(p));
}

class Announce implements fc.Command<Model, Real> {
  constructor(readonly prefix: string) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    const p = parsePrefix(this.prefix);
    r.rib.update(PEER, { announced: [{ attributes: peerRouteAttributes(p), nlri: [p] }] });
    m.routes.set(this.prefix, "fresh");
    check(m, r);
  }
  toString = () => `announce ${this.prefix}`;
}

class Withdraw implements fc.Command<Model, Real> {
  constructor(readonly prefix: string) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    r.rib.update(PEER, { withdrawn: [parsePrefix(this.prefix)] });
    m.routes.delete(this.prefix);
    check(m, r);
  }
  toString = () => `withdraw ${this.prefix}`;
}

class Down implements fc.Command<Model, Real> {
  constructor(readonly graceful: boolean) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    r.gr.sessionDown(this.graceful, grCap(m.gr), FAMILIES, llCap(m.ll));
    m.up = false;
    m.restart = undefined;
    m.staleTimer = undefined;
    const fellWith = { gr: m.gr, ll: m.ll };
    const listed = grListed(m.gr);
    const lls = (a: number) => (m.gr !== "none" && llListed(m.ll).includes(a) ? LLST[a]! : 0);
    const kept = [1, 2].filter((a) => listed.includes(a) || lls(a) > 0 || m.longLived.has(a));
    if (!this.graceful || m.gr === "none" || kept.length === 0) {
      reset(m);
      m.routes.clear();
      check(m, r);
      return;
    }
    // A consecutive restart deletes the routes still stale (RFC 4724), not long-lived ones.
    if (m.phase === "stale")
      for (const a of [...m.staleAfis]) if (!m.longLived.has(a)) dropAfi(m, a);
    for (const [p, s] of m.routes) {
      if (!kept.includes(afiOf(p))) m.routes.delete(p);
      else if (s === "fresh") m.routes.set(p, "stale");
    }
    m.fellWith = fellWith;
    m.phase = "restarting";
    m.staleAfis = new Set(kept);
    m.awaiting.clear();
    // Families without a Restart Time (absent from the capability, or 0) go long-lived at once.
    const atOnce = kept.filter((a) => !listed.includes(a) || m.gr === "zero" || m.longLived.has(a));
    m.later = kept.filter((a) => !atOnce.includes(a));
    if (atOnce.length > 0) enterLongLived(m, atOnce);
    if (m.later.length === 0) {
      if (m.phase === "restarting") m.phase = "long-lived";
    } else m.restart = timer(m, RESTART_TIME * 1000);
    check(m, r);
  }
  toString = () => `down(${this.graceful ? "connection lost" : "notification"})`;
}

class Up implements fc.Command<Model, Real> {
  constructor(
    readonly gr: Gr,
    readonly ll: Ll,
  ) {}
  check = (m: Readonly<Model>) => !m.up;
  run(m: Model, r: Real): void {
    r.rib.peerUp(PEER);
    r.gr.sessionUp(grCap(this.gr), llCap(this.ll));
    m.up = true;
    m.gr = this.gr;
    m.ll = this.ll;
    if (m.phase === "restarting" || m.phase === "long-lived") {
      m.restart = undefined;
      if (this.gr === "none") reset(m);
      else {
        // Kept: a long-lived family with F in the new LLGR capability, another with F in GR's.
        const ok = (a: number) =>
          m.longLived.has(a)
            ? llForwarding(this.ll).includes(a)
            : grForwarding(this.gr).includes(a);
        const dropped = [...m.staleAfis].filter((a) => !ok(a));
        if (dropped.length === m.staleAfis.size) reset(m);
        else {
          for (const a of dropped) dropAfi(m, a);
          m.phase = "stale";
          m.awaiting = new Set(m.staleAfis);
          // The stale-path timer only for families not long-lived (theirs keeps running).
          m.staleTimer = [...m.staleAfis].every((a) => m.longLived.has(a))
            ? undefined
            : timer(m, STALE_TIME * 1000);
        }
      }
    }
    check(m, r);
  }
  toString = () => `up(${this.gr}, llgr ${this.ll})`;
}

class EndOfRib implements fc.Command<Model, Real> {
  constructor(readonly afi: 1 | 2) {}
  check = (m: Readonly<Model>) => m.up;
  run(m: Model, r: Real): void {
    r.gr.endOfRib({ afi: this.afi, safi: 1 });
    if (m.phase === "stale" && m.awaiting.has(this.afi)) {
      if (m.awaiting.size === 1) reset(m);
      else dropAfi(m, this.afi);
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
    const end = m.now + this.ms;
    // The timers that fall due, in deadline order (then the order they were started in).
    for (;;) {
      const due: [Timer, string][] = [];
      if (m.phase === "restarting" && m.restart !== undefined) due.push([m.restart, "restart"]);
      if (m.phase === "stale" && m.staleTimer !== undefined) due.push([m.staleTimer, "stale"]);
      for (const [a, t] of m.longLived) due.push([t, `ll${a}`]);
      const next = due
        .filter(([t]) => t.at <= end)
        .sort(([x], [y]) => x.at - y.at || x.seq - y.seq)[0];
      if (next === undefined) break;
      m.now = next[0].at;
      if (next[1] === "restart") {
        m.restart = undefined;
        if (!m.later.some((a) => llst(m, a) > 0) && m.longLived.size === 0) reset(m);
        else {
          m.phase = "long-lived";
          enterLongLived(m, m.later);
        }
      } else if (next[1] === "stale") {
        m.staleTimer = undefined;
        const plain = [...m.staleAfis].filter((a) => !m.longLived.has(a));
        if (plain.length === m.staleAfis.size) reset(m);
        else for (const a of plain) dropAfi(m, a);
      } else {
        const a = Number(next[1].slice(2));
        m.longLived.delete(a);
        if (m.staleAfis.has(a)) dropAfi(m, a);
      }
    }
    m.now = end;
    check(m, r);
  }
  toString = () => `advance ${this.ms} ms`;
}

const commands = [
  fc.constantFrom(...POOL).map((p) => new Announce(p)),
  fc.constantFrom(...POOL).map((p) => new Announce(p)),
  fc.constantFrom(...POOL).map((p) => new Withdraw(p)),
  fc.constantFrom(true, true, true, false).map((g) => new Down(g)),
  fc
    .tuple(
      fc.constantFrom<Gr>("forwarding", "forwarding", "zero", "ipv4-only", "no-forwarding", "none"),
      fc.constantFrom<Ll>("both", "both", "no-f", "ipv6-only", "none"),
    )
    .map(([g, l]) => new Up(g, l)),
  fc.constantFrom<1 | 2>(1, 2).map((a) => new EndOfRib(a)),
  fc
    .constantFrom(1_000, 30_000, 60_000, 90_000, 100_000, 150_000, 160_000, 200_000, 230_000)
    .map((ms) => new Advance(ms)),
];

test.prop([fc.commands(commands, { maxCommands: 50, size: "large" })], { numRuns: 200 })(
  "Long-Lived Graceful Restart keeps, marks, refreshes and sweeps the neighbour's routes as RFC 9494 §4.2 says",
  (cmds) => {
    const clock = new ManualClock();
    const { rib, gr } = gracefulRestartRig(clock, STALE_TIME, BOUNDS);
    const model: Model = {
      now: 0,
      seq: 0,
      up: true,
      gr: "forwarding",
      ll: "both",
      routes: new Map(),
      phase: "none",
      staleAfis: new Set(),
      awaiting: new Set(),
      restart: undefined,
      later: [],
      fellWith: { gr: "forwarding", ll: "both" },
      staleTimer: undefined,
      longLived: new Map(),
    };
    fc.modelRun(() => ({ model, real: { clock, rib, gr } }), cmds);
  },
);
