import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { formatPrefix } from "@dyninfra/bgp-wire";
import { parseRouterSpec } from "./config";
import { BgpSpeakerError } from "./errors";
import { sessionGraftToJson } from "./graft-json";
import type { Router } from "./router";

function routeJson(r: {
  prefix: Parameters<typeof formatPrefix>[0];
  attributes: object;
  peer: string;
}) {
  return {
    prefix: formatPrefix(r.prefix),
    ...(r.prefix.pathId !== undefined ? { pathId: r.prefix.pathId } : {}),
    peer: r.peer,
    attributes: r.attributes,
  };
}

const replacer = (_k: string, v: unknown) =>
  v instanceof Uint8Array ? Buffer.from(v).toString("hex") : typeof v === "bigint" ? String(v) : v;

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BgpSpeakerError("BAD_REQUEST", `request body is not JSON: ${(e as Error).message}`, {
      field: "body",
    });
  }
}

/**
 * The JSON control interface of a router over HTTP:
 * `GET /sessions`, `GET /routes` (Loc-RIB), `GET /routes/<prefix>` (the decision explained),
 * `GET /adj-rib-out/<neighbour>`, `GET /stats`, `POST /routes` (a JSON array of routes to
 * originate, as in the configuration's `originate`), `DELETE /routes` (a JSON array of prefixes),
 * `POST /sessions/<name>/refresh` (ROUTE-REFRESH for every negotiated family),
 * `POST /sessions/<name>/stop` (`{"message": "…"}`: Cease with a shutdown communication),
 * `POST /sessions/<name>/start`, and for grafting `POST /sessions/<name>/graft-out` (pauses the
 * session: `{"graft": …, "connection": {localAddress, localPort, remoteAddress, remotePort}}`, the
 * graft as {@link sessionGraftToJson} gives it) and `POST /sessions/<name>/release` (forgets the
 * grafted session, withdraws what its other neighbours must lose, closes the old connection).
 *
 * @example
 * ```ts
 * import { controlServer, Router } from "@dyninfra/bgp-speaker";
 * const router = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
 * const server = controlServer(router).listen(0, "127.0.0.1");
 * server.close();
 * ```
 */
export function controlServer(router: Router): Server {
  return createServer((req, res) => {
    handle(router, req, res).catch((e: unknown) => {
      const status = BgpSpeakerError.isInstance(e) ? 400 : 500;
      send(res, status, { error: e instanceof Error ? e.message : String(e) });
    });
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(value, replacer)}\n`);
}

async function handle(router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://control");
  const path = decodeURIComponent(url.pathname);
  if (req.method === "GET" && path === "/sessions") return send(res, 200, router.sessions());
  if (req.method === "GET" && path === "/stats") return send(res, 200, router.rib.stats());
  if (req.method === "GET" && path === "/routes")
    return send(res, 200, [...router.rib.locRib()].map(routeJson));
  if (req.method === "GET" && path.startsWith("/routes/"))
    return send(res, 200, router.rib.explain(path.slice("/routes/".length)));
  if (req.method === "GET" && path.startsWith("/adj-rib-out/")) {
    const n = router.sessions().find((s) => (s as { name: string }).name === path.slice(13)) as
      | { address: string }
      | undefined;
    if (n === undefined) return send(res, 404, { error: `no neighbour ${path.slice(13)}` });
    return send(res, 200, [...router.rib.adjRibOut(n.address)].map(routeJson));
  }
  const graft = /^\/sessions\/([^/]+)\/(graft-out|release)$/.exec(path);
  if (req.method === "POST" && graft !== null) {
    const [, name, verb] = graft;
    if (verb === "graft-out") {
      const session = router.session(name!);
      const g = router.graftOut(name!);
      const stream = session.pausedStream as Partial<Socket> | undefined;
      return send(res, 200, {
        graft: sessionGraftToJson(g),
        connection:
          stream?.localAddress === undefined
            ? null
            : {
                localAddress: stream.localAddress,
                localPort: stream.localPort,
                remoteAddress: stream.remoteAddress,
                remotePort: stream.remotePort,
              },
      });
    }
    const session = router.session(name!);
    const c = router.releaseGraft(name!);
    // The old connection goes (frozen with TCP_REPAIR, its close sends nothing).
    session.pausedStream?.destroy();
    return send(res, 200, { locRibChanges: c.locRib.length });
  }
  const action = /^\/sessions\/([^/]+)\/(refresh|stop|start)$/.exec(path);
  if (req.method === "POST" && action !== null) {
    const [, name, verb] = action;
    const session = router.session(name!);
    if (verb === "refresh") {
      for (const f of session.negotiated?.families ?? []) session.sendRouteRefresh(f.afi, f.safi);
    } else if (verb === "stop") {
      const b = (await body(req)) as { message?: unknown } | null;
      session.stop(typeof b?.message === "string" ? b.message : undefined);
    } else session.start();
    return send(res, 200, { state: session.state });
  }
  if (req.method === "POST" && path === "/routes") {
    const list = await body(req);
    // Validate through the configuration parser so errors name the field.
    const spec = parseRouterSpec({
      asn: router.spec.asn,
      bgpIdentifier: router.spec.bgpIdentifier,
      neighbors: [],
      originate: list,
    });
    const c = router.originate(spec.originate ?? []);
    return send(res, 200, { locRibChanges: c.locRib.length });
  }
  if (req.method === "DELETE" && path === "/routes") {
    const list = await body(req);
    if (!Array.isArray(list) || !list.every((p) => typeof p === "string"))
      throw new BgpSpeakerError("BAD_REQUEST", "body must be a JSON array of prefixes", {
        field: "body",
      });
    const c = router.withdraw(list as string[]);
    return send(res, 200, { locRibChanges: c.locRib.length });
  }
  send(res, 404, { error: `no such resource: ${req.method} ${path}` });
}
