import { describe, expect, it } from "vitest";
import { updateRoutes } from "./messages";
import {
  AS_TRANS,
  pathAttributesEqual,
  pathAttributesKey,
  readvertiseUnknownAttributes,
  reconcileAggregator,
  reconcileAsPath,
} from "./path-attributes";

describe("RFC 6793 §4.2.3 AS_PATH / AS4_PATH reconciliation", () => {
  it("replaces the trailing AS_TRANS with the AS4_PATH", () => {
    expect(
      reconcileAsPath({
        asPath: [{ type: "AS_SEQUENCE", asns: [64500, AS_TRANS, AS_TRANS] }],
        as4Path: [{ type: "AS_SEQUENCE", asns: [4200000001, 4200000002] }],
      }),
    ).toEqual([{ type: "AS_SEQUENCE", asns: [64500, 4200000001, 4200000002] }]);
  });
  it("ignores an AS4_PATH longer than the AS_PATH", () => {
    const asPath = [{ type: "AS_SEQUENCE" as const, asns: [64500] }];
    expect(reconcileAsPath({ asPath, as4Path: [{ type: "AS_SEQUENCE", asns: [1, 2] }] })).toBe(
      asPath,
    );
  });
  it("ignores AS4_PATH when AGGREGATOR is not AS_TRANS but AS4_AGGREGATOR is present", () => {
    const asPath = [{ type: "AS_SEQUENCE" as const, asns: [64500, AS_TRANS] }];
    expect(
      reconcileAsPath({
        asPath,
        as4Path: [{ type: "AS_SEQUENCE", asns: [4200000001] }],
        aggregator: { asn: 64501, address: "192.0.2.1" },
        as4Aggregator: { asn: 4200000009, address: "192.0.2.1" },
      }),
    ).toBe(asPath);
  });
  it("counts an AS_SET as one AS and keeps confederation segments", () => {
    expect(
      reconcileAsPath({
        asPath: [
          { type: "AS_CONFED_SEQUENCE", asns: [65001] },
          { type: "AS_SEQUENCE", asns: [64500, AS_TRANS] },
          { type: "AS_SET", asns: [AS_TRANS, 64502] },
        ],
        as4Path: [
          { type: "AS_SEQUENCE", asns: [4200000001] },
          { type: "AS_SET", asns: [4200000002, 64502] },
        ],
      }),
    ).toEqual([
      { type: "AS_CONFED_SEQUENCE", asns: [65001] },
      { type: "AS_SEQUENCE", asns: [64500, 4200000001] },
      { type: "AS_SET", asns: [4200000002, 64502] },
    ]);
  });
});

describe("RFC 6793 §4.2.3 AGGREGATOR / AS4_AGGREGATOR", () => {
  const as4Aggregator = { asn: 4200000001, address: "192.0.2.9" };
  it("takes AS4_AGGREGATOR when AGGREGATOR holds AS_TRANS", () => {
    expect(
      reconcileAggregator({ aggregator: { asn: AS_TRANS, address: "192.0.2.9" }, as4Aggregator }),
    ).toBe(as4Aggregator);
  });
  it("ignores AS4_AGGREGATOR when AGGREGATOR holds a real AS", () => {
    const aggregator = { asn: 64500, address: "192.0.2.1" };
    expect(reconcileAggregator({ aggregator, as4Aggregator })).toBe(aggregator);
    expect(reconcileAggregator({ as4Aggregator })).toBeUndefined();
  });
});

describe("attribute set keys", () => {
  it("do not depend on property order and ignore the NLRI carried in MP_REACH_NLRI", () => {
    const a = { origin: "IGP" as const, nextHop: "192.0.2.1", localPref: 100 };
    const b = { localPref: 100, nextHop: "192.0.2.1", origin: "IGP" as const };
    expect(pathAttributesKey(a)).toBe(pathAttributesKey(b));
    const m1 = {
      ...a,
      mpReachNlri: {
        afi: 2,
        safi: 1,
        nextHop: ["2001:db8::1"],
        nlri: [{ afi: 2 as const, address: "2001:db8::", length: 32 }],
      },
    };
    const m2 = { ...a, mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::1"], nlri: [] } };
    expect(pathAttributesEqual(m1, m2)).toBe(true);
    expect(
      pathAttributesEqual(m1, {
        ...m2,
        mpReachNlri: { ...m2.mpReachNlri, nextHop: ["2001:db8::2"] },
      }),
    ).toBe(false);
  });
  it("tell AS_SET from AS_SEQUENCE and segment boundaries apart", () => {
    const k = (p: Parameters<typeof pathAttributesKey>[0]) => pathAttributesKey(p);
    expect(k({ asPath: [{ type: "AS_SET", asns: [1, 2] }] })).not.toBe(
      k({ asPath: [{ type: "AS_SEQUENCE", asns: [1, 2] }] }),
    );
    expect(k({ asPath: [{ type: "AS_SEQUENCE", asns: [1, 2] }] })).not.toBe(
      k({
        asPath: [
          { type: "AS_SEQUENCE", asns: [1] },
          { type: "AS_SEQUENCE", asns: [2] },
        ],
      }),
    );
    expect(k({ communities: [1, 2] })).not.toBe(k({ communities: [12] }));
  });
});

describe("re-advertisement of unknown attributes (RFC 4271 §5)", () => {
  it("keeps optional transitive ones with Partial set and drops optional non-transitive ones", () => {
    const v = new Uint8Array([1]);
    expect(
      readvertiseUnknownAttributes([
        { flags: 0xc0, typeCode: 99, value: v },
        { flags: 0x80, typeCode: 98, value: v },
        { flags: 0xe0, typeCode: 97, value: v },
      ]).map((u) => [u.typeCode, u.flags]),
    ).toEqual([
      [99, 0xe0],
      [97, 0xe0],
    ]);
  });
});

describe("updateRoutes", () => {
  it("flattens NLRI and MP_REACH/MP_UNREACH routes with their next hops", () => {
    const r = updateRoutes({
      type: "UPDATE",
      withdrawnRoutes: [{ afi: 1, address: "10.0.0.0", length: 8 }],
      nlri: [{ afi: 1, address: "10.1.0.0", length: 16 }],
      pathAttributes: {
        nextHop: "192.0.2.1",
        mpReachNlri: {
          afi: 2,
          safi: 1,
          nextHop: ["2001:db8::1", "fe80::1"],
          nlri: [{ afi: 2, address: "2001:db8::", length: 32 }],
        },
        mpUnreachNlri: {
          afi: 2,
          safi: 1,
          withdrawnRoutes: [{ afi: 2, address: "2001:db9::", length: 32 }],
        },
      },
    });
    expect(r.withdrawn.map((p) => p.address)).toEqual(["10.0.0.0", "2001:db9::"]);
    expect(r.announced.map((a) => [a.prefix.address, a.nextHop[0]])).toEqual([
      ["10.1.0.0", "192.0.2.1"],
      ["2001:db8::", "2001:db8::1"],
    ]);
  });
});

describe("pathAttributesKey and ORIGIN", () => {
  it("tells every ORIGIN apart (IGP and INCOMPLETE share a first letter)", () => {
    const keys = (["IGP", "EGP", "INCOMPLETE"] as const).map((origin) =>
      pathAttributesKey({ origin, asPath: [], nextHop: "192.0.2.1" }),
    );
    expect(new Set(keys).size).toBe(3);
    expect(pathAttributesEqual({ origin: "IGP" }, { origin: "INCOMPLETE" })).toBe(false);
  });
});
