import { decodeUpdateFields } from "./codec";
import { BgpWireError } from "./errors";
import { decodeAttributes } from "./internal/attributes";
import { ByteCache } from "./internal/byte-cache";
import { ipv4Text, ipv4TextShared, ipv6Text } from "./internal/ip";
import { decodePrefixes } from "./internal/nlri";
import { decodeOpenBody } from "./internal/open";
import type { BgpMessage } from "./messages";
import type { PathAttributes } from "./path-attributes";
import type { Prefix } from "./prefix";
import type { SessionContext } from "./session-context";
import type { UpdateError } from "./update-error";

/**
 * MRT Type codes (RFC 6396 §4, RFC 8050), including the deprecated BGP (5) type.
 *
 * @example
 * ```ts
 * import { MRT_TYPE } from "@dyninfra/bgp-wire";
 * MRT_TYPE.TABLE_DUMP_V2; // 13
 * ```
 */
export const MRT_TYPE = {
  BGP: 5,
  TABLE_DUMP: 12,
  TABLE_DUMP_V2: 13,
  BGP4MP: 16,
  BGP4MP_ET: 17,
} as const;

/**
 * TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, ADD-PATH variants RFC 8050 §4).
 *
 * @example
 * ```ts
 * import { TABLE_DUMP_V2_SUBTYPE } from "@dyninfra/bgp-wire";
 * TABLE_DUMP_V2_SUBTYPE.RIB_IPV6_UNICAST_ADDPATH; // 10
 * ```
 */
export const TABLE_DUMP_V2_SUBTYPE = {
  PEER_INDEX_TABLE: 1,
  RIB_IPV4_UNICAST: 2,
  RIB_IPV4_MULTICAST: 3,
  RIB_IPV6_UNICAST: 4,
  RIB_IPV6_MULTICAST: 5,
  RIB_GENERIC: 6,
  RIB_IPV4_UNICAST_ADDPATH: 8,
  RIB_IPV4_MULTICAST_ADDPATH: 9,
  RIB_IPV6_UNICAST_ADDPATH: 10,
  RIB_IPV6_MULTICAST_ADDPATH: 11,
  RIB_GENERIC_ADDPATH: 12,
} as const;

/**
 * BGP4MP / BGP4MP_ET subtypes (RFC 6396 §4.4, RFC 8050 §3).
 *
 * @example
 * ```ts
 * import { BGP4MP_SUBTYPE } from "@dyninfra/bgp-wire";
 * BGP4MP_SUBTYPE.MESSAGE_AS4; // 4
 * ```
 */
export const BGP4MP_SUBTYPE = {
  STATE_CHANGE: 0,
  MESSAGE: 1,
  ENTRY: 2,
  SNAPSHOT: 3,
  MESSAGE_AS4: 4,
  STATE_CHANGE_AS4: 5,
  MESSAGE_LOCAL: 6,
  MESSAGE_AS4_LOCAL: 7,
  MESSAGE_ADDPATH: 8,
  MESSAGE_AS4_ADDPATH: 9,
  MESSAGE_LOCAL_ADDPATH: 10,
  MESSAGE_AS4_LOCAL_ADDPATH: 11,
} as const;

/**
 * The MRT Common Header (RFC 6396 §2), with the BGP4MP_ET Microsecond Timestamp (§3) and the
 * record's byte offset in the (decompressed) input.
 *
 * @example
 * ```ts
 * import type { MrtHeader } from "@dyninfra/bgp-wire";
 * const h: MrtHeader = { timestamp: 1445565678, type: 17, subtype: 4, length: 60, microseconds: 509481, offset: 0 };
 * ```
 */
