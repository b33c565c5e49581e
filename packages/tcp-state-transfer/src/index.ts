export type { ChannelProfile, ChannelStats } from "./channel";
export { Channel } from "./channel";
export type { TcpEndpointOptions, TcpInfo, TcpRestoreOptions } from "./endpoint";
export {
  restoreEndpoint,
  TCP_INIT_CWND,
  TCP_MIN_SND_MSS,
  TCP_MSS_DEFAULT,
  TCP_RTO_MAX_US,
  TCP_RTO_MIN_US,
  TCP_TIMEOUT_INIT_US,
  TcpEndpoint,
} from "./endpoint";
export type { TcpStateTransferErrorWhere } from "./errors";
export { TcpStateTransferError } from "./errors";
export type { MigrationHost, MigrationOptions, MigrationReport } from "./migration";
export { Migration, migrateConnection } from "./migration";
export type { MigrationStallOptions, MigrationStallResult } from "./migration-stall";
export { measureMigrationStall } from "./migration-stall";
export { SeededRandom } from "./random";
export type { ScheduledEvent } from "./scheduler";
export { EventScheduler } from "./scheduler";
export type { SackBlock, TcpSegment } from "./segment";
export {
  describeSegment,
  segmentLength,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "./segment";
export type { DecodedTcpSegment, EncodeTcpSegmentOptions } from "./segment-codec";
export { decodeTcpSegment, encodeTcpSegment, tcpChecksum } from "./segment-codec";
export {
  SEQ_SPACE,
  seqAdd,
  seqDiff,
  seqGeq,
  seqGt,
  seqInRange,
  seqLeq,
  seqLt,
  seqMax,
} from "./seq";
export type { Side, TcpSimulationOptions } from "./simulation";
export { TcpSimulation } from "./simulation";
export type {
  SnapshotU32Field,
  SnapshotValidation,
  TcpRepairError,
  TcpRepairErrorCode,
  TcpRepairSnapshot,
} from "./snapshot";
export {
  assertValidSnapshot,
  isValidSnapshot,
  peerFinReceived,
  SNAPSHOT_STATES,
  SNAPSHOT_U32_FIELDS,
  TCP_MAX_WSCALE,
  TCP_SNAPSHOT_VERSION,
  TCPI_OPT_SACK,
  TCPI_OPT_TIMESTAMPS,
  TCPI_OPT_WSCALE,
  validateSnapshot,
} from "./snapshot";
export type { TcpRepairSnapshotJson } from "./snapshot-codec";
export {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_MAGIC,
  snapshotFromJson,
  snapshotToJson,
} from "./snapshot-codec";
export { TcpSocket } from "./socket";
export type { TcpState } from "./state";
export { isTcpState, linuxTcpStateNumber, TCP_STATES, tcpStateFromLinux } from "./state";
