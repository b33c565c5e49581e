import type { NotificationMessage } from "@dyninfra/bgp-wire";

/**
 * The six states of the BGP finite state machine (RFC 4271 §8.2.2).
 *
 * @example
 * ```ts
 * import type { BgpState } from "@dyninfra/bgp-speaker";
 * const s: BgpState = "Established";
 * ```
 */
export type BgpState = "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established";

/**
 * The timers the FSM starts and stops (RFC 4271 §8.1.3, §10).
 *
 * @example
 * ```ts
 * import type { FsmTimer } from "@dyninfra/bgp-speaker";
 * const t: FsmTimer = "HoldTimer";
 * ```
 */
export type FsmTimer = "ConnectRetryTimer" | "HoldTimer" | "KeepaliveTimer" | "DelayOpenTimer";

/**
 * FSM events (RFC 4271 §8.1, and RFC 9687's event 29), named and numbered as in the RFCs. Events
 * that carry data say so:
 * the errors carry the NOTIFICATION to send, `BGPOpen` carries the negotiated Hold Time.
 * Event 20 (BGPOpen with DelayOpenTimer running) is not given by callers: the FSM derives it from
 * `BGPOpen` when its DelayOpenTimer runs. This FSM does no peer oscillation damping, so it never
 * starts the IdleHoldTimer; event 13 is still handled as §8.2.2 says (ignored in Idle, an error
 * elsewhere).
 *
 * @example
 * ```ts
 * import type { FsmEvent } from "@dyninfra/bgp-speaker";
 * const e: FsmEvent = { type: "BGPOpen", holdTime: 90 };
 * ```
 */
export type FsmEvent =
  | { readonly type: "ManualStart" } // 1
  | { readonly type: "ManualStop"; readonly notification?: NotificationMessage } // 2
  | { readonly type: "AutomaticStart" } // 3
  | { readonly type: "ManualStart_with_PassiveTcpEstablishment" } // 4
  | { readonly type: "AutomaticStart_with_PassiveTcpEstablishment" } // 5
  | { readonly type: "AutomaticStop"; readonly notification?: NotificationMessage } // 8
  | { readonly type: "ConnectRetryTimer_Expires" } // 9
  | { readonly type: "HoldTimer_Expires" } // 10
  | { readonly type: "KeepaliveTimer_Expires" } // 11
  | { readonly type: "DelayOpenTimer_Expires" } // 12
  | { readonly type: "IdleHoldTimer_Expires" } // 13
  | { readonly type: "TcpConnection_Valid" } // 14
  | { readonly type: "Tcp_CR_Invalid" } // 15
  | { readonly type: "Tcp_CR_Acked" } // 16
  | { readonly type: "TcpConnectionConfirmed" } // 17
  | { readonly type: "TcpConnectionFails" } // 18
  | { readonly type: "BGPOpen"; readonly holdTime: number } // 19 (and 20)
  | { readonly type: "BGPHeaderErr"; readonly notification: NotificationMessage } // 21
  | { readonly type: "BGPOpenMsgErr"; readonly notification: NotificationMessage } // 22
  | { readonly type: "OpenCollisionDump" } // 23
  | { readonly type: "NotifMsgVerErr" } // 24
  | { readonly type: "NotifMsg" } // 25
  | { readonly type: "KeepAliveMsg" } // 26
  | { readonly type: "UpdateMsg" } // 27
  | { readonly type: "UpdateMsgErr"; readonly notification: NotificationMessage } // 28
  | { readonly type: "SendHoldTimer_Expires" }; // 29 (RFC 9687)

/**
 * What the FSM asks its session to do, in order, after an event.
 *
 * @example
 * ```ts
 * import type { FsmAction } from "@dyninfra/bgp-speaker";
 * const a: FsmAction = { type: "start-timer", timer: "HoldTimer", seconds: 240 };
 * ```
 */
