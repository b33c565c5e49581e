import type { Duplex } from "node:stream";
import type { AfiSafi, NotificationMessage } from "@dyninfra/bgp-wire";
import {
  DEFAULT_SESSION_CONTEXT,
  decodeUpdate,
  encodeMessage,
  hardResetCause,
  isHardReset,
  notificationText,
  shutdownCommunication,
  WELL_KNOWN_COMMUNITY,
} from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import {
  endOfRib,
  endOfRibFamily,
  peerGracefulRestart,
  peerLongLivedGracefulRestart,
} from "./graceful-restart";
import { checkOpen, localOpen, speakerCapabilities } from "./open";
import { memoryPipe } from "./pipe";
import type { NeighborSpec, RouterSpec } from "./router";
import { Router } from "./router";

const flush = async (rounds = 12) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const MARKER = "ff".repeat(16);
const IPV4: AfiSafi = { afi: 1, safi: 1 };

describe("End-of-RIB marker (RFC 4724 §2)", () => {
  it("IPv4 unicast: an UPDATE with no withdrawn routes and no path attributes, 23 octets", () => {
    // Header (marker, length 23, type 2), Withdrawn Routes Length 0, Total Path Attribute Length 0.
    expect(hex(encodeMessage(endOfRib(IPV4), DEFAULT_SESSION_CONTEXT))).toBe(
      `${MARKER}00170200000000`,
    );
  });

  it("other families: an UPDATE with only an empty MP_UNREACH_NLRI", () => {
    // MP_UNREACH_NLRI (RFC 4760 §4): flags 0x80 (optional, non-transitive), type 15, length 3,
    // AFI 2, SAFI 1, no withdrawn routes.
    expect(hex(encodeMessage(endOfRib({ afi: 2, safi: 1 }), DEFAULT_SESSION_CONTEXT))).toBe(
      `${MARKER}001d0200000006800f03000201`,
    );
  });

  it("recognises the markers from their bytes, and nothing else", () => {
    const decode = (h: string) => {
      const r = decodeUpdate(Buffer.from(h, "hex"), DEFAULT_SESSION_CONTEXT);
      if (!r.ok) throw new Error("decode");
      return r.update;
    };
    expect(endOfRibFamily(decode(`${MARKER}00170200000000`))).toEqual(IPV4);
    expect(endOfRibFamily(decode(`${MARKER}001d0200000006800f03000201`))).toEqual({
      afi: 2,
      safi: 1,
    });
    // A withdrawal of 10.0.0.0/8 is not a marker; nor is MP_UNREACH_NLRI withdrawing 2001:db8::/32.
    expect(endOfRibFamily(decode(`${MARKER}0019020002080a0000`))).toBeUndefined();
    expect(
      endOfRibFamily(decode(`${MARKER}0022020000000b800f0800020120${"20010db8"}`)),
    ).toBeUndefined();
    // An UPDATE carrying an attribute but no NLRI (ORIGIN only) is not a marker either.
    expect(endOfRibFamily(decode(`${MARKER}001b020000000440010100`))).toBeUndefined();
  });
});

describe("Graceful Restart capability", () => {
  it("we announce it as a receiving speaker: R = 0, no families, the configured Restart Time", () => {
    const open = localOpen(
      64500,
      "192.0.2.1",
      90,
      speakerCapabilities({ gracefulRestart: { restartTime: 90 } }),
    );
    const bytes = encodeMessage(open, DEFAULT_SESSION_CONTEXT);
    // Capability code 64, length 2, Restart Flags 0 and Restart Time 90 in 16 bits: 0x005a.
    expect(hex(bytes)).toContain("4002005a");
    expect(peerGracefulRestart(open)).toEqual({
      restartTime: 90,
      restartState: false,
      notification: false,
      families: [],
    });
  });

  it("reads R and F bits of a restarting speaker", () => {
    const open = localOpen(
      64501,
      "192.0.2.2",
      90,
      speakerCapabilities({
        gracefulRestart: {
          restartTime: 120,
          restartState: true,
          families: [{ afi: 1, safi: 1, forwardingState: true }],
        },
      }),
    );
    // Flags 0x8 (R) in the top 4 bits of Restart Time 120 = 0x078 → 0x8078; then AFI 1, SAFI 1,
    // flags 0x80 (F).
    expect(hex(encodeMessage(open, DEFAULT_SESSION_CONTEXT))).toContain("4006807800010180");
    expect(peerGracefulRestart(open)).toEqual({
      restartTime: 120,
      restartState: true,
      notification: false,
      families: [{ afi: 1, safi: 1, forwardingState: true }],
    });
  });
});

