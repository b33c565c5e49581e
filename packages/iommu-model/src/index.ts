export type {
  AnddStructure,
  AtsrStructure,
  DecodeDmarOptions,
  DeviceScope,
  DmarStructure,
  DmarTable,
  DrhdStructure,
  EncodeDmarOptions,
  PciPathEntry,
  RhsaStructure,
  RmrrStructure,
  SatcStructure,
  SidpStructure,
  UnknownDmarStructure,
} from "./dmar";
export {
  ATSR_FLAG_ALL_PORTS,
  acpiChecksum,
  DeviceScopeType,
  DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN,
  DMAR_FLAG_INTR_REMAP,
  DMAR_FLAG_X2APIC_OPT_OUT,
  DMAR_HEADER_LENGTH,
  DmarStructureType,
  DRHD_FLAG_INCLUDE_PCI_ALL,
  decodeDmar,
  encodeDmar,
  isValidDmar,
  SATC_FLAG_ATC_REQUIRED,
} from "./dmar";
export { dumpDmar } from "./dmar-dump";
export type { DmarJson } from "./dmar-json";
export { dmarFromJson, dmarToJson } from "./dmar-json";
export type { BridgeBusRange, PciDeviceRef } from "./dmar-scope";
export { findDrhd, findRmrrs, platformCapabilities, proximityDomainOf } from "./dmar-scope";
export type { IommuModelErrorWhere } from "./errors";
export { IommuModelError } from "./errors";
export type { InvalidationDescriptor, InvalidationQueueResult } from "./invalidation-queue";
export {
  decodeInvalidationDescriptor,
  encodeInvalidationDescriptor,
  InvalidationQueue,
} from "./invalidation-queue";
export type { InterruptRemapEntryOptions } from "./msi";
export { compatibilityMsi, interruptRemapEntry, remappableMsi } from "./msi";
export type { PhysicalMemoryOptions } from "./physical-memory";
export { PAGE_SIZE, PhysicalMemory } from "./physical-memory";
export type {
  ContextCacheInvalidation,
  DeliveredInterrupt,
  DmaAccess,
  DmaFault,
  DmaTranslation,
  FaultRecord,
  InterruptEntryCacheInvalidation,
  InterruptRemapResult,
  IotlbInvalidation,
  MsiMessage,
  RemappingHardwareOptions,
} from "./remapping-hardware";
export {
  INTERRUPT_ADDRESS_FIRST,
  INTERRUPT_ADDRESS_LAST,
  MAX_ADDRESS_MASK,
  RemappingHardwareUnit,
} from "./remapping-hardware";
export type { MappedRange } from "./table-walk";
export { readMappedRanges } from "./table-walk";
export type {
  AttachTarget,
  DomainMapping,
  IommuDomain,
  MapOptions,
  VtdDriverOptions,
} from "./vtd-driver";
export { VtdDriver } from "./vtd-driver";
export type {
  ContextEntry,
  InterruptRemapEntry,
  RootEntry,
  SecondLevelEntry,
  VtdFaultReasonCode,
} from "./vtd-entries";
export {
  agawBits,
  decodeContextEntry,
  decodeIrte,
  decodeRootEntry,
  decodeSecondLevelEntry,
  encodeContextEntry,
  encodeIrte,
  encodeRootEntry,
  encodeSecondLevelEntry,
  sourceIdOf,
  TranslationType,
  VtdFaultReason,
} from "./vtd-entries";
