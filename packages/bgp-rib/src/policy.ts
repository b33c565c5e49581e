import {
  type AsPath,
  type LargeCommunity,
  type PathAttributes,
  type Prefix,
  WELL_KNOWN_COMMUNITY,
} from "@dyninfra/bgp-wire";
import type { PeerKind } from "./decision";
import { BgpRibError } from "./errors";
import { nextHopOf, selfHop, withHop } from "./internal/next-hop";
import { fastIpv4 } from "./internal/prefix-table";
import { type IpPrefix, parseIpv6, parsePrefix, prefixContains } from "./ip";
import type { BgpRole } from "./peer";

/** The neighbour a route is imported from or exported to, as policies see it. */
export interface PolicyPeer {
  /** Neighbour address. */
  readonly address: string;
  /** Neighbour AS. */
  readonly asn: number;
  /** Session kind. */
  readonly kind: PeerKind;
  /** Our address on the session, if configured (`PeerConfig.localAddress`). */
  readonly localAddress?: string;
  /** Our IPv6 address on the session, if configured. */
  readonly localIpv6Address?: string;
  /**
   * Our IPv6 link-local address on the session's link, if known
   * (`PeerConfig.localLinkLocalAddress`).
   */
  readonly localLinkLocalAddress?: string;
  /** Extended Next Hop Encoding (RFC 8950) is in use on the session (`PeerConfig.extendedNextHop`). */
  readonly extendedNextHop?: boolean;
  /** Our BGP Role towards the neighbour (RFC 9234), if configured (`PeerConfig.role`). */
  readonly role?: BgpRole;
}

/** A route as a policy sees it. */
export interface PolicyRoute {
  /** The prefix. */
  readonly prefix: Prefix;
  /** Its attributes (input of the policy). */
  readonly attributes: PathAttributes;
  /** The neighbour it comes from (import) or goes to (export). */
  readonly peer: PolicyPeer;
}

/**
 * A routing policy: a pure function from a route to its (possibly modified) attributes, or
 * `undefined` to reject it. Returning the input attributes object unchanged is the cheapest
 * accept. `prefixIndependent` marks policies that never look at the prefix, so the RIB may cache
 * their result per attribute set.
 *
 * @example
 * ```ts
 * const p: Policy = chain(prefixList([{ prefix: "10.0.0.0/8", le: 24 }]), setLocalPref(200));
 * ```
 */
export interface Policy {
  (route: PolicyRoute): PathAttributes | undefined;
  /** True when the result does not depend on `route.prefix` (nor on the peer). */
  readonly prefixIndependent?: boolean;
}

/** A route predicate, for {@link when}. */
export interface Match {
  (route: PolicyRoute): boolean;
  /** True when the predicate does not depend on the prefix. */
  readonly prefixIndependent?: boolean;
}

function mark<F extends object>(
  f: F,
  prefixIndependent: boolean,
): F & { prefixIndependent: boolean } {
  return Object.assign(f, { prefixIndependent });
}

/**
 * Accepts every route unchanged.
 *
 * @example
 * ```ts
 * const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
 * rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2", importPolicy: acceptAll });
 * ```
 */
export const acceptAll: Policy = mark((r: PolicyRoute) => r.attributes, true);

/**
 * Rejects every route.
 *
 * @example
 * ```ts
 * rejectAll({ prefix: { afi: 1, address: "10.0.0.0", length: 8 }, attributes: {},
 *   peer: { address: "192.0.2.2", asn: 1, kind: "ebgp" } }); // undefined
 * ```
 */
export const rejectAll: Policy = mark(() => undefined, true);

/**
 * Applies policies in order; the first rejection rejects.
 *
 * @example
 * ```ts
 * const p = chain(setLocalPref(120), prepend(64500, 2));
 * ```
 */
export function chain(...policies: Policy[]): Policy {
  return mark(
    (route: PolicyRoute) => {
      let attributes: PathAttributes | undefined = route.attributes;
      for (const p of policies) {
        attributes = p(attributes === route.attributes ? route : { ...route, attributes });
        if (attributes === undefined) return undefined;
      }
      return attributes;
    },
    policies.every((p) => p.prefixIndependent === true),
  );
}

