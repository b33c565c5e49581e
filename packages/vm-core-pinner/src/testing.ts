import fc from "fast-check";
import type { VmCorePinnerErrorWhere } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import type { Topology } from "./topology";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/vm-core-pinner` errors. */
export function arbitraryVmCorePinnerErrorWhere(): fc.Arbitrary<VmCorePinnerErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Arbitrary sets of CPU ids (ascending, distinct) below `maxCpu`.
 *
 * @example
 * ```ts
 * fc.sample(arbitraryCpuSet({ maxCpu: 64 }), 1); // e.g. [[0, 3, 4, 5, 40]]
 * ```
 */
export function arbitraryCpuSet(
  options: { readonly maxCpu?: number; readonly maxSize?: number } = {},
): fc.Arbitrary<number[]> {
  const max = options.maxCpu ?? 256;
  return fc
    .uniqueArray(fc.integer({ min: 0, max: max - 1 }), { maxLength: options.maxSize ?? 64 })
    .map((xs) => [...xs].sort((a, b) => a - b));
}

/**
 * Arbitrary hwloc synthetic descriptions of small machines (packages, optional NUMA and L3
 * levels, cores, SMT threads, sometimes Linux-style interleaved sibling numbering).
 *
 * @example
 * ```ts
 * fc.sample(arbitrarySyntheticSpec(), 1); // e.g. ["pack:2 numa:2 l3:1 core:3 pu:2(indexes=2*12:1*2)"]
 * ```
 */
export function arbitrarySyntheticSpec(): fc.Arbitrary<string> {
  return fc
    .record({
      pack: fc.integer({ min: 1, max: 3 }),
      numa: fc.integer({ min: 0, max: 3 }),
      l3: fc.integer({ min: 0, max: 2 }),
      core: fc.integer({ min: 1, max: 6 }),
      pu: fc.integer({ min: 1, max: 2 }),
      interleave: fc.boolean(),
    })
    .map(({ pack, numa, l3, core, pu, interleave }) => {
      const levels = [`pack:${pack}`];
      if (numa > 0) levels.push(`numa:${numa}`);
      if (l3 > 0) levels.push(`l3:${l3}`);
      levels.push(`core:${core}`);
      const pus = pack * Math.max(numa, 1) * Math.max(l3, 1) * core * pu;
      levels.push(interleave && pu === 2 ? `pu:2(indexes=2*${pus / 2}:1*2)` : `pu:${pu}`);
      return levels.join(" ");
    });
}

/**
 * Arbitrary small synthetic topologies (see {@link arbitrarySyntheticSpec}).
 *
 * @example
 * ```ts
 * fc.sample(arbitraryTopology(), 1)[0]?.cpus.length; // e.g. 24
 * ```
 */
export function arbitraryTopology(): fc.Arbitrary<Topology> {
  return arbitrarySyntheticSpec().map(parseHwlocSynthetic);
}
