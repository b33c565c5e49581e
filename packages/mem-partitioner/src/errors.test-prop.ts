import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MemPartitionerError } from "./errors";
import { arbitraryMemPartitionerErrorWhere } from "./testing";

test.prop([fc.string(), fc.string(), arbitraryMemPartitionerErrorWhere()])(
  "every error keeps its code and location and is recognised",
  (code, message, where) => {
    const e = new MemPartitionerError(code, message, where);
    expect(e.code).toBe(code);
    expect(e.where).toEqual(where);
    expect(e.message.startsWith(message)).toBe(true);
    expect(MemPartitionerError.isInstance(e)).toBe(true);
  },
);
