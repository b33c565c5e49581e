import type { PathAttributes } from "@dyninfra/bgp-wire";
import { isLinkLocal, withoutZone } from "../ip";

type MpReach = NonNullable<PathAttributes["mpReachNlri"]>;

/**
 * A next hop to give the routes of one family: NEXT_HOP and MP_REACH_NLRI, each `undefined` to
 * keep the route's and `null` to remove it.
 */
export interface NextHop {
  readonly nextHop: string | undefined | null;
  readonly mp: MpReach | undefined | null;
}

/**
 * Next hop `addresses` (zones dropped) for routes of `afi`: an IPv4 address as NEXT_HOP; IPv6
 * ones (RFC 2545's global and link-local) in MP_REACH_NLRI — for IPv4 routes of AFI 1 and without
 * NEXT_HOP (RFC 8950 §3).
 */
export function nextHopOf(afi: number, addresses: readonly string[]): NextHop {
  const hops = addresses.map(withoutZone);
  if (!hops[0]!.includes(":")) return { nextHop: hops[0], mp: undefined };
  return {
    nextHop: afi === 1 ? null : undefined,
    mp: { afi: afi === 1 ? 1 : 2, safi: 1, nextHop: hops, nlri: [] },
  };
}

/**
 * MP_REACH_NLRI of set `a` with next hop `hop`: a NEXT_HOP replaces an MP_REACH_NLRI of AFI 1
 * too (which would carry the IPv4 prefixes with its own next hop).
 */
export function reachWith(a: PathAttributes, hop: NextHop): MpReach | undefined | null {
  if (hop.mp !== undefined) return hop.mp;
  return typeof hop.nextHop === "string" && a.mpReachNlri?.afi === 1 ? null : undefined;
}

/** `a` with next hop `hop`. */
export function withHop(a: PathAttributes, hop: NextHop): PathAttributes {
  const mp = reachWith(a, hop);
  const { nextHop: nh, mpReachNlri: m, ...rest } = a;
  const nextHop = hop.nextHop === undefined ? nh : hop.nextHop;
  const mpReachNlri = mp === undefined ? m : mp;
  return {
    ...rest,
    ...(nextHop !== undefined && nextHop !== null ? { nextHop } : {}),
    ...(mpReachNlri !== undefined && mpReachNlri !== null ? { mpReachNlri } : {}),
  };
}

/**
 * What our own next hop on a session is chosen from: a neighbour's configuration, or the view of
 * it a policy gets.
 */
export interface SelfHopSource {
  readonly localAddress?: string;
  readonly localIpv6Address?: string;
  readonly localLinkLocalAddress?: string;
  readonly extendedNextHop?: boolean;
}

type SelfHops = readonly [NextHop | undefined, NextHop | undefined];
const selfHopsOf = new WeakMap<SelfHopSource, SelfHops>();

/**
 * Our next hop on session `c` for IPv4 (`v6` false) or IPv6 routes; undefined when we have no
 * address for the family, and a route keeps its next hop. IPv6: the global address
 * (`localIpv6Address`, else an IPv6 `localAddress`) and the link-local one (RFC 2545 §3). IPv4:
 * with Extended Next Hop Encoding those IPv6 addresses (RFC 8950 §3); else `localAddress` when it
 * is an IPv4 one. Worked out once per (immutable) object.
 */
export function selfHop(c: SelfHopSource, v6: boolean): NextHop | undefined {
  let hops = selfHopsOf.get(c);
  if (hops === undefined) {
    const la = c.localAddress;
    const la6 = la?.includes(":") === true ? la : undefined;
    const global = c.localIpv6Address ?? (la6 !== undefined && !isLinkLocal(la6) ? la6 : undefined);
    const ll = c.localLinkLocalAddress ?? (la6 !== undefined && isLinkLocal(la6) ? la6 : undefined);
    const six = [global, ll].filter((x): x is string => x !== undefined);
    const hop4 =
      c.extendedNextHop === true && six.length > 0
        ? nextHopOf(1, six)
        : la !== undefined && la6 === undefined
          ? nextHopOf(1, [la])
          : undefined;
    hops = [hop4, six.length === 0 ? undefined : nextHopOf(2, six)];
    selfHopsOf.set(c, hops);
  }
  return hops[v6 ? 1 : 0];
}
