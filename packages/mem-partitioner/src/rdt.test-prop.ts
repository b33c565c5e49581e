import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import {
  type CacheResource,
  DEFAULT_GROUP,
  partitionCacheWays,
  ResctrlFilesystem,
  validateCbm,
} from "./rdt";
import { formatSchemata, parseSchemata } from "./resctrl-schemata";
import { arbitraryCacheResource } from "./testing";

// Reference CBM check written from the SDM/resctrl documentation: bits inside cbm_mask, at least
// min_cbm_bits set (and non-zero when min > 0), a single run of 1s unless sparse masks are allowed.
function referenceValid(mask: number, r: CacheResource): boolean {
  if (mask > r.cbmMask) return false;
  const bits = mask.toString(2);
  const runs = bits.split(/0+/).filter((s) => s.length > 0);
  if (r.minCbmBits > 0 && mask === 0) return false;
  if (!r.sparseMasks && runs.length > 1) return false;
  // The kernel counts the lowest run against min_cbm_bits.
  const lowest = runs.length === 0 ? 0 : runs[runs.length - 1]!.length;
  return lowest >= r.minCbmBits;
}

test.prop([arbitraryCacheResource(), fc.nat({ max: 2 ** 21 })], { numRuns: 500 })(
  "validateCbm accepts exactly the valid capacity bitmasks",
  (r, mask) => {
    expect(validateCbm(mask, r).ok).toBe(referenceValid(mask, r));
  },
);

test.prop([arbitraryCacheResource(), fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 6 })])(
  "partitionCacheWays yields valid, pairwise disjoint masks",
  (r, ways) => {
    const res = partitionCacheWays(r, ways);
    if (!res.ok) return;
    let union = 0;
    for (const m of res.value) {
      expect(referenceValid(m, r)).toBe(true);
      expect((union & m) >>> 0).toBe(0);
      union = (union | m) >>> 0;
    }
  },
);

// ---- model-based: resctrl groups over time ----
type Cmd = fc.Command<{ names: string[] }, ResctrlFilesystem>;

const valid = (fs: ResctrlFilesystem) => {
  const groups = fs.groups();
  const closids = groups.map((g) => fs.closid(g)!);
  expect(new Set(closids).size).toBe(closids.length);
  for (const r of fs.resources) {
    if (r.kind !== "cache") continue;
    for (const d of r.domains) {
      for (const g of groups) {
        const m = fs.control(g, r.name, d)!;
        // CAT masks stay valid
        expect(validateCbm(m, r).ok || m === r.cbmMask).toBe(true);
        // an exclusive group's ways are shared with nobody
        if (fs.mode(g) === "exclusive") {
          for (const h of groups) {
            if (h !== g) expect((m & fs.control(h, r.name, d)!) >>> 0).toBe(0);
          }
          expect((m & (r.shareableBits ?? 0)) >>> 0).toBe(0);
        }
      }
    }
  }
  for (const g of groups) {
    const text = fs.readSchemata(g);
    expect(formatSchemata(parseSchemata(text))).toBe(text);
  }
};

const mkdir = fc.nat({ max: 5 }).map(
  (k): Cmd => ({
    check: () => true,
    run: (m, fs) => {
      const name = `g${k}`;
      if (m.names.includes(name)) return;
      const r = fs.mkdir(name);
      if (r.ok) m.names.push(name);
      else
        expect(
          ["Out of CLOSIDs"].includes(r.error.lastCmdStatus) ||
            r.error.lastCmdStatus.startsWith("No space"),
        ).toBe(true);
      valid(fs);
    },
    toString: () => `mkdir g${k}`,
  }),
);
const rmdir = fc.nat().map(
  (k): Cmd => ({
    check: (m) => m.names.length > 0,
    run: (m, fs) => {
      const name = m.names[k % m.names.length]!;
      expect(fs.rmdir(name)).toBe(true);
      m.names = m.names.filter((n) => n !== name);
      valid(fs);
    },
    toString: () => `rmdir #${k}`,
  }),
);
const write = fc
  .tuple(fc.nat(), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 12 }))
  .map(
    ([k, first, ways]): Cmd => ({
      check: () => true,
      run: (m, fs) => {
        const all = [DEFAULT_GROUP, ...m.names];
        const g = all[k % all.length]!;
        const mask = ((2 ** Math.min(ways, 12 - first) - 1) * 2 ** first) >>> 0;
        fs.writeSchemata(g, `L3:0=${mask.toString(16)}\n`);
        valid(fs);
      },
      toString: () => `write #${k} ${first}+${ways}`,
    }),
  );
const mode = fc.tuple(fc.nat(), fc.boolean()).map(
  ([k, excl]): Cmd => ({
    check: (m) => m.names.length > 0,
    run: (m, fs) => {
      fs.setMode(m.names[k % m.names.length]!, excl ? "exclusive" : "shareable");
      valid(fs);
    },
    toString: () => `mode #${k} ${excl ? "exclusive" : "shareable"}`,
  }),
);

test.prop([fc.commands([mkdir, rmdir, write, mode], { maxCommands: 40 })], { numRuns: 120 })(
  "resctrl model: CLOSIDs unique, masks valid, exclusive groups never overlap, schemata round-trip",
  (cmds) => {
    const fs = new ResctrlFilesystem([
      {
        kind: "cache",
        name: "L3",
        cbmMask: 0xfff,
        minCbmBits: 1,
        numClosids: 4,
        shareableBits: 0x800,
        domains: [0],
      },
    ]);
    fc.modelRun(() => ({ model: { names: [] }, real: fs }), cmds);
  },
);