export type FsmAction =
  | { readonly type: "start-timer"; readonly timer: FsmTimer; readonly seconds: number }
  | { readonly type: "stop-timer"; readonly timer: FsmTimer }
  | { readonly type: "initiate-connection" }
  | { readonly type: "listen" }
  | { readonly type: "drop-connection" }
  | { readonly type: "send-open" }
  | { readonly type: "send-keepalive" }
  | { readonly type: "send-notification"; readonly notification: NotificationMessage }
  | { readonly type: "process-update" }
  | { readonly type: "delete-routes" }
  | { readonly type: "release-resources" }
  | { readonly type: "established" };

/**
 * FSM configuration: the session attributes of RFC 4271 §8.1.1 that change transitions.
 *
 * @example
 * ```ts
 * import { fsmConfig } from "@dyninfra/bgp-speaker";
 * const cfg = fsmConfig({ delayOpen: true, delayOpenTime: 5 });
 * ```
 */
export interface FsmConfig {
  /** ConnectRetryTime in seconds (RFC 4271 §10 suggests 120). */
  readonly connectRetryTime: number;
  /** The Hold Time this speaker proposes in its OPEN (0 or ≥ 3; 90 suggested). */
  readonly holdTime: number;
  /** Hold Time used in OpenSent before the peer's OPEN arrives (RFC 4271 §8.2.2: 4 minutes). */
  readonly largeHoldTime: number;
  /** Optional attribute DelayOpen (§8.1.1). */
  readonly delayOpen: boolean;
  /** DelayOpenTime in seconds. */
  readonly delayOpenTime: number;
  /** Optional attribute SendNOTIFICATIONwithoutOPEN (§8.1.1). */
  readonly sendNotificationWithoutOpen: boolean;
  /** Optional attribute CollisionDetectEstablishedState (§8.1.1). */
  readonly collisionDetectEstablishedState: boolean;
}

/**
 * An {@link FsmConfig} with RFC 4271 §10 defaults for what is not given.
 *
 * @example
 * ```ts
 * import { fsmConfig } from "@dyninfra/bgp-speaker";
 * fsmConfig().holdTime; // 90
 * ```
 */
export function fsmConfig(options: Partial<FsmConfig> = {}): FsmConfig {
  return {
    connectRetryTime: options.connectRetryTime ?? 120,
    holdTime: options.holdTime ?? 90,
    largeHoldTime: options.largeHoldTime ?? 240,
    delayOpen: options.delayOpen ?? false,
    delayOpenTime: options.delayOpenTime ?? 5,
    sendNotificationWithoutOpen: options.sendNotificationWithoutOpen ?? false,
    collisionDetectEstablishedState: options.collisionDetectEstablishedState ?? false,
  };
}

/**
 * The FSM's own state: the BGP state, the ConnectRetryCounter, which timers run, and the
 * negotiated Hold Time (meaningful from OpenConfirm on). Plain immutable data: it is part of the
 * session state a graft moves.
 *
 * @example
 * ```ts
 * import { INITIAL_FSM_STATE } from "@dyninfra/bgp-speaker";
 * INITIAL_FSM_STATE.state; // "Idle"
 * ```
 */
export interface FsmState {
  readonly state: BgpState;
  readonly connectRetryCounter: number;
  readonly running: Readonly<Record<FsmTimer, boolean>>;
  /** Negotiated Hold Time in seconds; 0 means no Hold/Keepalive timers. */
  readonly negotiatedHoldTime: number;
}

/**
 * The state every session starts in: Idle, counter 0, no timer running.
 *
 * @example
 * ```ts
 * import { INITIAL_FSM_STATE } from "@dyninfra/bgp-speaker";
 * INITIAL_FSM_STATE.running.HoldTimer; // false
 * ```
 */
export const INITIAL_FSM_STATE: FsmState = Object.freeze({
  state: "Idle",
  connectRetryCounter: 0,
  running: Object.freeze({
    ConnectRetryTimer: false,
    HoldTimer: false,
    KeepaliveTimer: false,
    DelayOpenTimer: false,
  }),
  negotiatedHoldTime: 0,
});

/**
 * The result of one FSM step.
 *
 * @example
 * ```ts
 * import { fsmConfig, fsmStep, INITIAL_FSM_STATE } from "@dyninfra/bgp-speaker";
 * const r = fsmStep(fsmConfig(), INITIAL_FSM_STATE, { type: "ManualStart" });
 * r.state.state; // "Connect"
 * ```
 */
