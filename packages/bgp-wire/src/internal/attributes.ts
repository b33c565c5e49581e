// Path attribute decoding with RFC 7606 per-attribute error rules, and canonical encoding.
import { BgpWireError } from "../errors";
import type { AttributeWireLayout } from "../messages";
import type {
  Aggregator,
  AsPath,
  AsPathSegment,
  AsPathSegmentType,
  ExtendedCommunity,
  LargeCommunity,
  MpReachNlri,
  MpUnreachNlri,
  Origin,
  PathAttributes,
  UnknownAttribute,
} from "../path-attributes";
import type { Prefix } from "../prefix";
import type { SessionContext } from "../session-context";
import { hasAddPath } from "../session-context";
import type { UpdateError, UpdateErrorAction } from "../update-error";
import { ipv4TextShared, ipv6Text, parseIpv4, parseIpv6 } from "./ip";
import { decodePrefixes, encodePrefix } from "./nlri";
import { ByteWriter } from "./writer";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ORIGINS: readonly Origin[] = ["IGP", "EGP", "INCOMPLETE"];
const SEG_TYPES: readonly (AsPathSegmentType | undefined)[] = [
  undefined,
  "AS_SET",
  "AS_SEQUENCE",
  "AS_CONFED_SEQUENCE",
  "AS_CONFED_SET",
];
const SEG_CODE: Record<AsPathSegmentType, number> = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
};

/** Expected Optional/Transitive bits of the attributes this package interprets. */
export const KNOWN_FLAGS: Record<number, number> = {
  1: 0x40,
  2: 0x40,
  3: 0x40,
  4: 0x80,
  5: 0x40,
  6: 0x40,
  7: 0xc0,
  8: 0xc0,
  9: 0x80,
  10: 0x80,
  14: 0x80,
  15: 0x80,
  16: 0xc0,
  17: 0xc0,
  18: 0xc0,
  32: 0xc0,
  35: 0xc0,
};

const NAMES: Record<number, string> = {
  1: "ORIGIN",
  2: "AS_PATH",
  3: "NEXT_HOP",
  4: "MULTI_EXIT_DISC",
  5: "LOCAL_PREF",
  6: "ATOMIC_AGGREGATE",
  7: "AGGREGATOR",
  8: "COMMUNITIES",
  9: "ORIGINATOR_ID",
  10: "CLUSTER_LIST",
  14: "MP_REACH_NLRI",
  15: "MP_UNREACH_NLRI",
  16: "EXTENDED_COMMUNITIES",
  17: "AS4_PATH",
  18: "AS4_AGGREGATOR",
  32: "LARGE_COMMUNITY",
  35: "OTC",
};

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Decodes an AS_PATH value; returns a reason string when malformed (RFC 7606 §7.2). */
export function decodeAsPath(
  buf: Uint8Array,
  start: number,
  end: number,
  asSize: 2 | 4,
): AsPath | string {
  // Mostly one segment: a literal `[seg]` holds exactly one slot, where `push` onto `[]` reserves
  // 17 (136 bytes more for every decoded AS_PATH a RIB keeps).
  let first: AsPathSegment | undefined;
  let segs: AsPathSegment[] | undefined;
  let p = start;
  while (p < end) {
    if (p + 2 > end) return "AS_PATH segment header truncated";
    const type = SEG_TYPES[buf[p]!];
    if (type === undefined) return `unrecognized AS_PATH segment type ${buf[p]}`;
    const count = buf[p + 1]!;
    if (count === 0) return "AS_PATH segment length 0";
    p += 2;
    if (p + count * asSize > end) return "AS_PATH segment overruns the attribute";
    const asns = new Array<number>(count);
    if (asSize === 4) {
      for (let i = 0; i < count; i++, p += 4) asns[i] = u32(buf, p);
    } else {
      for (let i = 0; i < count; i++, p += 2) asns[i] = (buf[p]! << 8) | buf[p + 1]!;
    }
    const seg: AsPathSegment = { type, asns };
    if (first === undefined) first = seg;
    else if (segs === undefined) segs = [first, seg];
    else segs.push(seg);
  }
  if (segs !== undefined) return segs.slice();
  return first === undefined ? [] : [first];
}

