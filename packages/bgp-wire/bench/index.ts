// Benchmarks for @dyninfra/bgp-wire. Prints `BENCH <metric> <value> <unit>` lines (DESIGN.md):
// RTR PDU decoding (synthetic, always), then MRT decoding and mrt-dump vs bgpdump (shared data).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { MrtWriteRecord, PathAttributes, RtrPdu } from "@dyninfra/bgp-wire";
import { decodeMrt, encodeMrt, encodeRtrPdu, RtrStreamDecoder } from "@dyninfra/bgp-wire";

// RTR (RFC 8210): a cache's whole answer to a Reset Query — Cache Response, 350,000 prefix PDUs
// (about 4 in 5 IPv4, as in today's VRP sets), End of Data — read through RtrStreamDecoder in
// 64 KiB chunks as a router reads its socket. Synthetic (no RTR capture of that size is in the
// shared data), so it runs with or without the shared data.
function rtrAnswer(vrps: number): Uint8Array {
  let state = 0x2545f491;
  const rnd = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const pdus: Uint8Array[] = [encodeRtrPdu({ type: "cache-response", version: 1, sessionId: 1 })];
  for (let i = 0; i < vrps; i++) {
    const asn = 1 + rnd(400000);
    if (rnd(5) !== 0) {
      const length = 8 + rnd(17); // /8../24
      const a = ((rnd(224) << 24) | (rnd(256) << 16) | (rnd(256) << 8)) >>> 0;
      const net = (a & (0xffffffff << (32 - length))) >>> 0;
      const prefix = `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${length}`;
      pdus.push(
        encodeRtrPdu({
          type: "prefix",
          version: 1,
          announce: true,
          prefix,
          maxLength: length + rnd(25 - length),
          asn,
        }),
      );
    } else {
      const length = 19 + rnd(30); // /19../48
      const w = [0x2000 | rnd(0x1000), rnd(0x10000), rnd(0x10000)];
      for (let k = 0; k < 3; k++) {
        const keep = Math.max(0, Math.min(16, length - 16 * k));
        w[k] = keep === 0 ? 0 : w[k]! & ((0xffff << (16 - keep)) & 0xffff);
      }
      const prefix = `${w.map((x) => x.toString(16)).join(":")}::/${length}`;
      pdus.push(
        encodeRtrPdu({
          type: "prefix",
          version: 1,
          announce: true,
          prefix,
          maxLength: length + rnd(49 - length),
          asn,
        }),
      );
    }
  }
  pdus.push(
    encodeRtrPdu({
      type: "end-of-data",
      version: 1,
      sessionId: 1,
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 7200,
    }),
  );
  return new Uint8Array(Buffer.concat(pdus));
}

/** PDUs decoded from `stream` in 64 KiB chunks (checked: all of it, ending with End of Data). */
function rtrDecodeAll(stream: Uint8Array): number {
  const d = new RtrStreamDecoder();
  let n = 0;
  let last: RtrPdu | undefined;
  for (let off = 0; off < stream.length; off += 65536) {
    const pdus = d.push(stream.subarray(off, off + 65536));
    n += pdus.length;
    if (pdus.length > 0) last = pdus[pdus.length - 1];
  }
  if (d.consumed !== stream.length || last?.type !== "end-of-data")
    throw new Error("bench: RTR stream not decoded whole");
  return n;
}

{
  const stream = rtrAnswer(350_000);
  rtrDecodeAll(stream); // warm-up
  const runs = 5;
  let pdus = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) pdus += rtrDecodeAll(stream);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = Number(process.hrtime.bigint() - wall0) / 1e9;
  console.error(
    `rtr: ${runs} x ${pdus / runs} PDUs (${(stream.length / 1e6).toFixed(1)} MB) in 64 KiB chunks: ${(pdus / cpuSeconds).toFixed(0)} PDUs per CPU-second, ${(pdus / wallSeconds).toFixed(0)} per wall-second`,
  );
  console.log(`BENCH rtr_decode_pdus_per_s ${Math.round(pdus / cpuSeconds)} PDUs/s`);
}

