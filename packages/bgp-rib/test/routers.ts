// RIB set-ups shared by tests.
import type { AddPathSettings } from "../src/peer";
import { Rib } from "../src/rib";

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
