import { describe, expect, it } from "vitest";
import { seqAdd, seqDiff, seqGeq, seqGt, seqInRange, seqLeq, seqLt, seqMax } from "./seq";

describe("sequence arithmetic modulo 2^32 (RFC 9293 §3.4)", () => {
  it("wraps additions", () => {
    expect(seqAdd(0xffff_ffff, 1)).toBe(0);
    expect(seqAdd(0xffff_fffe, 3)).toBe(1);
    expect(seqAdd(5, -6)).toBe(0xffff_ffff);
  });
  it("compares across the wrap", () => {
    expect(seqLt(0xffff_fff0, 5)).toBe(true);
    expect(seqGt(5, 0xffff_fff0)).toBe(true);
    expect(seqLeq(7, 7)).toBe(true);
    expect(seqGeq(0, 0xffff_ffff)).toBe(true);
    expect(seqLt(0, 0xffff_ffff)).toBe(false);
    expect(seqMax(0xffff_ffff, 2)).toBe(2);
  });
  it("measures signed distance", () => {
    expect(seqDiff(1, 0xffff_ffff)).toBe(2);
    expect(seqDiff(0xffff_ffff, 1)).toBe(-2);
    expect(seqDiff(2 ** 31, 0)).toBe(-(2 ** 31));
  });
  it("tests windows that straddle the wrap", () => {
    expect(seqInRange(0, 0xffff_fff0, 16)).toBe(true);
    expect(seqInRange(16, 0xffff_fff0, 16)).toBe(false);
    expect(seqInRange(0xffff_ffef, 0xffff_fff0, 16)).toBe(false);
  });
});
