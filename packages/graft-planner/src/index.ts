export {
  ABILENE_ROUTERS,
  ABILENE_TM_UNIT_TO_KBPS,
  parseCfrRlTopology,
  parseCfrRlTrafficMatrices,
} from "./cfr-rl";
export type { Customer, CustomerModel, CustomerModelOptions } from "./customers";
export {
  buildCustomerModel,
  homeAssignment,
  nearestRouters,
  routerTrafficMatrix,
  splitTrafficMatrix,
  withExplicitCandidates,
  withNearestCandidates,
} from "./customers";
export type { GraftPlannerErrorWhere } from "./errors";
export { GraftPlannerError } from "./errors";
export { evaluateMlu, optimalMlu } from "./evaluate";
export type { GraftFormulation, RoutingRegime } from "./formulation";
export { formulateGraftMilp, readAssignment, startingSolution } from "./formulation";
export type { GraphmlOptions } from "./graphml";
export { parseGraphml } from "./graphml";
export type { LocalSearchOptions, LocalSearchResult } from "./local-search";
export { localSearch } from "./local-search";
export type { LinearProgram, LpRow, LpSolution, SolveLimits } from "./lp";
export { createSolver, LpBuilder, Solver, toCplexLp } from "./lp";
export type { Graft, MigrationOptions, MigrationOrder } from "./migration";
export { migrationOrder } from "./migration";
export type { NodeLinkDocument, NodeLinkJsonOptions } from "./node-link-json";
export { parseNodeLinkJson } from "./node-link-json";
export type { Plan, PlanMethod, PlanOptions, SolveGraftMilpOptions } from "./plan";
export { planForModel, planGrafts, solveGraftMilp } from "./plan";
export { parseRepetitaDemands, parseRepetitaGraph } from "./repetita";
export { EcmpRouting, maxLinkUtilisation } from "./routing";
export type { SeriesOptions, SeriesResult } from "./series";
export { planSeries } from "./series";
export type { SndlibNetworkOptions } from "./sndlib";
export { parseSndlibDemands, parseSndlibNetwork } from "./sndlib";
export type { Link, Router, Topology, TrafficMatrix } from "./topology";
export { greatCircleKm, validateTopology, validateTrafficMatrix } from "./topology";
