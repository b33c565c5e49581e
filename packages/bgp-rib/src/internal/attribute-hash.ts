import type {
  AsPath,
  ExtendedCommunity,
  LargeCommunity,
  PathAttributes,
  UnknownAttribute,
} from "@dyninfra/bgp-wire";

// Structural hash and equality of attribute sets with the semantics of bgp-wire's
// `pathAttributesKey` (equal keys ⇔ equal sets), without building a string: the RIB interns
// one set per UPDATE, so this is on the ingest hot path.

const ORIGIN_CODE: Record<string, number> = { IGP: 1, EGP: 2, INCOMPLETE: 3 };

export function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 0x01000193);
  return h ^ (h >>> 15);
}

/**
 * Numbers in attributes are integers below 2^32 (ASNs, MED, LOCAL_PREF, communities): `v | 0`
 * keeps all their bits (equality is checked exactly anyway).
 */
function num(h: number, v: number): number {
  return mix(h, v);
}

export function str(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function bytes(h: number, b: Uint8Array): number {
  h = mix(h, b.length);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

export function path(h: number, p: AsPath): number {
  h = mix(h, p.length);
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const asns = seg.asns;
    // The segment types have distinct lengths (AS_SET 6, AS_SEQUENCE 11, AS_CONFED_SET 13,
    // AS_CONFED_SEQUENCE 18): hashing the length is as good as hashing the text, and cheaper.
    h = mix(h, seg.type.length);
    h = mix(h, asns.length);
    for (let k = 0; k < asns.length; k++) h = num(h, asns[k]!);
  }
  return h;
}

/**
 * LOCAL_PREF's share of {@link attributesHash}: XORed in last, so that the hash of a set that
 * differs from a stored one only in LOCAL_PREF (what iBGP export makes) follows from the stored
 * set's hash without hashing the rest again.
 */
export function localPrefTerm(lp: number | undefined): number {
  if (lp === undefined) return 0;
  let h = Math.imul(lp ^ 0x27d4eb2f, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 1;
}

/** 32-bit hash of an attribute set (fields in a fixed order, each tagged). */
export function attributesHash(a: PathAttributes): number {
  let h = 0x811c9dc5 | 0;
  if (a.origin !== undefined) h = mix(mix(h, 1), ORIGIN_CODE[a.origin] ?? 4);
  if (a.asPath !== undefined) h = path(mix(h, 2), a.asPath);
  if (a.nextHop !== undefined) h = str(mix(h, 3), a.nextHop);
  if (a.multiExitDisc !== undefined) h = num(mix(h, 4), a.multiExitDisc);
  if (a.atomicAggregate) h = mix(h, 6);
  if (a.aggregator !== undefined) h = str(num(mix(h, 7), a.aggregator.asn), a.aggregator.address);
  if (a.communities !== undefined) {
    h = mix(mix(h, 8), a.communities.length);
    for (let i = 0; i < a.communities.length; i++) h = num(h, a.communities[i]!);
  }
  if (a.originatorId !== undefined) h = str(mix(h, 9), a.originatorId);
  if (a.clusterList !== undefined) {
    h = mix(mix(h, 10), a.clusterList.length);
    for (let i = 0; i < a.clusterList.length; i++) h = str(h, a.clusterList[i]!);
  }
  const r = a.mpReachNlri;
  if (r !== undefined) {
    h = mix(mix(mix(mix(h, 14), r.afi), r.safi), r.nextHop.length);
    for (let i = 0; i < r.nextHop.length; i++) h = str(h, r.nextHop[i]!);
    if (r.opaque !== undefined) h = bytes(mix(h, 15), r.opaque.nextHop);
  }
  if (a.extendedCommunities !== undefined) {
    h = mix(mix(h, 16), a.extendedCommunities.length);
    for (const e of a.extendedCommunities) h = bytes(mix(mix(h, e.type), e.subType), e.value);
  }
  if (a.as4Path !== undefined) h = path(mix(h, 17), a.as4Path);
  if (a.as4Aggregator !== undefined)
    h = str(num(mix(h, 18), a.as4Aggregator.asn), a.as4Aggregator.address);
  if (a.largeCommunities !== undefined) {
    h = mix(mix(h, 32), a.largeCommunities.length);
    for (const c of a.largeCommunities)
      h = num(num(num(h, c.globalAdministrator), c.localDataPart1), c.localDataPart2);
  }
  if (a.onlyToCustomer !== undefined) h = num(mix(h, 35), a.onlyToCustomer);
  if (a.unknown !== undefined) {
    h = mix(mix(h, 255), a.unknown.length);
    for (const u of a.unknown) h = bytes(mix(mix(h, u.typeCode), u.flags & 0xe0), u.value);
  }
  return (h ^ localPrefTerm(a.localPref)) | 0;
}

function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function pathEqual(x: AsPath | undefined, y: AsPath | undefined): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]!;
    const t = y[i]!;
    if (s.type !== t.type || s.asns.length !== t.asns.length) return false;
    for (let k = 0; k < s.asns.length; k++) if (s.asns[k] !== t.asns[k]) return false;
  }
  return true;
}

