import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import { acceptAll, chain, setLocalPref, when } from "./policy";
import { Rib } from "./rib";
import {
  matchOriginValidity,
  originAs,
  parseVrpJson,
  RoaTable,
  rejectInvalidOrigins,
} from "./rpki";

const seq = (...asns: number[]) => [{ type: "AS_SEQUENCE" as const, asns }];
const v4 = (t: string) => {
  const [address, length] = t.split("/");
  return { afi: 1 as const, address: address!, length: Number(length) };
};

describe("RoaTable (RFC 6811 §2)", () => {
  const roas = new RoaTable([
    { prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 },
    { prefix: "198.51.100.0/22", maxLength: 24, asn: 64497 },
    { prefix: "198.51.100.0/24", maxLength: 24, asn: 64498 },
    { prefix: "203.0.113.0/24", maxLength: 24, asn: 0 },
    { prefix: "2001:db8::/32", maxLength: 48, asn: 64496 },
  ]);

  it("classifies valid, invalid (wrong AS, too long, AS0) and not-found", () => {
    expect(roas.validate("192.0.2.0/24", 64496)).toBe("valid");
    expect(roas.validate("192.0.2.0/24", 64499)).toBe("invalid");
    expect(roas.validate("192.0.2.128/25", 64496)).toBe("invalid");
    expect(roas.validate("192.0.0.0/16", 64496)).toBe("not-found");
    // Two VRPs cover: either may match.
    expect(roas.validate("198.51.100.0/24", 64497)).toBe("valid");
    expect(roas.validate("198.51.100.0/24", 64498)).toBe("valid");
    expect(roas.validate("198.51.101.0/24", 64498)).toBe("invalid");
    expect(roas.validate("198.51.100.0/25", 64497)).toBe("invalid");
    // An AS0 ROA (RFC 6483 §4) makes every origin invalid, AS 0 included.
    expect(roas.validate("203.0.113.0/24", 0)).toBe("invalid");
    expect(roas.validate("203.0.113.0/24", 64496)).toBe("invalid");
    // NONE (a path ending in an AS_SET) is invalid where covered.
    expect(roas.validate("192.0.2.0/24", undefined)).toBe("invalid");
    expect(roas.validate("2001:db8:ff00::/40", 64496)).toBe("valid");
    expect(roas.validate("2001:db8::/64", 64496)).toBe("invalid");
    expect(roas.validate("2001:db9::/32", 64496)).toBe("not-found");
    expect(roas.size).toBe(5);
  });

  it("rejects bad VRPs with the member named", () => {
    const bad = (v: object) => {
      try {
        new RoaTable([{ prefix: "10.0.0.0/8", maxLength: 8, asn: 1 }, v as never]);
      } catch (e) {
        expect(BgpRibError.isInstance(e)).toBe(true);
        return (e as BgpRibError).where.field;
      }
      throw new Error("accepted");
    };
    expect(bad({ prefix: "10.0.0.1/8", maxLength: 8, asn: 1 })).toBe("vrps[1].prefix");
    expect(bad({ prefix: "10.0.0.0/8", maxLength: 7, asn: 1 })).toBe("vrps[1].maxLength");
    expect(bad({ prefix: "10.0.0.0/8", maxLength: 33, asn: 1 })).toBe("vrps[1].maxLength");
    expect(bad({ prefix: "10.0.0.0/8", maxLength: 8, asn: 2 ** 32 })).toBe("vrps[1].asn");
    expect(bad({ prefix: "nonsense", maxLength: 8, asn: 1 })).toBe("vrps[1].prefix");
  });
});

describe("originAs", () => {
  it("takes the origin per RFC 6811 §2", () => {
    expect(originAs(seq(64500, 13335))).toBe(13335);
    expect(originAs([...seq(64500), { type: "AS_SET", asns: [1, 2] }])).toBeUndefined();
    expect(originAs([], { localAs: 64500 })).toBe(64500);
    expect(originAs(undefined)).toBeUndefined();
    expect(originAs([{ type: "AS_CONFED_SEQUENCE", asns: [65001] }], { localAs: 64500 })).toBe(
      64500,
    );
  });
});

