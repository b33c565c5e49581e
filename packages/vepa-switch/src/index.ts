export type { MacAddress } from "@dyninfra/mac-address";
// MAC addresses: one home in @dyninfra/mac-address; parseMac/formatMac throw this package's error.
export {
  BROADCAST_MAC,
  isBroadcastMac,
  isMulticastMac,
  isValidMac,
  isValidUnicastMac,
} from "@dyninfra/mac-address";
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
export { formatMac, parseMac } from "./mac";
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
