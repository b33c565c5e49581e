import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import {
  encodeMrt,
  encodeMrtRecord,
  formatPrefix,
  type MrtPeer,
  type MrtWriteRecord,
  type Prefix,
} from "@dyninfra/bgp-wire";
import { BgpSpeakerError } from "./errors";
import type { Router } from "./router";

/** The FSM state numbers of MRT's BGP4MP_STATE_CHANGE (RFC 6396 §4.4.1). */
export const MRT_FSM_STATE: Readonly<Record<string, number>> = Object.freeze({
  Idle: 1,
  Connect: 2,
  Active: 3,
  OpenSent: 4,
  OpenConfirm: 5,
  Established: 6,
});

/**
 * Our address on a neighbour's session as configured (the neighbour's `localAddress`, else the
 * router's address of the session's family; unspecified when there is none).
 */
export function configuredLocalAddress(router: Router, name: string): string {
  const n = router.neighborSpec(name);
  return n.address.includes(":")
    ? (router.spec.localIpv6Address ?? "::")
    : (n.localAddress ?? router.spec.localAddress ?? "0.0.0.0");
}

/** Where a neighbour's session runs, as MRT's BGP4MP records name it. */
function endpoints(router: Router, name: string) {
  const n = router.neighborSpec(name);
  const afi = n.address.includes(":") ? 2 : 1;
  const local = configuredLocalAddress(router, name);
  return {
    afi,
    peerAddress: n.address,
    peerAs: n.asn,
    localAddress: local,
    localAs: router.spec.asn,
  };
}

/** Seconds and microseconds of a wall-clock time in ms (BGP4MP_ET's header). */
const stamp = (ms: number) => ({
  timestamp: Math.floor(ms / 1000),
  microseconds: Math.floor((ms % 1000) * 1000),
});

/**
 * A router's UPDATE log in MRT (RFC 6396), as route collectors and `dump bgp updates` (FRR) /
 * `mrt dump` (BIRD) write it: every UPDATE received, byte for byte, as a BGP4MP_ET
 * MESSAGE_AS4 record (MESSAGE_AS4_ADDPATH, RFC 8050, on sessions receiving Path Identifiers),
 * and every session state change as STATE_CHANGE_AS4 — readable by `bgpdump`, by this project's
 * `decodeMrt`, and by any MRT tool. With `all`, OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH
 * messages too. Records are buffered and appended to the file once per event-loop turn.
 *
 * @example
 * ```ts
 * import { MrtUpdateLog, type Router } from "@dyninfra/bgp-speaker";
 * const log = (router: Router) => new MrtUpdateLog(router, "/var/log/dyninfra/updates.mrt");
 * ```
 */
export class MrtUpdateLog {
  /** Records written so far. */
  records = 0;
  private fd: number | undefined;
  private pending: Uint8Array[] = [];
  private scheduled = false;
  private readonly onMessage: (name: string, type: number, bytes: Uint8Array) => void;
  private readonly onSession: (name: string, from: string, to: string) => void;

  constructor(
    private readonly router: Router,
    readonly file: string,
    options: { readonly all?: boolean; readonly now?: () => number } = {},
  ) {
    try {
      this.fd = openSync(file, "a");
    } catch (e) {
      throw new BgpSpeakerError("MRT_DUMP", `cannot open ${file}: ${(e as Error).message}`, {
        field: "mrtDump.updates",
      });
    }
    const now = options.now ?? Date.now;
    this.onMessage = (name, type, bytes) => {
      if (type !== 2 && options.all !== true) return;
      const e = endpoints(router, name);
      const addPath = (router.session(name).negotiated?.receive.addPath.length ?? 0) > 0;
      this.push({
        kind: "BGP4MP_MESSAGE",
        header: { ...stamp(now()), subtype: addPath ? 9 : 4 },
        ...e,
        interfaceIndex: 0,
        message: undefined,
        rawMessage: bytes,
      });
    };
    this.onSession = (name, from, to) => {
      const e = endpoints(router, name);
      this.push({
        kind: "BGP4MP_STATE_CHANGE",
        header: { ...stamp(now()), subtype: 5 },
        ...e,
        interfaceIndex: 0,
        oldState: MRT_FSM_STATE[from] ?? 0,
        newState: MRT_FSM_STATE[to] ?? 0,
      });
    };
    router.on("message", this.onMessage);
    router.on("session", this.onSession);
  }

