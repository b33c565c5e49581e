import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { OpticalLinkError } from "./errors";
import { arbitraryOpticalLinkErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryOpticalLinkErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new OpticalLinkError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(OpticalLinkError.isInstance(e)).toBe(true);
  },
);
