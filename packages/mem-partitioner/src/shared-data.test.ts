import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSchemata } from "./resctrl-schemata";

// The team's shared data folder sits beside the repository (CI clones it there too).
const data = path.resolve(__dirname, "../../../../shared/data/nohype");
const present = existsSync(path.join(data, "MANIFEST.md"));
if (!present)
  console.warn(`[mem-partitioner] shared data absent at ${data}: shared-data tests skipped`);

describe.runIf(present)("shared data (../shared/data/nohype)", () => {
  const fixtures = path.resolve(__dirname, "../fixtures");
  it.each([
    ["resctrl", "libvirt-linux-resctrl-amd.schemata"],
    ["resctrl", "libvirt-linux-resctrl-amd.info-L3-bit_usage"],
    ["resctrl", "libvirt-linux-resctrl.schemata"],
    ["resctrl", "libvirt-linux-resctrl.manualres.schemata"],
    ["libvirt", "nohype-guest-sample.xml"],
    ["libvirt", "host-capabilities-sample-2s8c2t.xml"],
  ])("fixture %s/%s is a byte-for-byte copy", (dir, f) => {
    expect(readFileSync(path.join(fixtures, f))).toEqual(readFileSync(path.join(data, dir, f)));
  });

  it("every resctrl schemata file in the data parses", () => {
    const dir = path.join(data, "resctrl");
    const files = [
      "libvirt-linux-resctrl-amd.schemata",
      "libvirt-linux-resctrl.schemata",
      "libvirt-linux-resctrl.manualres.schemata",
    ];
    for (const f of files)
      expect(parseSchemata(readFileSync(path.join(dir, f), "utf8")).lines.length).toBeGreaterThan(
        0,
      );
  });

  it("the 802.1Qbg guest sample uses the same <memoryBacking> as the one the emitter reproduces", () => {
    const a = readFileSync(path.join(data, "libvirt", "nohype-guest-sample.xml"), "utf8");
    const b = readFileSync(path.join(data, "libvirt", "nohype-guest-sample-8021qbg.xml"), "utf8");
    const mb = (x: string) => x.slice(x.indexOf("<memoryBacking>"), x.indexOf("</memoryBacking>"));
    expect(mb(b)).toBe(mb(a));
  });
});
