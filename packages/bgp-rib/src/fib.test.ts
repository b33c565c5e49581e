import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import { Fib } from "./fib";
import { type IpPrefix, parseIpv4, parseIpv6, parsePrefix, wordMask } from "./ip";

const here = resolve(import.meta.dirname, "..");
const FULL = resolve(
  here,
  "../../../shared/data/bgp/ripe-ncc-bgpdump/test_data/updates.et-header.2015.gz.bgpdump.txt.gz",
);
const BOTH = [0, Number.POSITIVE_INFINITY] as const; // 16-4-4-4-4 from the start / 8-4-… forever

/**
 * The Loc-RIB of the first announcing peer in `bgpdump -m` text (real tool output): A = install/replace,
 * W = remove, a STATE change away from Established (6) = the session's routes are gone.
 */
function replayFirstPeer(text: string): Map<string, string> {
  const table = new Map<string, string>();
  let first: string | undefined;
  for (const line of text.split("\n")) {
    const f = line.split("|");
    if (f.length < 6) continue;
    if (f[2] === "A") first ??= f[3];
    if (f[3] !== first) continue;
    if (f[2] === "STATE") {
      if (f[6] !== "6") table.clear();
    } else if (f[2] === "A") table.set(f[5]!, f[8]!);
    else if (f[2] === "W") table.delete(f[5]!);
  }
  return table;
}

/** Independent reference: one exact-match Map per prefix length, longest first. */
function perLengthReference(table: Map<string, string>) {
  const byLen4 = Array.from({ length: 33 }, () => new Map<number, string>());
  for (const [prefix, hop] of table) {
    const p = parsePrefix(prefix);
    if (p.family === 4) byLen4[p.length]!.set(p.words[0], hop);
  }
  return (a: number): string | undefined => {
    for (let l = 32; l >= 0; l--) {
      const hop = byLen4[l]!.get((a & wordMask(l)) >>> 0);
      if (hop !== undefined) return hop;
    }
    return undefined;
  };
}

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

describe("Fib blocks", () => {
  it("reuses folded blocks without sharing them", () => {
    for (const t of [0, Number.POSITIVE_INFINITY]) {
      const f = new Fib({ wideIpv4Threshold: t });
      f.set("10.0.0.0/25", "x");
      f.delete("10.0.0.0/25");
      f.set("10.0.1.0/25", "a");
      f.set("10.0.2.0/25", "b");
      f.set("10.1.0.0/25", "c");
      f.set("11.0.0.0/25", "d");
      expect([
        f.lookup("10.0.1.1"),
        f.lookup("10.0.2.1"),
        f.lookup("10.1.0.1"),
        f.lookup("11.0.0.1"),
        f.lookup("10.0.0.1"),
        f.lookup("10.0.1.129"),
      ]).toEqual(["a", "b", "c", "d", undefined, undefined]);
    }
  });
});

