import type { ChangeSet, Rib } from "@dyninfra/bgp-rib";
import type {
  AfiSafi,
  GracefulRestartCapability,
  LongLivedGracefulRestartCapability,
  OpenMessage,
  UpdateMessage,
} from "@dyninfra/bgp-wire";
import { openCapabilities } from "@dyninfra/bgp-wire";
import type { Clock } from "./clock";

/** Flags for Address Family: Forwarding State bit (RFC 4724 §3). */
export const FORWARDING_STATE = 0x80;
/** Restart Flags: Restart State bit (RFC 4724 §3). */
export const RESTART_STATE = 0x8;
/** Restart Flags: Notification bit (RFC 8538 §2). */
export const NOTIFICATION_BIT = 0x4;

/** Default stale-path timer (seconds): the upper bound on keeping stale routes once re-established. */
export const DEFAULT_STALE_ROUTES_TIME = 360;

/**
 * The End-of-RIB marker (RFC 4724 §2) an UPDATE is, if any: IPv4 unicast is an UPDATE with no
 * withdrawn routes, no path attributes and no NLRI; any other family is an UPDATE whose only
 * attribute is an MP_UNREACH_NLRI with no withdrawn routes.
 *
 * @example
 * ```ts
 * import { endOfRibFamily } from "@dyninfra/bgp-speaker";
 * endOfRibFamily({ type: "UPDATE", withdrawnRoutes: [], pathAttributes: {}, nlri: [] }); // { afi: 1, safi: 1 }
 * ```
 */
export function endOfRibFamily(update: UpdateMessage): AfiSafi | undefined {
  if (update.withdrawnRoutes.length > 0 || update.nlri.length > 0) return undefined;
  const keys = Object.keys(update.pathAttributes).filter(
    (k) => (update.pathAttributes as Record<string, unknown>)[k] !== undefined,
  );
  if (keys.length === 0) return { afi: 1, safi: 1 };
  const un = update.pathAttributes.mpUnreachNlri;
  if (keys.length === 1 && un !== undefined && un.withdrawnRoutes.length === 0)
    return { afi: un.afi, safi: un.safi };
  return undefined;
}

/**
 * The End-of-RIB marker for a family (RFC 4724 §2), ready for `encodeMessage`.
 *
 * @example
 * ```ts
 * import { endOfRib } from "@dyninfra/bgp-speaker";
 * endOfRib({ afi: 2, safi: 1 }).pathAttributes.mpUnreachNlri?.afi; // 2
 * ```
 */
export function endOfRib(family: AfiSafi): UpdateMessage {
  return {
    type: "UPDATE",
    withdrawnRoutes: [],
    pathAttributes:
      family.afi === 1 && family.safi === 1
        ? {}
        : { mpUnreachNlri: { afi: family.afi, safi: family.safi, withdrawnRoutes: [] } },
    nlri: [],
  };
}

/**
 * The Graceful Restart capability a neighbour announced in its OPEN (RFC 4724 §3).
 *
 * @example
 * ```ts
 * import type { PeerGracefulRestart } from "@dyninfra/bgp-speaker";
 * const p: PeerGracefulRestart = {
 *   restartTime: 120, restartState: false, notification: false,
 *   families: [{ afi: 1, safi: 1, forwardingState: true }],
 * };
 * ```
 */
export interface PeerGracefulRestart {
  /** Restart Time, seconds (12 bits). */
  readonly restartTime: number;
  /** Restart State (R) bit: the neighbour has restarted. */
  readonly restartState: boolean;
  /** Notification (N) bit (RFC 8538). */
  readonly notification: boolean;
  /** The families it preserves routes for, each with its Forwarding State (F) bit. */
  readonly families: readonly (AfiSafi & { readonly forwardingState: boolean })[];
}

/**
 * Reads the Graceful Restart capability of an OPEN; `false` when absent (the first one counts
 * when a speaker sends several).
 *
 * @example
 * ```ts
 * import { localOpen, peerGracefulRestart, speakerCapabilities } from "@dyninfra/bgp-speaker";
 * peerGracefulRestart(localOpen(64500, "192.0.2.1", 90, speakerCapabilities()));
 * // { restartTime: 120, restartState: false, notification: false, families: [] }
 * ```
 */
