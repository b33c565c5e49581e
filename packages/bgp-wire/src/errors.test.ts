import { describe, expect, it } from "vitest";
import { BgpWireError } from "./errors";

describe("BgpWireError", () => {
  it("carries a stable code and says where", () => {
    const e = new BgpWireError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(BgpWireError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(BgpWireError.isInstance(new Error("x"))).toBe(false);
    expect(BgpWireError.isInstance(null)).toBe(false);
  });
});
