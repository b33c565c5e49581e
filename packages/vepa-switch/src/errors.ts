const marker = Symbol.for("@dyninfra/vepa-switch/error");

/** Where an error was detected in the input: byte offset, line, field. */
export interface VepaSwitchErrorWhere {
  readonly offset?: number;
  readonly line?: number;
  readonly field?: string;
}

/**
 * Base class of every error thrown by `@dyninfra/vepa-switch`.
 *
 * @example
 * ```ts
 * try {
 *   throw new VepaSwitchError("EXAMPLE", "bad input", { offset: 3 });
 * } catch (e) {
 *   if (VepaSwitchError.isInstance(e)) console.log(e.code, e.where.offset);
 * }
 * ```
 */
export class VepaSwitchError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Where in the input the problem was found. */
  readonly where: VepaSwitchErrorWhere;
  /** @internal Realm-safe brand checked by `isInstance`. */
  readonly [marker] = true;

  constructor(
    code: string,
    message: string,
    where: VepaSwitchErrorWhere = {},
    options?: ErrorOptions,
  ) {
    const at = [
      where.offset !== undefined ? `offset ${where.offset}` : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.field !== undefined ? `field ${where.field}` : undefined,
    ].filter((s) => s !== undefined);
    super(at.length > 0 ? `${message} (at ${at.join(", ")})` : message, options);
    this.name = "VepaSwitchError";
    this.code = code;
    this.where = where;
  }

  /** True for errors of this package, also across copies of the package (realm-safe). */
  static isInstance(value: unknown): value is VepaSwitchError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[marker] === true
    );
  }
}
