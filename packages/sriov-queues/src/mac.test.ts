import { MacAddressError } from "@dyninfra/mac-address";
import { describe, expect, it } from "vitest";
import { SriovQueuesError } from "./errors";
import { formatMac, parseMac } from "./mac";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("MAC addresses (from @dyninfra/mac-address, with this package's errors)", () => {
  it("parses and prints like ip-link", () => {
    expect(parseMac("00:1b:21:0a:0b:0c")).toBe(0x001b210a0b0c);
    expect(parseMac("0:1b:21:a:b:c")).toBe(0x001b210a0b0c);
    expect(formatMac(0xfa163e00a301)).toBe("fa:16:3e:00:a3:01");
  });

  it("throws SriovQueuesError BAD_MAC naming the field, the MacAddressError as cause", () => {
    const e = thrown(() => parseMac("00:11:22:33:44", "pfMac"));
    expect(SriovQueuesError.isInstance(e)).toBe(true);
    const err = e as SriovQueuesError;
    expect([err.code, err.where.field, err.where.offset]).toEqual(["BAD_MAC", "pfMac", 14]);
    expect(err.message).toBe('not a MAC address: "00:11:22:33:44" (at offset 14, field pfMac)');
    expect(MacAddressError.isInstance(err.cause)).toBe(true);
  });

  it("rejects malformed text and values", () => {
    expect(() => parseMac("00:11:22:33:44:555")).toThrowError(/not a MAC/);
    const e = thrown(() => formatMac(2 ** 48)) as SriovQueuesError;
    expect([SriovQueuesError.isInstance(e), e.code, e.where.field]).toEqual([
      true,
      "BAD_MAC",
      "mac",
    ]);
  });
});