describe("Fib boundaries and layouts", () => {
  for (const t of BOTH)
    it(`sibling prefixes with one next hop do not fold into a shorter slot (wideIpv4Threshold ${t})`, () => {
      const f = new Fib({ wideIpv4Threshold: t });
      f.set("49.0.0.0/8", "d");
      // eight /19s with the same next hop fill the /16's block (its /20 slots) uniformly; two
      // /25s fill the /24's block (its /28 slots): neither may fold into the shorter slot above
      for (let i = 0; i < 8; i++) f.set(`49.150.${i * 32}.0/19`, "x");
      f.set("49.151.0.0/25", "y");
      f.set("49.151.0.128/25", "y");
      f.delete("49.0.0.0/8"); // clears through the blocks below it
      f.delete("49.150.160.0/19");
      f.delete("49.151.0.0/25");
      expect(f.lookup("49.150.185.56")).toBeUndefined();
      expect(f.lookup("49.150.192.1")).toBe("x");
      expect(f.lookup("49.151.0.1")).toBeUndefined();
      expect(f.lookup("49.151.0.129")).toBe("y");
    });

  for (const t of BOTH)
    it(`/0, /8, /16, /24, /25, /32 at level edges (wideIpv4Threshold ${t})`, () => {
      const f = new Fib({ wideIpv4Threshold: t });
      f.set("0.0.0.0/0", "d");
      f.set("255.255.255.255/32", "top");
      f.set("0.0.0.0/32", "zero");
      f.set("10.0.0.0/8", "a8");
      f.set("10.255.0.0/16", "a16");
      f.set("10.255.255.0/24", "a24");
      f.set("10.255.255.128/25", "a25");
      f.set("10.255.255.255/32", "a32");
      const probes: [string, string][] = [
        ["0.0.0.0", "zero"],
        ["0.0.0.1", "d"],
        ["255.255.255.255", "top"],
        ["255.255.255.254", "d"],
        ["9.255.255.255", "d"],
        ["10.0.0.0", "a8"],
        ["10.254.255.255", "a8"],
        ["10.255.0.0", "a16"],
        ["10.255.254.255", "a16"],
        ["10.255.255.0", "a24"],
        ["10.255.255.127", "a24"],
        ["10.255.255.128", "a25"],
        ["10.255.255.254", "a25"],
        ["10.255.255.255", "a32"],
        ["11.0.0.0", "d"],
      ];
      for (const [a, hop] of probes) expect([a, f.lookup(a)]).toEqual([a, hop]);
      expect(f.ipv4Layout).toBe(t === 0 ? "16-4-4-4-4" : "8-4-4-4-4-4-4");
      // Remove from the outside in: every address falls back to what is left.
      f.delete("0.0.0.0/0");
      expect(f.lookup("11.0.0.0")).toBeUndefined();
      f.delete("10.255.255.0/24");
      expect(f.lookup("10.255.255.1")).toBe("a16");
      expect(f.lookup("10.255.255.129")).toBe("a25");
      f.delete("10.255.255.128/25");
      expect(f.lookup("10.255.255.129")).toBe("a16");
      expect(f.lookup("10.255.255.255")).toBe("a32");
      f.delete("10.255.0.0/16");
      f.delete("10.0.0.0/8");
      expect(f.lookup("10.255.255.1")).toBeUndefined();
      expect(f.lookup("10.255.255.255")).toBe("a32");
    });

  it("switches to 16-4-4-4-4 above the threshold and back below half of it", () => {
    const f = new Fib({ wideIpv4Threshold: 4 });
    const ps = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.128/25", "10.1.2.129/32"];
    for (const [i, p] of ps.entries()) f.set(p, `h${i}`);
    expect(f.ipv4Layout).toBe("16-4-4-4-4");
    expect(f.lookup("10.1.2.129")).toBe("h4");
    f.delete(ps[4]!);
    f.delete(ps[3]!);
    f.delete(ps[2]!);
    expect(f.ipv4Layout).toBe("16-4-4-4-4"); // 2 entries: not below half of 4
    f.delete(ps[1]!);
    expect(f.ipv4Layout).toBe("8-4-4-4-4-4-4");
    expect(f.lookup("10.1.2.129")).toBe("h0");
    expect(f.lookup("10.2.0.0")).toBe("h0");
  });

  it("a small FIB stays small, and a FIB emptied after growing shrinks again", () => {
    const f = new Fib();
    for (let i = 0; i < 10; i++) f.set(`10.${i}.${i}.0/24`, "192.0.2.1");
    expect(f.byteLength).toBeLessThan(32 * 1024);
    const empty = new Fib().byteLength;
    const g = new Fib();
    for (let i = 0; i < 5000; i++) g.set(`${10 + (i >> 8)}.${i & 255}.0.0/16`, `n${i & 3}`);
    expect(g.ipv4Layout).toBe("16-4-4-4-4");
    expect(g.byteLength).toBeGreaterThan(256 * 1024);
    for (let i = 0; i < 5000; i++) g.delete(`${10 + (i >> 8)}.${i & 255}.0.0/16`);
    expect(g.ipv4Layout).toBe("8-4-4-4-4-4-4");
    expect(g.size).toBe(0);
    expect(g.byteLength).toBeLessThan(empty + 32 * 1024);
  });

  it("IPv6 churn reuses the trie nodes of deleted prefixes", () => {
    const f = new Fib();
    f.set("2001:db8::/32", "keep");
    const round = () => {
      for (let i = 0; i < 64; i++) f.set(`2001:db8:${i.toString(16)}::/48`, "a");
      for (let i = 0; i < 64; i++) f.set(`2001:db8:${i.toString(16)}:1::/64`, "b");
    };
    round();
    const grown = f.byteLength;
    for (let r = 0; r < 5; r++) {
      for (let i = 0; i < 64; i++) f.delete(`2001:db8:${i.toString(16)}:1::/64`);
      expect(f.lookup("2001:db8:3:1::1")).toBe("a");
      for (let i = 0; i < 64; i++) f.delete(`2001:db8:${i.toString(16)}::/48`);
      expect(f.lookup("2001:db8:3:1::1")).toBe("keep");
      round();
    }
    expect(f.byteLength).toBe(grown);
    // A node whose only child is its 1-branch is not pruned with the prefix it held.
    f.set("2001:db9::/32", "r");
    f.set("2001:db9:8000::/33", "q");
    f.delete("2001:db9::/32");
    expect(f.lookup("2001:db9:8000::1")).toBe("q");
    expect(f.lookup("2001:db9::1")).toBeUndefined();
    expect(f.lookup("2001:db8:3f:1::1")).toBe("b");
    expect(f.lookup("2001:db8:40::1")).toBe("keep");
  });

  it("next-hop indexes are interned and stable", () => {
    const f = new Fib();
    f.set("10.0.0.0/8", "192.0.2.1");
    f.set("11.0.0.0/8", "192.0.2.1");
    f.set("12.0.0.0/8", "192.0.2.2");
    const i = f.lookupIpv4(parseIpv4("10.0.0.1"));
    expect(f.lookupIpv4(parseIpv4("11.0.0.1"))).toBe(i);
    expect(f.nextHop(i)).toBe("192.0.2.1");
    f.delete("10.0.0.0/8");
    f.delete("11.0.0.0/8");
    f.set("13.0.0.0/8", "192.0.2.1");
    expect(f.lookupIpv4(parseIpv4("13.0.0.1"))).toBe(i);
    expect(f.nextHop(f.lookupIpv4(parseIpv4("12.0.0.1")))).toBe("192.0.2.2");
  });
});

