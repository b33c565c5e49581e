export type { OpticalLinkErrorWhere } from "./errors";
export { OpticalLinkError } from "./errors";
export type {
  FrameEvent,
  OpticalFabricOptions,
  Transceiver,
  TransceiverStats,
} from "./fabric";
export { OpticalFabric, OpticalLink } from "./fabric";
export {
  crossConnectsToXml,
  POLATIS_OPTICAL_SWITCH_NS,
  parseCrossConnectsXml,
} from "./netconf";
export type {
  CrossConnect,
  CrossConnectState,
  FrameFate,
  OpticalSwitchOptions,
  SwitchError,
  SwitchErrorCode,
  SwitchResult,
  SwitchStats,
  SwitchTransaction,
  VirtualClock,
} from "./switch";
export { OpticalCircuitSwitch, unwrapSwitchResult } from "./switch";
