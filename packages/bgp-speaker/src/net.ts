import type { Server, Socket } from "node:net";
import { createServer, connect as tcpConnect } from "node:net";
import type { NeighborSpec, Router } from "./router";

/**
 * Opens the TCP connection of an active session (RFC 4271: port 179 unless configured), from
 * the neighbour's `localAddress` when set. Resolves once connected.
 *
 * @example
 * ```ts
 * import { Router, tcpConnector } from "@dyninfra/bgp-speaker";
 * const spec = { asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] };
 * const router = new Router(spec, { connect: tcpConnector });
 * ```
 */
export function tcpConnector(n: NeighborSpec): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({
      host: n.address,
      port: n.port ?? 179,
      ...(n.localAddress !== undefined ? { localAddress: n.localAddress } : {}),
    });
    socket.setNoDelay(true);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * Listens for incoming BGP connections and hands each to the session of the neighbour with the
 * connection's source address; connections from unknown addresses are closed.
 *
 * @example
 * ```ts
 * import { listen, Router } from "@dyninfra/bgp-speaker";
 * const router = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
 * const server = await listen(router, "127.0.0.1", 0);
 * server.close();
 * ```
 */
export function listen(router: Router, host: string, port: number): Promise<Server> {
  const server = createServer((socket) => {
    const remote = (socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    const n = router.neighborByAddress(remote);
    socket.setNoDelay(true);
    if (n === undefined || !router.accept(n.name, socket)) socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