export function peerGracefulRestart(open: OpenMessage): PeerGracefulRestart | false {
  const gr = openCapabilities(open).find(
    (c): c is GracefulRestartCapability => c.type === "GRACEFUL_RESTART",
  );
  if (gr === undefined) return false;
  return {
    restartTime: gr.restartTime,
    restartState: (gr.restartFlags & RESTART_STATE) !== 0,
    notification: (gr.restartFlags & NOTIFICATION_BIT) !== 0,
    families: gr.families.map((f) => ({
      afi: f.afi,
      safi: f.safi,
      forwardingState: (f.flags & FORWARDING_STATE) !== 0,
    })),
  };
}

/**
 * The Long-Lived Graceful Restart capability a neighbour announced in its OPEN (RFC 9494 §3).
 *
 * @example
 * ```ts
 * import type { PeerLongLivedGracefulRestart } from "@dyninfra/bgp-speaker";
 * const p: PeerLongLivedGracefulRestart = {
 *   families: [{ afi: 1, safi: 1, forwardingState: false, staleTime: 3600 }],
 * };
 * ```
 */
export interface PeerLongLivedGracefulRestart {
  /** Per family: its Forwarding State (F) bit and Long-Lived Stale Time (seconds). */
  readonly families: readonly (AfiSafi & {
    readonly forwardingState: boolean;
    readonly staleTime: number;
  })[];
}

/**
 * Reads the Long-Lived Graceful Restart capability of an OPEN; `false` when absent — or when the
 * OPEN has no Graceful Restart capability, without which it is ignored (RFC 9494 §4.5).
 *
 * @example
 * ```ts
 * import { localOpen, peerLongLivedGracefulRestart, speakerCapabilities } from "@dyninfra/bgp-speaker";
 * const caps = speakerCapabilities({ longLivedGracefulRestart: { staleTime: 3600 } });
 * peerLongLivedGracefulRestart(localOpen(64500, "192.0.2.1", 90, caps))
 * // { families: [{ afi: 1, safi: 1, forwardingState: false, staleTime: 3600 }, { afi: 2, … }] }
 * ```
 */
export function peerLongLivedGracefulRestart(
  open: OpenMessage,
): PeerLongLivedGracefulRestart | false {
  const caps = openCapabilities(open);
  const ll = caps.find(
    (c): c is LongLivedGracefulRestartCapability => c.type === "LONG_LIVED_GRACEFUL_RESTART",
  );
  if (ll === undefined || !caps.some((c) => c.type === "GRACEFUL_RESTART")) return false;
  return {
    families: ll.families.map((f) => ({
      afi: f.afi,
      safi: f.safi,
      forwardingState: (f.flags & FORWARDING_STATE) !== 0,
      staleTime: f.staleTime,
    })),
  };
}

/** Phase of the receiving-speaker procedure for one neighbour. */
export type GracefulRestartPhase =
  /** Nothing retained. */
  | "none"
  /** The session fell; routes retained stale; the Restart Time runs. */
  | "restarting"
  /**
   * The session is down, the Restart Time over (or 0): routes kept long-lived stale (RFC 9494),
   * each family until its Long-Lived Stale Time runs out.
   */
  | "long-lived"
  /** Re-established; stale routes wait for End-of-RIB or the stale-path timer. */
  | "stale";

/**
 * What the receiving speaker asks its RIB to do.
 *
 * @example
 * ```ts
 * import type { GracefulRestartHooks } from "@dyninfra/bgp-speaker";
 * const log: GracefulRestartHooks = {
 *   retainStale: () => console.log("peerDown(retainStale)"),
 *   withdrawAll: () => console.log("peerDown"),
 *   sweepStale: (why) => console.log("sweepStale", why),
 * };
 * ```
 */
export interface GracefulRestartHooks {
  /**
   * The session fell and GR applies: withdraw the neighbour's routes of the families in
   * `withdraw` (absent from its capability), keep the others, marked stale.
   */
  retainStale(withdraw: readonly AfiSafi[]): void;
  /** The session fell and GR does not apply: withdraw all the neighbour's routes. */
  withdrawAll(): void;
  /**
   * Withdraw the neighbour's routes still marked stale: of `families` only (the session is
   * Established then), or all of them when `families` is undefined.
   */
  sweepStale(reason: string, families?: readonly AfiSafi[]): void;
  /**
   * Long-Lived Graceful Restart (RFC 9494 §4.2): the neighbour's stale routes of `families` enter
   * the long-lived stale period (marked LLGR_STALE, least preferred; NO_LLGR ones withdrawn).
   * Without it, LLGR is not used: those routes are swept when the Restart Time runs out.
   */
  longLivedStale?(families: readonly AfiSafi[]): void;
}

