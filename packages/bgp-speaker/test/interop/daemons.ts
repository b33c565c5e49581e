// The three BGP daemons of the interop tests (Debian packages gobgpd, bird2, frr), each started
// inside a lab namespace with a generated configuration, and queried through its own CLI.

import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import type { Lab } from "./lab";
import { run, waitFor, which } from "./lab";
import { loadTable } from "./routes";

/**
 * The error lines of an FRR bgpd log. Not counted: zebra's notes about this kernel (no MPLS),
 * bgpd's STARVATION warnings (its event loop waited for the CPU: a loaded machine), and bgpd's
 * zebra client hearing of an address on an interface index before the interface itself
 * ("INTERFACE_ADDRESS_ADD: Cannot find IF n in VRF 0": the namespace's links were being set up)
 * — none of them is about BGP.
 */
export function frrErrors(log: string): string[] {
  return log
    .split("\n")
    .filter(
      (l) =>
        /\[EC \d+\]|error|ERROR/.test(l) &&
        !/STARVATION|Thread Starvation|INTERFACE_ADDRESS_(ADD|DELETE): Cannot find IF/.test(l),
    );
}

export interface DaemonNeighbor {
  readonly address: string;
  readonly asn: number;
  readonly local: string;
  /** The daemon's BGP Role towards this neighbour (RFC 9234; BIRD and FRR only). */
  readonly role?: "provider" | "customer" | "peer";
  /** FRR: keep what the neighbour sent (`soft-reconfiguration inbound`, for `received-routes`). */
  readonly keepReceived?: boolean;
  /** FRR: `maximum-prefix` for this neighbour. */
  readonly maxPrefix?: number;
  /** FRR: more `neighbor <address> …` settings (`interface eth0`, say), after `remote-as`. */
  readonly settings?: readonly string[];
}

export interface DaemonConfig {
  readonly asn: number;
  readonly routerId: string;
  readonly neighbors: readonly DaemonNeighbor[];
  readonly holdTime: number;
  /** Extra lines for the daemon's router section (FRR only). */
  readonly extraRouterConfig?: readonly string[];
  /** IPv4 prefixes the daemon originates (BIRD and FRR only). */
  readonly originate?: readonly string[];
  /**
   * IPv6 unicast on every session (over IPv4, RFC 4760): the daemon's IPv6 address on the link
   * (its next hop, RFC 2545) and the IPv6 prefixes it originates.
   */
  readonly ipv6?: { readonly nextHop: string; readonly originate: readonly string[] };
}

/** A route as a daemon shows it. */
export interface DaemonRoute {
  readonly asPath: number[];
  readonly nextHop: string;
  readonly med: number | undefined;
  readonly communities: string[];
  readonly largeCommunities: string[];
  /** Only to Customer (RFC 9234), when the daemon shows it (BIRD; FRR 8.4's JSON has no OTC). */
  readonly otc?: number;
}

export interface Daemon {
  readonly name: "bird" | "gobgp" | "frr";
  readonly available: boolean;
  start(lab: Lab, ns: string, cfg: DaemonConfig): Promise<void>;
  /** Number of prefixes in the daemon's table (of IPv6 unicast with `family` 6). */
  prefixCount(family?: 4 | 6): Promise<number>;
  /** The daemon's best route for a prefix (IPv4 or IPv6), with the global IPv6 next hop. */
  route(prefix: string): Promise<DaemonRoute | undefined>;
  /** Log lines that report errors. */
  errorLines(): string[];
  /** Makes the daemon ask `neighbor` for a route refresh. */
  requestRefresh(neighbor: string): Promise<void>;
}

// ------------------------------------------------------------------------------------------ BIRD

