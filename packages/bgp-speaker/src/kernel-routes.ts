import { type ChildProcess, execFile, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import {
  type ChangeSet,
  isLinkLocal,
  type LocRibChange,
  type Rib,
  type Route,
} from "@dyninfra/bgp-rib";
import { formatPrefix } from "@dyninfra/bgp-wire";
import { BgpSpeakerError } from "./errors";
import type { Router } from "./router";

/** Where and how {@link KernelRoutes} installs the Loc-RIB in the Linux routing table. */
export interface KernelRouteOptions {
  /** Routing table (number, or a name of `/etc/iproute2/rt_tables`); default `main`. */
  readonly table?: number | string;
  /** Route protocol the routes carry, which tells ours apart (`ip route show proto bgp`); default `bgp`. */
  readonly protocol?: number | string;
  /** Route metric (priority); default 20, BIRD's and FRR's value for eBGP routes. */
  readonly metric?: number;
}

/** A Loc-RIB route {@link kernelRouteCommands} could not install, and why. */
export interface SkippedKernelRoute {
  readonly prefix: string;
  readonly reason: string;
}

/**
 * The next hop a route is installed with (the text after `via`), or why there is none. IPv4
 * routes with an IPv6 next hop (RFC 8950) go `via inet6 …`; a link-local next hop goes over the
 * interface of the session it came from, the zone of the neighbour's address (`fe80::2%eth1`).
 */
function gateway(route: Route): { via: string } | { skip: string } {
  if (route.peer === "local") return { skip: "originated here" };
  const a = route.attributes;
  const mp = a.mpReachNlri;
  // An IPv4 route's next hop is NEXT_HOP, unless an MP_REACH_NLRI of AFI 1 carried it.
  const hops =
    route.prefix.afi === 2
      ? (mp?.nextHop ?? [])
      : mp?.afi === 1
        ? mp.nextHop
        : a.nextHop !== undefined
          ? [a.nextHop]
          : [];
  const inet6 = route.prefix.afi === 1 ? "inet6 " : "";
  // RFC 2545: a global address, and maybe a link-local one: the global one.
  const global = hops.find((h) => !isLinkLocal(h) && h !== "::" && h !== "0.0.0.0");
  if (global !== undefined) return { via: global.includes(":") ? `${inet6}${global}` : global };
  const ll = hops.find(isLinkLocal);
  if (ll === undefined) return { skip: "no next hop" };
  const zone = route.peer.indexOf("%");
  const dev = zone < 0 ? "" : route.peer.slice(zone + 1);
  if (!/^[\w.@-]{1,15}$/.test(dev))
    return { skip: "only a link-local next hop, from a neighbour not on a link-local address" };
  return { via: `${inet6}${ll} dev ${dev}` };
}

/**
 * The next hops a prefix is installed with: those of its multipath routes (the best first), or of
 * its best route; routes without a usable one left out.
 */
function gateways(routes: readonly Route[]): string[] {
  const out: string[] = [];
  for (const r of routes) {
    const g = gateway(r);
    if ("via" in g && !out.includes(g.via)) out.push(g.via);
  }
  return out;
}

/** The `route replace` line of a prefix over one next hop, or several (ECMP). */
function replace(prefix: string, via: readonly string[], tail: string): string {
  if (via.length === 1) return `route replace ${prefix} via ${via[0]} ${tail}`;
  return `route replace ${prefix} ${tail} ${via.map((v) => `nexthop via ${v}`).join(" ")}`;
}

function suffix(o: KernelRouteOptions): string {
  return `proto ${o.protocol ?? "bgp"} table ${o.table ?? "main"} metric ${o.metric ?? 20}`;
}

/**
 * `ip -batch` lines that bring the kernel's routing table in step with Loc-RIB changes: `route
 * replace <prefix> via <next hop> proto … table … metric …` for a new or changed best route —
 * with multipath (`LocRibChange.multipath`, `@dyninfra/bgp-rib`'s `decision.maximumPaths`) one
 * ECMP route, `route replace <prefix> proto … table … metric … nexthop via <a> nexthop via <b>` —,
 * `route del …` for one that went (or became our own: originated routes stay out of the kernel, they are
 * local). IPv6 routes are installed via their global next hop; one with only a link-local next
 * hop via it over the interface of its neighbour's link-local address (`fe80::2%eth1`: `dev
 * eth1`), and skipped when the neighbour's address is not link-local (the interface is not known
 * here). IPv4 routes with an IPv6 next hop (RFC 8950) are installed `via inet6 …`. A route without
 * a next hop is skipped.
 *
 * @example
 * ```ts
 * import { kernelRouteCommands } from "@dyninfra/bgp-speaker";
 * const route = {
 *   prefix: { afi: 1, address: "198.51.100.0", length: 24 },
 *   attributes: { origin: "IGP", asPath: [], nextHop: "192.0.2.2" },
 *   peer: "192.0.2.2",
 * } as const;
 * kernelRouteCommands([{ prefix: route.prefix, previous: undefined, current: route }]).commands;
 * // ["route replace 198.51.100.0/24 via 192.0.2.2 proto bgp table main metric 20"]
 * ```
 */
export function kernelRouteCommands(
  changes: readonly LocRibChange[],
  options: KernelRouteOptions = {},
): { commands: string[]; skipped: SkippedKernelRoute[] } {
  const tail = suffix(options);
  const commands: string[] = [];
  const skipped: SkippedKernelRoute[] = [];
  for (const c of changes) {
    const prefix = formatPrefix({ ...c.prefix, pathId: undefined });
    const now = gateways(c.multipath ?? (c.current === undefined ? [] : [c.current]));
    const before = gateways(c.previousMultipath ?? (c.previous === undefined ? [] : [c.previous]));
    if (now.length > 0) {
      if (now.join(" ") !== before.join(" ")) commands.push(replace(prefix, now, tail));
      continue;
    }
    // Nothing to install: why, for the best route (a multipath set has usable next hops).
    if (c.current !== undefined) {
      const g = gateway(c.current);
      if ("skip" in g) skipped.push({ prefix, reason: g.skip });
    }
    if (before.length > 0) commands.push(`route del ${prefix} ${tail}`);
  }
  return { commands, skipped };
}

/** Events of {@link KernelRoutes}. */
export interface KernelRoutesEvents {
  /** A command the kernel refused: its text and ip's message. */
  refused: [command: string, message: string];
  /** A route left out of the kernel (see {@link kernelRouteCommands}). */
  skipped: [route: SkippedKernelRoute];
  /**
   * `ip -batch` ended without being asked to (killed, say): nothing is installed any more until
   * {@link KernelRoutes.start} runs it again and {@link KernelRoutes.resync} catches up.
   */
  exited: [code: number | null];
}

/** How many of the last commands are kept to name one that failed. */
const RECENT = 65_536;

/**
 * Installs the Loc-RIB in the Linux routing table — what makes a BGP speaker a router — through
 * one long-running `ip -force -batch -` (iproute2; root): {@link KernelRoutes.start} removes
 * routes of its protocol left in its table (by an earlier run), {@link KernelRoutes.apply} writes
 * the commands for Loc-RIB changes (see {@link kernelRouteCommands}), {@link KernelRoutes.close}
 * ends it and, unless asked to keep them, removes its routes. A command the kernel refuses (a
 * next hop not on a connected network, say) is a `refused` event naming the command; the others
 * go on.
 *
 * @example
 * ```ts
 * import { KernelRoutes, type Router } from "@dyninfra/bgp-speaker";
 * async function install(router: Router) {
 *   const kernel = new KernelRoutes({ table: 100 });
 *   kernel.on("refused", (command, message) => console.error(command, message));
 *   await kernel.start();
 *   router.on("changes", (c) => kernel.apply(c.locRib));
 *   return kernel;
 * }
 * ```
 */
export class KernelRoutes extends EventEmitter<KernelRoutesEvents> {
  readonly options: KernelRouteOptions;
  private readonly ip: string;
  private child: ChildProcess | undefined;
  private line = 0;
  private readonly recent = new Map<number, string>();
  private stderr = "";
  private message = "";
  private exited: Promise<void> | undefined;
  /** Commands written so far. */
  written = 0;

  constructor(options: KernelRouteOptions & { readonly ip?: string } = {}) {
    super();
    const { ip, ...rest } = options;
    if (rest.metric !== undefined && (!Number.isInteger(rest.metric) || rest.metric < 0))
      throw new BgpSpeakerError("BAD_CONFIG", `kernel.metric ${rest.metric}: not a metric`, {
        field: "kernel.metric",
      });
    for (const k of ["table", "protocol"] as const) {
      const v = rest[k];
      if (v !== undefined && !/^[A-Za-z0-9_.-]+$/.test(String(v)))
        throw new BgpSpeakerError("BAD_CONFIG", `kernel.${k} ${JSON.stringify(v)}: not a name`, {
          field: `kernel.${k}`,
        });
    }
    this.options = rest;
    this.ip = ip ?? "ip";
  }

  /**
   * Removes our leftover routes (unless `keep`: a graceful restart, whose preserved routes
   * {@link KernelRoutes.reconcile} checks once the router has converged), then starts `ip -batch`.
   */
  async start(options: { keep?: boolean } = {}): Promise<void> {
    if (this.child !== undefined) return;
    if (options.keep !== true) await this.flush();
    const child = spawn(this.ip, ["-force", "-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    this.child = child;
    child.stdin?.on("error", () => {});
    child.stderr?.on("data", (d: Buffer) => this.onStderr(d.toString("utf8")));
    this.exited = new Promise<void>((resolve, reject) => {
      child.on("error", (e) =>
        reject(
          new BgpSpeakerError("KERNEL_ROUTES", `cannot run ${this.ip}: ${e.message}`, {
            field: "kernel",
          }),
        ),
      );
      child.on("close", (code) => {
        resolve();
        if (this.child === child) {
          this.child = undefined;
          this.emit("exited", code);
        }
      });
    });
    // A spawn failure surfaces here rather than as an unhandled rejection later.
    await Promise.race([this.exited, new Promise((r) => setImmediate(r))]);
  }

  /** Writes the commands for Loc-RIB changes (nothing while not started). */
  apply(changes: readonly LocRibChange[]): void {
    const stdin = this.child?.stdin;
    if (stdin === undefined || stdin === null || changes.length === 0) return;
    const { commands, skipped } = kernelRouteCommands(changes, this.options);
    for (const s of skipped) this.emit("skipped", s);
    this.write(commands);
  }

  /** Writes commands to `ip -batch` (nothing while not started). */
  private write(commands: readonly string[]): void {
    const stdin = this.child?.stdin;
    if (stdin === undefined || stdin === null || commands.length === 0) return;
    for (const c of commands) {
      this.line++;
      this.recent.set(this.line, c);
      if (this.recent.size > RECENT) this.recent.delete(this.line - RECENT);
    }
    this.written += commands.length;
    stdin.write(`${commands.join("\n")}\n`);
  }

  /**
   * Brings the kernel's table in step with `routes` (the whole Loc-RIB: each prefix's best route,
   * or with multipath the list of its routes the best first, as {@link forwardingRoutes} gives
   * them) after commands were lost (see the `exited` event): replaces every route, then deletes
   * what `routes` lacks. Returns the number of routes written and deleted.
   */
  async resync(
    routes: readonly (Route | readonly Route[])[],
  ): Promise<{ replaced: number; deleted: number }> {
    const before = this.written;
    this.apply(
      routes.map((r) =>
        isRoute(r)
          ? { prefix: r.prefix, previous: undefined, current: r }
          : { prefix: r[0]!.prefix, previous: undefined, current: r[0], multipath: r },
      ),
    );
    const replaced = this.written - before;
    return { replaced, deleted: await this.reconcile(routes) };
  }

  /** Ends `ip -batch` (after what was written) and removes our routes unless `keep`. */
  async close(options: { keep?: boolean } = {}): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined) {
      child.stdin?.end();
      await this.exited?.catch(() => {});
    }
    if (options.keep !== true) await this.flush();
  }

  /**
   * After a graceful restart (see {@link KernelRoutes.start}): deletes the routes of our protocol
   * in our table that `routes` — the converged Loc-RIB — does not have (routes it has were
   * replaced as they were learned again). Returns how many it deleted.
   */
  async reconcile(routes: Iterable<Route | readonly Route[]>): Promise<number> {
    const want = new Set<string>();
    for (const r of routes) {
      const list = isRoute(r) ? [r] : r;
      if (list.length > 0 && gateways(list).length > 0)
        want.add(formatPrefix({ ...list[0]!.prefix, pathId: undefined }));
    }
    const gone: string[] = [];
    for (const family of ["-4", "-6"] as const) {
      const out = await this.run([family, "-j", "route", "show", ...this.selector()]);
      const list = (out.trim() === "" ? [] : JSON.parse(out)) as { dst: string }[];
      for (const k of list) {
        const v6 = family === "-6";
        const dst =
          k.dst === "default"
            ? v6
              ? "::/0"
              : "0.0.0.0/0"
            : k.dst.includes("/")
              ? k.dst
              : `${k.dst}/${v6 ? 128 : 32}`;
        if (want.has(dst)) continue;
        gone.push(`route del ${dst} ${suffix(this.options)}`);
      }
    }
    this.write(gone);
    return gone.length;
  }

  /** Removes every route of our protocol from our table (IPv4 and IPv6). */
  private async flush(): Promise<void> {
    for (const family of ["-4", "-6"])
      await this.run([family, "route", "flush", ...this.selector()]);
  }

  /** `proto P table T`: our routes. */
  private selector(): string[] {
    const o = this.options;
    return ["proto", String(o.protocol ?? "bgp"), "table", String(o.table ?? "main")];
  }

  /** Runs ip(8) once; its output, or a KERNEL_ROUTES error with ip's message. */
  private run(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) =>
      execFile(this.ip, [...args], (e, stdout, err) => {
        if (e === null) resolve(stdout);
        else
          reject(
            new BgpSpeakerError(
              "KERNEL_ROUTES",
              `${this.ip} ${args.slice(0, 3).join(" ")}: ${String(err).trim() || e.message}`,
              { field: "kernel" },
            ),
          );
      }),
    );
  }

  private onStderr(text: string): void {
    this.stderr += text;
    let nl = this.stderr.indexOf("\n");
    while (nl >= 0) {
      const l = this.stderr.slice(0, nl).trim();
      this.stderr = this.stderr.slice(nl + 1);
      // ip prints the error, then "Command failed -:<line>".
      const failed = /^Command failed -:(\d+)$/.exec(l);
      if (failed !== null) {
        const n = Number(failed[1]);
        this.emit("refused", this.recent.get(n) ?? `line ${n}`, this.message || "failed");
        this.message = "";
      } else if (l !== "") this.message = this.message === "" ? l : `${this.message}; ${l}`;
      nl = this.stderr.indexOf("\n");
    }
  }
}