// Per-call scratch (decoding is synchronous and not re-entrant).
const SEEN = new Uint32Array(8);
const SCRATCH_TYPES = new Uint8Array(256);
const SCRATCH_FLAGS = new Uint8Array(256);

export interface DecodeAttributesOptions {
  /** MRT TABLE_DUMP_V2 RIB entries: MP_REACH_NLRI may be abbreviated (RFC 6396 §4.3.4). */
  readonly mrtRib?: boolean;
  /** Offset added to every reported offset (message start). */
  readonly base?: number;
}

export interface DecodedAttributes {
  attributes: PathAttributes;
  layout: AttributeWireLayout | undefined;
  /** True when an IPv4/IPv6 MP_REACH_NLRI or MP_UNREACH_NLRI carried routes. */
}

/**
 * Decodes the path attributes in buf[start, end). Errors are appended to `errors` with their
 * RFC 7606 action; malformed attributes are left out of the result. Never throws.
 */
export function decodeAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: SessionContext,
  errors: UpdateError[],
  opts: DecodeAttributesOptions = {},
): DecodedAttributes {
  const base = opts.base ?? 0;
  const a: Mutable<PathAttributes> = {};
  let unknown: UnknownAttribute[] | undefined;
  // Wire order and flags go to scratch arrays; copied out only for a non-canonical layout.
  let count = 0;
  let canonical = true;
  let lastType = -1;
  SEEN.fill(0);
  let p = start;
  const err = (
    action: UpdateErrorAction,
    errorSubcode: number,
    offset: number,
    reason: string,
    typeCode?: number,
    data?: Uint8Array,
  ): void => {
    const e: Mutable<UpdateError> = { action, errorSubcode, offset: offset - base, reason };
    if (typeCode !== undefined) e.typeCode = typeCode;
    if (data !== undefined) e.data = data;
    errors.push(e);
  };
  while (p < end) {
    const attrStart = p;
    // RFC 7606 §4: fewer octets than a minimal attribute header remain.
    if (p + 3 > end || ((buf[p]! & 0x10) !== 0 && p + 4 > end)) {
      err("treat-as-withdraw", 1, p, "path attribute header truncated (RFC 7606 §4)");
      break;
    }
    const flags = buf[p]!;
    const type = buf[p + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (buf[p + 2]! << 8) | buf[p + 3]! : buf[p + 2]!;
    p += ext ? 4 : 3;
    const vs = p;
    const ve = p + len;
    if (ve > end) {
      err(
        "treat-as-withdraw",
        1,
        attrStart,
        "attribute length overruns the path attributes (RFC 7606 §4)",
        type,
      );
      break;
    }
    p = ve;
    const name = NAMES[type];
    const attrBytes = (): Uint8Array => buf.slice(attrStart, ve);
    // RFC 7606 §3 (g): repeated attributes.
    if ((SEEN[type >> 5]! & (1 << (type & 31))) !== 0) {
      if (type === 14 || type === 15) {
        err(
          "session-reset",
          1,
          attrStart,
          `${name} appears more than once (RFC 7606 §3 (g))`,
          type,
        );
      } else {
        err(
          "attribute-discard",
          1,
          attrStart,
          `attribute ${type} repeated, discarded (RFC 7606 §3 (g))`,
          type,
        );
      }
      continue;
    }
    SEEN[type >> 5]! |= 1 << (type & 31);
    SCRATCH_TYPES[count] = type;
    SCRATCH_FLAGS[count] = flags;
    count++;
    if (type < lastType) canonical = false;
    lastType = type;
    const expected = KNOWN_FLAGS[type];
    if (expected === undefined) {
      if ((flags & 0x80) === 0) {
        // RFC 4271 §6.3: unrecognized well-known attribute.
        err(
          "session-reset",
          2,
          attrStart,
          `unrecognized well-known attribute ${type}`,
          type,
          attrBytes(),
        );
        continue;
      }
      if ((flags & 0x0f) !== 0 || ext !== len > 255) canonical = false;
      if (unknown === undefined) unknown = [];
      unknown.push({ flags: flags & 0xe0, typeCode: type, value: buf.slice(vs, ve) });
      continue;
    }
    if ((flags & 0x2f) !== 0 || ext !== len > 255) canonical = false;
    const fourOctet = type === 17 || type === 18;
    if ((flags & 0xc0) !== expected) {
      // RFC 7606 §3 (c); MP_* keep RFC 4760 handling; AS4_* are discarded (RFC 6793 §6).
      const action: UpdateErrorAction =
        type === 14 || type === 15
          ? "session-reset"
          : fourOctet
            ? "attribute-discard"
            : "treat-as-withdraw";
      err(
        action,
        4,
        attrStart,
        `${name} has Attribute Flags 0x${flags.toString(16)} (RFC 7606 §3 (c))`,
        type,
        attrBytes(),
      );
      continue;
    }
    switch (type) {
      case 1: {
        if (len !== 1) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `ORIGIN length ${len}, expected 1 (RFC 7606 §7.1)`,
            type,
          );
          break;
        }
        const o = ORIGINS[buf[vs]!];
        if (o === undefined) {
          err(
            "treat-as-withdraw",
            6,
            vs,
            `undefined ORIGIN value ${buf[vs]} (RFC 7606 §7.1)`,
            type,
          );
          break;
        }
        a.origin = o;
        break;
      }
      case 2:
      case 17: {
        // RFC 6793 §6: an AS4_PATH too short to carry one AS number (or of odd length) is
        // malformed — an empty one included, which an AS_PATH may be.
        if (type === 17 && (len < 6 || len % 2 !== 0)) {
          err(
            "attribute-discard",
            11,
            attrStart,
            `AS4_PATH: attribute length ${len} cannot carry an AS number (RFC 6793 §6)`,
            type,
          );
          break;
        }
        const path = decodeAsPath(buf, vs, ve, type === 17 || ctx.fourOctetAs ? 4 : 2);
        if (typeof path === "string") {
          if (type === 2) err("treat-as-withdraw", 11, attrStart, `${path} (RFC 7606 §7.2)`, type);
          else err("attribute-discard", 11, attrStart, `AS4_PATH: ${path} (RFC 6793 §6)`, type);
          break;
        }
        if (type === 2) {
          a.asPath = path;
          break;
        }
        // RFC 6793 §6: AS_CONFED_SEQUENCE / AS_CONFED_SET segments must not be carried in an
        // AS4_PATH; received, they are discarded (and logged: the error list) and the UPDATE
        // processed — an AS4_PATH of such segments only goes as a whole.
        const kept = path.filter((s) => s.type === "AS_SEQUENCE" || s.type === "AS_SET");
        if (kept.length < path.length) {
          const confed = path.length - kept.length;
          err(
            "attribute-discard",
            11,
            attrStart,
            `AS4_PATH: ${confed} AS_CONFED_SEQUENCE/AS_CONFED_SET segment${confed === 1 ? "" : "s"} discarded${kept.length === 0 ? ", no segment left: attribute discarded" : ""} (RFC 6793 §6)`,
            type,
          );
        }
        if (kept.length > 0) a.as4Path = kept.length < path.length ? kept : path;
        break;
      }
      case 3:
        if (len !== 4) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `NEXT_HOP length ${len}, expected 4 (RFC 7606 §7.3)`,
            type,
          );
          break;
        }
        a.nextHop = ipv4TextShared(buf, vs);
        break;
      case 4:
      case 5:
        if (len !== 4) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `${name} length ${len}, expected 4 (RFC 7606 §7.${type === 4 ? 4 : 5})`,
            type,
          );
          break;
        }
        if (type === 4) a.multiExitDisc = u32(buf, vs);
        else a.localPref = u32(buf, vs);
        break;
      case 6:
        if (len !== 0) {
          err(
            "attribute-discard",
            5,
            attrStart,
            `ATOMIC_AGGREGATE length ${len}, expected 0 (RFC 7606 §7.6)`,
            type,
          );
          break;
        }
        a.atomicAggregate = true;
        break;
      case 7:
      case 18: {
        const asSize = type === 18 || ctx.fourOctetAs ? 4 : 2;
        if (len !== asSize + 4) {
          err(
            "attribute-discard",
            5,
            attrStart,
            `${name} length ${len}, expected ${asSize + 4} (${type === 7 ? "RFC 7606 §7.7" : "RFC 6793 §6"})`,
            type,
          );
          break;
        }
        const agg: Aggregator = {
          asn: asSize === 4 ? u32(buf, vs) : (buf[vs]! << 8) | buf[vs + 1]!,
          address: ipv4TextShared(buf, vs + asSize),
        };
        if (type === 7) a.aggregator = agg;
        else a.as4Aggregator = agg;
        break;
      }
      case 8: {
        if (len === 0 || len % 4 !== 0) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `COMMUNITIES length ${len} is not a non-zero multiple of 4 (RFC 7606 §7.8)`,
            type,
          );
          break;
        }
        const c = new Array<number>(len >> 2);
        for (let i = 0; i < c.length; i++) c[i] = u32(buf, vs + 4 * i);
        a.communities = c;
        break;
      }
      case 9:
        if (len !== 4) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `ORIGINATOR_ID length ${len}, expected 4 (RFC 7606 §7.9)`,
            type,
          );
          break;
        }
        a.originatorId = ipv4TextShared(buf, vs);
        break;
      case 10: {
        if (len === 0 || len % 4 !== 0) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `CLUSTER_LIST length ${len} is not a non-zero multiple of 4 (RFC 7606 §7.10)`,
            type,
          );
          break;
        }
        const c = new Array<string>(len >> 2);
        for (let i = 0; i < c.length; i++) c[i] = ipv4TextShared(buf, vs + 4 * i);
        a.clusterList = c;
        break;
      }
      case 14: {
        const r = decodeMpReach(buf, vs, ve, ctx, opts.mrtRib === true);
        if (typeof r === "string") {
          err(
            "session-reset",
            9,
            attrStart,
            `MP_REACH_NLRI: ${r} (RFC 7606 §7.11)`,
            type,
            attrBytes(),
          );
          break;
        }
        a.mpReachNlri = r;
        break;
      }
      case 15: {
        const r = decodeMpUnreach(buf, vs, ve, ctx);
        if (typeof r === "string") {
          err(
            "session-reset",
            9,
            attrStart,
            `MP_UNREACH_NLRI: ${r} (RFC 7606 §7.12)`,
            type,
            attrBytes(),
          );
          break;
        }
        a.mpUnreachNlri = r;
        break;
      }
      case 16: {
        if (len === 0 || len % 8 !== 0) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `EXTENDED COMMUNITIES length ${len} is not a non-zero multiple of 8 (RFC 7606 §7.14)`,
            type,
          );
          break;
        }
        const c = new Array<ExtendedCommunity>(len >> 3);
        for (let k = 0, i = vs; i < ve; k++, i += 8) {
          c[k] = { type: buf[i]!, subType: buf[i + 1]!, value: buf.slice(i + 2, i + 8) };
        }
        a.extendedCommunities = c;
        break;
      }
      case 32: {
        if (len === 0 || len % 12 !== 0) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `LARGE_COMMUNITY length ${len} is not a non-zero multiple of 12 (RFC 8092 §5)`,
            type,
          );
          break;
        }
        const c = new Array<LargeCommunity>(len / 12);
        for (let k = 0, i = vs; i < ve; k++, i += 12) {
          c[k] = {
            globalAdministrator: u32(buf, i),
            localDataPart1: u32(buf, i + 4),
            localDataPart2: u32(buf, i + 8),
          };
        }
        a.largeCommunities = c;
        break;
      }
      case 35:
        // RFC 9234 §5: an OTC attribute whose length is not 4 is malformed: treat-as-withdraw.
        if (len !== 4) {
          err(
            "treat-as-withdraw",
            5,
            attrStart,
            `OTC length ${len}, expected 4 (RFC 9234 §5)`,
            type,
          );
          break;
        }
        a.onlyToCustomer = u32(buf, vs);
        break;
    }
  }
  if (unknown !== undefined) a.unknown = unknown;
  return {
    attributes: a,
    layout: canonical
      ? undefined
      : {
          typeCodes: Array.from(SCRATCH_TYPES.subarray(0, count)),
          flags: Array.from(SCRATCH_FLAGS.subarray(0, count)),
        },
  };
}

