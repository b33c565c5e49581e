import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import {
  formatIpv6,
  formatPrefix,
  isLinkLocal,
  parseIpv6,
  parsePrefix,
  prefixBytes,
  prefixFromBytes,
  withoutZone,
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
  it("link-local addresses (fe80::/10) and zones", () => {
    for (const a of ["fe80::1", "FE80::1%eth0", "febf:1::2", "fe9a::%1"])
      expect(isLinkLocal(a)).toBe(true);
    for (const a of ["fec0::1", "fe7f::1", "2001:db8::1", "192.0.2.1", "fe8"])
      expect(isLinkLocal(a)).toBe(false);
    expect(withoutZone("fe80::2%eth1")).toBe("fe80::2");
    expect(withoutZone("fe80::2%")).toBe("fe80::2");
    expect(withoutZone("2001:db8::1")).toBe("2001:db8::1");
  });
  it("NLRI bytes (RFC 4271 §4.3)", () => {
    const p = parsePrefix("10.1.128.0/17");
    expect([...prefixBytes(p)]).toEqual([10, 1, 128]);
    expect(prefixFromBytes(4, 17, new Uint8Array([10, 1, 255]))).toEqual(p);
  });
});
