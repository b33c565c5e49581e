import fc from "fast-check";
import type { OpticalLinkErrorWhere } from "./errors";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/optical-link` errors. */
export function arbitraryOpticalLinkErrorWhere(): fc.Arbitrary<OpticalLinkErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/** A switch operation, for model-based tests. */
export type SwitchOperation =
  | { readonly kind: "connect"; readonly ingress: number; readonly egress: number }
  | { readonly kind: "disconnect"; readonly ingress: number }
  | { readonly kind: "move"; readonly ingress: number; readonly egress: number };

/**
 * Switch operations over ports `1…ports` (some deliberately invalid: out of range, reused).
 *
 * @example
 * ```ts
 * fc.sample(arbitrarySwitchOperation(8), 5);
 * ```
 */
export function arbitrarySwitchOperation(ports: number): fc.Arbitrary<SwitchOperation> {
  const port = fc.integer({ min: 0, max: ports + 1 });
  return fc.oneof(
    fc.record({ kind: fc.constant("connect" as const), ingress: port, egress: port }),
    fc.record({ kind: fc.constant("disconnect" as const), ingress: port }),
    fc.record({ kind: fc.constant("move" as const), ingress: port, egress: port }),
  );
}
