import fc from "fast-check";
import type { MacAddressErrorWhere } from "./errors";
import type { MacAddress } from "./mac-address";

/**
 * Arbitrary error locations, for property tests of code that reports `@dyninfra/mac-address` errors.
 *
 * @example
 * ```ts
 * fc.sample(arbitraryMacAddressErrorWhere(), 1);
 * ```
 */
export function arbitraryMacAddressErrorWhere(): fc.Arbitrary<MacAddressErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Any 48-bit MAC address, 0 … 2^48−1 (fast-check biases towards the edges: 0, broadcast).
 *
 * @example
 * ```ts
 * fc.sample(arbitraryMacAddress(), 3);
 * ```
 */
export function arbitraryMacAddress(): fc.Arbitrary<MacAddress> {
  return fc.integer({ min: 0, max: 0xffff_ffff_ffff });
}

/**
 * A MAC address together with a spelling of it that `ip link` takes: each octet with one or two
 * hex digits where the value allows, each digit in either case.
 *
 * @example
 * ```ts
 * fc.sample(arbitraryMacText(), 1); // e.g. [{ mac: 0x0a0b0c0d0e0f, text: "a:0B:c:0d:E:f" }]
 * ```
 */
export function arbitraryMacText(): fc.Arbitrary<{ mac: MacAddress; text: string }> {
  const octet = fc
    .record({ value: fc.integer({ min: 0, max: 255 }), pad: fc.boolean(), upper: fc.boolean() })
    .map(({ value, pad, upper }) => {
      const digits = value.toString(16).padStart(pad ? 2 : 1, "0");
      return { value, digits: upper ? digits.toUpperCase() : digits };
    });
  return fc.array(octet, { minLength: 6, maxLength: 6 }).map((octets) => ({
    mac: octets.reduce((m, o) => m * 256 + o.value, 0),
    text: octets.map((o) => o.digits).join(":"),
  }));
}

/**
 * A locally administered unicast MAC (02:00:00:00:00:01 …) from a pool of `distinct`, so that
 * addresses repeat and collide in tables.
 *
 * @example
 * ```ts
 * fc.sample(arbitraryUnicastMacFromPool(8), 3);
 * ```
 */
export function arbitraryUnicastMacFromPool(distinct = 16): fc.Arbitrary<MacAddress> {
  return fc.integer({ min: 1, max: distinct }).map((i) => 0x0200_0000_0000 + i);
}