function isIpFamily(afi: number, safi: number): afi is 1 | 2 {
  return (afi === 1 || afi === 2) && (safi === 1 || safi === 2 || safi === 3);
}

function decodeNextHops(buf: Uint8Array, p: number, nhLen: number): string[] | undefined {
  if (nhLen === 4) return [ipv4TextShared(buf, p)];
  if (nhLen === 16) return [ipv6Text(buf, p)];
  if (nhLen === 32) return [ipv6Text(buf, p), ipv6Text(buf, p + 16)];
  return undefined;
}

function decodeMpReach(
  buf: Uint8Array,
  vs: number,
  ve: number,
  ctx: SessionContext,
  mrtRib: boolean,
): MpReachNlri | string {
  // RFC 6396 §4.3.4: in TABLE_DUMP_V2 RIB entries only Next Hop Length + Next Hop remain.
  if (mrtRib && ve > vs && buf[vs]! + 1 === ve - vs) {
    const nhLen = buf[vs]!;
    const nh = decodeNextHops(buf, vs + 1, nhLen);
    if (nh === undefined) return `unsupported next hop length ${nhLen}`;
    const afi = nhLen === 4 ? 1 : 2;
    return { afi, safi: 1, nextHop: nh, nlri: [] };
  }
  if (ve - vs < 5) return "attribute too short";
  const afi = (buf[vs]! << 8) | buf[vs + 1]!;
  const safi = buf[vs + 2]!;
  const nhLen = buf[vs + 3]!;
  const nhStart = vs + 4;
  if (nhStart + nhLen + 1 > ve) return `Next Hop length ${nhLen} overruns the attribute`;
  const reserved = buf[nhStart + nhLen]!;
  const nlriStart = nhStart + nhLen + 1;
  if (isIpFamily(afi, safi)) {
    const nh = decodeNextHops(buf, nhStart, nhLen);
    if (nh === undefined) return `Next Hop length ${nhLen} inconsistent with AFI ${afi}`;
    const nlri: Prefix[] = [];
    try {
      decodePrefixes(buf, nlriStart, ve, afi, hasAddPath(ctx, afi, safi), nlri, "MP_REACH_NLRI");
    } catch (e) {
      return BgpWireError.isInstance(e) ? e.message : "bad NLRI";
    }
    const r: Mutable<MpReachNlri> = { afi, safi, nextHop: nh, nlri };
    if (reserved !== 0)
      r.opaque = { nextHop: new Uint8Array(0), reserved, nlri: new Uint8Array(0) };
    return r;
  }
  return {
    afi,
    safi,
    nextHop: [],
    nlri: [],
    opaque: {
      nextHop: buf.slice(nhStart, nhStart + nhLen),
      reserved,
      nlri: buf.slice(nlriStart, ve),
    },
  };
}