/**
 * Applies `then` to routes matching `match`, `otherwise` (default: accept unchanged) to the rest.
 *
 * @example
 * ```ts
 * const p = when(hasCommunity(community("65000:666")), rejectAll);
 * ```
 */
export function when(match: Match, then: Policy, otherwise: Policy = acceptAll): Policy {
  return mark(
    (route: PolicyRoute) => (match(route) ? then(route) : otherwise(route)),
    match.prefixIndependent === true &&
      then.prefixIndependent === true &&
      otherwise.prefixIndependent === true,
  );
}

/** One entry of a prefix list: the prefix and an optional `ge`/`le` length range. */
export interface PrefixListEntry {
  /** `address/length`. */
  readonly prefix: string;
  /** Minimum length matched (default: the prefix length, or it with `le`). */
  readonly ge?: number;
  /** Maximum length matched (default: `ge` if given... else the prefix length). */
  readonly le?: number;
  /** Permit (default) or deny. */
  readonly action?: "permit" | "deny";
}

/**
 * A prefix-list match (Cisco/FRR semantics): entries are tried in order; a route matches an
 * entry when its prefix lies inside the entry's prefix and its length is within `ge`..`le`
 * (without `ge`/`le`: exactly the entry's length; with only `ge`: ge..max; with only `le`:
 * length..le). The first matching entry decides; no match denies.
 *
 * @example
 * ```ts
 * const m = matchPrefixList([{ prefix: "10.0.0.0/8", le: 24 }]);
 * ```
 */
export function matchPrefixList(entries: readonly PrefixListEntry[]): Match {
  const compiled = entries.map((e) => {
    const p = parsePrefix(e.prefix);
    const max = p.family === 4 ? 32 : 128;
    const ge = e.ge ?? p.length;
    const le = e.le ?? (e.ge !== undefined ? max : p.length);
    if (ge < p.length || le < ge || le > max)
      throw new BgpRibError("BAD_PREFIX_LIST", `bad ge/le for ${e.prefix}`, { field: "ge" });
    return { p, ge, le, permit: e.action !== "deny" };
  });
  return mark((route: PolicyRoute) => {
    const r = route.prefix;
    const fam = r.afi === 1 ? 4 : 6;
    let words: readonly number[] | undefined;
    for (const c of compiled) {
      if (c.p.family !== fam || r.length < c.ge || r.length > c.le) continue;
      words ??= fam === 4 ? [fastIpv4(r.address) >>> 0, 0, 0, 0] : parseIpv6(r.address);
      if (prefixContains(c.p as IpPrefix, words)) return c.permit;
    }
    return false;
  }, false);
}

/**
 * A policy that accepts routes permitted by the prefix list and rejects the others.
 *
 * @example
 * ```ts
 * const customerRoutes = prefixList([{ prefix: "198.51.100.0/22", le: 24 }]);
 * ```
 */
export function prefixList(entries: readonly PrefixListEntry[]): Policy {
  return when(matchPrefixList(entries), acceptAll, rejectAll);
}

/**
 * The text form of an AS_PATH used by AS-path regular expressions: ASes of AS_SEQUENCE separated
 * by spaces, AS_SET as `{a,b}`, confederation segments in parentheses (`(a b)`, `[a,b]`).
 *
 * @example
 * ```ts
 * asPathText([{ type: "AS_SEQUENCE", asns: [1, 2] }, { type: "AS_SET", asns: [3, 4] }]); // "1 2 {3,4}"
 * ```
 */
export function asPathText(path: AsPath | undefined): string {
  const parts: string[] = [];
  for (const s of path ?? []) {
    if (s.type === "AS_SEQUENCE") parts.push(s.asns.join(" "));
    else if (s.type === "AS_SET") parts.push(`{${s.asns.join(",")}}`);
    else if (s.type === "AS_CONFED_SEQUENCE") parts.push(`(${s.asns.join(" ")})`);
    else parts.push(`[${s.asns.join(",")}]`);
  }
  return parts.join(" ");
}

/**
 * Matches the AS_PATH text ({@link asPathText}) against a regular expression in the Cisco/FRR
 * dialect: `_` matches a boundary (start, end, space, brace, parenthesis, comma).
 *
 * @example
 * ```ts
 * const fromCustomer = matchAsPath("^64501_"); // learned directly from AS 64501
 * const transits3356 = matchAsPath("_3356_");
 * ```
 */
