import { BgpWireError } from "./errors";
import { decodeAttributes, encodeAttributes } from "./internal/attributes";
import { decodePrefixes, encodePrefix } from "./internal/nlri";
import { decodeOpenBody, encodeOpenBody } from "./internal/open";
import { ByteWriter } from "./internal/writer";
import type { BgpMessage, NotificationMessage, UpdateMessage } from "./messages";
import type { Prefix } from "./prefix";
import type { SessionContext } from "./session-context";
import { DEFAULT_SESSION_CONTEXT, hasAddPath, maxMessageLength } from "./session-context";
import type { UpdateError, UpdateErrorAction } from "./update-error";
import { strongestAction } from "./update-error";

/** Length of the BGP message header (RFC 4271 §4.1). */
export const HEADER_LENGTH = 19;

const TYPE_CODE = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

/**
 * The outcome of decoding an UPDATE under RFC 7606: accepted (possibly with attributes
 * discarded, or to be treated as a withdrawal of all its routes), or a session reset with the
 * NOTIFICATION to send. `errors` lists every problem found with the rule applied.
 *
 * @example
 * ```ts
 * import { decodeUpdate, encodeMessage } from "@dyninfra/bgp-wire";
 * const r = decodeUpdate(encodeMessage({ type: "UPDATE", withdrawnRoutes: [], pathAttributes: {}, nlri: [] }));
 * r.ok && r.action; // "accept"
 * ```
 */
export type UpdateDecodeResult =
  | {
      readonly ok: true;
      /** What to do with the UPDATE (RFC 7606 §2). */
      readonly action: "accept" | "attribute-discard" | "treat-as-withdraw";
      /** The decoded UPDATE without the malformed attributes. */
      readonly update: UpdateMessage;
      readonly errors: readonly UpdateError[];
    }
  | {
      readonly ok: false;
      readonly action: "session-reset";
      /** The NOTIFICATION to send before closing the session. */
      readonly notification: NotificationMessage;
      readonly errors: readonly UpdateError[];
    };

function headerError(code: string, msg: string, offset: number, field: string): never {
  throw new BgpWireError(code, msg, { offset, field });
}

/**
 * The total length of the message starting at `offset` (from its header), or `undefined` when
 * fewer than 19 octets are available — for framing a byte stream. Throws {@link BgpWireError}
 * on a bad marker or a length outside 19..65535.
 *
 * @example
 * ```ts
 * import { encodeMessage, messageLength } from "@dyninfra/bgp-wire";
 * messageLength(encodeMessage({ type: "KEEPALIVE" })); // 19
 * ```
 */
export function messageLength(bytes: Uint8Array, offset = 0): number | undefined {
  if (bytes.length - offset < HEADER_LENGTH) return undefined;
  for (let i = 0; i < 16; i++) {
    if (bytes[offset + i] !== 0xff) {
      headerError("CONNECTION_NOT_SYNCHRONIZED", "marker is not all ones", offset + i, "marker");
    }
  }
  const len = (bytes[offset + 16]! << 8) | bytes[offset + 17]!;
  if (len < HEADER_LENGTH)
    headerError("BAD_MESSAGE_LENGTH", `message length ${len} < 19`, offset + 16, "length");
  return len;
}

function checkHeader(bytes: Uint8Array, ctx: SessionContext): { type: number; len: number } {
  const len = messageLength(bytes);
  if (len === undefined) headerError("BAD_MESSAGE_LENGTH", "fewer than 19 octets", 0, "length");
  if (len !== bytes.length) {
    headerError(
      "BAD_MESSAGE_LENGTH",
      `header says ${len} octets, got ${bytes.length}`,
      16,
      "length",
    );
  }
  const type = bytes[18]!;
  if (type < 1 || type > 5)
    headerError("BAD_MESSAGE_TYPE", `unknown message type ${type}`, 18, "type");
  // RFC 8654 §4: only UPDATE, NOTIFICATION and ROUTE-REFRESH may exceed 4096 octets.
  const max = type === 1 || type === 4 ? 4096 : maxMessageLength(ctx);
  if (len > max) headerError("BAD_MESSAGE_LENGTH", `message length ${len} > ${max}`, 16, "length");
  const min = [0, 29, 23, 21, 19, 23][type]!;
  if (len < min || (type === 4 && len !== 19)) {
    headerError(
      "BAD_MESSAGE_LENGTH",
      `message length ${len} invalid for type ${type}`,
      16,
      "length",
    );
  }
  return { type, len };
}

/**
 * Decodes the UPDATE fields (after the header) in buf[start, end) with RFC 7606 error handling.
 * Offsets in errors are relative to `base`.
 * @internal
 */
