const marker = Symbol.for("@dyninfra/iommu-model/error");

/**
 * Where an error was detected in the input: byte offset, line, field.
 *
 * @example
 * ```ts
 * const where: IommuModelErrorWhere = { offset: 9, field: "Checksum" };
 * ```
 */
export interface IommuModelErrorWhere {
  readonly offset?: number;
  readonly line?: number;
  readonly field?: string;
}

/**
 * Base class of every error thrown by `@dyninfra/iommu-model`.
 *
 * @example
 * ```ts
 * try {
 *   throw new IommuModelError("EXAMPLE", "bad input", { offset: 3 });
 * } catch (e) {
 *   if (IommuModelError.isInstance(e)) console.log(e.code, e.where.offset);
 * }
 * ```
 */
export class IommuModelError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Where in the input the problem was found. */
  readonly where: IommuModelErrorWhere;
  /** @internal Realm-safe brand checked by `isInstance`. */
  readonly [marker] = true;

  constructor(
    code: string,
    message: string,
    where: IommuModelErrorWhere = {},
    options?: ErrorOptions,
  ) {
    const at = [
      where.offset !== undefined ? `offset ${where.offset}` : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.field !== undefined ? `field ${where.field}` : undefined,
    ].filter((s) => s !== undefined);
    super(at.length > 0 ? `${message} (at ${at.join(", ")})` : message, options);
    this.name = "IommuModelError";
    this.code = code;
    this.where = where;
  }

  /** True for errors of this package, also across copies of the package (realm-safe). */
  static isInstance(value: unknown): value is IommuModelError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[marker] === true
    );
  }
}
