export type {
  Comparison,
  DecisionCandidate,
  DecisionOptions,
  DecisionStep,
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
} from "./decision";
export type { BgpRibErrorWhere } from "./errors";
export { BgpRibError } from "./errors";
export { Fib } from "./fib";
export type { IpPrefix } from "./ip";
export {
  formatIpv4,
  formatIpv6,
  formatPrefix,
  maskWords,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  prefixBytes,
  prefixContains,
  prefixFromBytes,
  wordMask,
} from "./ip";
