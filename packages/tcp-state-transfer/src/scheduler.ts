import { TcpStateTransferError } from "./errors";

/** Handle of a scheduled event, for {@link EventScheduler.cancel}. */
export interface ScheduledEvent {
  /** Virtual time (µs) at which the event fires. */
  readonly at: number;
  /** Insertion number: events at the same instant fire in insertion order. */
  readonly order: number;
  /** True once cancelled or fired. */
  readonly done: boolean;
}

interface EventEntry extends ScheduledEvent {
  at: number;
  order: number;
  done: boolean;
  action: () => void;
}

/**
 * A deterministic discrete-event scheduler in virtual time, in microseconds.
 *
 * Events fire in `(time, insertion order)` order, so two runs with the same inputs produce the same
 * trace. One scheduler can be shared by every simulated component (TCP endpoints, links, an optical
 * switch, a BGP speaker) so they all see one clock.
 *
 * @example
 * ```ts
 * const clock = new EventScheduler();
 * clock.after(1_000, () => console.log("1 ms", clock.now));
 * clock.runUntil(5_000);
 * ```
 */
export class EventScheduler {
  #now = 0;
  #order = 0;
  #heap: EventEntry[] = [];
  /**
   * Events scheduled in non-decreasing time order (e.g. a channel with a constant delay) skip the
   * heap: they queue here in O(1). The next event is the earlier of the two heads.
   */
  #fifo: EventEntry[] = [];
  #fifoHead = 0;
  #fired = 0;

  /** @param start - initial virtual time in µs (default 0). */
  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new TcpStateTransferError("BAD_TIME", "start time must be finite", { field: "start" });
    }
    this.#now = start;
  }

  /** Current virtual time in µs. */
  get now(): number {
    return this.#now;
  }

  /** Number of events waiting. Cancelled events are dropped lazily and may still count. */
  get pending(): number {
    return this.#heap.length + this.#fifo.length - this.#fifoHead;
  }

  /** Number of events fired so far. */
  get fired(): number {
    return this.#fired;
  }

  /**
   * Schedules `action` at absolute virtual time `at` (µs). A time in the past fires at `now`.
   * @example
   * ```ts
   * const s = new EventScheduler();
   * s.at(10, () => {});
   * ```
   */
  at(at: number, action: () => void): ScheduledEvent {
    if (Number.isNaN(at)) {
      throw new TcpStateTransferError("BAD_TIME", "event time is NaN", { field: "at" });
    }
    const entry: EventEntry = {
      at: Math.max(at, this.#now),
      order: this.#order++,
      done: false,
      action,
    };
    const fifo = this.#fifo;
    const tail = fifo.length > this.#fifoHead ? fifo[fifo.length - 1]! : undefined;
    if (tail === undefined || tail.at <= entry.at) fifo.push(entry);
    else this.#push(entry);
    return entry;
  }

  /**
   * Schedules `action` `delay` µs from now.
   * @example
   * ```ts
   * const s = new EventScheduler();
   * s.after(1_000_000, () => console.log("one second later"));
   * ```
   */
  after(delay: number, action: () => void): ScheduledEvent {
    return this.at(this.#now + Math.max(0, delay), action);
  }

  /**
   * Cancels an event that has not fired yet; cancelling twice is harmless.
   * @example
   * ```ts
   * const s = new EventScheduler();
   * s.cancel(s.after(5, () => {}));
   * ```
   */
  cancel(event: ScheduledEvent): void {
    (event as EventEntry).done = true;
  }

  /** Time of the next live event, or `undefined` when idle. */
  nextTime(): number | undefined {
    this.#dropCancelled();
    return this.#peek()?.at;
  }

  /**
   * Fires the next live event (advancing the clock to it). Returns false when idle.
   * @example
   * ```ts
   * const s = new EventScheduler();
   * s.after(3, () => {});
   * s.step(); // true, s.now === 3
   * ```
   */
  step(): boolean {
    this.#dropCancelled();
    const e = this.#take();
    if (e === undefined) return false;
    this.#now = e.at;
    e.done = true;
    this.#fired++;
    e.action();
    return true;
  }

  /**
   * Fires every event up to and including time `until`, then sets the clock to `until`.
   * `maxEvents` bounds the work (a guard against livelock); exceeding it throws.
   * @example
   * ```ts
   * const s = new EventScheduler();
   * s.runUntil(2_000_000); // s.now === 2_000_000
   * ```
   */
  runUntil(until: number, maxEvents = Number.POSITIVE_INFINITY): void {
    let n = 0;
    for (;;) {
      this.#dropCancelled();
      const head = this.#peek();
      if (head === undefined || head.at > until) break;
      if (n++ >= maxEvents) {
        throw new TcpStateTransferError(
          "EVENT_LIMIT",
          `more than ${maxEvents} events before ${until} µs`,
          { field: "maxEvents" },
        );
      }
      this.step();
    }
    if (until > this.#now) this.#now = until;
  }

  /**
   * Advances the clock by `duration` µs, firing the events on the way.
   * @example
   * ```ts
   * const s = new EventScheduler();
   * s.runFor(1_000);
   * ```
   */
  runFor(duration: number, maxEvents?: number): void {
    this.runUntil(this.#now + duration, maxEvents);
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && this.#heap[0]!.done) this.#pop();
    const fifo = this.#fifo;
    while (this.#fifoHead < fifo.length && fifo[this.#fifoHead]!.done) this.#fifoHead++;
    if (this.#fifoHead === fifo.length) {
      fifo.length = 0;
      this.#fifoHead = 0;
    } else if (this.#fifoHead > 4096 && this.#fifoHead * 2 > fifo.length) {
      this.#fifo = fifo.slice(this.#fifoHead);
      this.#fifoHead = 0;
    }
  }

  /** The earlier of the heap head and the FIFO head (both already free of cancelled events). */
  #peek(): EventEntry | undefined {
    const h = this.#heap[0];
    const f = this.#fifoHead < this.#fifo.length ? this.#fifo[this.#fifoHead] : undefined;
    if (h === undefined) return f;
    if (f === undefined) return h;
    return this.#less(f, h) ? f : h;
  }

  #take(): EventEntry | undefined {
    const e = this.#peek();
    if (e === undefined) return undefined;
    if (e === this.#heap[0]) this.#pop();
    else this.#fifoHead++;
    return e;
  }

  #less(a: EventEntry, b: EventEntry): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #push(e: EventEntry): void {
    const h = this.#heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.#less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  #pop(): EventEntry | undefined {
    const h = this.#heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.#less(h[r]!, h[l]!) ? r : l;
        if (!this.#less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
