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

/**
 * What a posted event calls: `fn(arg, tag)`. One function per producer (e.g. a channel), so that
 * posting allocates nothing per event. @internal
 */
export type PostedAction = (arg: unknown, tag: number) => void;

/** A cancellable event created by `at` / `after`. */
class EventHandle implements ScheduledEvent {
  done = false;
  constructor(
    readonly at: number,
    readonly order: number,
    readonly action: () => void,
  ) {}
}

/** `tag` of a slot whose target is an {@link EventHandle} (posted events carry tags ≥ 0). */
const HANDLE = -1;

/**
 * A FIFO of events in non-decreasing `(at, order)`, as parallel ring buffers: appending and
 * taking the head allocate nothing.
 */
class Lane {
  at = new Float64Array(64);
  order = new Float64Array(64);
  tag = new Float64Array(64);
  target: unknown[] = new Array(64).fill(undefined);
  arg: unknown[] = new Array(64).fill(undefined);
  head = 0;
  size = 0;
  mask = 63;
  /** Time of the last event appended (valid while `size > 0`). */
  tailAt = 0;

  push(at: number, order: number, target: unknown, arg: unknown, tag: number): void {
    if (this.size > this.mask) this.grow();
    const i = (this.head + this.size) & this.mask;
    this.at[i] = at;
    this.order[i] = order;
    this.tag[i] = tag;
    this.target[i] = target;
    this.arg[i] = arg;
    this.size++;
    this.tailAt = at;
  }

  /** Drops the head slot (releasing its references). */
  shift(): void {
    const h = this.head;
    this.target[h] = undefined;
    this.arg[h] = undefined;
    this.head = (h + 1) & this.mask;
    this.size--;
  }

  grow(): void {
    const cap = (this.mask + 1) * 2;
    const at = new Float64Array(cap);
    const order = new Float64Array(cap);
    const tag = new Float64Array(cap);
    const target: unknown[] = new Array(cap).fill(undefined);
    const arg: unknown[] = new Array(cap).fill(undefined);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & this.mask;
      at[k] = this.at[i]!;
      order[k] = this.order[i]!;
      tag[k] = this.tag[i]!;
      target[k] = this.target[i];
      arg[k] = this.arg[i];
    }
    this.at = at;
    this.order = order;
    this.tag = tag;
    this.target = target;
    this.arg = arg;
    this.head = 0;
    this.mask = cap - 1;
  }
}

/** An event that did not fit any lane, kept in the binary heap. */
interface HeapEntry {
  at: number;
  order: number;
  target: unknown;
  arg: unknown;
  tag: number;
}

/** At most this many FIFO lanes; further out-of-order events go to the heap. */
const MAX_LANES = 4;

