export type { CorePinMainIo } from "./core-pin-cli";
export { CORE_PIN_USAGE, corePinMain } from "./core-pin-cli";
export type { ParseCpuListOptions } from "./cpu-list";
export { formatCpuList, isValidCpuList, parseCpuList, parseCpuMask } from "./cpu-list";
export type { CputuneSpec, IsolcpusFlag, KernelIsolationParams } from "./emitters";
export {
  cgroupCpuset,
  kernelIsolationParams,
  libvirtCputune,
  libvirtGuestCpu,
  parseLibvirtCputune,
} from "./emitters";
export type { VmCorePinnerErrorWhere } from "./errors";
export { VmCorePinnerError } from "./errors";
export { parseHwlocSynthetic } from "./hwloc-synthetic";
export type { HwlocXmlVersion } from "./hwloc-xml";
export { hwlocXmlVersion, parseHwlocXml } from "./hwloc-xml";
export type {
  KubeletError,
  KubeletPolicyOption,
  KubeletResult,
  KubeletStaticOptions,
  KubeletStaticPolicyConfig,
  TopologyManagerPolicy,
} from "./kubelet-static";
export {
  KUBELET_MAX_NUMA_NODES,
  KUBELET_POLICY_OPTIONS,
  KubeletStaticPolicy,
  kubeletNumaHint,
  kubeletStaticOptions,
  kubeletTakeByTopologyNUMADistributed,
  kubeletTakeByTopologyNUMAPacked,
} from "./kubelet-static";
export { parseLibvirtCapabilities } from "./libvirt-capabilities";
export type { TopologyFormat } from "./load";
export { detectTopologyFormat, loadTopology } from "./load";
export type { NoHypeGuest, NoHypeHostPlan } from "./nohype";
export { defaultHousekeeping, planNoHypeHost } from "./nohype";
export type { NovaPlacement, NovaRefusal, NovaResult, NovaThreadPolicy } from "./nova";
export { novaPin } from "./nova";
export type {
  CorePinnerConfig,
  FragmentationMetrics,
  NoHypeOption,
  PinAllocation,
  PinnerSnapshot,
  PinPolicy,
  PinRefusal,
  PinRefusalCode,
  PinResult,
  VmRequest,
} from "./pinner";
export { CorePinner, describeAllocation, NOHYPE_OPTIONS, PIN_POLICIES } from "./pinner";
export type { SysfsFiles } from "./sysfs";
export { loadSysfsDirectory, loadSysfsTarball, parseSysfsDump, parseSysfsTree } from "./sysfs";
export type {
  Core,
  CpuGroup,
  CpuKind,
  L3Cache,
  NumaNode,
  Package,
  PuDraft,
  Topology,
  TopologyDraft,
  TopologyTreeNode,
} from "./topology";
export {
  buildTopology,
  coreOfCpu,
  describeTopology,
  maxThreadsPerCore,
  topologyTree,
} from "./topology";
