import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteCache } from "./byte-cache";

const made = (key: Uint8Array, salt: number) => ({ key: [...key].join(","), salt });

describe("ByteCache", () => {
  it("returns for every key and salt the value made from them, whatever the sequence of lookups", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.uint8Array({ maxLength: 3 }).map((k) => k.map((b) => b & 3)),
            salt: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 8 }),
        (lookups, limit) => {
          const cache = new ByteCache<{ key: string; salt: number }>(limit);
          for (const { key, salt } of lookups)
            expect(cache.get(key, salt, () => made(key, salt))).toEqual(made(key, salt));
        },
      ),
    );
  });

  it("keeps caching while keys repeat: past its 4,096-lookup sampling windows, a repeated key is made once", () => {
    const cache = new ByteCache<object>(50_000);
    let makes = 0;
    const keys = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])];
    const values = new Set<object>();
    for (let i = 0; i < 100_000; i++)
      values.add(
        cache.get(keys[i & 1]!, 0, () => {
          makes++;
          return {};
        }),
      );
    expect(makes).toBe(2);
    expect(values.size).toBe(2);
  });

  it("stops caching (makes every value) while nearly every key is new, and samples again later", () => {
    const cache = new ByteCache<object>(1_000_000);
    let makes = 0;
    const key = (i: number) => new Uint8Array([i & 255, (i >> 8) & 255, (i >> 16) & 255]);
    // 8,192 distinct keys: the first window of 4,096 lookups has no hit.
    for (let i = 0; i < 8192; i++) cache.get(key(i), 0, () => ({ makes: ++makes }));
    // Bypassed now: a key seen in the first window is made again.
    makes = 0;
    cache.get(key(0), 0, () => ({ makes: ++makes }));
    expect(makes).toBe(1);
    // After the bypass (65,536 lookups) it caches again.
    for (let i = 0; i < 70_000; i++) cache.get(key(1), 0, () => ({}));
    makes = 0;
    for (let i = 0; i < 3; i++) cache.get(key(2), 0, () => ({ makes: ++makes }));
    expect(makes).toBe(1);
  });
});