describe("Long-Lived Graceful Restart capability (RFC 9494 §3)", () => {
  const ll = speakerCapabilities({ longLivedGracefulRestart: { staleTime: 3600 } });
  const expectations = { peerAsn: 64501, localAsn: 64500, localBgpIdentifier: "192.0.2.1" };

  it("is announced beside Graceful Restart, for every family, no F bit, when configured", () => {
    const open = localOpen(64500, "192.0.2.1", 90, ll);
    // Code 71, length 14: AFI 1 SAFI 1 flags 0 time 3600 (0x000e10), then AFI 2.
    expect(hex(encodeMessage(open, DEFAULT_SESSION_CONTEXT))).toContain(
      "470e0001010000 0e100002010000 0e10".replaceAll(" ", ""),
    );
    expect(peerLongLivedGracefulRestart(open)).toEqual({
      families: [
        { afi: 1, safi: 1, forwardingState: false, staleTime: 3600 },
        { afi: 2, safi: 1, forwardingState: false, staleTime: 3600 },
      ],
    });
    // Off by default (RFC 9494 §5), and never without Graceful Restart (§3.1).
    const plain = localOpen(64500, "192.0.2.1", 90, speakerCapabilities());
    expect(hex(encodeMessage(plain, DEFAULT_SESSION_CONTEXT))).not.toMatch(/470e/);
    const noGr = localOpen(
      64500,
      "192.0.2.1",
      90,
      speakerCapabilities({ gracefulRestart: false, longLivedGracefulRestart: { staleTime: 60 } }),
    );
    expect(peerLongLivedGracefulRestart(noGr)).toBe(false);
    // A family's own Long-Lived Stale Time beside the default.
    const perFamily = localOpen(
      64500,
      "192.0.2.1",
      90,
      speakerCapabilities({
        longLivedGracefulRestart: {
          staleTime: 3600,
          families: [
            { afi: 1, safi: 1, forwardingState: false, staleTime: 86400 },
            { afi: 2, safi: 1, forwardingState: false },
          ],
        },
      }),
    );
    // 86400 = 0x015180.
    expect(hex(encodeMessage(perFamily, DEFAULT_SESSION_CONTEXT))).toContain(
      "470e 0001 01 00 015180 0002 01 00 000e10".replaceAll(" ", ""),
    );
  });

  it("is negotiated when both announce it; ignored without the peer's Graceful Restart (§4.5)", () => {
    const mine = localOpen(64500, "192.0.2.1", 90, ll);
    const theirs = localOpen(64501, "192.0.2.2", 90, {
      ...ll,
      longLivedGracefulRestart: {
        staleTime: 600,
        families: [{ afi: 1, safi: 1, forwardingState: true }],
      },
    });
    const both = checkOpen(mine, ll, theirs, expectations);
    expect(both.ok && both.value.peerLongLivedGracefulRestart).toEqual({
      families: [{ afi: 1, safi: 1, forwardingState: true, staleTime: 600 }],
    });
    // We did not announce it: the peer's is not used.
    const plain = speakerCapabilities();
    const one = checkOpen(localOpen(64500, "192.0.2.1", 90, plain), plain, theirs, expectations);
    expect(one.ok && one.value.peerLongLivedGracefulRestart).toBe(false);
    // The peer's without its Graceful Restart capability.
    const bare = {
      ...theirs,
      optionalParameters: [
        {
          type: "CAPABILITIES" as const,
          capabilities: [
            { type: "FOUR_OCTET_AS" as const, asn: 64501 },
            {
              type: "LONG_LIVED_GRACEFUL_RESTART" as const,
              families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 600 }],
            },
          ],
        },
      ],
    };
    const ignored = checkOpen(mine, ll, bare, expectations);
    expect(ignored.ok && ignored.value.peerLongLivedGracefulRestart).toBe(false);
  });
});

// ------------------------------------------------------------------------------ Router level

const PREFIXES = Array.from({ length: 40 }, (_, i) => `10.1.${i}.0/24`);

type GrCap = NonNullable<NeighborSpec["capabilities"]>["gracefulRestart"];

/** The neighbour (AS 64501) as it starts, or restarts, with the Graceful Restart it announces. */
function peerRouter(
  clock: ManualClock,
  gracefulRestart: GrCap,
  originate: readonly string[],
  extra: Partial<NeighborSpec> = {},
): Router {
  return new Router(
    {
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      localIpv6Address: "2001:db8::2",
      neighbors: [
        {
          name: "us",
          address: "192.0.2.1",
          asn: 64500,
          passive: true,
          holdTime: 30,
          importPolicy: "accept",
          exportPolicy: "accept",
          capabilities: { families: [IPV4], gracefulRestart },
          ...extra,
        },
      ],
      originate: originate.map((prefix) => ({ prefix })),
    },
    { clock },
  );
}

const restarting = (forwardingState = true): GrCap => ({
  restartTime: 60,
  restartState: true,
  families: [{ afi: 1, safi: 1, forwardingState }],
});
const fresh: GrCap = {
  restartTime: 60,
  families: [{ afi: 1, safi: 1, forwardingState: false }],
};

/** Our side of the session with the neighbour (AS 64501). */
const PEER_SPEC: NeighborSpec = {
  name: "peer",
  address: "192.0.2.2",
  asn: 64501,
  passive: true,
  holdTime: 30,
  idleHoldTime: 0,
  staleRoutesTime: 100,
  importPolicy: "accept",
  exportPolicy: "accept",
  capabilities: { families: [IPV4], gracefulRestart: { restartTime: 120 } },
};