/**
 * The state of the receiving speaker for one neighbour, as the control interface shows it.
 *
 * @example
 * ```ts
 * import type { GracefulRestartStatus } from "@dyninfra/bgp-speaker";
 * const waiting = (s: GracefulRestartStatus) => s.phase === "stale" ? s.awaitingEndOfRib : [];
 * ```
 */
export interface GracefulRestartStatus {
  readonly phase: GracefulRestartPhase;
  /** Families whose routes are held stale. */
  readonly staleFamilies: readonly AfiSafi[];
  /** Families still awaited for their End-of-RIB marker (phase `stale`). */
  readonly awaitingEndOfRib: readonly AfiSafi[];
  /** Clock time (ms) at which the Restart Time runs out (phase `restarting`). */
  readonly restartDeadline: number | null;
  /** Clock time (ms) at which the stale-path timer runs out (phase `stale`). */
  readonly staleDeadline: number | null;
  /** Why stale routes were last swept, with the clock time. */
  readonly lastSweep: { readonly at: number; readonly reason: string } | null;
  /** How many times the neighbour's routes were retained across a restart. */
  readonly restarts: number;
  /**
   * Families whose routes are long-lived stale (RFC 9494), each with the clock time (ms) at which
   * its Long-Lived Stale Time runs out.
   */
  readonly longLived: readonly (AfiSafi & { readonly deadline: number })[];
}

/**
 * What a graft carries of a neighbour's graceful restart to the router the session moves to, while
 * routes retained stale await End-of-RIB (phase `stale`): the families awaited, what is left of
 * the stale-path timer, and the AFIs holding stale routes. The stale marks themselves (route by
 * route) travel in the RIB's session snapshot.
 *
 * @example
 * ```ts
 * import type { GracefulRestartHandover } from "@dyninfra/bgp-speaker";
 * const h: GracefulRestartHandover = {
 *   awaitingEndOfRib: [{ afi: 1, safi: 1 }], staleRemainingMs: 90_000, staleAfis: [1],
 * };
 * ```
 */
export interface GracefulRestartHandover {
  readonly awaitingEndOfRib: readonly AfiSafi[];
  /** Milliseconds left of the stale-path timer when the session was frozen. */
  readonly staleRemainingMs: number;
  /** The AFIs that hold stale routes. */
  readonly staleAfis: readonly number[];
  /**
   * The families awaited that are long-lived stale (RFC 9494), each with what was left of its
   * Long-Lived Stale Time: it goes on running on the new router.
   */
  readonly longLived?: readonly (AfiSafi & { readonly remainingMs: number })[];
}

const key = (f: AfiSafi) => `${f.afi}/${f.safi}`;
const family = (k: string): AfiSafi => {
  const [afi, safi] = k.split("/");
  return { afi: Number(afi), safi: Number(safi) };
};

