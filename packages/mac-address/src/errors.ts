const marker = Symbol.for("@dyninfra/mac-address/error");

/** Where an error was detected in the input: character offset, line, field. */
export interface MacAddressErrorWhere {
  /** Offset (in UTF-16 code units) of the first offending character, or the text's length. */
  readonly offset?: number;
  /** Line of the input, when the text came from a multi-line source. */
  readonly line?: number;
  /** Name of the field or argument that held the bad value (e.g. `"mac"`). */
  readonly field?: string;
}

/**
 * Base class of every error thrown by `@dyninfra/mac-address`.
 *
 * Codes: `BAD_MAC` (text that is not a MAC address, or a number outside 0 … 2^48−1),
 * `BAD_VALUE` (a {@link MacTable} value that is not an integer 0 … 2^31−1),
 * `BAD_CAPACITY` (a {@link MacTable} capacity that is not an integer 0 … 2^26).
 *
 * @example
 * ```ts
 * try {
 *   parseMac("00:11:22:33:44");
 * } catch (e) {
 *   if (MacAddressError.isInstance(e)) console.log(e.code, e.where.offset); // BAD_MAC 14
 * }
 * ```
 */
export class MacAddressError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Where in the input the problem was found. */
  readonly where: MacAddressErrorWhere;
  /** What was wrong, without the location suffix of `message` (for wrapping in another error). */
  readonly reason: string;
  /** @internal Realm-safe brand checked by `isInstance`. */
  readonly [marker] = true;

  constructor(
    code: string,
    message: string,
    where: MacAddressErrorWhere = {},
    options?: ErrorOptions,
  ) {
    const at = [
      where.offset !== undefined ? `offset ${where.offset}` : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.field !== undefined ? `field ${where.field}` : undefined,
    ].filter((s) => s !== undefined);
    super(at.length > 0 ? `${message} (at ${at.join(", ")})` : message, options);
    this.name = "MacAddressError";
    this.code = code;
    this.where = where;
    this.reason = message;
  }

  /** True for errors of this package, also across copies of the package (realm-safe). */
  static isInstance(value: unknown): value is MacAddressError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[marker] === true
    );
  }
}