export interface FsmStepResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
}

/** RFC 4271 §6.4 / RFC 6608 codes used by the FSM itself. */
const HOLD_TIMER_EXPIRED: NotificationMessage = {
  type: "NOTIFICATION",
  errorCode: 4,
  errorSubcode: 0,
  data: new Uint8Array(0),
};
/** RFC 9687 §4: what a speaker whose messages are not taken for the SendHoldTime sends. */
const SEND_HOLD_TIMER_EXPIRED: NotificationMessage = {
  type: "NOTIFICATION",
  errorCode: 8,
  errorSubcode: 0,
  data: new Uint8Array(0),
};
const CEASE_ADMIN_SHUTDOWN: NotificationMessage = {
  type: "NOTIFICATION",
  errorCode: 6,
  errorSubcode: 2,
  data: new Uint8Array(0),
};
const CEASE_COLLISION: NotificationMessage = {
  type: "NOTIFICATION",
  errorCode: 6,
  errorSubcode: 7,
  data: new Uint8Array(0),
};

/** The Cease a ManualStop/AutomaticStop carries, or Administrative Shutdown. */
function stopNotification(event: FsmEvent): NotificationMessage {
  return (event.type === "ManualStop" || event.type === "AutomaticStop") &&
    event.notification !== undefined
    ? event.notification
    : CEASE_ADMIN_SHUTDOWN;
}

/** RFC 6608 §3: FSM Error subcodes by the state in which an unexpected message arrived. */
function fsmError(state: BgpState, event: FsmEvent): NotificationMessage {
  const isMessage =
    event.type === "BGPOpen" ||
    event.type === "KeepAliveMsg" ||
    event.type === "UpdateMsg" ||
    event.type === "NotifMsg" ||
    event.type === "UpdateMsgErr" ||
    event.type === "BGPHeaderErr" ||
    event.type === "BGPOpenMsgErr";
  const subcode = !isMessage
    ? 0
    : state === "OpenSent"
      ? 1
      : state === "OpenConfirm"
        ? 2
        : state === "Established"
          ? 3
          : 0;
  return { type: "NOTIFICATION", errorCode: 5, errorSubcode: subcode, data: new Uint8Array(0) };
}

/** A small builder so each transition reads like the RFC text. */
class Step {
  readonly actions: FsmAction[] = [];
  running: Record<FsmTimer, boolean>;
  counter: number;
  hold: number;
  constructor(
    readonly config: FsmConfig,
    readonly from: FsmState,
  ) {
    this.running = { ...from.running };
    this.counter = from.connectRetryCounter;
    this.hold = from.negotiatedHoldTime;
  }
  start(timer: FsmTimer, seconds: number): this {
    this.running[timer] = true;
    this.actions.push({ type: "start-timer", timer, seconds });
    return this;
  }
  stop(timer: FsmTimer): this {
    if (this.running[timer]) {
      this.running[timer] = false;
      this.actions.push({ type: "stop-timer", timer });
    }
    return this;
  }
  stopAll(): this {
    for (const t of ["ConnectRetryTimer", "HoldTimer", "KeepaliveTimer", "DelayOpenTimer"] as const)
      this.stop(t);
    return this;
  }
  act(action: FsmAction): this {
    this.actions.push(action);
    return this;
  }
  notify(notification: NotificationMessage): this {
    return this.act({ type: "send-notification", notification });
  }
  /** Negotiated timers after an OPEN (§8.2.2: KeepaliveTimer = HoldTime / 3). */
  startNegotiatedTimers(holdTime: number): this {
    this.hold = holdTime;
    if (holdTime !== 0) {
      this.start("KeepaliveTimer", Math.floor(holdTime / 3));
      this.start("HoldTimer", holdTime);
    } else {
      this.stop("KeepaliveTimer").stop("HoldTimer");
    }
    return this;
  }
  /** The common "go to Idle" tail: stop timers, release resources, drop the connection. */
  toIdle(counter: "increment" | "zero" | "keep", deleteRoutes = false): FsmStepResult {
    this.stopAll();
    if (deleteRoutes) this.act({ type: "delete-routes" });
    this.act({ type: "release-resources" }).act({ type: "drop-connection" });
    if (counter === "increment") this.counter += 1;
    else if (counter === "zero") this.counter = 0;
    return this.to("Idle");
  }
  to(state: BgpState): FsmStepResult {
    return {
      state: {
        state,
        connectRetryCounter: this.counter,
        running: this.running,
        negotiatedHoldTime: state === "Idle" ? 0 : this.hold,
      },
      actions: this.actions,
    };
  }
  stay(): FsmStepResult {
    return this.to(this.from.state);
  }
}

