export type { MacAddressErrorWhere } from "./errors";
export { MacAddressError } from "./errors";
export type { MacAddress } from "./mac-address";
export {
  BROADCAST_MAC,
  formatMac,
  isBroadcastMac,
  isLocallyAdministeredMac,
  isMulticastMac,
  isValidMac,
  isValidUnicastMac,
  parseMac,
} from "./mac-address";
export type { MacCodec } from "./mac-codec";
export { createMacCodec } from "./mac-codec";
export { MacTable } from "./mac-table";
