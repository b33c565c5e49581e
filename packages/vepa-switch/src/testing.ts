import type { MacAddress } from "@dyninfra/mac-address";
import { arbitraryUnicastMacFromPool } from "@dyninfra/mac-address/testing";
import fc from "fast-check";
import type { Frame } from "./bridge";
import type { VepaSwitchErrorWhere } from "./errors";
import type { EmbeddedPortMode } from "./macvlan";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/vepa-switch` errors. */
export function arbitraryVepaSwitchErrorWhere(): fc.Arbitrary<VepaSwitchErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/** A locally administered unicast MAC from a small pool (so stations collide and move). @example fc.sample(arbitraryUnicastMac(), 1) */
export function arbitraryUnicastMac(distinct = 16): fc.Arbitrary<MacAddress> {
  return arbitraryUnicastMacFromPool(distinct);
}

/** Unicast, multicast or broadcast destinations. @example fc.sample(arbitraryDestination(), 1) */
export function arbitraryDestination(distinct = 16): fc.Arbitrary<MacAddress> {
  return fc.oneof(
    { weight: 4, arbitrary: arbitraryUnicastMac(distinct) },
    { weight: 1, arbitrary: fc.constant(0xffff_ffff_ffff) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((i) => 0x0100_5e00_0000 + i) },
  );
}

/** Frames over a small address and VLAN space. @example fc.sample(arbitraryFrame(), 1) */
export function arbitraryFrame(): fc.Arbitrary<Frame> {
  return fc.record(
    {
      dst: arbitraryDestination(),
      src: arbitraryUnicastMac(),
      vlan: fc.constantFrom(0, 1, 10, 20),
    },
    { requiredKeys: ["dst", "src"] },
  );
}

/** One of the four embedded-switch port modes. @example fc.sample(arbitraryEmbeddedPortMode(), 1) */
export function arbitraryEmbeddedPortMode(): fc.Arbitrary<EmbeddedPortMode> {
  return fc.constantFrom("private", "vepa", "bridge", "passthru");
}
