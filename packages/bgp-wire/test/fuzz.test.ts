// The short run of `pnpm fuzz` (bench/fuzz-cases.ts): mutated real messages, MRT records and RTR
// PDUs.
import { fc } from "@fast-check/vitest";
import { expect, it } from "vitest";
import { runFuzz } from "../bench/fuzz-cases";

it("20,000 mutated real messages, MRT records and RTR PDUs: decoders throw only BgpWireError", () => {
  const seed = fc.sample(fc.integer({ min: 1, max: 0x7fffffff }), 1)[0]!;
  const r = runFuzz(20_000, seed);
  expect(r.messageSeeds).toBeGreaterThan(1000);
  expect(r.recordSeeds).toBeGreaterThan(1000);
  expect(r.rtrSeeds).toBeGreaterThan(15);
  expect(r.examples, `seed ${seed}`).toEqual([]);
  expect(r.failures).toBe(0);
});
