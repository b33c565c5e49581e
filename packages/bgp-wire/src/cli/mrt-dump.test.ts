import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BETTER, REPORTED, run } from "../../test/mrt-dump-run";
import {
  FIXTURES,
  mrtWithReferences,
  reference,
  SHARED,
  sharedPresent,
} from "../../test/references";
import { bgpdumpState, formatBgpdump } from "../bgpdump-format";
import { mrtFrames } from "../mrt-reader";

if (!sharedPresent)
  console.warn(`bgp-wire: shared data absent at ${SHARED}; only fixtures are compared`);

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
  // Every MRT file of the shared data, the two benchmark files (578k and 115k lines) included.
  const files = mrtWithReferences(SHARED);
  it("has every shared MRT file with a reference", () => expect(files.length).toBeGreaterThan(28));
  it.each(files)(
    "$name",
    async ({ file, name }) => {
      check(SHARED, name, file, await run(["-m", file]));
    },
    60_000,
  );
});

describe("command line", () => {
  it("needs a mode and a file", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["-m"])).code).toBe(2);
    expect((await run(["-x", "f"])).code).toBe(2);
  });
  it("skips a corrupt record in mid-file with its offset and reason, prints the rest, exits 1", async () => {
    const name = "t2mune-mrtparse/samples/quagga_bgp";
    const original = new Uint8Array(readFileSync(path.join(FIXTURES, name)));
    const ref = reference(path.join(FIXTURES, name));
    // The first record with announcements: its lines must vanish, nothing else.
    const state = bgpdumpState();
    const frames = [...mrtFrames(original)];
    const i = frames.findIndex((f) => formatBgpdump(f, "m", state)?.includes("|A|"));
    expect(i).toBeGreaterThan(0);
    expect(i).toBeLessThan(frames.length - 1);
    const frame = frames[i]!;
    const lines = formatBgpdump(frame, "m", state)!;
    expect(ref.split(lines).length).toBe(2); // the record's lines appear once in bgpdump's output
    const corrupt = original.slice();
    const bodyAt = frame.header.offset + 12;
    const marker = frame.body.findIndex((_, j) =>
      frame.body.subarray(j, j + 16).every((x) => x === 0xff),
    );
    corrupt[bodyAt + marker + 3] = 0; // break the BGP marker (RFC 4271 §4.1)
    const file = path.join(mkdtempSync(path.join(tmpdir(), "mrt-dump-")), "corrupt");
    writeFileSync(file, corrupt);
    const r = await run(["-m", file]);
    expect(r.out).toBe(ref.replace(lines, ""));
    expect(r.err).toMatch(
      new RegExp(
        `offset ${frame.header.offset}: record type 16 subtype \\d+ of ${frame.header.length} octets not readable \\(BGP message Marker is not all ones .*\\); skipped\\n$`,
      ),
    );
    expect(r.code).toBe(1);
  });

  it("reports an unreadable file and exits non-zero", async () => {
    const r = await run(["-m", path.join(FIXTURES, "does-not-exist")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does-not-exist/);
  });
});
