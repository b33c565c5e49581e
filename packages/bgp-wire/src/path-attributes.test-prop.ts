import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { pathAttributesKey } from "./path-attributes";
import { arbitraryPathAttributes } from "./testing";

function deepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

test.prop([arbitraryPathAttributes(), arbitraryPathAttributes()], { numRuns: 300 })(
  "different attribute sets have different keys",
  (a, b) => {
    expect(pathAttributesKey(a) === pathAttributesKey(b)).toBe(deepEqual(a, b));
  },
);

test.prop([arbitraryPathAttributes(), fc.nat()], { numRuns: 300 })(
  "a copy, or a copy with one attribute removed, keys equal resp. differently",
  (a, pick) => {
    expect(pathAttributesKey(structuredClone(a))).toBe(pathAttributesKey(a));
    const keys = Object.keys(a);
    if (keys.length === 0) return;
    const b: Record<string, unknown> = { ...a };
    delete b[keys[pick % keys.length]!];
    expect(pathAttributesKey(b)).not.toBe(pathAttributesKey(a));
  },
);
