import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";

describe("BgpRibError", () => {
  it("carries a stable code and says where", () => {
    const e = new BgpRibError("BAD_LENGTH", "length out of range", { offset: 19, field: "length" });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(BgpRibError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(BgpRibError.isInstance(new Error("x"))).toBe(false);
    expect(BgpRibError.isInstance(null)).toBe(false);
  });
});
