// summary.json: the counts the example's claims are checked against, per scenario and per graft.
import type { AbileneData, RouteData } from "./data";
import type { GraftReport } from "./isp";
import type { ScenarioResult } from "./scenarios";

/** What the planner found for the busiest interval (scenario 1). */
export interface PlanInfo {
  readonly mluBefore: number;
  readonly mluAfter: number;
  readonly gain: number;
  readonly gap: number | null;
  readonly grafts: unknown;
  readonly migrationFeasible: boolean | null;
  readonly mluAchieved: number;
}

const ms = (us: number) => +(us / 1000).toFixed(3);
const r2 = (x: number) => +x.toFixed(2);

/** One graft as summary.json shows it: the phases, their timings and what crossed them. */
export function graftSummary(g: GraftReport) {
  return {
    customer: g.customer,
    from: g.from,
    to: g.to,
    sessionRoutes: g.sessionRoutes,
    advertisedRoutes: g.advertisedRoutes,
    ribSnapshotBytes: g.ribSnapshotBytes,
    // 1. Background: the session runs on the old router while its routes move.
    backgroundVirtualMs: ms(g.bgpFrozenUs - g.startUs),
    snapshotTransferVirtualMs: ms(g.importedUs - g.startUs),
    exportMs: r2(g.exportMs),
    importMs: r2(g.importMs),
    backgroundCpuMs: r2(g.backgroundCpuMs),
    // 2-4. Freeze: only the journal after the snapshot is replayed.
    journalReplayed: g.journalReplayed,
    journalIn: g.journalIn,
    journalOut: g.journalOut,
    journalPrefixes: g.journalPrefixes,
    freezeWindowVirtualMs: ms(g.resumedUs - g.bgpFrozenUs),
    darkIntervalMs: ms(g.circuitLiveUs - g.switchStartUs),
    freezeMs: r2(g.freezeMs),
    replayAndDecisionMs: r2(g.resumeMs),
    releaseMs: r2(g.releaseMs),
    freezeCpuMs: r2(g.freezeCpuMs),
    tcpSnapshotBytes: g.snapshotBytes,
    incrementalPrefixes: g.incrementalPrefixes,
    customerUpdates: g.customerUpdates,
    fullTablePrefixes: g.fullTablePrefixes,
    otherNeighborPrefixes: g.otherNeighborPrefixes,
    dataLostDark: g.dataLostDark,
    tcpSegmentsLostDark: g.tcpSegmentsLostDark,
  };
}

/** The whole summary.json. */
export function buildSummary(input: {
  readonly abilene: AbileneData;
  readonly routes: RouteData;
  readonly customerModel: string;
  readonly results: readonly ScenarioResult[];
  readonly plan?: PlanInfo | undefined;
  readonly gains: readonly { interval: number; gain: number }[];
  readonly mluAchieved?: number | undefined;
}) {
  const { abilene, routes, results, gains } = input;
  const all = results.flatMap((r) => r.grafts);
  return {
    data: {
      topology: "Abilene (CFR-RL: real OSPF weights and capacities)",
      busiestInterval: abilene.busiest,
      routes: routes.source,
      prefixes: routes.routes.length,
      churnEvents: routes.churn.length,
      customerModel: input.customerModel,
    },
    plan: input.plan ?? null,
    scenarios: results.map((r) => ({
      name: r.name,
      description: r.description,
      grafts: r.grafts.length,
      sessionsEstablished: `${r.sessions.established}/${r.sessions.total}`,
      sessionsReset: r.sessions.total - r.sessions.established,
      notifications: r.sessions.notifications,
      newOpens: r.sessions.opens - r.opensBefore,
      churnEventsSent: r.churn.events,
      updatesSent: r.churn.updatesSent,
      updatesReceived: r.churn.updatesReceived,
      customerViewMismatches: r.churn.viewMismatches,
      journalReplayed: r.grafts.reduce((n, g) => n + g.journalReplayed, 0),
      incrementalPrefixes: r.grafts.reduce((n, g) => n + g.incrementalPrefixes, 0),
      fullTablePrefixes: r.grafts.reduce((n, g) => n + g.fullTablePrefixes, 0),
      dataPacketsSent: r.data.sent,
      dataPacketsDelivered: r.data.delivered,
      dataPacketsLostInDarkInterval: r.data.lostDark,
      dataPacketsDroppedOutsideDarkInterval: r.data.lostOther,
      tcpSegmentsLostInDarkIntervalRetransmitted: r.data.tcpLostDark,
      ribsMatchReference: r.matchesReference ?? null,
      virtualSeconds: r.virtualSeconds,
      wallSeconds: r.wallSeconds,
    })),
    grafts: all.map(graftSummary),
    gainOverWeek:
      gains.length > 0
        ? {
            samples: gains.length,
            median: [...gains].map((g) => g.gain).sort((a, b) => a - b)[
              Math.floor(gains.length / 2)
            ],
            max: Math.max(...gains.map((g) => g.gain)),
          }
        : null,
    mluAchieved: input.mluAchieved ?? null,
  };
}

/** The type of summary.json. */
export type Summary = ReturnType<typeof buildSummary>;
