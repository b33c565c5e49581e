import type { NotificationMessage } from "@dyninfra/bgp-wire";

/** BGP message header length (RFC 4271 §4.1). */
export const HEADER_LENGTH = 19;

/**
 * One framing step: a whole message's bytes, nothing yet (need more bytes), or a Message Header
 * Error with the NOTIFICATION RFC 4271 §6.1 prescribes.
 *
 * @example
 * ```ts
 * import type { FrameResult } from "@dyninfra/bgp-speaker";
 * const r: FrameResult = { kind: "incomplete" };
 * ```
 */
export type FrameResult =
  | { readonly kind: "message"; readonly type: number; readonly bytes: Uint8Array }
  | { readonly kind: "incomplete" }
  | {
      readonly kind: "header-error";
      readonly offset: number;
      readonly reason: string;
      readonly notification: NotificationMessage;
    };

function headerError(
  subcode: number,
  data: Uint8Array,
  offset: number,
  reason: string,
): FrameResult {
  return {
    kind: "header-error",
    offset,
    reason,
    notification: { type: "NOTIFICATION", errorCode: 1, errorSubcode: subcode, data },
  };
}

/**
 * Splits a TCP byte stream into BGP messages (RFC 4271 §4.1) and checks each header (§6.1):
 * the Marker must be all ones, the Length within 19..max and right for the Type, the Type known.
 * Keeps the bytes of an incomplete message — they are part of the state a graft moves.
 *
 * @example
 * ```ts
 * import { MessageFramer } from "@dyninfra/bgp-speaker";
 * const f = new MessageFramer();
 * f.push(new Uint8Array([...new Array(16).fill(0xff), 0, 19, 4]));
 * f.next(4096); // { kind: "message", type: 4, bytes: … }
 * ```
 */
export class MessageFramer {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  /** Stream offset of `buf[start]`, for error reports. */
  private consumed = 0;

  constructor(initial?: Uint8Array) {
    this.buf = new Uint8Array(Math.max(4096, initial?.length ?? 0));
    if (initial !== undefined) this.push(initial);
  }

  /** Appends bytes read from the stream. */
  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(this.buf.length * 2, live + chunk.length));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Bytes received but not yet returned as a message (a partial message). */
  pending(): Uint8Array {
    return this.buf.slice(this.start, this.end);
  }

  /** Total stream bytes consumed as whole messages so far. */
  get offset(): number {
    return this.consumed;
  }

  /**
   * The next whole message, if the buffer holds one. `maxLength` is 4096, or 65535 once the
   * Extended Message capability is negotiated (RFC 8654; OPEN stays ≤ 4096).
   */
  next(maxLength: number): FrameResult {
    const avail = this.end - this.start;
    if (avail < HEADER_LENGTH) return { kind: "incomplete" };
    const b = this.buf;
    const s = this.start;
    for (let i = 0; i < 16; i++) {
      if (b[s + i] !== 0xff)
        return headerError(1, new Uint8Array(0), this.consumed + i, "Marker is not all ones");
    }
    const length = (b[s + 16]! << 8) | b[s + 17]!;
    const type = b[s + 18]!;
    if (type < 1 || type > 5)
      return headerError(
        3,
        Uint8Array.of(type),
        this.consumed + 18,
        `unknown message Type ${type}`,
      );
    const max = type === 1 || type === 4 ? Math.min(maxLength, 4096) : maxLength;
    // §6.1: OPEN ≥ 29, UPDATE ≥ 23, KEEPALIVE = 19, NOTIFICATION ≥ 21; ROUTE-REFRESH ≥ 23 (RFC 2918).
    const min = type === 1 ? 29 : type === 2 ? 23 : type === 3 ? 21 : type === 5 ? 23 : 19;
    if (length < min || length > max || (type === 4 && length !== 19))
      return headerError(
        2,
        b.slice(s + 16, s + 18),
        this.consumed + 16,
        `Length ${length} out of range ${min}..${type === 4 ? 19 : max} for Type ${type}`,
      );
    if (avail < length) return { kind: "incomplete" };
    const bytes = b.slice(s, s + length);
    this.start += length;
    this.consumed += length;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    return { kind: "message", type, bytes };
  }
}
