// RFC 7606 dispositions, one row per rule. Attribute bytes are written out by hand from the RFCs.
import { describe, expect, it } from "vitest";
import { decodeUpdate } from "./codec";
import { sessionContext } from "./session-context";
import type { UpdateErrorAction } from "./update-error";

const hex = (s: string): number[] => [...Buffer.from(s.replace(/\s+/g, ""), "hex")];

/** An UPDATE with the given withdrawn routes, path attributes and NLRI (lengths computed). */
function update(
  attrs: string,
  nlri = "08 0a",
  withdrawn = "",
  lengths?: { w?: number; a?: number },
): Uint8Array {
  const w = hex(withdrawn);
  const a = hex(attrs);
  const n = hex(nlri);
  const wl = lengths?.w ?? w.length;
  const al = lengths?.a ?? a.length;
  const body = [wl >> 8, wl & 255, ...w, al >> 8, al & 255, ...a, ...n];
  const len = 19 + body.length;
  return new Uint8Array([...new Array(16).fill(0xff), len >> 8, len & 255, 2, ...body]);
}

const ORIGIN = "40 01 01 00";
const AS_PATH = "40 02 04 02 01 fd e8"; // AS_SEQUENCE [65000], 2-octet
const NEXT_HOP = "40 03 04 c0 00 02 01";
const BASE = `${ORIGIN} ${AS_PATH} ${NEXT_HOP}`;
// IPv6 unicast, next hop 2001:db8::1, no NLRI
const MP_REACH = `80 0e 15 00 02 01 10 20 01 0d b8 ${"00".repeat(11)} 01 00`;

type Row = [
  rule: string,
  attrs: string,
  action: UpdateErrorAction | "accept",
  subcode?: number,
  opts?: {
    nlri?: string;
    withdrawn?: string;
    lengths?: { w?: number; a?: number };
    fourOctetAs?: boolean;
  },
];

