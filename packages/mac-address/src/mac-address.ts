import { MacAddressError } from "./errors";

/**
 * A 48-bit IEEE 802 MAC address (EUI-48) held as a plain number 0 … 2^48−1, the first octet on
 * the wire the most significant. Numbers keep table keys cheap: no strings, no allocation.
 *
 * @example
 * ```ts
 * const mac: MacAddress = 0x001b210a0b0c; // 00:1b:21:0a:0b:0c
 * ```
 */
export type MacAddress = number;

/**
 * The broadcast address ff:ff:ff:ff:ff:ff (all ones), also the largest {@link MacAddress}.
 *
 * @example
 * ```ts
 * formatMac(BROADCAST_MAC); // "ff:ff:ff:ff:ff:ff"
 * ```
 */
export const BROADCAST_MAC: MacAddress = 0xffff_ffff_ffff;

// 2^40: dividing by it leaves the first octet, where IEEE 802 puts the I/G and U/L bits.
const FIRST_OCTET = 0x100_0000_0000;
const TWO_24 = 0x100_0000;

// Hex digit value by character code, −1 for anything else.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}
const HEX_OCTET = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Scans `aa:bb:cc:dd:ee:ff` with one or two hex digits per octet. Returns the address, or
 * −(offset + 1) for the first character (or the end of the text) where it stops being one.
 */
function scan(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let colons = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 58 /* ":" */) {
      if (digits === 0 || colons === 5) return -(i + 1);
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      colons++;
      continue;
    }
    const h = c < 128 ? HEX_VALUE[c]! : -1;
    if (h < 0 || digits === 2) return -(i + 1);
    octet = octet * 16 + h;
    digits++;
  }
  if (digits === 0 || colons !== 5) return -(n + 1);
  return value * 256 + octet;
}

/**
 * Parses a MAC address as `ip link` takes it: six colon-separated octets of one or two hex
 * digits, either case (`00:1b:21:0a:0b:0c`, `0:1B:21:a:b:c`). Throws {@link MacAddressError}
 * `BAD_MAC` otherwise, with the offset of the first offending character and `field`.
 *
 * Stricter than iproute2's `ll_addr_a2n` (which reads each octet with `sscanf("%x")` and so
 * also lets through `0x` prefixes and blanks): what this accepts, iproute2 reads the same.
 *
 * @param text - the address text
 * @param field - the name reported in the error (default `"mac"`)
 * @example
 * ```ts
 * parseMac("00:1b:21:0a:0b:0c") === 0x001b210a0b0c; // true
 * parseMac("0:1B:21:a:b:c") === 0x001b210a0b0c; // true
 * ```
 */
export function parseMac(text: string, field = "mac"): MacAddress {
  const value = typeof text === "string" ? scan(text) : -1;
  if (value < 0) {
    throw new MacAddressError("BAD_MAC", `not a MAC address: ${JSON.stringify(text)}`, {
      offset: -value - 1,
      field,
    });
  }
  return value;
}

/**
 * True when {@link parseMac} accepts `text`.
 *
 * @example
 * ```ts
 * isValidMac("00:11:22:33:44:55"); // true
 * isValidMac("00-11-22-33-44-55"); // false
 * ```
 */
export function isValidMac(text: string): boolean {
  return typeof text === "string" && scan(text) >= 0;
}

/**
 * Formats a {@link MacAddress} as lower-case `aa:bb:cc:dd:ee:ff`, two digits per octet (the
 * form `ip link show` prints). Throws {@link MacAddressError} `BAD_MAC` for a number that is
 * not an integer 0 … 2^48−1.
 *
 * @example
 * ```ts
 * formatMac(0x001b210a0b0c); // "00:1b:21:0a:0b:0c"
 * ```
 */
export function formatMac(mac: MacAddress): string {
  if (!Number.isInteger(mac) || mac < 0 || mac > BROADCAST_MAC) {
    throw new MacAddressError("BAD_MAC", `MAC value out of range: ${mac}`, { field: "mac" });
  }
  const hi = Math.floor(mac / TWO_24);
  const lo = mac - hi * TWO_24;
  return (
    `${HEX_OCTET[hi >>> 16]}:${HEX_OCTET[(hi >>> 8) & 255]}:${HEX_OCTET[hi & 255]}:` +
    `${HEX_OCTET[lo >>> 16]}:${HEX_OCTET[(lo >>> 8) & 255]}:${HEX_OCTET[lo & 255]}`
  );
}

/**
 * True for group (multicast) addresses: the I/G bit, the least significant bit of the first
 * octet (the first bit on the wire), is 1 (IEEE 802-2014 §8.2). Broadcast is a group address.
 *
 * @example
 * ```ts
 * isMulticastMac(parseMac("01:00:5e:00:00:01")); // true
 * isMulticastMac(parseMac("00:1b:21:0a:0b:0c")); // false
 * ```
 */
export function isMulticastMac(mac: MacAddress): boolean {
  return (Math.floor(mac / FIRST_OCTET) & 1) === 1;
}

/**
 * True for locally administered addresses: the U/L bit, the second least significant bit of
 * the first octet, is 1 (IEEE 802-2014 §8.2); 0 means universally administered (an OUI/CID).
 *
 * @example
 * ```ts
 * isLocallyAdministeredMac(parseMac("52:54:00:12:34:56")); // true (QEMU's default prefix)
 * isLocallyAdministeredMac(parseMac("00:1b:21:0a:0b:0c")); // false (an Intel OUI)
 * ```
 */
export function isLocallyAdministeredMac(mac: MacAddress): boolean {
  return (Math.floor(mac / FIRST_OCTET) & 2) === 2;
}

/**
 * True for ff:ff:ff:ff:ff:ff only.
 *
 * @example
 * ```ts
 * isBroadcastMac(BROADCAST_MAC); // true
 * ```
 */
export function isBroadcastMac(mac: MacAddress): boolean {
  return mac === BROADCAST_MAC;
}

/**
 * True for an individual (unicast) address that is not all zeros: what Linux
 * `is_valid_ether_addr` accepts as a station address. False for a number that is not a
 * {@link MacAddress} at all (not an integer 0 … 2^48−1).
 *
 * @example
 * ```ts
 * isValidUnicastMac(parseMac("02:00:00:00:00:01")); // true
 * isValidUnicastMac(0); // false
 * ```
 */
export function isValidUnicastMac(mac: MacAddress): boolean {
  return Number.isInteger(mac) && mac > 0 && mac < BROADCAST_MAC && !isMulticastMac(mac);
}
