export type { MacAddress } from "@dyninfra/mac-address";
// MAC addresses: one home in @dyninfra/mac-address; parseMac/formatMac throw this package's error.
export {
  BROADCAST_MAC,
  isBroadcastMac,
  isMulticastMac,
  isValidMac,
  isValidUnicastMac,
} from "@dyninfra/mac-address";
export type { SriovQueuesErrorWhere } from "./errors";
export { SriovQueuesError } from "./errors";
export type { IpLinkSetVf, VfSettings, VfShowLine, VfStats, VfVlanSpec } from "./ip-link";
export {
  applyVfSettings,
  formatIpLinkSetVf,
  formatVfShowLine,
  parseIpLinkSetVf,
  parseIpLinkShowVfs,
  parseVfShowLine,
  vfShowLine,
} from "./ip-link";
export type { PoolLayout, PoolLayoutOptions } from "./ixgbe-layout";
export {
  IXGBE_82599_QUEUES,
  IXGBE_82599_VMDQ_2Q_MASK,
  IXGBE_82599_VMDQ_4Q_MASK,
  IXGBE_82599_VMDQ_8Q_MASK,
  ixgbeSriovQueueLayout,
  poolQueues,
  queuePool,
} from "./ixgbe-layout";
export { formatMac, parseMac } from "./mac";
export type {
  BridgeMode,
  DropReason,
  EthernetFrame,
  Ixgbe82599Options,
  RxDelivery,
  RxResult,
  TxResult,
  VfInfo,
  VfLinkState,
  XcastMode,
} from "./nic-switch";
export {
  IXGBE_82599_RAR_ENTRIES,
  IXGBE_MAX_PF_MACVLANS,
  IXGBE_MAX_VF_MC_ENTRIES,
  IXGBE_MTA_BITS,
  IXGBE_VFTA_BITS,
  IXGBE_VLVF_ENTRIES,
  Ixgbe82599Switch,
  ixgbeMtaVector,
  VMOLR_AUPE,
  VMOLR_BAM,
  VMOLR_MPE,
  VMOLR_ROMPE,
} from "./nic-switch";
export {
  checkIxgbeVfRate,
  effectiveRateMbps,
  IXGBE_RTTBCNRC_RF_DEC_MASK,
  IXGBE_RTTBCNRC_RF_INT_MASK,
  IXGBE_RTTBCNRC_RF_INT_SHIFT,
  IXGBE_RTTBCNRC_RS_ENA,
  ixgbeRttbcnrc,
  TokenBucket,
} from "./rate-limit";
export { MICROSOFT_RSS_KEY, rssInputIpv4, toeplitzHash } from "./rss";
export type {
  Errno,
  IxgbeDriverOptions,
  PciAddress,
  SriovAttribute,
  SriovPf,
  SriovPfDriver,
  SriovPfOptions,
  SysfsResult,
} from "./sriov-pf";
export {
  createSriovPf,
  formatPciAddress,
  IXGBE_MAX_VF_FUNCTIONS,
  IXGBE_MAX_VFS_DRV_LIMIT,
  ixgbeDriver,
  kstrtou16,
  parsePciAddress,
  readSriovAttribute,
  sriovTotalVfs,
  vfAddress,
  vfRoutingId,
  writeSriovNumvfs,
} from "./sriov-pf";