export function matchAsPath(regex: string): Match {
  let re: RegExp;
  try {
    re = new RegExp(regex.replace(/_/g, "(?:^|$|[ {}()\\[\\],])"));
  } catch (e) {
    throw new BgpRibError(
      "BAD_REGEX",
      `bad AS-path regular expression: ${regex}`,
      {},
      { cause: e },
    );
  }
  return mark((route: PolicyRoute) => re.test(asPathText(route.attributes.asPath)), true);
}

/**
 * A community from its text (`"65000:100"` or a well-known name such as `"no-export"`).
 *
 * @example
 * ```ts
 * community("65000:100"); // 0xfde80064
 * community("no-export"); // 0xffffff01
 * ```
 */
export function community(text: string): number {
  const named: Record<string, number> = {
    "no-export": WELL_KNOWN_COMMUNITY.NO_EXPORT,
    "no-advertise": WELL_KNOWN_COMMUNITY.NO_ADVERTISE,
    "no-export-subconfed": WELL_KNOWN_COMMUNITY.NO_EXPORT_SUBCONFED,
    "local-as": WELL_KNOWN_COMMUNITY.NO_EXPORT_SUBCONFED,
    "no-peer": WELL_KNOWN_COMMUNITY.NOPEER,
    blackhole: WELL_KNOWN_COMMUNITY.BLACKHOLE,
    "graceful-shutdown": WELL_KNOWN_COMMUNITY.GRACEFUL_SHUTDOWN,
  };
  const n = named[text];
  if (n !== undefined) return n;
  const m = /^(\d+):(\d+)$/.exec(text);
  if (m === null || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff)
    throw new BgpRibError("BAD_COMMUNITY", `not a community: ${text}`);
  return ((Number(m[1]) << 16) | Number(m[2])) >>> 0;
}

/**
 * Matches routes carrying a community (RFC 1997).
 *
 * @example
 * ```ts
 * const blackhole = hasCommunity(community("blackhole"));
 * ```
 */
export function hasCommunity(value: number): Match {
  return mark((r: PolicyRoute) => r.attributes.communities?.includes(value) === true, true);
}

/**
 * Matches routes carrying a large community (RFC 8092).
 *
 * @example
 * ```ts
 * const m = hasLargeCommunity({ globalAdministrator: 64500, localDataPart1: 1, localDataPart2: 2 });
 * ```
 */
export function hasLargeCommunity(value: LargeCommunity): Match {
  return mark(
    (r: PolicyRoute) =>
      r.attributes.largeCommunities?.some(
        (c) =>
          c.globalAdministrator === value.globalAdministrator &&
          c.localDataPart1 === value.localDataPart1 &&
          c.localDataPart2 === value.localDataPart2,
      ) === true,
    true,
  );
}

/**
 * Sets LOCAL_PREF.
 *
 * @example
 * ```ts
 * const preferCustomers = setLocalPref(200);
 * ```
 */
export function setLocalPref(value: number): Policy {
  return mark((r: PolicyRoute) => ({ ...r.attributes, localPref: value >>> 0 }), true);
}

/**
 * Sets MULTI_EXIT_DISC (or removes it with `undefined`).
 *
 * @example
 * ```ts
 * const p = setMed(50);
 * ```
 */
export function setMed(value: number | undefined): Policy {
  return mark((r: PolicyRoute) => {
    const { multiExitDisc: _, ...rest } = r.attributes;
    return value === undefined ? rest : { ...rest, multiExitDisc: value >>> 0 };
  }, true);
}

/**
 * Sets the next hop: of an IPv4 route NEXT_HOP for an IPv4 address, an MP_REACH_NLRI of AFI 1
 * for an IPv6 one (RFC 8950: sent only to neighbours with Extended Next Hop Encoding); of an IPv6
 * route MP_REACH_NLRI's next hop. A link-local address's zone (`%eth0`) is left out.
 *
 * @example
 * ```ts
 * const p = setNextHop("192.0.2.254");
 * ```
 */
export function setNextHop(address: string): Policy {
  return mark((r: PolicyRoute) => withHop(r.attributes, nextHopOf(r.prefix.afi, [address])), true);
}