const ROWS: Row[] = [
  ["well-formed UPDATE is accepted", BASE, "accept"],
  [
    "§7.1 ORIGIN length ≠ 1 → treat-as-withdraw",
    `40 01 02 00 00 ${AS_PATH} ${NEXT_HOP}`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§7.1 undefined ORIGIN value → treat-as-withdraw",
    `40 01 01 03 ${AS_PATH} ${NEXT_HOP}`,
    "treat-as-withdraw",
    6,
  ],
  [
    "§7.2 unrecognized AS_PATH segment type → treat-as-withdraw",
    `${ORIGIN} 40 02 04 05 01 fd e8 ${NEXT_HOP}`,
    "treat-as-withdraw",
    11,
  ],
  [
    "§7.2 AS_PATH segment length 0 → treat-as-withdraw",
    `${ORIGIN} 40 02 02 02 00 ${NEXT_HOP}`,
    "treat-as-withdraw",
    11,
  ],
  [
    "§7.2 AS_PATH segment overrun → treat-as-withdraw",
    `${ORIGIN} 40 02 04 02 02 fd e8 ${NEXT_HOP}`,
    "treat-as-withdraw",
    11,
  ],
  [
    "§7.3 NEXT_HOP length ≠ 4 → treat-as-withdraw",
    `${ORIGIN} ${AS_PATH} 40 03 05 c0 00 02 01 00`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§7.4 MULTI_EXIT_DISC length ≠ 4 → treat-as-withdraw",
    `${BASE} 80 04 03 00 00 01`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§7.5 LOCAL_PREF length ≠ 4 → treat-as-withdraw",
    `${BASE} 40 05 05 00 00 00 64 00`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§7.6 ATOMIC_AGGREGATE length ≠ 0 → attribute discard",
    `${BASE} 40 06 01 00`,
    "attribute-discard",
    5,
  ],
  [
    "§7.7 AGGREGATOR length ≠ 6 (2-octet session) → attribute discard",
    `${BASE} c0 07 07 fd e8 c0 00 02 01 00`,
    "attribute-discard",
    5,
  ],
  [
    "§7.7 AGGREGATOR length ≠ 8 (4-octet session) → attribute discard",
    `${ORIGIN} 40 02 06 02 01 00 00 fd e8 ${NEXT_HOP} c0 07 06 fd e8 c0 00 02 01`,
    "attribute-discard",
    5,
    { fourOctetAs: true },
  ],
  [
    "§7.8 COMMUNITIES length not a multiple of 4 → treat-as-withdraw",
    `${BASE} c0 08 05 fd e8 00 01 00`,
    "treat-as-withdraw",
    5,
  ],
  ["§7.8 COMMUNITIES length 0 → treat-as-withdraw", `${BASE} c0 08 00`, "treat-as-withdraw", 5],
  [
    "§7.9 ORIGINATOR_ID length ≠ 4 → treat-as-withdraw",
    `${BASE} 80 09 03 c0 00 02`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§7.10 CLUSTER_LIST length not a multiple of 4 → treat-as-withdraw",
    `${BASE} 80 0a 06 c0 00 02 01 00 00`,
    "treat-as-withdraw",
    5,
  ],
  ["§7.10 CLUSTER_LIST length 0 → treat-as-withdraw", `${BASE} 80 0a 00`, "treat-as-withdraw", 5],
  [
    "§7.11 MP_REACH_NLRI next hop length inconsistent with AFI → session reset",
    `${ORIGIN} ${AS_PATH} 80 0e 0b 00 02 01 05 20 01 0d b8 00 00 20`,
    "session-reset",
    9,
    { nlri: "" },
  ],
  [
    "§7.12 MP_UNREACH_NLRI with an invalid prefix → session reset",
    "80 0f 05 00 02 01 81 20",
    "session-reset",
    9,
    { nlri: "" },
  ],
  [
    "§7.14 EXTENDED COMMUNITIES length not a multiple of 8 → treat-as-withdraw",
    `${BASE} c0 10 09 00 02 fd e8 00 00 00 64 00`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§7.14 EXTENDED COMMUNITIES length 0 → treat-as-withdraw",
    `${BASE} c0 10 00`,
    "treat-as-withdraw",
    5,
  ],
  [
    "RFC 6793 §6 malformed AS4_PATH → attribute discard",
    `${BASE} c0 11 04 02 02 00 00`,
    "attribute-discard",
    11,
  ],
  [
    "RFC 6793 §6 AS4_PATH of length 0 (cannot carry an AS number) → attribute discard",
    `${BASE} c0 11 00`,
    "attribute-discard",
    11,
  ],
  [
    "RFC 6793 §6 AS4_PATH of odd length → attribute discard",
    `${BASE} c0 11 07 02 01 00 00 fd e8 00`,
    "attribute-discard",
    11,
  ],
  [
    "RFC 9234 §5 OTC length ≠ 4 → treat-as-withdraw",
    `${BASE} c0 23 03 00 fb f4`,
    "treat-as-withdraw",
    5,
  ],
  [
    "RFC 7606 §3 (c) flags conflict on OTC (not optional transitive) → treat-as-withdraw",
    `${BASE} 40 23 04 00 00 fb f4`,
    "treat-as-withdraw",
    4,
  ],
  [
    "RFC 6793 §6 AS4_AGGREGATOR length ≠ 8 → attribute discard",
    `${BASE} c0 12 07 00 00 fd e8 c0 00 02`,
    "attribute-discard",
    5,
  ],
  [
    "RFC 8092 §5 LARGE_COMMUNITY length not a multiple of 12 → treat-as-withdraw",
    `${BASE} c0 20 0d ${"00".repeat(13)}`,
    "treat-as-withdraw",
    5,
  ],
  [
    "RFC 8092 §5 LARGE_COMMUNITY length 0 → treat-as-withdraw",
    `${BASE} c0 20 00`,
    "treat-as-withdraw",
    5,
  ],
  [
    "§3 (c) Optional/Transitive bits in conflict (ORIGIN optional) → treat-as-withdraw",
    `c0 01 01 00 ${AS_PATH} ${NEXT_HOP}`,
    "treat-as-withdraw",
    4,
  ],
  [
    "§3 (c) Optional/Transitive bits in conflict (MED transitive) → treat-as-withdraw",
    `${BASE} c0 04 04 00 00 00 01`,
    "treat-as-withdraw",
    4,
  ],
  [
    "§3 (c) flags conflict on AS4_PATH → attribute discard (RFC 6793)",
    `${BASE} 40 11 06 02 01 00 00 fd e8`,
    "attribute-discard",
    4,
  ],
  [
    "§3 (g) MP_REACH_NLRI more than once → session reset (Malformed Attribute List)",
    `${BASE} ${MP_REACH} ${MP_REACH}`,
    "session-reset",
    1,
  ],
  [
    "§3 (g) any other attribute repeated → later occurrences discarded",
    `${BASE} 40 01 01 02`,
    "attribute-discard",
    1,
  ],
  [
    "§3 (d) missing ORIGIN with NLRI → treat-as-withdraw",
    `${AS_PATH} ${NEXT_HOP}`,
    "treat-as-withdraw",
    3,
  ],
  [
    "§3 (d) missing NEXT_HOP with IPv4 NLRI → treat-as-withdraw",
    `${ORIGIN} ${AS_PATH}`,
    "treat-as-withdraw",
    3,
  ],
  [
    "§3 (d) no attributes needed without NLRI (pure withdrawal)",
    "",
    "accept",
    undefined,
    { nlri: "", withdrawn: "08 0a" },
  ],
  [
    "§4 attribute length overruns Total Path Attribute Length → treat-as-withdraw",
    `${BASE} c0 08 08 fd e8 00 01`,
    "treat-as-withdraw",
    1,
  ],
  [
    "§4 fewer than 3 octets left for an attribute → treat-as-withdraw",
    `${BASE} c0 08`,
    "treat-as-withdraw",
    1,
  ],
  [
    "RFC 4271 §6.3 Withdrawn Routes Length overruns the message → session reset",
    "",
    "session-reset",
    1,
    { nlri: "", lengths: { w: 40 } },
  ],
  [
    "RFC 4271 §6.3 Total Path Attribute Length overruns the message → session reset",
    BASE,
    "session-reset",
    1,
    { lengths: { a: 200 } },
  ],
  [
    "§5.3 NLRI prefix length > 32 → session reset (Invalid Network Field)",
    BASE,
    "session-reset",
    10,
    { nlri: "21 0a 00 00 00 00" },
  ],
  [
    "§5.3 NLRI prefix overruns the message → session reset",
    BASE,
    "session-reset",
    10,
    { nlri: "18 0a 00" },
  ],
  [
    "RFC 4271 §6.3 unrecognized well-known attribute → session reset",
    `${BASE} 40 63 01 00`,
    "session-reset",
    2,
  ],
  ["unrecognized optional attribute is kept, not an error", `${BASE} c0 63 02 ab cd`, "accept"],
  [
    "§3 (j) several errors: the strongest action wins",
    `${BASE} 40 06 01 00 c0 08 05 00 00 00 00 00`,
    "treat-as-withdraw",
  ],
];

