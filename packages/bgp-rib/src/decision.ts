/**
 * The BGP decision process, RFC 4271 §9.1, with the RFC 4456, RFC 5065 and RFC 5004 amendments and
 * the vendor options `always-compare-med`, `deterministic-med`, `ignore-as-path-length` and
 * `prefer-older`.
 *
 * The functions here work on plain {@link DecisionCandidate} records so that they can be tested
 * (and used) apart from the RIB; the RIB builds the records from its Adj-RIB-In.
 */

import { withoutZone } from "./ip";

/** How a route was learned, as the decision process sees it (RFC 4271 §9.1.2.2 (d), RFC 5065). */
export type PeerKind = "ebgp" | "ibgp" | "confed-ebgp" | "local";

/**
 * One candidate route for a prefix, reduced to the values the decision process compares.
 * Values are the *effective* ones: defaults (LOCAL_PREF, missing MED) are already applied by the
 * caller through {@link effectiveMed}.
 *
 * @example
 * ```ts
 * const c: DecisionCandidate = {
 *   reachable: true, localPref: 100, asPathLength: 2, origin: 0, med: 0, neighborAs: 65001,
 *   peerKind: "ebgp", igpCost: 0, arrival: 1, bgpIdentifier: 0x0a000001, clusterListLength: 0,
 *   peerAddress: "192.0.2.1", pathId: 0,
 * };
 * ```
 */
export interface DecisionCandidate {
  /** RFC 4271 §9.1.2.1: the NEXT_HOP resolves through the IGP / routing table. */
  readonly reachable: boolean;
  /** Degree of preference: LOCAL_PREF (RFC 4271 §9.1.1). */
  readonly localPref: number;
  /** AS_PATH length: AS_SET counts 1, confederation segments count 0 (RFC 5065 §5.3). */
  readonly asPathLength: number;
  /** ORIGIN: 0 IGP, 1 EGP, 2 INCOMPLETE. */
  readonly origin: number;
  /** MULTI_EXIT_DISC, with the missing-MED default applied. */
  readonly med: number;
  /** Neighbouring AS: the leftmost AS of the AS_PATH (0 when the path is empty). */
  readonly neighborAs: number;
  /** How the route was learned. */
  readonly peerKind: PeerKind;
  /** Interior cost to the NEXT_HOP (RFC 4271 §9.1.2.2 (e)). */
  readonly igpCost: number;
  /** Arrival order: smaller is older (RFC 5004). */
  readonly arrival: number;
  /** ORIGINATOR_ID if present, else the BGP Identifier of the peer (RFC 4456 §9), as uint32. */
  readonly bgpIdentifier: number;
  /** CLUSTER_LIST length (RFC 4456 §9). */
  readonly clusterListLength: number;
  /** Peer address, compared as an address (IPv4 sorts before IPv6, then numerically). */
  readonly peerAddress: string;
  /** ADD-PATH path identifier (RFC 7911); 0 without ADD-PATH. Last tie-breaker. */
  readonly pathId: number;
  /**
   * The route carries the LLGR_STALE community (RFC 9494 §4.3: a long-lived stale route, or one
   * received marked so): least preferred — it loses to every route without it, whatever else they
   * carry. Absent: false.
   */
  readonly llgrStale?: boolean;
}

/** Options of the decision process. All default to `false`. */
export interface DecisionOptions {
  /** Compare MED between routes from different neighbouring ASes. */
  readonly alwaysCompareMed?: boolean;
  /**
   * Compare MED within groups of the same neighbouring AS first (RFC 4271's set-wise rule), which
   * makes the result independent of the order of the candidates.
   */
  readonly deterministicMed?: boolean;
  /** Skip the AS_PATH length step. */
  readonly ignoreAsPathLength?: boolean;
  /** RFC 5004: between two eBGP routes, keep the older one before comparing BGP identifiers. */
  readonly preferOlder?: boolean;
  /** A missing MED counts as the worst value (2^32-1) instead of 0 (RFC 4271 §9.1.2.2 (c)). */
  readonly medMissingAsWorst?: boolean;
  /**
   * Multipath (ECMP, FRR's `maximum-paths`): when the best route was learned over eBGP, forward
   * over up to this many routes (the best included) — see {@link selectMultipath}. Default 1:
   * the best route only.
   */
  readonly maximumPaths?: number;
  /**
   * {@link DecisionOptions.maximumPaths} for a best route learned over iBGP or from a
   * confederation peer (FRR's `maximum-paths ibgp`). Default 1.
   */
  readonly maximumPathsIbgp?: number;
  /**
   * Multipath between routes whose AS_PATHs have equal length, not only between routes with the
   * same AS_PATH (FRR's `bgp bestpath as-path multipath-relax`).
   */
  readonly multipathRelax?: boolean;
}