export function listEqual<T>(
  x: readonly T[] | undefined,
  y: readonly T[] | undefined,
  eq: (a: T, b: T) => boolean,
): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!eq(x[i]!, y[i]!)) return false;
  return true;
}

const same = <T>(a: T, b: T): boolean => a === b;
const extEqual = (x: ExtendedCommunity, y: ExtendedCommunity): boolean =>
  x.type === y.type && x.subType === y.subType && bytesEqual(x.value, y.value);
const largeEqual = (x: LargeCommunity, y: LargeCommunity): boolean =>
  x.globalAdministrator === y.globalAdministrator &&
  x.localDataPart1 === y.localDataPart1 &&
  x.localDataPart2 === y.localDataPart2;
const unknownEqual = (x: UnknownAttribute, y: UnknownAttribute): boolean =>
  x.typeCode === y.typeCode &&
  (x.flags & 0xe0) === (y.flags & 0xe0) &&
  bytesEqual(x.value, y.value);

/**
 * Equality in the sense of `pathAttributesKey` (see {@link attributesHash}); with
 * `ignoreLocalPref`, of everything but LOCAL_PREF.
 */
export function attributesEqual(
  a: PathAttributes,
  b: PathAttributes,
  ignoreLocalPref = false,
): boolean {
  if (a === b) return true;
  if (
    a.origin !== b.origin ||
    a.nextHop !== b.nextHop ||
    a.multiExitDisc !== b.multiExitDisc ||
    (a.localPref !== b.localPref && !ignoreLocalPref) ||
    (a.atomicAggregate === true) !== (b.atomicAggregate === true) ||
    a.originatorId !== b.originatorId
  )
    return false;
  if (!pathEqual(a.asPath, b.asPath)) return false;
  if (!listEqual(a.communities, b.communities, same)) return false;
  if (!listEqual(a.clusterList, b.clusterList, same)) return false;
  const g = a.aggregator;
  const h = b.aggregator;
  if (g !== h && (g === undefined || h === undefined || g.asn !== h.asn || g.address !== h.address))
    return false;
  const r = a.mpReachNlri;
  const s = b.mpReachNlri;
  if (r !== s) {
    if (r === undefined || s === undefined || r.afi !== s.afi || r.safi !== s.safi) return false;
    if (!listEqual(r.nextHop, s.nextHop, same)) return false;
    if ((r.opaque === undefined) !== (s.opaque === undefined)) return false;
    if (r.opaque !== undefined && !bytesEqual(r.opaque.nextHop, s.opaque!.nextHop)) return false;
  }
  if (!listEqual(a.extendedCommunities, b.extendedCommunities, extEqual)) return false;
  if (!pathEqual(a.as4Path, b.as4Path)) return false;
  const g4 = a.as4Aggregator;
  const h4 = b.as4Aggregator;
  if (
    g4 !== h4 &&
    (g4 === undefined || h4 === undefined || g4.asn !== h4.asn || g4.address !== h4.address)
  )
    return false;
  if (!listEqual(a.largeCommunities, b.largeCommunities, largeEqual)) return false;
  if (a.onlyToCustomer !== b.onlyToCustomer) return false;
  return listEqual(a.unknown, b.unknown, unknownEqual);
}