export interface MrtHeader {
  /** Timestamp, seconds since the Unix epoch. */
  readonly timestamp: number;
  /** MRT Type. */
  readonly type: number;
  /** MRT Subtype. */
  readonly subtype: number;
  /** Length of the message field in octets (for BGP4MP_ET, without the 4-octet microseconds). */
  readonly length: number;
  /** Microsecond Timestamp (BGP4MP_ET only). */
  readonly microseconds?: number;
  /** Byte offset of the record's header in the decompressed input. */
  readonly offset: number;
  /**
   * Octets added to a Length found to be short: early RIPE RIS TABLE_DUMP files declare every
   * record 4 octets too short (the reader checks that the next header then lines up).
   */
  readonly lengthCorrection?: number;
}

/**
 * A PEER_INDEX_TABLE peer entry (RFC 6396 §4.3.1).
 *
 * @example
 * ```ts
 * import type { MrtPeer } from "@dyninfra/bgp-wire";
 * const p: MrtPeer = { peerType: 2, peerBgpId: "192.0.2.1", peerAddress: "192.0.2.1", peerAs: 64500 };
 * ```
 */
export interface MrtPeer {
  /** Peer Type bits: 0x01 = IPv6 address, 0x02 = 4-octet AS. */
  readonly peerType: number;
  readonly peerBgpId: string;
  readonly peerAddress: string;
  readonly peerAs: number;
}

/**
 * A TABLE_DUMP_V2 RIB Entry (RFC 6396 §4.3.4; Path Identifier RFC 8050 §4). `rawAttributes`
 * is a view of the attribute bytes (AS numbers always 4 octets in TABLE_DUMP_V2).
 *
 * @example
 * ```ts
 * import type { MrtRibEntry } from "@dyninfra/bgp-wire";
 * const e: MrtRibEntry = { peerIndex: 0, originatedTime: 0, attributes: {}, rawAttributes: new Uint8Array() };
 * ```
 */
export interface MrtRibEntry {
  readonly peerIndex: number;
  readonly originatedTime: number;
  readonly pathId?: number;
  readonly attributes: PathAttributes;
  readonly rawAttributes: Uint8Array;
}

/**
 * One decoded MRT record, discriminated by `kind`. Records this package cannot interpret
 * (other types, deprecated subtypes) are `UNKNOWN` with their bytes; records whose content is
 * malformed are `MALFORMED` with the reason — the reader continues after them.
 *
 * @example
 * ```ts
 * import type { MrtRecord } from "@dyninfra/bgp-wire";
 * function count(r: MrtRecord): number {
 *   return r.kind === "RIB" ? r.entries.length : 0;
 * }
 * ```
 */
