/**
 * Address Family Identifiers (IANA "Address Family Numbers") used by BGP (RFC 4760).
 *
 * @example
 * ```ts
 * import { AFI } from "@dyninfra/bgp-wire";
 * AFI.IPV6; // 2
 * ```
 */
export const AFI = { IPV4: 1, IPV6: 2, L2VPN: 25, BGP_LS: 16388 } as const;

/**
 * Subsequent Address Family Identifiers (IANA "SAFI Values") used by BGP (RFC 4760).
 *
 * @example
 * ```ts
 * import { SAFI } from "@dyninfra/bgp-wire";
 * SAFI.UNICAST; // 1
 * ```
 */
export const SAFI = {
  UNICAST: 1,
  MULTICAST: 2,
  MPLS_LABEL: 4,
  EVPN: 70,
  MPLS_VPN: 128,
  FLOWSPEC: 133,
} as const;

/**
 * The address families whose prefixes this package decodes into {@link Prefix} values:
 * 1 = IPv4, 2 = IPv6. Other AFIs are preserved opaque.
 *
 * @example
 * ```ts
 * import type { IpAfi } from "@dyninfra/bgp-wire";
 * const afi: IpAfi = 2;
 * ```
 */
export type IpAfi = 1 | 2;

/**
 * An (AFI, SAFI) pair naming an address family, e.g. IPv6 unicast = `{ afi: 2, safi: 1 }`.
 *
 * @example
 * ```ts
 * import type { AfiSafi } from "@dyninfra/bgp-wire";
 * const ipv4Unicast: AfiSafi = { afi: 1, safi: 1 };
 * ```
 */
export interface AfiSafi {
  /** Address Family Identifier (16 bits). */
  readonly afi: number;
  /** Subsequent Address Family Identifier (8 bits). */
  readonly safi: number;
}

/**
 * A compact numeric key of an (AFI, SAFI) pair: `afi * 256 + safi`, for maps and sets.
 *
 * @example
 * ```ts
 * import { afiSafiKey } from "@dyninfra/bgp-wire";
 * afiSafiKey({ afi: 2, safi: 1 }); // 513
 * ```
 */
export function afiSafiKey(family: AfiSafi): number {
  return family.afi * 256 + family.safi;
}
