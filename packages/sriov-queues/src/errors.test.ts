import { describe, expect, it } from "vitest";
import { SriovQueuesError } from "./errors";

describe("SriovQueuesError", () => {
  it("carries a stable code and says where", () => {
    const e = new SriovQueuesError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(SriovQueuesError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(SriovQueuesError.isInstance(new Error("x"))).toBe(false);
    expect(SriovQueuesError.isInstance(null)).toBe(false);
  });
});
