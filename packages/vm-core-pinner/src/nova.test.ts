import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures } from "../test/data";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { novaPin } from "./nova";
import { loadSysfsTarball } from "./sysfs";

// Behaviour from the Nova admin guide ("CPU thread pinning policies") and nova/virt/hardware.py.
const smt = parseHwlocSynthetic("pack:2 numa:1 core:4 pu:2"); // cores (0,1) (2,3) … ; NUMA 0 = 0-7
const noSmt = parseHwlocSynthetic("pack:1 core:4 pu:1");

describe("novaPin", () => {
  it("prefer: packs vCPUs onto thread siblings of the same cores", () => {
    const r = novaPin(smt, smt.cpus, 4, "prefer");
    expect(r).toEqual({
      ok: true,
      placement: { numaNode: 0, pins: [0, 1, 2, 3], consumed: [0, 1, 2, 3] },
    });
  });
  it("prefer: falls back to single threads when no core has two free siblings", () => {
    const r = novaPin(smt, [0, 2, 4, 6], 3, "prefer");
    expect(r.ok && r.placement.pins).toEqual([0, 2, 4]);
  });
  it("prefer: an odd vCPU count fills sibling threads core by core (gcd only shapes the guest)", () => {
    // _get_pinning(2, sibling_sets[2], …) zips the vCPUs with [0, 1, 2, 3, …].
    const r = novaPin(smt, smt.cpus, 3, "prefer");
    expect(r.ok && r.placement.pins).toEqual([0, 1, 2]);
    expect(novaPin(smt, [0, 1, 2, 4, 6], 3, "prefer")).toEqual({
      ok: true,
      placement: { numaNode: 0, pins: [0, 2, 4], consumed: [0, 2, 4] },
    });
  });
  it("prefer: falls back to every free thread when too few cores remain", () => {
    // Cores (0,1) (2,3) (4,-) free: 2 threads × 2 cores < 5 and 1 × 3 cores < 5, so Nova's
    // fallback treats each free thread as a core of its own.
    const r = novaPin(smt, [0, 1, 2, 3, 4], 5, "prefer");
    expect(r.ok && r.placement.pins).toEqual([0, 1, 2, 3, 4]);
    expect(novaPin(smt, [0, 1, 2, 3, 4], 5, "require").ok).toBe(false);
  });
  it("isolate: one vCPU per whole free core, siblings consumed", () => {
    const r = novaPin(smt, [0, 1, 3, 4, 5, 6, 7], 2, "isolate");
    expect(r).toEqual({
      ok: true,
      placement: { numaNode: 0, pins: [0, 4], consumed: [0, 1, 4, 5] },
    });
    expect(novaPin(smt, [0, 2, 4, 6, 8, 10, 12, 14], 1, "isolate").ok).toBe(false);
  });
  it("require: refused on a host without SMT, and without free sibling pairs", () => {
    const r = novaPin(noSmt, noSmt.cpus, 2, "require");
    expect(r.ok ? "" : r.refusal.reason).toBe("thread-policy");
    const r2 = novaPin(smt, [0, 2, 4, 6], 2, "require");
    expect(r2.ok ? "" : r2.refusal.reason).toBe("no-fit");
    const r3 = novaPin(smt, smt.cpus, 2, "require");
    expect(r3.ok && r3.placement.pins).toEqual([0, 1]);
    const r4 = novaPin(smt, smt.cpus, 3, "require");
    expect(r4.ok && r4.placement.pins).toEqual([0, 1, 2]);
    const r5 = novaPin(smt, [0, 1, 2, 4, 6], 3, "require");
    expect(r5.ok ? "" : r5.refusal.reason).toBe("no-fit");
  });
  it("isolate on a hybrid cell uses only cores with the cell's thread count, as Nova does", () => {
    // 20em64t-hybrid: six 2-thread P-cores (0-11) and eight 1-thread E-cores (12-19), one cell.
    const hybrid = loadSysfsTarball(
      readFileSync(path.join(fixtures, "20em64t-hybrid-1p6c2t+2ca4co1t.tar.bz2")),
    );
    const r = novaPin(hybrid, hybrid.cpus, 6, "isolate");
    expect(r.ok && r.placement.pins).toEqual([0, 2, 4, 6, 8, 10]);
    expect(novaPin(hybrid, hybrid.cpus, 7, "isolate").ok).toBe(false);
  });
  it("an instance never spans host NUMA cells", () => {
    const r = novaPin(smt, smt.cpus, 10, "prefer");
    expect(r.ok ? "" : r.refusal.reason).toBe("no-fit");
    const second = novaPin(smt, [0, ...smt.cpus.slice(8)], 6, "prefer");
    expect(second.ok && second.placement.numaNode).toBe(1);
  });
});
