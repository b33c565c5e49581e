import { connect, type Socket } from "node:net";
import {
  type AdjRibOutUpdate,
  type ChangeSet,
  type LocRibChange,
  type Route,
  withoutZone,
} from "@dyninfra/bgp-rib";
import {
  type AfiSafi,
  DEFAULT_SESSION_CONTEXT,
  decodeUpdate,
  encodeAnnouncements,
  encodeMessage,
  encodeWithdrawals,
  type NotificationMessage,
  type PathAttributes,
  type Prefix,
  type SessionContext,
  sessionContext,
} from "@dyninfra/bgp-wire";
import { endOfRib } from "./graceful-restart";
import { configuredLocalAddress } from "./mrt-dump";
import { localOpen, speakerCapabilities } from "./open";
import type { Router } from "./router";

/** BMP message types (RFC 7854 §4.1). */
export const BMP_TYPE = Object.freeze({
  routeMonitoring: 0,
  statisticsReport: 1,
  peerDown: 2,
  peerUp: 3,
  initiation: 4,
  termination: 5,
  routeMirroring: 6,
});

/** A BMP message: the common header (version 3, length, type) and `body` (RFC 7854 §4.1). */
export function bmpMessage(type: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(6 + body.length);
  const v = new DataView(m.buffer);
  v.setUint8(0, 3);
  v.setUint32(1, m.length);
  v.setUint8(5, type);
  m.set(body, 6);
  return m;
}

/** An address in BMP's 16-byte field: IPv6 as is, IPv4 in the last 4 bytes. */
function address16(text: string): Uint8Array {
  const b = new Uint8Array(16);
  if (!text.includes(":")) {
    const parts = text.split(".").map(Number);
    b.set(parts, 12);
    return b;
  }
  // Expand "::" and write the eight groups.
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head === "" ? [] : head!.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    b[2 * i] = n >> 8;
    b[2 * i + 1] = n & 255;
  });
  return b;
}

const ipv4Bytes = (text: string) => new Uint8Array(text.split(".").map(Number));

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * A TLV (RFC 7854 §4.4, §4.5, §4.7): type, length, value — a string as UTF-8, bytes as they are.
 */
function tlv(type: number, value: string | Uint8Array): Uint8Array {
  const v = typeof value === "string" ? new TextEncoder().encode(value) : value;
  const b = new Uint8Array(4 + v.length);
  new DataView(b.buffer).setUint16(0, type);
  new DataView(b.buffer).setUint16(2, v.length);
  b.set(v, 4);
  return b;
}

/**
 * What the per-peer header says of a neighbour (RFC 7854 §4.2), or with `locRib` of the router's
 * Loc-RIB (RFC 9069 §4: peer type 3, address zero-filled; `address` is then ignored).
 */
export interface BmpPeer {
  readonly address: string;
  readonly asn: number;
  readonly bgpIdentifier: string;
  /** The session carries 2-octet AS numbers (the A flag). */
  readonly twoOctetAs?: boolean;
  /** Post-policy (the L flag); default pre-policy. */
  readonly postPolicy?: boolean;
  /** The routes are the Adj-RIB-Out towards the neighbour (the O flag, RFC 8671). */
  readonly adjRibOut?: boolean;
  /** A Loc-RIB Instance Peer (type 3, RFC 9069). */
  readonly locRib?: boolean;
  /** With `locRib`: the Loc-RIB is reported filtered (the F flag). */
  readonly filtered?: boolean;
}

/**
 * The 42-byte per-peer header (RFC 7854 §4.2): a global-instance peer (type 0) or, with
 * `locRib`, the Loc-RIB Instance Peer of the global instance (type 3, RFC 9069 §4); time `ms`.
 */
export function bmpPerPeerHeader(peer: BmpPeer, ms: number): Uint8Array {
  const b = new Uint8Array(42);
  const v = new DataView(b.buffer);
  if (peer.locRib === true) {
    v.setUint8(0, 3);
    v.setUint8(1, peer.filtered === true ? 0x80 : 0);
  } else {
    v.setUint8(0, 0);
    v.setUint8(
      1,
      (peer.address.includes(":") ? 0x80 : 0) |
        (peer.postPolicy === true ? 0x40 : 0) |
        (peer.twoOctetAs === true ? 0x20 : 0) |
        (peer.adjRibOut === true ? 0x10 : 0),
    );
    b.set(address16(peer.address), 10);
  }
  v.setUint32(26, peer.asn);
  b.set(ipv4Bytes(peer.bgpIdentifier), 30);
  v.setUint32(34, Math.floor(ms / 1000));
  v.setUint32(38, Math.floor((ms % 1000) * 1000));
  return b;
}

