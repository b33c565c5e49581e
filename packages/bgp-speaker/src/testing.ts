import fc from "fast-check";
import type { FsmEvent } from "./fsm";

const notification = fc.record({
  type: fc.constant("NOTIFICATION" as const),
  errorCode: fc.integer({ min: 1, max: 7 }),
  errorSubcode: fc.integer({ min: 0, max: 11 }),
  data: fc.uint8Array({ maxLength: 8 }),
});

/**
 * Arbitrary RFC 4271 §8.1 FSM events (every event type, with plausible payloads), for
 * model-based tests of code built on the session FSM.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryFsmEvent } from "@dyninfra/bgp-speaker/testing";
 * fc.sample(arbitraryFsmEvent(), 3);
 * ```
 */
export function arbitraryFsmEvent(): fc.Arbitrary<FsmEvent> {
  const simple = fc.constantFrom<FsmEvent>(
    { type: "ManualStart" },
    { type: "ManualStop" },
    { type: "AutomaticStart" },
    { type: "ManualStart_with_PassiveTcpEstablishment" },
    { type: "AutomaticStart_with_PassiveTcpEstablishment" },
    { type: "AutomaticStop" },
    { type: "ConnectRetryTimer_Expires" },
    { type: "HoldTimer_Expires" },
    { type: "KeepaliveTimer_Expires" },
    { type: "DelayOpenTimer_Expires" },
    { type: "IdleHoldTimer_Expires" },
    { type: "TcpConnection_Valid" },
    { type: "Tcp_CR_Invalid" },
    { type: "Tcp_CR_Acked" },
    { type: "TcpConnectionConfirmed" },
    { type: "TcpConnectionFails" },
    { type: "OpenCollisionDump" },
    { type: "NotifMsgVerErr" },
    { type: "NotifMsg" },
    { type: "KeepAliveMsg" },
    { type: "UpdateMsg" },
    { type: "SendHoldTimer_Expires" },
  );
  return fc.oneof(
    { weight: 6, arbitrary: simple },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(0, 3, 9, 90, 240)
        .map((holdTime): FsmEvent => ({ type: "BGPOpen", holdTime })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("BGPHeaderErr", "BGPOpenMsgErr", "UpdateMsgErr"), notification)
        .map(([type, n]) => ({ type, notification: n }) as FsmEvent),
    },
  );
}