export function decodeUpdateFields(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: SessionContext,
  base: number,
): UpdateDecodeResult {
  const errors: UpdateError[] = [];
  const reset = (
    subcode: number,
    offset: number,
    reason: string,
    data?: Uint8Array,
  ): UpdateDecodeResult => {
    errors.push({ action: "session-reset", errorSubcode: subcode, offset: offset - base, reason });
    return {
      ok: false,
      action: "session-reset",
      notification: {
        type: "NOTIFICATION",
        errorCode: 3,
        errorSubcode: subcode,
        data: data ?? new Uint8Array(0),
      },
      errors,
    };
  };
  if (end - start < 4) return reset(1, start, "UPDATE shorter than 23 octets");
  const wlen = (buf[start]! << 8) | buf[start + 1]!;
  const wStart = start + 2;
  if (wStart + wlen + 2 > end) {
    return reset(1, start, `Withdrawn Routes Length ${wlen} overruns the message (RFC 4271 §6.3)`);
  }
  const aLenAt = wStart + wlen;
  const alen = (buf[aLenAt]! << 8) | buf[aLenAt + 1]!;
  const aStart = aLenAt + 2;
  if (aStart + alen > end) {
    return reset(
      1,
      aLenAt,
      `Total Path Attribute Length ${alen} overruns the message (RFC 4271 §6.3)`,
    );
  }
  const ap4 = hasAddPath(ctx, 1, 1);
  const withdrawnRoutes: Prefix[] = [];
  try {
    decodePrefixes(buf, wStart, aLenAt, 1, ap4, withdrawnRoutes, "withdrawnRoutes");
  } catch (e) {
    if (!BgpWireError.isInstance(e)) throw e;
    return reset(1, e.where.offset ?? wStart, `Withdrawn Routes: ${e.message} (RFC 7606 §5.3)`);
  }
  const nlri: Prefix[] = [];
  try {
    decodePrefixes(buf, aStart + alen, end, 1, ap4, nlri, "nlri");
  } catch (e) {
    if (!BgpWireError.isInstance(e)) throw e;
    return reset(10, e.where.offset ?? aStart + alen, `NLRI: ${e.message} (RFC 7606 §5.3)`);
  }
  const { attributes, layout } = decodeAttributes(buf, aStart, aStart + alen, ctx, errors, {
    base,
  });
  const firstReset = errors.find((e) => e.action === "session-reset");
  if (firstReset !== undefined) {
    return {
      ok: false,
      action: "session-reset",
      notification: {
        type: "NOTIFICATION",
        errorCode: 3,
        errorSubcode: firstReset.errorSubcode,
        data: firstReset.data ?? new Uint8Array(0),
      },
      errors,
    };
  }
  // RFC 7606 §3 (d): missing well-known mandatory attributes when routes are announced.
  const mp = attributes.mpReachNlri;
  const announces =
    nlri.length > 0 || (mp !== undefined && (mp.nlri.length > 0 || mp.opaque !== undefined));
  if (announces) {
    const reported = new Set(errors.map((e) => e.typeCode));
    const missing: string[] = [];
    if (attributes.origin === undefined && !reported.has(1)) missing.push("ORIGIN");
    if (attributes.asPath === undefined && !reported.has(2)) missing.push("AS_PATH");
    if (nlri.length > 0 && attributes.nextHop === undefined && !reported.has(3))
      missing.push("NEXT_HOP");
    if (missing.length > 0) {
      errors.push({
        action: "treat-as-withdraw",
        errorSubcode: 3,
        offset: aStart - base,
        reason: `missing well-known attribute ${missing.join(", ")} (RFC 7606 §3 (d))`,
      });
    }
  }
  const update: UpdateMessage =
    layout === undefined
      ? { type: "UPDATE", withdrawnRoutes, pathAttributes: attributes, nlri }
      : {
          type: "UPDATE",
          withdrawnRoutes,
          pathAttributes: attributes,
          nlri,
          attributeWireLayout: layout,
        };
  const action = strongestAction(errors) as Exclude<UpdateErrorAction, "session-reset"> | undefined;
  return { ok: true, action: action ?? "accept", update, errors };
}

/**
 * Decodes an UPDATE message (header included) with RFC 7606 revised error handling: malformed
 * input yields the disposition, never an exception — except a broken header (marker, length,
 * type), which throws {@link BgpWireError} as RFC 4271 §6.1 prescribes a session reset.
 *
 * @example
 * ```ts
 * import { decodeUpdate, encodeMessage } from "@dyninfra/bgp-wire";
 * const bytes = encodeMessage({
 *   type: "UPDATE", withdrawnRoutes: [], nlri: [{ afi: 1, address: "10.0.0.0", length: 8 }],
 *   pathAttributes: { origin: "IGP", asPath: [], nextHop: "192.0.2.1" },
 * });
 * bytes[bytes.length - 9] = 0x41; // corrupt: NEXT_HOP length 4 -> 0x41
 * decodeUpdate(bytes).action; // a session reset or treat-as-withdraw, per RFC 7606
 * ```
 */
