import { BgpWireError } from "./errors";
import type { NotificationMessage } from "./messages";

/**
 * NOTIFICATION Error Codes (RFC 4271 §4.5, RFC 7313 §5, RFC 9687 §4).
 *
 * @example
 * ```ts
 * import { ERROR_CODE } from "@dyninfra/bgp-wire";
 * ERROR_CODE.UPDATE_MESSAGE_ERROR; // 3
 * ```
 */
export const ERROR_CODE = {
  MESSAGE_HEADER_ERROR: 1,
  OPEN_MESSAGE_ERROR: 2,
  UPDATE_MESSAGE_ERROR: 3,
  HOLD_TIMER_EXPIRED: 4,
  FINITE_STATE_MACHINE_ERROR: 5,
  CEASE: 6,
  ROUTE_REFRESH_MESSAGE_ERROR: 7,
  SEND_HOLD_TIMER_EXPIRED: 8,
} as const;

/**
 * UPDATE Message Error subcodes (RFC 4271 §6.3; 7 is deprecated).
 *
 * @example
 * ```ts
 * import { UPDATE_ERROR_SUBCODE } from "@dyninfra/bgp-wire";
 * UPDATE_ERROR_SUBCODE.MALFORMED_AS_PATH; // 11
 * ```
 */
export const UPDATE_ERROR_SUBCODE = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/**
 * Cease subcodes (RFC 4486, RFC 8203; Hard Reset RFC 8538, BFD Down RFC 9384).
 *
 * @example
 * ```ts
 * import { CEASE_SUBCODE } from "@dyninfra/bgp-wire";
 * CEASE_SUBCODE.ADMINISTRATIVE_SHUTDOWN; // 2
 * ```
 */
export const CEASE_SUBCODE = {
  MAXIMUM_NUMBER_OF_PREFIXES_REACHED: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DE_CONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  BFD_DOWN: 10,
} as const;

/**
 * The Shutdown Communication (RFC 8203 §2, length up to 255 per RFC 9003) of a Cease /
 * Administrative Shutdown or Administrative Reset NOTIFICATION, or `undefined` when the message
 * carries none or it is not well-formed (bad length or invalid UTF-8).
 *
 * @example
 * ```ts
 * import { ceaseWithShutdownCommunication, shutdownCommunication } from "@dyninfra/bgp-wire";
 * shutdownCommunication(ceaseWithShutdownCommunication(2, "maintenance")); // "maintenance"
 * ```
 */
export function shutdownCommunication(n: NotificationMessage): string | undefined {
  if (n.errorCode !== 6 || (n.errorSubcode !== 2 && n.errorSubcode !== 4)) return undefined;
  if (n.data.length === 0) return undefined;
  const len = n.data[0]!;
  if (len + 1 > n.data.length) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(n.data.subarray(1, 1 + len));
  } catch {
    return undefined;
  }
}

/**
 * A Cease NOTIFICATION (subcode 2 Administrative Shutdown or 4 Administrative Reset) carrying
 * an RFC 8203 Shutdown Communication. Throws {@link BgpWireError} (`SHUTDOWN_COMMUNICATION_TOO_LONG`)
 * when the UTF-8 text exceeds 255 octets.
 *
 * @example
 * ```ts
 * import { ceaseWithShutdownCommunication } from "@dyninfra/bgp-wire";
 * ceaseWithShutdownCommunication(2, "upgrade, back in 10 min").data[0]; // 23
 * ```
 */
export function ceaseWithShutdownCommunication(subcode: 2 | 4, text: string): NotificationMessage {
  const utf8 = new TextEncoder().encode(text);
  if (utf8.length > 255) {
    throw new BgpWireError(
      "SHUTDOWN_COMMUNICATION_TOO_LONG",
      `shutdown communication is ${utf8.length} octets, at most 255 allowed`,
      { field: "shutdownCommunication" },
    );
  }
  const data = new Uint8Array(1 + utf8.length);
  data[0] = utf8.length;
  data.set(utf8, 1);
  return { type: "NOTIFICATION", errorCode: 6, errorSubcode: subcode, data };
}

/**
 * Cease / Maximum Number of Prefixes Reached (RFC 4486 §4), with the data the RFC describes: the
 * AFI (2 octets), the SAFI (1 octet) and the upper bound on the number of prefixes (4 octets).
 *
 * @example
 * ```ts
 * import { maximumPrefixesReached } from "@dyninfra/bgp-wire";
 * [...maximumPrefixesReached(1, 1, 1000).data]; // [0, 1, 1, 0, 0, 3, 232]
 * ```
 */
