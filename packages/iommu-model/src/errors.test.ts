import { describe, expect, it } from "vitest";
import { IommuModelError } from "./errors";

describe("IommuModelError", () => {
  it("carries a stable code and says where", () => {
    const e = new IommuModelError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(IommuModelError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(IommuModelError.isInstance(new Error("x"))).toBe(false);
    expect(IommuModelError.isInstance(null)).toBe(false);
  });
});
