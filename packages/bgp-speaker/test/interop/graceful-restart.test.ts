// Graceful Restart, dyninfra as receiving speaker (RFC 4724 §4.2), against real daemons that
// restart: BIRD (`graceful restart on`, back with `bird -R`), FRR (`bgp graceful-restart`,
// `preserve-fw-state`) and GoBGP (graceful-restart enabled, back with `gobgpd -r`). The daemon
// (AS64501) announces real prefixes to dyninfra D (AS64500) and is killed (SIGKILL: the TCP
// connection closes with no NOTIFICATION); D must keep every route, marked stale, with the
// daemon's Restart Time running. The daemon comes back announcing three quarters of them: D must
// never have lost a route meanwhile, and on the daemon's End-of-RIB it must sweep exactly the
// quarter not re-announced. Killed again and left down, the daemon's routes must all go when its
// Restart Time runs out.
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Dyninfra } from "./daemons";
import {
  birdScenarioConfig,
  dyninfraD,
  dyninfraNeighbor,
  frrErrors,
  startDyninfra,
} from "./daemons";
import { isRoot, Lab, run, waitFor, watchLowest, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const RESTART_TIME = 20;
const FRR = "/usr/lib/frr";
const base = isRoot && which("ip") && tablePresent;
const birdReady = base && which("bird") && which("birdc");
const frrReady = base && which("vtysh") && existsSync(join(FRR, "bgpd"));
const gobgpReady = base && which("gobgpd") && which("gobgp");
if (!base)
  console.warn("interop graceful restart: skipped — needs root, iproute2 and ../shared/data/bgp");
else {
  if (!birdReady) console.warn("interop graceful restart: BIRD (bird2) is not installed — skipped");
  if (!frrReady) console.warn("interop graceful restart: FRR (frr) is not installed — skipped");
  if (!gobgpReady)
    console.warn("interop graceful restart: GoBGP (gobgpd) is not installed — skipped");
}

/** A daemon in namespace `ns` at 192.0.2.2 (AS64501) announcing `routes`, restartable. */
interface Restartable {
  /** Routes announced at first; three quarters of them after the restart. */
  readonly routes: number;
  start(
    lab: Lab,
    ns: string,
    routes: readonly string[],
    restarting: boolean,
  ): Promise<ChildProcess>;
  /** The daemon's own count of the prefixes it announces. */
  count(lab: Lab): Promise<number>;
  /** Log lines of the daemon that report errors. */
  errors(lab: Lab): string[];
}

const birdDaemon: Restartable = (() => {
  let starts = 0;
  return {
    routes: 2_000,
    async start(lab, ns, routes, restarting) {
      const file = join(lab.dir, `bird-${routes.length}.conf`);
      writeFileSync(
        file,
        birdScenarioConfig({ s4: routes }, [
          "hold time 30;",
          "connect retry time 2;",
          "graceful restart on;",
          `graceful restart time ${RESTART_TIME};`,
          "ipv4 { import all; export all; };",
        ]),
      );
      // -R: graceful restart recovery (Restart State bit, Forwarding State bits).
      return lab.spawn(ns, `bird-${++starts}`, "bird", [
        "-f",
        ...(restarting ? ["-R"] : []),
        "-c",
        file,
        "-s",
        join(lab.dir, "bird.ctl"),
        "-P",
        join(lab.dir, "bird.pid"),
      ]);
    },
    async count(lab) {
      const out = await run("birdc", ["-s", join(lab.dir, "bird.ctl"), "show", "route", "count"]);
      return Number(/(\d+) of \d+ routes/.exec(out)?.[1] ?? -1);
    },
    errors(lab) {
      return Array.from({ length: starts }, (_, i) => lab.log(`bird-${i + 1}`))
        .join("\n")
        .split("\n")
        .filter((l) => /<(ERR|BUG|FATAL)>/.test(l) && !/Shutdown completed/.test(l));
    },
  };
})();

/** FRR, restartable; `extra`: more lines for its `router bgp` section. */
const makeFrrDaemon = (extra: readonly string[] = []): Restartable => {
  let starts = 0;
  let zebra = false;
  return {
    routes: 2_000,
    async start(lab, ns, routes) {
      const dir = lab.dir;
      chmodSync(dir, 0o777);
      const zsock = join(dir, "zserv.api");
      if (!zebra) {
        writeFileSync(join(dir, "zebra.conf"), "hostname gr-zebra\n");
        lab.spawn(ns, "zebra", join(FRR, "zebra"), [
          ..."-u frr -g frr".split(" "),
          ...["-f", join(dir, "zebra.conf"), "-z", zsock, "--vty_socket", dir],
          ...["-i", join(dir, "zebra.pid")],
        ]);
        zebra = true;
        // bgpd started before zebra's socket exists logs zclient errors: wait for it.
        await waitFor(
          "zebra socket",
          async () => (await run("ls", [dir])).includes("zserv.api"),
          10_000,
          200,
        );
      }
      const file = join(dir, `bgpd-${routes.length}.conf`);
      writeFileSync(
        file,
        [
          "frr defaults traditional",
          "hostname gr-frr",
          "log stdout informational",
          "router bgp 64501",
          " bgp router-id 192.0.2.2",
          " no bgp ebgp-requires-policy",
          " no bgp network import-check",
          " timers bgp 10 30",
          " bgp graceful-restart",
          " bgp graceful-restart preserve-fw-state",
          ` bgp graceful-restart restart-time ${RESTART_TIME}`,
          ...extra,
          " neighbor 192.0.2.1 remote-as 64500",
          " neighbor 192.0.2.1 timers connect 2",
          " address-family ipv4 unicast",
          ...routes.map((p) => `  network ${p}`),
          "  neighbor 192.0.2.1 activate",
          " exit-address-family",
        ].join("\n"),
      );
      return lab.spawn(ns, `frr-${++starts}`, join(FRR, "bgpd"), [
        ..."-u frr -g frr -n".split(" "),
        ...["-f", file, "-z", zsock, "--vty_socket", dir, "-i", join(dir, "bgpd.pid")],
        ...["-p", "179"],
      ]);
    },
    async count(lab) {
      const out = await run("vtysh", [
        "--vty_socket",
        lab.dir,
        "-d",
        "bgpd",
        "-c",
        "show bgp ipv4 unicast json",
      ]);
      const j = JSON.parse(out) as { routes?: Record<string, unknown> };
      return Object.keys(j.routes ?? {}).length;
    },
    errors(lab) {
      return frrErrors(
        Array.from({ length: starts }, (_, i) => lab.log(`frr-${i + 1}`)).join("\n"),
      );
    },
  };
};
const frrDaemon = makeFrrDaemon();

interface GrSession {
  name: string;
  state: string;
  gracefulRestart: {
    phase: string;
    staleRoutes: number;
    restartRemaining: number | null;
    lastSweep: { reason: string } | null;
    restarts: number;
    peer: {
      restartTime: number;
      restartState: boolean;
      notification: boolean;
      families: unknown[];
    } | null;
    endOfRibReceived: string[];
    endOfRibSent: string[];
  };
  counters: { notificationsReceived: number; notificationsSent: number };
}

/** The first `n` prefixes of the real table. */
const firstPrefixes = (n: number): string[] =>
  loadTable()
    .slice(0, n)
    .map((r) => r.prefix);

/** Namespaces d (192.0.2.1, dyninfra) and b (192.0.2.2, the daemon), linked. */
async function linkedPair(lab: Lab): Promise<{ nsD: string; nsB: string }> {
  const nsD = await lab.ns("d");
  const nsB = await lab.ns("b");
  await lab.link(nsD, "192.0.2.1/24", nsB, "192.0.2.2/24");
  return { nsD, nsB };
}

/** D (AS64500) with the daemon as neighbour "bird" (its name in every scenario here). */
const dSpec = (extra: object = {}) =>
  dyninfraD([
    dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", { staleRoutesTime: 120, ...extra }),
  ]);

const session = async (d: Dyninfra) =>
  ((await d.get("/sessions")) as GrSession[]).find((s) => s.name === "bird")!;
const locRib = async (d: Dyninfra) =>
  ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;

/** GoBGP, restartable; `extraGr`: more lines for the neighbour's graceful-restart config. */
const makeGobgpDaemon = (
  extraGr: readonly string[] = [],
  restartTime = RESTART_TIME,
  extraAfi: readonly string[] = [],
): Restartable & { cli(lab: Lab, ...args: string[]): Promise<string> } => {
  let starts = 0;
  let ns = "";
  const cli = (lab: Lab, ...args: string[]) =>
    lab.exec(ns, "gobgp", ["-u", "127.0.0.1", "-p", "50051", ...args], 60_000);
  return {
    cli,
    // Routes go in one CLI call each: fewer than for the others.
    routes: 200,
    async start(lab, n, routes, restarting) {
      ns = n;
      const file = join(lab.dir, `gobgp-${++starts}.toml`);
      writeFileSync(
        file,
        [
          "[global.config]",
          "  as = 64501",
          '  router-id = "192.0.2.2"',
          '  local-address-list = ["192.0.2.2"]',
          "[[neighbors]]",
          "  [neighbors.config]",
          '    neighbor-address = "192.0.2.1"',
          "    peer-as = 64500",
          // Down until its routes are in: a restarting speaker must announce them all before
          // its End-of-RIB.
          "    admin-down = true",
          "  [neighbors.timers.config]",
          "    hold-time = 30",
          "    keepalive-interval = 10",
          "    connect-retry = 2",
          "  [neighbors.transport.config]",
          '    local-address = "192.0.2.2"',
          "  [neighbors.graceful-restart.config]",
          "    enabled = true",
          `    restart-time = ${restartTime}`,
          ...extraGr,
          "  [[neighbors.afi-safis]]",
          "    [neighbors.afi-safis.config]",
          '      afi-safi-name = "ipv4-unicast"',
          "    [neighbors.afi-safis.mp-graceful-restart.config]",
          "      enabled = true",
          ...extraAfi,
        ].join("\n"),
      );
      const proc = lab.spawn(ns, `gobgp-${starts}`, "gobgpd", [
        ...["-f", file, "-t", "toml", "--api-hosts", "127.0.0.1:50051"],
        // -r: Restart State bit in the Graceful Restart capability.
        ...(restarting ? ["-r"] : []),
      ]);
      await waitFor(
        "GoBGP API",
        async () => (await cli(lab, "global")).includes("AS"),
        10_000,
        200,
      );
      for (let i = 0; i < routes.length; i += 10)
        await Promise.all(
          routes.slice(i, i + 10).map((p) => cli(lab, "global", "rib", "add", "-a", "ipv4", p)),
        );
      await cli(lab, "neighbor", "192.0.2.1", "enable");
      return proc;
    },
    async count(lab) {
      const out = await cli(lab, "global", "rib", "summary", "-a", "ipv4");
      return Number(/Destination: (\d+)/.exec(out)?.[1] ?? -1);
    },
    errors(lab) {
      return Array.from({ length: starts }, (_, i) => lab.log(`gobgp-${i + 1}`))
        .join("\n")
        .split("\n")
        .filter((l) => /"level":"(error|fatal|panic)"/.test(l));
    },
  };
};
const gobgpDaemon = makeGobgpDaemon();

for (const [name, daemon, ready] of [
  ["BIRD", birdDaemon, birdReady],
  ["FRR", frrDaemon, frrReady],
  ["GoBGP", gobgpDaemon, gobgpReady],
] as const) {
  describe.runIf(ready)(`interop: graceful restart with ${name} restarting`, () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());

    it(`retains ${name}'s routes stale across its restart, sweeps at End-of-RIB and at Restart Time`, async () => {
      const all = daemon.routes;
      const kept = (all * 3) / 4;
      const prefixes = firstPrefixes(all);
      const { nsD, nsB } = await linkedPair(lab);
      let proc = await daemon.start(lab, nsB, prefixes, false);
      const d = await startDyninfra(lab, nsD, "dyninfra-d", dSpec());
      await waitFor(`the ${all} routes`, async () => (await locRib(d)) === all, 90_000);
      const first = await session(d);
      expect(first.state).toBe("Established");
      expect(first.gracefulRestart.peer?.restartTime).toBe(RESTART_TIME);
      // We told the daemon we are done with our initial table (it waits for it when restarting).
      expect(first.gracefulRestart.endOfRibSent).toEqual(["1/1"]);

      // Watch the Loc-RIB through the restart: no route may be lost before the End-of-RIB.
      const watch = watchLowest(() => locRib(d));

      proc.kill("SIGKILL");
      await waitFor(
        "D to notice the loss of the connection",
        async () => (await session(d)).gracefulRestart.phase === "restarting",
        60_000,
        100,
      );
      const down = await session(d);
      expect(down.state).not.toBe("Established");
      expect(down.gracefulRestart.staleRoutes).toBe(all);
      expect(down.gracefulRestart.restartRemaining).toBeGreaterThan(RESTART_TIME - 10);
      expect(await locRib(d)).toBe(all);

      // Back, restarting, without the last quarter of the routes.
      proc = await daemon.start(lab, nsB, prefixes.slice(0, kept), true);
      await waitFor(
        "the sweep at the End-of-RIB",
        async () => {
          const s = await session(d);
          return s.state === "Established" && s.gracefulRestart.phase === "none";
        },
        90_000,
        100,
      );
      const lowest = await watch.stop();
      const back = await session(d);
      expect(back.gracefulRestart.peer?.restartState).toBe(true);
      expect(back.gracefulRestart.endOfRibReceived).toEqual(["1/1"]);
      expect(back.gracefulRestart.lastSweep?.reason).toMatch(/End-of-RIB/);
      expect(back.gracefulRestart.staleRoutes).toBe(0);
      expect(await locRib(d)).toBe(kept);
      expect(lowest).toBeGreaterThanOrEqual(kept);
      expect(await daemon.count(lab)).toBe(kept);

      // Killed again and not restarted: everything goes when the Restart Time runs out.
      proc.kill("SIGKILL");
      await waitFor(
        "the routes retained again",
        async () => (await session(d)).gracefulRestart.phase === "restarting",
        60_000,
        100,
      );
      expect(await locRib(d)).toBe(kept);
      await waitFor(
        "the sweep when the Restart Time runs out",
        async () => (await locRib(d)) === 0,
        (RESTART_TIME + 30) * 1000,
        250,
      );
      const gone = await session(d);
      expect(gone.gracefulRestart.lastSweep?.reason).toMatch(/Restart Time/);
      expect(gone.gracefulRestart.restarts).toBe(2);
      expect(daemon.errors(lab)).toEqual([]);
      const errors = lab
        .log("dyninfra-d")
        .split("\n")
        // The daemon is killed with SIGKILL on purpose: when its socket still held unread data
        // the kernel answers with a reset, which D logs as ECONNRESET — the scenario, not a fault.
        .filter((l) => /error|uncaught/i.test(l) && !/transport error: read ECONNRESET$/.test(l));
      expect(errors).toEqual([]);
    });
  });
}

