import type { TcpEndpoint } from "./endpoint";
import type { ByteQueue } from "./internal/byte-queue";
import type { EventScheduler, ScheduledEvent } from "./scheduler";
import type { TcpSegment } from "./segment";

/**
 * A {@link TcpEndpoint} bound to a virtual clock and a transmit function: segments it produces
 * are handed to `transmit`, its timers are scheduled on the shared {@link EventScheduler}.
 * This is the byte-stream face a protocol (e.g. a BGP speaker) uses in a simulation.
 *
 * @example
 * ```ts
 * const clock = new EventScheduler();
 * const ep = new TcpEndpoint({ localPort: 179, remotePort: 40000, iss: 1 });
 * const sock = new TcpSocket(ep, clock, (seg) => link.send(seg));
 * sock.onEvent = () => { const bytes = sock.read(); };
 * ep.listen();
 * ```
 */
export class TcpSocket {
  /** Called after every segment or timer the socket processed (data may be readable). */
  onEvent: ((socket: TcpSocket) => void) | undefined;
  #timer: ScheduledEvent | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #frozen = false;
  /** Calls the current `transmit` (which may be replaced), allocated once. */
  readonly #transmit = (segment: TcpSegment): void => this.transmit(segment);

  constructor(
    readonly endpoint: TcpEndpoint,
    readonly scheduler: EventScheduler,
    public transmit: (segment: TcpSegment) => void,
  ) {
    this.pump();
  }

  /** True after {@link TcpSocket.freeze}. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Active open. */
  connect(): void {
    this.endpoint.connect(this.scheduler.now);
    this.pump();
  }

  /** Passive open. */
  listen(): void {
    this.endpoint.listen();
  }

  /** Queues bytes; returns how many the send buffer accepted. */
  write(data: Uint8Array): number {
    const n = this.endpoint.write(data, this.scheduler.now);
    this.pump();
    return n;
  }

  /** `write` without a copy; `data` must never be mutated afterwards. @internal */
  writeOwned(data: Uint8Array): number {
    const n = this.endpoint.writeOwned(data, this.scheduler.now);
    this.pump();
    return n;
  }

  /** `writeOwned` from a queue of owned bytes, which it consumes. @internal */
  writeFrom(queue: ByteQueue): number {
    const n = this.endpoint.writeFrom(queue, this.scheduler.now);
    this.pump();
    return n;
  }

  /**
   * Reads up to `max` unread bytes. A frozen socket yields nothing: its application is
   * checkpointed with it (as CRIU stops the process), and the unread bytes travel in the
   * snapshot's receive queue, to be read once on the new host.
   */
  read(max?: number): Uint8Array {
    if (this.#frozen) return new Uint8Array(0);
    const b = this.endpoint.read(this.scheduler.now, max);
    this.pump();
    return b;
  }

  /** Queues a FIN. */
  close(): void {
    this.endpoint.close(this.scheduler.now);
    this.pump();
  }

  /** Hands an arriving segment to the endpoint (ignored once frozen). */
  deliver(segment: TcpSegment): void {
    if (this.#frozen) return;
    this.endpoint.receive(segment, this.scheduler.now);
    this.pump();
    this.onEvent?.(this);
  }

  /** TCP_REPAIR on: stop all processing and timers. */
  freeze(): void {
    this.#frozen = true;
    this.endpoint.freeze();
    if (this.#timer !== undefined) this.scheduler.cancel(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** TCP_REPAIR off (window probe, then normal operation). */
  resume(): void {
    this.#frozen = false;
    this.endpoint.resume(this.scheduler.now);
    this.pump();
  }

  /** Sends what the endpoint produced and (re)arms its timer. */
  pump(): void {
    if (this.#frozen) return;
    this.endpoint.flushSegments(this.#transmit);
    const d = this.endpoint.timerDeadline;
    if (d !== undefined && d < this.#timerAt) {
      if (this.#timer !== undefined) this.scheduler.cancel(this.#timer);
      this.#timerAt = d;
      this.#timer = this.scheduler.at(d, () => this.#fire());
    }
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#frozen) return;
    const d = this.endpoint.timerDeadline;
    if (d !== undefined && d <= this.scheduler.now) {
      this.endpoint.onTimer(this.scheduler.now);
      this.pump();
      this.onEvent?.(this);
    } else {
      this.pump();
    }
  }
}
