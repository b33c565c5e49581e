import type { AsPath, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import {
  AspaTable,
  aspaDirection,
  matchAspaValidity,
  parseAspaJson,
  rejectAspaInvalid,
  verifyAspa,
} from "./aspa";
import { BgpRibError } from "./errors";
import type { BgpRole } from "./peer";
import { acceptAll } from "./policy";
import { Rib } from "./rib";

const seq = (...asns: number[]): AsPath => [{ type: "AS_SEQUENCE", asns }];

/**
 * A small Internet: 10 and 20 are transit-free (ASPA with AS 0), 30 buys from 10, 40 from 20,
 * 50 from 30 and 40 (multihomed); 60 has no ASPA.
 */
function internet(): AspaTable {
  const t = new AspaTable();
  t.set(10, [0]);
  t.set(20, [0]);
  t.set(30, [10]);
  t.set(40, [20]);
  t.set(50, [30, 40]);
  return t;
}

describe("verifyAspa on a small Internet", () => {
  const t = internet();
  it("upstream: a customer's route up its providers is valid; a leak through a peer is invalid; an AS without ASPA makes it unknown", () => {
    expect(verifyAspa(seq(30, 50), t, "upstream")).toBe("valid");
    // 40 passes 50's route (from its customer 50) — fine — but 30 received it from its peer 40?
    // 30 → 40 is no customer→provider hop: a leak when 30 sends it to us, its provider.
    expect(verifyAspa(seq(30, 40, 50), t, "upstream")).toBe("invalid");
    // 50's ASPA names 30 and 40 only: 60 is no provider of 50.
    expect(verifyAspa(seq(60, 50), t, "upstream")).toBe("invalid");
    expect(verifyAspa(seq(50, 60), t, "upstream")).toBe("unknown"); // 60 has no ASPA
  });

  it("downstream: up to an apex, at most one lateral link, then down", () => {
    // From provider 30 to us (a customer of 30): 50 → 40 → 20 (up), 20 – 10 (peers), 10 → 30
    // (down).
    expect(verifyAspa(seq(30, 10, 20, 40, 50), t, "downstream")).toBe("valid");
    // Going down then up again: 50's route via 30, down to 50? 30 → 50 → 40 is a valley.
    expect(verifyAspa(seq(40, 50, 30), t, "downstream")).toBe("invalid");
  });

  it("the neighbour must be the leftmost AS (not for a route server), no AS_SET, prepends collapsed", () => {
    expect(verifyAspa(seq(30, 50), t, "upstream", 30)).toBe("valid");
    expect(verifyAspa(seq(30, 50), t, "upstream", 40)).toBe("invalid");
    expect(verifyAspa(seq(30, 30, 50, 50), t, "upstream", 30)).toBe("valid");
    expect(verifyAspa([...seq(30, 50), { type: "AS_SET", asns: [60] }], t, "upstream")).toBe(
      "invalid",
    );
    expect(verifyAspa([], t, "downstream")).toBe("invalid");
    expect(aspaDirection("customer")).toBe("downstream");
    for (const r of ["provider", "peer", "rs", "rs-client"] as const)
      expect(aspaDirection(r)).toBe("upstream");
  });
});

describe("parseAspaJson", () => {
  it("reads rpki-client's JSON and names what is wrong", () => {
    const t = parseAspaJson(
      JSON.stringify({
        roas: [],
        aspas: [
          { customer_asid: 64496, expires: 1, providers: [64497, "AS64498"] },
          { customer_asid: "AS64499", providers: [0] },
        ],
      }),
    );
    expect([...t.entries()].map(([c, ps]) => [c, [...ps]])).toEqual([
      [64496, [64497, 64498]],
      [64499, []],
    ]);
    expect([t.size, t.hop(64496, 64498), t.hop(64499, 1), t.hop(1, 2)]).toEqual([
      2,
      "provider+",
      "not-provider+",
      "no-attestation",
    ]);
    const field = (text: string) => {
      try {
        parseAspaJson(text);
        return undefined;
      } catch (e) {
        if (!BgpRibError.isInstance(e)) throw e;
        return [e.code, e.where.field];
      }
    };
    expect(field("{")).toEqual(["BAD_ASPA", "aspas"]);
    expect(field("{}")).toEqual(["BAD_ASPA", "aspas"]);
    expect(field('{"aspas":[{"customer_asid":-1,"providers":[]}]}')).toEqual([
      "BAD_ASPA",
      "aspas[0].customer_asid",
    ]);
    expect(field('{"aspas":[{"customer_asid":1,"providers":[2,"x"]}]}')).toEqual([
      "BAD_ASPA",
      "aspas[0].providers[1]",
    ]);
    expect(field('{"aspas":[{"customer_asid":1}]}')).toEqual(["BAD_ASPA", "aspas[0].providers"]);
    t.clear();
    expect(t.size).toBe(0);
    expect(() => matchAspaValidity(t, "bogus" as "valid")).toThrow(
      expect.objectContaining({ code: "BAD_VALIDITY" }),
    );
  });
});

describe("rejectAspaInvalid as an import policy", () => {
  it("drops a leak from a customer and keeps valid routes; a neighbour without a role is not verified", () => {
    const t = internet();
    const rib = new Rib({ asn: 10, bgpIdentifier: "10.0.0.1" });
    const peer = (address: string, asn: number, role?: BgpRole) =>
      rib.addPeer({
        address,
        asn,
        bgpIdentifier: address,
        importPolicy: rejectAspaInvalid(t),
        exportPolicy: acceptAll,
        ...(role === undefined ? {} : { role }),
      });
    peer("192.0.2.30", 30, "provider"); // 30 is our customer
    peer("192.0.2.31", 30); // the same AS, no role
    for (const a of rib.peerAddresses()) rib.peerUp(a);
    const P = (address: string): Prefix => ({ afi: 1, address, length: 24 });
    const announce = (from: string, path: AsPath, prefix: string) =>
      rib.update(from, {
        announced: [
          { attributes: { origin: "IGP", asPath: path, nextHop: from }, nlri: [P(prefix)] },
        ],
      });
    announce("192.0.2.30", seq(30, 50), "198.51.100.0"); // valid
    announce("192.0.2.30", seq(30, 40, 50), "203.0.113.0"); // a leak: invalid
    announce("192.0.2.31", seq(30, 40, 50), "192.0.2.0"); // not verified
    const got = [...rib.locRib()].map((r) => `${r.prefix.address} ${r.peer}`).sort();
    expect(got).toEqual(["192.0.2.0 192.0.2.31", "198.51.100.0 192.0.2.30"]);
    expect(rib.receiveCounters("192.0.2.30").rejectedRoutes["import-policy"]).toBe(1);
  });
});
