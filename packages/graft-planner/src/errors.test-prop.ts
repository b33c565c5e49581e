import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { GraftPlannerError } from "./errors";
import { arbitraryGraftPlannerErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryGraftPlannerErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new GraftPlannerError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(GraftPlannerError.isInstance(e)).toBe(true);
  },
);
