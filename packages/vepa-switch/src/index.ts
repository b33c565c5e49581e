export type {
  BridgeDelivery,
  BridgeOptions,
  BridgePortConfig,
  BridgeVerdict,
  Frame,
  PortState,
  PortVlan,
} from "./bridge";
export { Bridge, checkFrame } from "./bridge";
export type { VepaSwitchErrorWhere } from "./errors";
export { VepaSwitchError } from "./errors";
export type { FdbEntry, FdbOptions, LearnOutcome } from "./fdb";
export { Fdb } from "./fdb";
export type { MacAddress } from "./mac";
export {
  BROADCAST_MAC,
  formatMac,
  isBroadcastMac,
  isMulticastMac,
  isValidMac,
  isValidUnicastMac,
  parseMac,
} from "./mac";
export type {
  ConfigResult,
  EmbeddedDelivery,
  EmbeddedPortConfig,
  EmbeddedPortMode,
  EmbeddedSwitch,
} from "./macvlan";
export { MacvlanPort } from "./macvlan";
export type { AttachOptions, FabricDelivery, HostOptions } from "./vepa-fabric";
export { VepaFabric } from "./vepa-fabric";