/** The step of the decision process that decided a comparison. */
export type DecisionStep =
  | "next-hop-unresolvable"
  | "llgr-stale"
  | "local-pref"
  | "as-path-length"
  | "origin"
  | "med"
  | "ebgp-over-ibgp"
  | "igp-cost"
  | "prefer-older"
  | "bgp-identifier"
  | "cluster-list-length"
  | "neighbor-address"
  | "path-id"
  | "equal";

/**
 * The steps in the order the decision process applies them.
 *
 * @example
 * ```ts
 * DECISION_STEPS.indexOf("med") < DECISION_STEPS.indexOf("igp-cost"); // true
 * ```
 */
export const DECISION_STEPS: readonly DecisionStep[] = [
  "next-hop-unresolvable",
  "llgr-stale",
  "local-pref",
  "as-path-length",
  "origin",
  "med",
  "ebgp-over-ibgp",
  "igp-cost",
  "prefer-older",
  "bgp-identifier",
  "cluster-list-length",
  "neighbor-address",
  "path-id",
];

/**
 * The MED the decision process uses for a route (RFC 4271 §9.1.2.2 (c): a missing MED is the
 * lowest value, or the highest with `medMissingAsWorst`).
 *
 * @example
 * ```ts
 * effectiveMed(undefined, {}); // 0
 * effectiveMed(undefined, { medMissingAsWorst: true }); // 4294967295
 * ```
 */
export function effectiveMed(med: number | undefined, options: DecisionOptions): number {
  if (med !== undefined) return med;
  return options.medMissingAsWorst ? 0xffffffff : 0;
}

/** The result of comparing two candidates. */
export interface Comparison {
  /** Negative when the first candidate is preferred, positive for the second, 0 if identical. */
  readonly order: number;
  /** The step that decided. */
  readonly step: DecisionStep;
}

const isInternal = (k: PeerKind): boolean => k === "ibgp" || k === "confed-ebgp";

/**
 * Compares two peer addresses as addresses: IPv4 before IPv6, then numerically (link-local
 * addresses of one value on different interfaces by their zone's name).
 *
 * @example
 * ```ts
 * compareAddresses("192.0.2.9", "192.0.2.10") < 0; // true
 * ```
 */
