import { isIPv6 } from "node:net";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { parsePrefix, prefixBytes, prefixKey } from "./prefix";
import { arbitraryPrefix } from "./testing";

test.prop([arbitraryPrefix()])("parsePrefix inverts prefixKey", (p) => {
  expect(parsePrefix(prefixKey(p))).toEqual(p);
});

test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 })])(
  "IPv6 text is valid for node:net and parses back to the same bytes",
  (bytes) => {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    const p = parsePrefix(`${words.join(":")}/128`);
    expect(isIPv6(p.address)).toBe(true);
    expect([...prefixBytes(p)]).toEqual([...bytes]);
    // RFC 5952: never a single zero word compressed, lower case, no leading zeros
    expect(p.address).toBe(p.address.toLowerCase());
    expect(/(^|:)0[0-9a-f]/.test(p.address)).toBe(false);
  },
);
