import { readFileSync, rmSync } from "node:fs";
import { type Server, Socket } from "node:net";
import { parseArgs } from "node:util";
import { notificationText } from "@dyninfra/bgp-wire";
import { BmpExporter } from "../bmp";
import { parseRouterSpec } from "../config";
import { controlServer, deltaJson } from "../control";
import { BgpSpeakerError } from "../errors";
import { sessionGraftFromJson } from "../graft-json";
import { followLocRib, forwardingRoutes, KernelRoutes } from "../kernel-routes";
import { MrtRibDumper, MrtUpdateLog } from "../mrt-dump";
import { listen, tcpConnector } from "../net";
import { Router, type RouterSpec, type SessionGraft } from "../router";

const USAGE = `usage: dyninfra-bgpd --config FILE [--graft-in GRAFT.json [--graft-fd N]]
                     [--tcp-repair PATH/tcp-repair.py] [--restarting]

Runs a BGP router described by a JSON configuration (see the package README): sessions with
every neighbour, a TCP listener ("listen"), the best routes installed in the Linux routing table
("kernel": {"table", "protocol", "metric"}; root, iproute2), an MRT log of the UPDATEs received
("mrtDump": {"updates": FILE, "interval": S}; FILE may hold strftime conversions: a new file
every S seconds), periodic TABLE_DUMP_V2 RIB dumps ("mrtDump": {"rib": PATTERN, "ribInterval":
S}), BMP reports to a monitoring station ("bmp": {"host", "port", "monitoring": ["pre-policy",
"post-policy", "adj-rib-out", "loc-rib"]}),
Route Origin Validation ("rpki": {"vrps": FILE}, a relying party's JSON, or {"rtr": {"host",
"port"}}, an RPKI cache over RFC 8210; neighbours with "importPolicy": "reject-invalid" drop
RPKI-invalid routes), ASPA-based AS_PATH verification ("aspa": FILE, a relying party's JSON;
"importPolicy": "reject-aspa-invalid" by the neighbour's "role"),
routing policies for neighbours' "importPolicy"/"exportPolicy"
("policies": {"NAME": [{"match": {...}, "set": {...}, "action": "accept"|"reject"|"next"}]})
and a JSON control interface over
HTTP ("control"):
  GET /sessions   GET /routes   GET /routes/<prefix>   GET /adj-rib-out/<name>   GET /stats
  POST /routes [ {"prefix": "198.51.100.0/24", ...} ]   DELETE /routes [ "198.51.100.0/24" ]
  POST /mrt/rib {"file": PATH}   (a TABLE_DUMP_V2 snapshot of what the neighbours sent)
  GET /rpki   POST /rpki/reload [{"file": PATH}]   (re-read the VRPs or poll the RTR cache)
  POST /aspa/reload [{"file": PATH}]   (re-read the ASPAs)
  POST /sessions/<name>/graceful-shutdown [{"on": false}]   (RFC 8326 drain, or its end)
  GET /policies   PUT /policies {"NAME": [terms]}   (replace the policies; no session reset)
  POST /sessions/<name>/refresh|stop|start
  POST /sessions/<name>/graft-out|graft-export|graft-freeze|graft-abort|release
  POST /graft/in   POST /graft/prepare   POST /graft/resume   POST /graft/discard
--graft-in takes over a session grafted out of another router (the "graft" of its graft-out,
as JSON) over the TCP connection open on descriptor N (default 3): restored there with Linux
TCP_REPAIR, e.g. by tcp-repair.py of @dyninfra/tcp-state-transfer. With --tcp-repair the control
interface's /graft/in and /graft/resume restore the connection in this process with that script.
Logs go to standard error; SIGHUP reopens the MRT update log (after logrotate moved it) and reads
the configuration file again, applying its "policies" at once (other changes take a restart);
SIGTERM or SIGINT shuts the sessions down with a Cease (and takes the
kernel routes away). SIGUSR1 stops for a graceful restart (RFC 4724): the connections close
without a Cease, so neighbours with Graceful Restart keep our routes, and the kernel keeps its
routes; started again with --restarting, the router announces Restart State (and Forwarding
State with "kernel"), waits for every neighbour's End-of-RIB before it sends anything, then
removes the kernel routes that were not learned again.`;

/**
 * Runs the daemon; resolves with a stop function once it listens (`stop(true)`: the graceful
 * stop of SIGUSR1, before a restart with `--restarting`); its `reopenLogs()` reopens the MRT
 * update log, and `reload()` (SIGHUP) does that and reads the configuration file again, applying
 * its policies.
 */
