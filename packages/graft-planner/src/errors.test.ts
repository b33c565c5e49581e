import { describe, expect, it } from "vitest";
import { GraftPlannerError } from "./errors";

describe("GraftPlannerError", () => {
  it("carries a stable code and says where", () => {
    const e = new GraftPlannerError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(GraftPlannerError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(GraftPlannerError.isInstance(new Error("x"))).toBe(false);
    expect(GraftPlannerError.isInstance(null)).toBe(false);
  });
});
