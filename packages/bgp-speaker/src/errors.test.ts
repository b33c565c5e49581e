import { describe, expect, it } from "vitest";
import { BgpSpeakerError } from "./errors";

describe("BgpSpeakerError", () => {
  it("carries a stable code and says where", () => {
    const e = new BgpSpeakerError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(BgpSpeakerError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(BgpSpeakerError.isInstance(new Error("x"))).toBe(false);
    expect(BgpSpeakerError.isInstance(null)).toBe(false);
  });
});
