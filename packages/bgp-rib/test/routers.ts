// RIB set-ups shared by tests.
import type { AddPathSettings, PeerConfig } from "../src/peer";
import { acceptAll } from "../src/policy";
import { Rib } from "../src/rib";

/**
 * An eBGP neighbour whose routes are accepted both ways (RFC 8212 asks for policies), its BGP
 * Identifier its address; `extra` adds to or overrides the configuration.
 */
export function acceptingPeer(
  address: string,
  asn: number,
  extra: Partial<PeerConfig> = {},
): PeerConfig {
  return {
    address,
    asn,
    bgpIdentifier: address,
    importPolicy: acceptAll,
    exportPolicy: acceptAll,
    ...extra,
  };
}

/**
 * Router 64500 with iBGP neighbour 10.0.0.2 sending with ADD-PATH and route-reflector client
 * 10.0.0.3 receiving with it, both sessions up.
 */
export function addPathRouter(clientAddPath: AddPathSettings = { send: true }): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  rib.addPeer({
    address: "10.0.0.2",
    asn: 64500,
    bgpIdentifier: "10.0.0.2",
    addPath: { receive: true },
  });
  rib.addPeer({
    address: "10.0.0.3",
    asn: 64500,
    bgpIdentifier: "10.0.0.3",
    routeReflectorClient: true,
    addPath: clientAddPath,
  });
  rib.peerUp("10.0.0.2");
  rib.peerUp("10.0.0.3");
  return rib;
}
