import { describe, expect, it } from "vitest";
import type { BgpState, FsmEvent, FsmState } from "./fsm";
import { fsmConfig, fsmStep, INITIAL_FSM_STATE } from "./fsm";

const notif = {
  type: "NOTIFICATION",
  errorCode: 1,
  errorSubcode: 1,
  data: new Uint8Array(),
} as const;

/** One representative of every RFC 4271 §8.1 event, numbered as in the RFC. */
const EVENTS: readonly [number, FsmEvent][] = [
  [1, { type: "ManualStart" }],
  [2, { type: "ManualStop" }],
  [3, { type: "AutomaticStart" }],
  [4, { type: "ManualStart_with_PassiveTcpEstablishment" }],
  [5, { type: "AutomaticStart_with_PassiveTcpEstablishment" }],
  [8, { type: "AutomaticStop" }],
  [9, { type: "ConnectRetryTimer_Expires" }],
  [10, { type: "HoldTimer_Expires" }],
  [11, { type: "KeepaliveTimer_Expires" }],
  [12, { type: "DelayOpenTimer_Expires" }],
  [13, { type: "IdleHoldTimer_Expires" }],
  [14, { type: "TcpConnection_Valid" }],
  [15, { type: "Tcp_CR_Invalid" }],
  [16, { type: "Tcp_CR_Acked" }],
  [17, { type: "TcpConnectionConfirmed" }],
  [18, { type: "TcpConnectionFails" }],
  [19, { type: "BGPOpen", holdTime: 90 }],
  [21, { type: "BGPHeaderErr", notification: notif }],
  [22, { type: "BGPOpenMsgErr", notification: notif }],
  [23, { type: "OpenCollisionDump" }],
  [24, { type: "NotifMsgVerErr" }],
  [25, { type: "NotifMsg" }],
  [26, { type: "KeepAliveMsg" }],
  [27, { type: "UpdateMsg" }],
  [28, { type: "UpdateMsgErr", notification: notif }],
  [29, { type: "SendHoldTimer_Expires" }], // RFC 9687
];

/**
 * The next state for each (state, event), transcribed by hand from the text of RFC 4271 §8.2.2
 * (DelayOpen, damping and CollisionDetectEstablishedState off) and, for event 29, RFC 9687 §4
 * (OpenSent, OpenConfirm and Established; the SendHoldTimer runs in no other state). Events
 * absent from a row leave the state unchanged.
 */
const RFC_TABLE: Record<BgpState, Partial<Record<number, BgpState>>> = {
  Idle: { 1: "Connect", 3: "Connect", 4: "Active", 5: "Active" },
  Connect: {
    2: "Idle",
    8: "Idle",
    9: "Connect",
    10: "Idle",
    11: "Idle",
    12: "OpenSent",
    13: "Idle",
    16: "OpenSent",
    17: "OpenSent",
    18: "Idle",
    19: "Idle",
    21: "Idle",
    22: "Idle",
    23: "Idle",
    24: "Idle",
    25: "Idle",
    26: "Idle",
    27: "Idle",
    28: "Idle",
  },
  Active: {
    2: "Idle",
    8: "Idle",
    9: "Connect",
    10: "Idle",
    11: "Idle",
    12: "OpenSent",
    13: "Idle",
    16: "OpenSent",
    17: "OpenSent",
    18: "Idle",
    19: "Idle",
    21: "Idle",
    22: "Idle",
    23: "Idle",
    24: "Idle",
    25: "Idle",
    26: "Idle",
    27: "Idle",
    28: "Idle",
  },
  OpenSent: {
    2: "Idle",
    8: "Idle",
    9: "Idle",
    10: "Idle",
    11: "Idle",
    12: "Idle",
    13: "Idle",
    18: "Active",
    19: "OpenConfirm",
    21: "Idle",
    22: "Idle",
    23: "Idle",
    24: "Idle",
    25: "Idle",
    26: "Idle",
    27: "Idle",
    28: "Idle",
    29: "Idle",
  },
  OpenConfirm: {
    2: "Idle",
    8: "Idle",
    9: "Idle",
    10: "Idle",
    12: "Idle",
    13: "Idle",
    18: "Idle",
    19: "Idle",
    21: "Idle",
    22: "Idle",
    23: "Idle",
    24: "Idle",
    25: "Idle",
    26: "Established",
    27: "Idle",
    28: "Idle",
    29: "Idle",
  },
  Established: {
    2: "Idle",
    8: "Idle",
    9: "Idle",
    10: "Idle",
    12: "Idle",
    13: "Idle",
    18: "Idle",
    19: "Idle",
    21: "Idle",
    22: "Idle",
    24: "Idle",
    25: "Idle",
    28: "Idle",
    29: "Idle",
  },
};