/**
 * One step of the BGP finite state machine, exactly as RFC 4271 §8.2.2 describes each state's
 * handling of each event. Pure: the session executes the returned actions in order.
 *
 * @example
 * ```ts
 * import { fsmConfig, fsmStep, INITIAL_FSM_STATE } from "@dyninfra/bgp-speaker";
 * const cfg = fsmConfig();
 * let s = fsmStep(cfg, INITIAL_FSM_STATE, { type: "ManualStart" }).state; // Connect
 * s = fsmStep(cfg, s, { type: "TcpConnectionConfirmed" }).state; // OpenSent
 * s = fsmStep(cfg, s, { type: "BGPOpen", holdTime: 90 }).state; // OpenConfirm
 * s = fsmStep(cfg, s, { type: "KeepAliveMsg" }).state; // Established
 * ```
 */
export function fsmStep(config: FsmConfig, from: FsmState, event: FsmEvent): FsmStepResult {
  const s = new Step(config, from);
  const e = event.type;
  switch (from.state) {
    case "Idle":
      switch (e) {
        case "ManualStart":
        case "AutomaticStart":
          s.counter = 0;
          return s
            .start("ConnectRetryTimer", config.connectRetryTime)
            .act({ type: "initiate-connection" })
            .act({ type: "listen" })
            .to("Connect");
        case "ManualStart_with_PassiveTcpEstablishment":
        case "AutomaticStart_with_PassiveTcpEstablishment":
          s.counter = 0;
          return s
            .start("ConnectRetryTimer", config.connectRetryTime)
            .act({ type: "listen" })
            .to("Active");
        default:
          // §8.2.2 Idle: ManualStop and AutomaticStop are ignored; any other event does not
          // change the state (connections are refused in Idle).
          return s.stay();
      }

    case "Connect":
    case "Active": {
      const connect = from.state === "Connect";
      switch (e) {
        case "ManualStart":
        case "AutomaticStart":
        case "ManualStart_with_PassiveTcpEstablishment":
        case "AutomaticStart_with_PassiveTcpEstablishment":
        case "Tcp_CR_Invalid":
        case "TcpConnection_Valid":
        // RFC 9687: the SendHoldTimer runs from OpenSent on (no message is sent before).
        case "SendHoldTimer_Expires":
          return s.stay();
        case "ManualStop":
          if (!connect && s.running.DelayOpenTimer && config.sendNotificationWithoutOpen)
            s.notify(stopNotification(event));
          return s.toIdle("zero");
        case "ConnectRetryTimer_Expires":
          if (connect) {
            s.act({ type: "drop-connection" })
              .stop("DelayOpenTimer")
              .start("ConnectRetryTimer", config.connectRetryTime)
              .act({ type: "initiate-connection" });
            return s.stay();
          }
          return s
            .start("ConnectRetryTimer", config.connectRetryTime)
            .act({ type: "initiate-connection" })
            .to("Connect");
        case "DelayOpenTimer_Expires":
          return s
            .stop("ConnectRetryTimer")
            .stop("DelayOpenTimer")
            .act({ type: "send-open" })
            .start("HoldTimer", config.largeHoldTime)
            .to("OpenSent");
        case "Tcp_CR_Acked":
        case "TcpConnectionConfirmed":
          s.stop("ConnectRetryTimer");
          if (config.delayOpen) return s.start("DelayOpenTimer", config.delayOpenTime).stay();
          return s
            .act({ type: "send-open" })
            .start("HoldTimer", config.largeHoldTime)
            .to("OpenSent");
        case "TcpConnectionFails":
          if (s.running.DelayOpenTimer) {
            s.stop("DelayOpenTimer").start("ConnectRetryTimer", config.connectRetryTime);
            if (connect) return s.to("Active");
            s.act({ type: "release-resources" });
            s.counter += 1;
            return s.to("Idle");
          }
          if (connect) return s.toIdle("keep");
          s.start("ConnectRetryTimer", config.connectRetryTime).act({ type: "release-resources" });
          s.counter += 1;
          return s.to("Idle");
        case "BGPOpen":
          if (s.running.DelayOpenTimer) {
            // Event 20: BGPOpen with DelayOpenTimer running.
            return s
              .stop("ConnectRetryTimer")
              .stop("DelayOpenTimer")
              .act({ type: "send-open" })
              .act({ type: "send-keepalive" })
              .startNegotiatedTimers(event.type === "BGPOpen" ? event.holdTime : 0)
              .to("OpenConfirm");
          }
          return s.toIdle("increment");
        case "BGPHeaderErr":
        case "BGPOpenMsgErr":
          if (config.sendNotificationWithoutOpen && "notification" in event && event.notification)
            s.notify(event.notification);
          return s.toIdle("increment");
        case "NotifMsgVerErr":
          return s.toIdle(s.running.DelayOpenTimer ? "keep" : "increment");
        default:
          // Events 8, 10, 11, 13, 23, 25-28: an error in Connect/Active.
          return s.toIdle("increment");
      }
    }

    case "OpenSent":
      switch (e) {
        case "ManualStart":
        case "AutomaticStart":
        case "ManualStart_with_PassiveTcpEstablishment":
        case "AutomaticStart_with_PassiveTcpEstablishment":
        case "TcpConnection_Valid":
        case "Tcp_CR_Invalid":
        case "Tcp_CR_Acked":
        case "TcpConnectionConfirmed":
          // A second connection is tracked by the session for collision detection (§6.8).
          return s.stay();
        case "ManualStop":
          return s.notify(stopNotification(event)).toIdle("zero");
        case "AutomaticStop":
          return s.notify(stopNotification(event)).toIdle("increment");
        case "HoldTimer_Expires":
          return s.notify(HOLD_TIMER_EXPIRED).toIdle("increment");
        case "SendHoldTimer_Expires":
          return s.notify(SEND_HOLD_TIMER_EXPIRED).toIdle("increment");
        case "TcpConnectionFails":
          s.stop("HoldTimer").stop("KeepaliveTimer").stop("DelayOpenTimer");
          return s
            .act({ type: "drop-connection" })
            .start("ConnectRetryTimer", config.connectRetryTime)
            .act({ type: "listen" })
            .to("Active");
        case "BGPOpen":
          return s
            .stop("DelayOpenTimer")
            .stop("ConnectRetryTimer")
            .act({ type: "send-keepalive" })
            .startNegotiatedTimers(event.type === "BGPOpen" ? event.holdTime : 0)
            .to("OpenConfirm");
        case "BGPHeaderErr":
        case "BGPOpenMsgErr":
          return s
            .notify("notification" in event ? event.notification : fsmError(from.state, event))
            .toIdle("increment");
        case "OpenCollisionDump":
          return s.notify(CEASE_COLLISION).toIdle("increment");
        case "NotifMsgVerErr":
          return s.toIdle("keep");
        default:
          // Events 9, 11, 12, 13, 25-28.
          return s.notify(fsmError(from.state, event)).toIdle("increment");
      }

    case "OpenConfirm":
      switch (e) {
        case "ManualStart":
        case "AutomaticStart":
        case "ManualStart_with_PassiveTcpEstablishment":
        case "AutomaticStart_with_PassiveTcpEstablishment":
        case "TcpConnection_Valid":
        case "Tcp_CR_Invalid":
        case "Tcp_CR_Acked":
        case "TcpConnectionConfirmed":
          return s.stay();
        case "ManualStop":
          return s.notify(stopNotification(event)).toIdle("zero");
        case "AutomaticStop":
          return s.notify(stopNotification(event)).toIdle("increment");
        case "HoldTimer_Expires":
          return s.notify(HOLD_TIMER_EXPIRED).toIdle("increment");
        case "SendHoldTimer_Expires":
          return s.notify(SEND_HOLD_TIMER_EXPIRED).toIdle("increment");
        case "KeepaliveTimer_Expires":
          // §8.2.2 OpenConfirm, event 11: send a KEEPALIVE and restart the KeepaliveTimer — which
          // never runs when the negotiated Hold Time is zero (§4.4).
          s.act({ type: "send-keepalive" });
          if (s.hold !== 0) s.start("KeepaliveTimer", Math.floor(s.hold / 3));
          return s.stay();
        case "TcpConnectionFails":
        case "NotifMsg":
          return s.toIdle("increment");
        case "NotifMsgVerErr":
          return s.toIdle("keep");
        case "BGPOpen":
          // An OPEN on this connection in OpenConfirm is unexpected (a second connection's
          // OPEN is handled by collision detection, which raises OpenCollisionDump).
          return s.notify(fsmError(from.state, event)).toIdle("increment");
        case "BGPHeaderErr":
        case "BGPOpenMsgErr":
          return s
            .notify("notification" in event ? event.notification : fsmError(from.state, event))
            .toIdle("increment");
        case "OpenCollisionDump":
          return s.notify(CEASE_COLLISION).toIdle("increment");
        case "KeepAliveMsg":
          if (s.hold !== 0) s.start("HoldTimer", s.hold);
          return s.act({ type: "established" }).to("Established");
        default:
          // Events 9, 12, 13, 27, 28.
          return s.notify(fsmError(from.state, event)).toIdle("increment");
      }

    case "Established":
      switch (e) {
        case "ManualStart":
        case "AutomaticStart":
        case "ManualStart_with_PassiveTcpEstablishment":
        case "AutomaticStart_with_PassiveTcpEstablishment":
        case "TcpConnection_Valid":
        case "Tcp_CR_Invalid":
        case "Tcp_CR_Acked":
        case "TcpConnectionConfirmed":
          return s.stay();
        case "ManualStop":
          return s.notify(stopNotification(event)).toIdle("zero", true);
        case "AutomaticStop":
          return s.notify(stopNotification(event)).toIdle("increment", true);
        case "HoldTimer_Expires":
          return s.notify(HOLD_TIMER_EXPIRED).toIdle("increment", true);
        case "SendHoldTimer_Expires":
          return s.notify(SEND_HOLD_TIMER_EXPIRED).toIdle("increment", true);
        case "KeepaliveTimer_Expires":
          s.act({ type: "send-keepalive" });
          if (s.hold !== 0) s.start("KeepaliveTimer", Math.floor(s.hold / 3));
          return s.stay();
        case "OpenCollisionDump":
          if (config.collisionDetectEstablishedState)
            return s.notify(CEASE_COLLISION).toIdle("increment", true);
          return s.stay();
        case "TcpConnectionFails":
        case "NotifMsg":
        case "NotifMsgVerErr":
          return s.toIdle("increment", true);
        case "KeepAliveMsg":
          if (s.hold !== 0) s.start("HoldTimer", s.hold);
          return s.stay();
        case "UpdateMsg":
          s.act({ type: "process-update" });
          if (s.hold !== 0) s.start("HoldTimer", s.hold);
          return s.stay();
        case "UpdateMsgErr":
          return s
            .notify(
              event.type === "UpdateMsgErr" ? event.notification : fsmError(from.state, event),
            )
            .toIdle("increment", true);
        case "BGPHeaderErr":
        case "BGPOpenMsgErr":
          return s
            .notify("notification" in event ? event.notification : fsmError(from.state, event))
            .toIdle("increment", true);
        default:
          // Events 9, 12, 13, 19/20.
          return s.notify(fsmError(from.state, event)).toIdle("increment", true);
      }
  }
}
