import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { SriovQueuesError } from "./errors";
import { arbitrarySriovQueuesErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitrarySriovQueuesErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new SriovQueuesError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(SriovQueuesError.isInstance(e)).toBe(true);
  },
);
