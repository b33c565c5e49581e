// mrt-dump -M against the installed bgpdump -M (the shared data stores only -m references).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BETTER, REPORTED, run } from "../../test/mrt-dump-run";
import { FIXTURES, mrtWithReferences, SHARED, sharedPresent } from "../../test/references";

if (!sharedPresent)
  console.warn(`bgp-wire: shared data absent at ${SHARED}; -M compared on fixtures only`);

const hasBgpdump = spawnSync("bgpdump", ["-T"], { encoding: "utf8" }).status === 0;
if (!hasBgpdump)
  console.warn("bgp-wire: bgpdump not installed (apt-get install bgpdump); -M comparison skipped");

/** `mrt-dump -M FILE` against the installed `bgpdump -M FILE` (there is no stored -M reference). */
async function compareM(name: string, file: string): Promise<void> {
  const ref = spawnSync("bgpdump", ["-M", file], { encoding: "latin1", maxBuffer: 1 << 30 });
  expect(ref.status).toBe(0);
  const got = await run(["-M", file]);
  const better = BETTER[name];
  if (better !== undefined) {
    expect(got.out.startsWith(ref.stdout)).toBe(true);
    expect(got.out.split("\n").length - 1).toBe(better);
  } else {
    expect(got.out === ref.stdout, `mrt-dump -M ${name} differs from bgpdump -M`).toBe(true);
  }
  expect(got.code).toBe(REPORTED[name] === undefined ? 0 : 1);
}

describe.runIf(hasBgpdump)("mrt-dump -M matches the installed bgpdump -M (fixtures)", () => {
  it.each(mrtWithReferences(FIXTURES))("$name", async ({ file, name }) => {
    await compareM(name, file);
  });
});

describe.runIf(hasBgpdump && sharedPresent)(
  "mrt-dump -M matches the installed bgpdump -M (shared data)",
  () => {
    it.each(mrtWithReferences(SHARED))(
      "$name",
      async ({ file, name }) => {
        await compareM(name, file);
      },
      60_000,
    );
  },
);