/**
 * Sets the next hop to our own address on the session (`next-hop-self` for the routes the policy
 * applies to), chosen as for `PeerConfig.nextHopSelf`: IPv4 routes get the session's IPv4
 * local address, or with Extended Next Hop Encoding its IPv6 addresses (RFC 8950); IPv6 routes its
 * global and link-local IPv6 addresses (RFC 2545). A route of a family the session has no
 * address for is left as it is.
 *
 * @example
 * ```ts
 * const p = when(hasCommunity(community("64500:100")), setNextHopSelf());
 * ```
 */
export function setNextHopSelf(): Policy {
  return mark((r: PolicyRoute) => {
    const hop = selfHop(r.peer, r.prefix.afi === 2);
    return hop === undefined ? r.attributes : withHop(r.attributes, hop);
  }, true);
}

/**
 * Returns attributes with the next hop replaced (IPv4 → NEXT_HOP, IPv6 → MP_REACH_NLRI).
 *
 * @example
 * ```ts
 * withNextHop({ origin: "IGP" }, "192.0.2.1").nextHop; // "192.0.2.1"
 * ```
 */
export function withNextHop(a: PathAttributes, address: string): PathAttributes {
  const mp = ipv6NextHopReach(address);
  return mp !== undefined ? { ...a, mpReachNlri: mp } : { ...a, nextHop: address };
}

/** The MP_REACH_NLRI (IPv6 unicast, no NLRI) carrying next hop `address`; none for IPv4. */
export function ipv6NextHopReach(
  address: string,
): NonNullable<PathAttributes["mpReachNlri"]> | undefined {
  return address.includes(":") ? { afi: 2, safi: 1, nextHop: [address], nlri: [] } : undefined;
}

/**
 * Prepends an AS `count` times to the leading AS_SEQUENCE.
 *
 * @example
 * ```ts
 * const depref = prepend(64500, 3);
 * ```
 */
export function prepend(asn: number, count = 1): Policy {
  return mark(
    (r: PolicyRoute) => ({
      ...r.attributes,
      asPath: prependAs(r.attributes.asPath ?? [], new Array<number>(count).fill(asn)),
    }),
    true,
  );
}

/**
 * Prepends ASes to the first segment of the given type (a new one when full or absent; at most
 * 255 ASes per segment, RFC 4271 §4.3).
 *
 * @example
 * ```ts
 * prependAs([{ type: "AS_SEQUENCE", asns: [2] }], [1]); // [{ type: "AS_SEQUENCE", asns: [1, 2] }]
 * ```
 */
export function prependAs(
  path: AsPath,
  asns: readonly number[],
  type: "AS_SEQUENCE" | "AS_CONFED_SEQUENCE" = "AS_SEQUENCE",
): AsPath {
  if (asns.length === 0) return path;
  const first = path[0];
  if (first?.type === type && first.asns.length + asns.length <= 255) {
    // Copied by index (not spread: the export of every route to an external neighbour runs this).
    const n = asns.length;
    const old = first.asns;
    const merged = new Array<number>(n + old.length);
    for (let i = 0; i < n; i++) merged[i] = asns[i]!;
    for (let i = 0; i < old.length; i++) merged[n + i] = old[i]!;
    const out = new Array<AsPath[number]>(path.length);
    out[0] = { type, asns: merged };
    for (let i = 1; i < path.length; i++) out[i] = path[i]!;
    return out;
  }
  const out = [...path];
  for (let i = asns.length; i > 0; i -= 255)
    out.unshift({ type, asns: asns.slice(Math.max(0, i - 255), i) });
  return out;
}

/**
 * The set of validity `states` asked for (one or several), each checked against `known`;
 * `BAD_VALIDITY` naming the unknown one (`what`: the kind of validity, for the message).
 */
export function validityStates(
  states: string | readonly string[],
  known: readonly string[],
  what: string,
): ReadonlySet<string> {
  const want = new Set<string>(typeof states === "string" ? [states] : states);
  for (const s of want)
    if (!known.includes(s))
      throw new BgpRibError("BAD_VALIDITY", `unknown ${what} ${JSON.stringify(s)}`, {
        field: "states",
      });
  return want;
}

/**
 * Whether an AS number is private (RFC 6996: 64512–65534 and 4200000000–4294967294).
 *
 * @example
 * ```ts
 * isPrivateAsn(64512); // true
 * isPrivateAsn(65535); // false (reserved, RFC 7300)
 * ```
 */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

