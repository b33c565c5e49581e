import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { VepaSwitchError } from "./errors";
import { arbitraryVepaSwitchErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryVepaSwitchErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new VepaSwitchError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(VepaSwitchError.isInstance(e)).toBe(true);
  },
);