function stateIn(state: BgpState, hold = 90): FsmState {
  return { ...INITIAL_FSM_STATE, state, negotiatedHoldTime: state === "Idle" ? 0 : hold };
}

describe("fsmStep against RFC 4271 §8.2.2", () => {
  const cfg = fsmConfig();
  for (const state of Object.keys(RFC_TABLE) as BgpState[]) {
    for (const [num, event] of EVENTS) {
      const expected = RFC_TABLE[state][num] ?? state;
      it(`${state} + event ${num} (${event.type}) -> ${expected}`, () => {
        expect(fsmStep(cfg, stateIn(state), event).state.state).toBe(expected);
      });
    }
  }
});

describe("fsmStep actions", () => {
  const cfg = fsmConfig();
  it("ManualStart starts ConnectRetryTimer and initiates a connection", () => {
    const r = fsmStep(cfg, INITIAL_FSM_STATE, { type: "ManualStart" });
    expect(r.actions).toContainEqual({
      type: "start-timer",
      timer: "ConnectRetryTimer",
      seconds: 120,
    });
    expect(r.actions).toContainEqual({ type: "initiate-connection" });
    expect(r.state.connectRetryCounter).toBe(0);
  });

  it("sends OPEN with the large hold timer (4 minutes) on connection", () => {
    const r = fsmStep(cfg, stateIn("Connect"), { type: "Tcp_CR_Acked" });
    expect(r.actions).toContainEqual({ type: "send-open" });
    expect(r.actions).toContainEqual({ type: "start-timer", timer: "HoldTimer", seconds: 240 });
  });

  it("negotiates timers on OPEN: keepalive = hold / 3", () => {
    const r = fsmStep(cfg, stateIn("OpenSent", 0), { type: "BGPOpen", holdTime: 9 });
    expect(r.actions).toContainEqual({ type: "send-keepalive" });
    expect(r.actions).toContainEqual({ type: "start-timer", timer: "KeepaliveTimer", seconds: 3 });
    expect(r.actions).toContainEqual({ type: "start-timer", timer: "HoldTimer", seconds: 9 });
    expect(r.state.negotiatedHoldTime).toBe(9);
  });

  it("hold time 0 runs no keepalive or hold timer", () => {
    const r = fsmStep(cfg, stateIn("OpenSent", 0), { type: "BGPOpen", holdTime: 0 });
    expect(r.actions.some((a) => a.type === "start-timer")).toBe(false);
    const e = fsmStep(cfg, r.state, { type: "KeepAliveMsg" });
    expect(e.state.state).toBe("Established");
    expect(e.actions.some((a) => a.type === "start-timer")).toBe(false);
  });

  it("never restarts the KeepaliveTimer in OpenConfirm when the hold time is zero", () => {
    const open = fsmStep(cfg, stateIn("OpenSent", 0), { type: "BGPOpen", holdTime: 0 }).state;
    const r = fsmStep(cfg, open, { type: "KeepaliveTimer_Expires" });
    expect(r.actions).toEqual([{ type: "send-keepalive" }]);
    expect(r.state.running.KeepaliveTimer).toBe(false);
  });

  it("hold timer expiry sends Hold Timer Expired (code 4) and counts", () => {
    const r = fsmStep(cfg, stateIn("Established"), { type: "HoldTimer_Expires" });
    const n = r.actions.find((a) => a.type === "send-notification");
    expect(n).toMatchObject({ notification: { errorCode: 4, errorSubcode: 0 } });
    expect(r.actions).toContainEqual({ type: "delete-routes" });
    expect(r.state.connectRetryCounter).toBe(1);
  });

  it("send hold timer expiry (RFC 9687) sends Send Hold Timer Expired (code 8), drops the connection and counts", () => {
    for (const state of ["OpenSent", "OpenConfirm", "Established"] as const) {
      const r = fsmStep(cfg, stateIn(state), { type: "SendHoldTimer_Expires" });
      const n = r.actions.find((a) => a.type === "send-notification");
      expect(n).toMatchObject({ notification: { errorCode: 8, errorSubcode: 0 } });
      expect(r.actions).toContainEqual({ type: "drop-connection" });
      expect(r.actions.some((a) => a.type === "delete-routes")).toBe(state === "Established");
      expect(r.state.connectRetryCounter).toBe(1);
    }
    // Before OpenSent nothing has been sent: the event changes nothing.
    const c = fsmStep(cfg, stateIn("Connect"), { type: "SendHoldTimer_Expires" });
    expect([c.state.state, c.actions]).toEqual(["Connect", []]);
  });

  it("an unexpected message gets the RFC 6608 FSM error subcode of the state", () => {
    const sub = (state: BgpState) =>
      fsmStep(cfg, stateIn(state), { type: "UpdateMsg" }).actions.find(
        (a) => a.type === "send-notification",
      );
    expect(sub("OpenSent")).toMatchObject({ notification: { errorCode: 5, errorSubcode: 1 } });
    expect(sub("OpenConfirm")).toMatchObject({ notification: { errorCode: 5, errorSubcode: 2 } });
    const est = fsmStep(cfg, stateIn("Established"), { type: "BGPOpen", holdTime: 90 });
    expect(est.actions).toContainEqual({
      type: "send-notification",
      notification: { type: "NOTIFICATION", errorCode: 5, errorSubcode: 3, data: new Uint8Array() },
    });
  });

  it("ManualStop sends the given Cease and zeroes the counter", () => {
    const cease = {
      type: "NOTIFICATION",
      errorCode: 6,
      errorSubcode: 2,
      data: Uint8Array.of(2, 104, 105),
    } as const;
    const r = fsmStep(
      cfg,
      { ...stateIn("Established"), connectRetryCounter: 5 },
      { type: "ManualStop", notification: cease },
    );
    expect(r.actions).toContainEqual({ type: "send-notification", notification: cease });
    expect(r.state).toMatchObject({ state: "Idle", connectRetryCounter: 0 });
  });
});