const DATA = path.resolve(
  import.meta.dirname,
  "../../../../shared/data/bgp/ripe-ncc-bgpdump/test_data",
);
const FILES = ["updates.et-header.2015.gz", "bview.20020722.2337.gz"].map((f) =>
  path.join(DATA, f),
);
const CLI = path.resolve(import.meta.dirname, "../bin/mrt-dump.js");

if (!FILES.every((f) => existsSync(f))) {
  console.error(`bench: shared data absent at ${DATA}; no figures`);
  process.exit(0);
}

/** Prefixes decoded from one decompressed MRT buffer (announced, withdrawn and RIB entries). */
function decodeAll(bytes: Uint8Array): number {
  let n = 0;
  for (const r of decodeMrt(bytes)) {
    if (r.kind === "RIB") n += r.entries.length;
    else if (r.kind === "TABLE_DUMP") n += 1;
    else if (r.kind === "BGP4MP_MESSAGE" && r.message?.type === "UPDATE") {
      const m = r.message;
      n += m.nlri.length + m.withdrawnRoutes.length;
      n += m.pathAttributes.mpReachNlri?.nlri.length ?? 0;
      n += m.pathAttributes.mpUnreachNlri?.withdrawnRoutes.length ?? 0;
    }
  }
  return n;
}

// Decoding is measured in CPU time of this single thread ("on one core"), so that other
// processes on a shared machine do not distort it; wall time is printed on stderr.
let prefixes = 0;
let cpuSeconds = 0;
let wallSeconds = 0;
for (const f of FILES) {
  const bytes = gunzipSync(readFileSync(f));
  decodeAll(bytes); // warm-up
  const runs = 3;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) prefixes += decodeAll(bytes);
  const cpu = process.cpuUsage(cpu0);
  cpuSeconds += (cpu.user + cpu.system) / 1e6;
  wallSeconds += Number(process.hrtime.bigint() - wall0) / 1e9;
  console.error(
    `decode ${path.basename(f)}: cumulative ${(prefixes / cpuSeconds).toFixed(0)} prefixes per CPU-second, ${(prefixes / wallSeconds).toFixed(0)} per wall-second`,
  );
}
console.log(`BENCH mrt_decode_prefixes_per_s ${Math.round(prefixes / cpuSeconds)} prefixes/s`);

// Encoding: the RIS 2002 RIB dump (TABLE_DUMP) written back as TABLE_DUMP_V2, a RIB record per
// prefix with an entry per peer, from the decoded attribute objects (every entry's attributes
// encoded, as a writer without raw bytes does).
{
  const peers = new Map<string, number>();
  const byPrefix = new Map<string, Extract<MrtWriteRecord, { kind: "RIB" }>>();
  for (const r of decodeMrt(gunzipSync(readFileSync(FILES[1]!)))) {
    if (r.kind !== "TABLE_DUMP") continue;
    const peerKey = `${r.peerAddress} ${r.peerAs}`;
    let peerIndex = peers.get(peerKey);
    if (peerIndex === undefined) {
      peerIndex = peers.size;
      peers.set(peerKey, peerIndex);
    }
    const key = `${r.prefix.address}/${r.prefix.length}`;
    let rib = byPrefix.get(key);
    if (rib === undefined) {
      rib = {
        kind: "RIB",
        header: r.header,
        sequenceNumber: byPrefix.size,
        prefix: r.prefix,
        entries: [],
      };
      byPrefix.set(key, rib);
    }
    (
      rib.entries as { peerIndex: number; originatedTime: number; attributes: PathAttributes }[]
    ).push({
      peerIndex,
      originatedTime: r.originatedTime,
      attributes: r.attributes,
    });
  }
  const records: MrtWriteRecord[] = [
    {
      kind: "PEER_INDEX_TABLE",
      header: { timestamp: 1027380000 },
      collectorBgpId: "193.0.4.28",
      viewName: "",
      peers: [...peers.keys()].map((k) => {
        const [peerAddress, asn] = k.split(" ");
        const v6 = peerAddress!.includes(":");
        return {
          peerType: 2 | (v6 ? 1 : 0),
          peerBgpId: "0.0.0.0",
          peerAddress: peerAddress!,
          peerAs: Number(asn),
        };
      }),
    },
    ...byPrefix.values(),
  ];
  const entries = records.reduce((n, r) => n + (r.kind === "RIB" ? r.entries.length : 0), 0);
  encodeMrt(records); // warm-up
  const cpu0 = process.cpuUsage();
  const runs = 3;
  let bytes = 0;
  for (let i = 0; i < runs; i++) bytes = encodeMrt(records).length;
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  console.error(
    `encode ${records.length} TABLE_DUMP_V2 records (${entries} entries, ${(bytes / 1e6).toFixed(1)} MB): ${((seconds / runs) * 1000).toFixed(0)} ms CPU each time`,
  );
  console.log(
    `BENCH mrt_encode_rib_entries_per_s ${Math.round((entries * runs) / seconds)} entries/s`,
  );
}

