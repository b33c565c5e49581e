export type {
  EptAccess,
  EptBuildOptions,
  EptLeaf,
  EptLoadOptions,
  EptMapping,
  EptMisconfigurationReason,
  EptPermissions,
  EptTranslation,
} from "./ept";
export { EptTables, RWX } from "./ept";
export type {
  EptEntryFields,
  EptpDecodeOptions,
  EptpFields,
} from "./ept-entry";
export {
  decodeEptEntry,
  decodeEptp,
  EPT_ACCESSED,
  EPT_DIRTY,
  EPT_EXECUTE,
  EPT_IGNORE_PAT,
  EPT_LARGE_PAGE,
  EPT_MEMORY_TYPE_MASK,
  EPT_MEMORY_TYPE_SHIFT,
  EPT_READ,
  EPT_SUPPRESS_VE,
  EPT_USER_EXECUTE,
  EPT_WRITE,
  EptMemoryType,
  encodeEptEntry,
  encodeEptp,
  isEptMemoryType,
} from "./ept-entry";
export type { MemPartitionerErrorWhere } from "./errors";
export { MemPartitionerError } from "./errors";
export type { JailhouseMemoryRegion } from "./jailhouse";
export {
  decodeJailhouseMemRegions,
  encodeJailhouseMemRegions,
  formatJailhouseMemFlags,
  formatJailhouseMemRegions,
  JAILHOUSE_MEMORY_SIZE,
  JailhouseMemFlags,
  jailhouseMemoryRegions,
} from "./jailhouse";
export type {
  CacheTuneAllocation,
  MemoryBackingOptions,
  XmlIndentOptions,
} from "./libvirt";
export {
  cachetuneXml,
  guestNumaCells,
  libvirtSize,
  memoryBackingXml,
  memorytuneXml,
  memoryXml,
  numatuneXml,
} from "./libvirt";
export type {
  HostMemoryMap,
  HostMemoryMapInit,
  NumaNodeMemory,
  PageSize,
  PhysRange,
  ReservedRange,
  UniformHostOptions,
} from "./memory-map";
export {
  createHostMemoryMap,
  hostMemoryMapFromCapabilities,
  hostMemoryMapFromHwloc,
  isPageSize,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  PAGE_SIZES,
  totalRam,
  uniformHostMemoryMap,
} from "./memory-map";
export type {
  AllocationRefusal,
  AllocationResult,
  Fragmentation,
  FreeRange,
  NodeFragmentation,
  NumaMode,
  PageSizeFragmentation,
  Partition,
  PartitionExtent,
  PartitionPlan,
  PartitionRequest,
  PlanOptions,
} from "./partitioner";
export { MemoryPartitioner, planPartitions } from "./partitioner";
export type {
  BandwidthResource,
  CacheResource,
  RdtResource,
  ResctrlMode,
  ResctrlResult,
} from "./rdt";
export {
  contiguousCbm,
  DEFAULT_GROUP,
  isValidCbm,
  partitionCacheWays,
  ResctrlFilesystem,
  rdtResourcesFromCapabilities,
  validateBandwidth,
  validateCbm,
} from "./rdt";
export type {
  FormatSchemataOptions,
  ParseSchemataOptions,
  SchemaFormat,
  Schemata,
  SchemataDomain,
  SchemataLine,
} from "./resctrl-schemata";
export { formatSchemata, parseSchemata, SCHEMA_FORMATS } from "./resctrl-schemata";
export type { SysfsReader } from "./sysfs";
export { hostMemoryMapFromSysfs } from "./sysfs";
export { fsSysfsReader } from "./sysfs-node";
export type {
  IsolationSubject,
  IsolationViolation,
  VmMemory,
  VmMemoryOptions,
  VmMemoryResult,
} from "./vm-memory";
export { allocateVmMemory, checkMemoryIsolation } from "./vm-memory";
