import type { NotificationMessage, UpdateMessage } from "@dyninfra/bgp-wire";
import { encodeMessage, sessionContext, shutdownCommunication } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { memoryPipe } from "./pipe";
import type { SessionConfig } from "./session";
import { BgpSession } from "./session";
import { stallablePipe } from "./test-support";

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const A: SessionConfig = {
  name: "a",
  localAsn: 64500,
  bgpIdentifier: "192.0.2.1",
  peerAsn: 4200000001,
  passive: true,
  fsm: { holdTime: 90 },
};
const B: SessionConfig = {
  name: "b",
  localAsn: 4200000001,
  bgpIdentifier: "192.0.2.2",
  peerAsn: 64500,
  passive: true,
  fsm: { holdTime: 30 },
};

async function pair(a = A, b = B) {
  const clock = new ManualClock(1_000_000);
  const [sa, sb] = memoryPipe();
  const x = new BgpSession(a, { clock });
  const y = new BgpSession(b, { clock });
  const got = { a: [] as UpdateMessage[], b: [] as UpdateMessage[] };
  const notes = { a: [] as NotificationMessage[], b: [] as NotificationMessage[] };
  x.on("update", (u) => got.a.push(u));
  y.on("update", (u) => got.b.push(u));
  x.on("notification-received", (n) => notes.a.push(n));
  y.on("notification-received", (n) => notes.b.push(n));
  x.start();
  y.start();
  x.accept(sa);
  y.accept(sb);
  await flush();
  return { clock, x, y, sa, sb, got, notes };
}

const update: UpdateMessage = {
  type: "UPDATE",
  withdrawnRoutes: [],
  pathAttributes: {
    origin: "IGP",
    asPath: [{ type: "AS_SEQUENCE", asns: [4200000001, 3356] }],
    nextHop: "192.0.2.2",
    multiExitDisc: 5,
    communities: [0xfde80001],
    largeCommunities: [{ globalAdministrator: 4200000001, localDataPart1: 1, localDataPart2: 2 }],
  },
  nlri: [
    { afi: 1, address: "198.51.100.0", length: 24 },
    { afi: 1, address: "203.0.113.0", length: 25 },
  ],
};

