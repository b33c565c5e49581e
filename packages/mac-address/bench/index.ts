// Benchmarks for @dyninfra/mac-address. Prints `BENCH <metric> <value> <unit>` lines (see DESIGN.md).
import { formatMac, MacTable, parseMac } from "@dyninfra/mac-address";

/**
 * Calls `op` in batches of `batch` until `seconds` of wall clock have passed (after a warm-up of
 * a tenth of that), and returns calls per second. The CPU-time rate goes to stderr: on a shared
 * machine it shows the code's own speed.
 */
function rate(label: string, batch: number, seconds: number, op: (i: number) => void): number {
  const run = (budgetNs: bigint) => {
    const cpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let calls = 0;
    let elapsed = 0n;
    while (elapsed < budgetNs) {
      for (let i = 0; i < batch; i++) op(calls + i);
      calls += batch;
      elapsed = process.hrtime.bigint() - t0;
    }
    const used = process.cpuUsage(cpu);
    return { calls, wall: Number(elapsed) / 1e9, cpu: (used.user + used.system) / 1e6 };
  };
  run(BigInt(Math.round(seconds * 1e8)));
  const { calls, wall, cpu } = run(BigInt(Math.round(seconds * 1e9)));
  console.error(
    `${label}: ${calls} calls, ${wall.toFixed(3)} s wall, ${Math.round(calls / cpu)} /CPU-s`,
  );
  return calls / wall;
}

// A forwarding table of 4096 random stations (a large 802.1Q bridge's FDB), looked up with a
// mix of 3/4 hits and 1/4 misses, as a classifier sees known and unknown destinations.
let seed = 0x2545f491;
const random48 = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  const hi = seed & 0xffffff;
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return hi * 0x100_0000 + (seed & 0xffffff);
};
const stations = Array.from({ length: 4096 }, random48);
const table = new MacTable(stations.length);
stations.forEach((mac, i) => {
  table.set(mac, i);
});
const probes = Float64Array.from({ length: 1 << 16 }, (_, i) =>
  i % 4 === 3 ? random48() : stations[(i * 2654435761) % stations.length]!,
);

let sink = 0;
const lookups = rate("MacTable.get, 4096 stations, 25% misses", 65_536, 1, (i) => {
  sink += table.get(probes[i & 0xffff]!);
});

// Parsing the text forms `ip link` prints and takes.
const texts = stations.slice(0, 1024).map((mac, i) => {
  const t = formatMac(mac);
  return i % 4 === 0 ? t.toUpperCase() : t;
});
const parses = rate("parseMac", 4096, 1, (i) => {
  sink += parseMac(texts[i & 1023]!);
});

if (sink === 0) throw new Error("benchmark optimised away");
console.log(`BENCH mac_table_lookups_per_s ${Math.round(lookups)} lookups/s`);
console.log(`BENCH mac_parse_per_s ${Math.round(parses)} parses/s`);
