import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { BgpRibError } from "./errors";
import { arbitraryBgpRibErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryBgpRibErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new BgpRibError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(BgpRibError.isInstance(e)).toBe(true);
  },
);
