import { createMacCodec, type MacAddress } from "@dyninfra/mac-address";
import { SriovQueuesError } from "./errors";

const codec = createMacCodec((e) => new SriovQueuesError(e.code, e.reason, e.where, { cause: e }));

/**
 * Parses `aa:bb:cc:dd:ee:ff` (one or two hex digits per octet, as `ip link` takes it) into a
 * {@link MacAddress}. Throws {@link SriovQueuesError} `BAD_MAC` otherwise, saying where and
 * naming `field`, with the `@dyninfra/mac-address` error as its `cause`.
 *
 * @example
 * ```ts
 * parseMac("00:1b:21:0a:0b:0c") === 0x001b210a0b0c; // true
 * ```
 */
export function parseMac(text: string, field = "mac"): MacAddress {
  return codec.parseMac(text, field);
}

/**
 * Formats a {@link MacAddress} as lower-case `aa:bb:cc:dd:ee:ff` (the form `ip link show`
 * prints). Throws {@link SriovQueuesError} `BAD_MAC` for a number outside 0 … 2^48−1.
 *
 * @example
 * ```ts
 * formatMac(0x001b210a0b0c); // "00:1b:21:0a:0b:0c"
 * ```
 */
export function formatMac(mac: MacAddress): string {
  return codec.formatMac(mac);
}
