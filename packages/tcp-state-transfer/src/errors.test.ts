import { describe, expect, it } from "vitest";
import { TcpStateTransferError } from "./errors";

describe("TcpStateTransferError", () => {
  it("carries a stable code and says where", () => {
    const e = new TcpStateTransferError("BAD_LENGTH", "length out of range", {
      offset: 19,
      field: "length",
    });
    expect(e.code).toBe("BAD_LENGTH");
    expect(e.message).toBe("length out of range (at offset 19, field length)");
    expect(TcpStateTransferError.isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects foreign errors", () => {
    expect(TcpStateTransferError.isInstance(new Error("x"))).toBe(false);
    expect(TcpStateTransferError.isInstance(null)).toBe(false);
  });
});