export function maximumPrefixesReached(
  afi: number,
  safi: number,
  limit: number,
): NotificationMessage {
  if (!Number.isInteger(afi) || afi < 0 || afi > 0xffff)
    throw new BgpWireError("INVALID_FIELD", `AFI ${afi} does not fit in 16 bits`, { field: "afi" });
  if (!Number.isInteger(safi) || safi < 0 || safi > 0xff)
    throw new BgpWireError("INVALID_FIELD", `SAFI ${safi} does not fit in 8 bits`, {
      field: "safi",
    });
  if (!Number.isInteger(limit) || limit < 0 || limit > 0xffffffff)
    throw new BgpWireError("INVALID_FIELD", `prefix limit ${limit} does not fit in 32 bits`, {
      field: "limit",
    });
  const data = new Uint8Array(7);
  const v = new DataView(data.buffer);
  v.setUint16(0, afi);
  v.setUint8(2, safi);
  v.setUint32(3, limit);
  return { type: "NOTIFICATION", errorCode: 6, errorSubcode: 1, data };
}

/**
 * The family and the limit of a Cease / Maximum Number of Prefixes Reached (RFC 4486 §4), or
 * `undefined` for another NOTIFICATION or one without those 7 octets of data.
 *
 * @example
 * ```ts
 * import { maximumPrefixes, maximumPrefixesReached } from "@dyninfra/bgp-wire";
 * maximumPrefixes(maximumPrefixesReached(2, 1, 500)); // { afi: 2, safi: 1, limit: 500 }
 * ```
 */
export function maximumPrefixes(
  n: NotificationMessage,
): { afi: number; safi: number; limit: number } | undefined {
  if (n.errorCode !== 6 || n.errorSubcode !== 1 || n.data.length !== 7) return undefined;
  const v = new DataView(n.data.buffer, n.data.byteOffset, 7);
  return { afi: v.getUint16(0), safi: v.getUint8(2), limit: v.getUint32(3) };
}

/**
 * A Hard Reset (RFC 8538 §3): Cease subcode 9 whose data is the NOTIFICATION it stands for —
 * that message's error code, subcode and data. Sent instead of `n` when the "N" bit was exchanged
 * and the session is to end without Graceful Restart.
 *
 * @example
 * ```ts
 * import { ceaseWithShutdownCommunication, hardReset } from "@dyninfra/bgp-wire";
 * const h = hardReset(ceaseWithShutdownCommunication(2, "decommissioned"));
 * [h.errorCode, h.errorSubcode, h.data[0], h.data[1]]; // [6, 9, 6, 2]
 * ```
 */
export function hardReset(n: NotificationMessage): NotificationMessage {
  const data = new Uint8Array(2 + n.data.length);
  data[0] = n.errorCode;
  data[1] = n.errorSubcode;
  data.set(n.data, 2);
  return {
    type: "NOTIFICATION",
    errorCode: ERROR_CODE.CEASE,
    errorSubcode: CEASE_SUBCODE.HARD_RESET,
    data,
  };
}

/**
 * Whether `n` is a Hard Reset (Cease subcode 9, RFC 8538 §3).
 *
 * @example
 * ```ts
 * import { CEASE_SUBCODE, isHardReset } from "@dyninfra/bgp-wire";
 * isHardReset({ type: "NOTIFICATION", errorCode: 6, errorSubcode: CEASE_SUBCODE.HARD_RESET, data: new Uint8Array(0) }); // true
 * ```
 */
export function isHardReset(n: NotificationMessage): boolean {
  return n.errorCode === ERROR_CODE.CEASE && n.errorSubcode === CEASE_SUBCODE.HARD_RESET;
}

/**
 * The NOTIFICATION a Hard Reset carries (RFC 8538 §3), or `undefined` when `n` is not a Hard
 * Reset or its data is too short to hold an error code and subcode.
 *
 * @example
 * ```ts
 * import { hardReset, hardResetCause } from "@dyninfra/bgp-wire";
 * hardResetCause(hardReset({ type: "NOTIFICATION", errorCode: 6, errorSubcode: 1, data: new Uint8Array(0) }))?.errorSubcode; // 1
 * ```
 */
export function hardResetCause(n: NotificationMessage): NotificationMessage | undefined {
  if (!isHardReset(n) || n.data.length < 2) return undefined;
  return {
    type: "NOTIFICATION",
    errorCode: n.data[0]!,
    errorSubcode: n.data[1]!,
    data: n.data.slice(2),
  };
}

