import { describe, expect, it } from "vitest";
import { MemPartitionerError } from "./errors";

describe("MemPartitionerError", () => {
  it("carries a stable code and says where", () => {
    const e = new MemPartitionerError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(MemPartitionerError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(MemPartitionerError.isInstance(new Error("x"))).toBe(false);
    expect(MemPartitionerError.isInstance(null)).toBe(false);
  });
});