function decodeMpUnreach(
  buf: Uint8Array,
  vs: number,
  ve: number,
  ctx: SessionContext,
): MpUnreachNlri | string {
  if (ve - vs < 3) return "attribute too short";
  const afi = (buf[vs]! << 8) | buf[vs + 1]!;
  const safi = buf[vs + 2]!;
  if (isIpFamily(afi, safi)) {
    const withdrawnRoutes: Prefix[] = [];
    try {
      decodePrefixes(
        buf,
        vs + 3,
        ve,
        afi,
        hasAddPath(ctx, afi, safi),
        withdrawnRoutes,
        "MP_UNREACH_NLRI",
      );
    } catch (e) {
      return BgpWireError.isInstance(e) ? e.message : "bad NLRI";
    }
    return { afi, safi, withdrawnRoutes };
  }
  return { afi, safi, withdrawnRoutes: [], opaque: buf.slice(vs + 3, ve) };
}

// ---------------------------------------------------------------- encoding

const ip4 = new Uint8Array(4);
const ip16 = new Uint8Array(16);

function writeIpv4(w: ByteWriter, text: string, field: string): void {
  if (!parseIpv4(text, ip4, 0)) {
    throw new BgpWireError("INVALID_ATTRIBUTE", `invalid IPv4 address "${text}"`, { field });
  }
  w.bytes(ip4);
}

