import { describe, expect, it } from "vitest";
import { VepaSwitchError } from "./errors";

describe("VepaSwitchError", () => {
  it("carries a stable code and says where", () => {
    const e = new VepaSwitchError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(VepaSwitchError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(VepaSwitchError.isInstance(new Error("x"))).toBe(false);
    expect(VepaSwitchError.isInstance(null)).toBe(false);
  });
});