export function compareAddresses(a: string, b: string): number {
  if (a === b) return 0;
  const a6 = a.includes(":");
  const b6 = b.includes(":");
  if (a6 !== b6) return a6 ? 1 : -1;
  if (!a6) {
    const x = ipv4ToNumber(a);
    const y = ipv4ToNumber(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  // A link-local neighbour's address has a zone (fe80::1%eth0): compared without it first.
  const x = expandIpv6(withoutZone(a));
  const y = expandIpv6(withoutZone(b));
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function ipv4ToNumber(s: string): number {
  const p = s.split(".");
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

function expandIpv6(s: string): string {
  const [head = "", tail] = s.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => g.padStart(4, "0")).join("");
}

/**
 * Compares two candidates pairwise, step by step (RFC 4271 §9.1.2.2 with the amendments).
 * MED is compared only between routes from the same neighbouring AS unless `alwaysCompareMed`.
 * Pairwise comparison is not transitive in general (see {@link selectBest}).
 *
 * @example
 * ```ts
 * const base = { reachable: true, localPref: 100, asPathLength: 2, origin: 0, med: 0,
 *   neighborAs: 1, peerKind: "ebgp", igpCost: 0, arrival: 0, bgpIdentifier: 1,
 *   clusterListLength: 0, peerAddress: "192.0.2.1", pathId: 0 } as const;
 * compareCandidates(base, { ...base, localPref: 200 }, {}).step; // "local-pref"
 * ```
 */
export function compareCandidates(
  a: DecisionCandidate,
  b: DecisionCandidate,
  options: DecisionOptions,
): Comparison {
  if (a.reachable !== b.reachable)
    return { order: a.reachable ? -1 : 1, step: "next-hop-unresolvable" };
  // RFC 9494 §4.3: a route marked LLGR_STALE is least preferred.
  const as = a.llgrStale === true;
  if (as !== (b.llgrStale === true)) return { order: as ? 1 : -1, step: "llgr-stale" };
  // RFC 4271 §9.1.1: the degree of preference.
  if (a.localPref !== b.localPref) return { order: b.localPref - a.localPref, step: "local-pref" };
  // RFC 4271 §9.1.2.2 (a).
  if (!options.ignoreAsPathLength && a.asPathLength !== b.asPathLength)
    return { order: a.asPathLength - b.asPathLength, step: "as-path-length" };
  // (b)
  if (a.origin !== b.origin) return { order: a.origin - b.origin, step: "origin" };
  // (c) only between routes from the same neighbouring AS.
  if (a.med !== b.med && (options.alwaysCompareMed === true || a.neighborAs === b.neighborAs))
    return { order: a.med < b.med ? -1 : 1, step: "med" };
  // (d) RFC 5065: confederation-external routes count as internal here.
  const ai = isInternal(a.peerKind);
  const bi = isInternal(b.peerKind);
  if (ai !== bi) return { order: ai ? 1 : -1, step: "ebgp-over-ibgp" };
  // (e)
  if (a.igpCost !== b.igpCost) return { order: a.igpCost < b.igpCost ? -1 : 1, step: "igp-cost" };
  // RFC 5004: both external (or locally originated), prefer the older route.
  if (options.preferOlder === true && !ai && !bi && a.arrival !== b.arrival)
    return { order: a.arrival < b.arrival ? -1 : 1, step: "prefer-older" };
  // (f) with ORIGINATOR_ID as identifier (RFC 4456 §9).
  if (a.bgpIdentifier !== b.bgpIdentifier)
    return { order: a.bgpIdentifier < b.bgpIdentifier ? -1 : 1, step: "bgp-identifier" };
  // RFC 4456 §9: shorter CLUSTER_LIST, between (f) and (g).
  if (a.clusterListLength !== b.clusterListLength)
    return { order: a.clusterListLength - b.clusterListLength, step: "cluster-list-length" };
  // (g)
  const addr = compareAddresses(a.peerAddress, b.peerAddress);
  if (addr !== 0) return { order: addr, step: "neighbor-address" };
  if (a.pathId !== b.pathId) return { order: a.pathId < b.pathId ? -1 : 1, step: "path-id" };
  return { order: 0, step: "equal" };
}

/**
 * Selects the best route among candidates; returns its index, or -1 when none is eligible
 * (every NEXT_HOP unresolvable, RFC 4271 §9.1.2.1).
 *
 * With `deterministicMed`, candidates are grouped by neighbouring AS, the best of each group is
 * chosen (MED applies within the group), and the group winners are compared — the RFC's set-wise
 * rule, independent of candidate order. Without it, candidates are compared pairwise in the given
 * order (the RIB passes them newest first, as most implementations do); since MED is then compared
 * only between some pairs, the result can depend on that order (RFC 4271 §9.1.2.2 (c) notes the
 * MED rule is not transitive).
 *
 * @example
 * ```ts
 * const base = { reachable: true, localPref: 100, asPathLength: 2, origin: 0, med: 0,
 *   neighborAs: 1, peerKind: "ebgp", igpCost: 0, arrival: 0, bgpIdentifier: 1,
 *   clusterListLength: 0, peerAddress: "192.0.2.1", pathId: 0 } as const;
 * selectBest([base, { ...base, asPathLength: 1, peerAddress: "192.0.2.2" }], {}); // 1
 * ```
 */
export function selectBest(
  candidates: readonly DecisionCandidate[],
  options: DecisionOptions,
): number {
  const n = candidates.length;
  if (n === 0) return -1;
  if (n === 1) return candidates[0]!.reachable ? 0 : -1;
  if (options.deterministicMed === true && options.alwaysCompareMed !== true) {
    // Best of each neighbouring-AS group (full comparison, MED included) ...
    const groupBest = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = candidates[i]!;
      if (!c.reachable) continue;
      const cur = groupBest.get(c.neighborAs);
      if (cur === undefined || compareCandidates(c, candidates[cur]!, options).order < 0)
        groupBest.set(c.neighborAs, i);
    }
    // ... then the group winners against each other (MED never applies across groups).
    let best = -1;
    for (const i of groupBest.values()) {
      if (best < 0 || compareCandidates(candidates[i]!, candidates[best]!, options).order < 0)
        best = i;
    }
    return best;
  }
  let best = -1;
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    if (!c.reachable) continue;
    if (best < 0 || compareCandidates(c, candidates[best]!, options).order < 0) best = i;
  }
  return best;
}

/** One line of {@link explainDecision}: a candidate, its rank, and why it lost. */
export interface RankedCandidate<C extends DecisionCandidate = DecisionCandidate> {
  /** 0 for the best route. */
  readonly rank: number;
  /** Index of the candidate in the input. */
  readonly index: number;
  /** The candidate. */
  readonly candidate: C;
  /** Whether the route is eligible at all (NEXT_HOP resolvable). */
  readonly eligible: boolean;
  /**
   * For rank > 0: the step that decided the comparison with the candidate ranked just above
   * (`undefined` for the best route). `"next-hop-unresolvable"` for ineligible routes.
   */
  readonly decidedBy: DecisionStep | undefined;
  /** For rank > 0: the input index of the candidate ranked just above. */
  readonly lostTo: number | undefined;
}

/**
 * Ranks all candidates: the best first (as {@link selectBest} chooses it), then the best of the
 * rest, and so on; each line says which step decided against the candidate ranked above it.
 *
 * @example
 * ```ts
 * const base = { reachable: true, localPref: 100, asPathLength: 2, origin: 0, med: 0,
 *   neighborAs: 1, peerKind: "ebgp", igpCost: 0, arrival: 0, bgpIdentifier: 1,
 *   clusterListLength: 0, peerAddress: "192.0.2.1", pathId: 0 } as const;
 * const ranked = explainDecision([base, { ...base, origin: 2, peerAddress: "192.0.2.2" }], {});
 * ranked[1]?.decidedBy; // "origin"
 * ```
 */
export function explainDecision<C extends DecisionCandidate>(
  candidates: readonly C[],
  options: DecisionOptions,
): RankedCandidate<C>[] {
  const remaining = candidates.map((_, i) => i);
  const out: RankedCandidate<C>[] = [];
  while (remaining.length > 0) {
    const pick = selectBest(
      remaining.map((i) => candidates[i]!),
      options,
    );
    if (pick < 0) break;
    const index = remaining[pick]!;
    remaining.splice(pick, 1);
    const prev = out[out.length - 1];
    const candidate = candidates[index]!;
    out.push({
      rank: out.length,
      index,
      candidate,
      eligible: true,
      decidedBy: prev === undefined ? undefined : decidingStep(prev.candidate, candidate, options),
      lostTo: prev?.index,
    });
  }
  // Ineligible routes last, in input order.
  const best = out[0]?.index;
  for (const index of remaining) {
    out.push({
      rank: out.length,
      index,
      candidate: candidates[index]!,
      eligible: false,
      decidedBy: "next-hop-unresolvable",
      lostTo: best,
    });
  }
  return out;
}

/** The step deciding `winner` over `loser`; with the MED rule's non-transitivity the pairwise
 * step may favour the loser, in which case the MED step of the group stage decided. */
function decidingStep(
  winner: DecisionCandidate,
  loser: DecisionCandidate,
  options: DecisionOptions,
): DecisionStep {
  const c = compareCandidates(winner, loser, options);
  if (c.order <= 0) return c.step;
  // Pairwise says the loser is better: it was eliminated by MED within its neighbour-AS group
  // (deterministic-med) or by order of comparison; report the MED step.
  return "med";
}

/**
 * The steps after which two candidates count as equally good for multipath: the tie-breakers
 * (RFC 4271 §9.1.2.2 (f), (g), RFC 4456, RFC 5004) that choose one route, not a better one.
 */
const TIE_BREAKERS: ReadonlySet<DecisionStep> = new Set<DecisionStep>([
  "prefer-older",
  "bgp-identifier",
  "cluster-list-length",
  "neighbor-address",
  "path-id",
  "equal",
]);

/**
 * Orders two candidates by the tie-breaking steps only (the older first when `preferOlder` and
 * both are external, then BGP Identifier, CLUSTER_LIST length, neighbour address, Path
 * Identifier): a total order, unlike {@link compareCandidates} with MED.
 */
function tieBreak(a: DecisionCandidate, b: DecisionCandidate, options: DecisionOptions): number {
  if (
    options.preferOlder === true &&
    !isInternal(a.peerKind) &&
    !isInternal(b.peerKind) &&
    a.arrival !== b.arrival
  )
    return a.arrival < b.arrival ? -1 : 1;
  if (a.bgpIdentifier !== b.bgpIdentifier) return a.bgpIdentifier < b.bgpIdentifier ? -1 : 1;
  if (a.clusterListLength !== b.clusterListLength) return a.clusterListLength - b.clusterListLength;
  const addr = compareAddresses(a.peerAddress, b.peerAddress);
  if (addr !== 0) return addr;
  return a.pathId < b.pathId ? -1 : a.pathId > b.pathId ? 1 : 0;
}

/** What {@link selectMultipath} needs besides the candidates' decision values. */
export interface MultipathInputs {
  /** The next hop each candidate forwards to (`undefined`: none, never multipath). */
  readonly nextHops: readonly (string | undefined)[];
  /** Whether candidates `i` and `j` have the same AS_PATH. */
  readonly sameAsPath: (i: number, j: number) => boolean;
}

/**
 * The routes to forward over (multipath, ECMP): the best route first, then those as good as the
 * best as FRR's `maximum-paths` counts them — each compared with the best, the decision process
 * decides only at a tie-breaker (the steps after IGP cost: equal LOCAL_PREF, AS_PATH length,
 * ORIGIN, MED where compared, eBGP or iBGP alike, equal IGP cost), its NEXT_HOP resolvable, and
 * the same AS_PATH as the best (with `multipathRelax`, one of the same length). Not locally
 * originated routes. In tie-breaking order ({@link DecisionOptions.preferOlder}, BGP Identifier,
 * CLUSTER_LIST length, neighbour address, Path Identifier); a route whose next hop is already in
 * the list is skipped, and the list stops at `maximumPaths` (`maximumPathsIbgp` when the best was
 * learned over iBGP or from a confederation peer). Returns candidate indices: `[]` when `best` is
 * -1, `[best]` when nothing else qualifies or multipath is off.
 *
 * @example
 * ```ts
 * const base = { reachable: true, localPref: 100, asPathLength: 1, origin: 0, med: 0,
 *   neighborAs: 65001, peerKind: "ebgp", igpCost: 0, arrival: 0, bgpIdentifier: 1,
 *   clusterListLength: 0, peerAddress: "192.0.2.1", pathId: 0 } as const;
 * const other = { ...base, bgpIdentifier: 2, peerAddress: "192.0.2.2" };
 * selectMultipath([base, other], 0, { maximumPaths: 4 }, {
 *   nextHops: ["192.0.2.1", "192.0.2.2"], sameAsPath: () => true,
 * }); // [0, 1]
 * ```
 */
export function selectMultipath(
  candidates: readonly DecisionCandidate[],
  best: number,
  options: DecisionOptions,
  inputs: MultipathInputs,
): number[] {
  if (best < 0) return [];
  const b = candidates[best]!;
  const internal = isInternal(b.peerKind);
  const max = (internal ? options.maximumPathsIbgp : options.maximumPaths) ?? 1;
  const bestHop = inputs.nextHops[best];
  if (max <= 1 || b.peerKind === "local" || bestHop === undefined) return [best];
  const members: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (i === best || !c.reachable || c.peerKind === "local" || inputs.nextHops[i] === undefined)
      continue;
    if (!TIE_BREAKERS.has(compareCandidates(b, c, options).step)) continue;
    if (
      options.multipathRelax === true
        ? c.asPathLength !== b.asPathLength
        : !inputs.sameAsPath(best, i)
    )
      continue;
    members.push(i);
  }
  members.sort((x, y) => tieBreak(candidates[x]!, candidates[y]!, options));
  const out = [best];
  const hops = new Set([bestHop]);
  for (let k = 0; k < members.length && out.length < max; k++) {
    const hop = inputs.nextHops[members[k]!]!;
    if (hops.has(hop)) continue;
    hops.add(hop);
    out.push(members[k]!);
  }
  return out;
}
