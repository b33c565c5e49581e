import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { IommuModelError } from "./errors";
import { arbitraryIommuModelErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryIommuModelErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new IommuModelError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(IommuModelError.isInstance(e)).toBe(true);
  },
);
