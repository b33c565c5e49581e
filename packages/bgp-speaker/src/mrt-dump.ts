import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { withoutZone } from "@dyninfra/bgp-rib";
import {
  encodeMrt,
  encodeMrtRecord,
  encodeRibEntryAttributes,
  type MrtPeer,
  type MrtWriteRecord,
  type PathAttributes,
} from "@dyninfra/bgp-wire";
import { type Clock, systemClock } from "./clock";
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
 * Our address on a neighbour's session as configured (the neighbour's `localAddress` of the
 * session's family, else the router's; unspecified when there is none), without a link-local
 * address's zone.
 */
export function configuredLocalAddress(router: Router, name: string): string {
  const n = router.neighborSpec(name);
  const local = n.localAddress;
  return n.address.includes(":")
    ? withoutZone(
        (local?.includes(":") === true ? local : undefined) ?? router.spec.localIpv6Address ?? "::",
      )
    : (local ?? router.spec.localAddress ?? "0.0.0.0");
}

/** Where a neighbour's session runs, as MRT's BGP4MP records name it. */
function endpoints(router: Router, name: string) {
  const n = router.neighborSpec(name);
  const afi = n.address.includes(":") ? 2 : 1;
  const local = configuredLocalAddress(router, name);
  return {
    afi,
    peerAddress: withoutZone(n.address),
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

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/**
 * A file name for the MRT period starting at `ms` (wall-clock ms): `pattern` with its `strftime`
 * conversions expanded in UTC, as route collectors name their files (`updates.%Y%m%d.%H%M` →
 * `updates.20240501.1215`). Conversions: `%Y` (year), `%y` (year in the century), `%m`, `%d`,
 * `%H`, `%M`, `%S` (two digits each), `%j` (day of the year, three digits), `%s` (seconds since
 * the epoch), `%%` (a `%`). Anything else after a `%` is an error (code `MRT_DUMP`, with the
 * offset of the `%` in the pattern and `field`).
 *
 * @example
 * ```ts
 * import { mrtFileName } from "@dyninfra/bgp-speaker";
 * mrtFileName("rib.%Y%m%d.%H%M", Date.UTC(2024, 4, 1, 12, 15)); // "rib.20240501.1215"
 * ```
 */
export function mrtFileName(pattern: string, ms: number, field = "file"): string {
  const d = new Date(ms);
  let out = "";
  let from = 0;
  for (let i = pattern.indexOf("%"); i >= 0; i = pattern.indexOf("%", from)) {
    out += pattern.slice(from, i);
    const c = pattern[i + 1];
    let v: string;
    switch (c) {
      case "Y":
        v = String(d.getUTCFullYear());
        break;
      case "y":
        v = pad(d.getUTCFullYear() % 100);
        break;
      case "m":
        v = pad(d.getUTCMonth() + 1);
        break;
      case "d":
        v = pad(d.getUTCDate());
        break;
      case "H":
        v = pad(d.getUTCHours());
        break;
      case "M":
        v = pad(d.getUTCMinutes());
        break;
      case "S":
        v = pad(d.getUTCSeconds());
        break;
      case "j":
        v = pad(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3);
        break;
      case "s":
        v = String(Math.floor(ms / 1000));
        break;
      case "%":
        v = "%";
        break;
      default:
        throw new BgpSpeakerError(
          "MRT_DUMP",
          c === undefined
            ? `file name pattern ${JSON.stringify(pattern)} ends with a lone %`
            : `file name pattern ${JSON.stringify(pattern)} has an unknown conversion %${c} (known: %Y %y %m %d %H %M %S %j %s %%)`,
          { offset: i, field },
        );
    }
    out += v;
    from = i + 2;
  }
  return out + pattern.slice(from);
}

/** Whether a file name pattern has a time conversion (its names change with the time). */
export function mrtFileNameVaries(pattern: string): boolean {
  return mrtFileName(pattern, 0) !== mrtFileName(pattern, 1_000_000_000_000 + 3_661_000);
}

/** The start (ms) of the period of `interval` seconds that `ms` falls in (aligned to the epoch). */
const periodStart = (ms: number, interval: number): number =>
  Math.floor(ms / (interval * 1000)) * interval * 1000;

/** Options of {@link MrtUpdateLog}. */
export interface MrtUpdateLogOptions {
  /** Every message type (OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH), not only UPDATEs. */
  readonly all?: boolean;
  /** Wall-clock time (ms) for the records and file names; default: `clock`'s. */
  readonly now?: () => number;
  /** Time and timers for rotation; default: the system clock. */
  readonly clock?: Clock;
  /**
   * Rotation: a new file every `interval` seconds, at the multiples of the interval since the
   * epoch (300: at :00, :05, :10 … past each hour, as route collectors rotate), named by the
   * pattern (which must then have a time conversion, see {@link mrtFileName}) for the start of
   * its period. Default: one file.
   */
  readonly interval?: number;
  /** Called with each file's name as it is opened (at start, on rotation, on reopen). */
  readonly onFile?: (file: string) => void;
  /**
   * Called when the next period's file cannot be opened (the log stays in the earlier file);
   * without it the error is thrown from the rotation timer.
   */
  readonly onError?: (error: BgpSpeakerError) => void;
}

/** Opens an MRT log for appending (typed error naming the file). */
function openMrtFile(file: string): number {
  try {
    return openSync(file, "a");
  } catch (e) {
    throw new BgpSpeakerError("MRT_DUMP", `cannot open ${file}: ${(e as Error).message}`, {
      field: "mrtDump.updates",
    });
  }
}

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
  /** Files opened so far (the first one included). */
  files = 0;
  private fd: number | undefined;
  private current = "";
  /** Start (ms) of the period the open file is for (rotation only). */
  private period = 0;
  private timer: unknown;
  private pending: Uint8Array[] = [];
  private scheduled = false;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly interval: number | undefined;
  private readonly onMessage: (name: string, type: number, bytes: Uint8Array) => void;
  private readonly onSession: (name: string, from: string, to: string) => void;

  /**
   * @param pattern - The file, or with `interval` the file name pattern (see {@link mrtFileName});
   *   a pattern's conversions are expanded also without rotation, once, at start.
   */
  constructor(
    private readonly router: Router,
    readonly pattern: string,
    private readonly options: MrtUpdateLogOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    const clock = this.clock;
    this.now = options.now ?? (() => clock.now());
    const interval = options.interval;
    if (interval !== undefined) {
      if (!Number.isInteger(interval) || interval < 1)
        throw new BgpSpeakerError(
          "MRT_DUMP",
          `rotation interval ${interval} is not a whole number of seconds ≥ 1`,
          { field: "mrtDump.interval" },
        );
      if (!mrtFileNameVaries(pattern))
        throw new BgpSpeakerError(
          "MRT_DUMP",
          `file name ${JSON.stringify(pattern)} has no time conversion (%Y, %m, %d, %H, %M, %S, %s…): every period would go to one file`,
          { field: "mrtDump.updates" },
        );
    }
    this.interval = interval;
    const t = this.now();
    this.period = interval === undefined ? t : periodStart(t, interval);
    this.open(mrtFileName(pattern, this.period, "mrtDump.updates"));
    this.arm();
    const now = this.now;
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

  /** The file being written (the pattern expanded for the current period). */
  get file(): string {
    return this.current;
  }

  /** Writes what is buffered, stops logging and closes the file. */
  close(): void {
    this.router.off("message", this.onMessage);
    this.router.off("session", this.onSession);
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Writes what is buffered, closes the file and opens its name again (a new file if it was
   * moved away): what `logrotate` needs after renaming the file (`dyninfra-bgpd` on SIGHUP).
   */
  reopen(): void {
    if (this.fd !== undefined) this.open(this.current);
  }

  /** Writes what is buffered now. */
  flush(): void {
    const chunks = this.pending;
    this.pending = [];
    if (this.fd === undefined) return;
    for (const c of chunks) writeSync(this.fd, c);
  }

  private open(file: string): void {
    const fd = openMrtFile(file);
    if (this.fd !== undefined) {
      this.flush();
      closeSync(this.fd);
    }
    this.fd = fd;
    this.current = file;
    this.files++;
    this.options.onFile?.(file);
  }

  /** The timer of the next period's start (rotation only). */
  private arm(): void {
    const interval = this.interval;
    if (interval === undefined) return;
    const next = this.period + interval * 1000;
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        this.rotate(this.now());
        this.arm();
      },
      Math.max(0, next - this.now()),
    );
  }

  /** Moves to the file of the period `t` falls in, if that is a later one. */
  private rotate(t: number): void {
    const period = periodStart(t, this.interval!);
    if (period <= this.period || this.fd === undefined) return;
    this.period = period;
    // What is buffered belongs to the earlier period: written there before the file changes. A
    // file that cannot be opened leaves the log in the earlier one (reported; tried again at the
    // next period).
    try {
      this.open(mrtFileName(this.pattern, period, "mrtDump.updates"));
    } catch (e) {
      if (this.options.onError === undefined) throw e;
      this.options.onError(e as BgpSpeakerError);
    }
  }

  private push(r: MrtWriteRecord): void {
    if (this.fd === undefined) return;
    // A record of a later period than the file's (its timer not run yet) starts the next file.
    if (this.interval !== undefined) this.rotate(r.header.timestamp * 1000);
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
  const records: MrtWriteRecord[] = [];
  // One group (no size limit); copied record by record (spreading a full table overflows the stack).
  for (const group of ribDumpGroups(router, time, Number.POSITIVE_INFINITY))
    for (const r of group) records.push(r);
  return records;
}

/**
 * {@link ribDumpRecords} in groups of at most `size` records (the PEER_INDEX_TABLE first), made as
 * they are asked for: each prefix is read from the RIB when its group is made, so the RIB may
 * change between groups (a prefix's entries are those it had when reached; prefixes new since the
 * first group are not included; neighbours configured since then neither).
 */
function* ribDumpGroups(router: Router, time: number, size: number): Generator<MrtWriteRecord[]> {
  const names = router.neighborNames();
  const peers: MrtPeer[] = names.map((name) => {
    const n = router.neighborSpec(name);
    return {
      peerType: 2 | (n.address.includes(":") ? 1 : 0),
      peerBgpId: router.session(name).negotiated?.peerBgpIdentifier ?? "0.0.0.0",
      peerAddress: withoutZone(n.address),
      peerAs: n.asn,
    };
  });
  const header = { timestamp: time };
  type RibEntry = Extract<MrtWriteRecord, { kind: "RIB" }>["entries"][number];
  const indexOf = new Map(names.map((name, k) => [router.neighborSpec(name).address, k]));
  // Routes share interned attribute sets: each set is encoded once for all its entries.
  const encoded = new Map<PathAttributes, Uint8Array>();
  let group: MrtWriteRecord[] = [
    {
      kind: "PEER_INDEX_TABLE",
      header,
      collectorBgpId: router.spec.bgpIdentifier,
      viewName: "",
      peers,
    },
  ];
  let seq = 0;
  for (const { prefix, paths } of router.rib.adjRibsIn("pre")) {
    const entries: RibEntry[] = [];
    for (const { peer, pathId, attributes } of paths) {
      // Only configured neighbours are in the peer table (not routes loaded from MRT files).
      const peerIndex = indexOf.get(peer);
      if (peerIndex === undefined) continue;
      let raw = encoded.get(attributes);
      if (raw === undefined) {
        raw = encodeRibEntryAttributes(attributes);
        encoded.set(attributes, raw);
      }
      entries.push(
        pathId === undefined
          ? { peerIndex, originatedTime: time, attributes, rawAttributes: raw }
          : { peerIndex, originatedTime: time, pathId, attributes, rawAttributes: raw },
      );
    }
    if (entries.length === 0) continue;
    if (entries.length > 1) entries.sort((x, y) => x.peerIndex - y.peerIndex);
    group.push({ kind: "RIB", header, sequenceNumber: seq++, prefix, entries });
    if (group.length >= size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

/**
 * Writes {@link ribDumpRecords} to `file` (replacing it; written to a temporary file beside it
 * first and renamed, so that a reader never sees half a dump); returns the number of prefixes and
 * of entries written. `time`: the records' timestamp (s), by default now. It holds the event loop
 * until the file is written: {@link writeRibDumpAsync} does not.
 *
 * @example
 * ```ts
 * import { writeRibDump, type Router } from "@dyninfra/bgp-speaker";
 * const dump = (router: Router) => writeRibDump(router, "/tmp/rib.mrt").prefixes;
 * ```
 */
export function writeRibDump(
  router: Router,
  file: string,
  time = Math.floor(Date.now() / 1000),
): { prefixes: number; entries: number } {
  const records = ribDumpRecords(router, time);
  const tmp = tmpName(file);
  try {
    writeFileSync(tmp, encodeMrt(records));
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw dumpError(file, e);
  }
  return dumpSize(records);
}

/** Temporary files of dumps being written get distinct names (a dump may overlap another). */
let tmpCount = 0;
const tmpName = (file: string): string => `${file}.${process.pid}-${++tmpCount}.tmp`;

/** What `records` of a dump hold: prefixes (their RIB records) and entries. */
function dumpSize(records: readonly MrtWriteRecord[]): { prefixes: number; entries: number } {
  let prefixes = 0;
  let entries = 0;
  for (const r of records) {
    if (r.kind !== "RIB") continue;
    prefixes++;
    entries += r.entries.length;
  }
  return { prefixes, entries };
}

const dumpError = (file: string, e: unknown): BgpSpeakerError =>
  new BgpSpeakerError("MRT_DUMP", `cannot write ${file}: ${(e as Error).message}`, {
    field: "file",
  });

/**
 * {@link writeRibDump} without holding the event loop: the table is read, encoded and written
 * `chunk` records at a time (default 2,000), the event loop turning between writes — sessions
 * keep their timers and go on receiving UPDATEs meanwhile. The dump is therefore not the RIB of
 * one instant: each prefix's entries are those it has when the dump reaches it (prefixes first
 * learned after the dump began, and neighbours configured since, are left to the next dump).
 * Written to a temporary file beside `file` and renamed; rejects with an `MRT_DUMP` error (the temporary
 * file removed) if the file cannot be written.
 *
 * @example
 * ```ts
 * import { writeRibDumpAsync, type Router } from "@dyninfra/bgp-speaker";
 * const dump = async (router: Router) => (await writeRibDumpAsync(router, "/tmp/rib.mrt")).entries;
 * ```
 */
export async function writeRibDumpAsync(
  router: Router,
  file: string,
  time = Math.floor(Date.now() / 1000),
  options: { readonly chunk?: number } = {},
): Promise<{ prefixes: number; entries: number }> {
  const chunk = Math.max(1, options.chunk ?? 2000);
  const tmp = tmpName(file);
  let prefixes = 0;
  let entries = 0;
  try {
    const fh = await open(tmp, "w");
    try {
      for (const group of ribDumpGroups(router, time, chunk)) {
        const size = dumpSize(group);
        prefixes += size.prefixes;
        entries += size.entries;
        await fh.write(encodeMrt(group));
      }
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw dumpError(file, e);
  }
  return { prefixes, entries };
}

/** Options of {@link MrtRibDumper}. */
export interface MrtRibDumperOptions {
  /** Seconds between dumps; they are written at the multiples of it since the epoch. */
  readonly interval: number;
  /** Time and timers; default: the system clock. */
  readonly clock?: Clock;
  /** Called after each dump with its file and what {@link writeRibDump} returned. */
  readonly onDump?: (file: string, written: { prefixes: number; entries: number }) => void;
  /** Called when a dump cannot be written (the next one is still tried); default: thrown. */
  readonly onError?: (error: BgpSpeakerError) => void;
}

/**
 * Periodic TABLE_DUMP_V2 dumps of a router's Adj-RIBs-In ({@link writeRibDumpAsync}: the event
 * loop turns while a dump is written), as route collectors publish them (RouteViews every 2 hours,
 * RIPE RIS every 8) and as FRR's `dump bgp routes-mrt PATH INTERVAL` writes them: one file every
 * `interval` seconds, at the multiples of the interval since the epoch, named by `pattern` for
 * that time (see {@link mrtFileName}; it must have a time conversion). A dump due while the last
 * is still being written is skipped (an `MRT_DUMP` error to `onError`).
 *
 * @example
 * ```ts
 * import { MrtRibDumper, type Router } from "@dyninfra/bgp-speaker";
 * const dumps = (router: Router) =>
 *   new MrtRibDumper(router, "/var/log/dyninfra/rib.%Y%m%d.%H%M", { interval: 7200 });
 * ```
 */
export class MrtRibDumper {
  /** Dumps written so far. */
  dumps = 0;
  private timer: unknown;
  /** When the timer is due (ms). */
  private due = 0;
  private readonly clock: Clock;
  /** The dump being written, if any. */
  private writing: Promise<void> | undefined;

  constructor(
    private readonly router: Router,
    readonly pattern: string,
    private readonly options: MrtRibDumperOptions,
  ) {
    const interval = options.interval;
    if (!Number.isInteger(interval) || interval < 1)
      throw new BgpSpeakerError(
        "MRT_DUMP",
        `RIB dump interval ${interval} is not a whole number of seconds ≥ 1`,
        { field: "mrtDump.ribInterval" },
      );
    if (!mrtFileNameVaries(pattern))
      throw new BgpSpeakerError(
        "MRT_DUMP",
        `file name ${JSON.stringify(pattern)} has no time conversion (%Y, %m, %d, %H, %M, %S, %s…): every dump would replace the last`,
        { field: "mrtDump.rib" },
      );
    this.clock = options.clock ?? systemClock;
    this.arm();
  }

  /**
   * Writes the dump of the current period now (its file replaced if there is one), at once
   * ({@link writeRibDump}: the event loop waits for it).
   */
  dump(): { file: string; prefixes: number; entries: number } {
    const t = this.clock.now();
    const file = this.fileAt(t);
    const written = writeRibDump(this.router, file, Math.floor(t / 1000));
    this.dumps++;
    this.options.onDump?.(file, written);
    return { file, ...written };
  }

  /** Resolves when no dump is being written (at once if none is). */
  async settled(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /** Stops dumping; resolves once a dump being written is complete. */
  close(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    return this.settled();
  }

  private fileAt(t: number): string {
    return mrtFileName(this.pattern, periodStart(t, this.options.interval), "mrtDump.rib");
  }

  private fail(e: BgpSpeakerError): void {
    if (this.options.onError === undefined) throw e;
    this.options.onError(e);
  }

  private arm(): void {
    const now = this.clock.now();
    const next =
      periodStart(Math.max(now, this.due), this.options.interval) + this.options.interval * 1000;
    this.due = next;
    this.timer = this.clock.setTimer(() => {
      this.arm();
      // A timer run a moment early still writes its own period's dump.
      const t = Math.max(this.clock.now(), next);
      let file: string;
      try {
        file = this.fileAt(t);
      } catch (e) {
        return this.fail(e as BgpSpeakerError);
      }
      if (this.writing !== undefined)
        return this.fail(
          new BgpSpeakerError(
            "MRT_DUMP",
            `RIB dump ${file} skipped: the previous dump is still being written`,
            { field: "mrtDump.ribInterval" },
          ),
        );
      this.writing = writeRibDumpAsync(this.router, file, Math.floor(t / 1000)).then(
        (written) => {
          this.writing = undefined;
          this.dumps++;
          this.options.onDump?.(file, written);
        },
        (e: unknown) => {
          this.writing = undefined;
          // With no onError the failure is thrown, outside the promise (as from the timer).
          if (this.options.onError === undefined)
            process.nextTick(() => {
              throw e;
            });
          else this.options.onError(e as BgpSpeakerError);
        },
      );
    }, next - now);
  }
}
