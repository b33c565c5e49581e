// Graceful Restart, dyninfra as receiving speaker (RFC 4724 §4.2), against a real BIRD that
// restarts: BIRD (AS64501, `graceful restart on`) announces 2,000 real prefixes to dyninfra D
// (AS64500). BIRD is killed (SIGKILL: the TCP connection closes with no NOTIFICATION); D must keep
// every route, marked stale, with BIRD's Restart Time running. BIRD comes back in graceful-restart
// recovery (`bird -R`) announcing 1,500 of them: D must never have lost a route meanwhile, and on
// BIRD's End-of-RIB it must sweep exactly the 500 not re-announced. Killed again and left down,
// BIRD's routes must all go when its Restart Time runs out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Dyninfra } from "./daemons";
import { startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const RESTART_TIME = 20;
const ready = isRoot && which("ip") && which("bird") && which("birdc") && tablePresent;
if (!ready)
  console.warn(
    "interop graceful restart: skipped — needs root, iproute2, BIRD (bird2) and ../shared/data/bgp",
  );

interface GrSession {
  name: string;
  state: string;
  gracefulRestart: {
    phase: string;
    staleRoutes: number;
    restartRemaining: number | null;
    lastSweep: { reason: string } | null;
    restarts: number;
    peer: { restartTime: number; restartState: boolean; families: unknown[] } | null;
    endOfRibReceived: string[];
    endOfRibSent: string[];
  };
}

const session = async (d: Dyninfra) =>
  ((await d.get("/sessions")) as GrSession[]).find((s) => s.name === "bird")!;
const locRib = async (d: Dyninfra) =>
  ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;

describe.runIf(ready)("interop: graceful restart with BIRD restarting", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("retains BIRD's routes stale across its restart, sweeps at End-of-RIB and at Restart Time", async () => {
    const prefixes = loadTable()
      .slice(0, 2_000)
      .map((r) => r.prefix);
    const nsD = await lab.ns("d");
    const nsB = await lab.ns("b");
    await lab.link(nsD, "192.0.2.1/24", nsB, "192.0.2.2/24");
    const sock = join(lab.dir, "bird.ctl");
    const birdConfig = (routes: readonly string[]) => {
      const file = join(lab.dir, `bird-${routes.length}.conf`);
      writeFileSync(
        file,
        [
          "log stderr all;",
          "router id 192.0.2.2;",
          "protocol device {}",
          "protocol static s4 {",
          "  ipv4;",
          ...routes.map((p) => `  route ${p} blackhole;`),
          "}",
          "protocol bgp d {",
          "  local 192.0.2.2 as 64501;",
          "  neighbor 192.0.2.1 as 64500;",
          "  hold time 30;",
          "  connect retry time 2;",
          "  graceful restart on;",
          `  graceful restart time ${RESTART_TIME};`,
          "  ipv4 { import all; export all; };",
          "}",
        ].join("\n"),
      );
      return file;
    };
    let starts = 0;
    const startBird = (routes: readonly string[], recovery: boolean) =>
      lab.spawn(nsB, `bird-${++starts}`, "bird", [
        "-f",
        ...(recovery ? ["-R"] : []),
        "-c",
        birdConfig(routes),
        "-s",
        sock,
        "-P",
        join(lab.dir, "bird.pid"),
      ]);
    let bird = startBird(prefixes, false);
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [
        {
          name: "bird",
          address: "192.0.2.2",
          asn: 64501,
          localAddress: "192.0.2.1",
          holdTime: 30,
          connectRetryTime: 2,
          idleHoldTime: 1,
          staleRoutesTime: 120,
          importPolicy: "accept",
          exportPolicy: "accept",
        },
      ],
    });
    await waitFor("the 2,000 routes from BIRD", async () => (await locRib(d)) === 2_000, 60_000);
    const first = await session(d);
    expect(first.state).toBe("Established");
    expect(first.gracefulRestart.peer?.restartTime).toBe(RESTART_TIME);
    // We told BIRD we are done with our initial table (BIRD waits for it in recovery).
    expect(first.gracefulRestart.endOfRibSent).toEqual(["1/1"]);

    // Watch the Loc-RIB through the restart: no route may be lost before BIRD's End-of-RIB.
    let lowest = Number.POSITIVE_INFINITY;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        lowest = Math.min(lowest, await locRib(d).catch(() => lowest));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    bird.kill("SIGKILL");
    await waitFor(
      "D to notice the loss of the connection",
      async () => (await session(d)).gracefulRestart.phase === "restarting",
      60_000,
      100,
    );
    const down = await session(d);
    expect(down.state).not.toBe("Established");
    expect(down.gracefulRestart.staleRoutes).toBe(2_000);
    expect(down.gracefulRestart.restartRemaining).toBeGreaterThan(RESTART_TIME - 10);
    expect(await locRib(d)).toBe(2_000);

    // BIRD comes back in graceful-restart recovery, without the last 500 routes.
    bird = startBird(prefixes.slice(0, 1_500), true);
    await waitFor(
      "the sweep at BIRD's End-of-RIB",
      async () => {
        const s = await session(d);
        return s.state === "Established" && s.gracefulRestart.phase === "none";
      },
      60_000,
      100,
    );
    watching = false;
    await watcher;
    const back = await session(d);
    expect(back.gracefulRestart.peer?.restartState).toBe(true);
    expect(back.gracefulRestart.endOfRibReceived).toEqual(["1/1"]);
    expect(back.gracefulRestart.lastSweep?.reason).toMatch(/End-of-RIB/);
    expect(back.gracefulRestart.staleRoutes).toBe(0);
    expect(await locRib(d)).toBe(1_500);
    expect(lowest).toBeGreaterThanOrEqual(1_500);
    const birdRoutes = await run("birdc", ["-s", sock, "show", "route", "count"]);
    expect(birdRoutes).toMatch(/1500 of 1500 routes/);

    // Killed again and not restarted: everything goes when the Restart Time runs out.
    bird.kill("SIGKILL");
    await waitFor(
      "the routes retained again",
      async () => (await session(d)).gracefulRestart.phase === "restarting",
      60_000,
      100,
    );
    expect(await locRib(d)).toBe(1_500);
    await waitFor(
      "the sweep when BIRD's Restart Time runs out",
      async () => (await locRib(d)) === 0,
      (RESTART_TIME + 30) * 1000,
      250,
    );
    const gone = await session(d);
    expect(gone.gracefulRestart.lastSweep?.reason).toMatch(/Restart Time/);
    expect(gone.gracefulRestart.restarts).toBe(2);
    const errors = lab
      .log("dyninfra-d")
      .split("\n")
      .filter((l) => /error|uncaught/i.test(l));
    expect(errors).toEqual([]);
  });
});
