import {
  AspaTable,
  type AspaValidity,
  acceptAll,
  addCommunities,
  addLargeCommunities,
  chain,
  community,
  deleteCommunities,
  deleteLargeCommunities,
  hasLargeCommunity,
  type Match,
  matchAsPath,
  matchAspaValidity,
  matchOriginValidity,
  matchPrefixList,
  type OriginValidity,
  type Policy,
  type PolicyRoute,
  type PrefixListEntry,
  prepend,
  type RoaTable,
  rejectAll,
  setLocalPref,
  setMed,
  setNextHop,
  setNextHopSelf,
  when,
} from "@dyninfra/bgp-rib";
import type { LargeCommunity, PathAttributes } from "@dyninfra/bgp-wire";
import { BgpSpeakerError } from "./errors";

/**
 * What a policy term matches: every condition given must hold (none given: every route).
 * Communities are `"65000:100"` or a well-known name (`"no-export"`, `"blackhole"`…), large
 * communities `"64500:1:2"`.
 */
export interface PolicyMatchSpec {
  /** A prefix list (Cisco/FRR semantics, `ge`/`le`, first matching entry decides). */
  readonly prefixList?: readonly PrefixListEntry[];
  /** An AS-path regular expression (Cisco/FRR dialect: `_` is a boundary), e.g. `"^64501_"`. */
  readonly asPath?: string;
  /**
   * The route carries a community (RFC 1997) matching this: `"65000:100"`, a well-known name, or
   * a pattern with `*` for either half (`"65000:*"`, `"*:666"`).
   */
  readonly community?: string;
  /**
   * The AS_PATH length (as the decision process counts it, RFC 4271 §9.1.2.2: an AS_SET counts
   * one, confederation segments nothing) is at least `min` / at most `max`.
   */
  readonly asPathLength?: { readonly min?: number; readonly max?: number };
  /** The route carries this large community (RFC 8092). */
  readonly largeCommunity?: string;
  /**
   * The route's Route Origin Validation state against the router's VRPs (RFC 6811): one state
   * or any of several. Import policies only (routes are decided again when the VRPs change).
   */
  readonly rpki?: OriginValidity | readonly OriginValidity[];
  /**
   * The route's ASPA-based AS_PATH validity (`@dyninfra/bgp-rib`'s `verifyAspa`, by the
   * neighbour's `role`; routes of a neighbour without one never match) against the router's
   * ASPAs: one state or any of several. Import policies only.
   */
  readonly aspa?: AspaValidity | readonly AspaValidity[];
}

/** What a policy term changes, in this order: LOCAL_PREF, MED, next hop, AS_PATH, communities. */
export interface PolicySetSpec {
  readonly localPref?: number;
  readonly med?: number;
  /**
   * The next hop: an IPv4 or IPv6 address, or `"self"` — the router's own address on the session
   * the policy is applied to (its local address for IPv4 routes, its local IPv6 address for IPv6
   * ones; unchanged for a family it has none for): next-hop-self for the routes a term matches.
   */
  readonly nextHop?: string;
  /** Prepends the router's own AS this many times (1–10). */
  readonly prepend?: number;
  readonly addCommunities?: readonly string[];
  /** Communities to delete: values, well-known names, or patterns (`"65000:*"`; `"*"`: all). */
  readonly deleteCommunities?: readonly string[];
  readonly addLargeCommunities?: readonly string[];
  readonly deleteLargeCommunities?: readonly string[];
}

/**
 * One term of a policy ({@link RouterSpec.policies}): when `match` holds, `set` is applied and
 * `action` says what follows — `"accept"` the route (as changed), `"reject"` it, or `"next"`: go
 * on to the following terms with the route as changed. A route no term accepts is rejected (as
 * route maps end with an implicit deny).
 */
export interface PolicyTerm {
  readonly match?: PolicyMatchSpec;
  readonly set?: PolicySetSpec;
  readonly action: "accept" | "reject" | "next";
}

/** Named policies of a router's configuration: ordered terms. */
export type PolicyDefinitions = Readonly<Record<string, readonly PolicyTerm[]>>;

/** Policy names with a built-in meaning (see {@link ImportPolicyName}). */
export const BUILT_IN_POLICIES: readonly string[] = Object.freeze([
  "accept",
  "reject",
  "reject-invalid",
  "reject-aspa-invalid",
]);