const isRoute = (r: Route | readonly Route[]): r is Route => !Array.isArray(r);

/**
 * The Loc-RIB as the kernel gets it: each prefix's best route, or with multipath
 * (`decision.maximumPaths` / `maximumPathsIbgp` above 1) the list of routes it forwards over when
 * there are several (the best first).
 *
 * @example
 * ```ts
 * import { Rib } from "@dyninfra/bgp-rib";
 * import { forwardingRoutes } from "@dyninfra/bgp-speaker";
 * forwardingRoutes(new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" })); // []
 * ```
 */
export function forwardingRoutes(rib: Rib): (Route | readonly Route[])[] {
  const d = rib.config.decision;
  const multipath = (d?.maximumPaths ?? 1) > 1 || (d?.maximumPathsIbgp ?? 1) > 1;
  const out: (Route | readonly Route[])[] = [];
  for (const r of rib.locRib()) {
    if (!multipath) {
      out.push(r);
      continue;
    }
    const m = rib.multipath(r.prefix);
    out.push(m.length > 1 ? m : r);
  }
  return out;
}

/**
 * Keeps the kernel's routes in step with a router's Loc-RIB: each batch's changes as they come —
 * except while a restarting router defers route selection (RFC 4724 §4.1, {@link Router.deferring}):
 * the kernel then keeps forwarding on the previous run's routes, untouched by the partial Loc-RIB
 * of the neighbours back so far, and gets the converged Loc-RIB whole when the deferral ends
 * ({@link KernelRoutes.resync}: every route replaced, those not learned again deleted; `onResync`
 * gets the counts). Returns a function that stops following.
 *
 * @example
 * ```ts
 * import { followLocRib, KernelRoutes, type Router } from "@dyninfra/bgp-speaker";
 * const install = (router: Router) => followLocRib(router, new KernelRoutes());
 * ```
 */
export function followLocRib(
  router: Router,
  kernel: Pick<KernelRoutes, "apply" | "resync">,
  onResync?: (result: { replaced: number; deleted: number } | Error) => void,
): () => void {
  const onChanges = (c: ChangeSet) => {
    if (!router.deferring) kernel.apply(c.locRib);
  };
  const onConverged = () => {
    kernel.resync(forwardingRoutes(router.rib)).then(
      (r) => onResync?.(r),
      (e: Error) => onResync?.(e),
    );
  };
  router.on("changes", onChanges);
  if (router.deferring) router.once("converged", onConverged);
  return () => {
    router.off("changes", onChanges);
    router.off("converged", onConverged);
  };
}
