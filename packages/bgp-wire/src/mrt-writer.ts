import { encodeMessage } from "./codec";
import { BgpWireError } from "./errors";
import { encodeAttributes } from "./internal/attributes";
import { parseIpv4, parseIpv6 } from "./internal/ip";
import { encodePrefix } from "./internal/nlri";
import { ByteWriter } from "./internal/writer";
import type { BgpMessage } from "./messages";
import type { MrtPeer } from "./mrt";
import type { PathAttributes } from "./path-attributes";
import type { Prefix } from "./prefix";
import type { SessionContext } from "./session-context";

/**
 * A record to write with {@link encodeMrtRecord}: TABLE_DUMP_V2 (PEER_INDEX_TABLE, RIB_IPV4/IPV6
 * UNICAST/MULTICAST and their ADD-PATH variants) or BGP4MP / BGP4MP_ET (MESSAGE*, STATE_CHANGE*).
 * Decoded records of these kinds are accepted as they are (their `rawAttributes` /
 * `rawMessage` bytes are written verbatim when present, so re-writing is byte-exact).
 *
 * @example
 * ```ts
 * import type { MrtWriteRecord } from "@dyninfra/bgp-wire";
 * const r: MrtWriteRecord = {
 *   kind: "BGP4MP_STATE_CHANGE", header: { timestamp: 1700000000 },
 *   peerAs: 64500, localAs: 64501, interfaceIndex: 0, afi: 1,
 *   peerAddress: "192.0.2.1", localAddress: "192.0.2.2", oldState: 1, newState: 6,
 * };
 * ```
 */
export type MrtWriteRecord =
  | {
      readonly kind: "PEER_INDEX_TABLE";
      readonly header: MrtWriteHeader;
      readonly collectorBgpId: string;
      readonly viewName: string;
      readonly peers: readonly MrtPeer[];
    }
  | {
      readonly kind: "RIB";
      readonly header: MrtWriteHeader;
      readonly sequenceNumber: number;
      /** SAFI: 1 unicast (default), 2 multicast. */
      readonly safi?: number;
      readonly prefix: Prefix | undefined;
      readonly entries: readonly {
        readonly peerIndex: number;
        readonly originatedTime: number;
        readonly pathId?: number;
        readonly attributes: PathAttributes;
        readonly rawAttributes?: Uint8Array;
      }[];
    }
  | {
      readonly kind: "BGP4MP_MESSAGE";
      readonly header: MrtWriteHeader;
      readonly peerAs: number;
      readonly localAs: number;
      readonly interfaceIndex: number;
      readonly afi: number;
      readonly peerAddress: string;
      readonly localAddress: string;
      readonly local?: boolean;
      readonly message: BgpMessage | undefined;
      readonly rawMessage?: Uint8Array;
    }
  | {
      readonly kind: "BGP4MP_STATE_CHANGE";
      readonly header: MrtWriteHeader;
      readonly peerAs: number;
      readonly localAs: number;
      readonly interfaceIndex: number;
      readonly afi: number;
      readonly peerAddress: string;
      readonly localAddress: string;
      readonly oldState: number;
      readonly newState: number;
    };

/**
 * Header fields chosen by the writer's caller; `type`/`subtype` are derived from the record
 * unless given (e.g. to keep MESSAGE vs MESSAGE_AS4 of a decoded record).
 *
 * @example
 * ```ts
 * import type { MrtWriteHeader } from "@dyninfra/bgp-wire";
 * const h: MrtWriteHeader = { timestamp: 1445565678, microseconds: 509481 };
 * ```
 */
export interface MrtWriteHeader {
  readonly timestamp: number;
  /** Present ⇒ BGP4MP_ET with this Microsecond Timestamp. */
  readonly microseconds?: number;
  readonly type?: number;
  readonly subtype?: number;
}

