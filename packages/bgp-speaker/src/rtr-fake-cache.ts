// An RPKI cache for the tests (not exported): the data of a cache and the answers RFC 8210 §8
// has it give to a router's queries, without I/O. The interop tests use a real cache (StayRTR).
import { createServer, type Server, type Socket } from "node:net";
import { encodeRtrPdu, type RtrPdu, RtrStreamDecoder, type RtrVersion } from "@dyninfra/bgp-wire";
import type { RtrVrp } from "./rtr-session";

const key = (v: RtrVrp): string => `${v.prefix} ${v.maxLength} ${v.asn}`;

/** A cache's data and its answers to queries. */
export class FakeCache {
  serial = 0;
  current = new Map<string, RtrVrp>();
  /** The data at each serial still answerable incrementally. */
  private readonly snapshots = new Map<number, Map<string, RtrVrp>>();
  intervals = { refresh: 3600, retry: 600, expire: 7200 };

  constructor(
    public sessionId = 4242,
    /** The highest version it speaks. */
    public maxVersion: RtrVersion = 1,
    /**
     * How a cache of a lower version meets a query of a higher one (RFC 8210 §7): an Error Report
     * "Unsupported Protocol Version" and the connection closed, or an answer in its own version.
     */
    public tooNew: "refuse" | "answer" = "refuse",
  ) {
    this.snapshots.set(0, new Map());
  }

  /** The data changes (a new serial when anything did). */
  change(add: readonly RtrVrp[], remove: readonly RtrVrp[]): void {
    const next = new Map(this.current);
    for (const v of remove) next.delete(key(v));
    for (const v of add) next.set(key(v), v);
    if (next.size === this.current.size && [...next.keys()].every((k) => this.current.has(k)))
      return;
    this.current = next;
    this.serial = (this.serial + 1) >>> 0;
    this.snapshots.set(this.serial, new Map(next));
  }

  /** Restarted: a new Session ID, no history (serial queries get a Cache Reset). */
  restart(sessionId: number): void {
    this.sessionId = sessionId;
    this.snapshots.clear();
    this.snapshots.set(this.serial, new Map(this.current));
  }

  /** Forgets the history before the current serial (older serials get a Cache Reset). */
  forgetHistory(): void {
    for (const s of [...this.snapshots.keys()]) if (s !== this.serial) this.snapshots.delete(s);
  }

  notify(version: RtrVersion): RtrPdu {
    return { type: "serial-notify", version, sessionId: this.sessionId, serial: this.serial };
  }

  /** The PDUs answering a router's PDU. */
  answer(q: RtrPdu): RtrPdu[] {
    if (q.type !== "reset-query" && q.type !== "serial-query") return [];
    if (q.version > this.maxVersion && this.tooNew === "refuse")
      return [
        {
          type: "error-report",
          version: this.maxVersion,
          errorCode: 4,
          pdu: encodeRtrPdu(q),
          text: "version 1 not supported",
        },
      ];
    const v = Math.min(q.version, this.maxVersion) as RtrVersion;
    const eod: RtrPdu =
      v === 1
        ? {
            type: "end-of-data",
            version: 1,
            sessionId: this.sessionId,
            serial: this.serial,
            ...this.intervals,
          }
        : { type: "end-of-data", version: 0, sessionId: this.sessionId, serial: this.serial };
    const pfx = (x: RtrVrp, announce: boolean): RtrPdu => ({
      type: "prefix",
      version: v,
      announce,
      ...x,
    });
    if (q.type === "reset-query")
      return [
        { type: "cache-response", version: v, sessionId: this.sessionId },
        ...[...this.current.values()].map((x) => pfx(x, true)),
        eod,
      ];
    const old = this.snapshots.get(q.serial);
    if (q.sessionId !== this.sessionId || old === undefined)
      return [{ type: "cache-reset", version: v }];
    const out: RtrPdu[] = [{ type: "cache-response", version: v, sessionId: this.sessionId }];
    for (const [k, x] of old) if (!this.current.has(k)) out.push(pfx(x, false));
    for (const [k, x] of this.current) if (!old.has(k)) out.push(pfx(x, true));
    out.push(eod);
    return out;
  }
}

/** A TCP server on 127.0.0.1 answering with a {@link FakeCache}; `sockets` are its connections. */
export async function fakeCacheServer(
  cache: FakeCache,
  options: { split?: number; port?: number } = {},
): Promise<{
  server: Server;
  port: number;
  sockets: Set<Socket>;
  notify(): void;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const versions = new Map<Socket, RtrVersion>();
  const write = (s: Socket, pdus: RtrPdu[]) => {
    const bytes = Buffer.concat(pdus.map((p) => encodeRtrPdu(p)));
    // Split into small writes, so that PDUs cross TCP reads.
    const n = options.split ?? bytes.length;
    for (let i = 0; i < bytes.length; i += Math.max(1, n)) s.write(bytes.subarray(i, i + n));
  };
  const server = createServer((s) => {
    sockets.add(s);
    const d = new RtrStreamDecoder();
    s.on("data", (chunk) => {
      for (const q of d.push(chunk)) {
        if (q.type === "reset-query" || q.type === "serial-query") versions.set(s, q.version);
        const a = cache.answer(q);
        write(s, a);
        if (a.some((p) => p.type === "error-report")) s.end();
      }
    });
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(options.port ?? 0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    sockets,
    notify: () => {
      for (const s of sockets) write(s, [cache.notify(versions.get(s) ?? 1)]);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