/** Options of {@link BmpExporter}. */
export interface BmpOptions {
  /** The monitoring station (collector). */
  readonly host: string;
  readonly port: number;
  /** sysName and sysDescr of the Initiation message; defaults: the BGP Identifier, "dyninfra". */
  readonly sysName?: string;
  readonly sysDescr?: string;
  /** Milliseconds before connecting again after the station closed or could not be reached. */
  readonly reconnectMs?: number;
  /**
   * Seconds between Statistics Reports (RFC 7854 §4.8) for each Established neighbour: routes
   * rejected by import policy (type 0), duplicate announcements and withdrawals (1, 2), UPDATEs
   * invalidated by a CLUSTER_LIST, AS_PATH, ORIGINATOR_ID or AS_CONFED loop (3–6), UPDATEs and
   * routes treated as withdrawn (11, 12), duplicate UPDATEs (13), routes in its Adj-RIB-In (type
   * 7) and per family (type 9), and in its Adj-RIB-Out before and after export policy (RFC 8671:
   * 14 and 15, and per family 16 and 17);
   * with `"loc-rib"` monitored, one for the Loc-RIB too (routes in it, type 8, and per family,
   * type 10: RFC 9069 §5.6). Default: none.
   */
  readonly statisticsInterval?: number;
  /**
   * The RIBs reported in Route Monitoring messages (default `["pre-policy"]`):
   * `"pre-policy"`, each neighbour's Adj-RIB-In as received (RFC 7854); `"post-policy"`, each
   * neighbour's Adj-RIB-In after import policy (RFC 7854, the L flag: its routes after its Peer
   * Up, then each change, also when a policy or the VRPs change); `"adj-rib-out-pre-policy"`,
   * what each neighbour would be sent before its export policy (RFC 8671: the O flag; the best
   * routes with the protocol's rules and attribute changes applied, see `@dyninfra/bgp-rib`'s
   * `Rib.adjRibOutPre`); `"adj-rib-out"`, what is
   * sent to each neighbour, after export policy (RFC 8671: O and L flags); `"loc-rib"`, the
   * routes the decision process selected (RFC 9069: a Loc-RIB Instance Peer with its own Peer Up);
   * `"route-mirroring"`, not a RIB but every message an Established neighbour sends except
   * KEEPALIVE, verbatim, in Route Mirroring messages (RFC 7854 §4.7), an UPDATE with an error
   * (RFC 7606: repaired, treated as withdraw, or ending the session) marked as an Errored PDU.
   */
  readonly monitoring?: readonly BmpMonitoring[];
  /** The Loc-RIB's VRF/Table Name (RFC 9069 §5.2.1); default `"global"`. */
  readonly tableName?: string;
}

/** A RIB a BMP station can be sent (see {@link BmpOptions.monitoring}). */
export type BmpMonitoring =
  | "pre-policy"
  | "post-policy"
  | "adj-rib-out-pre-policy"
  | "adj-rib-out"
  | "loc-rib"
  | "route-mirroring";

/** BMP monitoring modes, in the order they are reported. */
export const BMP_MONITORING: readonly BmpMonitoring[] = Object.freeze([
  "pre-policy",
  "post-policy",
  "adj-rib-out-pre-policy",
  "adj-rib-out",
  "loc-rib",
  "route-mirroring",
]);

/**
 * A delta to report: `withdrawn`, and `routes` grouped by attribute set in first-seen order (one
 * run of UPDATEs each), Path Identifiers dropped with `stripPathId`.
 */
function toDelta(
  withdrawn: Prefix[],
  routes: Iterable<{ readonly prefix: Prefix; readonly attributes: PathAttributes }>,
  stripPathId = false,
): AdjRibOutUpdate {
  const groups = new Map<PathAttributes, Prefix[]>();
  for (const r of routes) {
    let g = groups.get(r.attributes);
    if (g === undefined) {
      g = [];
      groups.set(r.attributes, g);
    }
    if (stripPathId) {
      const { pathId: _, ...prefix } = r.prefix;
      g.push(prefix);
    } else g.push(r.prefix);
  }
  return { withdrawn, announced: [...groups].map(([attributes, nlri]) => ({ attributes, nlri })) };
}