export type MrtRecord =
  | {
      readonly kind: "PEER_INDEX_TABLE";
      readonly header: MrtHeader;
      readonly collectorBgpId: string;
      readonly viewName: string;
      readonly peers: readonly MrtPeer[];
    }
  | {
      readonly kind: "RIB";
      readonly header: MrtHeader;
      readonly sequenceNumber: number;
      readonly afi: number;
      readonly safi: number;
      /** The prefix (IPv4/IPv6 subtypes); undefined for RIB_GENERIC with non-IP families. */
      readonly prefix: Prefix | undefined;
      /** RIB_GENERIC NLRI bytes for families not decoded. */
      readonly rawNlri?: Uint8Array;
      readonly entries: readonly MrtRibEntry[];
    }
  | {
      readonly kind: "TABLE_DUMP";
      readonly header: MrtHeader;
      readonly viewNumber: number;
      readonly sequenceNumber: number;
      readonly prefix: Prefix;
      readonly status: number;
      readonly originatedTime: number;
      readonly peerAddress: string;
      readonly peerAs: number;
      readonly attributes: PathAttributes;
      readonly rawAttributes: Uint8Array;
    }
  | {
      readonly kind: "BGP4MP_MESSAGE";
      readonly header: MrtHeader;
      readonly peerAs: number;
      readonly localAs: number;
      readonly interfaceIndex: number;
      readonly afi: number;
      readonly peerAddress: string;
      readonly localAddress: string;
      /** True for *_LOCAL subtypes (sent by the local speaker). */
      readonly local: boolean;
      /** The BGP message, decoded with the record's AS size and ADD-PATH; undefined when malformed. */
      readonly message: BgpMessage | undefined;
      /** RFC 7606 findings for UPDATEs, or the decoding error. */
      readonly errors: readonly UpdateError[];
      /** The BGP message bytes (header included). */
      readonly rawMessage: Uint8Array;
    }
  | {
      readonly kind: "BGP4MP_STATE_CHANGE";
      readonly header: MrtHeader;
      readonly peerAs: number;
      readonly localAs: number;
      readonly interfaceIndex: number;
      readonly afi: number;
      readonly peerAddress: string;
      readonly localAddress: string;
      /** RFC 6396 §4.4.1 states: 1 Idle … 6 Established. */
      readonly oldState: number;
      readonly newState: number;
    }
  | {
      readonly kind: "BGP";
      readonly header: MrtHeader;
      /** Deprecated MRT BGP type (RFC 6396 §B.2.1): UPDATE (1), STATE_CHANGE (3), KEEPALIVE (7) … */
      readonly peerAs: number;
      readonly peerAddress: string;
      readonly localAs?: number;
      readonly localAddress?: string;
      readonly update?: {
        readonly withdrawnRoutes: readonly Prefix[];
        readonly pathAttributes: PathAttributes;
        readonly nlri: readonly Prefix[];
      };
      readonly rawAttributes?: Uint8Array;
      readonly oldState?: number;
      readonly newState?: number;
    }
  | { readonly kind: "UNKNOWN"; readonly header: MrtHeader; readonly body: Uint8Array }
  | {
      readonly kind: "MALFORMED";
      readonly header: MrtHeader;
      readonly body: Uint8Array;
      readonly reason: string;
      readonly at: number;
    };

/** Reader state carried between records (the TABLE_DUMP_V2 peer index table). */
export interface MrtDecodeState {
  peers: readonly MrtPeer[];
}

class Cursor {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly end: number,
    readonly base: number,
  ) {}
  need(n: number, field: string): void {
    if (this.p + n > this.end) {
      throw new BgpWireError("TRUNCATED_MRT_RECORD", `record ends inside ${field}`, {
        offset: this.base + this.p,
        field,
      });
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.b[this.p++]!;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = (this.b[this.p]! << 8) | this.b[this.p + 1]!;
    this.p += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const b = this.b;
    const p = this.p;
    this.p += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  ip(afi: number, field: string): string {
    const n = afi === 2 ? 16 : 4;
    this.need(n, field);
    const s = n === 4 ? ipv4TextShared(this.b, this.p) : ipv6Text(this.b, this.p);
    this.p += n;
    return s;
  }
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return v;
  }
}

/**
 * Interning of decoded attribute sets by their bytes: records with equal attribute bytes (and
 * AS size) share one {@link PathAttributes} object, frozen (`Object.freeze`: a change to one
 * record's set would otherwise change the others'; its lists are shared as well and are to be
 * treated as read-only, as their types say). Consumers may key on the identity of a frozen set
 * (`@dyninfra/bgp-rib` does). Bounded; cleared when full; while nearly every set is new (an
 * UPDATE stream) it stops caching for a while, and those sets are not frozen.
 *
 * @example
 * ```ts
 * import { AttributeCache } from "@dyninfra/bgp-wire";
 * const cache = new AttributeCache();
 * ```
 */
export class AttributeCache {
  private readonly cache: ByteCache<PathAttributes>;
  constructor(limit = 50_000) {
    this.cache = new ByteCache(limit);
  }
  /** The attribute set for `raw`, decoded by `decode` on first sight. */
  get(raw: Uint8Array, asn4: boolean, rib: boolean, decode: () => PathAttributes): PathAttributes {
    if (raw.length > 4096) return decode();
    return this.cache.get(raw, (asn4 ? 1 : 0) + (rib ? 2 : 0), decode, Object.freeze);
  }
}

