import { MacAddressError } from "./errors";
import { formatMac, type MacAddress, parseMac } from "./mac-address";

/** {@link parseMac} and {@link formatMac} that throw an error class of the caller's choosing. */
export interface MacCodec {
  /** {@link parseMac}, throwing what the codec's `toError` builds. */
  readonly parseMac: (text: string, field?: string) => MacAddress;
  /** {@link formatMac}, throwing what the codec's `toError` builds. */
  readonly formatMac: (mac: MacAddress) => string;
}

/**
 * Wraps {@link parseMac} and {@link formatMac} for a package that throws its own error class:
 * each {@link MacAddressError} is passed to `toError` and the error it returns is thrown (give it
 * the original as `cause`). Other exceptions pass through untouched.
 *
 * @example
 * ```ts
 * class MyError extends Error {}
 * const { parseMac: parse } = createMacCodec((e) => new MyError(e.reason, { cause: e }));
 * parse("00:11:22:33:44:55"); // 0x001122334455
 * parse("nonsense"); // throws MyError, cause: MacAddressError BAD_MAC
 * ```
 */
export function createMacCodec(toError: (error: MacAddressError) => Error): MacCodec {
  const rethrow = (e: unknown): never => {
    throw MacAddressError.isInstance(e) ? toError(e) : e;
  };
  return {
    parseMac: (text, field) => {
      try {
        return parseMac(text, field);
      } catch (e) {
        return rethrow(e);
      }
    },
    formatMac: (mac) => {
      try {
        return formatMac(mac);
      } catch (e) {
        return rethrow(e);
      }
    },
  };
}