export async function main(
  argv: readonly string[],
): Promise<((graceful?: boolean) => Promise<void>) & { reopenLogs(): void; reload(): void }> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: "string" },
      "graft-in": { type: "string" },
      "graft-fd": { type: "string" },
      "tcp-repair": { type: "string" },
      restarting: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help || values.config === undefined) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return Object.assign(async (_graceful?: boolean) => {}, {
      reopenLogs: () => {},
      reload: () => {},
    });
  }
  const configFile = values.config;
  const spec = readConfig(configFile);
  // A graceful restart (RFC 4724): the routes of "kernel" survived the previous run (SIGUSR1).
  const restarting = values.restarting === true;
  const router = new Router(spec, {
    connect: tcpConnector,
    ...(restarting ? { restarting: { forwardingPreserved: spec.kernel !== undefined } } : {}),
  });
  const log = (m: string) => console.error(`${new Date().toISOString()} ${m}`);
  router.on("session", (name, from, to) => log(`session ${name}: ${from} -> ${to}`));
  router.on("warning", (name, m) => log(`session ${name}: ${m}`));
  router.on("graceful-restart", (name, m) => log(`session ${name}: graceful restart: ${m}`));
  router.on("end-of-rib", (name, f) => log(`session ${name}: End-of-RIB for ${f.afi}/${f.safi}`));
  router.on("notification", (name, dir, m) =>
    log(`session ${name}: NOTIFICATION ${dir}: ${notificationText(m)}`),
  );
  // The Loc-RIB in the kernel's routing table ("kernel"): attached before any route is learned.
  let kernel: KernelRoutes | undefined;
  if (spec.kernel !== undefined) {
    const k = new KernelRoutes(spec.kernel);
    k.on("refused", (command, message) => log(`kernel: ${command}: ${message}`));
    k.on("skipped", (r) => log(`kernel: ${r.prefix} not installed: ${r.reason}`));
    // ip -batch gone (killed, say): run it again and catch up with the whole Loc-RIB.
    k.on("exited", (code) => {
      log(`kernel: ip -batch exited (${code}): restarting it and resynchronising`);
      k.start({ keep: true })
        .then(() => k.resync(forwardingRoutes(router.rib)))
        .then(
          (r) => log(`kernel: resynchronised (${r.replaced} replaced, ${r.deleted} deleted)`),
          (e: Error) => log(`kernel: ${e.message}`),
        );
    });
    await k.start({ keep: restarting });
    // Restarting: the kernel keeps the previous run's routes until route selection is no longer
    // deferred, then gets the converged Loc-RIB whole.
    followLocRib(router, k, (r) =>
      log(
        r instanceof Error
          ? `kernel: ${r.message}`
          : `kernel: converged Loc-RIB installed (${r.replaced} route(s)); ${r.deleted} route(s) of the previous run not learned again, removed`,
      ),
    );
    kernel = k;
    const o = k.options;
    log(
      `kernel routes: table ${o.table ?? "main"}, protocol ${o.protocol ?? "bgp"}, metric ${o.metric ?? 20}`,
    );
  }
  const mrt = spec.mrtDump;
  const mrtLog =
    mrt?.updates === undefined
      ? undefined
      : new MrtUpdateLog(router, mrt.updates, {
          all: mrt.all === true,
          ...(mrt.interval === undefined ? {} : { interval: mrt.interval }),
          onFile: (file) => log(`MRT update log: ${file}`),
          onError: (e) => log(`MRT update log: ${e.message}`),
        });
  const ribDumps =
    mrt?.rib === undefined
      ? undefined
      : new MrtRibDumper(router, mrt.rib, {
          interval: mrt.ribInterval!,
          onDump: (file, w) =>
            log(`MRT RIB dump: ${file} (${w.prefixes} prefixes, ${w.entries} entries)`),
          onError: (e) => log(`MRT RIB dump: ${e.message}`),
        });
  if (ribDumps !== undefined) log(`MRT RIB dumps: ${mrt!.rib} every ${mrt!.ribInterval} s`);
  const bmp = spec.bmp === undefined ? undefined : new BmpExporter(router, spec.bmp);
  if (bmp !== undefined) log(`BMP: reporting to ${spec.bmp!.host} port ${spec.bmp!.port}`);
  const servers: { close(cb: () => void): void }[] = [];
  if (spec.listen !== undefined) {
    const s: Server = await listen(router, spec.listen.host, spec.listen.port);
    log(`listening on ${spec.listen.host} port ${spec.listen.port}`);
    servers.push(s);
  }
  const control = spec.control;
  if (control !== undefined) {
    const tcpRepair = values["tcp-repair"];
    const c = controlServer(router, tcpRepair === undefined ? {} : { tcpRepair });
    if ("socket" in control) {
      rmSync(control.socket, { force: true });
      await new Promise<void>((r) => c.listen(control.socket, () => r()));
      log(`control interface on unix socket ${control.socket}`);
    } else {
      const host = control.host ?? "127.0.0.1";
      await new Promise<void>((r) => c.listen(control.port, host, () => r()));
      log(`control interface on http://${host}:${control.port}/`);
    }
    servers.push(c);
  }
  // VRPs before any session: no route is accepted unvalidated.
  const rpki = spec.rpki;
  if (rpki !== undefined && "vrps" in rpki) {
    const r = router.loadVrps(rpki.vrps);
    log(`RPKI: ${r.vrps} VRPs from ${rpki.vrps}`);
  }
  if (spec.aspa !== undefined) {
    const r = router.loadAspas(spec.aspa);
    log(`ASPA: ${r.aspas} ASPAs from ${spec.aspa}`);
  }
  // Sessions start at once; their routes are revalidated as the caches' data arrives.
  for (const rtr of router.rtrClients) {
    const at = `${rtr.options.host} port ${rtr.options.port}`;
    rtr.on("connected", () => log(`RPKI: connected to the RTR cache at ${at}`));
    rtr.on("disconnected", (why) => log(`RPKI: RTR cache at ${at}: ${why}`));
    rtr.on("update", (u) =>
      log(
        `RPKI: ${u.reset ? "full" : "incremental"} update from the RTR cache at ${at} (session ${u.sessionId}, serial ${u.serial}): +${u.announced.length} -${u.withdrawn.length}, ${router.roas.size} VRPs in use`,
      ),
    );
  }
  for (const m of spec.mrt ?? []) {
    const r = await router.loadMrt(
      m.file,
      m.peerAddress !== undefined ? { peerAddress: m.peerAddress } : {},
    );
    log(
      `loaded ${r.announced} routes (${r.withdrawn} withdrawals) of peer ${r.peer} from ${m.file}`,
    );
  }
  router.on("converged", (why) => log(`graceful restart: route selection deferral over (${why})`));
  router.start();
  if (values["graft-in"] !== undefined) {
    const file = values["graft-in"];
    const fd = Number(values["graft-fd"] ?? 3);
    if (!Number.isInteger(fd) || fd < 0)
      throw new BgpSpeakerError(
        "BAD_CONFIG",
        `--graft-fd ${values["graft-fd"]}: not a descriptor`,
        {
          field: "--graft-fd",
        },
      );
    let graft: SessionGraft;
    try {
      graft = sessionGraftFromJson(JSON.parse(readFileSync(file, "utf8")));
    } catch (e) {
      if (BgpSpeakerError.isInstance(e)) throw e;
      throw new BgpSpeakerError("BAD_GRAFT", `cannot read ${file}: ${(e as Error).message}`, {
        field: "--graft-in",
      });
    }
    const socket = new Socket({ fd, readable: true, writable: true });
    const r = router.graftIn(graft, socket);
    log(
      `session ${graft.neighbor.name}: grafted in over descriptor ${fd}; sent ${JSON.stringify(deltaJson(r.neighbor))}`,
    );
  }
  const stop = async (graceful = false) => {
    // Gracefully (for a restart with --restarting): no Cease — the connections just close, so
    // neighbours with Graceful Restart keep our routes — and the kernel keeps its routes.
    if (graceful) {
      await kernel?.close({ keep: true });
      mrtLog?.close();
      await ribDumps?.close();
      await bmp?.close();
      return; // the process exits: the kernel closes the connections
    }
    router.stop("dyninfra-bgpd shutting down");
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    // Our routes leave the kernel with us (the neighbours withdraw theirs from us too).
    await kernel?.close();
    mrtLog?.close();
    await ribDumps?.close();
    await bmp?.close();
  };
  const reopenLogs = () => {
    if (mrtLog === undefined) return;
    try {
      mrtLog.reopen();
    } catch (e) {
      log(`MRT update log: ${(e as Error).message}`);
    }
  };
  /**
   * SIGHUP: the MRT log reopened, and the configuration file read again — its policies applied
   * (Router.setPolicies: no session reset); other settings that changed take a restart (logged).
   */
  const reload = () => {
    reopenLogs();
    try {
      const next = readConfig(configFile);
      const r = router.setPolicies(next.policies ?? {});
      const other = Object.keys({ ...spec, ...next }).filter(
        (k) =>
          k !== "policies" &&
          JSON.stringify(spec[k as keyof RouterSpec]) !==
            JSON.stringify(next[k as keyof RouterSpec]),
      );
      log(
        `configuration reloaded: policies applied${r.neighbors.length > 0 ? ` (neighbours ${r.neighbors.join(", ")}: ${r.locRibChanges} Loc-RIB change(s))` : " (no neighbour's changed)"}${other.length > 0 ? `; changed ${other.join(", ")}: not applied until a restart` : ""}`,
      );
    } catch (e) {
      log(`configuration not reloaded: ${(e as Error).message}`);
    }
  };
  return Object.assign(stop, { reopenLogs, reload });
}

/** Reads and checks the configuration file (errors name the file or the field). */
function readConfig(file: string): RouterSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new BgpSpeakerError("BAD_CONFIG", `cannot read ${file}: ${(e as Error).message}`, {
      field: "--config",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BgpSpeakerError("BAD_CONFIG", `${file} is not JSON: ${(e as Error).message}`, {
      field: "--config",
    });
  }
  return parseRouterSpec(json);
}

const isMain =
  process.argv[1] !== undefined && /dyninfra-bgpd(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then(
    (stop) => {
      const shutdown = (graceful: boolean) => () => {
        stop(graceful).then(() => process.exit(0));
      };
      process.once("SIGTERM", shutdown(false));
      process.once("SIGINT", shutdown(false));
      process.once("SIGUSR1", shutdown(true));
      process.on("SIGHUP", () => stop.reload());
    },
    (e: unknown) => {
      console.error(`dyninfra-bgpd: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(BgpSpeakerError.isInstance(e) ? 2 : 1);
    },
  );
}