describe("BgpSession over an in-memory pipe", () => {
  it("reaches Established and negotiates hold time, 4-octet AS and capabilities", async () => {
    const { x, y } = await pair();
    expect(x.state).toBe("Established");
    expect(y.state).toBe("Established");
    expect(x.negotiated).toMatchObject({ holdTime: 30, keepaliveTime: 10, peerAsn: 4200000001 });
    expect(y.negotiated?.peerAsn).toBe(64500);
    expect(x.negotiated?.receive.fourOctetAs).toBe(true);
    expect(x.negotiated?.routeRefresh).toBe(true);
    expect(x.negotiated?.families).toEqual([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
    expect(x.stats).toMatchObject({ opensSent: 1, opensReceived: 1, keepalivesReceived: 1 });
  });

  it("delivers UPDATEs with every attribute intact", async () => {
    const { y, got } = await pair();
    y.sendUpdate(update);
    await flush();
    expect(got.a).toHaveLength(1);
    expect(got.a[0]!.nlri).toEqual(update.nlri);
    expect(got.a[0]!.pathAttributes).toMatchObject(update.pathAttributes);
  });

  it("keeps the session up with keepalives for an hour of virtual time", async () => {
    const { clock, x, y } = await pair();
    for (let t = 0; t < 3600; t++) {
      clock.advance(1000);
      await flush(1);
    }
    expect(x.state).toBe("Established");
    expect(y.state).toBe("Established");
    // keepalive every 10 s (negotiated hold 30 s / 3) on both sides
    expect(x.stats.keepalivesReceived).toBeGreaterThanOrEqual(360);
    expect(y.stats.keepalivesReceived).toBeGreaterThanOrEqual(360);
  });

  it("expires the hold timer when the peer falls silent, with NOTIFICATION code 4", async () => {
    const { clock, x, y, notes } = await pair();
    const down: string[] = [];
    y.on("down", (_r, event) => down.push(event));
    x.pause(); // x stops reading and writing
    clock.advance(31_000);
    await flush();
    expect(y.state).toBe("Idle");
    expect(down).toEqual(["HoldTimer_Expires"]);
    expect(y.stats.notificationsSent).toBe(1);
    void notes;
  });

  it("refuses a peer with the wrong AS: OPEN Message Error / Bad Peer AS", async () => {
    const { x, y, notes } = await pair(A, { ...B, peerAsn: 64999 });
    expect(y.state).toBe("Idle");
    expect(x.state).toBe("Idle");
    expect(notes.a[0]).toMatchObject({ errorCode: 2, errorSubcode: 2 });
  });

  it("refuses an unacceptable hold time (1 s) with subcode 6", async () => {
    const { notes } = await pair(A, { ...B, fsm: { holdTime: 1 } });
    expect(notes.b[0]).toMatchObject({ errorCode: 2, errorSubcode: 6 });
  });

  it("closes with Cease / Administrative Shutdown and an RFC 8203 message", async () => {
    const { x, y, notes } = await pair();
    x.stop("maintenance window 42");
    await flush();
    expect(x.state).toBe("Idle");
    expect(y.state).toBe("Idle");
    expect(notes.b[0]).toMatchObject({ errorCode: 6, errorSubcode: 2 });
    expect(shutdownCommunication(notes.b[0]!)).toBe("maintenance window 42");
  });

  it("exchanges ROUTE-REFRESH and enhanced BoRR/EoRR", async () => {
    const { x, y } = await pair();
    const seen: number[] = [];
    y.on("route-refresh", (m) => seen.push(m.subtype));
    x.sendRouteRefresh(1, 1);
    x.sendRouteRefresh(1, 1, 1);
    x.sendRouteRefresh(1, 1, 2);
    await flush();
    expect(seen).toEqual([0, 1, 2]);
  });

  it("handles an UPDATE with a bad ORIGIN as treat-as-withdraw (RFC 7606 §7.1) and counts it", async () => {
    const { y, sa, got } = await pair();
    const bytes = encodeMessage(update, sessionContext({ fourOctetAs: true }));
    // Header (19), no withdrawn routes (2), path attributes length (2): ORIGIN comes first.
    expect([...bytes.subarray(23, 26)]).toEqual([0x40, 1, 1]);
    bytes[26] = 7;
    sa.write(bytes);
    sa.write(encodeMessage(update, sessionContext({ fourOctetAs: true })));
    await flush();
    expect(y.state).toBe("Established");
    expect(got.b[0]).toMatchObject({ nlri: [], withdrawnRoutes: update.nlri });
    expect(got.b[1]).toMatchObject({ nlri: update.nlri });
    expect(y.stats).toMatchObject({
      updatesReceived: 2,
      updatesRepaired: 1,
      updatesTreatedAsWithdraw: 1,
      prefixesTreatedAsWithdraw: 2,
    });
  });

  it("negotiates Extended Next Hop Encoding (RFC 8950) only when both announce it, and treats IPv4 routes with an IPv6 next hop as withdrawn without it", async () => {
    const enh = { capabilities: { extendedNextHop: true } };
    const v4over6: UpdateMessage = {
      type: "UPDATE",
      withdrawnRoutes: [],
      pathAttributes: {
        origin: "IGP",
        asPath: [{ type: "AS_SEQUENCE", asns: [4200000001] }],
        mpReachNlri: { afi: 1, safi: 1, nextHop: ["fe80::2"], nlri: update.nlri },
      },
      nlri: [],
    };
    const both = await pair({ ...A, ...enh }, { ...B, ...enh });
    expect(both.x.negotiated?.extendedNextHop).toBe(true);
    expect(both.y.negotiated?.extendedNextHop).toBe(true);
    both.y.sendUpdate(v4over6);
    await flush();
    expect(both.got.a[0]!.pathAttributes.mpReachNlri?.nlri).toEqual(update.nlri);
    expect(both.x.stats.updatesTreatedAsWithdraw).toBe(0);
    // Only B announces it: A takes the IPv4 routes with an IPv6 next hop as withdrawn.
    const one = await pair(A, { ...B, ...enh });
    expect(one.x.negotiated?.extendedNextHop).toBeUndefined();
    const warnings: string[] = [];
    one.x.on("warning", (w) => warnings.push(w));
    one.y.sendUpdate(v4over6);
    await flush();
    expect(one.x.state).toBe("Established");
    expect(one.got.a[0]).toMatchObject({
      nlri: [],
      withdrawnRoutes: [],
      pathAttributes: { mpUnreachNlri: { afi: 1, safi: 1, withdrawnRoutes: update.nlri } },
    });
    expect(one.x.stats).toMatchObject({
      updatesTreatedAsWithdraw: 1,
      prefixesTreatedAsWithdraw: 2,
    });
    expect(warnings.join()).toMatch(/Extended Next Hop Encoding/);
  });

  it("answers a corrupted marker with Connection Not Synchronized", async () => {
    const { x, y, sa, notes } = await pair();
    const bad = encodeMessage({ type: "KEEPALIVE" });
    bad[3] = 0;
    sa.write(bad);
    await flush();
    expect(y.state).toBe("Idle");
    expect(notes.a.at(-1)).toMatchObject({ errorCode: 1, errorSubcode: 1 });
    expect(x.state).toBe("Idle");
  });

  it("pauses and resumes elsewhere without a new OPEN, keeping partial bytes", async () => {
    const { clock, x, y, sa, got } = await pair();
    const bytes = encodeMessage(update, y.negotiated!.send);
    // Half an UPDATE is on the wire when x is frozen; the rest arrives during the pause.
    y.sendEncodedUpdates([]);
    const half = Math.floor(bytes.length / 2);
    const yStream = (y as unknown as { stream: { write(b: Uint8Array): void } }).stream;
    yStream.write(bytes.subarray(0, half));
    await flush();
    const state = x.pause();
    expect(state.unprocessedInbound).toEqual(bytes.subarray(0, half));
    yStream.write(bytes.subarray(half));
    y.sendUpdate({ ...update, nlri: [{ afi: 1, address: "192.0.2.128", length: 25 }] });
    clock.advance(5_000);
    await flush();
    expect(got.a).toHaveLength(0);
    // Resume on a new session object (another router) over the same TCP connection.
    const resumed = BgpSession.resume(state, sa, { clock });
    const after: UpdateMessage[] = [];
    resumed.on("update", (u) => after.push(u));
    await flush();
    expect(after.map((u) => u.nlri.length)).toEqual([2, 1]);
    expect(resumed.state).toBe("Established");
    expect(y.stats.opensReceived).toBe(1);
    expect(y.stats.notificationsReceived).toBe(0);
    // Timers go on: keepalives keep the neighbour up.
    for (let t = 0; t < 120; t++) {
      clock.advance(1000);
      await flush(1);
    }
    expect(y.state).toBe("Established");
    expect(resumed.state).toBe("Established");
  });

  it("unpauses in place (a graft abandoned): partial and later bytes processed, timers on, no new OPEN", async () => {
    const { clock, x, y, got } = await pair();
    const bytes = encodeMessage(update, y.negotiated!.send);
    const yStream = (y as unknown as { stream: { write(b: Uint8Array): void } }).stream;
    yStream.write(bytes.subarray(0, 7));
    await flush();
    x.pause();
    expect(x.isPaused).toBe(true);
    expect(() => x.sendRouteRefresh(1, 1)).toThrow(/paused/);
    yStream.write(bytes.subarray(7));
    clock.advance(20_000); // keepalive deadlines pass while paused
    await flush();
    expect(got.a).toHaveLength(0);
    const sentBefore = x.stats.keepalivesSent;
    x.unpause();
    expect(x.isPaused).toBe(false);
    expect(x.pausedStream).toBeUndefined();
    clock.advance(1);
    await flush();
    expect(got.a.map((u) => u.nlri.length)).toEqual([2]);
    expect(x.stats.keepalivesSent).toBeGreaterThan(sentBefore); // its overdue keepalive went out
    x.sendRouteRefresh(1, 1);
    for (let t = 0; t < 120; t++) {
      clock.advance(1000);
      await flush(1);
    }
    expect([x.state, y.state]).toEqual(["Established", "Established"]);
    expect(y.stats.opensReceived).toBe(1);
    expect(y.stats.routeRefreshesReceived).toBe(1);
    expect(() => x.unpause()).toThrow(expect.objectContaining({ code: "NOT_PAUSED" }));
  });

  it("refuses to unpause when the paused stream was closed", async () => {
    const { x } = await pair();
    x.pause();
    x.pausedStream!.destroy();
    expect(() => x.unpause()).toThrow(expect.objectContaining({ code: "STREAM_CLOSED" }));
  });
});

describe("the SendHoldTimer (RFC 9687)", () => {
  /** x (config `a`) writes through the stallable direction; y reads it. */
  async function stallPair(a: SessionConfig, b: SessionConfig) {
    const clock = new ManualClock(1_000_000);
    const pipe = stallablePipe();
    const x = new BgpSession(a, { clock });
    const y = new BgpSession(b, { clock });
    const down: string[] = [];
    const sent: NotificationMessage[] = [];
    const received: NotificationMessage[] = [];
    x.on("down", (_r, event) => down.push(event));
    x.on("notification-sent", (n) => sent.push(n));
    y.on("notification-received", (n) => received.push(n));
    x.start();
    y.start();
    x.accept(pipe.a);
    y.accept(pipe.b);
    await flush();
    expect([x.state, y.state]).toEqual(["Established", "Established"]);
    return { clock, x, y, pipe, down, sent, received };
  }

  it("closes a session whose neighbour takes nothing for the SendHoldTime: NOTIFICATION 8, the connection dropped at once", async () => {
    // Hold Time 30 s both ways (y keeps x's Hold Timer running); SendHoldTime 20 s.
    const { clock, x, y, pipe, down, sent, received } = await stallPair(
      { ...A, sendHoldTime: 20 },
      B,
    );
    pipe.stall();
    x.sendUpdate(update);
    await flush();
    clock.advance(19_999);
    await flush();
    expect(x.state).toBe("Established");
    clock.advance(1);
    await flush();
    expect(x.state).toBe("Idle");
    expect(down).toEqual(["SendHoldTimer_Expires"]);
    expect(sent.map((n) => [n.errorCode, n.errorSubcode])).toEqual([[8, 0]]);
    // The stalled connection is closed without waiting for the NOTIFICATION to drain: y sees
    // the connection go, never the NOTIFICATION (which never left).
    expect(pipe.a.destroyed).toBe(true);
    expect(y.state).toBe("Idle");
    expect(received).toEqual([]);
  });

  it("restarts with every write the neighbour takes: a slow reader keeps the session", async () => {
    const { clock, x, pipe, down } = await stallPair({ ...A, sendHoldTime: 20 }, B);
    pipe.stall();
    for (let i = 0; i < 5; i++) x.sendUpdate(update);
    // One write taken every 15 s for two minutes: each is progress (and y hears from x).
    for (let t = 0; t < 8; t++) {
      clock.advance(15_000);
      pipe.take();
      await flush();
      expect(x.state).toBe("Established");
    }
    expect(down).toEqual([]);
  });

  it("defaults to 8 minutes (twice the Hold Time when longer) and can be turned off", async () => {
    // Hold Time 0: no keepalives, no Hold Timer — only the SendHoldTimer can end the session.
    const quiet = (c: SessionConfig) => ({ ...c, fsm: { holdTime: 0 } });
    const d = await stallPair(quiet(A), quiet(B));
    d.pipe.stall();
    d.x.sendUpdate(update);
    d.clock.advance(479_999);
    await flush();
    expect(d.x.state).toBe("Established");
    d.clock.advance(1);
    await flush();
    expect(d.down).toEqual(["SendHoldTimer_Expires"]);
    const off = await stallPair({ ...quiet(A), sendHoldTime: 0 }, quiet(B));
    off.pipe.stall();
    off.x.sendUpdate(update);
    off.clock.advance(86_400_000);
    await flush();
    expect(off.x.state).toBe("Established");
    // Twice a Hold Time of 300 s is 600 s. The neighbour stops reading but goes on sending
    // KEEPALIVEs (y paused, its KEEPALIVEs written by hand), so x's Hold Timer keeps running.
    const long = await stallPair(
      { ...A, fsm: { holdTime: 300 } },
      { ...B, fsm: { holdTime: 300 } },
    );
    long.y.pause();
    const keepalive = encodeMessage({ type: "KEEPALIVE" }, sessionContext());
    long.pipe.stall();
    long.x.sendUpdate(update);
    for (let t = 0; t < 9; t++) {
      long.clock.advance(60_000);
      long.pipe.b.write(keepalive);
      await flush();
    }
    long.clock.advance(59_999);
    await flush();
    expect(long.x.state).toBe("Established");
    long.clock.advance(1);
    await flush();
    expect(long.down).toEqual(["SendHoldTimer_Expires"]);
  });

  it("never fires while nothing waits: an idle session with everything taken stays up", async () => {
    const { clock, x, down } = await stallPair({ ...A, sendHoldTime: 20 }, B);
    x.sendUpdate(update);
    for (let t = 0; t < 120; t++) {
      clock.advance(1000);
      await flush(1);
    }
    expect(x.state).toBe("Established");
    expect(down).toEqual([]);
  });
});
