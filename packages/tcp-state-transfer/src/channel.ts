import { TcpStateTransferError } from "./errors";
import type { SeededRandom } from "./random";
import type { EventScheduler } from "./scheduler";

/** How a one-way channel treats what it carries. Probabilities are per item. */
export interface ChannelProfile {
  /** Propagation delay in µs (default 1000). */
  readonly delayUs?: number;
  /** Uniform extra delay in `[0, jitterUs)` µs; jitter reorders. */
  readonly jitterUs?: number;
  /** Probability an item is lost. */
  readonly loss?: number;
  /** Probability an item is delivered twice. */
  readonly duplicate?: number;
  /** Probability an item is held back by `reorderDelayUs` (so later items overtake it). */
  readonly reorder?: number;
  /** Extra delay of a reordered item (default 3 × delay). */
  readonly reorderDelayUs?: number;
}

/** Counters of a {@link Channel}. */
export interface ChannelStats {
  readonly sent: number;
  readonly delivered: number;
  /** Lost to random or scripted loss. */
  readonly dropped: number;
  /** Lost because they were in flight when the channel was cut. */
  readonly cut: number;
  readonly duplicated: number;
  readonly reordered: number;
}

/**
 * A one-way, seeded, virtual-time channel that can delay, lose, duplicate and reorder what it
 * carries, with scripted faults (`dropNext`, `delayNext`, `duplicateNext`) for tests and `cut()`
 * to lose everything in flight (a link that moves). Generic in what it carries.
 *
 * @example
 * ```ts
 * const s = new EventScheduler();
 * const ch = new Channel<string>(s, new SeededRandom(1), { delayUs: 500 }, (x) => console.log(x));
 * ch.send("hello");
 * s.runFor(1_000);
 * ```
 */
export class Channel<T> {
  #epoch = 0;
  #dropNext = 0;
  #delayNext: number[] = [];
  #dupNext = 0;
  #sent = 0;
  #delivered = 0;
  #dropped = 0;
  #cut = 0;
  #duplicated = 0;
  #reordered = 0;
  #inFlight = 0;
  readonly #delay: number;
  readonly #jitter: number;

  constructor(
    private readonly scheduler: EventScheduler,
    private readonly rng: SeededRandom,
    private readonly profile: ChannelProfile,
    /** Receives each delivered item. Replaceable (e.g. when the far end migrates). */
    public deliver: (item: T) => void,
  ) {
    this.#delay = profile.delayUs ?? 1000;
    this.#jitter = profile.jitterUs ?? 0;
    if (!(this.#delay >= 0) || !(this.#jitter >= 0)) {
      throw new TcpStateTransferError("BAD_PROFILE", "delays must be ≥ 0", { field: "delayUs" });
    }
    for (const f of ["loss", "duplicate", "reorder"] as const) {
      const p = profile[f] ?? 0;
      if (!(p >= 0 && p <= 1)) {
        throw new TcpStateTransferError("BAD_PROFILE", `${f} must be a probability`, { field: f });
      }
    }
  }

  /** Counters so far. */
  get stats(): ChannelStats {
    return {
      sent: this.#sent,
      delivered: this.#delivered,
      dropped: this.#dropped,
      cut: this.#cut,
      duplicated: this.#duplicated,
      reordered: this.#reordered,
    };
  }

  /** Items currently in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Loses the next `n` items sent. */
  dropNext(n = 1): void {
    this.#dropNext += n;
  }

  /** Delays the next item sent by `extraUs` more (reordering it behind later ones). */
  delayNext(extraUs: number): void {
    this.#delayNext.push(extraUs);
  }

  /** Delivers the next `n` items twice. */
  duplicateNext(n = 1): void {
    this.#dupNext += n;
  }

  /** Loses everything in flight now; returns how many items were lost. */
  cut(): number {
    const lost = this.#inFlight;
    this.#cut += lost;
    this.#inFlight = 0;
    this.#epoch++;
    return lost;
  }

  /** Sends one item. */
  send(item: T): void {
    this.#sent++;
    if (this.#dropNext > 0) {
      this.#dropNext--;
      this.#dropped++;
      return;
    }
    const p = this.profile;
    if (p.loss !== undefined && this.rng.chance(p.loss)) {
      this.#dropped++;
      return;
    }
    let delay = this.#delay;
    if (this.#jitter > 0) delay += this.rng.next() * this.#jitter;
    const extra = this.#delayNext.length > 0 ? this.#delayNext.shift() : undefined;
    if (extra !== undefined) {
      delay += extra;
      this.#reordered++;
    } else if (p.reorder !== undefined && this.rng.chance(p.reorder)) {
      delay += p.reorderDelayUs ?? 3 * this.#delay;
      this.#reordered++;
    }
    let copies = 1;
    if (this.#dupNext > 0) {
      this.#dupNext--;
      copies = 2;
    } else if (p.duplicate !== undefined && this.rng.chance(p.duplicate)) copies = 2;
    if (copies === 2) this.#duplicated++;
    // Scheduled without a closure: the scheduler calls #arrive(item, epoch) when it is due.
    this.#inFlight++;
    this.scheduler.post(delay, this.#arrive, item, this.#epoch);
    if (copies === 2) {
      this.#inFlight++;
      this.scheduler.post(delay + 1, this.#arrive, item, this.#epoch);
    }
  }

  /** Delivers an item posted at `epoch` unless the channel was cut since. */
  readonly #arrive = (item: unknown, epoch: number): void => {
    if (epoch !== this.#epoch) return;
    this.#inFlight--;
    this.#delivered++;
    this.deliver(item as T);
  };
}
