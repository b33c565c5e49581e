import { describe, expect, it } from "vitest";
import { NohypeHostError } from "./errors";

describe("NohypeHostError", () => {
  it("carries a stable code and says where", () => {
    const e = new NohypeHostError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(NohypeHostError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(NohypeHostError.isInstance(new Error("x"))).toBe(false);
    expect(NohypeHostError.isInstance(null)).toBe(false);
  });
});
