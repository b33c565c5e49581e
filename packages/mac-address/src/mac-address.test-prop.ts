import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MacAddressError } from "./errors";
import {
  formatMac,
  isBroadcastMac,
  isLocallyAdministeredMac,
  isMulticastMac,
  isValidMac,
  isValidUnicastMac,
  parseMac,
} from "./mac-address";
import { arbitraryMacAddress, arbitraryMacText } from "./testing";

// Independent references: BigInt arithmetic for the bits, a regular expression for the syntax.
const octets = (mac: number): bigint[] =>
  [40n, 32n, 24n, 16n, 8n, 0n].map((s) => (BigInt(mac) >> s) & 0xffn);
const firstOctet = (mac: number): number => Number(octets(mac)[0]);
const SYNTAX = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

test.prop([arbitraryMacAddress()])("parseMac ∘ formatMac = id on every 48-bit value", (mac) => {
  expect(parseMac(formatMac(mac))).toBe(mac);
});

test.prop([arbitraryMacAddress()])("formatMac prints six two-digit lower-case octets", (mac) => {
  expect(formatMac(mac)).toBe(
    octets(mac)
      .map((o) => o.toString(16).padStart(2, "0"))
      .join(":"),
  );
});

test.prop([arbitraryMacText()])(
  "every spelling ip link takes parses to its address",
  ({ mac, text }) => {
    expect(parseMac(text)).toBe(mac);
    expect(formatMac(parseMac(text))).toBe(formatMac(mac));
    expect(isValidMac(text)).toBe(true);
  },
);

test.prop([arbitraryMacAddress()])(
  "classes follow the I/G and U/L bits of the first octet",
  (mac) => {
    const first = firstOctet(mac);
    expect(isMulticastMac(mac)).toBe((first & 1) === 1);
    expect(isLocallyAdministeredMac(mac)).toBe((first & 2) === 2);
    expect(isBroadcastMac(mac)).toBe(octets(mac).every((o) => o === 0xffn));
    expect(isValidUnicastMac(mac)).toBe((first & 1) === 0 && mac !== 0);
  },
);

// Fuzz: arbitrary text, and valid text with one character replaced, inserted or deleted.
const mutated = fc
  .tuple(
    arbitraryMacText(),
    fc.nat(),
    fc.constantFrom("replace", "insert", "delete"),
    fc.string({ minLength: 1, maxLength: 1 }),
  )
  .map(([{ text }, at, how, c]) => {
    const i = at % (text.length + 1);
    if (how === "insert") return text.slice(0, i) + c + text.slice(i);
    if (how === "delete") return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + c + text.slice(i + 1);
  });

test.prop([fc.oneof(fc.string(), fc.string({ unit: "binary" }), mutated)])(
  "any text either parses or throws BAD_MAC saying where; isValidMac agrees",
  (text) => {
    let value: number | undefined;
    try {
      value = parseMac(text);
    } catch (e) {
      expect(MacAddressError.isInstance(e)).toBe(true);
      const err = e as MacAddressError;
      expect(err.code).toBe("BAD_MAC");
      expect(err.where.offset).toBeGreaterThanOrEqual(0);
      expect(err.where.offset).toBeLessThanOrEqual(text.length);
      // Everything before the offset is a valid beginning of a MAC.
      expect(text.slice(0, err.where.offset)).toMatch(
        /^[0-9a-fA-F]{0,2}(:[0-9a-fA-F]{1,2}){0,5}:?$/,
      );
    }
    expect(value !== undefined).toBe(SYNTAX.test(text));
    expect(isValidMac(text)).toBe(SYNTAX.test(text));
    if (value !== undefined) expect(formatMac(value).toLowerCase()).toBe(formatMac(value));
  },
);
