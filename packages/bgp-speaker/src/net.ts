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
  return whenConnected(
    tcpConnect({
      host: n.address,
      port: n.port ?? 179,
      ...(n.localAddress !== undefined ? { localAddress: n.localAddress } : {}),
    }),
    "connect",
  );
}

/**
 * `socket` (Nagle's algorithm off: protocol messages go out as written) once it is connected —
 * its `event`: `"connect"`, or `"secureConnect"` for TLS — or the error that came first.
 */
export function whenConnected<T extends Socket>(
  socket: T,
  event: "connect" | "secureConnect",
): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.setNoDelay(true);
    socket.once(event, () => {
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