  /** Writes what is buffered, stops logging and closes the file. */
  close(): void {
    this.router.off("message", this.onMessage);
    this.router.off("session", this.onSession);
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Writes what is buffered now. */
  flush(): void {
    const chunks = this.pending;
    this.pending = [];
    if (this.fd === undefined) return;
    for (const c of chunks) writeSync(this.fd, c);
  }

  private push(r: MrtWriteRecord): void {
    if (this.fd === undefined) return;
    // Encoded at once: the message bytes are valid during the event only.
    this.pending.push(encodeMrtRecord(r));
    this.records++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }
}

/**
 * A TABLE_DUMP_V2 snapshot (RFC 6396 §4.3) of what a router's neighbours have sent it — each
 * neighbour's Adj-RIB-In before import policy, as a route collector's RIB dump holds it: a
 * PEER_INDEX_TABLE (the router's BGP Identifier; every configured neighbour), then one
 * RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record per prefix with an entry per neighbour that sent it.
 * `time` (s) is the records' timestamp and the entries' originated time.
 *
 * @example
 * ```ts
 * import { ribDumpRecords, type Router } from "@dyninfra/bgp-speaker";
 * const count = (router: Router) => ribDumpRecords(router).length;
 * ```
 */
export function ribDumpRecords(
  router: Router,
  time = Math.floor(Date.now() / 1000),
): MrtWriteRecord[] {
  const names = router.neighborNames();
  const peers: MrtPeer[] = names.map((name) => {
    const n = router.neighborSpec(name);
    return {
      peerType: 2 | (n.address.includes(":") ? 1 : 0),
      peerBgpId: router.session(name).negotiated?.peerBgpIdentifier ?? "0.0.0.0",
      peerAddress: n.address,
      peerAs: n.asn,
    };
  });
  const header = { timestamp: time };
  type RibRecord = Extract<MrtWriteRecord, { kind: "RIB" }>;
  const byPrefix = new Map<string, { prefix: Prefix; entries: RibRecord["entries"][number][] }>();
  names.forEach((name, peerIndex) => {
    const address = router.neighborSpec(name).address;
    if (!router.rib.peerAddresses().includes(address)) return;
    for (const r of router.rib.adjRibIn(address, "pre")) {
      const { pathId, ...prefix } = r.prefix;
      const key = formatPrefix(prefix);
      let e = byPrefix.get(key);
      if (e === undefined) {
        e = { prefix, entries: [] };
        byPrefix.set(key, e);
      }
      e.entries.push({
        peerIndex,
        originatedTime: time,
        ...(pathId !== undefined ? { pathId } : {}),
        attributes: r.attributes,
      });
    }
  });
  const records: MrtWriteRecord[] = [
    {
      kind: "PEER_INDEX_TABLE",
      header,
      collectorBgpId: router.spec.bgpIdentifier,
      viewName: "",
      peers,
    },
  ];
  let seq = 0;
  for (const { prefix, entries } of byPrefix.values())
    records.push({ kind: "RIB", header, sequenceNumber: seq++, prefix, entries });
  return records;
}

/**
 * Writes {@link ribDumpRecords} to `file` (replacing it); returns the number of prefixes and of
 * entries written.
 *
 * @example
 * ```ts
 * import { writeRibDump, type Router } from "@dyninfra/bgp-speaker";
 * const dump = (router: Router) => writeRibDump(router, "/tmp/rib.mrt").prefixes;
 * ```
 */
export function writeRibDump(router: Router, file: string): { prefixes: number; entries: number } {
  const records = ribDumpRecords(router);
  try {
    writeFileSync(file, encodeMrt(records));
  } catch (e) {
    throw new BgpSpeakerError("MRT_DUMP", `cannot write ${file}: ${(e as Error).message}`, {
      field: "file",
    });
  }
  let entries = 0;
  for (const r of records) if (r.kind === "RIB") entries += r.entries.length;
  return { prefixes: records.length - 1, entries };
}
