// The MRT update log and RIB dump of a router, read back with bgp-wire's MRT reader (the
// interop test has bgpdump read them too).
import { mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { decodeMrt, formatPrefix, type UpdateMessage } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { parseRouterSpec } from "./config";
import {
  MrtRibDumper,
  MrtUpdateLog,
  mrtFileName,
  ribDumpRecords,
  writeRibDump,
  writeRibDumpAsync,
} from "./mrt-dump";
import { advance, flush, pair, tmp } from "./mrt-dump.test-support";
import { Router } from "./router";

describe("MrtUpdateLog", () => {
  it("logs every UPDATE received byte for byte (BGP4MP_ET MESSAGE_AS4) and every state change", async () => {
    const file = join(tmp(), "updates.mrt");
    const prefixes = Array.from({ length: 50 }, (_, i) => `198.18.${i}.0/24`);
    const { r1, r2, log } = pair(prefixes, file);
    await flush();
    r1.withdraw(["198.18.7.0/24"]);
    await flush();
    log.close();
    const records = [...decodeMrt(new Uint8Array(readFileSync(file)))];
    expect(records.length).toBe(log.records);
    const states = records.flatMap((r) =>
      r.kind === "BGP4MP_STATE_CHANGE" ? [`${r.oldState}>${r.newState}`] : [],
    );
    expect(states.at(-1)).toBe("5>6"); // OpenConfirm → Established, in MRT's numbering
    const messages = records.flatMap((r) => (r.kind === "BGP4MP_MESSAGE" ? [r] : []));
    expect(messages.every((m) => m.message?.type === "UPDATE")).toBe(true);
    expect(
      messages.every(
        (m) =>
          m.header.subtype === 4 &&
          m.header.microseconds !== undefined &&
          m.header.timestamp === 1_700_000_000 &&
          m.peerAddress === "192.0.2.2" &&
          m.peerAs === 64501 &&
          m.localAddress === "192.0.2.1" &&
          m.localAs === 64500,
      ),
    ).toBe(true);
    // Replayed, the log gives r2's Adj-RIB-In.
    const view = new Set<string>();
    for (const m of messages) {
      const u = m.message as UpdateMessage;
      for (const p of u.withdrawnRoutes) view.delete(formatPrefix(p));
      for (const p of u.nlri) view.add(formatPrefix(p));
    }
    expect([...view].sort()).toEqual(
      [...r2.rib.adjRibIn("192.0.2.2", "pre")].map((r) => formatPrefix(r.prefix)).sort(),
    );
    expect(view.size).toBe(49);
    expect(view.has("198.18.7.0/24")).toBe(false);
  });

  it("with all, logs the other message types too; refuses a file it cannot open", async () => {
    const file = join(tmp(), "all.mrt");
    const { log } = pair(["198.18.0.0/24"], file, true);
    await flush();
    log.close();
    const types = new Set(
      [...decodeMrt(new Uint8Array(readFileSync(file)))].flatMap((r) =>
        r.kind === "BGP4MP_MESSAGE" ? [r.message?.type] : [],
      ),
    );
    expect([...types].sort()).toEqual(["KEEPALIVE", "OPEN", "UPDATE"]);
    const clock = new ManualClock();
    const r = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] }, { clock });
    expect(() => new MrtUpdateLog(r, "/nonexistent/dir/x.mrt")).toThrow(
      expect.objectContaining({ code: "MRT_DUMP" }),
    );
  });
});

/** r2 holding 30 routes from r1 (in a new directory; their UPDATE log closed). */
async function thirtyRoutes() {
  const dir = tmp();
  const prefixes = Array.from({ length: 30 }, (_, i) => `198.18.${i}.0/24`);
  const { r2, log } = pair(prefixes, join(dir, "u.mrt"));
  await flush();
  log.close();
  return { dir, prefixes, r2 };
}

