export type { AttackOutcome } from "./attacks";
export { attackPair, faultName, runAttacks } from "./attacks";
export type { CheckOptions, CheckStats, InvariantName, Violation } from "./checks";
export { checkHost } from "./checks";
export type { ChurnOptions, ChurnResult, ChurnSummary } from "./churn";
export { prng, runChurn } from "./churn";
export {
  DATA_DIR,
  HOST_DMAR,
  HOST_HWLOC,
  hostConfigFrom,
  IXGBE_82599_PRESET,
  LARGEST_HWLOC,
  loadTenants,
  rdtFor,
  readData,
  realHostConfig,
  SHARED_DATA,
} from "./data";
export type { DemoResult } from "./demo";
export { runDemo } from "./demo";
export type { DomainProblem } from "./domain";
export { domainXml, semanticCheck, vmUuid } from "./domain";
export type { NohypeHostErrorWhere } from "./errors";
export { NohypeHostError } from "./errors";
export type {
  HostConfig,
  NicConfig,
  RdtConfig,
  RunningVm,
  StartRefusal,
  StartResult,
  VmNic,
} from "./host";
export { avoidInterruptWindow, fmtPci, hostMemoryMap, NoHypeHost, sid } from "./host";
export { SriovVlanView } from "./nic";
export type { ReportInput, VmRow } from "./report";
export {
  acpiString,
  hostMapSvg,
  hostTxt,
  kernelCmdline,
  reportHtml,
  table,
  vmRows,
} from "./report";
export type { Tenant, TenantNic } from "./tenants";
export {
  pageSizeBytes,
  parseTenant,
  parseTenantsFile,
  parseTenantsJson,
  parseTenantsYaml,
} from "./tenants";
export type { YamlValue } from "./yaml";
export { parseYaml } from "./yaml";
