import { describe, expect, it } from "vitest";
import { MacAddressError } from "./errors";
import { createMacCodec } from "./mac-codec";

class OtherError extends Error {
  constructor(
    readonly code: string,
    readonly field: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const codec = createMacCodec((e) => new OtherError(e.code, e.where.field, e.reason, { cause: e }));

describe("createMacCodec", () => {
  it("parses and formats like parseMac/formatMac", () => {
    expect(codec.parseMac("0:1b:21:a:b:c")).toBe(0x001b210a0b0c);
    expect(codec.formatMac(0x001b210a0b0c)).toBe("00:1b:21:0a:0b:0c");
  });

  it("throws the caller's class with the MacAddressError as cause", () => {
    let caught: unknown;
    try {
      codec.parseMac("00:11:22", "vf.mac");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OtherError);
    const e = caught as OtherError;
    expect([e.code, e.field, e.message]).toEqual([
      "BAD_MAC",
      "vf.mac",
      'not a MAC address: "00:11:22"',
    ]);
    expect(MacAddressError.isInstance(e.cause)).toBe(true);
    expect(() => codec.formatMac(-1)).toThrowError(OtherError);
  });

  it("passes foreign exceptions through untouched", () => {
    const boom = new RangeError("boom");
    const c = createMacCodec(() => new OtherError("X", undefined, "x"));
    const text = {
      toString() {
        throw boom;
      },
    };
    // formatMac interpolates the value into its message: a throwing toString escapes as is.
    expect(() => c.formatMac(text as unknown as number)).toThrowError(boom);
  });
});