// RFC 8538 against FRR (`bgp graceful-restart notification`; `no bgp hard-administrative-reset`,
// so that its Administrative Reset is a graceful one) and GoBGP (`notification-enabled`): with the
// N bit exchanged, the daemon's reset of the session (a NOTIFICATION, Cease / Administrative
// Reset) must leave D's routes in place, retained stale until the daemon's End-of-RIB; its
// shutdown of the neighbour (Administrative Shutdown, sent as a Hard Reset) must withdraw them at
// once; and D's own stop must reach the daemon as a Hard Reset.
interface NBitDaemon {
  readonly daemon: Restartable;
  /**
   * Whether its new OPEN after the reset sets the Forwarding State bit (FRR, `preserve-fw-state`):
   * then the stale routes wait for its End-of-RIB; else (GoBGP, not restarting) RFC 4724 §4.2 has
   * them swept as the session comes back, and the daemon announces them again.
   */
  readonly forwardingState: boolean;
  /**
   * Whether its shutdown of the neighbour goes as a Hard Reset (RFC 8538 §5.1; FRR). GoBGP 3.10
   * sends a plain Administrative Shutdown, which D — seeing no Hard Reset — must take gracefully.
   */
  readonly shutdownIsHardReset: boolean;
  reset(lab: Lab): Promise<unknown>;
  shutdown(lab: Lab): Promise<unknown>;
  noShutdown(lab: Lab): Promise<unknown>;
  /** Whether the daemon logged a Hard Reset received from D. */
  hardResetReceived(lab: Lab): boolean;
}

