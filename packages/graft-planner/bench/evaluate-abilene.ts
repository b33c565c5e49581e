// Reproduces the Internet2 (Abilene) re-homing study on a full week of real 5-minute TMs:
// the gain of grafting (extra traffic at equal MLU) per interval, for fixed IGP/ECMP routing and
// for optimal routing, with its distribution (median, p90, max), a move schedule for the IGP
// regime, and an SVG plot. Usage: pnpm --filter @dyninfra/graft-planner evaluate [--step N] [--out DIR]
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  buildCustomerModel,
  createSolver,
  EcmpRouting,
  type Plan,
  planForModel,
  planSeries,
} from "@dyninfra/graft-planner";
import { abileneWeek, PACKAGE_DIR } from "./data";

const { values } = parseArgs({
  options: {
    step: { type: "string", default: "1" },
    out: { type: "string", default: path.join(PACKAGE_DIR, "evaluation") },
    "customers-per-router": { type: "string", default: "1" },
    "move-cost": { type: "string", default: "0.01" },
  },
});
const step = Number(values.step);
const cpr = Number(values["customers-per-router"]);
const moveCost = Number(values["move-cost"]);
const { topology, tms: all, source } = abileneWeek();
const tms = all.filter((_, i) => i % step === 0);
const solver = await createSolver();
const routing = new EcmpRouting(topology);
const modelOptions = { customersPerRouter: cpr, candidates: 2, seed: 1, movable: "all" as const };
const model0 = buildCustomerModel(topology, tms[0]!, modelOptions);

const progress = (label: string) => (done: number, total: number) => {
  if (done % Math.max(1, Math.floor(total / 20)) === 0 || done === total)
    process.stderr.write(`${label} ${done}/${total}\n`);
};

const t0 = performance.now();
const igp = planSeries(topology, tms, {
  ...modelOptions,
  solver,
  routing,
  regime: "igp",
  moveCost,
  onProgress: progress("igp"),
});
const mcf: Plan[] = tms.map((tm, i) => {
  const p = planForModel(topology, buildCustomerModel(topology, tm, modelOptions), {
    solver,
    routing,
    regime: "mcf",
    skipMigration: true,
  });
  progress("mcf")(i + 1, tms.length);
  return p;
});
const seconds = (performance.now() - t0) / 1000;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const stats = (plans: readonly Plan[]) => {
  const g = plans.map((p) => p.gain * 100);
  return {
    medianGainPct: quantile(g, 0.5),
    p90GainPct: quantile(g, 0.9),
    maxGainPct: Math.max(...g),
    intervalsWithGain: g.filter((x) => x > 1e-9).length,
    meanGrafts: plans.reduce((s, p) => s + p.grafts.length, 0) / plans.length,
    maxProvenGap: Math.max(...plans.map((p) => p.gap ?? 0)),
  };
};
const summary = {
  data: `${source}, every ${step}th TM: ${tms.length} intervals`,
  topology:
    "Abilene, CFR-RL Abilene.txt: 12 routers, 30 arcs, real OSPF weights and capacities (kbit/s)",
  customerModel: model0.description,
  baseline: {
    igp: "today's attachment, ECMP on the real OSPF weights",
    mcf: "today's attachment, optimal multicommodity-flow routing (LP)",
  },
  gain: "mluBefore / mluAfter − 1: extra traffic carried at the same MLU",
  igp: stats(igp.plans),
  mcf: stats(mcf),
  igpMoveSchedule: {
    moveCost,
    moves: igp.moves,
    meanMluBefore: igp.meanMluBefore,
    meanMluScheduled: igp.meanMluScheduled,
    meanMluReoptimisedEveryInterval: igp.meanMluOptimal,
  },
  runtimeSeconds: seconds,
};

// SVG: gain per interval over the week, both regimes, with the distribution summary.
function svg(): string {
  const W = 960;
  const H = 420;
  const L = 60;
  const R = 20;
  const T = 50;
  const B = 60;
  const n = tms.length;
  const gi = igp.plans.map((p) => p.gain * 100);
  const gm = mcf.map((p) => p.gain * 100);
  const ymax = Math.max(5, Math.ceil(Math.max(...gi, ...gm) / 5) * 5);
  const x = (i: number) => L + ((W - L - R) * i) / Math.max(1, n - 1);
  const y = (v: number) => T + (H - T - B) * (1 - v / ymax);
  const line = (g: number[]) =>
    g.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<title>Abilene: gain of re-homing customer links per 5-minute interval, fixed IGP and optimal routing</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">Abilene, ${n} five-minute TMs (2004-03-01..07): gain of re-homing customer links</text>`,
    `<text x="${W / 2}" y="38" text-anchor="middle" fill="#555" font-size="10">${summary.customerModel.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>`,
  ];
  for (let v = 0; v <= ymax; v += ymax / 5) {
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
    );
    out.push(
      `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(0)} %</text>`,
    );
  }
  for (let d = 0; d <= 7; d++) {
    const i = Math.min(n - 1, Math.round((d * n) / 7));
    out.push(
      `<line x1="${x(i).toFixed(1)}" x2="${x(i).toFixed(1)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`,
    );
    out.push(
      `<text x="${x(i).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${d < 7 ? `Mar ${d + 1}` : "Mar 8"}</text>`,
    );
  }
  out.push(`<path d="${line(gi)}" fill="none" stroke="#d62728" stroke-width="1"/>`);
  out.push(`<path d="${line(gm)}" fill="none" stroke="#1f77b4" stroke-width="1"/>`);
  const s1 = summary.igp;
  const s2 = summary.mcf;
  out.push(
    `<text x="${L + 10}" y="${H - 22}" fill="#d62728">fixed IGP (ECMP): median ${s1.medianGainPct.toFixed(1)} %, p90 ${s1.p90GainPct.toFixed(1)} %, max ${s1.maxGainPct.toFixed(1)} %</text>`,
    `<text x="${L + 10}" y="${H - 6}" fill="#1f77b4">optimal routing (MCF): median ${s2.medianGainPct.toFixed(1)} %, p90 ${s2.p90GainPct.toFixed(1)} %, max ${s2.maxGainPct.toFixed(1)} %</text>`,
    `<text transform="translate(16,${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">gain (extra traffic at equal MLU)</text>`,
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}

fs.mkdirSync(values.out!, { recursive: true });
fs.writeFileSync(path.join(values.out!, "abilene-gain.svg"), svg());
fs.writeFileSync(
  path.join(values.out!, "abilene-gain.json"),
  `${JSON.stringify(summary, null, 2)}\n`,
);
fs.writeFileSync(
  path.join(values.out!, "abilene-gain.csv"),
  `interval,igp_mlu_before,igp_mlu_after,igp_gain,igp_grafts,mcf_mlu_before,mcf_mlu_after,mcf_gain,mcf_grafts\n${tms
    .map((_, i) => {
      const a = igp.plans[i]!;
      const b = mcf[i]!;
      return [
        i * step,
        a.mluBefore,
        a.mluAfter,
        a.gain,
        a.grafts.length,
        b.mluBefore,
        b.mluAfter,
        b.gain,
        b.grafts.length,
      ].join(",");
    })
    .join("\n")}\n`,
);
console.log(JSON.stringify(summary, null, 2));