/** Us (AS 64500, the receiving speaker) with the neighbour and a downstream iBGP router. */
function ourRouter(clock: ManualClock, extra: Partial<NeighborSpec> = {}) {
  const spec: RouterSpec = {
    asn: 64500,
    bgpIdentifier: "192.0.2.1",
    localAddress: "192.0.2.1",
    neighbors: [
      { ...PEER_SPEC, ...extra },
      { name: "down", address: "10.0.0.3", asn: 64500, passive: true, idleHoldTime: 0 },
    ],
  };
  const us = new Router(spec, { clock });
  const downstream = new Router(
    {
      asn: 64500,
      bgpIdentifier: "10.0.0.3",
      neighbors: [{ name: "us", address: "192.0.2.1", asn: 64500, passive: true }],
    },
    { clock },
  );
  us.start();
  downstream.start();
  const [a, b] = memoryPipe();
  us.accept("down", a);
  downstream.accept("us", b);
  /** Withdrawals the downstream router received, by prefix. */
  const withdrawn: string[] = [];
  downstream.session("us").on("update", (u) => {
    for (const p of u.withdrawnRoutes) withdrawn.push(`${p.address}/${p.length}`);
  });
  return { us, downstream, withdrawn };
}

function connect(us: Router, peer: Router): Duplex {
  const [a, b] = memoryPipe();
  us.accept("peer", a);
  peer.accept("us", b);
  return a;
}

const ours = (us: Router) =>
  PREFIXES.filter((p) => us.rib.bestRoute(p)?.peer === "192.0.2.2").length;

async function established(clock: ManualClock, extra: Partial<NeighborSpec> = {}) {
  const o = ourRouter(clock, extra);
  const peer = peerRouter(clock, fresh, PREFIXES);
  peer.start();
  const conn = connect(o.us, peer);
  await flush();
  expect(o.us.session("peer").state).toBe("Established");
  expect(ours(o.us)).toBe(40);
  expect(o.downstream.rib.stats().locRibRoutes).toBe(40);
  return { ...o, peer, conn };
}

/**
 * The neighbour's process dies: its TCP connection closes without a NOTIFICATION. A second
 * later our session, Idle, has restarted (idle hold time 0) and waits for the neighbour.
 */
async function crash(clock: ManualClock, conn: Duplex, peer: Router) {
  peer.removeAllListeners();
  peer.session("us").removeAllListeners();
  conn.destroy();
  await flush();
  clock.advance(1_000);
  await flush();
}

