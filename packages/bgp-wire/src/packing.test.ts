// Packing at the two negotiated maximum message sizes (RFC 4271 §4.1: 4096; RFC 8654: 65535).
// Expected counts and sizes are worked out from the wire layout: 19-octet header, 2-octet
// Withdrawn Routes Length, 2-octet Total Path Attribute Length, then attributes and NLRI.
import { describe, expect, it } from "vitest";
import { decodeMessage } from "./codec";
import { BgpWireError } from "./errors";
import type { UpdateMessage } from "./messages";
import { encodeAnnouncements, encodeWithdrawals } from "./packing";
import type { PathAttributes } from "./path-attributes";
import { type Prefix, parsePrefix, prefixKey } from "./prefix";
import { sessionContext } from "./session-context";

// ORIGIN (4 octets) + AS_PATH AS_SEQUENCE [64500], 2-octet AS (7) + NEXT_HOP (7) = 18 octets.
const ATTRS: PathAttributes = {
  origin: "IGP",
  asPath: [{ type: "AS_SEQUENCE", asns: [64500] }],
  nextHop: "192.0.2.1",
};
// 20,000 distinct /24s: 4 octets each in NLRI / Withdrawn Routes.
const V4: Prefix[] = Array.from({ length: 20_000 }, (_, i) =>
  parsePrefix(`10.${i >> 8}.${i & 255}.0/24`),
);
// 10,000 distinct /48s: 7 octets each in MP_REACH_NLRI / MP_UNREACH_NLRI.
const V6: Prefix[] = Array.from({ length: 10_000 }, (_, i) =>
  parsePrefix(`2001:db8:${i.toString(16)}::/48`),
);

const narrow = sessionContext();
const wide = sessionContext({ extendedMessage: true });

function carried(msgs: Uint8Array[], ctx = narrow): string[] {
  return msgs
    .flatMap((b) => {
      const m = decodeMessage(b, ctx) as UpdateMessage;
      const a = m.pathAttributes;
      return [
        ...m.nlri,
        ...m.withdrawnRoutes,
        ...(a.mpReachNlri?.nlri ?? []),
        ...(a.mpUnreachNlri?.withdrawnRoutes ?? []),
      ];
    })
    .map(prefixKey)
    .sort();
}
const keys = (ps: Prefix[]): string[] => ps.map(prefixKey).sort();

describe("announcements fill each UPDATE up to the negotiated maximum", () => {
  it("4096 octets: 41 + 1013 × 4 = 4093 per UPDATE, 20 UPDATEs for 20,000 /24s", () => {
    const msgs = encodeAnnouncements(ATTRS, V4, narrow);
    expect(msgs.map((m) => m.length)).toEqual([...Array(19).fill(4093), 41 + 753 * 4]);
    expect(carried(msgs)).toEqual(keys(V4));
  });

  it("65535 octets (Extended Message): 41 + 16,373 × 4 = 65,533, 2 UPDATEs", () => {
    const msgs = encodeAnnouncements(ATTRS, V4, wide);
    expect(msgs.map((m) => m.length)).toEqual([65_533, 41 + 3627 * 4]);
    expect(carried(msgs, wide)).toEqual(keys(V4));
    for (const m of msgs)
      expect((decodeMessage(m, wide) as UpdateMessage).pathAttributes).toEqual(ATTRS);
  });

  it("IPv6 in MP_REACH_NLRI (extended length): 576 /48s per 4096, 9,353 per 65535", () => {
    const { nextHop: _, ...v6Attrs } = ATTRS;
    const attrs: PathAttributes = {
      ...v6Attrs,
      mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::1"], nlri: [] },
    };
    // 23 + 11 (ORIGIN, AS_PATH) + 4 (MP_REACH header) + 21 (AFI, SAFI, NH len, NH, reserved)
    const fixed = 23 + 11 + 4 + 21;
    const small = encodeAnnouncements(attrs, V6, narrow);
    expect(small.map((m) => m.length)).toEqual([
      ...Array(17).fill(fixed + 576 * 7),
      fixed + 208 * 7,
    ]);
    expect(carried(small)).toEqual(keys(V6));
    const large = encodeAnnouncements(attrs, V6, wide);
    expect(large.map((m) => m.length)).toEqual([fixed + 9353 * 7, fixed + 647 * 7]);
    expect(carried(large, wide)).toEqual(keys(V6));
  });

  it("an UPDATE longer than 4096 octets is refused without Extended Message (RFC 8654)", () => {
    const [big] = encodeAnnouncements(ATTRS, V4, wide);
    expect(() => decodeMessage(big!, narrow)).toThrow(BgpWireError);
  });
});

describe("withdrawals fill each UPDATE up to the negotiated maximum", () => {
  it("IPv4 Withdrawn Routes: 23 + 1018 × 4 = 4095 per 4096, 23 + 16,378 × 4 = 65,535", () => {
    const small = encodeWithdrawals(V4, narrow);
    expect(small.map((m) => m.length)).toEqual([...Array(19).fill(4095), 23 + 658 * 4]);
    expect(carried(small)).toEqual(keys(V4));
    const large = encodeWithdrawals(V4, wide);
    expect(large.map((m) => m.length)).toEqual([65_535, 23 + 3622 * 4]);
    expect(carried(large, wide)).toEqual(keys(V4));
  });

  it("IPv6 MP_UNREACH_NLRI: 23 + 4 + 3 + 580 × 7 per 4096, 9,354 /48s per 65535", () => {
    const fixed = 23 + 4 + 3;
    const small = encodeWithdrawals(V6, narrow);
    expect(small.map((m) => m.length)).toEqual([
      ...Array(17).fill(fixed + 580 * 7),
      fixed + 140 * 7,
    ]);
    expect(carried(small)).toEqual(keys(V6));
    const large = encodeWithdrawals(V6, wide);
    expect(large.map((m) => m.length)).toEqual([fixed + 9357 * 7, fixed + 643 * 7]);
    expect(carried(large, wide)).toEqual(keys(V6));
  });
});