const nbitFrr = (): NBitDaemon => {
  const daemon = makeFrrDaemon([
    " bgp graceful-restart notification",
    " no bgp hard-administrative-reset",
    " bgp log-neighbor-changes",
  ]);
  const vtysh = (lab: Lab, ...commands: string[]) =>
    run("vtysh", ["--vty_socket", lab.dir, "-d", "bgpd", ...commands.flatMap((c) => ["-c", c])]);
  const bgp = ["configure terminal", "router bgp 64501"];
  return {
    daemon,
    forwardingState: true,
    shutdownIsHardReset: true,
    reset: (lab) => vtysh(lab, "clear bgp 192.0.2.1"),
    shutdown: (lab) => vtysh(lab, ...bgp, "neighbor 192.0.2.1 shutdown"),
    noShutdown: (lab) => vtysh(lab, ...bgp, "no neighbor 192.0.2.1 shutdown"),
    hardResetReceived: (lab) =>
      /Hard Reset.*received from (neighbor )?192\.0\.2\.1/.test(lab.log("frr-1")),
  };
};

const nbitGobgp = (): NBitDaemon => {
  // GoBGP stays idle for 30 s after its reset: a Restart Time that outlasts it.
  const daemon = makeGobgpDaemon(["    notification-enabled = true"], 90);
  return {
    daemon,
    forwardingState: false,
    shutdownIsHardReset: false,
    reset: (lab) => daemon.cli(lab, "neighbor", "192.0.2.1", "reset"),
    shutdown: (lab) => daemon.cli(lab, "neighbor", "192.0.2.1", "disable"),
    noShutdown: (lab) => daemon.cli(lab, "neighbor", "192.0.2.1", "enable"),
    hardResetReceived: (lab) => /hard.?reset/i.test(lab.log("gobgp-1")),
  };
};