/**
 * A deterministic discrete-event scheduler in virtual time, in microseconds.
 *
 * Events fire in `(time, insertion order)` order, so two runs with the same inputs produce the same
 * trace. One scheduler can be shared by every simulated component (TCP endpoints, links, an optical
 * switch, a BGP speaker) so they all see one clock.
 *
 * Most events of a simulation are scheduled in non-decreasing time order by their producer (a
 * channel with a constant delay, a timer re-armed further ahead), so the queue is a few FIFO lanes
 * — each event goes to the first lane whose last event is not later — merged by their heads, with
 * a binary heap for the rest. The lanes are ring buffers: a segment in flight costs no allocation.
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
  #lanes: Lane[] = [];
  #heap: HeapEntry[] = [];
  #fired = 0;
  /** Set by `#select`: the time of the selected next event. */
  #selAt = 0;

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
    let n = this.#heap.length;
    for (const lane of this.#lanes) n += lane.size;
    return n;
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
    const t = Math.max(at, this.#now);
    const handle = new EventHandle(t, this.#order, action);
    this.#insert(t, handle, undefined, HANDLE);
    return handle;
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
   * Schedules `fn(arg, tag)` `delay` µs from now, like {@link EventScheduler.after} but without a
   * handle or a closure per event (`tag` ≥ 0; such events cannot be cancelled — the producer
   * checks `tag`, e.g. an epoch, when they fire).
   * @internal
   */
  post(delay: number, fn: PostedAction, arg: unknown, tag: number): void {
    const at = this.#now + Math.max(0, delay);
    if (Number.isNaN(at)) {
      throw new TcpStateTransferError("BAD_TIME", "event time is NaN", { field: "at" });
    }
    this.#insert(Math.max(at, this.#now), fn, arg, tag);
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
    (event as EventHandle).done = true;
  }

  /** Time of the next live event, or `undefined` when idle. */
  nextTime(): number | undefined {
    return this.#select() === NONE ? undefined : this.#selAt;
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
    const src = this.#select();
    if (src === NONE) return false;
    this.#fire(src);
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
      const src = this.#select();
      if (src === NONE || this.#selAt > until) break;
      if (n++ >= maxEvents) {
        throw new TcpStateTransferError(
          "EVENT_LIMIT",
          `more than ${maxEvents} events before ${until} µs`,
          { field: "maxEvents" },
        );
      }
      this.#fire(src);
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

  #insert(at: number, target: unknown, arg: unknown, tag: number): void {
    const order = this.#order++;
    const lanes = this.#lanes;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i]!;
      if (lane.size === 0 || lane.tailAt <= at) {
        lane.push(at, order, target, arg, tag);
        return;
      }
    }
    if (lanes.length < MAX_LANES) {
      const lane = new Lane();
      lane.push(at, order, target, arg, tag);
      lanes.push(lane);
      return;
    }
    this.#push({ at, order, target, arg, tag });
  }

  /**
   * Drops cancelled heads and picks the earliest live event: a lane index, `HEAP`, or `NONE`.
   * Sets `#selAt` to its time.
   */
  #select(): number {
    let best = NONE;
    let bestAt = 0;
    let bestOrder = 0;
    const lanes = this.#lanes;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i]!;
      while (lane.size > 0) {
        const h = lane.head;
        if (lane.tag[h] === HANDLE && (lane.target[h] as EventHandle).done) lane.shift();
        else break;
      }
      if (lane.size === 0) continue;
      const h = lane.head;
      const at = lane.at[h]!;
      const order = lane.order[h]!;
      if (best === NONE || at < bestAt || (at === bestAt && order < bestOrder)) {
        best = i;
        bestAt = at;
        bestOrder = order;
      }
    }
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.tag === HANDLE && (heap[0]!.target as EventHandle).done) {
      this.#pop();
    }
    const top = heap[0];
    if (
      top !== undefined &&
      (best === NONE || top.at < bestAt || (top.at === bestAt && top.order < bestOrder))
    ) {
      best = HEAP;
      bestAt = top.at;
    }
    this.#selAt = bestAt;
    return best;
  }

  /** Fires the event `#select` picked. */
  #fire(src: number): void {
    let at: number;
    let target: unknown;
    let arg: unknown;
    let tag: number;
    if (src === HEAP) {
      const e = this.#pop()!;
      at = e.at;
      target = e.target;
      arg = e.arg;
      tag = e.tag;
    } else {
      const lane = this.#lanes[src]!;
      const h = lane.head;
      at = lane.at[h]!;
      target = lane.target[h];
      arg = lane.arg[h];
      tag = lane.tag[h]!;
      lane.shift();
    }
    this.#now = at;
    this.#fired++;
    if (tag === HANDLE) {
      const e = target as EventHandle;
      e.done = true;
      e.action();
    } else {
      (target as PostedAction)(arg, tag);
    }
  }

  #push(e: HeapEntry): void {
    const h = this.#heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  #pop(): HeapEntry | undefined {
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
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        if (!less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/** `#select` results other than a lane index. */
const NONE = -1;
const HEAP = -2;

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