describe("RFC 7606 revised error handling, rule by rule", () => {
  it.each(ROWS)("%s", (_rule, attrs, action, subcode, opts) => {
    const bytes = update(attrs, opts?.nlri, opts?.withdrawn, opts?.lengths);
    const r = decodeUpdate(bytes, sessionContext({ fourOctetAs: opts?.fourOctetAs ?? false }));
    expect(r.action).toBe(action);
    if (action === "accept") {
      expect(r.errors).toEqual([]);
      return;
    }
    expect(r.errors.length).toBeGreaterThan(0);
    if (subcode !== undefined) {
      const strongest = r.errors.find((e) => e.action === action)!;
      expect(strongest.errorSubcode).toBe(subcode);
    }
    for (const e of r.errors) expect(e.offset).toBeGreaterThanOrEqual(19);
    if (r.ok) {
      expect(r.update.type).toBe("UPDATE");
    } else {
      expect(r.notification).toMatchObject({
        type: "NOTIFICATION",
        errorCode: 3,
        errorSubcode: subcode,
      });
    }
  });

  it("treat-as-withdraw keeps the routes so they can be withdrawn; discard drops the attribute", () => {
    const taw = decodeUpdate(update(`40 01 01 03 ${AS_PATH} ${NEXT_HOP}`));
    expect(taw.ok && taw.update.nlri).toEqual([{ afi: 1, address: "10.0.0.0", length: 8 }]);
    const discard = decodeUpdate(update(`${BASE} 40 06 01 00`));
    expect(discard.ok && discard.update.pathAttributes.atomicAggregate).toBeUndefined();
    const dup = decodeUpdate(update(`${BASE} 40 01 01 02`));
    expect(dup.ok && dup.update.pathAttributes.origin).toBe("IGP");
  });

  it("confederation segments in an AS4_PATH are discarded, the rest kept (RFC 6793 §6)", () => {
    // AS_PATH [AS_TRANS] from an OLD speaker; AS4_PATH: AS_CONFED_SEQUENCE [65001],
    // AS_SEQUENCE [4200000001], AS_CONFED_SET [65002, 65003].
    const as2 = "40 02 04 02 01 5b a0";
    const confedSeq = "03 01 00 00 fd e9";
    const seq = "02 01 fa 56 ea 01";
    const confedSet = "04 02 00 00 fd ea 00 00 fd eb";
    const as4 = `c0 11 16 ${confedSeq} ${seq} ${confedSet}`;
    const r = decodeUpdate(update(`${ORIGIN} ${as2} ${NEXT_HOP} ${as4}`));
    expect(r.ok && r.action).toBe("attribute-discard");
    if (!r.ok) return;
    expect(r.update.pathAttributes.as4Path).toEqual([{ type: "AS_SEQUENCE", asns: [4200000001] }]);
    expect(r.update.nlri).toEqual([{ afi: 1, address: "10.0.0.0", length: 8 }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      errorSubcode: 11,
      typeCode: 17,
      offset: 19 + 4 + 4 + 7 + 7,
    });
    expect(r.errors[0]!.reason).toMatch(/2 AS_CONFED_SEQUENCE\/AS_CONFED_SET segments discarded/);
    // Nothing but confederation segments: the attribute goes.
    const only = decodeUpdate(update(`${ORIGIN} ${as2} ${NEXT_HOP} c0 11 06 ${confedSeq}`));
    expect(only.ok && only.update.pathAttributes.as4Path).toBeUndefined();
    expect(only.errors[0]!.reason).toMatch(/no segment left: attribute discarded/);
    // Without confederation segments nothing is reported.
    const plain = decodeUpdate(update(`${ORIGIN} ${as2} ${NEXT_HOP} c0 11 06 ${seq}`));
    expect(plain.action).toBe("accept");
    expect(plain.ok && plain.update.pathAttributes.as4Path).toEqual([
      { type: "AS_SEQUENCE", asns: [4200000001] },
    ]);
  });

  it("OTC (type 35, RFC 9234) is decoded as the AS number it carries", () => {
    const r = decodeUpdate(update(`${BASE} c0 23 04 00 00 fb f4`));
    expect(r.action).toBe("accept");
    expect(r.ok && r.update.pathAttributes.onlyToCustomer).toBe(64500);
    expect(r.ok && r.update.pathAttributes.unknown).toBeUndefined();
  });

  it("the NOTIFICATION for an unrecognized well-known attribute carries the attribute", () => {
    const r = decodeUpdate(update(`${BASE} 40 63 01 00`));
    expect(r.ok).toBe(false);
    if (!r.ok) expect([...r.notification.data]).toEqual(hex("40 63 01 00"));
  });
});
