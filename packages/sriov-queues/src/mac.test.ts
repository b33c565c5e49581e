import { describe, expect, it } from "vitest";
import { formatMac, isBroadcastMac, isMulticastMac, isValidUnicastMac, parseMac } from "./mac";

describe("MAC addresses", () => {
  it("parses and prints like ip-link", () => {
    expect(parseMac("00:1b:21:0a:0b:0c")).toBe(0x001b210a0b0c);
    expect(parseMac("0:1b:21:a:b:c")).toBe(0x001b210a0b0c);
    expect(formatMac(0xfa163e00a301)).toBe("fa:16:3e:00:a3:01");
  });
  it("classifies group addresses by the I/G bit", () => {
    expect(isMulticastMac(parseMac("01:00:5e:00:00:fb"))).toBe(true);
    expect(isMulticastMac(parseMac("33:33:00:00:00:01"))).toBe(true);
    expect(isMulticastMac(parseMac("02:00:00:00:00:01"))).toBe(false);
    expect(isBroadcastMac(parseMac("ff:ff:ff:ff:ff:ff"))).toBe(true);
    expect(isValidUnicastMac(0)).toBe(false);
  });
  it("rejects malformed text and values", () => {
    expect(() => parseMac("00:11:22:33:44")).toThrowError(/not a MAC/);
    expect(() => parseMac("00:11:22:33:44:555")).toThrowError(/not a MAC/);
    expect(() => formatMac(2 ** 48)).toThrowError(/out of range/);
  });
});
