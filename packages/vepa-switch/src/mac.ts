import { createMacCodec, type MacAddress } from "@dyninfra/mac-address";
import { VepaSwitchError } from "./errors";

// The codec of @dyninfra/mac-address, rethrowing its errors as this package's own.
const codec = createMacCodec((e) => new VepaSwitchError(e.code, e.reason, e.where, { cause: e }));

/**
 * Parses a MAC address as `ip link` takes it (`02:00:00:00:00:01`, `2:0:0:0:0:1`) into the
 * number the FDB and the embedded switch key on. Throws {@link VepaSwitchError} `BAD_MAC`
 * (naming `field`, cause: the `@dyninfra/mac-address` error) for anything else.
 *
 * @example
 * ```ts
 * parseMac("02:00:00:00:00:01") === 0x020000000001; // true
 * ```
 */
export function parseMac(text: string, field = "mac"): MacAddress {
  return codec.parseMac(text, field);
}

/**
 * Prints a MAC address as `ip link show` does: `02:00:00:00:00:01`. Throws
 * {@link VepaSwitchError} `BAD_MAC` when the number is not a 48-bit address.
 *
 * @example
 * ```ts
 * formatMac(0x020000000001); // "02:00:00:00:00:01"
 * ```
 */
export function formatMac(mac: MacAddress): string {
  return codec.formatMac(mac);
}
