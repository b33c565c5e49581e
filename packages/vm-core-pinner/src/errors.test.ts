import { describe, expect, it } from "vitest";
import { VmCorePinnerError } from "./errors";

describe("VmCorePinnerError", () => {
  it("carries a stable code and says where", () => {
    const e = new VmCorePinnerError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(VmCorePinnerError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(VmCorePinnerError.isInstance(new Error("x"))).toBe(false);
    expect(VmCorePinnerError.isInstance(null)).toBe(false);
  });
});