/** A prefix as text (without its Path Identifier): the key of the reported-route sets. */
const prefixKey = (p: Prefix): string => `${p.address}/${p.length}`;

/** The families of the Loc-RIB's fabricated OPEN and End-of-RIB markers. */
const LOC_RIB_FAMILIES = [
  { afi: 1, safi: 1 },
  { afi: 2, safi: 1 },
] as const;

/** Context of the Loc-RIB's Route Monitoring PDUs: 4-octet ASNs (RFC 9069 §5.5.1). */
const LOC_RIB_CONTEXT: SessionContext = sessionContext({ fourOctetAs: true });

const UNICAST4 = (n: number) => ({ afi: 1, safi: 1, n });
const UNICAST6 = (n: number) => ({ afi: 2, safi: 1, n });

/**
 * The body of a Statistics Report (RFC 7854 §4.8): 32-bit counters (`[type, value]`, wrapping),
 * then for each gauge its total (64-bit, type `all`: `total`, or the families' sum) and per
 * AFI/SAFI (AFI u16, SAFI u8, 64-bit; type `perFamily`).
 */
function statisticsReport(
  counters: readonly (readonly [number, number])[],
  gauges: readonly {
    readonly all: number;
    readonly perFamily: number;
    readonly total?: number;
    readonly families: readonly {
      readonly afi: number;
      readonly safi: number;
      readonly n: number;
    }[];
  }[],
): Uint8Array {
  let size = 4 + counters.length * 8;
  let count = counters.length;
  for (const g of gauges) {
    size += 12 + 15 * g.families.length;
    count += 1 + g.families.length;
  }
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, count);
  let at = 4;
  for (const [type, n] of counters) {
    v.setUint16(at, type);
    v.setUint16(at + 2, 4);
    v.setUint32(at + 4, n >>> 0);
    at += 8;
  }
  for (const g of gauges) {
    v.setUint16(at, g.all);
    v.setUint16(at + 2, 8);
    v.setBigUint64(at + 4, BigInt(g.total ?? g.families.reduce((k, f) => k + f.n, 0)));
    at += 12;
    for (const f of g.families) {
      v.setUint16(at, g.perFamily);
      v.setUint16(at + 2, 11);
      v.setUint16(at + 4, f.afi);
      v.setUint8(at + 6, f.safi);
      v.setBigUint64(at + 7, BigInt(f.n));
      at += 15;
    }
  }
  return b;
}

/**
 * A BMP monitored router (RFC 7854): connects to a monitoring station and reports the router's
 * sessions — Initiation (sysName, sysDescr), Peer Up with both OPENs for each Established
 * neighbour, then its Adj-RIB-In (pre-policy) as Route Monitoring messages and End-of-RIB, and
 * from then on every UPDATE received as it came (Route Monitoring), every session that goes down
 * (Peer Down, with the NOTIFICATION sent or received) or comes up (Peer Up). Reconnects after the
 * station closes (and synchronises again); `close` sends Termination.
 *
 * @example
 * ```ts
 * import { BmpExporter, type Router } from "@dyninfra/bgp-speaker";
 * const monitor = (router: Router) => new BmpExporter(router, { host: "192.0.2.9", port: 1790 });
 * ```
 */
/** Whether a Loc-RIB change keeps the best route (only its multipath set changed). */
const sameBest = (c: LocRibChange): boolean =>
  c.previous !== undefined &&
  c.current !== undefined &&
  c.previous.peer === c.current.peer &&
  c.previous.attributes === c.current.attributes;

export class BmpExporter {
  /** BMP messages written so far. */
  sent = 0;
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  /** Per neighbour: the last OPEN received (as it came) and the last NOTIFICATION. */
  private readonly opens = new Map<string, Uint8Array>();
  private readonly notes = new Map<string, { dir: "sent" | "received"; m: NotificationMessage }>();
  private readonly listeners: [string, (...args: never[]) => void][];
  private readonly monitor: ReadonlySet<BmpMonitoring>;
  /** Neighbours whose Peer Up this station has had (since it connected). */
  private readonly up = new Set<string>();
  /** Loc-RIB routes, IPv4 and IPv6 (counted at the Loc-RIB dump, then kept by its changes). */
  private locRibCount = [0, 0];
  /**
   * Per neighbour, the post-policy routes reported, by prefix text with Path Identifier: the
   * prefix and the attributes (the RIB's interned object: the same while the route is unchanged).
   */
  private readonly post = new Map<
    string,
    Map<string, { readonly prefix: Prefix; readonly attributes: PathAttributes }>
  >();
  /** Per neighbour, the pre-policy Adj-RIB-Out routes reported (RFC 8671): their prefixes by text. */
  private readonly preReported = new Map<string, Set<string>>();

