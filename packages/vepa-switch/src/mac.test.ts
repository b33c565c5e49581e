import { MacAddressError } from "@dyninfra/mac-address";
import { expect, it } from "vitest";
import { VepaSwitchError } from "./errors";
import { formatMac, parseMac } from "./mac";

it("parseMac/formatMac read and print ip-link MACs", () => {
  expect(parseMac("2:0:0:0:0:1")).toBe(0x0200_0000_0001);
  expect(formatMac(0x0200_0000_0001)).toBe("02:00:00:00:00:01");
});

it("malformed MACs throw VepaSwitchError BAD_MAC, not a foreign error", () => {
  for (const bad of [() => parseMac("02-00-00-00-00-01", "lowerMac"), () => formatMac(-1)]) {
    let caught: unknown;
    try {
      bad();
    } catch (e) {
      caught = e;
    }
    expect(VepaSwitchError.isInstance(caught)).toBe(true);
    expect((caught as VepaSwitchError).code).toBe("BAD_MAC");
    expect(MacAddressError.isInstance((caught as Error).cause)).toBe(true);
  }
  expect(() => parseMac("nonsense", "lowerMac")).toThrowError(/field lowerMac/);
});