describe("Graceful Restart, receiving speaker (RFC 4724 §4.2)", () => {
  it("retains the routes stale across a restart, then sweeps those not re-announced at End-of-RIB", async () => {
    const clock = new ManualClock();
    const { us, peer, conn, withdrawn, downstream } = await established(clock);
    await crash(clock, conn, peer);
    expect(us.session("peer").state).not.toBe("Established");
    const gr = us.gracefulRestartStatus("peer");
    expect(gr.phase).toBe("restarting");
    expect(gr.staleRoutes).toBe(40);
    expect(gr.restartRemaining).toBe(59); // the peer's Restart Time, 1 s ago
    expect(ours(us)).toBe(40); // still forwarding along them
    expect(withdrawn).toEqual([]); // and nothing withdrawn downstream
    // 30 s later the neighbour is back, having preserved forwarding state, with 30 prefixes.
    clock.advance(30_000);
    const again = peerRouter(clock, restarting(), PREFIXES.slice(0, 30));
    again.start();
    const ends: string[] = [];
    us.on("end-of-rib", (_n, f) => ends.push(`${f.afi}/${f.safi}`));
    connect(us, again);
    await flush(30);
    expect(us.session("peer").state).toBe("Established");
    expect(ends).toEqual(["1/1"]);
    const after = us.gracefulRestartStatus("peer");
    expect(after.phase).toBe("none");
    expect(after.lastSweep?.reason).toMatch(/End-of-RIB/);
    expect(after.staleRoutes).toBe(0);
    expect(after.endOfRibReceived).toEqual(["1/1"]);
    expect(after.endOfRibSent).toEqual(["1/1"]);
    expect(ours(us)).toBe(30);
    // Downstream sees exactly the 10 routes that did not come back withdrawn, nothing else.
    await flush();
    expect(withdrawn.sort()).toEqual(PREFIXES.slice(30).sort());
    expect(downstream.rib.stats().locRibRoutes).toBe(30);
  });

  it("a new connection from the restarted neighbour while the old one looks alive replaces it", async () => {
    const clock = new ManualClock();
    const { us, peer, conn, withdrawn } = await established(clock);
    // The neighbour rebooted without closing its connection (no FIN): it connects anew.
    peer.removeAllListeners();
    peer.session("us").removeAllListeners();
    const again = peerRouter(clock, restarting(), PREFIXES.slice(0, 30));
    again.start();
    const events: string[] = [];
    us.on("graceful-restart", (_n, what) => events.push(what));
    connect(us, again);
    await flush(30);
    expect(conn.destroyed).toBe(true);
    expect(us.session("peer").state).toBe("Established");
    expect(events[0]).toMatch(/new connection while Established/);
    const st = us.gracefulRestartStatus("peer");
    expect(st.restarts).toBe(1);
    expect(st.lastSweep?.reason).toMatch(/End-of-RIB/);
    expect(ours(us)).toBe(30);
    await flush();
    expect(withdrawn.sort()).toEqual(PREFIXES.slice(30).sort());
  });

  it("without Graceful Restart, a new connection against an Established session is refused", async () => {
    const clock = new ManualClock();
    const { us, conn } = await established(clock, {
      capabilities: { families: [IPV4], gracefulRestart: false },
    });
    const [a] = memoryPipe();
    expect(us.accept("peer", a)).toBe(false);
    await flush();
    expect(conn.destroyed).toBe(false);
    expect(ours(us)).toBe(40);
  });

  it("sweeps when the Restart Time runs out before the session is back", async () => {
    const clock = new ManualClock();
    const { us, peer, conn, withdrawn } = await established(clock);
    await crash(clock, conn, peer);
    clock.advance(58_999);
    expect(us.gracefulRestartStatus("peer").staleRoutes).toBe(40);
    clock.advance(1);
    await flush();
    expect(us.gracefulRestartStatus("peer").phase).toBe("none");
    expect(us.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/Restart Time/);
    expect(ours(us)).toBe(0);
    expect(withdrawn.length).toBe(40);
  });

  it("sweeps at once when the new OPEN has no Graceful Restart capability", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await established(clock);
    await crash(clock, conn, peer);
    const again = peerRouter(clock, false, PREFIXES.slice(0, 5), { endOfRib: false });
    again.start();
    connect(us, again);
    await flush(30);
    expect(us.session("peer").state).toBe("Established");
    expect(us.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/no Graceful Restart/);
    expect(ours(us)).toBe(5);
  });

  it("sweeps at once when the family lacks the Forwarding State bit in the new OPEN", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await established(clock);
    await crash(clock, conn, peer);
    const again = peerRouter(clock, restarting(false), PREFIXES.slice(0, 5), { endOfRib: false });
    again.start();
    connect(us, again);
    await flush(30);
    expect(us.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/Forwarding State/);
    expect(ours(us)).toBe(5);
  });

  it("without an End-of-RIB, the stale-path timer sweeps", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await established(clock);
    await crash(clock, conn, peer);
    const again = peerRouter(clock, restarting(), PREFIXES.slice(0, 5), { endOfRib: false });
    again.start();
    connect(us, again);
    await flush(30);
    const st = us.gracefulRestartStatus("peer");
    expect(st.phase).toBe("stale");
    expect(st.awaitingEndOfRib).toEqual([IPV4]);
    expect(st.staleRoutes).toBe(35);
    expect(st.staleRemaining).toBe(100); // staleRoutesTime
    expect(ours(us)).toBe(40);
    // Keep the session alive past the stale-path timer (keepalives every 10 s).
    for (let t = 0; t < 100; t += 5) {
      clock.advance(5_000);
      await flush(2);
    }
    await flush();
    expect(us.session("peer").state).toBe("Established");
    expect(us.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/stale-path timer/);
    expect(ours(us)).toBe(5);
  });

  it("a NOTIFICATION (Cease) withdraws at once: Graceful Restart does not apply", async () => {
    const clock = new ManualClock();
    const { us, peer, withdrawn } = await established(clock);
    peer.stop("maintenance");
    await flush();
    expect(us.gracefulRestartStatus("peer").phase).toBe("none");
    expect(ours(us)).toBe(0);
    expect(withdrawn.length).toBe(40);
  });

  it("Hold Timer expiry retains the routes as the loss of the connection does", async () => {
    const clock = new ManualClock();
    const { us, peer } = await established(clock);
    peer.graftOut("us"); // the neighbour falls silent (its session paused, connection kept)
    clock.advance(31_000);
    await flush();
    expect(us.session("peer").stats.notificationsSent).toBe(1);
    expect(us.gracefulRestartStatus("peer").phase).toBe("restarting");
    expect(ours(us)).toBe(40);
  });

  it("with Graceful Restart off locally, routes are withdrawn on the loss of the connection", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await established(clock, {
      capabilities: { families: [IPV4], gracefulRestart: false },
    });
    await crash(clock, conn, peer);
    expect(us.gracefulRestartStatus("peer").phase).toBe("none");
    expect(ours(us)).toBe(0);
  });

  it("a consecutive restart deletes routes still stale and keeps the re-announced ones stale", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await established(clock);
    await crash(clock, conn, peer);
    const again = peerRouter(clock, restarting(), PREFIXES.slice(0, 10), { endOfRib: false });
    again.start();
    const conn2 = connect(us, again);
    await flush(30);
    expect(us.gracefulRestartStatus("peer").phase).toBe("stale");
    await crash(clock, conn2, again);
    const st = us.gracefulRestartStatus("peer");
    expect(st.phase).toBe("restarting");
    expect(st.restarts).toBe(2);
    expect(st.staleRoutes).toBe(10);
    expect(ours(us)).toBe(10);
  });

  it("shows the state in the control interface's session list", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await established(clock);
    await crash(clock, conn, peer);
    clock.advance(14_000);
    const s = us.sessions().find((x) => (x as { name: string }).name === "peer") as {
      gracefulRestart: Record<string, unknown>;
    };
    expect(s.gracefulRestart).toMatchObject({
      enabled: true,
      restartTime: 120,
      staleRoutesTime: 100,
      phase: "restarting",
      staleRoutes: 40,
      restartRemaining: 45,
      peer: { restartTime: 60, restartState: false },
    });
    expect(JSON.parse(JSON.stringify(s.gracefulRestart))).toEqual(s.gracefulRestart);
  });
});