describe("RIB dump (TABLE_DUMP_V2)", () => {
  it("holds a peer index table and, per prefix, what each neighbour sent (pre-policy)", async () => {
    const { dir, prefixes, r2 } = await thirtyRoutes();
    const file = join(dir, "rib.mrt");
    expect(writeRibDump(r2, file)).toEqual({ prefixes: 30, entries: 30 });
    const records = [...decodeMrt(new Uint8Array(readFileSync(file)))];
    const table = records[0]!;
    expect(table.kind).toBe("PEER_INDEX_TABLE");
    if (table.kind !== "PEER_INDEX_TABLE") return;
    expect(table.collectorBgpId).toBe("192.0.2.1");
    expect(table.peers).toEqual([
      { peerType: 2, peerBgpId: "192.0.2.2", peerAddress: "192.0.2.2", peerAs: 64501 },
    ]);
    const ribs = records.slice(1).flatMap((r) => (r.kind === "RIB" ? [r] : []));
    expect(ribs).toHaveLength(30);
    expect(ribs.map((r) => r.sequenceNumber)).toEqual([...Array(30).keys()]);
    const got = ribs.map(
      (r) => `${formatPrefix(r.prefix!)} ${r.entries[0]!.attributes.asPath?.[0]?.asns}`,
    );
    expect(got.sort()).toEqual(prefixes.map((p) => `${p} 64501`).sort());
    expect(ribDumpRecords(r2, 5)[1]?.header.timestamp).toBe(5);
  });

  it("written in chunks with the event loop turning between them, the same bytes as at once", async () => {
    const { dir, r2 } = await thirtyRoutes();
    const once = join(dir, "once.mrt");
    const chunked = join(dir, "chunked.mrt");
    writeRibDump(r2, once, 1_700_000_000);
    let turns = 0;
    const tick = () => {
      turns++;
      if (pending) setImmediate(tick);
    };
    let pending = true;
    setImmediate(tick);
    const written = await writeRibDumpAsync(r2, chunked, 1_700_000_000, { chunk: 4 });
    pending = false;
    expect(written).toEqual({ prefixes: 30, entries: 30 });
    // 31 records in 8 writes: the loop turned while they were written.
    expect(turns).toBeGreaterThanOrEqual(8);
    expect(readFileSync(chunked)).toEqual(readFileSync(once));
    await expect(writeRibDumpAsync(r2, join(dir, "missing", "rib.mrt"))).rejects.toMatchObject({
      code: "MRT_DUMP",
    });
    expect(readdirSync(dir).sort()).toEqual(["chunked.mrt", "once.mrt", "u.mrt"]);
  });

  it("written in chunks, reads each prefix when it reaches it: changes made after the call are in the dump", async () => {
    const { dir, prefixes, r2 } = await thirtyRoutes();
    const file = join(dir, "rib.mrt");
    const dumping = writeRibDumpAsync(r2, file, 1_700_000_000, { chunk: 4 });
    // Straight into the RIB (synchronously, before the dump reads anything): ten routes withdrawn.
    const gone = prefixes.slice(10, 20);
    r2.rib.update("192.0.2.2", {
      withdrawn: gone.map((p) => ({ afi: 1, address: p.slice(0, -3), length: 24 })),
    });
    expect(await dumping).toEqual({ prefixes: 20, entries: 20 });
    const ribs = [...decodeMrt(new Uint8Array(readFileSync(file)))].flatMap((r) =>
      r.kind === "RIB" ? [r] : [],
    );
    expect(ribs.map((r) => formatPrefix(r.prefix!)).sort()).toEqual(
      prefixes.filter((p) => !gone.includes(p)).sort(),
    );
    expect(ribs.map((r) => r.sequenceNumber)).toEqual([...Array(20).keys()]);
  });

  it("is configured by mrtDump, checked field by field", () => {
    const base = { asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] };
    expect(parseRouterSpec({ ...base, mrtDump: { updates: "/x.mrt" } }).mrtDump).toEqual({
      updates: "/x.mrt",
    });
    const full = { updates: "/u.%H%M", interval: 300, rib: "/r.%Y%m%d.%H%M", ribInterval: 7200 };
    expect(parseRouterSpec({ ...base, mrtDump: full }).mrtDump).toEqual(full);
    expect(
      parseRouterSpec({ ...base, mrtDump: { rib: "/r.%s", ribInterval: 60 } }).mrtDump,
    ).toEqual({ rib: "/r.%s", ribInterval: 60 });
    const bad = (mrtDump: unknown) => () => parseRouterSpec({ ...base, mrtDump });
    expect(bad({ updates: "/u", interval: 60 })).toThrow(/mrtDump\.updates has no time conversion/);
    expect(bad({ updates: "/u.%H", interval: 0 })).toThrow(/mrtDump\.interval must be an integer/);
    expect(bad({ rib: "/r.%H", ribInterval: 60, interval: 60 })).toThrow(
      /mrtDump\.interval needs config\.mrtDump\.updates/,
    );
    expect(bad({ rib: "/r.%H" })).toThrow(/mrtDump\.rib needs config\.mrtDump\.ribInterval/);
    expect(bad({ updates: "/u", ribInterval: 60 })).toThrow(
      /mrtDump\.ribInterval needs config\.mrtDump\.rib/,
    );
    expect(bad({ rib: "/r.%Q", ribInterval: 60 })).toThrow(
      expect.objectContaining({
        code: "BAD_CONFIG",
        where: { field: "config.mrtDump.rib", offset: 3 },
      }),
    );
    expect(() => parseRouterSpec({ ...base, mrtDump: {} })).toThrow(/mrtDump\.updates/);
    expect(() => parseRouterSpec({ ...base, mrtDump: { updates: "/x", rib: 1 } })).toThrow(
      /mrtDump\.rib/,
    );
    expect(() => parseRouterSpec({ ...base, mrtDump: { updates: "/x", all: 1 } })).toThrow(
      /mrtDump\.all/,
    );
  });
});

