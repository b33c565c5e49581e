import { beforeAll, describe, expect, it } from "vitest";
import type { Scenario } from "./build";
import { buildScenario } from "./build";
import { loadAbilene, loadRoutes } from "./data";
import { reportHtml } from "./report";
import type { ScenarioResult } from "./scenarios";
import { fullTableGraft, plannedMaintenance, trafficEngineering } from "./scenarios";
import { buildSummary } from "./summary";

// The whole system on the bundled data: these are the claims the example exists to show.
describe("router grafting on Abilene (bundled data)", () => {
  let scenario: Scenario;
  let te: ScenarioResult & { plan: { mluBefore: number; mluAfter: number }; mluAchieved: number };
  let maintenance: ScenarioResult;

  beforeAll(async () => {
    scenario = buildScenario(loadAbilene(), loadRoutes());
    te = await trafficEngineering(scenario, { reference: true });
    maintenance = await plannedMaintenance(scenario, 8);
  }, 600_000);

  it("grafts what the planner chose and reaches the predicted MLU", () => {
    expect(te.grafts.length).toBeGreaterThan(0);
    expect(te.plan.mluAfter).toBeLessThan(te.plan.mluBefore);
    expect(te.mluAchieved).toBeCloseTo(te.plan.mluAfter, 9);
  });

  it("keeps every customer session Established: no NOTIFICATION, no new OPEN", () => {
    for (const r of [te, maintenance]) {
      expect(r.sessions.established).toBe(r.sessions.total);
      expect(r.sessions.notifications).toBe(0);
      expect(r.sessions.opens).toBe(r.opensBefore);
    }
  });

  it("delivers every UPDATE the customers sent during the migrations, and acts on it", () => {
    for (const r of [te, maintenance]) {
      expect(r.churn.events).toBeGreaterThan(100);
      expect(r.churn.updatesReceived).toBe(r.churn.updatesSent);
      expect(r.churn.viewMismatches).toBe(0);
    }
  });

  it("sends the neighbour only the incremental update", () => {
    for (const g of [...te.grafts, ...maintenance.grafts]) {
      expect(g.fullTablePrefixes).toBeGreaterThan(0);
      // The new router sends the difference between what the old one had advertised (journal
      // included) and what it advertises: only churn still in flight between the two routers at
      // the freeze, never the table.
      expect(g.incrementalPrefixes).toBeLessThan(g.fullTablePrefixes / 2);
    }
    const all = [...te.grafts, ...maintenance.grafts];
    const incremental = all.reduce((n, g) => n + g.incrementalPrefixes, 0);
    const full = all.reduce((n, g) => n + g.fullTablePrefixes, 0);
    expect(incremental).toBeLessThan(full / 10);
    // That it was the right difference: every customer's RIB ends equal to the reference run's.
    expect(te.matchesReference).toBe(true);
  });

  it("drops data packets only in the optical dark interval", () => {
    for (const r of [te, maintenance]) {
      expect(r.data.lostOther).toBe(0);
      expect(r.data.delivered + r.data.lostDark).toBe(r.data.sent);
      // 1000 packets/s through a 25 ms dark interval: 25 per graft.
      expect(r.data.lostDark).toBe(25 * r.grafts.length);
    }
  });

  it("ends with the RIBs (routers' and customers') of a run where the customers were always on their new routers", () => {
    expect(te.matchesReference).toBe(true);
  });

  it("moves the TCP connection with quiesce: nothing in flight at the freeze", () => {
    for (const g of te.grafts) {
      expect(g.tcp.quiesce).toBe(true);
      expect(g.tcp.unackedBytesAtFreeze).toBe(0);
      expect(g.resumedUs - g.bgpFrozenUs).toBeLessThan(60_000);
    }
  });

  it("moves the routes in the background while churn goes on, and replays only the journal at the freeze", () => {
    const grafts = [...te.grafts, ...maintenance.grafts];
    for (const g of grafts) {
      // Step 1 ran while the session was still on the old router: export, transfer, import.
      expect(g.sessionRoutes).toBeGreaterThan(0);
      expect(g.importedUs).toBeGreaterThan(g.startUs);
      expect(g.bgpFrozenUs).toBeGreaterThanOrEqual(g.importedUs);
      expect(g.bgpFrozenUs - g.startUs).toBeGreaterThanOrEqual(250_000);
      // The freeze window is a small part of the graft.
      expect(g.resumedUs - g.bgpFrozenUs).toBeLessThan((g.bgpFrozenUs - g.startUs) / 4);
      expect(g.journalReplayed).toBe(g.journalIn + g.journalOut);
    }
    // Churn kept arriving during the background phase: the customer's own UPDATEs (journal "in")
    // and deltas the old router sent it (journal "out") were replayed on the new router.
    expect(grafts.filter((g) => g.journalReplayed > 0).length).toBeGreaterThan(grafts.length / 2);
    expect(grafts.some((g) => g.journalOut > 0)).toBe(true);
    expect(grafts.reduce((n, g) => n + g.journalIn, 0)).toBeGreaterThan(0);
  });

  it("shows the replayed journal in summary.json and report.html", () => {
    const abilene = scenario.abilene;
    const summary = buildSummary({
      abilene,
      routes: scenario.routes,
      customerModel: scenario.model.description,
      results: [te, maintenance],
      gains: [],
    });
    const all = [...te.grafts, ...maintenance.grafts];
    expect(summary.grafts.map((g) => g.journalReplayed)).toEqual(all.map((g) => g.journalReplayed));
    expect(summary.scenarios.map((s) => s.journalReplayed)).toEqual(
      [te, maintenance].map((r) => r.grafts.reduce((n, g) => n + g.journalReplayed, 0)),
    );
    const json = JSON.parse(JSON.stringify(summary)) as typeof summary;
    expect(json.grafts[0]!.backgroundVirtualMs).toBeGreaterThan(
      json.grafts[0]!.freezeWindowVirtualMs,
    );
    const html = reportHtml({
      topology: abilene.topology,
      before: [],
      after: [],
      results: [te, maintenance],
      gains: [],
      summary,
    });
    const cells = [...html.matchAll(/<td class="journal">(\d+) \((\d+) in \/ (\d+) out/g)];
    expect(cells.map((m) => Number(m[1]))).toEqual(all.map((g) => g.journalReplayed));
    expect(cells.map((m) => Number(m[2]) + Number(m[3]))).toEqual(
      all.map((g) => g.journalReplayed),
    );
  });
});

// The code path of `full-table-graft --routes full` (a transit session carrying the whole table),
// on the bundled sample so that it runs in seconds.
describe("grafting a session that carries the whole table (bundled sample)", () => {
  it("moves the table in the background, replays the journal, and ends as the reference run", async () => {
    const routes = loadRoutes();
    const r = await fullTableGraft(loadAbilene(), routes, { reference: true });
    expect(r.grafts).toHaveLength(1);
    const g = r.grafts[0]!;
    expect(g.from).toBe("NYCMng");
    expect(g.to).toBe("WASHng");
    // The transit customer announces all but every k-th prefix of the data.
    expect(g.sessionRoutes).toBeGreaterThan(routes.routes.length * 0.85);
    expect(g.advertisedRoutes).toBeGreaterThan(0);
    expect(g.journalIn).toBeGreaterThan(0);
    expect(g.journalReplayed).toBe(g.journalIn + g.journalOut);
    expect(g.incrementalPrefixes).toBeLessThan(g.sessionRoutes / 10);
    expect(r.sessions.established).toBe(2);
    expect(r.sessions.notifications).toBe(0);
    expect(r.sessions.opens).toBe(r.opensBefore);
    expect(r.churn.updatesReceived).toBe(r.churn.updatesSent);
    expect(r.churn.viewMismatches).toBe(0);
    expect(r.data.lostDark).toBe(25);
    expect(r.data.lostOther).toBe(0);
    expect(r.matchesReference).toBe(true);
  }, 120_000);
});