describe("Graceful Restart with two families (IPv4 and IPv6 unicast)", () => {
  const V6: AfiSafi = { afi: 2, safi: 1 };
  const V6_PREFIXES = Array.from({ length: 20 }, (_, i) => `2001:db8:${i + 1}::/48`);
  const both = (forwardingState: boolean, restartState = true): GrCap => ({
    restartTime: 60,
    restartState,
    families: [
      { afi: 1, safi: 1, forwardingState },
      { afi: 2, safi: 1, forwardingState },
    ],
  });
  const caps = (gracefulRestart: GrCap) => ({
    capabilities: { families: [IPV4, V6], gracefulRestart },
  });
  const v6 = (us: Router) =>
    V6_PREFIXES.filter((p) => us.rib.bestRoute(p)?.peer === "192.0.2.2").length;

  async function dualStack(clock: ManualClock) {
    const o = ourRouter(clock, caps({ restartTime: 120 }));
    const peer = peerRouter(
      clock,
      both(false, false),
      [...PREFIXES, ...V6_PREFIXES],
      caps(both(false, false)),
    );
    peer.start();
    const conn = connect(o.us, peer);
    await flush();
    expect(ours(o.us)).toBe(40);
    expect(v6(o.us)).toBe(20);
    return { ...o, peer, conn };
  }

  it("sweeps each family on its own End-of-RIB marker", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await dualStack(clock);
    await crash(clock, conn, peer);
    expect(us.gracefulRestartStatus("peer").staleRoutes).toBe(60);
    // Back with 30 of the IPv4 and 10 of the IPv6 prefixes; its markers are sent by hand.
    const again = peerRouter(
      clock,
      both(true),
      [...PREFIXES.slice(0, 30), ...V6_PREFIXES.slice(0, 10)],
      { ...caps(both(true)), endOfRib: false },
    );
    again.start();
    connect(us, again);
    await flush(30);
    expect(us.gracefulRestartStatus("peer").awaitingEndOfRib).toEqual([IPV4, V6]);
    again.session("us").sendUpdate(endOfRib(IPV4));
    await flush();
    // IPv4's 10 stale routes are gone; IPv6's 10 stale ones still wait for their marker.
    expect(ours(us)).toBe(30);
    expect(v6(us)).toBe(20);
    expect(us.gracefulRestartStatus("peer")).toMatchObject({
      phase: "stale",
      staleRoutes: 10,
      awaitingEndOfRib: [V6],
    });
    again.session("us").sendUpdate(endOfRib(V6));
    await flush();
    expect(v6(us)).toBe(10);
    expect(us.gracefulRestartStatus("peer")).toMatchObject({ phase: "none", staleRoutes: 0 });
  });

  it("a family missing from the new capability is swept at once, the other waits", async () => {
    const clock = new ManualClock();
    const { us, peer, conn } = await dualStack(clock);
    await crash(clock, conn, peer);
    const v4only: GrCap = {
      restartTime: 60,
      restartState: true,
      families: [{ afi: 1, safi: 1, forwardingState: true }],
    };
    const again = peerRouter(clock, v4only, PREFIXES.slice(0, 30), {
      ...caps(v4only),
      endOfRib: false,
    });
    again.start();
    connect(us, again);
    await flush(30);
    const st = us.gracefulRestartStatus("peer");
    expect(st.lastSweep?.reason).toMatch(/2\/1 is missing/);
    expect(v6(us)).toBe(0);
    expect(ours(us)).toBe(40); // IPv4: 30 refreshed, 10 still stale
    expect(st).toMatchObject({ phase: "stale", staleRoutes: 10, awaitingEndOfRib: [IPV4] });
  });

  it("retains only the families the capability listed when the session falls", async () => {
    const clock = new ManualClock();
    const v4only: GrCap = {
      restartTime: 60,
      families: [{ afi: 1, safi: 1, forwardingState: false }],
    };
    const o = ourRouter(clock, caps({ restartTime: 120 }));
    const peer = peerRouter(clock, v4only, [...PREFIXES, ...V6_PREFIXES], caps(v4only));
    peer.start();
    const conn = connect(o.us, peer);
    await flush();
    expect(v6(o.us)).toBe(20);
    await crash(clock, conn, peer);
    expect(v6(o.us)).toBe(0);
    expect(ours(o.us)).toBe(40);
    expect(o.us.gracefulRestartStatus("peer")).toMatchObject({
      phase: "restarting",
      staleRoutes: 40,
      staleFamilies: [IPV4],
    });
  });
});

