// A naive decision process written straight from the RFC text, set-wise elimination as in
// RFC 4271 §9.1.2.2, for tests only (it is not exported). Deliberately shares no code with
// decision.ts.
import type { DecisionCandidate, DecisionOptions } from "../src/decision";

function addrKey(a: string): string {
  if (!a.includes(":"))
    return `4${a
      .split(".")
      .map((x) => Number(x).toString(16).padStart(2, "0"))
      .join("")}`;
  const [h = "", t] = a.split("::");
  const hs = h === "" ? [] : h.split(":");
  const ts = t === undefined || t === "" ? [] : t.split(":");
  const mid = t === undefined ? [] : Array(8 - hs.length - ts.length).fill("0");
  return `6${[...hs, ...mid, ...ts].map((g) => g.padStart(4, "0")).join("")}`;
}

/** Returns the index of the best candidate, or -1. */
export function referenceSelectBest(
  cands: readonly DecisionCandidate[],
  o: DecisionOptions,
): number {
  // §9.1.2.1: unresolvable NEXT_HOP routes are excluded.
  let s = cands.map((c, i) => ({ c, i })).filter((x) => x.c.reachable);
  if (s.length === 0) return -1;
  const keepMin = (f: (c: DecisionCandidate) => number): void => {
    const m = Math.min(...s.map((x) => f(x.c)));
    s = s.filter((x) => f(x.c) === m);
  };
  // RFC 9494 §4.3: routes marked LLGR_STALE are least preferred (kept only when all are).
  if (s.some((x) => x.c.llgrStale !== true)) s = s.filter((x) => x.c.llgrStale !== true);
  // §9.1.1: highest degree of preference (LOCAL_PREF).
  keepMin((c) => -c.localPref);
  // (a) shortest AS_PATH.
  if (!o.ignoreAsPathLength) keepMin((c) => c.asPathLength);
  // (b) lowest ORIGIN.
  keepMin((c) => c.origin);
  // (c) remove routes whose MED is higher than the lowest MED among routes from the same
  // neighbouring AS (or among all routes with always-compare-med).
  const snapshot = s;
  s = s.filter(
    (x) =>
      !snapshot.some(
        (y) => (o.alwaysCompareMed || y.c.neighborAs === x.c.neighborAs) && y.c.med < x.c.med,
      ),
  );
  // (d) if any route was learned from an external peer, drop those learned internally
  // (confederation-external counts as internal, RFC 5065).
  const internal = (c: DecisionCandidate) => c.peerKind === "ibgp" || c.peerKind === "confed-ebgp";
  if (s.some((x) => !internal(x.c))) s = s.filter((x) => !internal(x.c));
  // (e) lowest interior cost.
  keepMin((c) => c.igpCost);
  // RFC 5004: among external routes only, keep the oldest.
  if (o.preferOlder && s.every((x) => !internal(x.c))) keepMin((c) => c.arrival);
  // (f) lowest BGP Identifier (ORIGINATOR_ID when present, RFC 4456).
  keepMin((c) => c.bgpIdentifier);
  // RFC 4456 §9: shortest CLUSTER_LIST.
  keepMin((c) => c.clusterListLength);
  // (g) lowest peer address.
  const best = s.map((x) => addrKey(x.c.peerAddress)).sort()[0];
  s = s.filter((x) => addrKey(x.c.peerAddress) === best);
  keepMin((c) => c.pathId);
  return s[0]!.i;
}

/**
 * Multipath as documented for `selectMultipath`, written from that text without its code: every
 * other candidate equal to the best on each value compared before the tie-breakers, ranked by the
 * tie-breakers' values as one key, taken while its next hop is new and the list is short enough.
 */
export function referenceMultipath(
  cands: readonly DecisionCandidate[],
  best: number,
  o: DecisionOptions,
  nextHops: readonly (string | undefined)[],
  pathKeys: readonly string[],
): number[] {
  if (best < 0) return [];
  const b = cands[best]!;
  const inside = (c: DecisionCandidate) => c.peerKind === "ibgp" || c.peerKind === "confed-ebgp";
  const limit = inside(b) ? (o.maximumPathsIbgp ?? 1) : (o.maximumPaths ?? 1);
  if (limit < 2 || b.peerKind === "local" || nextHops[best] === undefined) return [best];
  const equal = cands
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => {
      if (i === best || !c.reachable || c.peerKind === "local" || nextHops[i] === undefined)
        return false;
      if ((c.llgrStale === true) !== (b.llgrStale === true)) return false;
      if (c.localPref !== b.localPref || c.origin !== b.origin) return false;
      if (!o.ignoreAsPathLength && c.asPathLength !== b.asPathLength) return false;
      if ((o.alwaysCompareMed || c.neighborAs === b.neighborAs) && c.med !== b.med) return false;
      if (inside(c) !== inside(b) || c.igpCost !== b.igpCost) return false;
      return o.multipathRelax ? c.asPathLength === b.asPathLength : pathKeys[i] === pathKeys[best];
    });
  const key = ({ c }: { c: DecisionCandidate }) =>
    [
      o.preferOlder && !inside(b) ? String(c.arrival).padStart(6, "0") : "",
      String(c.bgpIdentifier).padStart(10, "0"),
      String(c.clusterListLength).padStart(5, "0"),
      addrKey(c.peerAddress),
      String(c.pathId).padStart(10, "0"),
    ].join("|");
  equal.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const out = [best];
  for (const { i } of equal) {
    if (out.length >= limit) break;
    if (out.some((j) => nextHops[j] === nextHops[i])) continue;
    out.push(i);
  }
  return out;
}
