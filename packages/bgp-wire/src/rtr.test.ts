import { deepStrictEqual } from "node:assert/strict";
import { describe, expect, it } from "vitest";
import { BgpWireError } from "./errors";
import type { RtrPdu } from "./rtr";
import {
  decodeRtrPdu,
  encodeRtrPdu,
  RTR_ERROR_CODE,
  RTR_MAX_PDU_LENGTH,
  RTR_PDU_TYPE,
  RtrDecodeError,
  RtrStreamDecoder,
  rtrPduLength,
} from "./rtr";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/**
 * A PDU laid out by hand from the RFC figures: the common header (Protocol Version, PDU Type, the
 * 16-bit field, Length), then whatever `body` writes at its offsets.
 */
function laid(
  version: number,
  type: number,
  field16: number,
  length: number,
  body: (v: DataView) => void = () => {},
): Uint8Array {
  const b = new Uint8Array(Math.max(length, 8)); // a declared length below 8: the header alone
  const v = new DataView(b.buffer);
  v.setUint8(0, version);
  v.setUint8(1, type);
  v.setUint16(2, field16);
  v.setUint32(4, length);
  body(v);
  return b;
}

/** The bytes of `parts`, one after the other (a plain Uint8Array, not a Buffer). */
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** The RtrDecodeError `fn` throws (fails the test when it throws nothing or something else). */
function thrown(fn: () => unknown): RtrDecodeError {
  try {
    fn();
  } catch (e) {
    if (RtrDecodeError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected an RtrDecodeError, nothing was thrown");
}

/** The BgpWireError the encoder throws. */
function encodeThrown(pdu: RtrPdu): BgpWireError {
  try {
    encodeRtrPdu(pdu);
  } catch (e) {
    if (BgpWireError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected a BgpWireError, nothing was thrown");
}

// stayrtr 0.5.1 answering a version-1 Reset Query for 2 VRPs: one TCP read holding 4 PDUs.
const STAYRTR =
  "0103dd450000000801060000000000200120300020010db80000000000000000000000000000fbf5010400000000001401181800c00002000000fbf40107dd45000000180000000000000e100000025800001c20";
const STAYRTR_PDUS: RtrPdu[] = [
  { type: "cache-response", version: 1, sessionId: 0xdd45 },
  {
    type: "prefix",
    version: 1,
    announce: true,
    prefix: "2001:db8::/32",
    maxLength: 48,
    asn: 64501,
  },
  {
    type: "prefix",
    version: 1,
    announce: true,
    prefix: "192.0.2.0/24",
    maxLength: 24,
    asn: 64500,
  },
  {
    type: "end-of-data",
    version: 1,
    sessionId: 0xdd45,
    serial: 0,
    refresh: 3600,
    retry: 600,
    expire: 7200,
  },
];

describe("the stayrtr 0.5.1 capture (Reset Query answered with 2 VRPs)", () => {
  const bytes = hex(STAYRTR);

  it("decodes field by field from one chunk", () => {
    const d = new RtrStreamDecoder();
    const pdus = d.push(bytes);
    expect(pdus).toHaveLength(4);
    const [cr, v6, v4, eod] = pdus;
    expect(cr).toEqual({ type: "cache-response", version: 1, sessionId: 56645 });
    expect(v6?.type).toBe("prefix");
    if (v6?.type !== "prefix") throw new Error("not a prefix");
    expect(v6.version).toBe(1);
    expect(v6.announce).toBe(true);
    expect(v6.prefix).toBe("2001:db8::/32");
    expect(v6.maxLength).toBe(48);
    expect(v6.asn).toBe(64501);
    if (v4?.type !== "prefix") throw new Error("not a prefix");
    expect(v4.announce).toBe(true);
    expect(v4.prefix).toBe("192.0.2.0/24");
    expect(v4.maxLength).toBe(24);
    expect(v4.asn).toBe(64500);
    if (eod?.type !== "end-of-data") throw new Error("not an End of Data");
    expect(eod.sessionId).toBe(0xdd45);
    expect(eod.serial).toBe(0);
    expect([eod.refresh, eod.retry, eod.expire]).toEqual([3600, 600, 7200]);
    expect(pdus).toEqual(STAYRTR_PDUS);
    expect(d.consumed).toBe(84);
    expect(d.buffered).toBe(0);
  });

  it("decodes to the same PDUs fed one octet at a time, each completed by its last octet", () => {
    const d = new RtrStreamDecoder();
    const got: RtrPdu[] = [];
    const completedAt: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = d.push(bytes.subarray(i, i + 1));
      if (out.length > 0) completedAt.push(i + 1);
      got.push(...out);
      expect(d.consumed + d.buffered).toBe(i + 1);
    }
    expect(got).toEqual(STAYRTR_PDUS);
    expect(completedAt).toEqual([8, 40, 60, 84]);
  });

  it("gives plain objects, equal to literals also for node:assert's strict comparison", () => {
    const pdus = new RtrStreamDecoder().push(bytes);
    for (const [i, pdu] of pdus.entries()) {
      expect(Object.getPrototypeOf(pdu)).toBe(Object.prototype);
      expect(Object.keys(pdu)).toEqual(Object.keys(STAYRTR_PDUS[i]!));
      deepStrictEqual(pdu, STAYRTR_PDUS[i]);
      expect(JSON.parse(JSON.stringify(pdu))).toEqual(STAYRTR_PDUS[i]);
    }
  });

  it("decodes with decodeRtrPdu PDU after PDU, and the encoder gives back the same octets", () => {
    let off = 0;
    const lengths: number[] = [];
    for (const want of STAYRTR_PDUS) {
      const { pdu, length } = decodeRtrPdu(bytes, off);
      expect(pdu).toEqual(want);
      expect(toHex(encodeRtrPdu(pdu))).toBe(toHex(bytes.subarray(off, off + length)));
      lengths.push(length);
      off += length;
    }
    expect(lengths).toEqual([8, 32, 20, 24]);
    expect(off).toBe(bytes.length);
  });
});

// The SPKI of a P-256 BGPsec router key: the DER prefix, then a 65-octet uncompressed point.
const SPKI = concat(
  hex("3059301306072a8648ce3d020106082a8648ce3d03010703420004"),
  Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255),
);
const SKI = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);

/** A hand-laid vector per PDU type and version (RFC 8210 §5 figures; RFC 6810 §5 for version 0). */
const VECTORS: { name: string; bytes: Uint8Array; pdu: RtrPdu }[] = [];
for (const version of [0, 1] as const) {
  VECTORS.push(
    {
      name: `v${version} Serial Notify (§5.2): Session ID, Length=12, Serial Number`,
      bytes: laid(version, 0, 0x1234, 12, (v) => v.setUint32(8, 0xdeadbeef)),
      pdu: { type: "serial-notify", version, sessionId: 0x1234, serial: 0xdeadbeef },
    },
    {
      name: `v${version} Serial Query (§5.3): Session ID, Length=12, Serial Number`,
      bytes: laid(version, 1, 0xffff, 12, (v) => v.setUint32(8, 42)),
      pdu: { type: "serial-query", version, sessionId: 0xffff, serial: 42 },
    },
    {
      name: `v${version} Reset Query (§5.4): zero, Length=8`,
      bytes: laid(version, 2, 0, 8),
      pdu: { type: "reset-query", version },
    },
    {
      name: `v${version} Cache Response (§5.5): Session ID, Length=8`,
      bytes: laid(version, 3, 0x0102, 8),
      pdu: { type: "cache-response", version, sessionId: 0x0102 },
    },
    {
      name: `v${version} IPv4 Prefix (§5.6): Flags, Prefix Length, Max Length, zero, prefix, ASN`,
      bytes: laid(version, 4, 0, 20, (v) => {
        v.setUint8(8, 0); // withdrawal
        v.setUint8(9, 22);
        v.setUint8(10, 24);
        v.setUint8(11, 0);
        v.setUint32(12, (198 << 24) | (51 << 16) | (100 << 8) | 0);
        v.setUint32(16, 4200000000);
      }),
      pdu: {
        type: "prefix",
        version,
        announce: false,
        prefix: "198.51.100.0/22",
        maxLength: 24,
        asn: 4200000000,
      },
    },
    {
      name: `v${version} IPv6 Prefix (§5.7): the same with a 16-octet prefix, Length=32`,
      bytes: laid(version, 6, 0, 32, (v) => {
        v.setUint8(8, 1);
        v.setUint8(9, 48);
        v.setUint8(10, 64);
        v.setUint16(12, 0x2001);
        v.setUint16(14, 0x0db8);
        v.setUint16(16, 0x1234);
        v.setUint32(28, 65551);
      }),
      pdu: {
        type: "prefix",
        version,
        announce: true,
        prefix: "2001:db8:1234::/48",
        maxLength: 64,
        asn: 65551,
      },
    },
    {
      name: `v${version} Cache Reset (§5.9): zero, Length=8`,
      bytes: laid(version, 8, 0, 8),
      pdu: { type: "cache-reset", version },
    },
  );
}
VECTORS.push(
  {
    name: "v1 End of Data (RFC 8210 §5.8): Length=24, Serial, Refresh, Retry, Expire",
    bytes: laid(1, 7, 0x00aa, 24, (v) => {
      v.setUint32(8, 7);
      v.setUint32(12, 3600);
      v.setUint32(16, 600);
      v.setUint32(20, 7200);
    }),
    pdu: {
      type: "end-of-data",
      version: 1,
      sessionId: 0xaa,
      serial: 7,
      refresh: 3600,
      retry: 600,
      expire: 7200,
    },
  },
  {
    name: "v0 End of Data (RFC 6810 §5.8): Length=12, Serial only",
    bytes: laid(0, 7, 0x00aa, 12, (v) => v.setUint32(8, 7)),
    pdu: { type: "end-of-data", version: 0, sessionId: 0xaa, serial: 7 },
  },
  {
    name: "v1 Router Key (RFC 8210 §5.10): Flags, zero, SKI, ASN, SPKI",
    bytes: laid(1, 9, 0x0100, 32 + SPKI.length, (v) => {
      for (let i = 0; i < 20; i++) v.setUint8(8 + i, SKI[i]!);
      v.setUint32(28, 64496);
      for (let i = 0; i < SPKI.length; i++) v.setUint8(32 + i, SPKI[i]!);
    }),
    pdu: { type: "router-key", version: 1, announce: true, ski: SKI, asn: 64496, spki: SPKI },
  },
  {
    name: "v1 Router Key withdrawal with an empty SPKI: Length=32",
    bytes: laid(1, 9, 0, 32, (v) => {
      for (let i = 0; i < 20; i++) v.setUint8(8 + i, SKI[i]!);
      v.setUint32(28, 1);
    }),
    pdu: {
      type: "router-key",
      version: 1,
      announce: false,
      ski: SKI,
      asn: 1,
      spki: new Uint8Array(0),
    },
  },
);
// Error Report (RFC 8210 §5.11, RFC 6810 §5.10) carrying a bad IPv4 Prefix PDU and UTF-8 text.
const BAD_PREFIX = laid(1, 4, 0, 20, (v) => {
  v.setUint8(8, 1);
  v.setUint8(9, 24);
  v.setUint8(10, 16); // Max Length below the prefix length
  v.setUint32(12, 0xc0000200);
  v.setUint32(16, 64500);
});
const TEXT = "Max Length < Prefix Length — ungültig ✗";
const TEXT_UTF8 = new TextEncoder().encode(TEXT);
for (const version of [0, 1] as const) {
  VECTORS.push(
    {
      name: `v${version} Error Report: Error Code, Length of Encapsulated PDU, PDU, Length of Error Text, text`,
      bytes: laid(version, 10, 0, 16 + 20 + TEXT_UTF8.length, (v) => {
        v.setUint32(8, 20);
        for (let i = 0; i < 20; i++) v.setUint8(12 + i, BAD_PREFIX[i]!);
        v.setUint32(32, TEXT_UTF8.length);
        for (let i = 0; i < TEXT_UTF8.length; i++) v.setUint8(36 + i, TEXT_UTF8[i]!);
      }),
      pdu: { type: "error-report", version, errorCode: 0, pdu: BAD_PREFIX, text: TEXT },
    },
    {
      name: `v${version} Error Report with no PDU and no text: Length=16`,
      bytes: laid(version, 10, 2, 16),
      pdu: { type: "error-report", version, errorCode: 2, pdu: new Uint8Array(0), text: "" },
    },
  );
}

describe("hand-laid vectors from the RFC figures", () => {
  it.each(VECTORS)("$name", ({ bytes, pdu }) => {
    expect(toHex(encodeRtrPdu(pdu))).toBe(toHex(bytes));
    expect(decodeRtrPdu(bytes)).toEqual({ pdu, length: bytes.length });
  });

  it("covers every PDU type in both versions (Router Key in version 1 only)", () => {
    const seen = new Set(VECTORS.map((x) => `${x.bytes[0]}/${x.bytes[1]}`));
    for (const t of Object.values(RTR_PDU_TYPE))
      for (const v of [0, 1]) if (!(t === 9 && v === 0)) expect(seen.has(`${v}/${t}`)).toBe(true);
  });

  it("decodes the Error Report's encapsulated PDU as the PDU it copies", () => {
    const report = VECTORS.find((x) => x.bytes[1] === 10 && x.bytes.length > 16)!;
    const { pdu } = decodeRtrPdu(report.bytes);
    if (pdu.type !== "error-report") throw new Error("not an Error Report");
    expect(toHex(pdu.pdu)).toBe(toHex(BAD_PREFIX));
    expect(pdu.text).toBe(TEXT);
    expect(thrown(() => decodeRtrPdu(pdu.pdu)).where).toEqual({ offset: 10, field: "maxLength" });
  });

  it("keeps a leading byte order mark of the error text (it is text, not a signature)", () => {
    const pdu: RtrPdu = {
      type: "error-report",
      version: 1,
      errorCode: 1,
      pdu: new Uint8Array(0),
      text: "\ufeffcache restarting",
    };
    const b = encodeRtrPdu(pdu);
    expect(toHex(b.subarray(16, 19))).toBe("efbbbf");
    expect(decodeRtrPdu(b).pdu).toEqual(pdu);
  });

  it("ignores the zero fields and the Flags bits other than bit 0 on receipt (RFC 8210 §5.1)", () => {
    expect(decodeRtrPdu(laid(1, 2, 0xbeef, 8)).pdu).toEqual({ type: "reset-query", version: 1 });
    expect(decodeRtrPdu(laid(0, 8, 0x0001, 8)).pdu).toEqual({ type: "cache-reset", version: 0 });
    const v4 = laid(1, 4, 0xffff, 20, (v) => {
      v.setUint8(8, 0xfe); // bit 0 clear: withdrawal, whatever the other bits
      v.setUint8(9, 8);
      v.setUint8(10, 8);
      v.setUint8(11, 0x55);
      v.setUint32(12, 0x0a000000);
    });
    expect(decodeRtrPdu(v4).pdu).toMatchObject({ announce: false, prefix: "10.0.0.0/8" });
    const rk = laid(1, 9, 0xff77, 32, () => {});
    expect(decodeRtrPdu(rk).pdu).toMatchObject({ type: "router-key", announce: true });
  });

  it("returns End of Data intervals as received, also outside RFC 8210 §6's ranges", () => {
    const eod = laid(1, 7, 0, 24, (v) => {
      v.setUint32(12, 0);
      v.setUint32(16, 0xffffffff);
      v.setUint32(20, 599);
    });
    expect(decodeRtrPdu(eod).pdu).toMatchObject({ refresh: 0, retry: 0xffffffff, expire: 599 });
  });

  it("prints IPv6 prefixes in RFC 5952 form and encodes any RFC 4291 text of them", () => {
    const v6 = laid(1, 6, 0, 32, (v) => {
      v.setUint8(9, 80);
      v.setUint8(10, 96);
      v.setUint16(12, 0x2001);
      v.setUint16(14, 0x0db8);
      v.setUint16(20, 0x0001);
    });
    expect(decodeRtrPdu(v6).pdu).toMatchObject({ prefix: "2001:db8:0:0:1::/80" });
    const pdu: RtrPdu = {
      type: "prefix",
      version: 1,
      announce: false,
      prefix: "2001:DB8:0000:0:1:0:0:0/80",
      maxLength: 96,
      asn: 0,
    };
    expect(toHex(encodeRtrPdu(pdu))).toBe(toHex(v6));
    const zero = encodeRtrPdu({ ...pdu, prefix: "0.0.0.0/0", maxLength: 0 });
    expect(decodeRtrPdu(zero).pdu).toMatchObject({ prefix: "0.0.0.0/0", maxLength: 0 });
    const host = encodeRtrPdu({ ...pdu, prefix: "255.255.255.255/32", maxLength: 32 });
    expect(decodeRtrPdu(host).pdu).toMatchObject({ prefix: "255.255.255.255/32" });
  });
});

describe("decoding errors: code, offset, field, the code to answer with, the PDU copy", () => {
  const ok4 = laid(1, 4, 0, 20, (v) => {
    v.setUint8(8, 1);
    v.setUint8(9, 24);
    v.setUint8(10, 24);
    v.setUint32(12, 0xc0000200);
  });
  const at = (e: RtrDecodeError) => [e.code, e.where.offset, e.where.field, e.rtrErrorCode];
  const CORRUPT = RTR_ERROR_CODE.CORRUPT_DATA;

  it("RTR_TRUNCATED: fewer than 8 octets, or fewer than the declared length", () => {
    expect(at(thrown(() => decodeRtrPdu(ok4.subarray(0, 7))))).toEqual([
      "RTR_TRUNCATED",
      0,
      "header",
      CORRUPT,
    ]);
    const e = thrown(() => decodeRtrPdu(ok4.subarray(0, 19)));
    expect(at(e)).toEqual(["RTR_TRUNCATED", 4, "length", CORRUPT]);
    expect(toHex(e.pdu)).toBe(toHex(ok4.subarray(0, 19)));
    // Offsets are absolute: the PDU at offset 3 of the input.
    const shifted = concat(hex("aabbcc"), ok4.subarray(0, 12));
    expect(at(thrown(() => decodeRtrPdu(shifted, 3)))).toEqual([
      "RTR_TRUNCATED",
      7,
      "length",
      CORRUPT,
    ]);
    expect(at(thrown(() => decodeRtrPdu(shifted, 12)))).toEqual([
      "RTR_TRUNCATED",
      12,
      "header",
      CORRUPT,
    ]);
  });

  it("RTR_BAD_LENGTH: below 8, above the cap, or wrong for the type and version", () => {
    const cases: [Uint8Array, string][] = [
      [laid(1, 2, 0, 7), "length below 8"],
      [laid(1, 10, 0, 8), "Error Report below 16"],
      [laid(1, 10, 0, 15), "Error Report below 16"],
      [laid(1, 0, 0, 16), "Serial Notify not 12"],
      [laid(0, 2, 0, 12), "Reset Query not 8"],
      [laid(1, 4, 0, 32), "IPv4 Prefix not 20"],
      [laid(1, 6, 0, 20), "IPv6 Prefix not 32"],
      [laid(1, 7, 0, 12), "v1 End of Data not 24"],
      [laid(0, 7, 0, 24), "v0 End of Data not 12"],
      [laid(1, 9, 0, 31), "Router Key below 32"],
    ];
    for (const [b, why] of cases) {
      expect(at(thrown(() => decodeRtrPdu(b))), why).toEqual([
        "RTR_BAD_LENGTH",
        4,
        "length",
        CORRUPT,
      ]);
    }
    const huge = laid(1, 10, 0, 16);
    new DataView(huge.buffer).setUint32(4, RTR_MAX_PDU_LENGTH + 1);
    const e = thrown(() => decodeRtrPdu(huge));
    expect(at(e)).toEqual(["RTR_BAD_LENGTH", 4, "length", CORRUPT]);
    expect(e.pdu.length).toBe(16); // what is there
  });

  it("RTR_BAD_VERSION: a Protocol Version other than 0 and 1, answered Unsupported Protocol Version", () => {
    for (const version of [2, 3, 255]) {
      const e = thrown(() => decodeRtrPdu(laid(version, 2, 0, 8)));
      expect(at(e)).toEqual([
        "RTR_BAD_VERSION",
        0,
        "version",
        RTR_ERROR_CODE.UNSUPPORTED_PROTOCOL_VERSION,
      ]);
      expect(toHex(e.pdu)).toBe(toHex(laid(version, 2, 0, 8)));
    }
  });

  it("RTR_UNKNOWN_PDU: an unassigned type, or a Router Key in version 0, answered Unsupported PDU Type", () => {
    for (const [version, type] of [
      [1, 5],
      [1, 11],
      [0, 255],
      [0, 9],
    ] as const) {
      const e = thrown(() => decodeRtrPdu(concat(hex("00"), laid(version, type, 0, 32)), 1));
      expect(at(e)).toEqual(["RTR_UNKNOWN_PDU", 2, "type", RTR_ERROR_CODE.UNSUPPORTED_PDU_TYPE]);
      expect(e.pdu.length).toBe(32);
    }
  });

  it("RTR_BAD_PREFIX: lengths past 32/128, Max Length below the length, host bits", () => {
    const v4 = (plen: number, mlen: number, addr: number) =>
      laid(1, 4, 0, 20, (v) => {
        v.setUint8(9, plen);
        v.setUint8(10, mlen);
        v.setUint32(12, addr);
      });
    const v6 = (plen: number, mlen: number, last: number) =>
      laid(0, 6, 0, 32, (v) => {
        v.setUint8(9, plen);
        v.setUint8(10, mlen);
        v.setUint32(12, 0x20010db8);
        v.setUint8(27, last);
      });
    const cases: [Uint8Array, number, string][] = [
      [v4(33, 33, 0), 9, "prefixLength"],
      [v4(24, 23, 0xc0000200), 10, "maxLength"],
      [v4(24, 33, 0xc0000200), 10, "maxLength"],
      [v4(24, 24, 0xc0000201), 15, "prefix"],
      [v4(0, 0, 0x80000000), 12, "prefix"],
      [v4(13, 13, 0x0b0d0000), 13, "prefix"], // 11.13.0.0/13: bit 13 is a host bit
      [v6(129, 129, 0), 9, "prefixLength"],
      [v6(32, 31, 0), 10, "maxLength"],
      [v6(32, 129, 0), 10, "maxLength"],
      [v6(32, 48, 1), 27, "prefix"],
      [v6(127, 128, 1), 27, "prefix"],
    ];
    for (const [b, offset, field] of cases) {
      expect(at(thrown(() => decodeRtrPdu(b))), `${field} ${toHex(b)}`).toEqual([
        "RTR_BAD_PREFIX",
        offset,
        field,
        CORRUPT,
      ]);
    }
    expect(decodeRtrPdu(v4(32, 32, 0xc0000201)).pdu).toMatchObject({ prefix: "192.0.2.1/32" });
    expect(decodeRtrPdu(v6(128, 128, 1)).pdu).toMatchObject({ prefix: "2001:db8::1/128" });
  });

  it("RTR_BAD_FIELD: Error Report inner lengths that do not add up, text that is not UTF-8", () => {
    const report = (inner: number, textLen: number, text: number[], total: number) =>
      laid(1, 10, 0, total, (v) => {
        v.setUint32(8, inner);
        if (12 + inner + 4 <= total) v.setUint32(12 + inner, textLen);
        for (const [i, c] of text.entries()) v.setUint8(16 + inner + i, c);
      });
    const cases: [Uint8Array, number, string][] = [
      [report(1, 0, [], 16), 8, "encapsulatedPdu.length"],
      [report(0xffffffff, 0, [], 16), 8, "encapsulatedPdu.length"],
      [report(4, 1, [], 20), 16, "errorText.length"],
      [report(0, 3, [0x61, 0x62], 18), 12, "errorText.length"],
      [report(0, 1, [0x61, 0x62], 18), 12, "errorText.length"],
      [report(0, 2, [0xc3, 0x28], 18), 16, "errorText"],
      [report(2, 3, [0x61, 0xff, 0x61], 21), 18, "errorText"],
    ];
    for (const [b, offset, field] of cases) {
      const e = thrown(() => decodeRtrPdu(b));
      expect(at(e), `${field} ${toHex(b)}`).toEqual(["RTR_BAD_FIELD", offset, field, CORRUPT]);
      expect(toHex(e.pdu)).toBe(toHex(b));
    }
  });

  it("RtrDecodeError is a BgpWireError and says what and where", () => {
    const e = thrown(() => decodeRtrPdu(laid(1, 4, 0, 20, (v) => v.setUint8(9, 40))));
    expect(e).toBeInstanceOf(BgpWireError);
    expect(e).toBeInstanceOf(Error);
    expect(BgpWireError.isInstance(e)).toBe(true);
    expect(e.name).toBe("RtrDecodeError");
    expect(e.message).toBe("IPv4 Prefix: Prefix Length 40 > 32 (at offset 9, field prefixLength)");
    expect(RtrDecodeError.isInstance(new BgpWireError("X", "x"))).toBe(false);
    expect(RtrDecodeError.isInstance(new Error("x"))).toBe(false);
  });

  it("rtrPduLength frames: -1 below 8 octets, the declared length, RTR_BAD_LENGTH outside 8..max", () => {
    expect(rtrPduLength(ok4.subarray(0, 7))).toBe(-1);
    expect(rtrPduLength(ok4.subarray(0, 8))).toBe(20);
    expect(rtrPduLength(concat(ok4, ok4), 20)).toBe(20);
    expect(rtrPduLength(concat(ok4, ok4), 33)).toBe(-1);
    expect(at(thrown(() => rtrPduLength(laid(1, 2, 0, 0))))).toEqual([
      "RTR_BAD_LENGTH",
      4,
      "length",
      CORRUPT,
    ]);
    expect(at(thrown(() => rtrPduLength(concat(ok4, ok4), 20, 19)))).toEqual([
      "RTR_BAD_LENGTH",
      24,
      "length",
      CORRUPT,
    ]);
    expect(rtrPduLength(laid(9, 99, 0, 70000).subarray(0, 8), 0, 70000)).toBe(70000);
  });
});

describe("RtrStreamDecoder", () => {
  it("counts error offsets from the start of the stream and stays failed", () => {
    const d = new RtrStreamDecoder();
    expect(d.push(hex(STAYRTR))).toHaveLength(4);
    const bad = laid(1, 4, 0, 20, (v) => {
      v.setUint8(9, 24);
      v.setUint8(10, 40);
    });
    expect(d.push(bad.subarray(0, 9))).toEqual([]);
    expect(d.buffered).toBe(9);
    const e = thrown(() => d.push(bad.subarray(9)));
    expect([e.code, e.where.offset, e.where.field]).toEqual([
      "RTR_BAD_PREFIX",
      84 + 10,
      "maxLength",
    ]);
    expect(toHex(e.pdu)).toBe(toHex(bad));
    expect(d.consumed).toBe(84);
    expect(thrown(() => d.push(hex(STAYRTR)))).toBe(e);
  });

  it("hands over with the error the PDUs the failing chunk completed before the bad one", () => {
    const d = new RtrStreamDecoder();
    const good = hex(STAYRTR);
    const bad = laid(1, 4, 0, 20, (v) => v.setUint8(10, 40)); // prefix length 40
    const chunk = new Uint8Array(good.length + bad.length);
    chunk.set(good);
    chunk.set(bad, good.length);
    const e = thrown(() => d.push(chunk));
    expect(e.code).toBe("RTR_BAD_PREFIX");
    expect(e.pdus).toEqual(STAYRTR_PDUS);
    expect(e.pdus.map((p) => p.type)).toContain("end-of-data");
    expect(d.consumed).toBe(good.length);
    // From decodeRtrPdu, and for a failure at the chunk's first PDU: none.
    expect(thrown(() => decodeRtrPdu(bad, 0)).pdus).toEqual([]);
    expect(thrown(() => new RtrStreamDecoder().push(bad)).pdus).toEqual([]);
  });

  it("reports a bad header as soon as its 8 octets are in, before the rest of the PDU", () => {
    const d = new RtrStreamDecoder();
    expect(d.push(laid(1, 2, 0, 8))).toEqual([{ type: "reset-query", version: 1 }]);
    expect(d.push(hex("03 04 00"))).toEqual([]);
    const e = thrown(() => d.push(hex("00 00 00 00 14"))); // a version-3 IPv4 Prefix, 20 octets
    expect([e.code, e.where.offset, e.rtrErrorCode]).toEqual([
      "RTR_BAD_VERSION",
      8,
      RTR_ERROR_CODE.UNSUPPORTED_PROTOCOL_VERSION,
    ]);
    expect(toHex(e.pdu)).toBe("0304000000000014");
    const e2 = thrown(() => new RtrStreamDecoder().push(hex("01 01 0000 7fffffff")));
    expect([e2.code, e2.where.offset]).toEqual(["RTR_BAD_LENGTH", 4]);
  });

  it("puts a PDU together from chunks ending anywhere, also inside the header", () => {
    const stream = concat(...VECTORS.map((x) => x.bytes));
    const want = VECTORS.map((x) => x.pdu);
    for (const size of [1, 2, 3, 7, 8, 9, 13, 64, 1000]) {
      const d = new RtrStreamDecoder();
      const got: RtrPdu[] = [];
      for (let i = 0; i < stream.length; i += size)
        got.push(...d.push(stream.subarray(i, i + size)));
      expect(got, `chunks of ${size}`).toEqual(want);
      expect([d.buffered, d.consumed]).toEqual([0, stream.length]);
    }
  });

  it("returns PDUs that share no memory with the chunks", () => {
    const rk = VECTORS.find((x) => x.bytes[1] === 9)!.bytes.slice();
    const [pdu] = new RtrStreamDecoder().push(rk);
    rk.fill(0);
    expect(pdu).toMatchObject({ ski: SKI, spki: SPKI });
  });

  it("takes PDUs up to maxPduLength, which decodeRtrPdu caps at RTR_MAX_PDU_LENGTH", () => {
    const text = 70000;
    const big = laid(1, 10, 1, 16 + text, (v) => {
      v.setUint32(12, text);
      for (let i = 0; i < text; i++) v.setUint8(16 + i, 0x61);
    });
    const d = new RtrStreamDecoder({ maxPduLength: 100000 });
    const pdus = [...d.push(big.subarray(0, 40000)), ...d.push(big.subarray(40000))];
    expect(pdus).toHaveLength(1);
    expect(pdus[0]).toMatchObject({ type: "error-report", errorCode: 1, text: "a".repeat(text) });
    expect(thrown(() => decodeRtrPdu(big)).code).toBe("RTR_BAD_LENGTH");
    expect(thrown(() => new RtrStreamDecoder().push(big)).code).toBe("RTR_BAD_LENGTH");
    expect(() => new RtrStreamDecoder({ maxPduLength: 7 })).toThrow(BgpWireError);
  });
});

describe("encoding errors", () => {
  const eod: RtrPdu = { type: "end-of-data", version: 1, sessionId: 1, serial: 1 };
  const v4: RtrPdu = {
    type: "prefix",
    version: 1,
    announce: true,
    prefix: "192.0.2.0/24",
    maxLength: 24,
    asn: 1,
  };
  const cases: [string, RtrPdu, string, string][] = [
    ["v1 End of Data without intervals", eod, "RTR_BAD_FIELD", "refresh"],
    ["v1 End of Data without Expire", { ...eod, refresh: 1, retry: 1 }, "RTR_BAD_FIELD", "expire"],
    [
      "v0 End of Data with intervals",
      { ...eod, version: 0, refresh: 1, retry: 1, expire: 600 },
      "RTR_BAD_FIELD",
      "refresh",
    ],
    ["version 2", { type: "reset-query", version: 2 as 1 }, "RTR_BAD_VERSION", "version"],
    [
      "Router Key in version 0",
      { type: "router-key", version: 0, announce: true, ski: SKI, asn: 1, spki: SPKI },
      "RTR_UNKNOWN_PDU",
      "type",
    ],
    [
      "a 19-octet SKI",
      { type: "router-key", version: 1, announce: true, ski: SKI.subarray(1), asn: 1, spki: SPKI },
      "RTR_BAD_FIELD",
      "ski",
    ],
    ["host bits", { ...v4, prefix: "192.0.2.1/24" }, "RTR_BAD_PREFIX", "prefix"],
    ["Max Length below the length", { ...v4, maxLength: 23 }, "RTR_BAD_PREFIX", "maxLength"],
    ["Max Length past 32", { ...v4, maxLength: 33 }, "RTR_BAD_PREFIX", "maxLength"],
    ["IPv4 length past 32", { ...v4, prefix: "0.0.0.0/33" }, "RTR_BAD_PREFIX", "prefixLength"],
    ["no length", { ...v4, prefix: "192.0.2.0" }, "RTR_BAD_PREFIX", "prefix"],
    ["a path id", { ...v4, prefix: "192.0.2.0/24#1" }, "RTR_BAD_PREFIX", "prefixLength"],
    ["a bad address", { ...v4, prefix: "192.0.2/24" }, "RTR_BAD_PREFIX", "prefix"],
    ["ASN past 32 bits", { ...v4, asn: 2 ** 32 }, "RTR_BAD_FIELD", "asn"],
    [
      "Session ID past 16 bits",
      { type: "cache-response", version: 1, sessionId: 65536 },
      "RTR_BAD_FIELD",
      "sessionId",
    ],
    [
      "a lone surrogate in the text",
      { type: "error-report", version: 1, errorCode: 0, pdu: new Uint8Array(0), text: "a\ud800" },
      "RTR_BAD_FIELD",
      "errorText",
    ],
    [
      "an Error Report past RTR_MAX_PDU_LENGTH",
      {
        type: "error-report",
        version: 1,
        errorCode: 0,
        pdu: new Uint8Array(RTR_MAX_PDU_LENGTH - 16),
        text: "x",
      },
      "RTR_BAD_LENGTH",
      "length",
    ],
  ];
  it.each(cases)("%s", (_, pdu, code, field) => {
    const e = encodeThrown(pdu);
    expect([e.code, e.where.field]).toEqual([code, field]);
  });

  it("encodes an Error Report of exactly RTR_MAX_PDU_LENGTH octets", () => {
    const pdu: RtrPdu = {
      type: "error-report",
      version: 1,
      errorCode: 0,
      pdu: new Uint8Array(RTR_MAX_PDU_LENGTH - 17),
      text: "x",
    };
    const b = encodeRtrPdu(pdu);
    expect(b.length).toBe(RTR_MAX_PDU_LENGTH);
    expect(decodeRtrPdu(b)).toEqual({ pdu, length: RTR_MAX_PDU_LENGTH });
  });
});