describe("Graceful Restart across a graft (the session moves while stale routes await End-of-RIB)", () => {
  /** Us with the neighbour restarted: 5 of its 40 routes re-announced, 35 stale, no End-of-RIB. */
  async function staleOnUs(clock: ManualClock) {
    const o = await established(clock);
    await crash(clock, o.conn, o.peer);
    const again = peerRouter(clock, restarting(), PREFIXES.slice(0, 5), { endOfRib: false });
    again.start();
    const conn = connect(o.us, again);
    await flush(30);
    expect(o.us.gracefulRestartStatus("peer").phase).toBe("stale");
    expect(o.us.gracefulRestartStatus("peer").staleRoutes).toBe(35);
    return { us: o.us, again, conn };
  }

  /** The router the session moves to (same AS), with the session grafted from us. */
  async function graftToThem(clock: ManualClock, us: Router, conn: Duplex) {
    const them = new Router(
      { asn: 64500, bgpIdentifier: "192.0.2.9", localAddress: "192.0.2.1", neighbors: [] },
      { clock },
    );
    them.start();
    const graft = us.graftOut("peer");
    expect(graft.gracefulRestart?.awaitingEndOfRib).toEqual([IPV4]);
    them.graftIn(graft, conn);
    us.releaseGraft("peer");
    await flush(20);
    return them;
  }

  const theirs = (r: Router) =>
    PREFIXES.filter((p) => r.rib.bestRoute(p)?.peer === "192.0.2.2").length;

  it("the new router keeps the stale routes stale and sweeps them at the neighbour's End-of-RIB", async () => {
    const clock = new ManualClock();
    const { us, again, conn } = await staleOnUs(clock);
    const them = await graftToThem(clock, us, conn);
    const st = them.gracefulRestartStatus("peer");
    expect(st.phase).toBe("stale");
    expect(st.awaitingEndOfRib).toEqual([IPV4]);
    expect(st.staleRoutes).toBe(35);
    expect(st.staleRemaining).toBe(100);
    expect(theirs(them)).toBe(40); // still forwarding along them
    again.session("us").sendUpdate(endOfRib(IPV4));
    await flush(20);
    expect(them.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/End-of-RIB/);
    expect(them.rib.staleCount("192.0.2.2")).toBe(0);
    expect(theirs(them)).toBe(5);
    // The neighbour noticed nothing of the move.
    expect(again.session("us").state).toBe("Established");
    expect(again.session("us").stats.notificationsReceived).toBe(0);
  });

  it("in two phases: what the old router swept after the snapshot is swept at the freeze, the rest waits", async () => {
    const spec = PEER_SPEC;
    for (const eorBeforeFreeze of [true, false]) {
      const clock = new ManualClock();
      const { us, again, conn } = await staleOnUs(clock);
      const them = new Router(
        { asn: 64500, bgpIdentifier: "192.0.2.9", localAddress: "192.0.2.1", neighbors: [] },
        { clock },
      );
      them.start();
      const { seq } = them.graftPrepare(spec, us.rib.exportSession(spec.address));
      if (eorBeforeFreeze) {
        // The End-of-RIB reaches the old router while the new one prepares: the old one sweeps.
        again.session("us").sendUpdate(endOfRib(IPV4));
        await flush(20);
        expect(theirs(us)).toBe(5);
      }
      const handover = us.graftFreeze("peer", seq);
      expect(handover.gracefulRestart === undefined).toBe(eorBeforeFreeze);
      them.graftResume(handover, conn);
      us.releaseGraft("peer");
      await flush(20);
      expect(them.rib.staleCount(spec.address)).toBe(eorBeforeFreeze ? 0 : 35);
      expect(them.gracefulRestartStatus("peer").phase).toBe(eorBeforeFreeze ? "none" : "stale");
      expect(theirs(them)).toBe(eorBeforeFreeze ? 5 : 40);
    }
  });

  it("the stale-path timer goes on with what was left of it on the old router", async () => {
    const clock = new ManualClock();
    const { us, conn } = await staleOnUs(clock);
    for (let t = 0; t < 40; t += 5) {
      clock.advance(5_000);
      await flush(2);
    }
    const them = await graftToThem(clock, us, conn);
    expect(them.gracefulRestartStatus("peer").staleRemaining).toBe(60);
    for (let t = 0; t < 55; t += 5) {
      clock.advance(5_000);
      await flush(2);
    }
    expect(them.gracefulRestartStatus("peer").phase).toBe("stale");
    expect(theirs(them)).toBe(40);
    clock.advance(5_000);
    await flush();
    expect(them.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/stale-path timer/);
    expect(theirs(them)).toBe(5);
  });
});