export function bird(): Daemon {
  let sock = "";
  let lab: Lab | undefined;
  const birdc = (...args: string[]) => run("birdc", ["-s", sock, ...args]);
  return {
    name: "bird",
    available: which("bird") && which("birdc"),
    async start(l, ns, cfg) {
      lab = l;
      sock = join(l.dir, "bird.ctl");
      const conf = [
        "log stderr all;",
        `router id ${cfg.routerId};`,
        "protocol device {}",
        ...(cfg.originate !== undefined && cfg.originate.length > 0
          ? ["protocol static { ipv4;", ...cfg.originate.map((p) => `  route ${p} blackhole;`), "}"]
          : []),
        ...(cfg.ipv6 === undefined
          ? []
          : [
              "protocol static { ipv6;",
              ...cfg.ipv6.originate.map((p) => `  route ${p} blackhole;`),
              "}",
            ]),
        ...cfg.neighbors.map(
          (n, i) => `protocol bgp n${i} {
  local ${n.local} as ${cfg.asn};
  neighbor ${n.address} as ${n.asn};
  hold time ${cfg.holdTime};${n.role === undefined ? "" : `\n  local role ${n.role};`}
  ipv4 { import all; export all; };${cfg.ipv6 === undefined ? "" : `\n  ipv6 { import all; export all; next hop address ${cfg.ipv6.nextHop}; };`}
}`,
        ),
      ].join("\n");
      const file = join(l.dir, "bird.conf");
      writeFileSync(file, conf);
      l.spawn(ns, "bird", "bird", ["-f", "-c", file, "-s", sock, "-P", join(l.dir, "bird.pid")]);
      await waitFor(
        "BIRD control socket",
        async () => (await birdc("show status")).includes("Daemon is up"),
        10_000,
        200,
      );
    },
    async prefixCount(family = 4) {
      const out = await birdc("show route count", "table", family === 6 ? "master6" : "master4");
      const m = /(\d+) of (\d+) routes for (\d+) networks/.exec(out);
      return m ? Number(m[3]) : 0;
    },
    async route(prefix) {
      // birdc fails on a network not in the table ("Network not found"): absent if BIRD is up.
      const out = await birdc("show route", prefix, "all").catch(async (e: unknown) => {
        if ((await birdc("show status")).includes("Daemon is up")) return "";
        throw e;
      });
      if (!out.includes("BGP.as_path")) return undefined;
      const attr = (name: string) => new RegExp(`BGP\\.${name}: ?(.*)`).exec(out)?.[1]?.trim();
      const med = attr("med");
      const otc = attr("otc");
      return {
        ...(otc === undefined ? {} : { otc: Number(otc) }),
        asPath: (attr("as_path") ?? "").split(" ").filter(Boolean).map(Number),
        // An IPv6 next hop may be followed by a link-local one (RFC 2545): the global one.
        nextHop: (attr("next_hop") ?? "").split(" ")[0]!,
        med: med === undefined ? undefined : Number(med),
        communities: [...(attr("community") ?? "").matchAll(/\((\d+),(\d+)\)/g)].map(
          (m) => `${m[1]}:${m[2]}`,
        ),
        largeCommunities: [
          ...(attr("large_community") ?? "").matchAll(/\((\d+), (\d+), (\d+)\)/g),
        ].map((m) => `${m[1]}:${m[2]}:${m[3]}`),
      };
    },
    errorLines() {
      // <RMT> lines report what the neighbour did (e.g. a received Cease with its shutdown
      // communication): not errors. BIRD's own errors are <ERR>/<BUG>/<FATAL> or say "Error:".
      return (lab?.log("bird") ?? "").split("\n").filter((l) => /<(ERR|BUG|FATAL)>|Error:/.test(l));
    },
    async requestRefresh() {
      await birdc("reload in all");
    },
  };
}

/**
 * The routes of `birdc show route all` output by prefix (IPv4): each one's block of text, its
 * first line and the indented attribute lines after it.
 */
export function birdRouteBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  let current = "";
  for (const line of text.split("\n")) {
    const m = /^(\d+\.\d+\.\d+\.\d+\/\d+)\s/.exec(line);
    if (m !== null) current = m[1]!;
    if (current !== "") blocks.set(current, `${blocks.get(current) ?? ""}${line}\n`);
  }
  return blocks;
}

/**
 * A BIRD 2 configuration of the scenario tests: router 192.0.2.2 (AS64501) with static protocols
 * of blackhole routes (`statics`: name → prefixes, IPv4 or IPv6) and one BGP session `d` to
 * 192.0.2.1 (AS64500), its protocol holding `bgp` lines too (timers, graceful restart, channels).
 */
