// The MRT update log and RIB dump of a router, read back with bgp-wire's MRT reader (the
// interop test has bgpdump read them too).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMrt, formatPrefix, type UpdateMessage } from "@dyninfra/bgp-wire";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { parseRouterSpec } from "./config";
import { MrtUpdateLog, ribDumpRecords, writeRibDump } from "./mrt-dump";
import { memoryPipe } from "./pipe";
import { Router } from "./router";

const flush = async (rounds = 10) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mrt-dump-"));
  dirs.push(d);
  return d;
};

/** r1 (AS 64501, 192.0.2.2) sends r2 (AS 64500, 192.0.2.1) `prefixes`; r2 logs to `file`. */
function pair(prefixes: string[], file: string, all = false) {
  const clock = new ManualClock(1_700_000_000_000);
  const neighbor = (name: string, address: string, asn: number) => ({
    name,
    address,
    asn,
    passive: true,
    importPolicy: "accept" as const,
    exportPolicy: "accept" as const,
  });
  const r1 = new Router(
    {
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [neighbor("r2", "192.0.2.1", 64500)],
      originate: prefixes.map((prefix) => ({ prefix })),
    },
    { clock },
  );
  const r2 = new Router(
    {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [neighbor("r1", "192.0.2.2", 64501)],
    },
    { clock },
  );
  const log = new MrtUpdateLog(r2, file, { all, now: () => clock.now() });
  r1.start();
  r2.start();
  const [x, y] = memoryPipe();
  r1.accept("r2", x);
  r2.accept("r1", y);
  return { r1, r2, log };
}

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

describe("RIB dump (TABLE_DUMP_V2)", () => {
  it("holds a peer index table and, per prefix, what each neighbour sent (pre-policy)", async () => {
    const dir = tmp();
    const prefixes = Array.from({ length: 30 }, (_, i) => `198.18.${i}.0/24`);
    const { r2, log } = pair(prefixes, join(dir, "u.mrt"));
    await flush();
    log.close();
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

  it("is configured by mrtDump, checked field by field", () => {
    const base = { asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] };
    expect(parseRouterSpec({ ...base, mrtDump: { updates: "/x.mrt" } }).mrtDump).toEqual({
      updates: "/x.mrt",
    });
    expect(() => parseRouterSpec({ ...base, mrtDump: {} })).toThrow(/mrtDump\.updates/);
    expect(() => parseRouterSpec({ ...base, mrtDump: { updates: "/x", rib: 1 } })).toThrow(
      /mrtDump\.rib/,
    );
    expect(() => parseRouterSpec({ ...base, mrtDump: { updates: "/x", all: 1 } })).toThrow(
      /mrtDump\.all/,
    );
  });
});
