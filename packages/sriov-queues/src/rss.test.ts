import { describe, expect, it } from "vitest";
import { MICROSOFT_RSS_KEY, rssInputIpv4, toeplitzHash } from "./rss";

// Microsoft "Verifying the RSS Hash Calculation" IPv4 suite: (src, srcPort, dst, dstPort, IPv4 hash, IPv4+TCP hash).
const SUITE: [number[], number, number[], number, number, number][] = [
  [[66, 9, 149, 187], 2794, [161, 142, 100, 80], 1766, 0x323e8fc2, 0x51ccc178],
  [[199, 92, 111, 2], 14230, [65, 69, 140, 83], 4739, 0xd718262a, 0xc626b0ea],
  [[24, 19, 198, 95], 12898, [12, 22, 207, 184], 38024, 0xd2d0a5de, 0x5c2b394a],
  [[38, 27, 205, 30], 48228, [209, 142, 163, 6], 2217, 0x82989176, 0xafc7327f],
  [[153, 39, 163, 191], 44251, [202, 188, 127, 2], 1303, 0x5d1809c5, 0x10e828a2],
];

describe("Toeplitz hash", () => {
  it.each(SUITE)("%j:%d → %j:%d", (src, sp, dst, dp, h, hTcp) => {
    expect(toeplitzHash(MICROSOFT_RSS_KEY, rssInputIpv4(src, dst))).toBe(h);
    expect(toeplitzHash(MICROSOFT_RSS_KEY, rssInputIpv4(src, dst, sp, dp))).toBe(hTcp);
  });
  it("rejects a key that is too short and bad addresses", () => {
    expect(() => toeplitzHash(new Uint8Array(8), new Uint8Array(8))).toThrowError(/too short/);
    expect(() => rssInputIpv4([1, 2, 3], [1, 2, 3, 4])).toThrowError(/4 octets/);
  });
});
