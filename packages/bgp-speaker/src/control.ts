import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import { Socket } from "node:net";
import { BgpRibError, originAs, type Route } from "@dyninfra/bgp-rib";
import { formatPrefix } from "@dyninfra/bgp-wire";
import { parsePolicies, parseRouterSpec } from "./config";
import { BgpSpeakerError } from "./errors";
import {
  sessionGraftFromJson,
  sessionGraftToJson,
  sessionHandoverFromJson,
  sessionHandoverToJson,
} from "./graft-json";
import { writeRibDumpAsync } from "./mrt-dump";
import type { Router } from "./router";
import { restoreConnection, thawConnection } from "./tcp-repair";

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

/** What a graft sent the neighbour, counted. */
export const deltaJson = (d: {
  withdrawn: readonly unknown[];
  announced: readonly { nlri: readonly unknown[] }[];
}) => ({
  withdrawn: d.withdrawn.length,
  announced: d.announced.reduce((n, a) => n + a.nlri.length, 0),
});

const replacer = (_k: string, v: unknown) =>
  v instanceof Uint8Array ? Buffer.from(v).toString("hex") : typeof v === "bigint" ? String(v) : v;

async function body(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (optional && text.trim() === "") return null;
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
 * `POST /aspa/reload` (`{"file"}` optional: re-reads the ASPAs, see {@link Router.loadAspas}),
 * `POST /sessions/<name>/start`, `POST /sessions/<name>/graceful-shutdown` (`{"on": false}` ends
 * it; RFC 8326, see {@link Router.gracefulShutdown}: `{"locRibChanges"}`), and for grafting `POST /sessions/<name>/graft-out` (pauses the
 * session: `{"graft": …, "connection": {localAddress, localPort, remoteAddress, remotePort}}`, the
 * graft as {@link sessionGraftToJson} gives it) and `POST /sessions/<name>/release` (forgets the
 * grafted session, withdraws what its other neighbours must lose, closes the old connection);
 * `POST /graft/in` (`{"graft": …, "tcp": <tcp-repair.py snapshot>}`: takes a grafted session over,
 * its TCP connection restored here — see {@link ControlOptions.tcpRepair}). Two-phase grafting:
 * `POST /sessions/<name>/graft-export` on the old router (`{"neighbor", "snapshot"}`, the RIB's
 * snapshot in base64; the session is journaled from then on), `POST /graft/prepare` with that on
 * the new one (`{"seq"}`), at the freeze `POST /sessions/<name>/graft-freeze` (`{"sinceSeq"}` →
 * `GET /policies` (the named policies) and `PUT /policies` (replaces them all, as the
 * configuration's `policies`: see {@link Router.setPolicies}; → `{"neighbors", "locRibChanges"}`),
 * `POST /mrt/rib` (`{"file"}`: a TABLE_DUMP_V2 snapshot of what the neighbours sent, see
 * {@link writeRibDumpAsync}; → `{"file", "prefixes", "entries"}`),
 * `{"handover", "connection"}`) and `POST /graft/resume` (`{"handover", "tcp"}` → what was sent
 * and the journal entries replayed). A graft abandoned before the release: `POST
 * /sessions/<name>/graft-abort` on the old router (the session continues there, its connection
 * thawed out of `TCP_REPAIR` first when a helper is configured; → `{"journalDropped", "unpaused",
 * "thawed"}`) and `POST /graft/discard` (`{"name"}`) on the new one (drops the prepared session).
 *
 * @example
 * ```ts
 * import { controlServer, Router } from "@dyninfra/bgp-speaker";
 * const router = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
 * const server = controlServer(router).listen(0, "127.0.0.1");
 * server.close();
 * ```
 */
export function controlServer(router: Router, options: ControlOptions = {}): Server {
  return createServer((req, res) => {
    handle(router, options, req, res).catch((e: unknown) => {
      // The RIB's errors here are about the request's data (a VRP file, a prefix).
      const status = BgpSpeakerError.isInstance(e) || BgpRibError.isInstance(e) ? 400 : 500;
      send(res, status, { error: e instanceof Error ? e.message : String(e) });
    });
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(value, replacer)}\n`);
}

/**
 * Options of {@link controlServer}.
 *
 * @example
 * ```ts
 * import type { ControlOptions } from "@dyninfra/bgp-speaker";
 * const options: ControlOptions = { tcpRepair: "/usr/lib/dyninfra/tcp-repair.py" };
 * ```
 */
export interface ControlOptions {
  /**
   * Path of `tcp-repair.py` (`@dyninfra/tcp-state-transfer`): enables `POST /graft/in` and
   * `POST /graft/resume`, which restore the grafted session's TCP connection in this process,
   * and makes `POST /sessions/<name>/graft-abort` thaw the session's own connection.
   */
  readonly tcpRepair?: string;
}

/** A request body's field that must be an object. */
function objectField(b: unknown, field: string): unknown {
  const v = (b as Record<string, unknown> | null)?.[field];
  if (v === null || typeof v !== "object")
    throw new BgpSpeakerError("BAD_REQUEST", `body: field ${field} must be an object`, { field });
  return v;
}

/** The restored TCP connection of a grafted session (needs {@link ControlOptions.tcpRepair}). */
async function restored(options: ControlOptions, body: unknown): Promise<Socket> {
  if (options.tcpRepair === undefined)
    throw new BgpSpeakerError(
      "BAD_REQUEST",
      "this router restores no TCP connection: start it with a tcp-repair.py path (--tcp-repair)",
      { field: "tcp" },
    );
  return restoreConnection(options.tcpRepair, objectField(body, "tcp"));
}

async function handle(
  router: Router,
  options: ControlOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://control");
  const path = decodeURIComponent(url.pathname);
  if (req.method === "GET" && path === "/sessions") return send(res, 200, router.sessions());
  if (req.method === "GET" && path === "/stats") return send(res, 200, router.rib.stats());
  // With Route Origin Validation configured, each route says its validity (RFC 6811) against the
  // VRPs in use now, whether or not its neighbour rejects invalid routes.
  const rov = router.spec.rpki !== undefined;
  const rpki = (r: Route) => ({
    rpki: router.roas.validate(
      r.prefix,
      originAs(r.attributes.asPath, { localAs: router.spec.asn }),
    ),
  });
  if (req.method === "GET" && path === "/routes")
    return send(
      res,
      200,
      [...router.rib.locRib()].map((r) => (rov ? { ...routeJson(r), ...rpki(r) } : routeJson(r))),
    );
  if (req.method === "GET" && path.startsWith("/routes/")) {
    const prefix = path.slice("/routes/".length);
    const explained = router.rib.explain(prefix);
    // With multipath, the routes forwarded over when there are several (the best first).
    const multipath = router.rib.multipath(prefix);
    const e =
      multipath.length > 1 ? { ...explained, multipath: multipath.map(routeJson) } : explained;
    if (!rov) return send(res, 200, e);
    return send(res, 200, {
      ...e,
      candidates: e.candidates.map((c) => ({ ...c, ...rpki(c.route) })),
      rejected: e.rejected.map((x) => ({ ...x, ...rpki(x.route) })),
    });
  }
  if (req.method === "GET" && path.startsWith("/adj-rib-out/")) {
    const n = router.sessions().find((s) => (s as { name: string }).name === path.slice(13)) as
      | { address: string }
      | undefined;
    if (n === undefined) return send(res, 404, { error: `no neighbour ${path.slice(13)}` });
    return send(res, 200, [...router.rib.adjRibOut(n.address)].map(routeJson));
  }
  const graft =
    /^\/sessions\/([^/]+)\/(graft-out|graft-export|graft-freeze|graft-abort|release)$/.exec(path);
  if (req.method === "POST" && graft !== null) {
    const [, name, verb] = graft;
    const session = router.session(name!);
    const connection = () => {
      const stream = session.pausedStream as Partial<Socket> | undefined;
      return stream?.localAddress === undefined
        ? null
        : {
            localAddress: stream.localAddress,
            localPort: stream.localPort,
            remoteAddress: stream.remoteAddress,
            remotePort: stream.remotePort,
          };
    };
    if (verb === "graft-out") {
      const g = router.graftOut(name!);
      return send(res, 200, { graft: sessionGraftToJson(g), connection: connection() });
    }
    if (verb === "graft-export") {
      // Two-phase grafting, step 1: the RIB's snapshot (it journals the session from now on).
      const neighbor = router.neighborSpec(name!);
      const snapshot = router.rib.exportSession(neighbor.address);
      return send(res, 200, { neighbor, snapshot: Buffer.from(snapshot).toString("base64") });
    }
    if (verb === "graft-freeze") {
      const b = (await body(req)) as { sinceSeq?: unknown } | null;
      if (typeof b?.sinceSeq !== "number")
        throw new BgpSpeakerError("BAD_REQUEST", "body: sinceSeq must be a number", {
          field: "sinceSeq",
        });
      const h = router.graftFreeze(name!, b.sinceSeq);
      return send(res, 200, { handover: sessionHandoverToJson(h), connection: connection() });
    }
    if (verb === "graft-abort") {
      // The graft is abandoned: the session goes on here. Its connection, if a tcp-repair.py
      // dump froze it, leaves repair mode first (with a helper configured; harmless otherwise).
      const stream = session.pausedStream;
      let thawed = false;
      if (options.tcpRepair !== undefined && stream instanceof Socket && !stream.destroyed) {
        await thawConnection(options.tcpRepair, stream);
        thawed = true;
      }
      return send(res, 200, { ...router.graftAbort(name!), thawed });
    }
    const c = router.releaseGraft(name!);
    // The old connection goes (frozen with TCP_REPAIR, its close sends nothing).
    session.pausedStream?.destroy();
    return send(res, 200, { locRibChanges: c.locRib.length });
  }
  if (req.method === "POST" && path === "/graft/in") {
    const b = await body(req);
    const g = sessionGraftFromJson(objectField(b, "graft"));
    const r = router.graftIn(g, await restored(options, b));
    return send(res, 200, deltaJson(r.neighbor));
  }
  if (req.method === "POST" && path === "/graft/prepare") {
    const b = (await body(req)) as { neighbor?: unknown; snapshot?: unknown } | null;
    if (typeof b?.snapshot !== "string")
      throw new BgpSpeakerError("BAD_REQUEST", "body: snapshot must be base64", {
        field: "snapshot",
      });
    const spec = parseRouterSpec({
      asn: router.spec.asn,
      bgpIdentifier: router.spec.bgpIdentifier,
      neighbors: [objectField(b, "neighbor")],
    }).neighbors[0]!;
    const imported = router.graftPrepare(spec, new Uint8Array(Buffer.from(b.snapshot, "base64")));
    return send(res, 200, { seq: imported.seq });
  }
  if (req.method === "GET" && path === "/policies") return send(res, 200, router.policyDefinitions);
  if (req.method === "PUT" && path === "/policies") {
    const defs = parsePolicies(await body(req), router.spec.asn);
    return send(res, 200, router.setPolicies(defs));
  }
  if (req.method === "GET" && path === "/rpki") {
    const rpki = router.spec.rpki;
    return send(res, 200, {
      vrps: router.roas.size,
      file: rpki !== undefined && "vrps" in rpki ? rpki.vrps : null,
      rtr: router.rtr?.status() ?? null,
      // Every cache configured, most preferred first.
      ...(router.rtrClients.length > 1
        ? {
            caches: router.rtrClients.map((c) => ({
              ...c.status(),
              inUse: c === router.rtr && c.hasData,
            })),
          }
        : {}),
    });
  }
  if (req.method === "POST" && path === "/aspa/reload") {
    const b = (await body(req, true)) as { file?: unknown } | null;
    const file = typeof b?.file === "string" ? b.file : router.spec.aspa;
    if (file === undefined)
      throw new BgpSpeakerError("BAD_REQUEST", 'no ASPA file: configure "aspa" or give "file"', {
        field: "file",
      });
    return send(res, 200, router.loadAspas(file));
  }
  if (req.method === "POST" && path === "/rpki/reload") {
    const b = (await body(req, true)) as { file?: unknown } | null;
    const rtr = router.rtr;
    if (rtr !== undefined) {
      // The cache is the one source of the VRPs: a file would be undone by its next update.
      if (b?.file !== undefined)
        throw new BgpSpeakerError(
          "BAD_REQUEST",
          "the VRPs come from the RTR cache (rpki.rtr): no file can be loaded",
          { field: "file" },
        );
      for (const c of router.rtrClients) c.refresh();
      return send(res, 200, { rtr: rtr.status() });
    }
    const rpki = router.spec.rpki;
    const file =
      typeof b?.file === "string"
        ? b.file
        : rpki !== undefined && "vrps" in rpki
          ? rpki.vrps
          : undefined;
    if (file === undefined)
      throw new BgpSpeakerError(
        "BAD_REQUEST",
        'no VRP file: give {"file": PATH} or configure rpki.vrps',
        {
          field: "file",
        },
      );
    return send(res, 200, { file, ...router.loadVrps(file) });
  }
  if (req.method === "POST" && path === "/mrt/rib") {
    const b = (await body(req)) as { file?: unknown } | null;
    if (typeof b?.file !== "string")
      throw new BgpSpeakerError("BAD_REQUEST", "body: file must be a path", { field: "file" });
    return send(res, 200, { file: b.file, ...(await writeRibDumpAsync(router, b.file)) });
  }
  if (req.method === "POST" && path === "/graft/discard") {
    const b = (await body(req)) as { name?: unknown } | null;
    if (typeof b?.name !== "string")
      throw new BgpSpeakerError("BAD_REQUEST", "body: name must be a string", { field: "name" });
    return send(res, 200, { locRibChanges: router.graftDiscard(b.name).locRib.length });
  }
  if (req.method === "POST" && path === "/graft/resume") {
    const b = await body(req);
    const h = sessionHandoverFromJson(objectField(b, "handover"));
    const r = router.graftResume(h, await restored(options, b));
    return send(res, 200, { ...deltaJson(r.neighbor), replayed: r.replayed });
  }
  const gshut = /^\/sessions\/([^/]+)\/graceful-shutdown$/.exec(path);
  if (req.method === "POST" && gshut !== null) {
    const b = (await body(req, true)) as { on?: unknown } | null;
    if (b?.on !== undefined && typeof b.on !== "boolean")
      throw new BgpSpeakerError("BAD_REQUEST", "body: on must be true or false", { field: "on" });
    return send(res, 200, router.gracefulShutdown(gshut[1]!, b?.on !== false));
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
