import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import loadHighs from "highs";
import { describe, expect, it } from "vitest";
import { PACKAGE_DIR } from "../internal/test-data";
import { main } from "./graft-plan";

const FX = path.join(PACKAGE_DIR, "fixtures/abilene");

async function run(args: string[]) {
  let out = "";
  let err = "";
  const code = await main(args, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    isTty: false,
  });
  return { code, out, err };
}

describe("graft-plan CLI", () => {
  it("plans one Abilene TM, prints JSON and exports an LP with the same optimum", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graft-plan-"));
    try {
      const lpFile = path.join(dir, "model.lp");
      const r = await run([
        "--topology",
        path.join(FX, "Abilene.txt"),
        "--routers",
        "abilene",
        "--tm",
        path.join(FX, "AbileneTM-2h.txt"),
        "--tm-index",
        "40",
        "--export-lp",
        lpFile,
      ]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      for (const k of ["mluBefore", "mluAfter", "gain", "gap", "grafts"])
        expect(j).toHaveProperty(k);
      expect(j.gain).toBeGreaterThanOrEqual(0);
      const highs = await loadHighs();
      const s = highs.solve(fs.readFileSync(lpFile, "utf8"), { mip_rel_gap: 0 });
      expect(Math.abs(s.ObjectiveValue - j.mluAfter) / j.mluAfter).toBeLessThan(1e-6);
      for (const g of j.grafts) expect(typeof g.to).toBe("string");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("plans a TM series with a progress bar and a move schedule", async () => {
    const r = await run([
      "--topology",
      path.join(FX, "Abilene.txt"),
      "--routers",
      "abilene",
      "--tm",
      path.join(FX, "AbileneTM-2h.txt"),
      "--tm-range",
      "0:4",
      "--move-cost",
      "0.001",
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("4/4");
    const j = JSON.parse(r.out);
    expect(j.intervals).toHaveLength(4);
    expect(j.schedule.attachmentPerInterval).toHaveLength(4);
  }, 180_000);

  it("takes explicit candidates from a JSON map and grafts only onto them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graft-plan-"));
    try {
      const map = path.join(dir, "cand.json");
      // every router may only move to Kansas City (KSCYng) — a router no nearest-rule would pick for all
      const ids = [
        "ATLAM5",
        "ATLAng",
        "CHINng",
        "DNVRng",
        "HSTNng",
        "IPLSng",
        "LOSAng",
        "NYCMng",
        "SNVAng",
        "STTLng",
        "WASHng",
      ];
      fs.writeFileSync(map, JSON.stringify(Object.fromEntries(ids.map((r) => [r, ["KSCYng"]]))));
      const r = await run([
        "--topology",
        path.join(FX, "Abilene.txt"),
        "--routers",
        "abilene",
        "--tm",
        path.join(FX, "AbileneTM-2h.txt"),
        "--tm-index",
        "7",
        "--candidate-map",
        map,
      ]);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      for (const g of j.grafts) expect(g.to).toBe("KSCYng");
      expect(j.customerModel).toMatch(/explicit candidates for 11 customer/);
      fs.writeFileSync(map, JSON.stringify({ NOPE: ["KSCYng"] }));
      const bad = await run([
        "--topology",
        path.join(FX, "Abilene.txt"),
        "--routers",
        "abilene",
        "--tm",
        path.join(FX, "AbileneTM-2h.txt"),
        "--candidate-map",
        map,
      ]);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/BAD_CANDIDATES.*unknown customer NOPE/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("reports usage and input errors with exit codes", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["--bogus"])).code).toBe(2);
    expect((await run(["--help"])).out).toContain("--export-lp");
    const bad = await run([
      "--topology",
      path.join(FX, "AbileneTM-2h.txt"),
      "--topology-format",
      "cfr-rl",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/CFR_RL_FORMAT.*line 1/);
    const reg = await run(["--topology", path.join(FX, "Abilene.txt"), "--regime", "x"]);
    expect(reg.code).toBe(1);
  });
});
