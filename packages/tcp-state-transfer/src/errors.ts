const marker = Symbol.for("@dyninfra/tcp-state-transfer/error");

/** Where an error was detected in the input: byte offset, line, field. */
export interface TcpStateTransferErrorWhere {
  readonly offset?: number;
  readonly line?: number;
  readonly field?: string;
}

/**
 * Base class of every error thrown by `@dyninfra/tcp-state-transfer`.
 *
 * @example
 * ```ts
 * try {
 *   throw new TcpStateTransferError("EXAMPLE", "bad input", { offset: 3 });
 * } catch (e) {
 *   if (TcpStateTransferError.isInstance(e)) console.log(e.code, e.where.offset);
 * }
 * ```
 */
export class TcpStateTransferError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Where in the input the problem was found. */
  readonly where: TcpStateTransferErrorWhere;
  /** @internal Realm-safe brand checked by `isInstance`. */
  readonly [marker] = true;

  constructor(
    code: string,
    message: string,
    where: TcpStateTransferErrorWhere = {},
    options?: ErrorOptions,
  ) {
    const at = [
      where.offset !== undefined ? `offset ${where.offset}` : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.field !== undefined ? `field ${where.field}` : undefined,
    ].filter((s) => s !== undefined);
    super(at.length > 0 ? `${message} (at ${at.join(", ")})` : message, options);
    this.name = "TcpStateTransferError";
    this.code = code;
    this.where = where;
  }

  /** True for errors of this package, also across copies of the package (realm-safe). */
  static isInstance(value: unknown): value is TcpStateTransferError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[marker] === true
    );
  }
}
