// Benchmarks for @dyninfra/bgp-wire. Prints `BENCH <metric> <value> <unit>` lines (DESIGN.md).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeMrt } from "@dyninfra/bgp-wire";

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

let prefixes = 0;
let seconds = 0;
for (const f of FILES) {
  const bytes = gunzipSync(readFileSync(f));
  decodeAll(bytes); // warm-up
  const runs = 3;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) prefixes += decodeAll(bytes);
  seconds += Number(process.hrtime.bigint() - start) / 1e9;
  console.error(`decode ${path.basename(f)}: ${(prefixes / seconds).toFixed(0)} prefixes/s so far`);
}
console.log(`BENCH mrt_decode_prefixes_per_s ${Math.round(prefixes / seconds)} prefixes/s`);

const hasBgpdump = spawnSync("bgpdump", ["-T"]).status === 0;
if (!hasBgpdump) {
  console.error(
    "bench: bgpdump not installed (apt-get install bgpdump); no mrt_dump_vs_bgpdump_ratio",
  );
} else if (!existsSync(path.resolve(import.meta.dirname, "../dist/cli/mrt-dump.js"))) {
  console.error("bench: build the package first (pnpm build) for mrt_dump_vs_bgpdump_ratio");
} else {
  let ours = 0;
  let theirs = 0;
  for (const f of FILES) {
    const t0 = process.hrtime.bigint();
    const a = spawnSync(process.execPath, [CLI, "-m", f], {
      maxBuffer: 1 << 30,
      encoding: "latin1",
    });
    const t1 = process.hrtime.bigint();
    const b = spawnSync("bgpdump", ["-m", f], { maxBuffer: 1 << 30, encoding: "latin1" });
    const t2 = process.hrtime.bigint();
    ours += Number(t1 - t0) / 1e9;
    theirs += Number(t2 - t1) / 1e9;
    console.error(
      `mrt-dump -m ${path.basename(f)}: ${(Number(t1 - t0) / 1e9).toFixed(2)} s, bgpdump -m ${(Number(t2 - t1) / 1e9).toFixed(2)} s, output ${a.stdout === b.stdout ? "identical" : "DIFFERENT"}`,
    );
  }
  console.log(`BENCH mrt_dump_vs_bgpdump_ratio ${(ours / theirs).toFixed(3)} ratio`);
}