function writeIpAny(w: ByteWriter, text: string, field: string): void {
  if (text.includes(":")) {
    if (!parseIpv6(text, ip16, 0)) {
      throw new BgpWireError("INVALID_ATTRIBUTE", `invalid IPv6 address "${text}"`, { field });
    }
    w.bytes(ip16);
  } else writeIpv4(w, text, field);
}

function checkU32(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new BgpWireError("INVALID_ATTRIBUTE", `${field} ${v} is not an unsigned 32-bit integer`, {
      field,
    });
  }
  return v;
}

function writeAsPath(w: ByteWriter, path: AsPath, asSize: 2 | 4, field: string): void {
  for (const seg of path) {
    const n = seg.asns.length;
    if (n === 0 || n > 255) {
      throw new BgpWireError("INVALID_ATTRIBUTE", `AS path segment with ${n} ASes (1..255)`, {
        field,
      });
    }
    w.u8(SEG_CODE[seg.type]);
    w.u8(n);
    for (const asn of seg.asns) {
      checkU32(asn, field);
      if (asSize === 2) {
        if (asn > 0xffff) {
          throw new BgpWireError("INVALID_ATTRIBUTE", `AS ${asn} does not fit in 2 octets`, {
            field,
          });
        }
        w.u16(asn);
      } else w.u32(asn);
    }
  }
}

