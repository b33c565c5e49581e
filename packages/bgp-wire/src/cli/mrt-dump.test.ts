import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  FIXTURES,
  mrtWithReferences,
  reference,
  SHARED,
  sharedPresent,
} from "../../test/references";
import { main } from "./mrt-dump";

if (!sharedPresent)
  console.warn(`bgp-wire: shared data absent at ${SHARED}; only fixtures are compared`);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    { write: (s: string) => out.push(s) },
    { write: (s: string) => err.push(s) },
  );
  return { code, out: out.join(""), err: err.join("") };
}

/** Files where bgpdump stops early or skips records: the output matches, and we report. */
const REPORTED: Record<string, RegExp> = {
  "bgpkit-parser/tests/fixtures/ripe/rrc00/2000.03/updates.20000325.0345.gz":
    /offset 15024: incomplete record/,
  "bgpkit-parser/tests/fixtures/ripe/rrc01/2000.11/updates.20001104.0124.gz":
    /offset 1913: record type 16 subtype 1/,
};

/** Files bgpdump cannot read where mrt-dump does better: bgpdump's lines are a prefix of ours. */
const BETTER: Record<string, number> = {
  // every record declared 4 octets short: bgpdump prints 1 entry, the file holds 452,018
  "bgpkit-parser/tests/fixtures/ripe/rrc00/2000.01/bview.20000111.0032.gz": 452_018,
  // BGP4MP_ENTRY: bgpdump prints nothing; the 31 RIB entries of the OpenBGPD table-mp dump
  "t2mune-mrtparse/samples/openbgpd_rib_table-mp": 31,
};

function check(
  root: string,
  name: string,
  file: string,
  got: { code: number; out: string; err: string },
): void {
  const better = BETTER[name];
  if (better !== undefined) {
    expect(got.out.startsWith(reference(file))).toBe(true);
    expect(got.out.split("\n").length - 1).toBe(better);
    expect(got.err).toBe("");
    expect(got.code).toBe(0);
    return;
  }
  expect(got.out === reference(file), `mrt-dump -m ${name} differs from bgpdump -m`).toBe(true);
  const reported = REPORTED[name];
  if (reported === undefined) {
    expect(got.err).toBe("");
    expect(got.code).toBe(0);
  } else {
    expect(got.err).toMatch(reported);
    expect(got.code).toBe(1);
  }
  void root;
}

describe("mrt-dump -m is byte-identical to bgpdump -m (fixtures)", () => {
  const files = mrtWithReferences(FIXTURES);
  it("has fixtures", () => expect(files.length).toBeGreaterThan(15));
  it.each(files)("$name", async ({ file, name }) => {
    check(FIXTURES, name, file, await run(["-m", file]));
  });
});

describe.runIf(sharedPresent)("mrt-dump -m is byte-identical to bgpdump -m (shared data)", () => {
  const big = new Set([
    "ripe-ncc-bgpdump/test_data/updates.et-header.2015.gz",
    "ripe-ncc-bgpdump/test_data/bview.20020722.2337.gz",
  ]);
  const files = mrtWithReferences(SHARED).filter((f) => !big.has(f.name));
  it.each(files)(
    "$name",
    async ({ file, name }) => {
      check(SHARED, name, file, await run(["-m", file]));
    },
    60_000,
  );
});

const hasBgpdump = spawnSync("bgpdump", ["-T"], { encoding: "utf8" }).status === 0;
describe.runIf(hasBgpdump)("mrt-dump -M matches the installed bgpdump -M", () => {
  it.each(mrtWithReferences(FIXTURES).filter((f) => !REPORTED[f.name] && !BETTER[f.name]))(
    "$name",
    async ({ file }) => {
      const ref = spawnSync("bgpdump", ["-M", file], { encoding: "latin1", maxBuffer: 1 << 28 });
      const got = await run(["-M", file]);
      expect(got.out === ref.stdout).toBe(true);
    },
  );
});

describe("command line", () => {
  it("needs a mode and a file", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["-m"])).code).toBe(2);
    expect((await run(["-x", "f"])).code).toBe(2);
  });
  it("reports an unreadable file and exits non-zero", async () => {
    const r = await run(["-m", path.join(FIXTURES, "does-not-exist")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does-not-exist/);
  });
});