function ip(w: ByteWriter, afi: number, text: string, field: string): void {
  const b = new Uint8Array(afi === 2 ? 16 : 4);
  const ok = afi === 2 ? parseIpv6(text, b, 0) : parseIpv4(text, b, 0);
  if (!ok)
    throw new BgpWireError("INVALID_ADDRESS", `invalid address "${text}" for AFI ${afi}`, {
      field,
    });
  w.bytes(b);
}

const RIB_CTX: SessionContext = { fourOctetAs: true, addPath: [], extendedMessage: true };

/** RIB entry attributes: 4-octet ASes, MP_REACH_NLRI abbreviated to its next hop (RFC 6396 §4.3.4). */
function ribAttributes(w: ByteWriter, a: PathAttributes): void {
  const { mpReachNlri, ...rest } = a;
  encodeAttributes(w, rest, RIB_CTX);
  if (mpReachNlri !== undefined) {
    const nh = new ByteWriter(32);
    for (const h of mpReachNlri.nextHop) ip(nh, h.includes(":") ? 2 : 1, h, "mpReachNlri.nextHop");
    const len = 1 + nh.pos;
    w.u8(0x80);
    w.u8(14);
    w.u8(len);
    w.u8(nh.pos);
    w.bytes(nh.buf.subarray(0, nh.pos));
  }
}

/**
 * The Path Attributes field of a TABLE_DUMP_V2 RIB entry (RFC 6396 §4.3.4: 4-octet AS numbers,
 * MP_REACH_NLRI abbreviated to its next hop), exactly as {@link encodeMrtRecord} writes an entry's
 * `attributes`: a writer of many entries sharing attribute sets (a RIB dump) encodes each set once
 * and gives the bytes to its entries as `rawAttributes`.
 *
 * @throws {@link BgpWireError} for an attribute that cannot be encoded (an invalid next hop, say).
 *
 * @example
 * ```ts
 * import { encodeRibEntryAttributes } from "@dyninfra/bgp-wire";
 * encodeRibEntryAttributes({ origin: "IGP", asPath: [], nextHop: "192.0.2.1" }).length; // 14
 * ```
 */
export function encodeRibEntryAttributes(a: PathAttributes): Uint8Array {
  const w = new ByteWriter(64);
  ribAttributes(w, a);
  return w.result();
}

/**
 * Encodes one MRT record (RFC 6396, RFC 8050) with its common header.
 *
 * @example
 * ```ts
 * import { decodeMrt, encodeMrtRecord } from "@dyninfra/bgp-wire";
 * const bytes = encodeMrtRecord({
 *   kind: "BGP4MP_STATE_CHANGE", header: { timestamp: 1700000000 },
 *   peerAs: 64500, localAs: 64501, interfaceIndex: 0, afi: 1,
 *   peerAddress: "192.0.2.1", localAddress: "192.0.2.2", oldState: 1, newState: 6,
 * });
 * [...decodeMrt(bytes)][0]?.kind; // "BGP4MP_STATE_CHANGE"
 * ```
 */
export function encodeMrtRecord(r: MrtWriteRecord): Uint8Array {
  const w = new ByteWriter(256);
  writeRecord(w, r);
  return w.result();
}