const NO_ERRORS: UpdateError[] = [];
const CTX_2: SessionContext = { fourOctetAs: false, addPath: [], extendedMessage: true };
const CTX_4: SessionContext = { fourOctetAs: true, addPath: [], extendedMessage: true };
const CTX_AP4: SessionContext = {
  fourOctetAs: true,
  addPath: [
    { afi: 1, safi: 1 },
    { afi: 1, safi: 2 },
  ],
  extendedMessage: true,
};
const CTX_AP6: SessionContext = {
  fourOctetAs: true,
  addPath: [
    { afi: 2, safi: 1 },
    { afi: 2, safi: 2 },
  ],
  extendedMessage: true,
};
const RIB_OPTS = { mrtRib: true };
const NO_OPTS = {};

function attrs(
  c: Cursor,
  len: number,
  asn4: boolean,
  rib: boolean,
  addPath: boolean,
  afi: number,
  cache: AttributeCache | undefined,
): { attributes: PathAttributes; raw: Uint8Array } {
  const raw = c.bytes(len, "attributes");
  const ctx = addPath ? (afi === 2 ? CTX_AP6 : CTX_AP4) : asn4 ? CTX_4 : CTX_2;
  const opts = rib ? RIB_OPTS : NO_OPTS;
  if (cache === undefined || addPath) {
    return { attributes: decodeAttributes(raw, 0, raw.length, ctx, [], opts).attributes, raw };
  }
  const attributes = cache.get(
    raw,
    asn4,
    rib,
    () => decodeAttributes(raw, 0, raw.length, ctx, [], opts).attributes,
  );
  return { attributes, raw };
}

function prefixAt(c: Cursor, afi: 1 | 2, addPathId: number | undefined): Prefix {
  const len = c.u8("prefix length");
  const out: Prefix[] = [];
  const n = (len + 7) >> 3;
  c.need(n, "prefix");
  decodePrefixes(c.b, c.p - 1, c.p + n, afi, false, out, "prefix");
  c.p += n;
  const p = out[0]!;
  return addPathId === undefined ? p : { ...p, pathId: addPathId };
}

/**
 * Decodes the message field of one MRT record (RFC 6396, RFC 8050). Throws
 * {@link BgpWireError} on truncated or inconsistent content (the reader turns that into a
 * `MALFORMED` record and continues). `state` carries the PEER_INDEX_TABLE between records.
 *
 * @example
 * ```ts
 * import { decodeMrtRecord } from "@dyninfra/bgp-wire";
 * const body = new Uint8Array([0, 1, 0, 1, 0, 0, 0, 0, 0, 2, 0, 1, 192, 0, 2, 1, 192, 0, 2, 2, 0, 1, 0, 6]);
 * const r = decodeMrtRecord({ timestamp: 0, type: 16, subtype: 0, length: body.length, offset: 0 }, body, { peers: [] });
 * r.kind; // "BGP4MP_STATE_CHANGE"
 * ```
 */
