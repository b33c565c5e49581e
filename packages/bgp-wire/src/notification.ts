import { BgpWireError } from "./errors";
import type { NotificationMessage } from "./messages";

/**
 * NOTIFICATION Error Codes (RFC 4271 §4.5, RFC 7313 §5).
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
 * Cease subcodes (RFC 4486, RFC 8203).
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