export function birdScenarioConfig(
  statics: Readonly<Record<string, readonly string[]>>,
  bgp: readonly string[],
  /** The session's addresses: BIRD's `local` (none: BIRD picks) and the neighbour's. */
  session: { local?: string; neighbor: string } = { local: "192.0.2.2", neighbor: "192.0.2.1" },
): string {
  return [
    "log stderr all;",
    "router id 192.0.2.2;",
    "protocol device {}",
    ...Object.entries(statics).map(
      ([name, ps]) =>
        `protocol static ${name} { ${ps[0]?.includes(":") ? "ipv6" : "ipv4"};\n${ps.map((p) => `  route ${p} blackhole;`).join("\n")}\n}`,
    ),
    "protocol bgp d {",
    session.local === undefined ? "  local as 64501;" : `  local ${session.local} as 64501;`,
    `  neighbor ${session.neighbor} as 64500;`,
    ...bgp.map((l) => `  ${l}`),
    "}",
  ].join("\n");
}

/**
 * Whether two of BIRD's `show protocols` lines (split into columns: name, protocol, table, state,
 * since, info…) show one session that never changed state: equal but for the "since" time, which
 * may differ by a millisecond — BIRD prints its monotonic timestamp as wall time through the
 * current offset, which rounds either way from one call to the next (seen in CI: .497 then
 * .498). A session that went down and up again shows a time seconds later.
 */
