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
export type { IommuModelErrorWhere } from "./errors";
export { IommuModelError } from "./errors";
