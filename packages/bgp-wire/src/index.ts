export type { AfiSafi, IpAfi } from "./afi-safi";
export { AFI, afiSafiKey, SAFI } from "./afi-safi";
export type { BgpdumpState } from "./bgpdump-format";
export { bgpdumpState, formatBgpdump } from "./bgpdump-format";
export type {
  AddPathCapability,
  AddPathSendReceive,
  BgpRoleCapability,
  Capability,
  EnhancedRouteRefreshCapability,
  ExtendedMessageCapability,
  ExtendedNextHopCapability,
  FourOctetAsCapability,
  GracefulRestartCapability,
  LongLivedGracefulRestartCapability,
  MultiprotocolCapability,
  RouteRefreshCapability,
  UnknownCapability,
} from "./capabilities";
export { CAPABILITY_CODE } from "./capabilities";
export type { UpdateDecodeResult } from "./codec";
export {
  decodeMessage,
  decodeUpdate,
  encodeMessage,
  HEADER_LENGTH,
  messageLength,
} from "./codec";
export type { BgpWireErrorWhere } from "./errors";
export { BgpWireError } from "./errors";
export type {
  AttributeWireLayout,
  BgpMessage,
  KeepaliveMessage,
  NotificationMessage,
  OpenMessage,
  OptionalParameter,
  RouteRefreshMessage,
  UpdateMessage,
} from "./messages";
export { MESSAGE_TYPE, openCapabilities, updateRoutes } from "./messages";
export type { MrtDecodeState, MrtHeader, MrtPeer, MrtRecord, MrtRibEntry } from "./mrt";
export {
  AttributeCache,
  BGP4MP_SUBTYPE,
  decodeMrtRecord,
  MRT_TYPE,
  TABLE_DUMP_V2_SUBTYPE,
} from "./mrt";
export type { MrtFrame, MrtReadOptions, MrtSource, MrtTruncation } from "./mrt-reader";
export { decodeMrt, mrtFrames, readMrt, readMrtFrames } from "./mrt-reader";
export type { MrtWriteHeader, MrtWriteRecord } from "./mrt-writer";
export { encodeMrt, encodeMrtRecord, encodeRibEntryAttributes } from "./mrt-writer";
export {
  CEASE_SUBCODE,
  ceaseWithShutdownCommunication,
  ERROR_CODE,
  hardReset,
  hardResetCause,
  isHardReset,
  maximumPrefixes,
  maximumPrefixesReached,
  notificationText,
  requiresHardReset,
  shutdownCommunication,
  UPDATE_ERROR_SUBCODE,
} from "./notification";
export { encodeAnnouncements, encodeWithdrawals } from "./packing";
export type {
  Aggregator,
  AsPath,
  AsPathSegment,
  AsPathSegmentType,
  ExtendedCommunity,
  LargeCommunity,
  MpReachNlri,
  MpUnreachNlri,
  Origin,
  PathAttributes,
  UnknownAttribute,
} from "./path-attributes";
export {
  AS_TRANS,
  ATTRIBUTE_FLAGS,
  ATTRIBUTE_TYPE,
  pathAttributesEqual,
  pathAttributesKey,
  prefixSetKey,
  readvertiseUnknownAttributes,
  reconcileAggregator,
  reconcileAsPath,
  WELL_KNOWN_COMMUNITY,
} from "./path-attributes";
export type { Prefix } from "./prefix";
export {
  comparePrefixes,
  formatPrefix,
  maskPrefix,
  parsePrefix,
  prefixBytes,
  prefixKey,
} from "./prefix";
export type { RtrPdu, RtrVersion } from "./rtr";
export {
  decodeRtrPdu,
  encodeRtrPdu,
  RTR_ERROR_CODE,
  RTR_MAX_PDU_LENGTH,
  RTR_PDU_TYPE,
  RtrDecodeError,
  RtrStreamDecoder,
  rtrPduLength,
} from "./rtr";
export type { SessionContext } from "./session-context";
export {
  DEFAULT_SESSION_CONTEXT,
  hasAddPath,
  maxMessageLength,
  negotiateSessionContext,
  sessionContext,
} from "./session-context";
export type { UpdateError, UpdateErrorAction } from "./update-error";
export { strongestAction } from "./update-error";