for (const [name, make, ready] of [
  ["FRR", nbitFrr, frrReady],
  ["GoBGP", nbitGobgp, gobgpReady],
] as const) {
  describe.runIf(ready)(`interop: Notification (N) bit with ${name} (RFC 8538)`, () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());
    const x = make();

    it(`a NOTIFICATION keeps ${name}'s routes (graceful), only a Hard Reset withdraws them, and ours is sent as one`, async () => {
      const all = x.daemon.routes;
      const prefixes = firstPrefixes(all);
      const { nsD, nsB } = await linkedPair(lab);
      await x.daemon.start(lab, nsB, prefixes, false);
      const d = await startDyninfra(
        lab,
        nsD,
        "dyninfra-d",
        dSpec({ capabilities: { gracefulRestart: { restartTime: 120, notification: true } } }),
      );
      await waitFor(`the ${all} routes`, async () => (await locRib(d)) === all, 90_000);
      expect((await session(d)).gracefulRestart.peer?.notification).toBe(true);

      // 1. The daemon resets the session with a NOTIFICATION: no route may be lost.
      const watch = watchLowest(() => locRib(d), 50);
      await x.reset(lab);
      await waitFor(
        "D to retain the routes",
        async () => (await session(d)).gracefulRestart.restarts === 1,
        30_000,
        50,
      );
      expect(await locRib(d)).toBe(all); // retained (stale), not withdrawn
      /** The session Established, nothing stale, every route in. */
      const settled = async () => {
        const s = await session(d);
        return (
          s.state === "Established" &&
          s.gracefulRestart.phase === "none" &&
          (await locRib(d)) === all
        );
      };
      await waitFor(`${name} back with its routes`, settled, 90_000, 100);
      const lowest = await watch.stop();
      const back = await session(d);
      expect(back.counters.notificationsReceived).toBe(1);
      if (x.forwardingState) {
        expect(back.gracefulRestart.lastSweep?.reason).toMatch(/End-of-RIB/);
        expect(lowest).toBe(all); // no route lost at any time
      } else expect(back.gracefulRestart.lastSweep?.reason).toMatch(/Forwarding State/);

      // 2. The daemon shuts the neighbour down: Administrative Shutdown — as a Hard Reset, all
      // withdrawn at once; as it is, retained like any other NOTIFICATION.
      await x.shutdown(lab);
      if (x.shutdownIsHardReset) {
        await waitFor("the routes withdrawn", async () => (await locRib(d)) === 0, 30_000, 100);
        expect(lab.log("dyninfra-d")).toMatch(
          /NOTIFICATION received: 6\/9 Cease \/ Hard Reset \(6\/2 Cease \/ Administrative Shutdown/,
        );
        const hard = await session(d);
        expect(hard.gracefulRestart.phase).toBe("none");
        expect(hard.gracefulRestart.restarts).toBe(1);
      } else {
        await waitFor(
          "the routes retained again",
          async () => (await session(d)).gracefulRestart.restarts === 2,
          30_000,
          100,
        );
        expect(await locRib(d)).toBe(all);
      }
      expect((await session(d)).counters.notificationsReceived).toBe(2);

      // 3. Back up; then D stops the session: the daemon must log a Hard Reset received.
      await x.noShutdown(lab);
      await waitFor(`the session and the ${all} routes again`, settled, 90_000);
      await d.post("/sessions/bird/stop", { message: "decommissioned" });
      await waitFor(
        `${name} to log the Hard Reset`,
        async () => x.hardResetReceived(lab),
        30_000,
        200,
      );
      expect(x.daemon.errors(lab)).toEqual([]);
    });
  });
}

