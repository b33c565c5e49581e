import { SriovQueuesError } from "./errors";
import type { Errno } from "./sriov-pf";

/** RTTBCNRC.RS_ENA: rate scheduler enabled. */
export const IXGBE_RTTBCNRC_RS_ENA = 0x8000_0000;
/** RTTBCNRC.RF_DEC: 14 fractional bits of the rate factor. */
export const IXGBE_RTTBCNRC_RF_DEC_MASK = 0x0000_3fff;
/** RTTBCNRC.RF_INT shift. */
export const IXGBE_RTTBCNRC_RF_INT_SHIFT = 14;
/** RTTBCNRC.RF_INT: integer part of the rate factor. */
export const IXGBE_RTTBCNRC_RF_INT_MASK = IXGBE_RTTBCNRC_RF_DEC_MASK << IXGBE_RTTBCNRC_RF_INT_SHIFT;

/**
 * Checks a `max_tx_rate`/`min_tx_rate` request as `ixgbe_ndo_set_vf_bw` does: the link must be up
 * at 10 Gb/s, `min_tx_rate` must be 0, and a non-zero `max_tx_rate` must lie in (10, link speed]
 * Mb/s. Returns null when accepted, else the errno (EINVAL).
 *
 * @example
 * ```ts
 * checkIxgbeVfRate({ linkUp: true, linkSpeedMbps: 10000, maxTxRateMbps: 10, minTxRateMbps: 0 }); // "EINVAL"
 * ```
 */
export function checkIxgbeVfRate(request: {
  readonly linkUp: boolean;
  readonly linkSpeedMbps: number;
  readonly maxTxRateMbps: number;
  readonly minTxRateMbps: number;
}): Errno | null {
  const { linkUp, linkSpeedMbps, maxTxRateMbps, minTxRateMbps } = request;
  if (!linkUp) return "EINVAL";
  if (linkSpeedMbps !== 10000) return "EINVAL";
  if (minTxRateMbps !== 0) return "EINVAL";
  if (maxTxRateMbps !== 0 && (maxTxRateMbps <= 10 || maxTxRateMbps > linkSpeedMbps)) {
    return "EINVAL";
  }
  return null;
}

/**
 * The RTTBCNRC register value `ixgbe_set_vf_rate_limit` writes for each Tx queue of the VF's
 * pool: rate factor = link speed / tx rate in 10.14 fixed point, plus RS_ENA; 0 disables the
 * limiter (tx rate 0).
 *
 * @example
 * ```ts
 * ixgbeRttbcnrc(10000, 1000).toString(16); // "80028000" (factor 10.0)
 * ```
 */
export function ixgbeRttbcnrc(linkSpeedMbps: number, txRateMbps: number): number {
  if (!Number.isInteger(linkSpeedMbps) || linkSpeedMbps <= 0 || linkSpeedMbps > 0x3fff) {
    throw new SriovQueuesError("BAD_RATE", `link speed out of range: ${linkSpeedMbps}`, {
      field: "linkSpeedMbps",
    });
  }
  if (!Number.isInteger(txRateMbps) || txRateMbps < 0) {
    throw new SriovQueuesError("BAD_RATE", `tx rate out of range: ${txRateMbps}`, {
      field: "txRateMbps",
    });
  }
  if (txRateMbps === 0) return 0;
  let v = Math.floor((linkSpeedMbps << IXGBE_RTTBCNRC_RF_INT_SHIFT) / txRateMbps);
  v &= IXGBE_RTTBCNRC_RF_INT_MASK | IXGBE_RTTBCNRC_RF_DEC_MASK;
  return (v | IXGBE_RTTBCNRC_RS_ENA) >>> 0;
}

/**
 * The rate (Mb/s) the scheduler actually enforces for an RTTBCNRC value: link speed divided by
 * the programmed rate factor (≥ the requested rate, because the factor is truncated).
 *
 * @example
 * ```ts
 * effectiveRateMbps(10000, ixgbeRttbcnrc(10000, 3000)); // ≈ 3000.06
 * ```
 */
export function effectiveRateMbps(linkSpeedMbps: number, rttbcnrc: number): number {
  if ((rttbcnrc & IXGBE_RTTBCNRC_RS_ENA) === 0) return linkSpeedMbps;
  const factor = rttbcnrc & (IXGBE_RTTBCNRC_RF_INT_MASK | IXGBE_RTTBCNRC_RF_DEC_MASK);
  if (factor === 0) return linkSpeedMbps;
  return (linkSpeedMbps * (1 << IXGBE_RTTBCNRC_RF_INT_SHIFT)) / factor;
}

/**
 * A token bucket: tokens (bytes) accrue at `rateBytesPerSecond` up to `burstBytes`; a frame may
 * leave when the bucket holds its length. Time is given by the caller in nanoseconds, so runs are
 * deterministic. Mutable by design (it is a meter).
 *
 * @example
 * ```ts
 * const tb = new TokenBucket(125_000_000, 4096); // 1 Gb/s, 4 KiB burst
 * tb.tryConsume(1500, 0n); // true
 * ```
 */
export class TokenBucket {
  readonly rateBytesPerSecond: number;
  readonly burstBytes: number;
  private tokens: number;
  private lastNs: bigint;

  constructor(rateBytesPerSecond: number, burstBytes: number, startNs = 0n) {
    if (!(rateBytesPerSecond > 0) || !(burstBytes > 0)) {
      throw new SriovQueuesError("BAD_RATE", "token bucket needs a positive rate and burst", {
        field: "rateBytesPerSecond",
      });
    }
    this.rateBytesPerSecond = rateBytesPerSecond;
    this.burstBytes = burstBytes;
    this.tokens = burstBytes;
    this.lastNs = startNs;
  }

  /** Tokens available at `nowNs` (time never runs backwards: an earlier time adds nothing). */
  available(nowNs: bigint): number {
    this.refill(nowNs);
    return this.tokens;
  }

  /** Takes `bytes` tokens if present and returns true; otherwise leaves the bucket and returns false. */
  tryConsume(bytes: number, nowNs: bigint): boolean {
    this.refill(nowNs);
    if (bytes > this.tokens) return false;
    this.tokens -= bytes;
    return true;
  }

  private refill(nowNs: bigint): void {
    if (nowNs <= this.lastNs) return;
    const dt = Number(nowNs - this.lastNs) / 1e9;
    this.tokens = Math.min(this.burstBytes, this.tokens + dt * this.rateBytesPerSecond);
    this.lastNs = nowNs;
  }
}
