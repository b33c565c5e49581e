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
  it("reports an unreadable file and exits non-zero", async () => {
    const r = await run(["-m", path.join(FIXTURES, "does-not-exist")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does-not-exist/);
  });
});
