// report.html: the Abilene map with link utilisation before/after, a timeline of one graft,
// incremental vs full updates, and the planner's gain over the week — inline SVG, no scripts.
import type { Topology } from "@dyninfra/graft-planner";
import type { GraftReport } from "./isp";
import type { ScenarioResult } from "./scenarios";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function colour(u: number): string {
  // green → yellow → red with utilisation 0 → 0.5 → 1
  const x = Math.max(0, Math.min(1, u));
  const r = Math.round(x < 0.5 ? 510 * x : 255);
  const g = Math.round(x < 0.5 ? 200 : 200 - (x - 0.5) * 400);
  return `rgb(${r},${Math.max(0, g)},60)`;
}

/** The Abilene map, links coloured by utilisation. */
export function mapSvg(topo: Topology, utilisation: ArrayLike<number>, title: string): string {
  const w = 460;
  const h = 260;
  const lons = topo.routers.map((r) => r.lon ?? 0);
  const lats = topo.routers.map((r) => r.lat ?? 0);
  const [x0, x1] = [Math.min(...lons), Math.max(...lons)];
  const [y0, y1] = [Math.min(...lats), Math.max(...lats)];
  const px = (lon: number) => 30 + ((lon - x0) / (x1 - x0 || 1)) * (w - 60);
  const py = (lat: number) => 40 + ((y1 - lat) / (y1 - y0 || 1)) * (h - 70);
  const parts: string[] = [
    `<text x="${w / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  ];
  topo.links.forEach((l, e) => {
    if (l.from > l.to) return; // draw each pair once, the worse direction's colour
    const back = topo.links.findIndex((m) => m.from === l.to && m.to === l.from);
    const u = Math.max(utilisation[e] ?? 0, back >= 0 ? (utilisation[back] ?? 0) : 0);
    const a = topo.routers[l.from]!;
    const b = topo.routers[l.to]!;
    parts.push(
      `<line x1="${px(a.lon ?? 0)}" y1="${py(a.lat ?? 0)}" x2="${px(b.lon ?? 0)}" y2="${py(b.lat ?? 0)}" stroke="${colour(u)}" stroke-width="${2 + 6 * u}"><title>${a.id}–${b.id}: ${(u * 100).toFixed(1)} %</title></line>`,
    );
  });
  for (const r of topo.routers) {
    parts.push(`<circle cx="${px(r.lon ?? 0)}" cy="${py(r.lat ?? 0)}" r="5" fill="#234"/>`);
    parts.push(
      `<text x="${px(r.lon ?? 0) + 6}" y="${py(r.lat ?? 0) - 6}" font-size="10">${esc(r.id)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">${parts.join("")}</svg>`;
}

/**
 * One graft on two time axes: the whole graft (background phase, where the session runs on the
 * old router while its routes move and churn is journaled, then the freeze window), and the
 * freeze window magnified (BGP frozen, TCP frozen → restored, optical dark interval).
 */
export function timelineSvg(g: GraftReport): string {
  const w = 640;
  const h = 250;
  const axis = (y: number, t0: number, t1: number, x: (t: number) => number) => {
    const out = [`<line x1="40" y1="${y}" x2="${w - 40}" y2="${y}" stroke="#000"/>`];
    for (let i = 0; i <= 4; i++) {
      const t = t0 + ((t1 - t0) * i) / 4;
      out.push(
        `<text x="${x(t)}" y="${y + 14}" font-size="10" text-anchor="middle">${((t - g.startUs) / 1000).toFixed(1)} ms</text>`,
      );
    }
    return out;
  };
  const bar = (x0: number, x1: number, y: number, fill: string, label: string) =>
    `<rect x="${x0}" y="${y}" width="${Math.max(2, x1 - x0)}" height="18" fill="${fill}"/><text x="${x0 + 4}" y="${y + 13}" font-size="11" fill="#fff">${esc(label)}</text>`;
  const ms = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
  // Whole graft.
  const a0 = g.startUs;
  const a1 = Math.max(g.resumedUs, g.circuitLiveUs) + 5_000;
  const xa = (t: number) => 40 + ((t - a0) / (a1 - a0)) * (w - 80);
  const parts = [
    bar(
      xa(g.startUs),
      xa(g.bgpFrozenUs),
      30,
      "#6a9",
      `background: export, transfer, import (${ms(g.startUs, g.bgpFrozenUs)} ms; session on ${g.from}; ${g.journalReplayed} journal entries)`,
    ),
    `<line x1="${xa(g.importedUs)}" y1="26" x2="${xa(g.importedUs)}" y2="52" stroke="#000" stroke-dasharray="3,2"><title>snapshot imported on ${esc(g.to)}</title></line>`,
    bar(xa(g.bgpFrozenUs), xa(g.resumedUs), 54, "#8ab", ""),
    `<text x="${xa(g.bgpFrozenUs) - 4}" y="67" font-size="11" text-anchor="end">freeze ${ms(g.bgpFrozenUs, g.resumedUs)} ms</text>`,
    ...axis(82, a0, a1, xa),
  ];
  // The freeze window, magnified.
  const f0 = g.bgpFrozenUs;
  const f1 = Math.max(g.resumedUs, g.circuitLiveUs) + 2_000;
  const xf = (t: number) => 40 + ((t - f0) / (f1 - f0)) * (w - 80);
  const rows: [string, number, number, string][] = [
    [`BGP frozen (${g.from} → ${g.to})`, g.bgpFrozenUs, g.resumedUs, "#8ab"],
    ["TCP frozen → restored", g.tcp.frozenAt, g.tcp.resumedAt, "#a8b"],
    ["optical dark interval", g.switchStartUs, g.circuitLiveUs, "#333"],
  ];
  rows.forEach(([label, a, b, c], i) => {
    parts.push(bar(xf(a), xf(b), 120 + i * 28, c, `${label} (${ms(a, b)} ms)`));
  });
  parts.push(...axis(212, f0, f1, xf));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif"><text x="40" y="18" font-weight="bold">${esc(`Graft of ${g.customer}: ${g.from} → ${g.to} (virtual time from the export)`)}</text><text x="40" y="110" font-weight="bold" font-size="12">the freeze window, magnified</text>${parts.join("")}</svg>`;
}

/** Every graft: routes moved in the background, journal replayed at the freeze, timings. */
export function graftTable(grafts: readonly GraftReport[]): string {
  const rows = grafts.map(
    (g) =>
      `<tr><td>${esc(g.customer)}</td><td>${esc(g.from)} → ${esc(g.to)}</td><td>${g.sessionRoutes} / ${g.advertisedRoutes}</td><td>${((g.bgpFrozenUs - g.startUs) / 1000).toFixed(1)}</td><td>${(g.exportMs + g.importMs).toFixed(1)}</td><td class="journal">${g.journalReplayed} (${g.journalIn} in / ${g.journalOut} out, ${g.journalPrefixes} prefixes)</td><td>${((g.resumedUs - g.bgpFrozenUs) / 1000).toFixed(1)}</td><td>${(g.freezeMs + g.resumeMs + g.releaseMs).toFixed(1)}</td><td>${g.incrementalPrefixes} / ${g.fullTablePrefixes}</td><td>${g.otherNeighborPrefixes}</td></tr>`,
  );
  return `<table><tr><th>customer</th><th>graft</th><th>routes learned / advertised</th><th>background (virtual ms)</th><th>export + import (wall ms)</th><th>journal replayed</th><th>freeze window (virtual ms)</th><th>freeze work: journal, replay, decision, release (wall ms)</th><th>prefixes to the customer: incremental / full</th><th>prefixes to other routers</th></tr>${rows.join("")}</table>`;
}

/** Bars: prefixes sent to the neighbour after each graft, incremental vs a full re-advertisement. */
export function updatesSvg(grafts: readonly GraftReport[]): string {
  const w = 640;
  const barH = 14;
  const h = 40 + grafts.length * (barH * 2 + 8);
  const max = Math.max(1, ...grafts.map((g) => g.fullTablePrefixes));
  const sx = (v: number) => (v / max) * (w - 260);
  const parts = grafts.map((g, i) => {
    const y = 30 + i * (barH * 2 + 8);
    return `<text x="4" y="${y + 11}" font-size="10">${esc(g.customer)}</text><rect x="150" y="${y}" width="${Math.max(1, sx(g.fullTablePrefixes))}" height="${barH}" fill="#c96"/><text x="${154 + sx(g.fullTablePrefixes)}" y="${y + 11}" font-size="10">full: ${g.fullTablePrefixes}</text><rect x="150" y="${y + barH}" width="${Math.max(1, sx(g.incrementalPrefixes))}" height="${barH}" fill="#396"/><text x="${154 + sx(g.incrementalPrefixes)}" y="${y + barH + 11}" font-size="10">incremental: ${g.incrementalPrefixes}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif"><text x="4" y="16" font-weight="bold">Prefixes sent to the neighbour after each graft</text>${parts.join("")}</svg>`;
}

/** The planner's gain (extra traffic at equal MLU) over sampled intervals of the week. */
export function gainSvg(gains: readonly { interval: number; gain: number }[]): string {
  const w = 640;
  const h = 200;
  const max = Math.max(0.01, ...gains.map((g) => g.gain));
  const x = (i: number) => 40 + (i / 2016) * (w - 60);
  const y = (g: number) => h - 30 - (g / max) * (h - 60);
  const pts = gains.map((g) => `${x(g.interval).toFixed(1)},${y(g.gain).toFixed(1)}`).join(" ");
  const ticks = [0, 0.5, 1].map(
    (f) => `<text x="4" y="${y(max * f) + 4}" font-size="10">${(max * f * 100).toFixed(1)}%</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif"><text x="40" y="16" font-weight="bold">Gain of grafting over the week (fixed IGP, MILP, sampled 5-min intervals)</text><polyline points="${pts}" fill="none" stroke="#36c" stroke-width="2"/>${gains.map((g) => `<circle cx="${x(g.interval)}" cy="${y(g.gain)}" r="2.5" fill="#36c"/>`).join("")}${ticks.join("")}<line x1="40" y1="${h - 30}" x2="${w - 20}" y2="${h - 30}" stroke="#000"/><text x="${w / 2}" y="${h - 8}" font-size="10" text-anchor="middle">5-minute interval of 2004-03-01 … 03-07</text></svg>`;
}

export function reportHtml(input: {
  topology: Topology;
  before: ArrayLike<number>;
  after: ArrayLike<number>;
  results: readonly ScenarioResult[];
  gains: readonly { interval: number; gain: number }[];
  summary: unknown;
}): string {
  const first = input.results.flatMap((r) => r.grafts)[0];
  const te = input.results[0];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dyninfra — router grafting on Abilene</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}</style></head><body>
<h1>Router grafting on Abilene</h1>
<p>All BGP traffic is real BGP bytes between <code>@dyninfra/bgp-speaker</code> routers over simulated TCP endpoints and optical circuits, in virtual time; routes and churn are real RIPE RIS data; the topology and traffic matrices are Abilene's.</p>
<h2>Link utilisation, busiest interval</h2>
${mapSvg(input.topology, input.before, "before grafting")} ${mapSvg(input.topology, input.after, "after grafting")}
<h2>Scenarios</h2>
<table><tr><th>scenario</th><th>grafts</th><th>sessions Established</th><th>NOTIFICATIONs</th><th>UPDATEs sent / received</th><th>data lost (dark / other)</th><th>RIBs = reference</th></tr>
${input.results.map((r) => `<tr><td>${esc(r.name)}<br><small>${esc(r.description)}</small></td><td>${r.grafts.length}</td><td>${r.sessions.established}/${r.sessions.total}</td><td>${r.sessions.notifications}</td><td>${r.churn.updatesSent} / ${r.churn.updatesReceived}</td><td>${r.data.lostDark} / ${r.data.lostOther}</td><td>${r.matchesReference === undefined ? "—" : r.matchesReference ? "yes" : "NO"}</td></tr>`).join("")}
</table>
${first ? `<h2>One graft</h2>${timelineSvg(first)}` : ""}
${first ? `<h2>Every graft</h2><p>Step 1 runs in the background: the old router's RIB exports the session (and journals it from then on), the snapshot crosses the backbone and the new router imports it while the session keeps running on the old one. At the freeze only the journal entries after the snapshot are replayed.</p>${graftTable(input.results.flatMap((r) => r.grafts))}` : ""}
${te && te.grafts.length > 0 ? `<h2>Incremental update</h2>${updatesSvg(te.grafts)}` : ""}
${input.gains.length > 0 ? `<h2>Planner over the week</h2>${gainSvg(input.gains)}` : ""}
<h2>summary.json</h2><pre>${esc(JSON.stringify(input.summary, null, 2))}</pre>
</body></html>
`;
}
