// Minimal MRT (RFC 6396) record walker for tests and benchmarks only: BGP4MP / BGP4MP_ET messages and
// TABLE_DUMP (v1) entries, decoded with @dyninfra/bgp-wire's message decoder. (bgp-wire's own MRT
// reader was not available when these benchmarks were written.)

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import {
  decodeMessage,
  type PathAttributes,
  type Prefix,
  type UpdateMessage,
} from "@dyninfra/bgp-wire";
import { formatIpv6 } from "../src/ip";
import { type RibUpdate, ribUpdateFromMessage } from "../src/rib";

function load(file: string): Uint8Array {
  const raw = readFileSync(file);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

const ip4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
function ip6(b: Uint8Array, o: number): string {
  const w = [0, 1, 2, 3].map(
    (i) =>
      ((b[o + 4 * i]! << 24) |
        (b[o + 4 * i + 1]! << 16) |
        (b[o + 4 * i + 2]! << 8) |
        b[o + 4 * i + 3]!) >>>
      0,
  );
  return formatIpv6(w);
}

/** One BGP4MP event: an UPDATE from a peer, or a session state change. */
export type MrtEvent =
  | { kind: "update"; peer: string; peerAs: number; update: RibUpdate }
  | { kind: "state"; peer: string; peerAs: number; established: boolean };

export interface PeerBatches {
  peer: string;
  peerAs: number;
  updates: RibUpdate[];
}

/** BGP4MP(_ET) UPDATEs and state changes, in file order. */
export function readBgp4mpEvents(file: string): MrtEvent[] {
  const buf = load(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: MrtEvent[] = [];
  for (let o = 0; o + 12 <= buf.length; ) {
    const type = dv.getUint16(o + 4);
    const sub = dv.getUint16(o + 6);
    const len = dv.getUint32(o + 8);
    let p = o + 12;
    const end = p + len;
    o = end;
    if (type !== 16 && type !== 17) continue;
    if (type === 17) p += 4;
    const as4 = sub === 4 || sub === 5;
    if (sub !== 0 && sub !== 1 && sub !== 4 && sub !== 5) continue;
    const peerAs = as4 ? dv.getUint32(p) : dv.getUint16(p);
    p += as4 ? 8 : 4;
    p += 2;
    const afi = dv.getUint16(p);
    p += 2;
    const peer = afi === 1 ? ip4(buf, p) : ip6(buf, p);
    p += afi === 1 ? 8 : 32;
    if (sub === 0 || sub === 5) {
      if (p + 4 <= end)
        out.push({ kind: "state", peer, peerAs, established: dv.getUint16(p + 2) === 6 });
      continue;
    }
    const msg = decodeMessage(buf.subarray(p, end), {
      fourOctetAs: as4,
      addPath: [],
      extendedMessage: true,
    });
    if (msg.type === "UPDATE")
      out.push({
        kind: "update",
        peer,
        peerAs,
        update: ribUpdateFromMessage(msg as UpdateMessage),
      });
  }
  return out;
}

/** BGP4MP(_ET) UPDATE messages per peer, in file order. */
export function readBgp4mpUpdates(file: string): PeerBatches[] {
  const buf = load(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const peers = new Map<string, PeerBatches>();
  for (let o = 0; o + 12 <= buf.length; ) {
    const type = dv.getUint16(o + 4);
    const sub = dv.getUint16(o + 6);
    const len = dv.getUint32(o + 8);
    let p = o + 12;
    const end = p + len;
    o = end;
    if (type !== 16 && type !== 17) continue;
    if (type === 17) p += 4; // microseconds
    const as4 = sub === 4 || sub === 7;
    if (sub !== 1 && sub !== 4) continue;
    const peerAs = as4 ? dv.getUint32(p) : dv.getUint16(p);
    p += as4 ? 8 : 4;
    p += 2; // interface
    const afi = dv.getUint16(p);
    p += 2;
    const peer = afi === 1 ? ip4(buf, p) : ip6(buf, p);
    p += afi === 1 ? 8 : 32;
    const msg = decodeMessage(buf.subarray(p, end), {
      fourOctetAs: as4,
      addPath: [],
      extendedMessage: true,
    });
    if (msg.type !== "UPDATE") continue;
    let b = peers.get(peer);
    if (b === undefined) {
      b = { peer, peerAs, updates: [] };
      peers.set(peer, b);
    }
    b.updates.push(ribUpdateFromMessage(msg as UpdateMessage));
  }
  return [...peers.values()];
}

/** TABLE_DUMP (v1, IPv4) entries per peer as announcements (attributes decoded via a synthetic UPDATE). */
export function readTableDump(file: string): PeerBatches[] {
  const buf = load(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const peers = new Map<
    string,
    { peer: string; peerAs: number; routes: { attributes: PathAttributes; nlri: Prefix[] }[] }
  >();
  for (let o = 0; o + 12 <= buf.length; ) {
    const type = dv.getUint16(o + 4);
    const sub = dv.getUint16(o + 6);
    const len = dv.getUint32(o + 8);
    const p = o + 12;
    o = p + len;
    if (type !== 12 || sub !== 1) continue;
    const prefix: Prefix = { afi: 1, address: ip4(buf, p + 4), length: buf[p + 8]! };
    const peer = ip4(buf, p + 14);
    const peerAs = dv.getUint16(p + 18);
    const alen = dv.getUint16(p + 20);
    const attrs = buf.subarray(p + 22, p + 22 + alen);
    // Synthetic UPDATE: marker, length, type 2, no withdrawn routes, the attributes, no NLRI.
    const m = new Uint8Array(19 + 4 + alen);
    m.fill(0xff, 0, 16);
    new DataView(m.buffer).setUint16(16, m.length);
    m[18] = 2;
    new DataView(m.buffer).setUint16(21, alen);
    m.set(attrs, 23);
    const u = decodeMessage(m, {
      fourOctetAs: false,
      addPath: [],
      extendedMessage: true,
    }) as UpdateMessage;
    let b = peers.get(peer);
    if (b === undefined) {
      b = { peer, peerAs, routes: [] };
      peers.set(peer, b);
    }
    b.routes.push({ attributes: u.pathAttributes, nlri: [prefix] });
  }
  return [...peers.values()].map((b) => {
    const updates: RibUpdate[] = [];
    for (let i = 0; i < b.routes.length; i += 64)
      updates.push({ announced: b.routes.slice(i, i + 64) });
    return { peer: b.peer, peerAs: b.peerAs, updates };
  });
}