/** Writes the value of attribute `type` from `a`; returns false when `a` lacks it. */
function writeValue(w: ByteWriter, type: number, a: PathAttributes, ctx: SessionContext): boolean {
  switch (type) {
    case 1:
      if (a.origin === undefined) return false;
      w.u8(ORIGINS.indexOf(a.origin));
      return true;
    case 2:
      if (a.asPath === undefined) return false;
      writeAsPath(w, a.asPath, ctx.fourOctetAs ? 4 : 2, "asPath");
      return true;
    case 3:
      if (a.nextHop === undefined) return false;
      writeIpv4(w, a.nextHop, "nextHop");
      return true;
    case 4:
      if (a.multiExitDisc === undefined) return false;
      w.u32(checkU32(a.multiExitDisc, "multiExitDisc"));
      return true;
    case 5:
      if (a.localPref === undefined) return false;
      w.u32(checkU32(a.localPref, "localPref"));
      return true;
    case 6:
      return a.atomicAggregate === true;
    case 7:
    case 18: {
      const g = type === 7 ? a.aggregator : a.as4Aggregator;
      if (g === undefined) return false;
      if (type === 7 && !ctx.fourOctetAs) {
        if (g.asn > 0xffff) {
          throw new BgpWireError("INVALID_ATTRIBUTE", `AGGREGATOR AS ${g.asn} needs 4 octets`, {
            field: "aggregator",
          });
        }
        w.u16(g.asn);
      } else w.u32(checkU32(g.asn, "aggregator"));
      writeIpv4(w, g.address, "aggregator");
      return true;
    }
    case 8:
      // An empty list is no attribute: a zero-length one is malformed (RFC 7606 §7.8).
      if (a.communities === undefined || a.communities.length === 0) return false;
      for (const c of a.communities) w.u32(checkU32(c, "communities"));
      return true;
    case 9:
      if (a.originatorId === undefined) return false;
      writeIpv4(w, a.originatorId, "originatorId");
      return true;
    case 10:
      if (a.clusterList === undefined || a.clusterList.length === 0) return false; // §7.10
      for (const c of a.clusterList) writeIpv4(w, c, "clusterList");
      return true;
    case 14: {
      const r = a.mpReachNlri;
      if (r === undefined) return false;
      w.u16(r.afi);
      w.u8(r.safi);
      if (r.opaque !== undefined && r.nextHop.length === 0 && r.nlri.length === 0) {
        w.u8(r.opaque.nextHop.length);
        w.bytes(r.opaque.nextHop);
        w.u8(r.opaque.reserved);
        w.bytes(r.opaque.nlri);
        return true;
      }
      const lenAt = w.reserve(1);
      const nhStart = w.pos;
      for (const nh of r.nextHop) writeIpAny(w, nh, "mpReachNlri.nextHop");
      w.setU8(lenAt, w.pos - nhStart);
      w.u8(r.opaque?.reserved ?? 0);
      const ap = hasAddPath(ctx, r.afi, r.safi);
      for (const p of r.nlri) encodePrefix(w, p, ap);
      return true;
    }
    case 15: {
      const u = a.mpUnreachNlri;
      if (u === undefined) return false;
      w.u16(u.afi);
      w.u8(u.safi);
      if (u.opaque !== undefined) w.bytes(u.opaque);
      const ap = hasAddPath(ctx, u.afi, u.safi);
      for (const p of u.withdrawnRoutes) encodePrefix(w, p, ap);
      return true;
    }
    case 16:
      if (a.extendedCommunities === undefined || a.extendedCommunities.length === 0) return false;
      for (const e of a.extendedCommunities) {
        if (e.value.length !== 6) {
          throw new BgpWireError("INVALID_ATTRIBUTE", "extended community value must be 6 octets", {
            field: "extendedCommunities",
          });
        }
        w.u8(e.type);
        w.u8(e.subType);
        w.bytes(e.value);
      }
      return true;
    case 17:
      if (a.as4Path === undefined) return false;
      // What a receiver would discard (RFC 6793 §6) is not sent.
      if (a.as4Path.length === 0)
        throw new BgpWireError(
          "INVALID_ATTRIBUTE",
          "AS4_PATH must carry at least one AS number (RFC 6793 §6)",
          { field: "as4Path" },
        );
      if (a.as4Path.some((s) => s.type === "AS_CONFED_SEQUENCE" || s.type === "AS_CONFED_SET"))
        throw new BgpWireError(
          "INVALID_ATTRIBUTE",
          "AS4_PATH must not carry AS_CONFED_SEQUENCE or AS_CONFED_SET segments (RFC 6793 §6)",
          { field: "as4Path" },
        );
      writeAsPath(w, a.as4Path, 4, "as4Path");
      return true;
    case 32:
      if (a.largeCommunities === undefined || a.largeCommunities.length === 0) return false;
      for (const c of a.largeCommunities) {
        w.u32(checkU32(c.globalAdministrator, "largeCommunities"));
        w.u32(checkU32(c.localDataPart1, "largeCommunities"));
        w.u32(checkU32(c.localDataPart2, "largeCommunities"));
      }
      return true;
    case 35:
      if (a.onlyToCustomer === undefined) return false;
      w.u32(checkU32(a.onlyToCustomer, "onlyToCustomer"));
      return true;
  }
  return false;
}

