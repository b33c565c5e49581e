import { describe, expect, it } from "vitest";
import { Fdb } from "./fdb";
import { parseMac } from "./mac";

const A = parseMac("02:00:00:00:00:0a");
const B = parseMac("02:00:00:00:00:0b");

describe("FDB (br_fdb.c semantics)", () => {
  it("learns, refreshes, moves; (MAC, VID) are separate keys", () => {
    const f = new Fdb();
    expect(f.learn(A, 1, 2, 0)).toBe("learned");
    expect(f.learn(A, 1, 2, 5)).toBe("refreshed");
    expect(f.learn(A, 1, 3, 6)).toBe("moved");
    expect(f.learn(A, 10, 4, 6)).toBe("learned");
    expect(f.lookup(A, 1, 7)).toBe(3);
    expect(f.lookup(A, 10, 7)).toBe(4);
    expect(f.lookup(A, 20, 7)).toBe(-1);
  });
  it("never learns group or zero source addresses", () => {
    const f = new Fdb();
    expect(f.learn(parseMac("01:00:5e:00:00:01"), 1, 0, 0)).toBe("ignored");
    expect(f.learn(0, 1, 0, 0)).toBe("ignored");
    expect(f.size).toBe(0);
  });
  it("ages dynamic entries after ageing_time (default 300 s); the GC removes them", () => {
    const f = new Fdb();
    f.learn(A, 1, 1, 100);
    expect(f.lookup(A, 1, 399.5)).toBe(1);
    // br_fdb.c has_expired: updated + ageing_time <= now, so the entry is gone at exactly 400.
    expect(f.lookup(A, 1, 400)).toBe(-1);
    expect(f.size).toBe(1);
    expect(f.age(399.5)).toBe(0);
    expect(f.age(400)).toBe(1);
    expect(f.size).toBe(0);
  });
  it("ageing_time 0 expires learned entries at once (a hub); Infinity never", () => {
    const hub = new Fdb({ ageingTime: 0 });
    expect(hub.learn(A, 1, 1, 5)).toBe("learned");
    expect(hub.lookup(A, 1, 5)).toBe(-1);
    expect(hub.age(5)).toBe(1);
    hub.addStatic(B, 1, 2);
    expect(hub.lookup(B, 1, 1e9)).toBe(2);
    const forever = new Fdb({ ageingTime: Number.POSITIVE_INFINITY });
    forever.learn(A, 1, 1, 5);
    expect(forever.lookup(A, 1, 1e12)).toBe(1);
    expect(forever.age(1e12)).toBe(0);
  });
  it("static entries neither age nor move, and replace dynamic ones", () => {
    const f = new Fdb({ maxLearned: 1 });
    f.learn(A, 1, 1, 0);
    f.addStatic(A, 1, 5);
    expect(f.learnedCount).toBe(0);
    expect(f.learn(A, 1, 2, 10)).toBe("static");
    expect(f.lookup(A, 1, 1e9)).toBe(5);
    expect(f.age(1e9)).toBe(0);
    expect(() => f.addStatic(parseMac("01:00:00:00:00:01"), 1, 1)).toThrowError(/unicast/);
  });
  it("stops learning new stations at fdb_max_learned, but still refreshes and moves known ones", () => {
    const f = new Fdb({ maxLearned: 2 });
    expect(f.learn(A, 1, 1, 0)).toBe("learned");
    expect(f.learn(B, 1, 1, 0)).toBe("learned");
    expect(f.learn(parseMac("02:00:00:00:00:0c"), 1, 1, 0)).toBe("limit");
    expect(f.learn(A, 1, 2, 1)).toBe("moved");
    expect(f.learn(parseMac("02:00:00:00:00:0c"), 1, 1, 299.5)).toBe("limit"); // B expires at 300 s
    // Once entries have expired the GC (run at the earliest expiry) has freed their places.
    expect(f.learn(parseMac("02:00:00:00:00:0c"), 1, 1, 300)).toBe("learned");
    expect(f.learnedCount).toBe(2); // A (refreshed at 1) and the newcomer
  });
  it("flushes a port's dynamic entries and grows past its initial table", () => {
    const f = new Fdb();
    for (let i = 1; i <= 5000; i++) f.learn(0x0200_0000_0000 + i, i % 7, i % 3, 0);
    expect(f.size).toBe(5000);
    for (let i = 1; i <= 5000; i++) expect(f.lookup(0x0200_0000_0000 + i, i % 7, 1)).toBe(i % 3);
    const removed = f.flushPort(0);
    expect(removed).toBe(1666);
    expect(f.size).toBe(5000 - 1666);
    expect(f.delete(0x0200_0000_0001, 1)).toBe(true);
    expect(f.delete(0x0200_0000_0001, 1)).toBe(false);
    expect(f.entries()).toHaveLength(5000 - 1667);
  });
});