const decodeFile = (file: string) => [...decodeMrt(new Uint8Array(readFileSync(file)))];

describe("mrtFileName", () => {
  it("expands strftime conversions in UTC and refuses unknown ones with their offset", () => {
    const t = Date.UTC(2024, 1, 29, 7, 5, 9, 500); // a leap day
    expect(mrtFileName("/x/updates.%Y%m%d.%H%M%S", t)).toBe("/x/updates.20240229.070509");
    expect(mrtFileName("%y-%j-%s-%%-plain", t)).toBe(`24-060-${Math.floor(t / 1000)}-%-plain`);
    expect(mrtFileName("no conversions", t)).toBe("no conversions");
    expect(() => mrtFileName("rib.%Y%q", t, "mrtDump.rib")).toThrow(
      expect.objectContaining({ code: "MRT_DUMP", where: { offset: 6, field: "mrtDump.rib" } }),
    );
    expect(() => mrtFileName("rib.%", t)).toThrow(/lone %/);
  });
});

describe("MrtUpdateLog rotation", () => {
  it("starts a file at each multiple of the interval, named for its period, idle ones included", async () => {
    const dir = tmp();
    const opened: string[] = [];
    // 1,700,000,000 s is 2023-11-14 22:13:20 UTC: the first period began at 22:10.
    const { r1, log, clock } = pair(
      ["198.18.0.0/24", "198.18.1.0/24"],
      join(dir, "updates.%Y%m%d.%H%M"),
      false,
      { interval: 300, onFile: (f) => opened.push(f) },
    );
    await flush();
    expect(log.file).toBe(join(dir, "updates.20231114.2210"));
    await advance(clock, 110_000); // 22:15:10
    r1.withdraw(["198.18.1.0/24"]);
    await flush();
    await advance(clock, 600_000); // 22:25:10: the 22:20 period passed without an UPDATE
    r1.originate([{ prefix: "198.18.9.0/24" }]);
    await flush();
    log.close();
    const names = ["2210", "2215", "2220", "2225"].map((m) => join(dir, `updates.20231114.${m}`));
    expect(opened).toEqual(names);
    expect(readdirSync(dir).sort()).toEqual(names.map((n) => n.slice(dir.length + 1)));
    const perFile = names.map(decodeFile);
    // What each file says of the routes: announced +, withdrawn −.
    const routes = perFile.map((rs) =>
      rs.flatMap((r) => {
        if (r.kind !== "BGP4MP_MESSAGE") return [];
        const u = r.message as UpdateMessage;
        return [
          ...u.nlri.map((p) => `+${formatPrefix(p)}`),
          ...u.withdrawnRoutes.map((p) => `-${formatPrefix(p)}`),
        ];
      }),
    );
    expect(routes).toEqual([
      ["+198.18.0.0/24", "+198.18.1.0/24"],
      ["-198.18.1.0/24"],
      [],
      ["+198.18.9.0/24"],
    ]);
    expect(perFile.flat().length).toBe(log.records);
    perFile.forEach((rs, i) => {
      const start = 1_700_000_000 - 200 + i * 300; // 22:10:00 + i periods
      for (const r of rs) expect(r.header.timestamp - start).toBeGreaterThanOrEqual(0);
      for (const r of rs) expect(r.header.timestamp - start).toBeLessThan(300);
    });
  });

  it("reopens its file after logrotate moved it (SIGHUP in dyninfra-bgpd)", async () => {
    const dir = tmp();
    const file = join(dir, "updates.mrt");
    const { r1, log } = pair(["198.18.0.0/24"], file);
    await flush();
    renameSync(file, `${file}.1`);
    log.reopen();
    r1.withdraw(["198.18.0.0/24"]);
    await flush();
    log.close();
    const before = decodeFile(`${file}.1`);
    const after = decodeFile(file);
    expect(before.length + after.length).toBe(log.records);
    expect(log.files).toBe(2);
    const withdrawn = after.flatMap((r) =>
      r.kind === "BGP4MP_MESSAGE" ? (r.message as UpdateMessage).withdrawnRoutes : [],
    );
    expect(withdrawn.map(formatPrefix)).toEqual(["198.18.0.0/24"]);
  });

  it("refuses an interval without a time conversion; stays in its file when the next cannot open", async () => {
    const dir = tmp();
    const clock = new ManualClock(1_700_000_000_000);
    const r = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] }, { clock });
    expect(() => new MrtUpdateLog(r, join(dir, "u.mrt"), { clock, interval: 60 })).toThrow(
      expect.objectContaining({ code: "MRT_DUMP", where: { field: "mrtDump.updates" } }),
    );
    expect(() => new MrtUpdateLog(r, join(dir, "u.%M"), { clock, interval: 0.5 })).toThrow(
      /whole number of seconds/,
    );
    // One directory per hour, the next one missing: the log stays where it is and says so.
    mkdirSync(join(dir, "22"));
    const errors: string[] = [];
    const {
      r1,
      log,
      clock: c,
    } = pair(["198.18.0.0/24"], join(dir, "%H", "u.%M"), false, {
      interval: 3600,
      onError: (e) => errors.push(e.message),
    });
    await flush();
    await advance(c, 3_600_000); // 23:13:20
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot open .*23\/u\.00/);
    r1.withdraw(["198.18.0.0/24"]);
    await flush();
    log.close();
    expect(log.file).toBe(join(dir, "22", "u.00"));
    expect(decodeFile(log.file).length).toBe(log.records);
  });
});