/**
 * Graceful Restart, receiving speaker (RFC 4724 §4.2), for one neighbour: decides, on each
 * session event, whether the neighbour's routes are withdrawn, retained stale or swept, and runs
 * the Restart Time and the stale-path timer on a {@link Clock}. The RIB work is done by the
 * hooks.
 *
 * - Session down by the loss of the TCP connection (or Hold Timer expiry, which reveals one):
 *   when the neighbour announced Graceful Restart in the session that fell, the routes of the
 *   families its capability listed are retained stale (any still stale from an earlier restart
 *   are swept first), those of the other families withdrawn, and the neighbour's Restart Time
 *   starts; otherwise, and after any NOTIFICATION, routes are withdrawn — but for one that
 *   leaves Graceful Restart in force (both sides set the N bit and it is no Hard Reset, RFC 8538
 *   §4), which the session reports and the caller passes as `graceful`.
 * - Restart Time runs out before the session is back: stale routes are swept.
 * - Session back: if its OPEN has no Graceful Restart capability, every stale route is swept at
 *   once, and so are those of a family missing from it or without the Forwarding State bit; the
 *   others stay until their family's End-of-RIB marker, or the stale-path timer.
 * - Long-Lived Graceful Restart (RFC 9494 §4.2), when the neighbour's capability in the session
 *   that fell gives a family a Long-Lived Stale Time (and the hooks have `longLivedStale`): when
 *   the Restart Time runs out — at once for a family the Graceful Restart capability does not
 *   list, or with a Restart Time of 0 — the family's routes become long-lived stale (phase
 *   `long-lived`) until its Long-Lived Stale Time runs out; a family without one is swept as
 *   before. Back, a long-lived stale family is kept only if the new OPEN's LLGR capability lists
 *   it with the Forwarding State bit, and waits for its End-of-RIB with its Long-Lived Stale Time
 *   still running (no stale-path timer, and the timer is never started again: a consecutive
 *   restart keeps those routes until it runs out).
 *
 * @example
 * ```ts
 * import { GracefulRestartReceiver, ManualClock } from "@dyninfra/bgp-speaker";
 * const clock = new ManualClock();
 * const gr = new GracefulRestartReceiver(clock, { staleRoutesTime: 360 }, {
 *   retainStale: () => {}, withdrawAll: () => {}, sweepStale: (why) => console.log(why),
 * });
 * const peer = { restartTime: 120, restartState: false, notification: false,
 *   families: [{ afi: 1, safi: 1, forwardingState: true }] };
 * gr.sessionDown(true, peer, [{ afi: 1, safi: 1 }]);
 * clock.advance(120_000); // "Restart Time (120 s) ran out"
 * ```
 */
