import { describe, expect, it } from "vitest";
import { Fib } from "./fib";
import { parseIpv4 } from "./ip";

describe("Fib", () => {
  it("longest prefix wins at every level of the trie", () => {
    const f = new Fib();
    f.set("0.0.0.0/0", "d");
    f.set("10.0.0.0/8", "a8");
    f.set("10.1.0.0/16", "a16");
    f.set("10.1.2.0/24", "a24");
    f.set("10.1.2.128/25", "a25");
    f.set("10.1.2.129/32", "a32");
    expect(f.lookup("11.0.0.0")).toBe("d");
    expect(f.lookup("10.9.9.9")).toBe("a8");
    expect(f.lookup("10.1.9.9")).toBe("a16");
    expect(f.lookup("10.1.2.1")).toBe("a24");
    expect(f.lookup("10.1.2.200")).toBe("a25");
    expect(f.lookup("10.1.2.129")).toBe("a32");
    expect(f.size).toBe(6);
  });

  it("a delete falls back to the covering prefix, and a shorter insert never hides a longer one", () => {
    const f = new Fib();
    f.set("10.1.2.0/24", "a24");
    f.set("10.0.0.0/8", "a8");
    expect(f.lookup("10.1.2.3")).toBe("a24");
    expect(f.delete("10.1.2.0/24")).toBe(true);
    expect(f.lookup("10.1.2.3")).toBe("a8");
    expect(f.delete("10.1.2.0/24")).toBe(false);
    expect(f.delete("10.0.0.0/8")).toBe(true);
    expect(f.lookup("10.1.2.3")).toBeUndefined();
    expect(f.lookupIpv4(parseIpv4("10.1.2.3"))).toBe(-1);
  });

  it("replaces the next hop of an existing prefix", () => {
    const f = new Fib();
    f.set("192.0.2.0/24", "x");
    f.set("192.0.2.0/24", "y");
    expect(f.lookup("192.0.2.7")).toBe("y");
    expect([...f.entries()]).toEqual([["192.0.2.0/24", "y"]]);
  });

  it("IPv6", () => {
    const f = new Fib();
    f.set("::/0", "d");
    f.set("2001:db8::/32", "a");
    f.set("2001:db8:1::/48", "b");
    expect(f.lookup("2001:db8:1::5")).toBe("b");
    expect(f.lookup("2001:db8:2::5")).toBe("a");
    expect(f.lookup("2001:db9::")).toBe("d");
    f.delete("2001:db8:1::/48");
    expect(f.lookup("2001:db8:1::5")).toBe("a");
    expect([...f.entries()].map((e) => e[0]).sort()).toEqual(["2001:db8::/32", "::/0"]);
  });
});