describe("Long-Lived Graceful Restart, receiving speaker (RFC 9494 §4.2)", () => {
  const LLST = 300;
  const LL = { longLivedGracefulRestart: { staleTime: LLST } };
  const peerLl = (
    clock: ManualClock,
    gr: GrCap,
    originate: readonly string[],
    extra: Partial<NeighborSpec> = {},
  ) =>
    peerRouter(clock, gr, originate, {
      capabilities: { families: [IPV4], gracefulRestart: gr, ...LL },
      ...extra,
    });
  const marked = (r: Router) =>
    PREFIXES.filter((p) =>
      r.rib.bestRoute(p)?.attributes.communities?.includes(WELL_KNOWN_COMMUNITY.LLGR_STALE),
    ).length;

  /** Us and the neighbour, both announcing LLGR, established; then the neighbour crashes. */
  async function crashed(clock: ManualClock) {
    const o = ourRouter(clock, {
      capabilities: { families: [IPV4], gracefulRestart: { restartTime: 120 }, ...LL },
    });
    const peer = peerLl(clock, fresh, PREFIXES);
    peer.start();
    const conn = connect(o.us, peer);
    await flush();
    expect(o.us.gracefulRestartStatus("peer").peerLongLived?.families).toEqual([
      { afi: 1, safi: 1, forwardingState: false, staleTime: LLST },
    ]);
    await crash(clock, conn, peer);
    return o;
  }

  it("keeps the routes past the Restart Time, marked LLGR_STALE and withdrawn downstream, until the Long-Lived Stale Time", async () => {
    const clock = new ManualClock();
    const { us, withdrawn, downstream } = await crashed(clock);
    expect(us.gracefulRestartStatus("peer").phase).toBe("restarting");
    clock.advance(59_000); // the Restart Time (60 s) runs out
    await flush();
    const st = us.gracefulRestartStatus("peer");
    expect(st.phase).toBe("long-lived");
    expect(st.longLived).toEqual([{ afi: 1, safi: 1, deadline: clock.now() + LLST * 1000 }]);
    expect(ours(us)).toBe(40);
    expect(marked(us)).toBe(40);
    // The downstream router did not announce LLGR: the routes are withdrawn from it.
    expect(withdrawn.length).toBe(40);
    expect(downstream.rib.stats().locRibRoutes).toBe(0);
    clock.advance(LLST * 1000 - 1);
    await flush();
    expect(ours(us)).toBe(40);
    clock.advance(1);
    await flush();
    expect(ours(us)).toBe(0);
    expect(us.gracefulRestartStatus("peer")).toMatchObject({ phase: "none", longLived: [] });
    expect(us.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/Long-Lived Stale Time/);
  });

  it("across a graft: the long-lived stale routes awaiting End-of-RIB keep their timer on the new router", async () => {
    const clock = new ManualClock();
    const { us } = await crashed(clock);
    clock.advance(59_000);
    await flush();
    // Back with the F bit, 5 routes re-announced, no End-of-RIB: 35 wait, long-lived stale.
    const ll = peerLl(clock, restarting(), PREFIXES.slice(0, 5), {
      capabilities: {
        families: [IPV4],
        gracefulRestart: restarting(),
        longLivedGracefulRestart: {
          staleTime: LLST,
          families: [{ afi: 1, safi: 1, forwardingState: true }],
        },
      },
      endOfRib: false,
    });
    ll.start();
    const conn = connect(us, ll);
    await flush(30);
    const st = us.gracefulRestartStatus("peer");
    expect(st).toMatchObject({ phase: "stale", staleRoutes: 35, staleRemaining: null });
    expect(marked(us)).toBe(35);
    clock.advance(100_000);
    await flush(2);
    const them = new Router(
      { asn: 64500, bgpIdentifier: "192.0.2.9", localAddress: "192.0.2.1", neighbors: [] },
      { clock },
    );
    them.start();
    const graft = us.graftOut("peer");
    expect(graft.gracefulRestart?.longLived).toEqual([
      { afi: 1, safi: 1, remainingMs: (LLST - 100) * 1000 },
    ]);
    them.graftIn(graft, conn);
    us.releaseGraft("peer");
    await flush(20);
    const theirs = () => PREFIXES.filter((p) => them.rib.bestRoute(p)?.peer === "192.0.2.2").length;
    expect(them.gracefulRestartStatus("peer")).toMatchObject({ phase: "stale", staleRoutes: 35 });
    expect(theirs()).toBe(40);
    clock.advance((LLST - 100) * 1000 - 1);
    await flush(2);
    expect(theirs()).toBe(40);
    clock.advance(1);
    await flush(2);
    expect(theirs()).toBe(5);
    expect(them.gracefulRestartStatus("peer").lastSweep?.reason).toMatch(/Long-Lived Stale Time/);
  });
});

