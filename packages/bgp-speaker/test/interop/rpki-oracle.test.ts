// Route Origin Validation oracle: BIRD 2 holds a set of VRPs in its roa4/roa6 tables and answers
// `roa_check(table, prefix, asn)` for thousands of (prefix, origin) queries through birdc; the
// answer of @dyninfra/bgp-rib's RoaTable must be BIRD's for every one. The VRPs and queries are
// generated (a fixed seed) to nest and overlap: covering VRPs with different maxLengths and ASes,
// queries longer and shorter than them, AS 0 ROAs, and IPv6.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  formatPrefix,
  type IpPrefix,
  maskWords,
  type OriginValidity,
  parsePrefix,
  RoaTable,
  type Vrp,
} from "@dyninfra/bgp-rib";
import { afterAll, describe, expect, it } from "vitest";
import { isRoot, Lab, rng, run, waitFor, which } from "./lab";

const ready = isRoot && which("ip") && which("bird") && which("birdc");
if (!ready) console.warn("interop: RPKI oracle skipped — needs root, iproute2 and BIRD");

const ASNS = [0, 64496, 64497, 64498, 4200000001];

/** BIRD's roa_check results: ROA_UNKNOWN 0, ROA_VALID 1, ROA_INVALID 2. */
const BIRD_STATE: Record<string, OriginValidity> = {
  "0": "not-found",
  "1": "valid",
  "2": "invalid",
};

describe.runIf(ready)("Route Origin Validation: bgp-rib agrees with BIRD's roa_check", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("on 3,000 queries against 400 nested VRPs (IPv4 and IPv6)", async () => {
    const random = rng(6811);
    const pick = <T>(a: readonly T[]) => a[Math.floor(random() * a.length)]!;
    const v4 = (len: number): IpPrefix => ({
      family: 4,
      length: len,
      // Inside 10.0.0.0/12, so that VRPs and queries meet often.
      words: maskWords([(0x0a000000 | Math.floor(random() * 0x100000)) >>> 0, 0, 0, 0], len),
    });
    const v6 = (len: number): IpPrefix => ({
      family: 6,
      length: len,
      words: maskWords(
        [0x20010db8, Math.floor(random() * 0x10000) << 16, Math.floor(random() * 2 ** 32), 0],
        len,
      ),
    });
    const vrps: Vrp[] = [];
    for (let i = 0; i < 400; i++) {
      const six = random() < 0.25;
      const len = six ? 32 + Math.floor(random() * 33) : 12 + Math.floor(random() * 13);
      const p = six ? v6(len) : v4(len);
      const max = six ? 128 : 32;
      vrps.push({
        prefix: formatPrefix(p),
        maxLength: Math.min(max, len + (random() < 0.4 ? 0 : Math.floor(random() * 9))),
        asn: pick(ASNS),
      });
    }
    // Queries: a VRP's prefix lengthened or shortened (same bits, different host part), or a
    // random prefix of the space.
    const queries: { prefix: string; asn: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      let p: IpPrefix;
      if (random() < 0.7) {
        const v = parsePrefix(pick(vrps).prefix as string);
        const max = v.family === 4 ? 32 : 128;
        const len = Math.max(0, Math.min(max, v.length + Math.floor(random() * 12) - 3));
        const rest = v.family === 4 ? v4(32) : v6(64);
        p = {
          family: v.family,
          length: len,
          words: maskWords(mixIn(v.words, rest.words, v.length), len),
        };
      } else
        p =
          random() < 0.75 ? v4(8 + Math.floor(random() * 25)) : v6(16 + Math.floor(random() * 113));
      queries.push({ prefix: formatPrefix(p), asn: pick(ASNS.filter((a) => a !== 0)) });
    }

    const ns = await lab.ns("rov");
    const sock = join(lab.dir, "bird.ctl");
    const file = join(lab.dir, "bird.conf");
    const routes = (fam: 4 | 6) =>
      vrps
        .filter((v) => ((v.prefix as string).includes(":") ? 6 : 4) === fam)
        .map((v) => `  route ${v.prefix} max ${v.maxLength} as ${v.asn};`);
    writeFileSync(
      file,
      [
        "log stderr all;",
        "router id 192.0.2.1;",
        "roa4 table r4;",
        "roa6 table r6;",
        "protocol static { roa4 { table r4; };",
        ...routes(4),
        "}",
        "protocol static { roa6 { table r6; };",
        ...routes(6),
        "}",
      ].join("\n"),
    );
    lab.spawn(ns, "bird", "bird", ["-f", "-c", file, "-s", sock, "-P", join(lab.dir, "bird.pid")]);
    await waitFor(
      "BIRD control socket",
      async () => (await run("birdc", ["-s", sock, "show status"])).includes("Daemon is up"),
      10_000,
      200,
    );
    // Both ROA tables loaded before asking.
    await waitFor(
      "BIRD's ROA tables",
      async () => {
        const out = await run("birdc", ["-s", sock, "show route count table r4"]);
        const out6 = await run("birdc", ["-s", sock, "show route count table r6"]);
        const n = (s: string) => Number(/(\d+) of \d+ routes/.exec(s)?.[1] ?? -1);
        // One route per static entry (a VRP given twice is two routes).
        return n(out) + n(out6) === vrps.length;
      },
      10_000,
      200,
    );

    const answers = await birdcBatch(
      sock,
      queries.map(
        (q) => `eval roa_check(${q.prefix.includes(":") ? "r6" : "r4"}, ${q.prefix}, ${q.asn})`,
      ),
    );
    expect(answers.length).toBe(queries.length);

    const table = new RoaTable(vrps);
    const ours = queries.map((q) => table.validate(q.prefix, q.asn));
    const bird = answers.map((a) => BIRD_STATE[a]!);
    const disagree = queries
      .map((q, i) => ({ ...q, ours: ours[i], bird: bird[i] }))
      .filter((d) => d.ours !== d.bird);
    expect(disagree).toEqual([]);
    // The case is not degenerate: all three states occur, for both families.
    const seen = new Set(queries.map((q, i) => `${q.prefix.includes(":") ? 6 : 4} ${bird[i]}`));
    expect(seen.size).toBe(6);
  }, 120_000);
});

/** The first `keep` bits from `a`, the rest from `b`. */
function mixIn(a: readonly number[], b: readonly number[], keep: number): number[] {
  const m = maskWords([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], keep);
  return [0, 1, 2, 3].map((i) => ((a[i]! & m[i]!) | (b[i]! & ~m[i]!)) >>> 0);
}

/** Sends commands through one birdc and returns each `eval`'s enum value, in order. */
function birdcBatch(sock: string, commands: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = spawn("birdc", ["-s", sock], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => c.kill(), 60_000);
    c.on("error", reject);
    c.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`birdc exited ${code}: ${err}`));
      else resolve([...out.matchAll(/\(enum \d+\)(\d)/g)].map((m) => m[1]!));
    });
    c.stdin.end(`${commands.join("\n")}\n`);
  });
}
