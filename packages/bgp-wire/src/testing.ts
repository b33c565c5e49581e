import fc from "fast-check";
import type { IpAfi } from "./afi-safi";
import type { BgpWireErrorWhere } from "./errors";
import { ipv4Text, ipv6Text } from "./internal/ip";
import type { Prefix } from "./prefix";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/bgp-wire` errors. */
export function arbitraryBgpWireErrorWhere(): fc.Arbitrary<BgpWireErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Arbitrary IPv4/IPv6 prefixes with host bits cleared (as a well-behaved speaker sends them),
 * optionally with an ADD-PATH Path Identifier.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryPrefix } from "@dyninfra/bgp-wire/testing";
 * fc.sample(arbitraryPrefix({ afi: 1 }), 3);
 * ```
 */
export function arbitraryPrefix(
  options: { afi?: IpAfi; pathId?: boolean | "maybe" } = {},
): fc.Arbitrary<Prefix> {
  const afiArb: fc.Arbitrary<IpAfi> =
    options.afi !== undefined ? fc.constant(options.afi) : fc.constantFrom<IpAfi>(1, 2);
  const pid = options.pathId ?? "maybe";
  return afiArb.chain((afi) => {
    const max = afi === 1 ? 32 : 128;
    const size = afi === 1 ? 4 : 16;
    return fc
      .record({
        length: fc.integer({ min: 0, max }),
        bytes: fc.uint8Array({ minLength: size, maxLength: size }),
        pathId:
          pid === true
            ? fc.nat({ max: 0xffffffff })
            : pid === false
              ? fc.constant(undefined)
              : fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }),
      })
      .map(({ length, bytes, pathId }) => {
        for (let i = 0; i < size; i++) {
          const bits = length - i * 8;
          if (bits < 8) bytes[i] = bits <= 0 ? 0 : bytes[i]! & (0xff << (8 - bits));
        }
        const address = afi === 1 ? ipv4Text(bytes, 0) : ipv6Text(bytes, 0);
        const p: Prefix =
          pathId === undefined ? { afi, address, length } : { afi, address, length, pathId };
        return p;
      });
  });
}