export class GracefulRestartReceiver {
  private phase: GracefulRestartPhase = "none";
  private stale = new Set<string>();
  private awaiting = new Set<string>();
  private restartTimer: unknown;
  private staleTimer: unknown;
  private restartDeadline: number | null = null;
  private staleDeadline: number | null = null;
  private lastSweep: { at: number; reason: string } | null = null;
  private restarts = 0;
  /** Families long-lived stale (RFC 9494), each with its Long-Lived Stale Time timer. */
  private readonly longLived = new Map<string, { deadline: number; timer: unknown }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: {
      readonly staleRoutesTime: number;
      /** Bounds (seconds) on the neighbour's Long-Lived Stale Times (RFC 9494 §4.2). */
      readonly longLivedStaleTime?: { readonly min?: number; readonly max?: number };
    },
    private readonly hooks: GracefulRestartHooks,
  ) {}

  /** The current phase. */
  get currentPhase(): GracefulRestartPhase {
    return this.phase;
  }

  /** JSON-ready state. */
  status(): GracefulRestartStatus {
    return {
      phase: this.phase,
      staleFamilies: [...this.stale].map(family),
      awaitingEndOfRib: [...this.awaiting].map(family),
      restartDeadline: this.restartDeadline,
      staleDeadline: this.staleDeadline,
      lastSweep: this.lastSweep,
      restarts: this.restarts,
      longLived: [...this.longLived].map(([k, v]) => ({ ...family(k), deadline: v.deadline })),
    };
  }

  /**
   * The session left Established. `graceful`: it fell by the loss of the connection or Hold
   * Timer expiry (no NOTIFICATION received, no error or stop of ours); `peer` and `llgr`: the
   * neighbour's Graceful Restart and Long-Lived Graceful Restart capabilities in the session that
   * fell; `families`: the families that session negotiated.
   */
  sessionDown(
    graceful: boolean,
    peer: PeerGracefulRestart | false,
    families: readonly AfiSafi[],
    llgr: PeerLongLivedGracefulRestart | false = false,
  ): void {
    this.stopTimers();
    const listed = (f: AfiSafi) =>
      peer !== false && peer.families.some((g) => g.afi === f.afi && g.safi === f.safi);
    // RFC 9494 §4.5: LLGR without Graceful Restart is ignored. A time announced is bounded by
    // the local configuration (§4.2); none announced stays none.
    const bounds = this.options.longLivedStaleTime;
    const llst = (f: AfiSafi): number => {
      if (peer === false || llgr === false || this.hooks.longLivedStale === undefined) return 0;
      const t = llgr.families.find((g) => g.afi === f.afi && g.safi === f.safi)?.staleTime ?? 0;
      if (t === 0) return 0;
      return Math.min(Math.max(t, bounds?.min ?? 0), bounds?.max ?? Number.POSITIVE_INFINITY);
    };
    const kept = families.filter((f) => listed(f) || llst(f) > 0 || this.longLived.has(key(f)));
    if (!graceful || peer === false || kept.length === 0) {
      this.reset();
      this.hooks.withdrawAll();
      return;
    }
    // "To deal with possible consecutive restarts, a route (from the peer) previously marked as
    // stale MUST be deleted" — but a long-lived stale one stays until its Long-Lived Stale Time
    // runs out (RFC 9494 §4.2).
    if (this.phase === "stale") {
      const plain = [...this.stale].filter((k) => !this.longLived.has(k)).map(family);
      if (plain.length > 0)
        this.sweepFamilies(plain, "consecutive restart: routes still stale deleted");
    }
    this.hooks.retainStale(families.filter((f) => !kept.includes(f)));
    this.phase = "restarting";
    this.restarts++;
    this.stale = new Set(kept.map(key));
    this.awaiting.clear();
    // RFC 9494 §4.2: a family absent from the Graceful Restart capability has a Restart Time of 0.
    const atOnce = kept.filter(
      (f) => !listed(f) || peer.restartTime === 0 || this.longLived.has(key(f)),
    );
    const later = kept.filter((f) => !atOnce.includes(f));
    if (atOnce.length > 0)
      this.enterLongLived(atOnce, llst, "Restart Time 0 and no Long-Lived Stale Time");
    if (later.length === 0) {
      if (this.phase === "restarting") this.phase = "long-lived";
      return;
    }
    const ms = peer.restartTime * 1000;
    this.restartDeadline = this.clock.now() + ms;
    this.restartTimer = this.clock.setTimer(() => {
      this.restartTimer = undefined;
      this.restartDeadline = null;
      if (this.phase !== "restarting") return;
      this.phase = "long-lived";
      this.enterLongLived(
        later,
        llst,
        `Restart Time (${peer.restartTime} s) ran out before the session came back`,
      );
    }, ms);
  }

  /**
   * RFC 9494 §4.2: the families' routes become long-lived stale — each with a Long-Lived Stale
   * Time, its timer started unless it runs already; the others are swept (`reason`).
   */
  private enterLongLived(
    families: readonly AfiSafi[],
    llst: (f: AfiSafi) => number,
    reason: string,
  ): void {
    const ll = families.filter((f) => this.longLived.has(key(f)) || llst(f) > 0);
    const gone = families.filter((f) => !ll.includes(f));
    if (gone.length > 0) this.sweepFamilies(gone, reason);
    if (ll.length === 0) return;
    this.hooks.longLivedStale!(ll);
    for (const f of ll)
      if (!this.longLived.has(key(f)))
        this.startLongLived(
          f,
          llst(f) * 1000,
          `Long-Lived Stale Time (${llst(f)} s) of ${key(f)} ran out`,
        );
  }

  /** Starts family f's Long-Lived Stale Time timer: `ms` from now its routes are swept. */
  private startLongLived(f: AfiSafi, ms: number, reason: string): void {
    const k = key(f);
    const timer = this.clock.setTimer(() => {
      if (this.longLived.get(k)?.timer !== timer) return;
      this.longLived.delete(k);
      if (this.stale.has(k)) this.sweepFamilies([{ afi: f.afi, safi: f.safi }], reason);
    }, ms);
    this.longLived.set(k, { deadline: this.clock.now() + ms, timer });
  }

  /**
   * The session is Established again (and the neighbour is up in the RIB); `peer` and `llgr` are
   * the capabilities of its new OPEN.
   */
  sessionUp(
    peer: PeerGracefulRestart | false,
    llgr: PeerLongLivedGracefulRestart | false = false,
  ): void {
    if (this.phase !== "restarting" && this.phase !== "long-lived") return;
    this.stopTimers();
    if (peer === false) {
      this.sweep("the new OPEN has no Graceful Restart capability");
      return;
    }
    const dropped: AfiSafi[] = [];
    const why: string[] = [];
    for (const k of this.stale) {
      if (this.longLived.has(k)) {
        // RFC 9494 §4.2: kept only if the new LLGR capability lists it with the F bit.
        const f = llgr === false ? undefined : llgr.families.find((g) => key(g) === k);
        if (f?.forwardingState) continue;
        dropped.push(family(k));
        why.push(
          llgr === false
            ? `family ${k} is long-lived stale and the new OPEN has no Long-Lived Graceful Restart capability`
            : f === undefined
              ? `family ${k} is missing from the new Long-Lived Graceful Restart capability`
              : `family ${k} has no Forwarding State bit in the new Long-Lived Graceful Restart capability`,
        );
        continue;
      }
      const f = peer.families.find((g) => key(g) === k);
      if (f?.forwardingState) continue;
      dropped.push(family(k));
      why.push(
        f === undefined
          ? `family ${k} is missing from the new Graceful Restart capability`
          : `family ${k} has no Forwarding State bit in the new OPEN`,
      );
    }
    if (dropped.length > 0) this.sweepFamilies(dropped, why.join("; "));
    if (this.stale.size > 0) this.awaitEndOfRib(this.options.staleRoutesTime * 1000);
  }

  /**
   * The wait a graft carries (see {@link GracefulRestartHandover}, without the RIB part): the
   * families awaited and the stale-path time left; undefined unless routes await End-of-RIB.
   */
  handover():
    | Pick<GracefulRestartHandover, "awaitingEndOfRib" | "staleRemainingMs" | "longLived">
    | undefined {
    if (this.phase !== "stale") return undefined;
    const now = this.clock.now();
    return {
      awaitingEndOfRib: [...this.awaiting].map(family),
      // No stale-path timer when every family awaited is long-lived stale.
      staleRemainingMs: this.staleDeadline === null ? 0 : Math.max(0, this.staleDeadline - now),
      ...(this.longLived.size > 0
        ? {
            longLived: [...this.longLived].map(([k, e]) => ({
              ...family(k),
              remainingMs: Math.max(0, e.deadline - now),
            })),
          }
        : {}),
    };
  }

  /**
   * On the router a session was grafted to: goes on waiting for the End-of-RIB markers of
   * `awaiting`, the stale-path timer running for what was left of it on the old router.
   */
  resumeStale(
    awaiting: readonly AfiSafi[],
    staleRemainingMs: number,
    longLived: GracefulRestartHandover["longLived"] = [],
  ): void {
    this.stopTimers();
    this.reset();
    if (awaiting.length === 0) return;
    this.stale = new Set(awaiting.map(key));
    for (const f of longLived)
      if (this.stale.has(key(f)))
        this.startLongLived(
          f,
          Math.max(0, f.remainingMs),
          `Long-Lived Stale Time of ${key(f)} ran out`,
        );
    this.awaitEndOfRib(Math.max(0, staleRemainingMs));
  }

  /** Phase `stale`: every family still stale awaits its End-of-RIB, or the timer (`ms`). */
  private awaitEndOfRib(ms: number): void {
    this.phase = "stale";
    this.awaiting = new Set(this.stale);
    // Long-lived stale families wait under their Long-Lived Stale Time only (RFC 9494 §4.2).
    if ([...this.stale].every((k) => this.longLived.has(k))) return;
    this.staleDeadline = this.clock.now() + ms;
    this.staleTimer = this.clock.setTimer(() => {
      this.staleTimer = undefined;
      this.staleDeadline = null;
      if (this.phase !== "stale") return;
      const plain = [...this.stale].filter((k) => !this.longLived.has(k)).map(family);
      this.sweepFamilies(plain, `stale-path timer (${this.options.staleRoutesTime} s) ran out`);
    }, ms);
  }

  /** An End-of-RIB marker arrived: the family's routes still stale are swept. */
  endOfRib(f: AfiSafi): void {
    if (this.phase !== "stale" || !this.awaiting.has(key(f))) return;
    this.sweepFamilies([f], `End-of-RIB received for ${key(f)}`);
  }

  /** Sweeps now (e.g. before a change the RIB refuses while routes are stale). */
  abort(reason: string): void {
    if (this.phase === "none") return;
    this.sweep(reason);
  }

  /** Cancels the timers (the neighbour is being removed). */
  dispose(): void {
    this.stopTimers();
    this.reset();
  }

  private sweepFamilies(families: readonly AfiSafi[], reason: string): void {
    for (const f of families) {
      this.stale.delete(key(f));
      this.awaiting.delete(key(f));
      this.dropLongLived(key(f));
    }
    // Nothing left stale: the whole sweep (one pass over the RIB; timers stopped, phase none).
    if (this.stale.size === 0) {
      this.sweep(reason);
      return;
    }
    this.lastSweep = { at: this.clock.now(), reason };
    this.hooks.sweepStale(reason, families);
  }

  private dropLongLived(k: string): void {
    const e = this.longLived.get(k);
    if (e === undefined) return;
    this.clock.clearTimer(e.timer);
    this.longLived.delete(k);
  }

  private sweep(reason: string): void {
    this.stopTimers();
    this.reset();
    this.lastSweep = { at: this.clock.now(), reason };
    this.hooks.sweepStale(reason);
  }

  private reset(): void {
    this.phase = "none";
    this.stale.clear();
    this.awaiting.clear();
    for (const k of [...this.longLived.keys()]) this.dropLongLived(k);
  }

  private stopTimers(): void {
    if (this.restartTimer !== undefined) this.clock.clearTimer(this.restartTimer);
    if (this.staleTimer !== undefined) this.clock.clearTimer(this.staleTimer);
    this.restartTimer = undefined;
    this.staleTimer = undefined;
    this.restartDeadline = null;
    this.staleDeadline = null;
  }
}

