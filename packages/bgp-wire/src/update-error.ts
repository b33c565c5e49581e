/**
 * The RFC 7606 error-handling approaches, weakest first: discard the malformed attribute, treat
 * the UPDATE's routes as withdrawn, or reset the session with a NOTIFICATION.
 *
 * @example
 * ```ts
 * import type { UpdateErrorAction } from "@dyninfra/bgp-wire";
 * const a: UpdateErrorAction = "treat-as-withdraw";
 * ```
 */
export type UpdateErrorAction = "attribute-discard" | "treat-as-withdraw" | "session-reset";

/**
 * One error found while decoding an UPDATE, with the RFC 7606 approach its rule prescribes and
 * the UPDATE Message Error subcode (RFC 4271 §6.3) that names it.
 *
 * @example
 * ```ts
 * import type { UpdateError } from "@dyninfra/bgp-wire";
 * const e: UpdateError = {
 *   action: "treat-as-withdraw", errorSubcode: 5, typeCode: 3, offset: 30,
 *   reason: "NEXT_HOP length 5, expected 4 (RFC 7606 §7.3)",
 * };
 * ```
 */
export interface UpdateError {
  /** The approach RFC 7606 prescribes for this error. */
  readonly action: UpdateErrorAction;
  /** UPDATE Message Error subcode describing the error. */
  readonly errorSubcode: number;
  /** Attribute type code, when the error concerns one attribute. */
  readonly typeCode?: number;
  /** Byte offset of the offending field, from the start of the message (header included). */
  readonly offset: number;
  /** Human-readable reason, citing the rule. */
  readonly reason: string;
  /** NOTIFICATION data for session resets (e.g. the offending attribute). */
  readonly data?: Uint8Array;
}

const RANK: Record<UpdateErrorAction, number> = {
  "attribute-discard": 1,
  "treat-as-withdraw": 2,
  "session-reset": 3,
};

/**
 * The strongest action among errors (RFC 7606 §3 (j)), or `undefined` when there are none.
 *
 * @example
 * ```ts
 * import { strongestAction } from "@dyninfra/bgp-wire";
 * strongestAction([
 *   { action: "attribute-discard", errorSubcode: 5, offset: 0, reason: "" },
 *   { action: "treat-as-withdraw", errorSubcode: 5, offset: 0, reason: "" },
 * ]); // "treat-as-withdraw"
 * ```
 */
export function strongestAction(errors: readonly UpdateError[]): UpdateErrorAction | undefined {
  let best: UpdateErrorAction | undefined;
  for (const e of errors) if (best === undefined || RANK[e.action] > RANK[best]) best = e.action;
  return best;
}