describe("Fib input errors", () => {
  const field = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      if (BgpRibError.isInstance(e)) return `${e.code}:${e.where.field}`;
      throw e;
    }
    return undefined;
  };
  const p = (family: number, length: number, words: number[]) =>
    ({ family, length, words }) as unknown as IpPrefix;

  it("names the field of a malformed prefix, next hop or address", () => {
    const f = new Fib();
    expect(field(() => f.set("10.0.0.0/33", "a"))).toBe("BAD_PREFIX:prefix");
    expect(field(() => f.set("10.0.0.1/24", "a"))).toBe("BAD_PREFIX:prefix");
    expect(field(() => f.set("10.0.0/24", "a"))).toBe("BAD_ADDRESS:prefix");
    expect(field(() => f.delete("2001:db8::/129"))).toBe("BAD_PREFIX:prefix");
    expect(field(() => f.set(p(5, 8, [0, 0, 0, 0]), "a"))).toBe("BAD_PREFIX:family");
    expect(field(() => f.set(p(4, 33, [0, 0, 0, 0]), "a"))).toBe("BAD_PREFIX:length");
    expect(field(() => f.set(p(4, 1.5, [0, 0, 0, 0]), "a"))).toBe("BAD_PREFIX:length");
    expect(field(() => f.set(p(4, 8, [0, 0, 0]), "a"))).toBe("BAD_PREFIX:words");
    expect(field(() => f.set(p(4, 8, [-1, 0, 0, 0]), "a"))).toBe("BAD_PREFIX:words");
    expect(field(() => f.set(p(4, 8, [0x0a000001, 0, 0, 0]), "a"))).toBe("BAD_PREFIX:words");
    expect(field(() => f.set(p(4, 32, [0x0a000001, 1, 0, 0]), "a"))).toBe("BAD_PREFIX:words");
    expect(field(() => f.set(p(6, 64, [0x20010db8, 0, 1, 0]), "a"))).toBe("BAD_PREFIX:words");
    expect(field(() => f.set("10.0.0.0/8", 7 as unknown as string))).toBe("BAD_NEXT_HOP:nextHop");
    expect(field(() => f.set("10.0.0.0/8", []))).toBe("BAD_NEXT_HOP:nextHop");
    expect(field(() => f.set("10.0.0.0/8", ["a", "a"]))).toBe("BAD_NEXT_HOP:nextHop[1]");
    expect(field(() => f.set("10.0.0.0/8", ["a", 7 as unknown as string]))).toBe(
      "BAD_NEXT_HOP:nextHop[1]",
    );
    expect(field(() => f.lookup("10.0.0.256"))).toBe("BAD_ADDRESS:address");
    expect(field(() => f.lookup("2001:db8:::1"))).toBe("BAD_ADDRESS:address");
    expect(field(() => f.lookupIpv6([1, 2]))).toBe("BAD_ADDRESS:words");
    expect(field(() => new Fib({ wideIpv4Threshold: -1 }))).toBe("BAD_OPTION:wideIpv4Threshold");
    expect(field(() => new Fib({ wideIpv4Threshold: Number.NaN }))).toBe(
      "BAD_OPTION:wideIpv4Threshold",
    );
    expect(f.size).toBe(0);
    // Valid forms are accepted: an IPv4 /32 and an IPv6 /128 with every bit set.
    f.set(p(4, 32, [0xffffffff, 0, 0, 0]), "a");
    f.set(p(6, 128, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]), "b");
    expect(f.lookup("255.255.255.255")).toBe("a");
    expect(f.lookup("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).toBe("b");
  });
});