/** User+system CPU seconds of a shell command (output discarded). */
function cpuOf(cmd: string): string {
  const r = spawnSync("bash", ["-c", `TIMEFORMAT='%U %S'; time (${cmd} > /dev/null 2>&1)`], {
    encoding: "utf8",
  });
  const [u, sys] = r.stderr.trim().split(/\s+/).map(Number);
  return ((u ?? 0) + (sys ?? 0)).toFixed(2);
}

const hasBgpdump = spawnSync("bgpdump", ["-T"]).status === 0;
if (!hasBgpdump) {
  console.error(
    "bench: bgpdump not installed (apt-get install bgpdump); no mrt_dump_vs_bgpdump_ratio",
  );
} else if (!existsSync(path.resolve(import.meta.dirname, "../dist/cli/mrt-dump.js"))) {
  console.error("bench: build the package first (pnpm build) for mrt_dump_vs_bgpdump_ratio");
} else {
  // Wall time, as the issue asks, both tools on the same file in the same run.
  let ours = 0;
  let theirs = 0;
  for (const f of FILES) {
    // Best of 3 alternating runs each: the machine may be shared.
    let bestOurs = Number.POSITIVE_INFINITY;
    let bestTheirs = Number.POSITIVE_INFINITY;
    let same = true;
    for (let k = 0; k < 3; k++) {
      const t0 = process.hrtime.bigint();
      const a = spawnSync(process.execPath, [CLI, "-m", f], {
        maxBuffer: 1 << 30,
        encoding: "latin1",
      });
      const t1 = process.hrtime.bigint();
      const b = spawnSync("bgpdump", ["-m", f], { maxBuffer: 1 << 30, encoding: "latin1" });
      const t2 = process.hrtime.bigint();
      bestOurs = Math.min(bestOurs, Number(t1 - t0) / 1e9);
      bestTheirs = Math.min(bestTheirs, Number(t2 - t1) / 1e9);
      same &&= a.stdout === b.stdout;
    }
    ours += bestOurs;
    theirs += bestTheirs;
    console.error(
      `mrt-dump -m ${path.basename(f)}: ${bestOurs.toFixed(2)} s, bgpdump -m ${bestTheirs.toFixed(2)} s (CPU ${cpuOf(`${process.execPath} ${CLI} -m ${f}`)} s vs ${cpuOf(`bgpdump -m ${f}`)} s), output ${same ? "identical" : "DIFFERENT"}`,
    );
  }
  console.log(`BENCH mrt_dump_vs_bgpdump_ratio ${(ours / theirs).toFixed(3)} ratio`);
}
