import { beforeAll, describe, expect, it } from "vitest";
import type { Scenario } from "./build";
import { buildScenario } from "./build";
import { loadAbilene, loadRoutes } from "./data";
import type { ScenarioResult } from "./scenarios";
import { plannedMaintenance, trafficEngineering } from "./scenarios";

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
      // Nothing changed for the customer: the new router advertises what the old one did, so
      // the graft itself sends it nothing (other customers' churn still reaches it meanwhile).
      expect(g.incrementalPrefixes).toBe(0);
    }
  });

  it("drops data packets only in the optical dark interval", () => {
    for (const r of [te, maintenance]) {
      expect(r.data.lostOther).toBe(0);
      expect(r.data.delivered + r.data.lostDark).toBe(r.data.sent);
      // 1000 packets/s through a 25 ms dark interval: 25 per graft.
      expect(r.data.lostDark).toBe(25 * r.grafts.length);
    }
  });

  it("ends with the RIBs of a run where the customers were always on their new routers", () => {
    expect(te.matchesReference).toBe(true);
  });

  it("moves the TCP connection with quiesce: nothing in flight at the freeze", () => {
    for (const g of te.grafts) {
      expect(g.tcp.quiesce).toBe(true);
      expect(g.tcp.unackedBytesAtFreeze).toBe(0);
      expect(g.resumedUs - g.startUs).toBeLessThan(60_000);
    }
  });
});
