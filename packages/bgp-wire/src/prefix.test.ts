import { describe, expect, it } from "vitest";
import { BgpWireError } from "./errors";
import { comparePrefixes, maskPrefix, parsePrefix, prefixBytes, prefixKey } from "./prefix";

describe("prefix text (RFC 5952 canonical IPv6)", () => {
  it.each([
    ["2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"], // §4.2.3 first longest run
    ["2001:0db8::0001/128", "2001:db8::1/128"], // §4.1 leading zeros
    ["2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128"], // §4.2.2 single 0 not compressed
    ["2001:DB8::AAAA/128", "2001:db8::aaaa/128"], // §4.3 lower case
    ["::/0", "::/0"],
    ["::1/128", "::1/128"],
    ["1::/16", "1::/16"],
    ["2001:db8::0:1/128", "2001:db8::1/128"],
    ["::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128"], // §5
    ["10.0.0.0/8#4294967295", "10.0.0.0/8#4294967295"],
  ])("%s -> %s", (input, canonical) => {
    expect(prefixKey(parsePrefix(input))).toBe(canonical);
  });

  it.each([
    "10.0.0/8",
    "10.0.0.256/8",
    "10.0.0.0/33",
    "::/129",
    "1:2:3:4:5:6:7:8:9/128",
    "1::2::3/64",
    "10.0.0.0",
    "10.0.0.0/8#4294967296",
    "::g/1",
  ])("rejects %s with the package error", (bad) => {
    expect(() => parsePrefix(bad)).toThrow(BgpWireError);
  });

  it("masks host bits (bgpdump test_expect for updates.nlri_mask_trailing_bits)", () => {
    expect(maskPrefix(parsePrefix("11.13.0.0/13")).address).toBe("11.8.0.0");
    expect(maskPrefix(parsePrefix("2001:db8:ffff::/33")).address).toBe("2001:db8:8000::");
  });

  it("orders by family, address bytes, length, path id", () => {
    const sorted = ["::/0", "9.0.0.0/8", "10.0.0.0/8#1", "10.0.0.0/8", "10.0.0.0/7"]
      .map(parsePrefix)
      .sort(comparePrefixes)
      .map(prefixKey);
    expect(sorted).toEqual(["9.0.0.0/8", "10.0.0.0/7", "10.0.0.0/8", "10.0.0.0/8#1", "::/0"]);
    expect([...prefixBytes(parsePrefix("192.0.2.0/24"))]).toEqual([192, 0, 2, 0]);
  });
});