/** Appends record `r` to `w`. */
function writeRecord(w: ByteWriter, r: MrtWriteRecord): void {
  const h = r.header;
  let type: number;
  let subtype: number;
  const et = h.microseconds !== undefined;
  w.u32(h.timestamp);
  const typeAt = w.reserve(4);
  const lenAt = w.reserve(4);
  if (et) w.u32(h.microseconds!);
  const bodyStart = w.pos;
  switch (r.kind) {
    case "PEER_INDEX_TABLE": {
      type = 13;
      subtype = 1;
      ip(w, 1, r.collectorBgpId, "collectorBgpId");
      const name = Buffer.from(r.viewName, "utf8");
      w.u16(name.length);
      w.bytes(name);
      w.u16(r.peers.length);
      for (const p of r.peers) {
        w.u8(p.peerType);
        ip(w, 1, p.peerBgpId, "peerBgpId");
        ip(w, p.peerType & 1 ? 2 : 1, p.peerAddress, "peerAddress");
        if (p.peerType & 2) w.u32(p.peerAs);
        else w.u16(p.peerAs);
      }
      break;
    }
    case "RIB": {
      type = 13;
      const prefix = r.prefix;
      if (prefix === undefined) {
        throw new BgpWireError(
          "UNSUPPORTED_RIB",
          "RIB records without an IP prefix cannot be written",
          { field: "prefix" },
        );
      }
      const addPath = r.entries.some((e) => e.pathId !== undefined);
      const safi = r.safi ?? 1;
      subtype = (prefix.afi === 1 ? 2 : 4) + (safi === 2 ? 1 : 0) + (addPath ? 6 : 0);
      w.u32(r.sequenceNumber);
      encodePrefix(w, prefix, false);
      w.u16(r.entries.length);
      for (const e of r.entries) {
        w.u16(e.peerIndex);
        w.u32(e.originatedTime);
        if (addPath) w.u32(e.pathId ?? 0);
        const at = w.reserve(2);
        if (e.rawAttributes !== undefined) w.bytes(e.rawAttributes);
        else ribAttributes(w, e.attributes);
        w.setU16(at, w.pos - at - 2);
      }
      break;
    }
    case "BGP4MP_STATE_CHANGE": {
      type = et ? 17 : 16;
      const asn4 = h.subtype === 5 || r.peerAs > 0xffff || r.localAs > 0xffff;
      subtype = asn4 ? 5 : 0;
      if (asn4) {
        w.u32(r.peerAs);
        w.u32(r.localAs);
      } else {
        w.u16(r.peerAs);
        w.u16(r.localAs);
      }
      w.u16(r.interfaceIndex);
      w.u16(r.afi);
      ip(w, r.afi, r.peerAddress, "peerAddress");
      ip(w, r.afi, r.localAddress, "localAddress");
      w.u16(r.oldState);
      w.u16(r.newState);
      break;
    }
    case "BGP4MP_MESSAGE": {
      type = et ? 17 : 16;
      const given = h.subtype;
      const asn4 = given !== undefined ? [4, 7, 9, 11].includes(given) : true;
      const addPath = given !== undefined && given >= 8;
      const local = r.local === true;
      subtype = given ?? (asn4 ? (local ? 7 : 4) : local ? 6 : 1);
      if (asn4) {
        w.u32(r.peerAs);
        w.u32(r.localAs);
      } else {
        w.u16(r.peerAs);
        w.u16(r.localAs);
      }
      w.u16(r.interfaceIndex);
      w.u16(r.afi);
      ip(w, r.afi, r.peerAddress, "peerAddress");
      ip(w, r.afi, r.localAddress, "localAddress");
      if (r.rawMessage !== undefined) w.bytes(r.rawMessage);
      else if (r.message !== undefined) {
        const fam = [1, 2].flatMap((afi) => [1, 2].map((safi) => ({ afi, safi })));
        w.bytes(
          encodeMessage(r.message, {
            fourOctetAs: asn4,
            addPath: addPath ? fam : [],
            extendedMessage: true,
          }),
        );
      } else
        throw new BgpWireError("MISSING_MESSAGE", "BGP4MP_MESSAGE needs message or rawMessage", {
          field: "message",
        });
      break;
    }
  }
  w.setU16(typeAt, h.type ?? type);
  w.setU16(typeAt + 2, subtype);
  const len = w.pos - bodyStart + (et ? 4 : 0);
  w.setU16(lenAt, len >>> 16);
  w.setU16(lenAt + 2, len & 0xffff);
}

/**
 * Encodes a sequence of MRT records into one byte array (write it to a file as is, or gzip it).
 *
 * @example
 * ```ts
 * import { encodeMrt } from "@dyninfra/bgp-wire";
 * encodeMrt([]).length; // 0
 * ```
 */
export function encodeMrt(records: Iterable<MrtWriteRecord>): Uint8Array {
  const w = new ByteWriter(4096);
  for (const r of records) writeRecord(w, r);
  return w.result();
}
