import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "./codec";
import type { NotificationMessage } from "./messages";
import {
  CEASE_SUBCODE,
  ceaseWithShutdownCommunication,
  hardReset,
  hardResetCause,
  isHardReset,
  maximumPrefixes,
  maximumPrefixesReached,
  notificationText,
  requiresHardReset,
} from "./notification";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const arbNotification: fc.Arbitrary<NotificationMessage> = fc.record({
  type: fc.constant("NOTIFICATION" as const),
  errorCode: fc.integer({ min: 1, max: 6 }),
  errorSubcode: fc.nat(255),
  data: fc.uint8Array({ maxLength: 64 }),
});

describe("Hard Reset (RFC 8538 §3)", () => {
  it("is Cease subcode 9 carrying the error code, subcode and data of the message it stands for", () => {
    const h = hardReset(ceaseWithShutdownCommunication(2, "bye"));
    // Header (marker, length 19 + 2 + 2 + 4 = 27, type 3), Cease (6), Hard Reset (9), then the
    // encapsulated Cease (6) / Administrative Shutdown (2) with its communication (length 3, "bye").
    expect(hex(encodeMessage(h))).toBe(`${"ff".repeat(16)}001b030609060203627965`);
    expect(isHardReset(h)).toBe(true);
    expect(isHardReset(ceaseWithShutdownCommunication(2, "bye"))).toBe(false);
  });

  it("RFC 8538 §5.1: which NOTIFICATIONs end the session for good once the N bit is exchanged", () => {
    const cease = (errorSubcode: number): NotificationMessage => ({
      type: "NOTIFICATION",
      errorCode: 6,
      errorSubcode,
      data: new Uint8Array(0),
    });
    const hard = Object.values(CEASE_SUBCODE).filter((s) => requiresHardReset(cease(s)));
    expect(hard).toEqual([1, 2, 3, 9, 10]);
    expect(requiresHardReset(cease(CEASE_SUBCODE.ADMINISTRATIVE_RESET), true)).toBe(true);
    // An error (here an UPDATE Message Error) never: the peer may restart gracefully.
    expect(
      requiresHardReset({
        type: "NOTIFICATION",
        errorCode: 3,
        errorSubcode: 1,
        data: new Uint8Array(0),
      }),
    ).toBe(false);
  });

  it("a Hard Reset with fewer than two data octets carries no cause", () => {
    const h = hardReset(cease0());
    expect(hardResetCause({ ...h, data: h.data.subarray(0, 1) })).toBeUndefined();
    expect(hardResetCause(cease0())).toBeUndefined();
  });
});

describe("notificationText", () => {
  it("names code and subcode, quotes a shutdown communication and shows what a Hard Reset carries", () => {
    expect(notificationText(hardReset(ceaseWithShutdownCommunication(2, "bye")))).toBe(
      '6/9 Cease / Hard Reset (6/2 Cease / Administrative Shutdown "bye")',
    );
    const n = (errorCode: number, errorSubcode: number): NotificationMessage => ({
      type: "NOTIFICATION",
      errorCode,
      errorSubcode,
      data: new Uint8Array(0),
    });
    expect(notificationText(n(4, 0))).toBe("4/0 Hold Timer Expired");
    expect(notificationText(n(8, 0))).toBe("8/0 Send Hold Timer Expired");
    expect(notificationText(n(3, 11))).toBe("3/11 UPDATE Message Error / Malformed AS_PATH");
    expect(notificationText(n(5, 3))).toBe(
      "5/3 Finite State Machine Error / Receive Unexpected Message in Established State",
    );
    expect(notificationText(n(9, 1))).toBe("9/1 unknown code / unknown subcode");
  });
});

test.prop([arbNotification])("notificationText never throws and starts with code/subcode", (m) => {
  expect(notificationText(m).startsWith(`${m.errorCode}/${m.errorSubcode} `)).toBe(true);
});

describe("Maximum Number of Prefixes Reached (RFC 4486 §4)", () => {
  it("is Cease subcode 1 with AFI, SAFI and the upper bound, byte for byte", () => {
    const n = maximumPrefixesReached(2, 1, 0x01020304);
    expect(hex(encodeMessage(n).subarray(19))).toBe("0601" + "0002" + "01" + "01020304");
    expect(notificationText(n)).toBe(
      "6/1 Cease / Maximum Number of Prefixes Reached (AFI 2 SAFI 1, limit 16909060)",
    );
    expect(() => maximumPrefixesReached(1, 256, 5)).toThrow(/SAFI 256/);
    expect(() => maximumPrefixesReached(1, 1, -1)).toThrow(/limit -1/);
    // Without the 7 octets (the RFC says MAY): no family, no limit.
    expect(maximumPrefixes({ ...n, data: n.data.subarray(0, 6) })).toBeUndefined();
    expect(maximumPrefixes({ ...n, errorSubcode: 2 })).toBeUndefined();
  });
});

test.prop([fc.nat(0xffff), fc.nat(0xff), fc.nat(0xffffffff)])(
  "maximumPrefixes(decode(encode(maximumPrefixesReached(afi, safi, limit)))) round-trips",
  (afi, safi, limit) => {
    const wire = decodeMessage(encodeMessage(maximumPrefixesReached(afi, safi, limit)));
    expect(maximumPrefixes(wire as NotificationMessage)).toEqual({ afi, safi, limit });
  },
);

function cease0(): NotificationMessage {
  return { type: "NOTIFICATION", errorCode: 6, errorSubcode: 2, data: new Uint8Array(0) };
}

test.prop([arbNotification])(
  "hardResetCause(decode(encode(hardReset(n)))) = n: the encapsulated message survives the wire",
  (n) => {
    const wire = decodeMessage(encodeMessage(hardReset(n))) as NotificationMessage;
    expect(isHardReset(wire)).toBe(true);
    expect(hardResetCause(wire)).toEqual(n);
  },
);