const CANONICAL_ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 35];

/**
 * Writes one attribute: its header and either `raw` (an unknown attribute's value) or the value
 * of known attribute `type` of `a` — false, and nothing written, when `a` has none.
 */
function writeOne(
  w: ByteWriter,
  flags: number,
  type: number,
  forceExt: boolean,
  a: PathAttributes,
  ctx: SessionContext,
  raw?: Uint8Array,
): boolean {
  const start = w.pos;
  w.u8(flags);
  w.u8(type);
  const lenAt = w.reserve(forceExt ? 2 : 1);
  const vs = w.pos;
  if (raw !== undefined) w.bytes(raw);
  else if (!writeValue(w, type, a, ctx)) {
    w.pos = start;
    return false;
  }
  const len = w.pos - vs;
  if (forceExt) {
    if (len > 0xffff)
      throw new BgpWireError("MESSAGE_TOO_LONG", "attribute longer than 65535 octets", {
        field: "pathAttributes",
      });
    w.setU8(start, flags | 0x10);
    w.setU16(lenAt, len);
  } else if (len > 255) {
    if (len > 0xffff)
      throw new BgpWireError("MESSAGE_TOO_LONG", "attribute longer than 65535 octets", {
        field: "pathAttributes",
      });
    w.ensure(1);
    w.buf.copyWithin(vs + 1, vs, vs + len);
    w.pos += 1;
    w.setU8(start, flags | 0x10);
    w.setU16(lenAt, len);
  } else {
    w.setU8(start, flags & ~0x10);
    w.setU8(lenAt, len);
  }
  return true;
}