export function decodeUpdate(
  bytes: Uint8Array,
  ctx: SessionContext = DEFAULT_SESSION_CONTEXT,
): UpdateDecodeResult {
  const { type } = checkHeader(bytes, ctx);
  if (type !== 2) headerError("NOT_AN_UPDATE", `message type ${type} is not UPDATE`, 18, "type");
  return decodeUpdateFields(bytes, HEADER_LENGTH, bytes.length, ctx, 0);
}

/**
 * Decodes one complete BGP message (header included), strictly: any malformation — including
 * UPDATE errors that RFC 7606 would handle by discarding or treat-as-withdraw — throws
 * {@link BgpWireError} with the offset and field. Use {@link decodeUpdate} for RFC 7606 handling.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeMessage } from "@dyninfra/bgp-wire";
 * decodeMessage(encodeMessage({ type: "KEEPALIVE" })); // { type: "KEEPALIVE" }
 * ```
 */
export function decodeMessage(
  bytes: Uint8Array,
  ctx: SessionContext = DEFAULT_SESSION_CONTEXT,
): BgpMessage {
  const { type, len } = checkHeader(bytes, ctx);
  const s = HEADER_LENGTH;
  switch (type) {
    case 1:
      return decodeOpenBody(bytes, s, len, 0);
    case 2: {
      const r = decodeUpdateFields(bytes, s, len, ctx, 0);
      if (r.errors.length > 0) {
        const e = r.errors[0]!;
        throw new BgpWireError("MALFORMED_UPDATE", `${e.reason} [${r.action}]`, {
          offset: e.offset,
          field: e.typeCode === undefined ? "update" : `attribute ${e.typeCode}`,
        });
      }
      return (r as { update: UpdateMessage }).update;
    }
    case 3:
      return {
        type: "NOTIFICATION",
        errorCode: bytes[s]!,
        errorSubcode: bytes[s + 1]!,
        data: bytes.slice(s + 2, len),
      };
    case 4:
      return { type: "KEEPALIVE" };
    default: {
      const afi = (bytes[s]! << 8) | bytes[s + 1]!;
      const m = {
        type: "ROUTE_REFRESH" as const,
        afi,
        subtype: bytes[s + 2]!,
        safi: bytes[s + 3]!,
      };
      return len > s + 4 ? { ...m, orf: bytes.slice(s + 4, len) } : m;
    }
  }
}

/** Writes the message body (after the header). @internal */
export function encodeBody(w: ByteWriter, m: BgpMessage, ctx: SessionContext): void {
  switch (m.type) {
    case "OPEN":
      encodeOpenBody(w, m);
      return;
    case "UPDATE": {
      const ap4 = hasAddPath(ctx, 1, 1);
      const wAt = w.reserve(2);
      for (const p of m.withdrawnRoutes) encodePrefix(w, p, ap4);
      w.setU16(wAt, w.pos - wAt - 2);
      const aAt = w.reserve(2);
      encodeAttributes(w, m.pathAttributes, ctx, m.attributeWireLayout);
      const alen = w.pos - aAt - 2;
      if (alen > 0xffff)
        throw new BgpWireError("MESSAGE_TOO_LONG", "path attributes exceed 65535 octets", {
          field: "pathAttributes",
        });
      w.setU16(aAt, alen);
      for (const p of m.nlri) encodePrefix(w, p, ap4);
      return;
    }
    case "NOTIFICATION":
      w.u8(m.errorCode);
      w.u8(m.errorSubcode);
      w.bytes(m.data);
      return;
    case "KEEPALIVE":
      return;
    case "ROUTE_REFRESH":
      w.u16(m.afi);
      w.u8(m.subtype);
      w.u8(m.safi);
      if (m.orf !== undefined) w.bytes(m.orf);
      return;
  }
}

/**
 * Encodes a BGP message with its header. Throws {@link BgpWireError} (`MESSAGE_TOO_LONG`) when it
 * exceeds the context's maximum (4096, or 65535 with Extended Message; OPEN and KEEPALIVE always
 * 4096), or `INVALID_*` for values that cannot be encoded.
 *
 * @example
 * ```ts
 * import { encodeMessage } from "@dyninfra/bgp-wire";
 * encodeMessage({ type: "KEEPALIVE" }).length; // 19
 * ```
 */
export function encodeMessage(
  m: BgpMessage,
  ctx: SessionContext = DEFAULT_SESSION_CONTEXT,
): Uint8Array {
  const w = new ByteWriter(m.type === "KEEPALIVE" ? 19 : 256);
  w.ensure(HEADER_LENGTH);
  w.buf.fill(0xff, 0, 16);
  w.pos = 16;
  w.u16(0);
  w.u8(TYPE_CODE[m.type]);
  encodeBody(w, m, ctx);
  const max = m.type === "OPEN" || m.type === "KEEPALIVE" ? 4096 : maxMessageLength(ctx);
  if (w.pos > max) {
    throw new BgpWireError("MESSAGE_TOO_LONG", `${m.type} of ${w.pos} octets exceeds ${max}`, {
      field: "length",
    });
  }
  w.setU16(16, w.pos);
  return w.result();
}
