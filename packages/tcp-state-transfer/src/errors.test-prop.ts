import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { TcpStateTransferError } from "./errors";
import { arbitraryTcpStateTransferErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryTcpStateTransferErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new TcpStateTransferError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(TcpStateTransferError.isInstance(e)).toBe(true);
  },
);