/**
 * Encodes path attributes: canonical order (ascending type code) and flags, or the given wire
 * layout when present (attributes not in the layout follow in canonical order).
 */
export function encodeAttributes(
  w: ByteWriter,
  a: PathAttributes,
  ctx: SessionContext,
  layout?: AttributeWireLayout,
): void {
  if (layout === undefined && a.unknown === undefined) {
    // The common case, without the bookkeeping below: known attributes in canonical order.
    for (let i = 0; i < CANONICAL_ORDER.length; i++) {
      const type = CANONICAL_ORDER[i]!;
      const flags = KNOWN_FLAGS[type];
      if (flags !== undefined) writeOne(w, flags, type, (flags & 0x10) !== 0, a, ctx);
    }
    return;
  }
  const unknownByType = new Map<number, UnknownAttribute>();
  if (a.unknown !== undefined)
    for (const u of a.unknown) if (!unknownByType.has(u.typeCode)) unknownByType.set(u.typeCode, u);
  const done = new Set<number>();
  const emit = (type: number, wireFlags: number | undefined): void => {
    if (done.has(type)) return;
    const u = unknownByType.get(type);
    const known = KNOWN_FLAGS[type];
    if (known === undefined && u === undefined) return;
    let flags: number;
    if (u !== undefined && known === undefined) {
      flags = wireFlags !== undefined && (wireFlags & 0xe0) === u.flags ? wireFlags : u.flags;
      if (writeOne(w, flags, type, (flags & 0x10) !== 0, a, ctx, u.value)) done.add(type);
      return;
    }
    flags = wireFlags !== undefined && (wireFlags & 0xc0) === known ? wireFlags : known!;
    if (writeOne(w, flags, type, (flags & 0x10) !== 0, a, ctx)) done.add(type);
  };
  if (layout !== undefined) {
    for (let i = 0; i < layout.typeCodes.length; i++) emit(layout.typeCodes[i]!, layout.flags[i]);
  }
  const types = new Set<number>(CANONICAL_ORDER);
  for (const t of unknownByType.keys()) types.add(t);
  for (const t of [...types].sort((x, y) => x - y)) emit(t, undefined);
}

/** Encodes path attributes alone into a fresh byte array (canonical layout). */
export function encodeAttributesBytes(a: PathAttributes, ctx: SessionContext): Uint8Array {
  const w = new ByteWriter(128);
  encodeAttributes(w, a, ctx);
  return w.result();
}
