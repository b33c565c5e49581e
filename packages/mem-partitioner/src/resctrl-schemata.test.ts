import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MemPartitionerError } from "./errors";
import { formatSchemata, parseSchemata } from "./resctrl-schemata";

const fixtures = path.resolve(__dirname, "../fixtures");
const read = (f: string) => readFileSync(path.join(fixtures, f), "utf8");

describe("schemata files from libvirt's resctrl test data", () => {
  it.each([
    "libvirt-linux-resctrl-amd.schemata",
    "libvirt-linux-resctrl.schemata",
    "libvirt-linux-resctrl.manualres.schemata",
  ])("%s parses and prints back byte for byte", (f) => {
    const text = read(f);
    expect(formatSchemata(parseSchemata(text))).toBe(text);
  });

  it("reads the AMD variant: SMBA and MB in 1/8 GB/s, L3 masks, names right-aligned to 6", () => {
    const s = parseSchemata(read("libvirt-linux-resctrl-amd.schemata"));
    expect(s.nameWidth).toBe(6);
    expect(s.lines.map((l) => l.resource)).toEqual(["SMBA", "MB", "L3"]);
    const ids = [0, 2, 4, 6, 8, 10, 12, 14];
    expect(s.lines[0]!.domains).toEqual(ids.map((id) => ({ id, value: 2048 })));
    expect(s.lines[2]!.domains).toEqual(ids.map((id) => ({ id, value: 0xffff })));
  });

  it("reads the Intel variant: a 17-bit L3 mask on two domains", () => {
    expect(parseSchemata(read("libvirt-linux-resctrl.schemata"))).toEqual({
      lines: [
        {
          resource: "L3",
          domains: [
            { id: 0, value: 0x1ffff },
            { id: 1, value: 0x1ffff },
          ],
        },
      ],
      nameWidth: 2,
    });
  });
});

describe("parseSchemata follows rdtgroup_schemata_write", () => {
  const err = (text: string): MemPartitionerError => {
    try {
      parseSchemata(text);
    } catch (e) {
      if (MemPartitionerError.isInstance(e)) return e;
      throw e;
    }
    throw new Error(`accepted ${JSON.stringify(text)}`);
  };

  it.each([
    ["L3:0=ff", "Valid input requires a trailing newline"],
    ["L3 0=ff\n", "Missing ':'"],
    ["L3:\n", "Missing 'L3' value"],
    ["L4:0=ff\n", "Unknown or unsupported resource name 'L4'"],
    ["L3:0ff\n", "Missing '=' or non-numeric domain"],
    ["L3:x=ff\n", "Missing '=' or non-numeric domain"],
    ["L3:0=ff;;1=ff\n", "Missing '=' or non-numeric domain"],
    ["L3:0=fg\n", "Non-hex character in the mask fg"],
    ["L3:0=\n", "Non-hex character in the mask "],
    ["MB:0=1e2\n", "Invalid MB value 1e2"],
    ["MB:0=4294967296\n", "Invalid MB value 4294967296"],
    ["L3:0=ff;0=f\n", "Duplicate domain 0"],
    ["L3:0=ff\nL3:0=f\n", "Duplicate domain 0"],
  ])("%j → %s", (text, message) => {
    const e = err(text);
    expect(e.code).toBe("SCHEMATA_EINVAL");
    expect(e.message.startsWith(message)).toBe(true);
  });

  it("says where: line, offset and field", () => {
    const e = err("L3:0=ff\nMB:0=10;1=zz\n");
    // "L3:0=ff\n" is 8 characters; "zz" starts at column 10 of line 2.
    expect(e.where).toEqual({ line: 2, offset: 18, field: "MB:1" });
  });

  it("accepts what the kernel accepts: padding, 0x prefixes, '+', spaces around values, a trailing ';'", () => {
    expect(parseSchemata("    L3:0= 0xff ;1=+f;\n   MB:0=50\n").lines).toEqual([
      {
        resource: "L3",
        domains: [
          { id: 0, value: 0xff },
          { id: 1, value: 0xf },
        ],
      },
      { resource: "MB", domains: [{ id: 0, value: 50 }] },
    ]);
  });

  it("prints bitmaps in hex and ranges in decimal, names right-aligned", () => {
    expect(
      formatSchemata({
        lines: [
          { resource: "L3CODE", domains: [{ id: 0, value: 0xf0 }] },
          {
            resource: "MB",
            domains: [
              { id: 0, value: 70 },
              { id: 1, value: 100 },
            ],
          },
        ],
      }),
    ).toBe("L3CODE:0=f0\n    MB:0=70;1=100\n");
    expect(() => formatSchemata({ lines: [{ resource: "X", domains: [] }] })).toThrow(
      MemPartitionerError,
    );
  });
});
