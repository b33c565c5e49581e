import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { BgpWireError } from "./errors";
import { arbitraryBgpWireErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryBgpWireErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new BgpWireError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(BgpWireError.isInstance(e)).toBe(true);
  },
);