describe("parseVrpJson", () => {
  it("reads rpki-client and Routinator output", () => {
    const rpkiClient =
      '{"metadata":{"buildtime":"2026-11-29T00:00:00Z"},"roas":[{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic","expires":1}]}';
    const routinator =
      '{"roas":[{"asn":"AS13335","prefix":"2606:4700::/32","maxLength":48,"ta":"arin"}]}';
    expect(parseVrpJson(rpkiClient)).toEqual([{ prefix: "1.0.0.0/24", maxLength: 24, asn: 13335 }]);
    expect(parseVrpJson(routinator)).toEqual([
      { prefix: "2606:4700::/32", maxLength: 48, asn: 13335 },
    ]);
  });

  it("says where the input is wrong", () => {
    const where = (t: string) => {
      try {
        parseVrpJson(t);
      } catch (e) {
        expect(BgpRibError.isInstance(e)).toBe(true);
        return (e as BgpRibError).where;
      }
      throw new Error("accepted");
    };
    expect(where('{"roas": [1,]}').offset).toBe(12);
    expect(where("[]").field).toBe("roas");
    expect(
      where(
        '{"roas":[{"prefix":"1.0.0.0/24","maxLength":24,"asn":1},{"prefix":"1.0.0.0/24","maxLength":"x","asn":1}]}',
      ).field,
    ).toBe("roas[1].maxLength");
    expect(where('{"roas":[{"prefix":"1.0.0.0/24","maxLength":24,"asn":"ASx"}]}').field).toBe(
      "roas[0].asn",
    );
    expect(where('{"roas":[{"prefix":"1.0.0.1/24","maxLength":24,"asn":1}]}').field).toBe(
      "roas[0].prefix",
    );
  });
});

describe("origin validation as import policy in a RIB", () => {
  const roas = new RoaTable([
    { prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 },
    { prefix: "198.51.100.0/24", maxLength: 24, asn: 64497 },
  ]);
  const setup = (importPolicy: Parameters<Rib["addPeer"]>[0]["importPolicy"]) => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib.addPeer({ address: "10.0.0.2", asn: 64510, bgpIdentifier: "10.0.0.2", importPolicy });
    rib.peerUp("10.0.0.2");
    const a = (path: number[]) => ({
      origin: "IGP" as const,
      asPath: seq(64510, ...path),
      nextHop: "10.0.0.2",
    });
    rib.update("10.0.0.2", {
      announced: [
        { attributes: a([64496]), nlri: [v4("192.0.2.0/24")] }, // valid
        { attributes: a([64499]), nlri: [v4("198.51.100.0/24")] }, // invalid: wrong origin
        { attributes: a([64496]), nlri: [v4("192.0.2.0/25")] }, // invalid: too long
        { attributes: a([64499]), nlri: [v4("203.0.113.0/24")] }, // not found
      ],
    });
    return rib;
  };

  it("rejectInvalidOrigins keeps valid and not-found routes only, and explains why", () => {
    const rib = setup(rejectInvalidOrigins(roas));
    expect(rib.bestRoute("192.0.2.0/24")).toBeDefined();
    expect(rib.bestRoute("203.0.113.0/24")).toBeDefined();
    expect(rib.bestRoute("198.51.100.0/24")).toBeUndefined();
    expect(rib.bestRoute("192.0.2.0/25")).toBeUndefined();
    expect(rib.adjRibInCount("10.0.0.2")).toEqual({
      ipv4: 4,
      ipv6: 0,
      accepted: { ipv4: 2, ipv6: 0 },
    });
  });

  it("a changed table takes effect when the policies are re-run", () => {
    const live = new RoaTable([{ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 }]);
    const policy = chain(
      when(matchOriginValidity(live, "valid"), setLocalPref(200)),
      rejectInvalidOrigins(live),
    );
    const rib = setup(policy);
    expect(rib.bestRoute("192.0.2.0/24")?.attributes.localPref).toBe(200);
    expect(rib.bestRoute("192.0.2.0/25")).toBeUndefined();
    live.add({ prefix: "192.0.2.0/24", maxLength: 25, asn: 64496 });
    live.delete({ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 });
    rib.setPolicies("10.0.0.2", { importPolicy: policy, exportPolicy: acceptAll });
    expect(rib.bestRoute("192.0.2.0/25")?.attributes.localPref).toBe(200);
    live.delete({ prefix: "192.0.2.0/24", maxLength: 25, asn: 64496 });
    live.add({ prefix: "192.0.2.0/24", maxLength: 24, asn: 1 });
    rib.setPolicies("10.0.0.2", { importPolicy: policy, exportPolicy: acceptAll });
    expect(rib.bestRoute("192.0.2.0/24")).toBeUndefined();
    expect(rib.bestRoute("192.0.2.0/25")).toBeUndefined();
  });

  it("refuses an unknown state", () => {
    expect(() => matchOriginValidity(roas, "unknown" as never)).toThrow(/unknown validation state/);
  });
});