describe("MrtRibDumper", () => {
  it("writes a TABLE_DUMP_V2 dump at each multiple of its interval, named for it, atomically", async () => {
    const dir = tmp();
    const prefixes = Array.from({ length: 20 }, (_, i) => `198.18.${i}.0/24`);
    const { r2, log, clock } = pair(prefixes, join(dir, "u.mrt"));
    await flush();
    const dumped: string[] = [];
    const d = new MrtRibDumper(r2, join(dir, "rib.%Y%m%d.%H%M"), {
      interval: 3600,
      clock,
      onDump: (f, w) => dumped.push(`${f} ${w.prefixes} ${w.entries}`),
    });
    // 2023-11-15 00:13:20: dumps at 23:00 and 00:00 (each awaited, so that a machine slow to
    // write the first does not make the second find it still being written).
    await advance(clock, 3_600_000);
    await d.settled();
    await advance(clock, 3_600_000);
    await d.close();
    log.close();
    const files = [join(dir, "rib.20231114.2300"), join(dir, "rib.20231115.0000")];
    expect(dumped).toEqual(files.map((f) => `${f} 20 20`));
    expect(d.dumps).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(["rib.20231114.2300", "rib.20231115.0000", "u.mrt"]);
    files.forEach((f, i) => {
      const records = decodeFile(f);
      expect(records[0]!.kind).toBe("PEER_INDEX_TABLE");
      expect(records.length).toBe(21);
      // Stamped with the time of its period's start (the timer is due exactly then).
      expect(records.every((r) => r.header.timestamp === 1_700_002_800 + i * 3600)).toBe(true);
    });
    // After close, no more dumps.
    await advance(clock, 3_600_000);
    expect(d.dumps).toBe(2);
    expect(() => new MrtRibDumper(r2, join(dir, "rib"), { interval: 60, clock })).toThrow(
      expect.objectContaining({ where: { field: "mrtDump.rib" } }),
    );
    const errors: string[] = [];
    const bad = new MrtRibDumper(r2, join(dir, "missing", "rib.%H"), {
      interval: 60,
      clock,
      onError: (e) => errors.push(e.code),
    });
    await advance(clock, 60_000);
    await bad.close();
    expect(errors).toEqual(["MRT_DUMP"]);
    expect(readdirSync(dir)).toHaveLength(3); // no temporary file left behind
    // A dump due while the last is still being written is skipped, and said so.
    const skipped: string[] = [];
    const busy = new MrtRibDumper(r2, join(dir, "busy.%s"), {
      interval: 60,
      clock,
      onError: (e) => skipped.push(e.message),
    });
    clock.advance(120_000); // two periods at once: the second finds the first being written
    await busy.close();
    expect(busy.dumps).toBe(1);
    expect(skipped).toEqual([
      expect.stringMatching(/skipped: the previous dump is still being written/),
    ]);
    expect(readdirSync(dir).filter((f) => f.startsWith("busy."))).toHaveLength(1);
  });
});