  constructor(
    private readonly router: Router,
    readonly options: BmpOptions,
  ) {
    this.monitor = new Set(options.monitoring ?? ["pre-policy"]);
    const onMessage = (name: string, type: number, bytes: Uint8Array) => {
      if (type === 1) this.opens.set(name, bytes.slice());
      else if (this.connected && this.router.session(name).state === "Established") {
        if (type === 2 && this.monitor.has("pre-policy"))
          this.write(BMP_TYPE.routeMonitoring, [this.peerHeader(name), bytes]);
        if (type !== 4 && this.monitor.has("route-mirroring")) this.mirror(name, type, bytes);
      }
    };
    const onSession = (name: string, from: string, to: string) => {
      if (!this.connected) return;
      if (to === "Established") {
        this.peerUp(name);
        if (this.monitor.has("post-policy")) this.postPolicy(name, undefined, true);
        if (this.monitor.has("adj-rib-out-pre-policy")) this.dumpAdjRibOut(name, false);
        if (this.monitor.has("adj-rib-out")) this.dumpAdjRibOut(name, true);
      } else if (from === "Established") this.peerDown(name);
    };
    const onNotification = (name: string, dir: "sent" | "received", m: NotificationMessage) =>
      this.notes.set(name, { dir, m });
    const onChanges = (changes: ChangeSet) => {
      if (this.connected) this.changes(changes);
    };
    const onAdjRibIn = (name: string, prefixes: readonly Prefix[] | undefined) => {
      if (this.connected && this.up.has(name)) this.postPolicy(name, prefixes);
    };
    this.listeners = [
      ["message", onMessage as (...args: never[]) => void],
      ["session", onSession as (...args: never[]) => void],
      ["notification", onNotification as (...args: never[]) => void],
    ];
    if (
      this.monitor.has("adj-rib-out") ||
      this.monitor.has("adj-rib-out-pre-policy") ||
      this.monitor.has("loc-rib")
    )
      this.listeners.push(["changes", onChanges as (...args: never[]) => void]);
    if (this.monitor.has("post-policy"))
      this.listeners.push(["adj-rib-in", onAdjRibIn as (...args: never[]) => void]);
    for (const [e, f] of this.listeners) router.on(e as "message", f as never);
    this.connect();
  }

