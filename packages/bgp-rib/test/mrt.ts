// MRT (RFC 6396) replay helpers for tests and benchmarks, on @dyninfra/bgp-wire's MRT decoder.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import {
  decodeMrt,
  type PathAttributes,
  type Prefix,
  type UpdateMessage,
} from "@dyninfra/bgp-wire";
import { type RibUpdate, ribUpdateFromMessage } from "../src/rib";

function load(file: string): Uint8Array {
  const raw = readFileSync(file);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/** One BGP4MP event: an UPDATE from a peer, or a session state change. */
export type MrtEvent =
  | { kind: "update"; peer: string; peerAs: number; update: RibUpdate }
  | { kind: "state"; peer: string; peerAs: number; established: boolean };

/** Updates of one peer. */
export interface PeerBatches {
  peer: string;
  peerAs: number;
  updates: RibUpdate[];
}

/** BGP4MP(_ET) UPDATEs received and session state changes, in file order. */
export function readBgp4mpEvents(file: string): MrtEvent[] {
  const out: MrtEvent[] = [];
  for (const r of decodeMrt(load(file))) {
    if (r.kind === "BGP4MP_STATE_CHANGE")
      out.push({
        kind: "state",
        peer: r.peerAddress,
        peerAs: r.peerAs,
        established: r.newState === 6,
      });
    else if (r.kind === "BGP4MP_MESSAGE" && !r.local && r.message?.type === "UPDATE")
      out.push({
        kind: "update",
        peer: r.peerAddress,
        peerAs: r.peerAs,
        update: ribUpdateFromMessage(r.message as UpdateMessage),
      });
  }
  return out;
}

/**
 * BGP4MP(_ET) UPDATEs received, in file order, decoded a chunk at a time: a speaker holds only the
 * messages in flight, so a benchmark feeding a RIB from these keeps the decoded input from
 * weighing on the garbage collector's work the way a whole decoded file does.
 */
export function* bgp4mpUpdateChunks(
  file: string,
  size: number,
): Generator<{ peer: string; peerAs: number; update: RibUpdate }[]> {
  let chunk: { peer: string; peerAs: number; update: RibUpdate }[] = [];
  for (const r of decodeMrt(load(file))) {
    if (r.kind !== "BGP4MP_MESSAGE" || r.local || r.message?.type !== "UPDATE") continue;
    chunk.push({
      peer: r.peerAddress,
      peerAs: r.peerAs,
      update: ribUpdateFromMessage(r.message as UpdateMessage),
    });
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** BGP4MP(_ET) UPDATE messages per peer, in file order. */
export function readBgp4mpUpdates(file: string): PeerBatches[] {
  const peers = new Map<string, PeerBatches>();
  for (const e of readBgp4mpEvents(file)) {
    if (e.kind !== "update") continue;
    let b = peers.get(e.peer);
    if (b === undefined) {
      b = { peer: e.peer, peerAs: e.peerAs, updates: [] };
      peers.set(e.peer, b);
    }
    b.updates.push(e.update);
  }
  return [...peers.values()];
}

/** TABLE_DUMP (v1) entries per peer, as announcements in batches of 64 routes. */
export function readTableDump(file: string): PeerBatches[] {
  const peers = new Map<
    string,
    { peer: string; peerAs: number; routes: { attributes: PathAttributes; nlri: Prefix[] }[] }
  >();
  for (const r of decodeMrt(load(file))) {
    if (r.kind !== "TABLE_DUMP") continue;
    let b = peers.get(r.peerAddress);
    if (b === undefined) {
      b = { peer: r.peerAddress, peerAs: r.peerAs, routes: [] };
      peers.set(r.peerAddress, b);
    }
    b.routes.push({ attributes: r.attributes, nlri: [r.prefix] });
  }
  return [...peers.values()].map((b) => {
    const updates: RibUpdate[] = [];
    for (let i = 0; i < b.routes.length; i += 64)
      updates.push({ announced: b.routes.slice(i, i + 64) });
    return { peer: b.peer, peerAs: b.peerAs, updates };
  });
}
