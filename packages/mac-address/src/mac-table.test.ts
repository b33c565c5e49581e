import { describe, expect, it } from "vitest";
import { MacAddressError } from "./errors";
import { BROADCAST_MAC, parseMac } from "./mac-address";
import { MacTable } from "./mac-table";

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return MacAddressError.isInstance(e) ? e.code : "foreign";
  }
  return undefined;
};

describe("MacTable", () => {
  it("maps MACs to values, −1 when absent", () => {
    const t = new MacTable(4);
    const a = parseMac("02:00:00:00:00:01");
    const b = parseMac("02:00:00:00:00:02");
    t.set(a, 7);
    expect([t.get(a), t.get(b), t.has(a), t.has(b), t.size]).toEqual([7, -1, true, false, 1]);
    t.set(a, 9);
    expect([t.get(a), t.size]).toEqual([9, 1]);
    expect(t.delete(a)).toBe(true);
    expect(t.delete(a)).toBe(false);
    expect([t.get(a), t.size]).toEqual([-1, 0]);
  });

  it("holds the extremes 0 and broadcast as keys, and value 0", () => {
    const t = new MacTable();
    t.set(0, 0);
    t.set(BROADCAST_MAC, 2 ** 31 - 1);
    expect([t.get(0), t.get(BROADCAST_MAC)]).toEqual([0, 2 ** 31 - 1]);
  });

  it("never finds the empty-slot marker or other non-MACs as keys", () => {
    const t = new MacTable();
    expect([t.get(-1), t.has(-1), t.delete(-1), t.get(Number.NaN), t.get(0.5)]).toEqual([
      -1,
      false,
      false,
      -1,
      -1,
    ]);
  });

  it("grows past its capacity and keeps every entry", () => {
    const t = new MacTable(0);
    const n = 5000;
    // Keys that differ only in the high octets too, so both halves of the hash are exercised.
    const key = (i: number) => (i % 2 === 0 ? 0x0200_0000_0000 + i : i * 0x100_0000 + 1);
    for (let i = 0; i < n; i++) t.set(key(i), i);
    expect(t.size).toBe(n);
    for (let i = 0; i < n; i++) expect(t.get(key(i))).toBe(i);
    for (let i = 0; i < n; i += 3) expect(t.delete(key(i))).toBe(true);
    for (let i = 0; i < n; i++) expect(t.get(key(i))).toBe(i % 3 === 0 ? -1 : i);
    expect(new Map(t.entries()).size).toBe(t.size);
  });

  it("clears", () => {
    const t = new MacTable();
    for (let i = 1; i <= 20; i++) t.set(i, i);
    t.clear();
    expect([t.size, [...t.entries()], t.get(5)]).toEqual([0, [], -1]);
    t.set(5, 1);
    expect(t.get(5)).toBe(1);
  });

  it("refuses keys, values and capacities it cannot hold", () => {
    const t = new MacTable();
    expect(code(() => t.set(2 ** 48, 1))).toBe("BAD_MAC");
    expect(code(() => t.set(-1, 1))).toBe("BAD_MAC");
    expect(code(() => t.set(1.5, 1))).toBe("BAD_MAC");
    expect(code(() => t.set(1, -1))).toBe("BAD_VALUE");
    expect(code(() => t.set(1, 2 ** 31))).toBe("BAD_VALUE");
    expect(code(() => t.set(1, 0.5))).toBe("BAD_VALUE");
    expect(t.size).toBe(0);
    expect(code(() => new MacTable(-1))).toBe("BAD_CAPACITY");
    expect(code(() => new MacTable(Number.POSITIVE_INFINITY))).toBe("BAD_CAPACITY");
    expect(code(() => new MacTable(2 ** 26 + 1))).toBe("BAD_CAPACITY");
  });
});