// Long-Lived Graceful Restart (RFC 9494) against FRR (`bgp long-lived-graceful-restart
// stale-time`) and GoBGP (`long-lived-enabled`, per family `long-lived-graceful-restart`), each
// with a Restart Time of 4 s and a Long-Lived Stale Time of 20 s (BIRD: llgr.test.ts, with
// neighbours on both sides of D). Killed, the daemon's routes stay at D past the Restart Time,
// long-lived stale (every one marked LLGR_STALE); back (restarting) with three quarters of them
// and the Forwarding State bit in its new LLGR capability, D keeps the long-lived ones until the
// daemon's End-of-RIB (RFC 9494 §4.2) and holds exactly the three quarters, unmarked; killed again and left down, its routes go when the
// Long-Lived Stale Time runs out — after the Restart Time, not before.
const LL_RESTART = 4;
const LL_STALE = 20;
const LLGR_STALE = 0xffff0006;
for (const [name, daemon, ready] of [
  [
    "FRR",
    makeFrrDaemon([
      ` bgp graceful-restart restart-time ${LL_RESTART}`,
      ` bgp long-lived-graceful-restart stale-time ${LL_STALE}`,
    ]),
    frrReady,
  ],
  [
    "GoBGP",
    makeGobgpDaemon(["    long-lived-enabled = true"], LL_RESTART, [
      "    [neighbors.afi-safis.long-lived-graceful-restart.config]",
      "      enabled = true",
      `      restart-time = ${LL_STALE}`,
    ]),
    gobgpReady,
  ],
] as const) {
  describe.runIf(ready)(`interop: Long-Lived Graceful Restart with ${name} restarting`, () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());

    it(`keeps ${name}'s routes long-lived stale past its Restart Time, sweeps at End-of-RIB and at the Long-Lived Stale Time`, async () => {
      const all = daemon.routes;
      const kept = (all * 3) / 4;
      const prefixes = firstPrefixes(all);
      const { nsD, nsB } = await linkedPair(lab);
      let proc = await daemon.start(lab, nsB, prefixes, false);
      const d = await startDyninfra(
        lab,
        nsD,
        "dyninfra-d",
        dSpec({ capabilities: { longLivedGracefulRestart: { staleTime: 60 } } }),
      );
      await waitFor(`the ${all} routes`, async () => (await locRib(d)) === all, 90_000);
      const ll = async () => (await session(d)) as unknown as LlSession;
      const marked = async () =>
        ((await d.get("/routes")) as { attributes: { communities?: number[] } }[]).filter((r) =>
          r.attributes.communities?.includes(LLGR_STALE),
        ).length;
      expect((await ll()).gracefulRestart.peerLongLived?.families).toEqual([
        { afi: 1, safi: 1, forwardingState: expect.any(Boolean), staleTime: LL_STALE },
      ]);

      proc.kill("SIGKILL");
      await waitFor(
        "the long-lived stale period",
        async () => (await ll()).gracefulRestart.phase === "long-lived",
        (LL_RESTART + 30) * 1000,
        100,
      );
      expect(await locRib(d)).toBe(all);
      expect(await marked()).toBe(all);
      expect((await ll()).gracefulRestart.longLived.map((f) => [f.afi, f.safi])).toEqual([[1, 1]]);

      proc = await daemon.start(lab, nsB, prefixes.slice(0, kept), true);
      await waitFor(
        "the sweep of the routes not announced again",
        async () => {
          const s = await ll();
          return s.state === "Established" && s.gracefulRestart.phase === "none";
        },
        90_000,
        100,
      );
      await waitFor(`the ${kept} routes`, async () => (await locRib(d)) === kept, 30_000);
      const back = (await ll()).gracefulRestart;
      // Both set the Forwarding State bit when restarting: the long-lived routes wait for EoR.
      expect(back.peerLongLived?.families[0]?.forwardingState).toBe(true);
      expect(back.lastSweep?.reason).toMatch(/End-of-RIB/);
      expect(await marked()).toBe(0);
      expect(await daemon.count(lab)).toBe(kept);

      proc.kill("SIGKILL");
      await waitFor(
        "long-lived stale again",
        async () => (await ll()).gracefulRestart.phase === "long-lived",
        (LL_RESTART + 30) * 1000,
        100,
      );
      const since = Date.now();
      expect(await locRib(d)).toBe(kept);
      await waitFor(
        "the sweep at the Long-Lived Stale Time",
        async () => (await locRib(d)) === 0,
        (LL_STALE + 20) * 1000,
        250,
      );
      expect(Date.now() - since).toBeGreaterThan((LL_STALE - 3) * 1000);
      expect((await ll()).gracefulRestart.lastSweep?.reason).toMatch(/Long-Lived Stale Time/);
      expect(daemon.errors(lab)).toEqual([]);
    });
  });
}

interface LlSession {
  state: string;
  gracefulRestart: {
    phase: string;
    lastSweep: { reason: string } | null;
    longLived: { afi: number; safi: number }[];
    peerLongLived: { families: { forwardingState: boolean; staleTime: number }[] } | null;
  };
}
