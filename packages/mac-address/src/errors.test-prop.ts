import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MacAddressError } from "./errors";
import { arbitraryMacAddressErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryMacAddressErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new MacAddressError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(MacAddressError.isInstance(e)).toBe(true);
  },
);