/**
 * The {@link GracefulRestartHooks} over a `Rib` for one neighbour: the RIB marks the neighbour's
 * routes stale (those of the families retained; the others withdrawn), clears a route's mark when
 * the neighbour sends it again, and sweeps the routes still stale — of one family on its
 * End-of-RIB, or all.
 *
 * @example
 * ```ts
 * import { Rib } from "@dyninfra/bgp-rib";
 * import { GracefulRestartReceiver, ManualClock, RibStaleRoutes } from "@dyninfra/bgp-speaker";
 * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
 * rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2" });
 * const hooks = new RibStaleRoutes(rib, "192.0.2.2", (changes) => void changes);
 * const gr = new GracefulRestartReceiver(new ManualClock(), { staleRoutesTime: 360 }, hooks);
 * ```
 */
export class RibStaleRoutes implements GracefulRestartHooks {
  constructor(
    private readonly rib: Rib,
    private readonly address: string,
    private readonly apply: (changes: ChangeSet) => void,
  ) {}

  retainStale(withdraw: readonly AfiSafi[]): void {
    // The RIB holds IPv4 and IPv6 unicast routes: those of a family absent from the capability
    // are withdrawn, the others kept stale (each route's stale mark kept in the RIB, cleared when
    // the neighbour sends the route again).
    const dropped = (afi: number) => withdraw.some((f) => f.afi === afi && f.safi === 1);
    const afis = [1, 2].filter((afi) => !dropped(afi));
    this.apply(this.rib.peerDown(this.address, { retainStale: true, afis }));
  }