describe("Notification (N) bit (RFC 8538)", () => {
  const N_OURS = { restartTime: 120, notification: true };
  const N_PEER: GrCap = { ...fresh, notification: true };

  it("is announced in the Restart Flags when configured: 0x4 above the Restart Time", () => {
    const open = localOpen(
      64500,
      "192.0.2.1",
      90,
      speakerCapabilities({ gracefulRestart: { restartTime: 90, notification: true } }),
    );
    // Flags 0x4 (N) in the top 4 bits of Restart Time 90 = 0x05a → 0x405a.
    expect(hex(encodeMessage(open, DEFAULT_SESSION_CONTEXT))).toContain("4002405a");
    expect(peerGracefulRestart(open)).toMatchObject({ notification: true, restartState: false });
  });

  /** Us and the neighbour established, `peerCap` its Graceful Restart; `inject` writes raw bytes to us as if the neighbour sent them. */
  async function establishedWith(clock: ManualClock, peerCap: GrCap, ourCap: GrCap = N_OURS) {
    const o = ourRouter(clock, {
      capabilities: { families: [IPV4], gracefulRestart: ourCap },
    });
    const peer = peerRouter(clock, peerCap, PREFIXES);
    peer.start();
    const [a, b] = memoryPipe();
    o.us.accept("peer", a);
    peer.accept("us", b);
    await flush();
    expect(o.us.session("peer").state).toBe("Established");
    expect(ours(o.us)).toBe(40);
    const received: NotificationMessage[] = [];
    const sent: NotificationMessage[] = [];
    o.us.session("peer").on("notification-received", (n) => received.push(n));
    o.us.session("peer").on("notification-sent", (n) => sent.push(n));
    const inject = (bytes: Uint8Array) => {
      peer.removeAllListeners();
      peer.session("us").removeAllListeners();
      b.write(bytes);
    };
    return { ...o, peer, received, sent, inject };
  }

  const notification = (errorCode: number, errorSubcode: number): Uint8Array =>
    encodeMessage(
      { type: "NOTIFICATION", errorCode, errorSubcode, data: new Uint8Array(0) },
      DEFAULT_SESSION_CONTEXT,
    );

  it("with N on both sides, a NOTIFICATION received (no Hard Reset) retains the routes as a restart does", async () => {
    const clock = new ManualClock();
    const { us, inject, received, withdrawn } = await establishedWith(clock, N_PEER);
    inject(notification(6, 4)); // Cease / Administrative Reset
    await flush();
    expect(received.map((n) => [n.errorCode, n.errorSubcode])).toEqual([[6, 4]]);
    const st = us.gracefulRestartStatus("peer");
    expect(st.phase).toBe("restarting");
    expect(st.staleRoutes).toBe(40);
    expect(ours(us)).toBe(40);
    expect(withdrawn).toEqual([]);
  });

  it("with N on both sides, a NOTIFICATION we send for an error retains the neighbour's routes", async () => {
    const clock = new ManualClock();
    const { us, inject, sent } = await establishedWith(clock, N_PEER);
    inject(new Uint8Array(19)); // a header without the all-ones marker
    await flush();
    // Message Header Error / Connection Not Synchronized, as it is: not a Hard Reset.
    expect(sent.map((n) => [n.errorCode, n.errorSubcode])).toEqual([[1, 1]]);
    expect(us.gracefulRestartStatus("peer").phase).toBe("restarting");
    expect(ours(us)).toBe(40);
  });

  it("with N on both sides, a stop goes as a Hard Reset both ways, and the routes are withdrawn", async () => {
    const clock = new ManualClock();
    const { us, peer, received, withdrawn } = await establishedWith(clock, N_PEER);
    const peerReceived: NotificationMessage[] = [];
    const events: string[] = [];
    us.on("notification", (name, dir, m) => events.push(`${name} ${dir} ${notificationText(m)}`));
    peer.stop("maintenance");
    await flush();
    expect(events).toEqual([
      'peer received 6/9 Cease / Hard Reset (6/2 Cease / Administrative Shutdown "maintenance")',
    ]);
    expect(received).toHaveLength(1);
    expect(isHardReset(received[0]!)).toBe(true);
    const cause = hardResetCause(received[0]!)!;
    expect([cause.errorCode, cause.errorSubcode]).toEqual([6, 2]);
    expect(shutdownCommunication(cause)).toBe("maintenance");
    expect(us.gracefulRestartStatus("peer").phase).toBe("none");
    expect(ours(us)).toBe(0);
    expect(withdrawn).toHaveLength(40);

    // And ours: a fresh pair, our side stopping.
    const o = await establishedWith(new ManualClock(), N_PEER);
    o.peer.session("us").on("notification-received", (n) => peerReceived.push(n));
    o.us.stop();
    await flush();
    expect(peerReceived.map((n) => [n.errorCode, n.errorSubcode])).toEqual([[6, 9]]);
    expect(o.sent.map((n) => hardResetCause(n)?.errorSubcode)).toEqual([2]);
  });

  it("with the N bit on one side only, a NOTIFICATION withdraws the routes (RFC 4724)", async () => {
    for (const [peerCap, ourCap] of [
      [fresh, N_OURS],
      [N_PEER, { restartTime: 120 }],
    ] as const) {
      const clock = new ManualClock();
      const { us, inject } = await establishedWith(clock, peerCap, ourCap);
      inject(notification(6, 4));
      await flush();
      expect(us.gracefulRestartStatus("peer").phase).toBe("none");
      expect(ours(us)).toBe(0);
    }
  });
});
