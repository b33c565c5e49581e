// The simulation's plumbing: one virtual clock (µs) for TCP, optics and BGP timers, byte streams
// over simulated TCP sockets, and a driver that lets Node's own queues run between events.
import { Duplex } from "node:stream";
import type { Clock } from "@dyninfra/bgp-speaker";
import type { EventScheduler, ScheduledEvent, TcpSocket } from "@dyninfra/tcp-state-transfer";

/** bgp-speaker's Clock (ms) on the shared EventScheduler (µs). */
export function schedulerClock(s: EventScheduler): Clock {
  return {
    now: () => s.now / 1000,
    setTimer: (fn, ms) => s.after(Math.round(ms * 1000), fn),
    clearTimer: (h) => s.cancel(h as ScheduledEvent),
  };
}

/**
 * A Node duplex stream over a simulated TCP socket: what BGP writes goes into the socket's send
 * buffer (held here while the buffer is full), what the socket received in order is pushed to the
 * reader. `unbind()` stops reading, so that bytes not yet read stay in the TCP receive queue and
 * travel with the TCP snapshot when the connection moves.
 */
export class TcpDuplex extends Duplex {
  private socket: TcpSocket | undefined;
  private readonly pending: Buffer[] = [];
  private reading = false;

  constructor(socket: TcpSocket) {
    super();
    this.bind(socket);
  }

  bind(socket: TcpSocket): void {
    this.socket = socket;
    this.reading = true;
    socket.onEvent = () => this.service();
    this.service();
  }

  /** Stops reading and writing; returns the socket. */
  unbind(): TcpSocket | undefined {
    const s = this.socket;
    this.reading = false;
    if (s !== undefined) s.onEvent = undefined;
    this.socket = undefined;
    return s;
  }

  /** Bytes BGP wrote that the TCP send buffer has not accepted yet. */
  get pendingBytes(): number {
    return this.pending.reduce((n, b) => n + b.length, 0);
  }

  service(): void {
    const s = this.socket;
    if (s === undefined || s.frozen) return;
    this.flushWrites();
    if (!this.reading) return;
    for (;;) {
      const b = s.read();
      if (b.length === 0) break;
      this.push(Buffer.from(b.buffer, b.byteOffset, b.length));
    }
  }

  override _read(): void {
    this.service();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.pending.push(chunk);
    this.flushWrites();
    cb();
  }

  private flushWrites(): void {
    const s = this.socket;
    while (this.pending.length > 0 && s !== undefined && !s.frozen) {
      const c = this.pending[0]!;
      const n = s.write(c);
      if (n < c.length) {
        this.pending[0] = c.subarray(n);
        break;
      }
      this.pending.shift();
    }
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Runs the virtual clock until `untilUs`, one event at a time, letting Node run what the event
 * queued (stream callbacks, the routers' output pumps) before the next one.
 */
export async function runUntil(
  s: EventScheduler,
  untilUs: number,
  onProgress?: (now: number) => void,
): Promise<number> {
  let events = 0;
  for (;;) {
    await tick();
    const next = s.nextTime();
    if (next === undefined || next > untilUs) break;
    s.step();
    events++;
    if (onProgress !== undefined && events % 2000 === 0) onProgress(s.now);
  }
  await tick();
  if (s.now < untilUs) s.runUntil(untilUs);
  return events;
}