describe("DelayOpen (RFC 4271 §8.1.1, events 12 and 20)", () => {
  const cfg = fsmConfig({ delayOpen: true, delayOpenTime: 7 });
  it("waits instead of sending OPEN, then answers the peer's OPEN with OPEN + KEEPALIVE", () => {
    const c = fsmStep(cfg, stateIn("Connect"), { type: "TcpConnectionConfirmed" });
    expect(c.state.state).toBe("Connect");
    expect(c.actions).toContainEqual({ type: "start-timer", timer: "DelayOpenTimer", seconds: 7 });
    expect(c.actions.some((a) => a.type === "send-open")).toBe(false);
    const o = fsmStep(cfg, c.state, { type: "BGPOpen", holdTime: 30 });
    expect(o.state.state).toBe("OpenConfirm");
    const types = o.actions.map((a) => a.type);
    expect(types.indexOf("send-open")).toBeLessThan(types.indexOf("send-keepalive"));
  });

  it("sends OPEN when the DelayOpenTimer expires", () => {
    const c = fsmStep(cfg, stateIn("Active"), { type: "TcpConnectionConfirmed" });
    const e = fsmStep(cfg, c.state, { type: "DelayOpenTimer_Expires" });
    expect(e.state.state).toBe("OpenSent");
    expect(e.actions).toContainEqual({ type: "send-open" });
  });

  it("falls back to Active when the connection fails while delaying (Connect)", () => {
    const c = fsmStep(cfg, stateIn("Connect"), { type: "TcpConnectionConfirmed" });
    expect(fsmStep(cfg, c.state, { type: "TcpConnectionFails" }).state.state).toBe("Active");
  });
});

describe("collision detection in Established (CollisionDetectEstablishedState)", () => {
  it("dumps the connection with Cease / Connection Collision Resolution when set", () => {
    const r = fsmStep(
      fsmConfig({ collisionDetectEstablishedState: true }),
      stateIn("Established"),
      {
        type: "OpenCollisionDump",
      },
    );
    expect(r.state.state).toBe("Idle");
    expect(r.actions).toContainEqual({
      type: "send-notification",
      notification: { type: "NOTIFICATION", errorCode: 6, errorSubcode: 7, data: new Uint8Array() },
    });
  });
});