/**
 * Whether RFC 8538 §5.1 has `n` sent as a Hard Reset once the "N" bit was exchanged: the Cease
 * subcodes that end a session for good — Maximum Number of Prefixes Reached, Administrative
 * Shutdown, Peer De-configured, Hard Reset, BFD Down (RFC 9384) — and, when `hardAdminReset` (the
 * RFC leaves Administrative Reset to the implementation; off by default), Administrative Reset.
 * Every other NOTIFICATION lets the peer retain the routes (Graceful Restart).
 *
 * @example
 * ```ts
 * import { ceaseWithShutdownCommunication, requiresHardReset } from "@dyninfra/bgp-wire";
 * requiresHardReset(ceaseWithShutdownCommunication(2, "bye")); // true
 * requiresHardReset(ceaseWithShutdownCommunication(4, "reset")); // false
 * ```
 */
export function requiresHardReset(n: NotificationMessage, hardAdminReset = false): boolean {
  if (n.errorCode !== ERROR_CODE.CEASE) return false;
  switch (n.errorSubcode) {
    case CEASE_SUBCODE.MAXIMUM_NUMBER_OF_PREFIXES_REACHED:
    case CEASE_SUBCODE.ADMINISTRATIVE_SHUTDOWN:
    case CEASE_SUBCODE.PEER_DE_CONFIGURED:
    case CEASE_SUBCODE.HARD_RESET:
    case CEASE_SUBCODE.BFD_DOWN:
      return true;
    case CEASE_SUBCODE.ADMINISTRATIVE_RESET:
      return hardAdminReset;
    default:
      return false;
  }
}

// IANA "BGP Error (Notification) Codes" and subcodes, as registered (RFC 4271 §6, RFC 4486,
// RFC 6608, RFC 7313, RFC 8538, RFC 9234, RFC 9384, RFC 9687).
const CODE_NAMES: Record<number, string> = {
  1: "Message Header Error",
  2: "OPEN Message Error",
  3: "UPDATE Message Error",
  4: "Hold Timer Expired",
  5: "Finite State Machine Error",
  6: "Cease",
  7: "ROUTE-REFRESH Message Error",
  8: "Send Hold Timer Expired",
};
const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: "Connection Not Synchronized", 2: "Bad Message Length", 3: "Bad Message Type" },
  2: {
    1: "Unsupported Version Number",
    2: "Bad Peer AS",
    3: "Bad BGP Identifier",
    4: "Unsupported Optional Parameter",
    6: "Unacceptable Hold Time",
    7: "Unsupported Capability",
    11: "Role Mismatch",
  },
  3: {
    1: "Malformed Attribute List",
    2: "Unrecognized Well-known Attribute",
    3: "Missing Well-known Attribute",
    4: "Attribute Flags Error",
    5: "Attribute Length Error",
    6: "Invalid ORIGIN Attribute",
    8: "Invalid NEXT_HOP Attribute",
    9: "Optional Attribute Error",
    10: "Invalid Network Field",
    11: "Malformed AS_PATH",
  },
  5: {
    1: "Receive Unexpected Message in OpenSent State",
    2: "Receive Unexpected Message in OpenConfirm State",
    3: "Receive Unexpected Message in Established State",
  },
  6: {
    1: "Maximum Number of Prefixes Reached",
    2: "Administrative Shutdown",
    3: "Peer De-configured",
    4: "Administrative Reset",
    5: "Connection Rejected",
    6: "Other Configuration Change",
    7: "Connection Collision Resolution",
    8: "Out of Resources",
    9: "Hard Reset",
    10: "BFD Down",
  },
  7: { 1: "Invalid Message Length" },
};

/**
 * A NOTIFICATION as an operator reads it: code and subcode numbers and names, the RFC 8203
 * Shutdown Communication if any, and for a Hard Reset the message it carries.
 *
 * @example
 * ```ts
 * import { ceaseWithShutdownCommunication, hardReset, notificationText } from "@dyninfra/bgp-wire";
 * notificationText(hardReset(ceaseWithShutdownCommunication(2, "bye")));
 * // '6/9 Cease / Hard Reset (6/2 Cease / Administrative Shutdown "bye")'
 * ```
 */
export function notificationText(n: NotificationMessage): string {
  const code = CODE_NAMES[n.errorCode] ?? "unknown code";
  const sub =
    n.errorSubcode === 0
      ? ""
      : ` / ${SUBCODE_NAMES[n.errorCode]?.[n.errorSubcode] ?? "unknown subcode"}`;
  let text = `${n.errorCode}/${n.errorSubcode} ${code}${sub}`;
  const said = shutdownCommunication(n);
  if (said !== undefined) text += ` ${JSON.stringify(said)}`;
  const max = maximumPrefixes(n);
  if (max !== undefined) text += ` (AFI ${max.afi} SAFI ${max.safi}, limit ${max.limit})`;
  const cause = hardResetCause(n);
  if (cause !== undefined) text += ` (${notificationText(cause)})`;
  return text;
}