export function decodeMrtRecord(
  header: MrtHeader,
  body: Uint8Array,
  state: MrtDecodeState,
  cache?: AttributeCache,
): MrtRecord {
  const base = header.offset + (header.type === 17 ? 16 : 12);
  const c = new Cursor(body, 0, body.length, base);
  const { type, subtype } = header;
  if (type === 13) {
    if (subtype === 1) {
      const collectorBgpId = c.ip(1, "Collector BGP ID");
      const nameLen = c.u16("View Name Length");
      const viewName = Buffer.from(c.bytes(nameLen, "View Name")).toString("utf8");
      const count = c.u16("Peer Count");
      const peers: MrtPeer[] = [];
      for (let i = 0; i < count; i++) {
        const peerType = c.u8("Peer Type");
        const peerBgpId = c.ip(1, "Peer BGP ID");
        const peerAddress = c.ip(peerType & 1 ? 2 : 1, "Peer IP Address");
        const peerAs = peerType & 2 ? c.u32("Peer AS") : c.u16("Peer AS");
        peers.push({ peerType, peerBgpId, peerAddress, peerAs });
      }
      state.peers = peers;
      return { kind: "PEER_INDEX_TABLE", header, collectorBgpId, viewName, peers };
    }
    if ((subtype >= 2 && subtype <= 6) || (subtype >= 8 && subtype <= 12)) {
      const addPath = subtype >= 8;
      const st = addPath ? subtype - 6 : subtype;
      const sequenceNumber = c.u32("Sequence Number");
      let afi: number;
      let safi: number;
      let prefix: Prefix | undefined;
      let rawNlri: Uint8Array | undefined;
      if (st === 6) {
        afi = c.u16("AFI");
        safi = c.u8("SAFI");
        if ((afi === 1 || afi === 2) && (safi === 1 || safi === 2))
          prefix = prefixAt(c, afi, undefined);
        else {
          // RIB_GENERIC: a single NLRI of an undecoded family; its length is its first octet
          // for the common case, so keep the rest of the record (entries included) undecoded.
          rawNlri = c.bytes(c.end - c.p, "NLRI");
          return {
            kind: "RIB",
            header,
            sequenceNumber,
            afi,
            safi,
            prefix: undefined,
            rawNlri,
            entries: [],
          };
        }
      } else {
        afi = st <= 3 ? 1 : 2;
        safi = st === 2 || st === 4 ? 1 : 2;
        prefix = prefixAt(c, afi as 1 | 2, undefined);
      }
      const count = c.u16("Entry Count");
      const entries: MrtRibEntry[] = [];
      for (let i = 0; i < count; i++) {
        const peerIndex = c.u16("Peer Index");
        const originatedTime = c.u32("Originated Time");
        const pathId = addPath ? c.u32("Path Identifier") : undefined;
        const alen = c.u16("Attribute Length");
        const { attributes, raw } = attrs(c, alen, true, true, false, afi, cache);
        entries.push(
          pathId === undefined
            ? { peerIndex, originatedTime, attributes, rawAttributes: raw }
            : { peerIndex, originatedTime, pathId, attributes, rawAttributes: raw },
        );
      }
      return { kind: "RIB", header, sequenceNumber, afi, safi, prefix, entries };
    }
    return { kind: "UNKNOWN", header, body };
  }
  if (type === 12) {
    if (subtype !== 1 && subtype !== 2) return { kind: "UNKNOWN", header, body };
    const viewNumber = c.u16("View Number");
    const sequenceNumber = c.u16("Sequence Number");
    const afi = subtype as 1 | 2;
    c.need(afi === 1 ? 4 : 16, "Prefix");
    const pstart = c.p;
    c.p += afi === 1 ? 4 : 16;
    const plen = c.u8("Prefix Length");
    const max = afi === 1 ? 32 : 128;
    if (plen > max) {
      throw new BgpWireError("INVALID_PREFIX", `prefix length ${plen} > ${max}`, {
        offset: base + c.p - 1,
        field: "Prefix Length",
      });
    }
    const n = (plen + 7) >> 3;
    const address = afi === 1 ? ipv4Text(body, pstart, n) : ipv6Text(body, pstart, n);
    const status = c.u8("Status");
    const originatedTime = c.u32("Originated Time");
    const peerAddress = c.ip(afi, "Peer IP Address");
    const peerAs = c.u16("Peer AS");
    const alen = c.u16("Attribute Length");
    const { attributes, raw } = attrs(c, alen, false, true, false, afi, cache);
    return {
      kind: "TABLE_DUMP",
      header,
      viewNumber,
      sequenceNumber,
      prefix: { afi, address, length: plen },
      status,
      originatedTime,
      peerAddress,
      peerAs,
      attributes,
      rawAttributes: raw,
    };
  }
  if (type === 16 || type === 17) {
    if (subtype === 0 || subtype === 5) {
      const asn4 = subtype === 5;
      const peerAs = asn4 ? c.u32("Peer AS") : c.u16("Peer AS");
      const localAs = asn4 ? c.u32("Local AS") : c.u16("Local AS");
      if (body.length === 8) {
        // Zebra wrote STATE_CHANGE without interface, AFI and addresses (seen in RIS 2000 data).
        const oldState = c.u16("Old State");
        const newState = c.u16("New State");
        return {
          kind: "BGP4MP_STATE_CHANGE",
          header,
          peerAs,
          localAs,
          interfaceIndex: 0,
          afi: 1,
          peerAddress: "0.0.0.0",
          localAddress: "0.0.0.0",
          oldState,
          newState,
        };
      }
      const interfaceIndex = c.u16("Interface Index");
      const afi = c.u16("Address Family");
      if (afi !== 1 && afi !== 2)
        throw new BgpWireError("UNSUPPORTED_AFI", `Address Family ${afi}`, {
          offset: base + c.p - 2,
          field: "Address Family",
        });
      const peerAddress = c.ip(afi, "Peer IP Address");
      const localAddress = c.ip(afi, "Local IP Address");
      const oldState = c.u16("Old State");
      const newState = c.u16("New State");
      return {
        kind: "BGP4MP_STATE_CHANGE",
        header,
        peerAs,
        localAs,
        interfaceIndex,
        afi,
        peerAddress,
        localAddress,
        oldState,
        newState,
      };
    }
    if (subtype === 1 || (subtype >= 4 && subtype <= 11 && subtype !== 5)) {
      const asn4 = subtype === 4 || subtype === 7 || subtype === 9 || subtype === 11;
      const local = subtype === 6 || subtype === 7 || subtype === 10 || subtype === 11;
      const addPath = subtype >= 8;
      const peerAs = asn4 ? c.u32("Peer AS") : c.u16("Peer AS");
      const localAs = asn4 ? c.u32("Local AS") : c.u16("Local AS");
      const interfaceIndex = c.u16("Interface Index");
      let afi = c.u16("Address Family");
      let peerAddress: string;
      let localAddress: string;
      if (afi === 0xffff && interfaceIndex === 0xffff) {
        // Zebra wrote OPENs without interface and addresses; the marker starts 4 octets early.
        afi = 1;
        peerAddress = "0.0.0.0";
        localAddress = "0.0.0.0";
        c.p -= 4;
      } else {
        if (afi !== 1 && afi !== 2)
          throw new BgpWireError("UNSUPPORTED_AFI", `Address Family ${afi}`, {
            offset: base + c.p - 2,
            field: "Address Family",
          });
        peerAddress = c.ip(afi, "Peer IP Address");
        localAddress = c.ip(afi, "Local IP Address");
      }
      const rawMessage = body.subarray(c.p);
      const ctx: SessionContext = {
        fourOctetAs: asn4,
        addPath: addPath
          ? [
              { afi: 1, safi: 1 },
              { afi: 1, safi: 2 },
              { afi: 2, safi: 1 },
              { afi: 2, safi: 2 },
            ]
          : [],
        extendedMessage: true,
      };
      let message: BgpMessage | undefined;
      let errors: readonly UpdateError[] = NO_ERRORS;
      if (rawMessage.length >= 19 && rawMessage[18] === 2) {
        const mlen = (rawMessage[16]! << 8) | rawMessage[17]!;
        const end = Math.min(mlen, rawMessage.length);
        const r = decodeUpdateFields(rawMessage, 19, end, ctx, 0);
        errors = r.errors;
        if (r.ok) message = r.update;
      } else {
        try {
          message = decodeBgpLenient(rawMessage, ctx);
        } catch (e) {
          if (!BgpWireError.isInstance(e)) throw e;
          errors = [
            {
              action: "session-reset",
              errorSubcode: 0,
              offset: e.where.offset ?? 0,
              reason: e.message,
            },
          ];
        }
      }
      return {
        kind: "BGP4MP_MESSAGE",
        header,
        peerAs,
        localAs,
        interfaceIndex,
        afi,
        peerAddress,
        localAddress,
        local,
        message,
        errors,
        rawMessage,
      };
    }
    return { kind: "UNKNOWN", header, body };
  }
  if (type === 5) {
    if (subtype === 1 || subtype === 7) {
      const peerAs = c.u16("Peer AS");
      const peerAddress = c.ip(1, "Peer IP");
      const localAs = c.u16("Local AS");
      const localAddress = c.ip(1, "Local IP");
      if (subtype === 7) return { kind: "BGP", header, peerAs, peerAddress, localAs, localAddress };
      const r = decodeUpdateFields(
        body,
        c.p,
        body.length,
        { fourOctetAs: false, addPath: [], extendedMessage: true },
        -base,
      );
      const wlen = (body[c.p]! << 8) | body[c.p + 1]!;
      const astart = c.p + 2 + wlen + 2;
      const alen = astart <= body.length ? (body[astart - 2]! << 8) | body[astart - 1]! : 0;
      const rawAttributes = body.subarray(
        Math.min(astart, body.length),
        Math.min(astart + alen, body.length),
      );
      if (!r.ok)
        throw new BgpWireError("MALFORMED_UPDATE", r.errors[0]?.reason ?? "malformed UPDATE", {
          offset: r.errors[0]?.offset ?? base,
          field: "update",
        });
      const u = r.update;
      return {
        kind: "BGP",
        header,
        peerAs,
        peerAddress,
        localAs,
        localAddress,
        update: {
          withdrawnRoutes: u.withdrawnRoutes,
          pathAttributes: u.pathAttributes,
          nlri: u.nlri,
        },
        rawAttributes,
      };
    }
    if (subtype === 3) {
      const peerAs = c.u16("Peer AS");
      const peerAddress = c.ip(1, "Peer IP");
      const oldState = c.u16("Old State");
      const newState = c.u16("New State");
      return { kind: "BGP", header, peerAs, peerAddress, oldState, newState };
    }
    return { kind: "UNKNOWN", header, body };
  }
  return { kind: "UNKNOWN", header, body };
}

