export type { Scenario } from "./build";
export { buildScenario, makeIsp, withHomes } from "./build";
export type { AbileneData, ChurnEvent, RouteData } from "./data";
export { loadAbilene, loadRoutes } from "./data";
export type {
  CustomerNode,
  CustomerSpec,
  Frame,
  GraftReport,
  IspOptions,
  SettleProgress,
} from "./isp";
export { ISP_ASN, Isp } from "./isp";
export type { ScenarioResult } from "./scenarios";
export {
  fullTableGraft,
  linkUtilisation,
  plannedMaintenance,
  rehomeForFeature,
  trafficEngineering,
} from "./scenarios";
export { runUntil, schedulerClock, TcpDuplex } from "./sim";
export type { PlanInfo, Summary } from "./summary";
export { buildSummary, graftSummary } from "./summary";
