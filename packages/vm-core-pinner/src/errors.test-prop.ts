import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { VmCorePinnerError } from "./errors";
import { arbitraryVmCorePinnerErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryVmCorePinnerErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new VmCorePinnerError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(VmCorePinnerError.isInstance(e)).toBe(true);
  },
);