export function birdSessionUnchanged(before: readonly string[], after: readonly string[]): boolean {
  const ms = (t: string | undefined): number => {
    const m = /^(\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(t ?? "");
    return m === null ? Number.NaN : ((+m[1]! * 60 + +m[2]!) * 60 + +m[3]!) * 1000 + +m[4]!;
  };
  return (
    before.length === after.length &&
    before.every((c, i) => i === 4 || c === after[i]) &&
    Math.abs(ms(before[4]) - ms(after[4])) < 5
  );
}
/**
 * Starts BIRD in namespace `ns` with configuration `config` (its log: the lab's "bird"), waits
 * until it is up, and returns a birdc for its control socket.
 */
export async function startBird(
  lab: Lab,
  ns: string,
  config: string,
): Promise<(...args: string[]) => Promise<string>> {
  const sock = join(lab.dir, "bird.ctl");
  const conf = join(lab.dir, "bird.conf");
  writeFileSync(conf, config);
  lab.spawn(ns, "bird", "bird", ["-f", "-c", conf, "-s", sock, "-P", join(lab.dir, "bird.pid")]);
  const birdc = (...args: string[]) => run("birdc", ["-s", sock, ...args]);
  await waitFor("BIRD", async () => (await birdc("show status")).includes("Daemon is up"), 10_000);
  return birdc;
}

/**
 * Namespaces d (192.0.2.1, for dyninfra D) and n (192.0.2.2), linked, with BIRD in n as
 * {@link birdScenarioConfig} describes it (`statics`, `bgp`). Returns d, n and BIRD's birdc.
 */
export async function birdBesideD(
  lab: Lab,
  statics: Readonly<Record<string, readonly string[]>>,
  bgp: readonly string[],
): Promise<{ nsD: string; nsN: string; birdc: (...args: string[]) => Promise<string> }> {
  const nsD = await lab.ns("d");
  const nsN = await lab.ns("n");
  await lab.link(nsD, "192.0.2.1/24", nsN, "192.0.2.2/24");
  return { nsD, nsN, birdc: await startBird(lab, nsN, birdScenarioConfig(statics, bgp)) };
}

/**
 * {@link birdBesideD} with BIRD announcing the first 500 prefixes of the real table: 400 in
 * static protocol `s4`, 100 in `s4b` (to withdraw with `birdc disable s4b`); its session lines
 * `bgp` besides hold time 30 s and IPv4 unicast both ways. Returns the prefixes too.
 */
export async function bird500BesideD(lab: Lab, bgp: readonly string[] = []) {
  const prefixes = loadTable()
    .slice(0, 500)
    .map((r) => r.prefix);
  const beside = await birdBesideD(lab, { s4: prefixes.slice(0, 400), s4b: prefixes.slice(400) }, [
    "hold time 30;",
    ...bgp,
    "ipv4 { import all; export all; };",
  ]);
  return { prefixes, ...beside };
}

// ----------------------------------------------------------------------------------------- GoBGP

export function gobgp(): Daemon {
  let lab: Lab | undefined;
  let ns = "";
  const api = "127.0.0.1";
  const port = "50051";
  const cli = (...args: string[]) =>
    lab!.exec(ns, "gobgp", ["-u", api, "-p", port, ...args], 60_000);
  return {
    name: "gobgp",
    available: which("gobgpd") && which("gobgp"),
    async start(l, n, cfg) {
      lab = l;
      ns = n;
      const toml = [
        "[global.config]",
        `  as = ${cfg.asn}`,
        `  router-id = "${cfg.routerId}"`,
        `  local-address-list = [${[...new Set(cfg.neighbors.map((x) => `"${x.local}"`))].join(", ")}]`,
        ...cfg.neighbors.flatMap((x) => [
          "[[neighbors]]",
          "  [neighbors.config]",
          `    neighbor-address = "${x.address}"`,
          `    peer-as = ${x.asn}`,
          "  [neighbors.timers.config]",
          `    hold-time = ${cfg.holdTime}`,
          `    keepalive-interval = ${Math.floor(cfg.holdTime / 3)}`,
          "  [neighbors.transport.config]",
          `    local-address = "${x.local}"`,
          // Families listed only for IPv6: without a list GoBGP negotiates IPv4 unicast.
          ...(cfg.ipv6 === undefined
            ? []
            : ["ipv4-unicast", "ipv6-unicast"].flatMap((f) => [
                "  [[neighbors.afi-safis]]",
                "    [neighbors.afi-safis.config]",
                `      afi-safi-name = "${f}"`,
              ])),
        ]),
      ].join("\n");
      const file = join(l.dir, "gobgp.toml");
      writeFileSync(file, toml);
      l.spawn(n, "gobgp", "gobgpd", ["-f", file, "-t", "toml", "--api-hosts", `${api}:${port}`]);
      await waitFor("GoBGP API", async () => (await cli("global")).includes("AS"), 10_000, 200);
      for (const p of cfg.ipv6?.originate ?? [])
        await cli("global", "rib", "add", "-a", "ipv6", p, "nexthop", cfg.ipv6!.nextHop);
    },
    async prefixCount(family = 4) {
      const out = await cli("global", "rib", "summary", "-a", `ipv${family}`);
      return Number(/Destination: (\d+)/.exec(out)?.[1] ?? 0);
    },
    async route(prefix) {
      const afi = prefix.includes(":") ? "ipv6" : "ipv4";
      const out = await cli("global", "rib", "-a", afi, prefix, "-j");
      const j = JSON.parse(out) as Record<
        string,
        { best?: boolean; attrs: Record<string, unknown>[] }[]
      >;
      const paths = j[prefix];
      const best = paths?.find((p) => p.best) ?? paths?.[0];
      if (best === undefined) return undefined;
      const a = (t: number) =>
        best.attrs.find((x) => x.type === t) as Record<string, unknown> | undefined;
      const segs = (a(2)?.as_paths as { asns: number[] }[] | undefined) ?? [];
      const comms = (a(8)?.communities as number[] | undefined) ?? [];
      const large =
        (a(32)?.value as { ASN: number; LocalData1: number; LocalData2: number }[] | undefined) ??
        [];
      return {
        asPath: segs.flatMap((s) => s.asns),
        // IPv4: NEXT_HOP (type 3); IPv6: MP_REACH_NLRI's (type 14).
        nextHop: String(a(3)?.nexthop ?? a(14)?.nexthop ?? ""),
        med: a(4)?.metric as number | undefined,
        communities: comms.map((c) => `${c >>> 16}:${c & 0xffff}`),
        largeCommunities: large.map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`),
      };
    },
    errorLines() {
      return (lab?.log("gobgp") ?? "")
        .split("\n")
        .filter((l) => /"level":"(error|fatal|panic)"/.test(l));
    },
    async requestRefresh(neighbor) {
      await cli("neighbor", neighbor, "softresetin");
    },
  };
}

// ------------------------------------------------------------------------------------------- FRR

const FRR = "/usr/lib/frr";

export function frr(): Daemon {
  let lab: Lab | undefined;
  let dir = "";
  const vtysh = (cmd: string) =>
    run("vtysh", ["--vty_socket", dir, "-d", "bgpd", "-c", cmd], 60_000);
  return {
    name: "frr",
    available: which("vtysh") && existsSync(join(FRR, "bgpd")),
    async start(l, ns, cfg) {
      lab = l;
      dir = l.dir;
      const conf = [
        "frr defaults traditional",
        "hostname dyninfra-interop",
        "log stdout informational",
        `router bgp ${cfg.asn}`,
        ` bgp router-id ${cfg.routerId}`,
        " no bgp ebgp-requires-policy",
        " no bgp network import-check",
        ` timers bgp ${Math.floor(cfg.holdTime / 3)} ${cfg.holdTime}`,
        ...(cfg.extraRouterConfig ?? []),
        ...cfg.neighbors.flatMap((n) => [
          ` neighbor ${n.address} remote-as ${n.asn}`,
          ...(n.settings ?? []).map((x) => ` neighbor ${n.address} ${x}`),
          ...(n.role === undefined ? [] : [` neighbor ${n.address} local-role ${n.role}`]),
        ]),
        " address-family ipv4 unicast",
        ...(cfg.originate ?? []).map((p) => `  network ${p}`),
        ...cfg.neighbors.flatMap((n) => [
          `  neighbor ${n.address} activate`,
          ...(n.keepReceived ? [`  neighbor ${n.address} soft-reconfiguration inbound`] : []),
          ...(n.maxPrefix === undefined
            ? []
            : [`  neighbor ${n.address} maximum-prefix ${n.maxPrefix}`]),
        ]),
        " exit-address-family",
        ...(cfg.ipv6 === undefined
          ? []
          : [
              " address-family ipv6 unicast",
              ...cfg.ipv6.originate.map((p) => `  network ${p}`),
              ...cfg.neighbors.map((n) => `  neighbor ${n.address} activate`),
              " exit-address-family",
            ]),
      ].join("\n");
      const file = join(l.dir, "bgpd.conf");
      writeFileSync(file, conf);
      const zsock = join(l.dir, "zserv.api");
      writeFileSync(join(l.dir, "zebra.conf"), "hostname dyninfra-interop-zebra\n");
      // FRR drops privileges to its own user: let it write its sockets into the lab folder.
      chmodSync(l.dir, 0o777);
      l.spawn(ns, "zebra", join(FRR, "zebra"), [
        "-u",
        "frr",
        "-g",
        "frr",
        "-f",
        join(l.dir, "zebra.conf"),
        "-z",
        zsock,
        "--vty_socket",
        dir,
        "-i",
        join(l.dir, "zebra.pid"),
      ]);
      await waitFor(
        "zebra socket",
        async () => (await run("ls", [dir])).includes("zserv.api"),
        10_000,
        200,
      );
      // -n: keep the routes out of the namespace's kernel table (we only compare RIBs).
      l.spawn(ns, "frr", join(FRR, "bgpd"), [
        "-u",
        "frr",
        "-g",
        "frr",
        "-n",
        "-f",
        file,
        "-z",
        zsock,
        "--vty_socket",
        dir,
        "-i",
        join(l.dir, "bgpd.pid"),
        "-p",
        "179",
      ]);
      await waitFor(
        "FRR bgpd vty",
        async () => (await vtysh("show bgp summary")).length > 0,
        10_000,
        200,
      );
    },
    async prefixCount(family = 4) {
      // Distinct prefixes in the BGP table. (The summary's ribCount counts table nodes, which
      // include the radix tree's inner nodes, not prefixes.)
      const j = JSON.parse(await vtysh(`show bgp ipv${family} unicast json`)) as {
        routes?: Record<string, unknown>;
      };
      return Object.keys(j.routes ?? {}).length;
    },
    async route(prefix) {
      const afi = prefix.includes(":") ? "ipv6" : "ipv4";
      const j = JSON.parse(await vtysh(`show bgp ${afi} unicast ${prefix} json`)) as {
        paths?: {
          bestpath?: { overall?: boolean };
          aspath?: { segments?: { list: number[] }[] };
          metric?: number;
          community?: { list: string[] };
          largeCommunity?: { list: string[] };
          nexthops?: { ip: string; scope?: string }[];
        }[];
      };
      const best = j.paths?.find((p) => p.bestpath?.overall) ?? j.paths?.[0];
      if (best === undefined) return undefined;
      return {
        asPath: (best.aspath?.segments ?? []).flatMap((s) => s.list),
        nextHop:
          (best.nexthops?.find((h) => h.scope !== "link-local") ?? best.nexthops?.[0])?.ip ?? "",
        med: best.metric,
        communities: best.community?.list ?? [],
        largeCommunities: best.largeCommunity?.list ?? [],
      };
    },
    errorLines() {
      return frrErrors(lab?.log("frr") ?? "");
    },
    async requestRefresh(neighbor) {
      await vtysh(`clear bgp ipv4 unicast ${neighbor} soft in`);
    },
  };
}

// ------------------------------------------------------------------------------ dyninfra-bgpd

const PACKAGE = resolve(import.meta.dirname, "../..");

export interface Dyninfra {
  readonly socket: string;
  /** Process id of the daemon. */
  readonly pid: number;
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<unknown>;
  put(path: string, body: unknown): Promise<unknown>;
  delete(path: string, body: unknown): Promise<unknown>;
}

/**
 * Starts `dyninfra-bgpd` from source in a namespace, with a control socket in the lab dir;
 * `prefix`: a command that runs it (execs it, keeping its process id), `args`: more arguments.
 */
export async function startDyninfra(
  lab: Lab,
  ns: string,
  name: string,
  spec: object,
  options: { prefix?: readonly string[]; args?: readonly string[] } = {},
): Promise<Dyninfra> {
  const socket = join(lab.dir, `${name}.sock`);
  const file = join(lab.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...spec, control: { socket } }));
  const command = [
    ...(options.prefix ?? []),
    process.execPath,
    "--conditions=@dyninfra/source",
    "--import",
    "tsx",
    "src/cli/dyninfra-bgpd.ts",
    "--config",
    file,
    ...(options.args ?? []),
  ];
  const proc = lab.spawn(ns, name, command[0]!, command.slice(1), PACKAGE);
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<unknown>((resolveCall, reject) => {
      // With a Content-Length: Node sends a DELETE's body unframed otherwise (no chunked
      // encoding by default for DELETE), which the server rejects.
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers = data === undefined ? {} : { "content-length": data.length };
      const req = request({ socketPath: socket, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolveCall(JSON.parse(text));
          } catch (e) {
            reject(
              new Error(`${method} ${path}: status ${res.statusCode}, not JSON: ${text}`, {
                cause: e,
              }),
            );
          }
        });
      });
      req.on("error", reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  const d: Dyninfra = {
    socket,
    pid: proc.pid!,
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    put: (path, body) => call("PUT", path, body),
    delete: (path, body) => call("DELETE", path, body),
  };
  await waitFor(
    `${name} control socket`,
    async () => Array.isArray(await d.get("/sessions")),
    30_000,
    200,
  );
  return d;
}

/** A neighbour of dyninfra as the interop tests configure it: short timers, accepting both ways. */
export function dyninfraNeighbor(
  name: string,
  address: string,
  asn: number,
  localAddress: string,
  extra: object = {},
): object {
  return {
    name,
    address,
    asn,
    localAddress,
    holdTime: 30,
    connectRetryTime: 2,
    idleHoldTime: 1,
    importPolicy: "accept",
    exportPolicy: "accept",
    ...extra,
  };
}

/** dyninfra D: AS64500, 192.0.2.1, with `neighbors`, originating `originate`. */
export function dyninfraD(neighbors: object[], originate: readonly string[] = []): object {
  return {
    asn: 64500,
    bgpIdentifier: "192.0.2.1",
    localAddress: "192.0.2.1",
    neighbors,
    originate: originate.map((prefix) => ({ prefix })),
  };
}

/**
 * Namespaces d (192.0.2.1, for dyninfra D) and f (192.0.2.2), linked, with FRR (AS64501) in f
 * started: D is its one neighbour (`n`: role, limits…), it announces `originate`. Returns d.
 */
export async function frrBesideD(
  lab: Lab,
  frrd: Daemon,
  n: Partial<DaemonNeighbor>,
  originate: readonly string[],
): Promise<string> {
  const nsD = await lab.ns("d");
  const nsF = await lab.ns("f");
  await lab.link(nsD, "192.0.2.1/24", nsF, "192.0.2.2/24");
  await frrd.start(lab, nsF, {
    asn: 64501,
    routerId: "192.0.2.2",
    holdTime: 30,
    neighbors: [{ address: "192.0.2.1", asn: 64500, local: "192.0.2.2", ...n }],
    originate,
  });
  return nsD;
}
