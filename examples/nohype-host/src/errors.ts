const marker = Symbol.for("@dyninfra/example-nohype-host/error");

/** Where an error was detected in the input: byte offset, line, field. */
export interface NohypeHostErrorWhere {
  readonly offset?: number;
  readonly line?: number;
  readonly field?: string;
}

/**
 * Base class of every error thrown by `@dyninfra/example-nohype-host`.
 *
 * @example
 * ```ts
 * try {
 *   throw new NohypeHostError("EXAMPLE", "bad input", { offset: 3 });
 * } catch (e) {
 *   if (NohypeHostError.isInstance(e)) console.log(e.code, e.where.offset);
 * }
 * ```
 */
export class NohypeHostError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Where in the input the problem was found. */
  readonly where: NohypeHostErrorWhere;
  /** @internal Realm-safe brand checked by `isInstance`. */
  readonly [marker] = true;

  constructor(
    code: string,
    message: string,
    where: NohypeHostErrorWhere = {},
    options?: ErrorOptions,
  ) {
    const at = [
      where.offset !== undefined ? `offset ${where.offset}` : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.field !== undefined ? `field ${where.field}` : undefined,
    ].filter((s) => s !== undefined);
    super(at.length > 0 ? `${message} (at ${at.join(", ")})` : message, options);
    this.name = "NohypeHostError";
    this.code = code;
    this.where = where;
  }

  /** True for errors of this package, also across copies of the package (realm-safe). */
  static isInstance(value: unknown): value is NohypeHostError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[marker] === true
    );
  }
}
