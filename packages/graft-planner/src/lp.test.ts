import loadHighs from "highs";
import { describe, expect, it } from "vitest";
import { createSolver, LpBuilder, toCplexLp } from "./lp";

// Textbook LP (Chvátal, "Linear Programming", ch. 1): max 5x1 + 4x2 + 3x3 s.t.
// 2x1+3x2+x3 ≤ 5, 4x1+x2+2x3 ≤ 11, 3x1+4x2+2x3 ≤ 8, x ≥ 0 has optimum 13 at (2, 0, 1).
function chvatal() {
  const lp = new LpBuilder();
  const x = [1, 2, 3].map((i, k) =>
    lp.addColumn(`x${i}`, 0, Number.POSITIVE_INFINITY, -[5, 4, 3][k]!),
  );
  lp.addRow("r1", x, [2, 3, 1], Number.NEGATIVE_INFINITY, 5);
  lp.addRow("r2", x, [4, 1, 2], Number.NEGATIVE_INFINITY, 11);
  lp.addRow("r3", x, [3, 4, 2], Number.NEGATIVE_INFINITY, 8);
  return lp.build();
}

describe("LP builder, CPLEX LP writer and HiGHS", () => {
  it("solves Chvátal's example to its known optimum", async () => {
    const s = (await createSolver()).solve(chvatal());
    expect(s.status).toBe("optimal");
    expect(s.objective).toBeCloseTo(-13, 9);
    expect([...s.values].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([2, 0, 1]);
    expect(s.gap).toBe(0);
  });

  it("writes CPLEX LP that HiGHS' own LP reader solves to the same optimum", async () => {
    const text = toCplexLp(chvatal(), "comment line");
    expect(text).toContain(
      "\\ comment line\nMinimize\n obj: - 5 x1 - 4 x2 - 3 x3\nSubject To\n r1: 2 x1 + 3 x2 + x3 <= 5",
    );
    const highs = await loadHighs();
    const r = highs.solve(text, {});
    expect(r.Status).toBe("Optimal");
    expect(r.ObjectiveValue).toBeCloseTo(-13, 9);
  });

  it("writes bounds, equalities, ranged rows and binaries", () => {
    const lp = new LpBuilder();
    const a = lp.addColumn("a", -1, 2);
    const b = lp.addColumn("b", 0, 1, 1, true);
    const c = lp.addColumn("c", Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    lp.addRow("e", [a, b, a], [1, 1, 1], 1, 1);
    lp.addRow("g", [c], [0.5], 1, 3);
    const t = toCplexLp(lp.build());
    expect(t).toContain(" e: 2 a + b = 1");
    expect(t).toContain(" g_lo: 0.5 c >= 1\n g_hi: 0.5 c <= 3");
    expect(t).toContain(" -1 <= a <= 2");
    expect(t).toContain(" c free");
    expect(t).toContain("Binaries\n b\nEnd");
  });

  it("solves a small MILP (knapsack) exactly with a proven zero gap", async () => {
    // max 10a + 13b + 7c s.t. 4a + 6b + 3c ≤ 9, binary: best is a + c (17) vs b + c (20) → 20
    const lp = new LpBuilder();
    const v = ["a", "b", "c"].map((n, k) => lp.addColumn(n, 0, 1, -[10, 13, 7][k]!, true));
    lp.addRow("w", v, [4, 6, 3], Number.NEGATIVE_INFINITY, 9);
    const s = (await createSolver()).solve(lp.build(), { gapLimit: 0 });
    expect(s.objective).toBeCloseTo(-20, 9);
    expect(s.bound).toBeCloseTo(-20, 9);
    expect(s.gap).toBe(0);
    const relaxed = (await createSolver()).solve(lp.build(), { relax: true });
    expect(relaxed.objective).toBeLessThan(-20);
  });
});
