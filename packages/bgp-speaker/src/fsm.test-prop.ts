import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import type { FsmConfig, FsmEvent, FsmState } from "./fsm";
import { fsmConfig, fsmStep, INITIAL_FSM_STATE } from "./fsm";
import { arbitraryFsmEvent } from "./testing";

const arbitraryConfig: fc.Arbitrary<FsmConfig> = fc
  .record({
    delayOpen: fc.boolean(),
    sendNotificationWithoutOpen: fc.boolean(),
    collisionDetectEstablishedState: fc.boolean(),
    holdTime: fc.constantFrom(0, 3, 9, 90, 180),
  })
  .map((o) => fsmConfig(o));

/** Replays the FSM over events, checking RFC 4271 §8 invariants after every step. */
function run(cfg: FsmConfig, events: readonly FsmEvent[]): FsmState {
  let s = INITIAL_FSM_STATE;
  for (const e of events) {
    const r = fsmStep(cfg, s, e);
    const next = r.state;
    const types = r.actions.map((a) => a.type);
    // Established is entered only from OpenConfirm on a KEEPALIVE.
    if (next.state === "Established" && s.state !== "Established") {
      expect(s.state).toBe("OpenConfirm");
      expect(e.type).toBe("KeepAliveMsg");
      expect(types).toContain("established");
    }
    // A NOTIFICATION is always followed by closing the connection, and the session goes Idle.
    if (types.includes("send-notification")) {
      expect(next.state).toBe("Idle");
      expect(types.indexOf("send-notification")).toBeLessThan(types.indexOf("drop-connection"));
    }
    // Leaving Established always deletes the routes learned on the session.
    if (s.state === "Established" && next.state !== "Established")
      expect(types).toContain("delete-routes");
    // ManualStop ends in Idle; outside Idle (where it is ignored) it zeroes the counter.
    if (e.type === "ManualStop") {
      expect(next.state).toBe("Idle");
      if (s.state !== "Idle") expect(next.connectRetryCounter).toBe(0);
    }
    // Once the OPEN exchange is done, neither ConnectRetryTimer nor DelayOpenTimer runs.
    if (next.state === "OpenConfirm" || next.state === "Established") {
      expect(next.running.ConnectRetryTimer).toBe(false);
      expect(next.running.DelayOpenTimer).toBe(false);
      // With a non-zero negotiated hold time both Hold and Keepalive timers run; with 0 neither.
      expect(next.running.HoldTimer).toBe(next.negotiatedHoldTime !== 0);
      expect(next.running.KeepaliveTimer).toBe(next.negotiatedHoldTime !== 0);
    }
    // The action list agrees with the timer flags: a timer stops only when it ran.
    for (const a of r.actions)
      if (a.type === "stop-timer")
        expect(s.running[a.timer] || types.includes("start-timer")).toBe(true);
    expect(next.connectRetryCounter).toBeGreaterThanOrEqual(0);
    s = next;
  }
  return s;
}

test.prop([arbitraryConfig, fc.array(arbitraryFsmEvent(), { maxLength: 60 })], { numRuns: 400 })(
  "every event sequence keeps the FSM invariants",
  (cfg, events) => {
    run(cfg, events);
  },
);

test.prop([arbitraryConfig, fc.array(arbitraryFsmEvent(), { maxLength: 40 })], { numRuns: 200 })(
  "the FSM is deterministic",
  (cfg, events) => {
    expect(run(cfg, events)).toEqual(run(cfg, events));
  },
);

test.prop([fc.constantFrom(0, 3, 30, 90), fc.array(arbitraryFsmEvent(), { maxLength: 30 })])(
  "the happy path always reaches Established, whatever happened before a ManualStop",
  (hold, noise) => {
    const cfg = fsmConfig({ holdTime: hold });
    const before = run(cfg, [...noise, { type: "ManualStop" }]);
    expect(before.state).toBe("Idle");
    const s = run(cfg, [
      ...noise,
      { type: "ManualStop" },
      { type: "ManualStart" },
      { type: "Tcp_CR_Acked" },
      { type: "BGPOpen", holdTime: hold },
      { type: "KeepAliveMsg" },
    ]);
    expect(s.state).toBe("Established");
    expect(s.negotiatedHoldTime).toBe(hold);
  },
);
