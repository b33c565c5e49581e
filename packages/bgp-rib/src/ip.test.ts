import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import {
  formatIpv6,
  formatPrefix,
  parseIpv6,
  parsePrefix,
  prefixBytes,
  prefixFromBytes,
} from "./ip";

describe("ip", () => {
  it("RFC 5952 text forms", () => {
    expect(formatIpv6(parseIpv6("2001:0db8:0000:0000:0000:0000:0000:0001"))).toBe("2001:db8::1");
    expect(formatIpv6(parseIpv6("2001:db8:0:1:1:1:1:1"))).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIpv6(parseIpv6("2001:0:0:1:0:0:0:1"))).toBe("2001:0:0:1::1");
    expect(formatIpv6(parseIpv6("::"))).toBe("::");
    expect(formatIpv6(parseIpv6("::ffff:192.0.2.1"))).toBe("::ffff:c000:201");
  });
  it("prefixes round-trip and reject host bits", () => {
    for (const t of ["0.0.0.0/0", "10.0.0.0/8", "192.0.2.128/25", "2001:db8::/32", "::/0"])
      expect(formatPrefix(parsePrefix(t))).toBe(t);
    expect(() => parsePrefix("10.0.0.1/8")).toThrow(BgpRibError);
    expect(formatPrefix(parsePrefix("10.0.0.1/8", true))).toBe("10.0.0.0/8");
    expect(() => parsePrefix("10.0.0.0/33")).toThrow(BgpRibError);
    expect(() => parsePrefix("1:2:3:4:5:6:7:8:9/64")).toThrow(BgpRibError);
  });
  it("NLRI bytes (RFC 4271 §4.3)", () => {
    const p = parsePrefix("10.1.128.0/17");
    expect([...prefixBytes(p)]).toEqual([10, 1, 128]);
    expect(prefixFromBytes(4, 17, new Uint8Array([10, 1, 255]))).toEqual(p);
  });
});