  withdrawAll(): void {
    this.apply(this.rib.peerDown(this.address));
  }

  longLivedStale(families: readonly AfiSafi[]): void {
    // Unicast only, as for the sweep.
    for (const afi of new Set(families.filter((f) => f.safi === 1).map((f) => f.afi)))
      if (afi === 1 || afi === 2) this.apply(this.rib.longLivedStale(this.address, afi));
  }

  sweepStale(_reason: string, families?: readonly AfiSafi[]): void {
    if (families === undefined) {
      this.apply(this.rib.sweepStale(this.address));
      return;
    }
    // Unicast only: the RIB holds no routes of other SAFIs.
    for (const afi of new Set(families.filter((f) => f.safi === 1).map((f) => f.afi)))
      if (afi === 1 || afi === 2) this.apply(this.rib.sweepStale(this.address, afi));
  }

  /** The RIB part of a {@link GracefulRestartHandover}: the AFIs holding stale routes. */
  handover(): Pick<GracefulRestartHandover, "staleAfis"> {
    return { staleAfis: [1, 2].filter((afi) => this.rib.staleCount(this.address, afi) > 0) };
  }

  /**
   * On the router a session was grafted to (its stale routes imported stale with the snapshot,
   * each with its mark): with a handover, nothing to do — the End-of-RIB markers awaited sweep
   * per family; `undefined` (nothing is stale there any more: swept meanwhile, or refreshed)
   * sweeps what the snapshot still had stale.
   */
  resume(h: Pick<GracefulRestartHandover, "staleAfis"> | undefined): void {
    if (h === undefined && this.rib.staleCount(this.address) > 0)
      this.apply(this.rib.sweepStale(this.address));
  }
}
