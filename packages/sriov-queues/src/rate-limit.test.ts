import { describe, expect, it } from "vitest";
import { checkIxgbeVfRate, effectiveRateMbps, ixgbeRttbcnrc, TokenBucket } from "./rate-limit";

// Independent reference: the older ixgbe/igb formulation with separate integer and decimal parts.
function referenceRttbcnrc(link: number, rate: number): number {
  const rfInt = Math.floor(link / rate);
  const rfDec = Math.floor(((link - rfInt * rate) * 2 ** 14) / rate);
  return (0x8000_0000 + ((rfInt << 14) & 0x0fff_c000) + (rfDec & 0x3fff)) >>> 0;
}

describe("ixgbe rate factor (RTTBCNRC)", () => {
  it("1 Gb/s on a 10 Gb/s link is factor 10.0 with RS_ENA", () => {
    expect(ixgbeRttbcnrc(10000, 1000)).toBe(0x8002_8000);
  });
  it.each([11, 100, 333, 1000, 3000, 7777, 9999, 10000])(
    "matches the rf_int/rf_dec formula for %d Mb/s",
    (rate) => {
      expect(ixgbeRttbcnrc(10000, rate)).toBe(referenceRttbcnrc(10000, rate));
    },
  );
  it("0 disables the limiter", () => {
    expect(ixgbeRttbcnrc(10000, 0)).toBe(0);
    expect(effectiveRateMbps(10000, 0)).toBe(10000);
  });
  it("the enforced rate is never below the requested one and within 0.1 %", () => {
    const eff = effectiveRateMbps(10000, ixgbeRttbcnrc(10000, 3000));
    expect(eff).toBeGreaterThanOrEqual(3000);
    expect(eff).toBeLessThan(3003);
  });
});

describe("ixgbe_ndo_set_vf_bw checks", () => {
  const base = { linkUp: true, linkSpeedMbps: 10000, maxTxRateMbps: 500, minTxRateMbps: 0 };
  it("accepts 11…10000 and 0", () => {
    expect(checkIxgbeVfRate(base)).toBeNull();
    expect(checkIxgbeVfRate({ ...base, maxTxRateMbps: 11 })).toBeNull();
    expect(checkIxgbeVfRate({ ...base, maxTxRateMbps: 0 })).toBeNull();
  });
  it("rejects ≤ 10, above link, min_tx_rate, link down, 1 Gb/s link", () => {
    expect(checkIxgbeVfRate({ ...base, maxTxRateMbps: 10 })).toBe("EINVAL");
    expect(checkIxgbeVfRate({ ...base, maxTxRateMbps: 10001 })).toBe("EINVAL");
    expect(checkIxgbeVfRate({ ...base, minTxRateMbps: 100 })).toBe("EINVAL");
    expect(checkIxgbeVfRate({ ...base, linkUp: false })).toBe("EINVAL");
    expect(checkIxgbeVfRate({ ...base, linkSpeedMbps: 1000 })).toBe("EINVAL");
  });
});

describe("TokenBucket", () => {
  it("starts full, drains, and refills at the rate", () => {
    const tb = new TokenBucket(1_000_000, 3000); // 1 MB/s
    expect(tb.tryConsume(1500, 0n)).toBe(true);
    expect(tb.tryConsume(1500, 0n)).toBe(true);
    expect(tb.tryConsume(1, 0n)).toBe(false);
    expect(tb.tryConsume(1000, 999_000n)).toBe(false); // 999 bytes after 999 µs
    expect(tb.tryConsume(1000, 1_000_000n)).toBe(true);
    expect(tb.available(10_000_000_000n)).toBe(3000); // capped at the burst
  });
  it("rejects nonsense parameters", () => {
    expect(() => new TokenBucket(0, 10)).toThrowError(/positive/);
  });
});