  /** Sends Termination and stops. */
  close(): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    if (this.statsTimer !== undefined) clearInterval(this.statsTimer);
    for (const [e, f] of this.listeners) this.router.off(e as "message", f as never);
    const s = this.socket;
    if (s === undefined || !this.connected) {
      s?.destroy();
      return Promise.resolve();
    }
    // The Loc-RIB's peer goes down first (RFC 9069 §5.3: reason 6, with the table name).
    if (this.monitor.has("loc-rib"))
      this.write(BMP_TYPE.peerDown, [this.locRibHeader(), new Uint8Array([6]), this.tableTlv()]);
    // Reason 0: administratively closed (RFC 7854 §4.5).
    this.write(BMP_TYPE.termination, [tlv(1, new Uint8Array(2))]);
    this.connected = false;
    return new Promise((resolve) => s.end(() => resolve()));
  }

  private connect(): void {
    if (this.closed) return;
    const s = connect(this.options.port, this.options.host);
    this.socket = s;
    s.on("connect", () => {
      this.connected = true;
      this.initialSync();
      const every = this.options.statisticsInterval;
      if (every !== undefined && this.statsTimer === undefined)
        this.statsTimer = setInterval(() => this.statistics(), every * 1000);
    });
    s.on("data", () => {}); // the station sends nothing we use (RFC 7854 §3.3)
    s.on("error", () => {});
    s.on("close", () => {
      this.connected = false;
      this.up.clear();
      this.post.clear();
      this.preReported.clear();
      if (this.closed) return;
      this.retry = setTimeout(() => this.connect(), this.options.reconnectMs ?? 5000);
    });
  }

  /** Initiation, then Peer Up and the Adj-RIB-In of every Established neighbour. */
  private initialSync(): void {
    this.write(BMP_TYPE.initiation, [
      tlv(1, this.options.sysDescr ?? "dyninfra"),
      tlv(2, this.options.sysName ?? this.router.spec.bgpIdentifier),
    ]);
    for (const name of this.router.neighborNames()) {
      if (this.router.session(name).state !== "Established") continue;
      this.peerUp(name);
      if (this.monitor.has("pre-policy")) this.dumpAdjRibIn(name);
      if (this.monitor.has("post-policy")) this.postPolicy(name, undefined, true);
      if (this.monitor.has("adj-rib-out-pre-policy")) this.dumpAdjRibOut(name, false);
      if (this.monitor.has("adj-rib-out")) this.dumpAdjRibOut(name, true);
    }
    if (this.monitor.has("loc-rib")) {
      this.locRibUp();
      this.dumpLocRib();
    }
  }

  /** Route Monitoring of a batch's Loc-RIB changes and Adj-RIB-Out deltas (when monitored). */
  private changes(changes: ChangeSet): void {
    if (this.monitor.has("adj-rib-out"))
      for (const [address, delta] of changes.adjRibOut) {
        const name = this.router
          .neighborNames()
          .find((n) => this.router.neighborSpec(n).address === address);
        // A neighbour without its Peer Up yet gets its whole Adj-RIB-Out after it.
        if (name === undefined || !this.up.has(name)) continue;
        const ctx = this.router.session(name).negotiated?.send;
        if (ctx !== undefined) this.routes(this.outHeader(name, true), delta, ctx);
      }
    // Changes of the multipath set alone (the best route the same) change nothing reported here.
    const locRib = changes.locRib.some(sameBest)
      ? changes.locRib.filter((c) => !sameBest(c))
      : changes.locRib;
    if (this.monitor.has("adj-rib-out-pre-policy") && locRib.length > 0) this.preOut(locRib);
    if (this.monitor.has("loc-rib") && locRib.length > 0) {
      const withdrawn: Prefix[] = [];
      const current: Route[] = [];
      for (const c of locRib) {
        // Routes per family, kept from the dump on (the statistics' type 10).
        if ((c.previous === undefined) !== (c.current === undefined))
          this.locRibCount[c.prefix.afi === 2 ? 1 : 0]! += c.current === undefined ? -1 : 1;
        if (c.current !== undefined) current.push(c.current);
        else {
          const { pathId: _, ...prefix } = c.prefix;
          withdrawn.push(prefix);
        }
      }
      this.routes(this.locRibHeader(), toDelta(withdrawn, current, true), LOC_RIB_CONTEXT);
    }
  }

  /** Route Monitoring messages of a delta: withdrawals, then one run per attribute set. */
  private routes(header: Uint8Array, delta: AdjRibOutUpdate, ctx: SessionContext): void {
    if (delta.withdrawn.length > 0)
      for (const u of encodeWithdrawals(delta.withdrawn, ctx))
        this.write(BMP_TYPE.routeMonitoring, [header, u]);
    for (const a of delta.announced)
      for (const u of encodeAnnouncements(a.attributes, a.nlri, ctx))
        this.write(BMP_TYPE.routeMonitoring, [header, u]);
  }

  /** End-of-RIB for each family, after an initial table. */
  private endOfRibs(header: Uint8Array, families: readonly AfiSafi[], ctx: SessionContext): void {
    for (const f of families)
      this.write(BMP_TYPE.routeMonitoring, [header, encodeMessage(endOfRib(f), ctx)]);
  }

  /**
   * Route Monitoring of a neighbour's post-policy Adj-RIB-In (L flag): for `prefixes`, each route
   * it now has or a withdrawal of one reported before; for `undefined`, every route it has and a
   * withdrawal of every one reported before that it no longer has (End-of-RIB after them when
   * `initial`: after its Peer Up).
   */
  private postPolicy(name: string, prefixes: readonly Prefix[] | undefined, initial = false): void {
    const session = this.router.session(name);
    const ctx = session.negotiated?.receive;
    const address = this.router.neighborSpec(name).address;
    if (ctx === undefined || !this.router.rib.peerAddresses().includes(address)) return;
    const addPath = ctx.addPath.length > 0;
    const keyOf = (p: Prefix) => `${p.address}/${p.length}#${addPath ? (p.pathId ?? 0) : 0}`;
    let reported = this.post.get(name);
    if (reported === undefined || initial) {
      reported = new Map();
      this.post.set(name, reported);
    }
    const withdrawn: Prefix[] = [];
    const announced: Route[] = [];
    // A route is reported when it is new or its attributes changed (a policy or VRP change
    // re-decides every route, and most come out as they were).
    const report = (k: string, r: Route) => {
      if (reported.get(k)?.attributes === r.attributes) return;
      reported.set(k, r);
      announced.push(r);
    };
    if (prefixes === undefined) {
      const gone = new Map(reported);
      for (const r of this.router.rib.adjRibIn(address, "post")) {
        const k = keyOf(r.prefix);
        gone.delete(k);
        report(k, r);
      }
      for (const [k, r] of gone) {
        reported.delete(k);
        withdrawn.push(r.prefix);
      }
    } else {
      const done = new Set<string>();
      for (const p of prefixes) {
        const k = keyOf(p);
        if (done.has(k)) continue;
        done.add(k);
        const r = this.router.rib
          .adjRibInRoutes(address, p, "post")
          .find((x) => keyOf(x.prefix) === k);
        if (r !== undefined) report(k, r);
        else if (reported.delete(k)) withdrawn.push(p);
      }
    }
    const header = bmpPerPeerHeader({ ...this.peer(name), postPolicy: true }, Date.now());
    this.routes(header, toDelta(withdrawn, announced), ctx);
    if (initial) this.endOfRibs(header, session.negotiated?.families ?? [], ctx);
  }

  /**
   * The neighbour's Adj-RIB-Out (RFC 8671) after (`post`) or before its export policy as UPDATEs,
   * then End-of-RIB.
   */
  private dumpAdjRibOut(name: string, post: boolean): void {
    const session = this.router.session(name);
    const ctx = session.negotiated?.send;
    const address = this.router.neighborSpec(name).address;
    if (ctx === undefined || !this.router.rib.peerAddresses().includes(address)) return;
    const header = this.outHeader(name, post);
    const rib = this.router.rib;
    if (post) this.routes(header, toDelta([], rib.adjRibOut(address)), ctx);
    else {
      const routes = [...rib.adjRibOutPre(address)];
      this.preReported.set(name, new Set(routes.map((r) => prefixKey(r.prefix))));
      this.routes(header, toDelta([], routes), ctx);
    }
    this.endOfRibs(header, session.negotiated?.families ?? [], ctx);
  }

  /**
   * Route Monitoring of the pre-policy Adj-RIB-Outs (RFC 8671, O flag) after Loc-RIB changes: for
   * each neighbour whose table was reported, the changed prefixes' routes it would now be sent
   * before its export policy, and a withdrawal of each reported before that it would no longer be.
   */
  private preOut(changes: readonly LocRibChange[]): void {
    const prefixes = new Map<string, Prefix>();
    for (const c of changes) {
      const { pathId: _, ...prefix } = c.prefix;
      prefixes.set(prefixKey(prefix), prefix);
    }
    const rib = this.router.rib;
    const known = new Set(rib.peerAddresses());
    for (const [name, reported] of this.preReported) {
      const ctx = this.router.session(name).negotiated?.send;
      const address = this.router.neighborSpec(name).address;
      if (ctx === undefined || !known.has(address)) continue;
      const routes = [...rib.adjRibOutPre(address, prefixes.values())];
      const now = new Set(routes.map((r) => prefixKey(r.prefix)));
      const withdrawn: Prefix[] = [];
      for (const [k, p] of prefixes) if (!now.has(k) && reported.delete(k)) withdrawn.push(p);
      for (const k of now) reported.add(k);
      this.routes(this.outHeader(name, false), toDelta(withdrawn, routes), ctx);
    }
  }

  /**
   * A Route Mirroring message (RFC 7854 §4.7) of a message received from neighbour `name`: a BGP
   * Message TLV (type 0), after an Information TLV (type 1) with code 0, Errored PDU, for an
   * UPDATE that is not accepted as it is (decoded again here: mirroring is for troubleshooting).
   */
  private mirror(name: string, type: number, bytes: Uint8Array): void {
    let errored = false;
    if (type === 2) {
      const r = decodeUpdate(
        bytes,
        this.router.session(name).negotiated?.receive ?? DEFAULT_SESSION_CONTEXT,
      );
      errored = !r.ok || r.action !== "accept";
    }
    // Information code 0: Errored PDU.
    const info = errored ? [tlv(1, new Uint8Array(2))] : [];
    this.write(BMP_TYPE.routeMirroring, [this.peerHeader(name), ...info, tlv(0, bytes)]);
  }

  /** The Loc-RIB as UPDATEs (RFC 9069 §5.5), then End-of-RIB for IPv4 and IPv6 unicast. */
  private dumpLocRib(): void {
    const header = this.locRibHeader();
    const routes = [...this.router.rib.locRib()];
    this.locRibCount = [0, 0];
    for (const r of routes) this.locRibCount[r.prefix.afi === 2 ? 1 : 0]!++;
    this.routes(header, toDelta([], routes, true), LOC_RIB_CONTEXT);
    this.endOfRibs(header, LOC_RIB_FAMILIES, LOC_RIB_CONTEXT);
  }

  /**
   * The Loc-RIB's Peer Up (RFC 9069 §5.2): no addresses or ports, a fabricated OPEN (4-octet AS,
   * IPv4 and IPv6 unicast) as both the sent and the received one, the VRF/Table Name TLV.
   */
  private locRibUp(): void {
    const spec = this.router.spec;
    const open = encodeMessage(
      localOpen(
        spec.asn,
        spec.bgpIdentifier,
        0,
        speakerCapabilities({
          families: LOC_RIB_FAMILIES,
          routeRefresh: false,
          enhancedRouteRefresh: false,
          extendedMessage: false,
          gracefulRestart: false,
        }),
      ),
    );
    this.write(BMP_TYPE.peerUp, [
      this.locRibHeader(),
      new Uint8Array(16 + 2 + 2),
      open,
      open,
      this.tableTlv(),
    ]);
  }

  private tableTlv(): Uint8Array {
    return tlv(3, this.options.tableName ?? "global");
  }

  private locRibHeader(): Uint8Array {
    const spec = this.router.spec;
    return bmpPerPeerHeader(
      { address: "0.0.0.0", asn: spec.asn, bgpIdentifier: spec.bgpIdentifier, locRib: true },
      Date.now(),
    );
  }

  private outHeader(name: string, post: boolean): Uint8Array {
    return bmpPerPeerHeader({ ...this.peer(name), postPolicy: post, adjRibOut: true }, Date.now());
  }

  /**
   * A Statistics Report per Established neighbour (RFC 7854 §4.8): the 32-bit counters of what it
   * sent that was refused or changed nothing (types 0–6, 11–13), then the routes in its
   * Adj-RIB-In, in all (type 7) and per family (type 9), and in its Adj-RIB-Out before and after
   * export policy (RFC 8671: 14 and 16, 15 and 17).
   */
  private statistics(): void {
    if (!this.connected) return;
    for (const name of this.router.neighborNames()) {
      const session = this.router.session(name);
      if (session.state !== "Established") continue;
      const address = this.router.neighborSpec(name).address;
      if (!this.router.rib.peerAddresses().includes(address)) continue;
      const c = this.router.rib.adjRibInCount(address);
      const rx = this.router.rib.receiveCounters(address);
      const wire = session.stats;
      const counters: [number, number][] = [
        // Type 0, prefixes rejected by inbound policy: the import policy (RFC 8212's default
        // rejection and RFC 9234's route-leak check being inbound policy too).
        [
          0,
          rx.rejectedRoutes["import-policy"] +
            rx.rejectedRoutes.rfc8212 +
            rx.rejectedRoutes["route-leak"],
        ],
        [1, rx.duplicateAnnouncements],
        [2, rx.duplicateWithdrawals],
        [3, rx.rejectedAnnouncements["cluster-list"]],
        [4, rx.rejectedAnnouncements["as-loop"]],
        [5, rx.rejectedAnnouncements["originator-id"]],
        [6, rx.rejectedAnnouncements["as-confed-loop"]],
        // Types 11 and 12, treat-as-withdraw: UPDATEs with malformed attributes (RFC 7606) and
        // the RIB's own (confederation segments from outside, RFC 7606 §3 (g); AS_SETs, RFC 9774).
        [
          11,
          wire.updatesTreatedAsWithdraw +
            rx.rejectedAnnouncements["confed-segment-from-ebgp"] +
            rx.rejectedAnnouncements["as-set"],
        ],
        [
          12,
          wire.prefixesTreatedAsWithdraw +
            rx.rejectedRoutes["confed-segment-from-ebgp"] +
            rx.rejectedRoutes["as-set"],
        ],
        // Type 13, duplicate UPDATE messages: every route in them repeated what the Adj-RIB-In had.
        [13, rx.duplicateUpdates],
      ];
      const out = this.router.rib.adjRibOutCount(address);
      const pre = this.router.rib.adjRibOutPreCount(address);
      const b = statisticsReport(counters, [
        // Routes in the Adj-RIB-In (types 7 and 9), and in the Adj-RIB-Out before and after
        // export policy (RFC 8671: types 14 and 16, 15 and 17).
        { all: 7, perFamily: 9, families: [UNICAST4(c.ipv4), UNICAST6(c.ipv6)] },
        { all: 14, perFamily: 16, families: [UNICAST4(pre.ipv4), UNICAST6(pre.ipv6)] },
        { all: 15, perFamily: 17, families: [UNICAST4(out.ipv4), UNICAST6(out.ipv6)] },
      ]);
      this.write(BMP_TYPE.statisticsReport, [this.peerHeader(name), b]);
    }
    if (this.monitor.has("loc-rib")) {
      // For the Loc-RIB Instance Peer (RFC 9069 §5.6): type 8, routes in the Loc-RIB; type 10,
      // per AFI/SAFI.
      const b = statisticsReport(
        [],
        [
          {
            all: 8,
            perFamily: 10,
            total: this.router.rib.stats().locRibRoutes,
            families: LOC_RIB_FAMILIES.map((f, i) => ({ ...f, n: this.locRibCount[i]! })),
          },
        ],
      );
      this.write(BMP_TYPE.statisticsReport, [this.locRibHeader(), b]);
    }
  }

  private peer(name: string): BmpPeer {
    const spec = this.router.neighborSpec(name);
    const neg = this.router.session(name).negotiated;
    return {
      address: withoutZone(spec.address),
      asn: spec.asn,
      bgpIdentifier: neg?.peerBgpIdentifier ?? "0.0.0.0",
      twoOctetAs: neg !== undefined && !neg.receive.fourOctetAs,
    };
  }

  private peerHeader(name: string): Uint8Array {
    return bmpPerPeerHeader(this.peer(name), Date.now());
  }

  private peerUp(name: string): void {
    const session = this.router.session(name);
    const t = session.transport as Partial<Socket> | undefined;
    const local = t?.localAddress ?? configuredLocalAddress(this.router, name);
    const ports = new Uint8Array(4);
    new DataView(ports.buffer).setUint16(0, t?.localPort ?? 0);
    new DataView(ports.buffer).setUint16(2, t?.remotePort ?? 0);
    const received = this.opens.get(name);
    const theirs =
      received ?? (session.receivedOpen ? encodeMessage(session.receivedOpen) : undefined);
    if (theirs === undefined) return;
    this.up.add(name);
    this.write(BMP_TYPE.peerUp, [
      this.peerHeader(name),
      address16(withoutZone(local.replace(/^::ffff:/, ""))),
      ports,
      encodeMessage(session.sentOpen),
      theirs,
    ]);
  }

  private peerDown(name: string): void {
    const n = this.notes.get(name);
    this.notes.delete(name);
    this.up.delete(name);
    this.post.delete(name);
    this.preReported.delete(name);
    // 1: local NOTIFICATION, 3: remote NOTIFICATION (each with the PDU); 4: remote closed.
    const body =
      n === undefined
        ? [new Uint8Array([4])]
        : [new Uint8Array([n.dir === "sent" ? 1 : 3]), encodeMessage(n.m)];
    this.write(BMP_TYPE.peerDown, [this.peerHeader(name), ...body]);
  }

  /** The neighbour's Adj-RIB-In (pre-policy) as UPDATEs, then End-of-RIB per family. */
  private dumpAdjRibIn(name: string): void {
    const session = this.router.session(name);
    const ctx = session.negotiated?.receive;
    if (ctx === undefined) return;
    const address = this.router.neighborSpec(name).address;
    const header = this.peerHeader(name);
    this.routes(header, toDelta([], this.router.rib.adjRibIn(address, "pre")), ctx);
    this.endOfRibs(header, session.negotiated?.families ?? [], ctx);
  }

  private write(type: number, parts: readonly Uint8Array[]): void {
    if (!this.connected || this.socket === undefined) return;
    this.socket.write(bmpMessage(type, concat(parts)));
    this.sent++;
  }
}
