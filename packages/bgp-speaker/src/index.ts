export {
  BMP_MONITORING,
  BMP_TYPE,
  BmpExporter,
  type BmpMonitoring,
  type BmpOptions,
  type BmpPeer,
  bmpMessage,
  bmpPerPeerHeader,
} from "./bmp";
export type { Clock } from "./clock";
export { ManualClock, systemClock } from "./clock";
export { parsePolicies, parseRouterSpec } from "./config";
export type { ControlOptions } from "./control";
export { controlServer } from "./control";
export type { BgpSpeakerErrorWhere } from "./errors";
export { BgpSpeakerError } from "./errors";
export type { FrameResult } from "./framer";
export { HEADER_LENGTH, MessageFramer } from "./framer";
export type {
  BgpState,
  FsmAction,
  FsmConfig,
  FsmEvent,
  FsmState,
  FsmStepResult,
  FsmTimer,
} from "./fsm";
export { fsmConfig, fsmStep, INITIAL_FSM_STATE } from "./fsm";
export type {
  GracefulRestartHandover,
  GracefulRestartHooks,
  GracefulRestartPhase,
  GracefulRestartStatus,
  PeerGracefulRestart,
  PeerLongLivedGracefulRestart,
} from "./graceful-restart";
export {
  DEFAULT_STALE_ROUTES_TIME,
  endOfRib,
  endOfRibFamily,
  FORWARDING_STATE,
  GracefulRestartReceiver,
  NOTIFICATION_BIT,
  peerGracefulRestart,
  peerLongLivedGracefulRestart,
  RESTART_STATE,
  RibStaleRoutes,
} from "./graceful-restart";
export {
  sessionGraftFromJson,
  sessionGraftToJson,
  sessionHandoverFromJson,
  sessionHandoverToJson,
} from "./graft-json";
export {
  followLocRib,
  forwardingRoutes,
  type KernelRouteOptions,
  KernelRoutes,
  type KernelRoutesEvents,
  kernelRouteCommands,
  type SkippedKernelRoute,
} from "./kernel-routes";
export {
  MRT_FSM_STATE,
  MrtRibDumper,
  type MrtRibDumperOptions,
  MrtUpdateLog,
  type MrtUpdateLogOptions,
  mrtFileName,
  ribDumpRecords,
  writeRibDump,
  writeRibDumpAsync,
} from "./mrt-dump";
export { listen, tcpConnector } from "./net";
export type {
  NegotiatedSession,
  OpenCheck,
  OpenExpectations,
  SpeakerCapabilities,
} from "./open";
export { checkOpen, localOpen, peerExtendedNextHop, speakerCapabilities } from "./open";
export { memoryPipe } from "./pipe";
export {
  BUILT_IN_POLICIES,
  type CompiledPolicy,
  compilePolicy,
  type PolicyDefinitions,
  type PolicyMatchSpec,
  type PolicySetSpec,
  type PolicyTerm,
  parseLargeCommunity,
} from "./policy-config";
export type {
  ExportPolicyName,
  ImportPolicyName,
  MaxPrefixes,
  NeighborSpec,
  OriginateSpec,
  RouterEvents,
  RouterOptions,
  RouterSpec,
  RtrSpec,
  SessionGraft,
  SessionHandover,
} from "./router";
export { DEFAULT_SELECTION_DEFERRAL_TIME, Router } from "./router";
export type {
  RtrClientEvents,
  RtrClientOptions,
  RtrClientStatus,
  RtrTlsOptions,
} from "./rtr-client";
export { RtrClient } from "./rtr-client";
export type {
  RtrIntervals,
  RtrSessionState,
  RtrStep,
  RtrUpdate,
  RtrVrp,
} from "./rtr-session";
export { RTR_DEFAULT_INTERVALS, RtrSession } from "./rtr-session";
export type {
  Connector,
  SessionConfig,
  SessionCounters,
  SessionEndNotification,
  SessionEvents,
  SessionOptions,
  SessionState,
} from "./session";
export { BgpSession } from "./session";
export { restoreConnection, thawConnection } from "./tcp-repair";
