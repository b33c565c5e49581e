/**
 * The time source of a session: wall-clock time for real peers, virtual time for simulations and
 * tests. Times are milliseconds.
 *
 * @example
 * ```ts
 * import { systemClock } from "@dyninfra/bgp-speaker";
 * const t = systemClock.now();
 * ```
 */
export interface Clock {
  /** Current time in milliseconds. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now; returns a handle for {@link Clock.clearTimer}. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Cancels a timer set with {@link Clock.setTimer}. */
  clearTimer(handle: unknown): void;
}

/**
 * The wall clock (`Date.now`, `setTimeout`). Timers do not keep the process alive.
 *
 * @example
 * ```ts
 * import { systemClock } from "@dyninfra/bgp-speaker";
 * systemClock.setTimer(() => console.log("tick"), 10);
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A virtual clock that moves only when told to: timers fire in deadline order (ties in the order
 * they were set) during {@link ManualClock.advance}. Deterministic, for tests and simulations.
 *
 * @example
 * ```ts
 * import { ManualClock } from "@dyninfra/bgp-speaker";
 * const clock = new ManualClock();
 * clock.setTimer(() => console.log("fired at", clock.now()), 1000);
 * clock.advance(1500); // fired at 1000
 * ```
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: { id: number; at: number; seq: number } | undefined;
      for (const [id, t] of this.timers) {
        if (t.at > end) continue;
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))
          next = { id, at: t.at, seq: t.seq };
      }
      if (next === undefined) break;
      const timer = this.timers.get(next.id)!;
      this.timers.delete(next.id);
      this.time = timer.at;
      timer.fn();
    }
    this.time = end;
  }
}