describe("Fib on real tables", () => {
  it("the OpenBGPD capture (bgpdump reference parse): IPv6 LPM per announced prefix", () => {
    const text = readFileSync(resolve(here, "fixtures/openbgpd_bgp.bgpdump.txt"), "utf8");
    const table = replayFirstPeer(text);
    expect(table.size).toBeGreaterThan(0);
    const f = new Fib();
    for (const [prefix, hop] of table) f.set(prefix, hop);
    expect(new Map(f.entries())).toEqual(table);
    for (const [prefix, hop] of table) {
      const addr = prefix.slice(0, prefix.indexOf("/"));
      const found = addr.includes(":")
        ? f.lookupIpv6(parseIpv6(addr))
        : f.lookupIpv4(parseIpv4(addr));
      expect(f.nextHop(found)).toBe(hop);
    }
  });

  const present = existsSync(FULL);
  if (!present) console.warn(`shared data absent (${FULL}): the full-table FIB test does not run`);
  describe.runIf(present)("the 578k-prefix table (first peer of updates.et-header.2015)", () => {
    it("agrees with a per-length reference before and after deleting half the table", () => {
      const table = replayFirstPeer(gunzipSync(readFileSync(FULL)).toString("latin1"));
      expect(table.size).toBeGreaterThan(500_000);
      const f = new Fib();
      for (const [prefix, hop] of table) f.set(prefix, hop);
      expect(f.size).toBe(table.size);
      expect(f.ipv4Layout).toBe("16-4-4-4-4");
      let x = 0x9e3779b9;
      const rnd = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      const check = (ref: (a: number) => string | undefined) => {
        for (let i = 0; i < 20_000; i++) {
          const a = rnd();
          expect(f.nextHop(f.lookupIpv4(a))).toBe(ref(a));
        }
      };
      check(perLengthReference(table));
      const keys = [...table.keys()];
      for (let i = 0; i < keys.length; i += 2) {
        f.delete(keys[i]!);
        table.delete(keys[i]!);
      }
      expect(f.size).toBe(table.size);
      check(perLengthReference(table));
    });
  });
});
