import { SriovQueuesError } from "./errors";

/**
 * A 48-bit IEEE 802 MAC address held as a plain number (0 … 2^48−1), most significant octet first.
 * Numbers keep classifier keys cheap (no strings, no allocation on the hot path).
 */
export type MacAddress = number;

/** The broadcast address ff:ff:ff:ff:ff:ff. */
export const BROADCAST_MAC: MacAddress = 0xffff_ffff_ffff;

const MAC_RE = /^([0-9a-fA-F]{1,2})(?::([0-9a-fA-F]{1,2})){5}$/;

/**
 * Parses `aa:bb:cc:dd:ee:ff` (colon-separated, one or two hex digits per octet, as `ip link`
 * accepts) into a {@link MacAddress}. Throws {@link SriovQueuesError} `BAD_MAC` otherwise.
 *
 * @example
 * ```ts
 * parseMac("00:1b:21:0a:0b:0c") === 0x001b210a0b0c; // true
 * ```
 */
export function parseMac(text: string, field = "mac"): MacAddress {
  if (!MAC_RE.test(text)) {
    throw new SriovQueuesError("BAD_MAC", `not a MAC address: ${JSON.stringify(text)}`, { field });
  }
  let value = 0;
  for (const part of text.split(":")) value = value * 256 + Number.parseInt(part, 16);
  return value;
}

/** True when `text` is a MAC address {@link parseMac} accepts. @example isValidMac("00:11:22:33:44:55") */
export function isValidMac(text: string): boolean {
  return MAC_RE.test(text);
}

/**
 * Formats a {@link MacAddress} as lower-case `aa:bb:cc:dd:ee:ff` (the form `ip link show` prints).
 *
 * @example
 * ```ts
 * formatMac(0x001b210a0b0c); // "00:1b:21:0a:0b:0c"
 * ```
 */
export function formatMac(mac: MacAddress): string {
  if (!Number.isInteger(mac) || mac < 0 || mac > BROADCAST_MAC) {
    throw new SriovQueuesError("BAD_MAC", `MAC value out of range: ${mac}`, { field: "mac" });
  }
  const out: string[] = [];
  let v = mac;
  for (let i = 0; i < 6; i++) {
    out.unshift((v % 256).toString(16).padStart(2, "0"));
    v = Math.floor(v / 256);
  }
  return out.join(":");
}

/**
 * True for group addresses: the I/G bit (least significant bit of the first octet) is set.
 * Broadcast is a group address too.
 *
 * @example
 * ```ts
 * isMulticastMac(parseMac("01:00:5e:00:00:01")); // true
 * ```
 */
export function isMulticastMac(mac: MacAddress): boolean {
  return (Math.floor(mac / 0x100_0000_0000) & 1) === 1;
}

/** True for ff:ff:ff:ff:ff:ff. @example isBroadcastMac(BROADCAST_MAC) // true */
export function isBroadcastMac(mac: MacAddress): boolean {
  return mac === BROADCAST_MAC;
}

/** True for a unicast address that is not all zeros (Linux `is_valid_ether_addr`). @example isValidUnicastMac(parseMac("02:00:00:00:00:01")) // true */
export function isValidUnicastMac(mac: MacAddress): boolean {
  return mac !== 0 && !isMulticastMac(mac);
}