/** A compiled named policy: the function, and whether it matches on RPKI validity. */
export interface CompiledPolicy {
  readonly policy: Policy;
  readonly usesRpki: boolean;
  /** Whether it matches on ASPA validity (its routes are decided again when the ASPAs change). */
  readonly usesAspa: boolean;
}

/** A large community from its text `global:local1:local2` (each 0..2^32-1); undefined if not one. */
export function parseLargeCommunity(text: string): LargeCommunity | undefined {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (m === null) return undefined;
  const [g, a, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (g > 0xffffffff || a > 0xffffffff || b > 0xffffffff) return undefined;
  return { globalAdministrator: g, localDataPart1: a, localDataPart2: b };
}

const bad = (field: string, why: string): never => {
  throw new BgpSpeakerError("BAD_CONFIG", `configuration: ${field} ${why}`, { field });
};

/** All of the matches (prefix-independent when all are). */
function all(ms: readonly Match[]): Match {
  if (ms.length === 1) return ms[0]!;
  return Object.assign((r: Parameters<Match>[0]) => ms.every((m) => m(r)), {
    prefixIndependent: ms.every((m) => m.prefixIndependent === true),
  });
}

/**
 * A community pattern: `"*"` (any), `"a:*"`, `"*:b"`, or an exact community (see
 * {@link communityOf}); undefined when the text is none of these.
 */
function communityPattern(text: string, field: string): (c: number) => boolean {
  if (text === "*") return () => true;
  const m = /^(\*|\d{1,5}):(\*|\d{1,5})$/.exec(text);
  if (m !== null && (m[1] === "*" || m[2] === "*")) {
    const hi = m[1] === "*" ? -1 : Number(m[1]);
    const lo = m[2] === "*" ? -1 : Number(m[2]);
    if (hi > 0xffff || lo > 0xffff)
      bad(field, `is not a community pattern: ${JSON.stringify(text)}`);
    return (c) => (hi < 0 || c >>> 16 === hi) && (lo < 0 || (c & 0xffff) === lo);
  }
  const v = communityOf(text, field);
  return (c) => c === v;
}

/** AS_PATH length as RFC 4271 §9.1.2.2 counts it (AS_SET one, confederation segments nothing). */
function pathLength(path: PathAttributes["asPath"]): number {
  let n = 0;
  for (const seg of path ?? [])
    if (seg.type === "AS_SEQUENCE") n += seg.asns.length;
    else if (seg.type === "AS_SET") n += 1;
  return n;
}

function communityOf(text: string, field: string): number {
  try {
    return community(text);
  } catch {
    return bad(
      field,
      `is not a community ("65000:100" or a well-known name): ${JSON.stringify(text)}`,
    );
  }
}

function largeOf(text: string, field: string): LargeCommunity {
  return (
    parseLargeCommunity(text) ??
    bad(field, `is not a large community ("global:local1:local2"): ${JSON.stringify(text)}`)
  );
}

/**
 * Compiles a named policy's terms into a `@dyninfra/bgp-rib` {@link Policy} (the built-ins
 * `when`, `chain`, `matchPrefixList`, `setLocalPref`…). `asn`: the router's AS (for `prepend`);
 * `roas`: its VRPs (for `match.rpki`, read when the policy runs, so that they may change). Errors
 * are `BAD_CONFIG` {@link BgpSpeakerError}s naming the field (`policies.in[2].set.med`).
 *
 * @example
 * ```ts
 * import { RoaTable } from "@dyninfra/bgp-rib";
 * import { compilePolicy } from "@dyninfra/bgp-speaker";
 * const { policy } = compilePolicy(
 *   [
 *     { match: { community: "65535:666" }, action: "reject" },
 *     { match: { prefixList: [{ prefix: "198.51.100.0/22", le: 24 }] }, set: { localPref: 200 }, action: "accept" },
 *   ],
 *   { asn: 64500, roas: new RoaTable([]), field: "policies.customer" },
 * );
 * ```
 */
export function compilePolicy(
  terms: readonly PolicyTerm[],
  context: {
    readonly asn: number;
    readonly roas: RoaTable;
    readonly field: string;
    /** The ASPAs of `match.aspa` (read when the policy runs); none without. */
    readonly aspas?: AspaTable;
  },
): CompiledPolicy {
  let usesRpki = false;
  let usesAspa = false;
  let rest: Policy = rejectAll;
  for (let i = terms.length - 1; i >= 0; i--) {
    const t = terms[i]!;
    const f = `${context.field}[${i}]`;
    const matches: Match[] = [];
    const m = t.match ?? {};
    if (m.prefixList !== undefined) {
      try {
        matches.push(matchPrefixList(m.prefixList));
      } catch (e) {
        bad(`${f}.match.prefixList`, (e as Error).message);
      }
    }
    if (m.asPath !== undefined) {
      try {
        matches.push(matchAsPath(m.asPath));
      } catch (e) {
        bad(`${f}.match.asPath`, (e as Error).message);
      }
    }
    if (m.community !== undefined) {
      const want = communityPattern(m.community, `${f}.match.community`);
      matches.push(
        Object.assign((r: PolicyRoute) => r.attributes.communities?.some(want) === true, {
          prefixIndependent: true,
        }),
      );
    }
    if (m.asPathLength !== undefined) {
      const min = m.asPathLength.min ?? 0;
      const max = m.asPathLength.max ?? Number.POSITIVE_INFINITY;
      matches.push(
        Object.assign(
          (r: PolicyRoute) => {
            const n = pathLength(r.attributes.asPath);
            return n >= min && n <= max;
          },
          { prefixIndependent: true },
        ),
      );
    }
    if (m.largeCommunity !== undefined)
      matches.push(hasLargeCommunity(largeOf(m.largeCommunity, `${f}.match.largeCommunity`)));
    if (m.rpki !== undefined) {
      usesRpki = true;
      try {
        matches.push(matchOriginValidity(context.roas, m.rpki, { localAs: context.asn }));
      } catch (e) {
        bad(`${f}.match.rpki`, (e as Error).message);
      }
    }
    if (m.aspa !== undefined) {
      usesAspa = true;
      try {
        matches.push(matchAspaValidity(context.aspas ?? new AspaTable(), m.aspa));
      } catch (e) {
        bad(`${f}.match.aspa`, (e as Error).message);
      }
    }
    const s = t.set ?? {};
    const sets: Policy[] = [];
    if (s.localPref !== undefined) sets.push(setLocalPref(s.localPref));
    if (s.med !== undefined) sets.push(setMed(s.med));
    if (s.nextHop !== undefined)
      sets.push(s.nextHop === "self" ? setNextHopSelf() : setNextHop(s.nextHop));
    if (s.prepend !== undefined) sets.push(prepend(context.asn, s.prepend));
    if (s.addCommunities !== undefined)
      sets.push(
        addCommunities(
          s.addCommunities.map((c, k) => communityOf(c, `${f}.set.addCommunities[${k}]`)),
        ),
      );
    if (s.deleteCommunities !== undefined) {
      const del = s.deleteCommunities.map((c, k) =>
        communityPattern(c, `${f}.set.deleteCommunities[${k}]`),
      );
      sets.push(deleteCommunities((c) => del.some((d) => d(c))));
    }
    if (s.addLargeCommunities !== undefined)
      sets.push(
        addLargeCommunities(
          s.addLargeCommunities.map((c, k) => largeOf(c, `${f}.set.addLargeCommunities[${k}]`)),
        ),
      );
    if (s.deleteLargeCommunities !== undefined) {
      const text = (c: LargeCommunity) =>
        `${c.globalAdministrator}:${c.localDataPart1}:${c.localDataPart2}`;
      const del = new Set(
        s.deleteLargeCommunities.map((c, k) =>
          text(largeOf(c, `${f}.set.deleteLargeCommunities[${k}]`)),
        ),
      );
      sets.push(deleteLargeCommunities((c) => del.has(text(c))));
    }
    const then: Policy =
      t.action === "reject"
        ? rejectAll
        : t.action === "accept"
          ? sets.length === 0
            ? acceptAll
            : chain(...sets)
          : chain(...sets, rest);
    rest = matches.length === 0 ? then : when(all(matches), then, rest);
  }
  return { policy: rest, usesRpki, usesAspa };
}
