import { describe, expect, it } from "vitest";
import { OpticalLinkError } from "./errors";

describe("OpticalLinkError", () => {
  it("carries a stable code and says where", () => {
    const e = new OpticalLinkError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(OpticalLinkError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(OpticalLinkError.isInstance(new Error("x"))).toBe(false);
    expect(OpticalLinkError.isInstance(null)).toBe(false);
  });
});