/**
 * An AS_PATH with every ASN for which `which` holds replaced by `by`, or with `by` undefined
 * removed (segments left empty are dropped; AS_SET members are kept unique). The path itself
 * when nothing matches.
 *
 * @example
 * ```ts
 * replaceAsns([{ type: "AS_SEQUENCE", asns: [64512, 3356] }], isPrivateAsn);
 * // [{ type: "AS_SEQUENCE", asns: [3356] }]
 * replaceAsns([{ type: "AS_SEQUENCE", asns: [65001, 3356] }], (a) => a === 65001, 64500);
 * // [{ type: "AS_SEQUENCE", asns: [64500, 3356] }]
 * ```
 */
export function replaceAsns(path: AsPath, which: (asn: number) => boolean, by?: number): AsPath {
  if (!path.some((seg) => seg.asns.some(which))) return path;
  const out: AsPath[number][] = [];
  for (const seg of path) {
    let asns =
      by === undefined
        ? seg.asns.filter((a) => !which(a))
        : seg.asns.map((a) => (which(a) ? by : a));
    if (seg.type === "AS_SET" || seg.type === "AS_CONFED_SET") asns = [...new Set(asns)];
    if (asns.length > 0) out.push({ type: seg.type, asns });
  }
  return out;
}

/**
 * Adds communities (kept unique, in order).
 *
 * @example
 * ```ts
 * const tag = addCommunities([community("65000:100")]);
 * ```
 */
export function addCommunities(values: readonly number[]): Policy {
  return mark((r: PolicyRoute) => {
    const cur = r.attributes.communities ?? [];
    const add = values.filter((v) => !cur.includes(v));
    return add.length === 0 && r.attributes.communities !== undefined
      ? r.attributes
      : { ...r.attributes, communities: [...cur, ...add] };
  }, true);
}

/**
 * Deletes communities: the listed values, or those a predicate selects. An emptied list removes
 * the attribute.
 *
 * @example
 * ```ts
 * const scrub = deleteCommunities((c) => c >>> 16 === 65000);
 * ```
 */
export function deleteCommunities(which: readonly number[] | ((c: number) => boolean)): Policy {
  const pred = typeof which === "function" ? which : (c: number) => which.includes(c);
  return mark((r: PolicyRoute) => {
    const cur = r.attributes.communities;
    if (cur === undefined || !cur.some(pred)) return r.attributes;
    const kept = cur.filter((c) => !pred(c));
    const { communities: _, ...rest } = r.attributes;
    return kept.length === 0 ? rest : { ...rest, communities: kept };
  }, true);
}

const sameLarge = (a: LargeCommunity, b: LargeCommunity): boolean =>
  a.globalAdministrator === b.globalAdministrator &&
  a.localDataPart1 === b.localDataPart1 &&
  a.localDataPart2 === b.localDataPart2;

/**
 * Adds large communities (RFC 8092).
 *
 * @example
 * ```ts
 * const tag = addLargeCommunities([{ globalAdministrator: 64500, localDataPart1: 1, localDataPart2: 0 }]);
 * ```
 */
export function addLargeCommunities(values: readonly LargeCommunity[]): Policy {
  return mark((r: PolicyRoute) => {
    const cur = r.attributes.largeCommunities ?? [];
    const add = values.filter((v) => !cur.some((c) => sameLarge(c, v)));
    return add.length === 0 && r.attributes.largeCommunities !== undefined
      ? r.attributes
      : { ...r.attributes, largeCommunities: [...cur, ...add] };
  }, true);
}

/**
 * Deletes large communities selected by a predicate.
 *
 * @example
 * ```ts
 * const scrub = deleteLargeCommunities((c) => c.globalAdministrator === 64500);
 * ```
 */
export function deleteLargeCommunities(pred: (c: LargeCommunity) => boolean): Policy {
  return mark((r: PolicyRoute) => {
    const cur = r.attributes.largeCommunities;
    if (cur === undefined || !cur.some(pred)) return r.attributes;
    const kept = cur.filter((c) => !pred(c));
    const { largeCommunities: _, ...rest } = r.attributes;
    return kept.length === 0 ? rest : { ...rest, largeCommunities: kept };
  }, true);
}
