/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, "Sequence Numbers"; the comparison
 * operators of RFC 1982 serial-number arithmetic with SERIAL_BITS = 32).
 *
 * Sequence numbers are plain `number`s in `[0, 2^32)`. Comparisons are valid while the two values
 * are less than 2^31 apart, which TCP's window limits guarantee.
 */

/** 2^32, the size of the sequence space. */
export const SEQ_SPACE = 0x1_0000_0000;

/**
 * `a + n` modulo 2^32.
 *
 * @example
 * ```ts
 * seqAdd(0xffff_fffe, 3); // 1
 * ```
 */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * Signed distance `a - b` in the sequence space, in `[-2^31, 2^31)`.
 *
 * @example
 * ```ts
 * seqDiff(1, 0xffff_ffff); // 2
 * ```
 */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * `a < b` modulo 2^32 (the kernel's `before(a, b)`).
 *
 * @example
 * ```ts
 * seqLt(0xffff_fff0, 5); // true: 5 comes after the wrap
 * ```
 */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * `a ≤ b` modulo 2^32.
 *
 * @example
 * ```ts
 * seqLeq(7, 7); // true
 * ```
 */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/**
 * `a > b` modulo 2^32 (the kernel's `after(a, b)`).
 *
 * @example
 * ```ts
 * seqGt(3, 0xffff_ff00); // true
 * ```
 */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/**
 * `a ≥ b` modulo 2^32.
 *
 * @example
 * ```ts
 * seqGeq(0, 0xffff_ffff); // true
 * ```
 */
export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/**
 * The larger of two sequence numbers modulo 2^32.
 *
 * @example
 * ```ts
 * seqMax(0xffff_ffff, 2); // 2
 * ```
 */
export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a;
}

/**
 * True when `lo ≤ x < hi` modulo 2^32.
 *
 * @example
 * ```ts
 * seqInRange(0, 0xffff_fff0, 16); // true
 * ```
 */
export function seqInRange(x: number, lo: number, hi: number): boolean {
  return seqLeq(lo, x) && seqLt(x, hi);
}