/** Decodes a BGP message inside MRT, tolerating a length field that disagrees with the record. */
function decodeBgpLenient(b: Uint8Array, ctx: SessionContext): BgpMessage {
  if (b.length < 19)
    throw new BgpWireError("TRUNCATED_MESSAGE", "BGP message shorter than its header", {
      offset: 0,
      field: "message",
    });
  const len = (b[16]! << 8) | b[17]!;
  const type = b[18]!;
  const end = Math.min(len, b.length);
  switch (type) {
    case 1:
      return decodeOpenBody(b, 19, end, 0);
    case 3:
      return {
        type: "NOTIFICATION",
        errorCode: b[19] ?? 0,
        errorSubcode: b[20] ?? 0,
        data: b.slice(21, end),
      };
    case 4:
      return { type: "KEEPALIVE" };
    case 5: {
      if (end < 23)
        throw new BgpWireError("TRUNCATED_MESSAGE", "ROUTE-REFRESH shorter than 23 octets", {
          offset: 0,
          field: "message",
        });
      const m = {
        type: "ROUTE_REFRESH" as const,
        afi: (b[19]! << 8) | b[20]!,
        subtype: b[21]!,
        safi: b[22]!,
      };
      return end > 23 ? { ...m, orf: b.slice(23, end) } : m;
    }
    default:
      void ctx;
      throw new BgpWireError("BAD_MESSAGE_TYPE", `BGP message type ${type}`, {
        offset: 18,
        field: "type",
      });
  }
}
