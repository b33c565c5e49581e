// Fuzzing of every decoder: arbitrary and mutated real inputs either load or throw the package's
// error, never a foreign exception, never a hang.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { fixtures } from "../test/data";
import { parseLibvirtCputune } from "./emitters";
import { VmCorePinnerError } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { parseHwlocXml } from "./hwloc-xml";
import { parseLibvirtCapabilities } from "./libvirt-capabilities";
import { detectTopologyFormat } from "./load";
import { loadSysfsTarball, parseSysfsDump } from "./sysfs";
import { arbitrarySyntheticSpec } from "./testing";
import type { Topology } from "./topology";

function loadsOrRefuses(f: () => Topology | unknown) {
  try {
    const t = f() as Topology | undefined;
    if (t && typeof t === "object" && "cores" in t) {
      // A topology that loads is consistent: every online CPU in exactly one core.
      expect(t.cores.flatMap((c) => c.pus).sort((a, b) => a - b)).toEqual(t.cpus);
    }
  } catch (e) {
    if (!VmCorePinnerError.isInstance(e)) throw e;
  }
}

const text = (f: string) => readFileSync(path.join(fixtures, f), "utf8");
const hwlocV2 = text("16em64t-4s2c2t.v2.xml");
const hwlocV1 = text("8ia64-2n2s2c+1n.v1.xml");
const caps = text("host-capabilities-sample-2s8c2t.xml");
const dump = text("this-machine-sysfs-cpu-cache-hugepages.txt");
const tarball = readFileSync(path.join(fixtures, "16em64t-4s2c2t.tar.bz2"));

/** Mutations of a text: replace, delete or insert characters at arbitrary places. */
function mutated(base: string): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat({ max: base.length }),
    len: fc.nat({ max: 12 }),
    insert: fc.string({ unit: fc.constantFrom(..."<>/=\"' x0123456789abcdef-,:\n"), maxLength: 8 }),
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let s = base;
    for (const e of edits) {
      const at = Math.min(e.at, s.length);
      s = s.slice(0, at) + e.insert + s.slice(at + e.len);
    }
    return s;
  });
}

test.prop([mutated(hwlocV2)], { numRuns: 150 })("hwloc XML v2, mutated", (s) =>
  loadsOrRefuses(() => parseHwlocXml(s)),
);
test.prop([mutated(hwlocV1)], { numRuns: 100 })("hwloc XML v1, mutated", (s) =>
  loadsOrRefuses(() => parseHwlocXml(s)),
);
test.prop([fc.string({ maxLength: 200 })], { numRuns: 100 })("hwloc XML, arbitrary text", (s) =>
  loadsOrRefuses(() => parseHwlocXml(s)),
);
test.prop([mutated(caps)], { numRuns: 120 })("libvirt capabilities, mutated", (s) =>
  loadsOrRefuses(() => parseLibvirtCapabilities(s)),
);
test.prop([mutated(dump)], { numRuns: 100 })("sysfs dump, mutated", (s) =>
  loadsOrRefuses(() => parseSysfsDump(s)),
);
test.prop(
  [mutated("<cputune><vcpupin vcpu='0' cpuset='2'/><emulatorpin cpuset='0,16'/></cputune>")],
  { numRuns: 100 },
)("libvirt cputune, mutated", (s) => loadsOrRefuses(() => parseLibvirtCputune(s)));
test.prop(
  [
    fc.oneof(
      arbitrarySyntheticSpec().chain((spec) => mutated(spec)),
      fc.string({ maxLength: 40 }),
    ),
  ],
  { numRuns: 200 },
)("hwloc synthetic strings, mutated and arbitrary", (s) =>
  loadsOrRefuses(() => parseHwlocSynthetic(s)),
);
test.prop(
  [
    fc.oneof(
      fc
        .record({ at: fc.nat({ max: tarball.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) })
        .map(({ at, byte }) => {
          const b = Uint8Array.from(tarball);
          b[at] = byte;
          return b;
        }),
      fc.nat({ max: tarball.length }).map((n) => Uint8Array.from(tarball.subarray(0, n))),
      fc.uint8Array({ maxLength: 2048 }),
    ),
  ],
  { numRuns: 25 },
)("sysfs tarballs: flipped bytes, truncation, noise", (b) => {
  loadsOrRefuses(() => loadSysfsTarball(b));
  expect([
    "sysfs-tarball",
    "hwloc-xml",
    "libvirt-capabilities",
    "sysfs-dump",
    "hwloc-synthetic",
    null,
  ]).toContain(detectTopologyFormat(b));
});
