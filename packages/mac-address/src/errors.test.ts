import { describe, expect, it } from "vitest";
import { MacAddressError } from "./errors";

describe("MacAddressError", () => {
  it("carries a stable code and says where", () => {
    const e = new MacAddressError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(MacAddressError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(MacAddressError.isInstance(new Error("x"))).toBe(false);
    expect(MacAddressError.isInstance(null)).toBe(false);
  });
});
