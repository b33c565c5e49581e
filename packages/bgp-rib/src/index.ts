export type { AspaDirection, AspaHop, AspaValidity } from "./aspa";
export {
  AspaTable,
  aspaDirection,
  matchAspaValidity,
  parseAspaJson,
  rejectAspaInvalid,
  routeAspaValidity,
  verifyAspa,
} from "./aspa";
export type {
  Comparison,
  DecisionCandidate,
  DecisionOptions,
  DecisionStep,
  MultipathInputs,
  PeerKind,
  RankedCandidate,
} from "./decision";
export {
  compareAddresses,
  compareCandidates,
  DECISION_STEPS,
  effectiveMed,
  explainDecision,
  selectBest,
  selectMultipath,
} from "./decision";
export type { BgpRibErrorWhere } from "./errors";
export { BgpRibError } from "./errors";
export { Fib } from "./fib";
export type { IpPrefix } from "./ip";
export {
  formatIpv4,
  formatIpv6,
  formatPrefix,
  isLinkLocal,
  maskWords,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  prefixBytes,
  prefixContains,
  prefixFromBytes,
  withoutZone,
  wordMask,
} from "./ip";
export type {
  AddPathSettings,
  BgpRole,
  NextHopResolution,
  NextHopResolver,
  PeerConfig,
  RouterConfig,
} from "./peer";
export { BGP_ROLES, peerKind } from "./peer";
export type { Match, Policy, PolicyPeer, PolicyRoute, PrefixListEntry } from "./policy";
export {
  acceptAll,
  addCommunities,
  addLargeCommunities,
  asPathText,
  chain,
  community,
  deleteCommunities,
  deleteLargeCommunities,
  hasCommunity,
  hasLargeCommunity,
  isPrivateAsn,
  matchAsPath,
  matchPrefixList,
  prefixList,
  prepend,
  prependAs,
  rejectAll,
  replaceAsns,
  setLocalPref,
  setMed,
  setNextHop,
  setNextHopSelf,
  when,
  withNextHop,
} from "./policy";
export type {
  AdjRibOutUpdate,
  Announcement,
  ChangeSet,
  ExplainedRoute,
  Explanation,
  JournalEntry,
  LocRibChange,
  PeerDownOptions,
  PeerUpOptions,
  ReceiveCounters,
  RejectReason,
  RibStats,
  RibUpdate,
  Route,
  SessionImport,
  SessionImportOptions,
} from "./rib";
export { Rib, ribUpdateFromMessage } from "./rib";
export type { OriginOptions, OriginValidity, Vrp } from "./rpki";
export {
  matchOriginValidity,
  originAs,
  parseVrpJson,
  RoaTable,
  rejectInvalidOrigins,
} from "./rpki";
