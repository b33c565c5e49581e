// Long-Lived Graceful Restart (RFC 9494), dyninfra as receiving speaker, against BIRD 2 restarting
// (`long lived graceful restart on`, back with `bird -R`). D (AS64500) has three neighbours:
// BIRD (192.0.2.2, AS64501, Restart Time 4 s, Long-Lived Stale Time 30 s) announcing eight
// prefixes; dyninfra U (AS64502, LLGR announced) announcing the first four of them; dyninfra E
// (AS64503, no LLGR) announcing nothing. BIRD is killed (SIGKILL: no NOTIFICATION). D must keep
// its routes through the Restart Time, then keep them long-lived stale: marked LLGR_STALE, least
// preferred (U's route wins where it has one), still sent to U (with the community), withdrawn
// from E. BIRD comes back announcing six: D sweeps the other two at its End-of-RIB and sends E
// the routes again, unmarked. Killed again and left down, BIRD's routes go when the Long-Lived
// Stale Time runs out (after the Restart Time), not before.
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bird, birdScenarioConfig, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, waitFor } from "./lab";

const ready = isRoot && bird().available;
if (!ready) console.warn("interop LLGR: skipped — needs root, iproute2 and BIRD");

const RESTART_TIME = 4;
const LLST = 30;
const LLGR_STALE = 0xffff0006;
const PREFIXES = Array.from({ length: 8 }, (_, i) => `203.0.${113 + i}.0/24`);
const FROM_U = PREFIXES.slice(0, 4);
const BIRD_ONLY = PREFIXES.slice(4);
const LLGR = { capabilities: { longLivedGracefulRestart: { staleTime: 60 } } };

interface RouteJson {
  prefix: string;
  peer: string;
  attributes: { communities?: number[] };
}
interface GrJson {
  phase: string;
  longLived: { afi: number; safi: number; deadline: number }[];
  peerLongLived: { families: { staleTime: number; forwardingState: boolean }[] } | null;
  lastSweep: { reason: string } | null;
  staleRoutes: number;
}

describe.runIf(ready)("interop: Long-Lived Graceful Restart with BIRD restarting", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("keeps BIRD's routes long-lived stale after its Restart Time: least preferred, sent to U marked, withdrawn from E; swept at End-of-RIB and at the Long-Lived Stale Time", async () => {
    const nsD = await lab.ns("d");
    const nsB = await lab.ns("b");
    const nsU = await lab.ns("u");
    const nsE = await lab.ns("e");
    await lab.link(nsD, "192.0.2.1/24", nsB, "192.0.2.2/24");
    await lab.link(nsD, "198.51.100.1/24", nsU, "198.51.100.2/24");
    await lab.link(nsD, "198.18.0.1/24", nsE, "198.18.0.2/24");

    let starts = 0;
    const startBird = (routes: readonly string[], restarting: boolean): ChildProcess => {
      const file = join(lab.dir, `bird-${++starts}.conf`);
      writeFileSync(
        file,
        birdScenarioConfig({ s4: routes }, [
          "hold time 30;",
          "connect retry time 2;",
          "graceful restart on;",
          `graceful restart time ${RESTART_TIME};`,
          "long lived graceful restart on;",
          `long lived stale time ${LLST};`,
          "ipv4 { import all; export all; };",
        ]),
      );
      // -R: graceful restart recovery (Restart State bit, Forwarding State bits).
      return lab.spawn(nsB, `bird-${starts}`, "bird", [
        "-f",
        ...(restarting ? ["-R"] : []),
        ...["-c", file, "-s", join(lab.dir, "bird.ctl"), "-P", join(lab.dir, "bird.pid")],
      ]);
    };

    let proc = startBird(PREFIXES, false);
    const u = await startDyninfra(lab, nsU, "dyninfra-u", {
      asn: 64502,
      bgpIdentifier: "198.51.100.2",
      localAddress: "198.51.100.2",
      listen: { host: "198.51.100.2", port: 179 },
      neighbors: [
        dyninfraNeighbor("d", "198.51.100.1", 64500, "198.51.100.2", { passive: true, ...LLGR }),
      ],
      originate: FROM_U.map((prefix) => ({ prefix })),
    });
    const e = await startDyninfra(lab, nsE, "dyninfra-e", {
      asn: 64503,
      bgpIdentifier: "198.18.0.2",
      localAddress: "198.18.0.2",
      listen: { host: "198.18.0.2", port: 179 },
      neighbors: [dyninfraNeighbor("d", "198.18.0.1", 64500, "198.18.0.2", { passive: true })],
    });
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [
        dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", LLGR),
        dyninfraNeighbor("u", "198.51.100.2", 64502, "198.51.100.1", LLGR),
        dyninfraNeighbor("e", "198.18.0.2", 64503, "198.18.0.1"),
      ],
    });

    const routes = async (x: typeof d) => (await x.get("/routes")) as RouteJson[];
    const byPrefix = async (x: typeof d) => new Map((await routes(x)).map((r) => [r.prefix, r]));
    const gr = async () =>
      ((await d.get("/sessions")) as { name: string; gracefulRestart: GrJson }[]).find(
        (s) => s.name === "bird",
      )!.gracefulRestart;
    const stale = (r: RouteJson | undefined) =>
      r?.attributes.communities?.includes(LLGR_STALE) === true;

    // Before: BIRD's routes are D's best (BGP Identifier 192.0.2.2 beats U's 198.51.100.2).
    await waitFor(
      "every route at D from BIRD, and at E",
      async () => {
        const m = await byPrefix(d);
        return (
          PREFIXES.every((p) => m.get(p)?.peer === "192.0.2.2") && (await routes(e)).length === 8
        );
      },
      60_000,
      200,
    );
    expect((await gr()).peerLongLived?.families).toEqual([
      { afi: 1, safi: 1, forwardingState: false, staleTime: LLST },
    ]);

    // BIRD killed: retained stale while its Restart Time runs (nothing changes), then long-lived.
    proc.kill("SIGKILL");
    await waitFor(
      "D to retain BIRD's routes",
      async () => (await gr()).phase !== "none",
      60_000,
      100,
    );
    await waitFor(
      "the long-lived stale period",
      async () => (await gr()).phase === "long-lived",
      (RESTART_TIME + 10) * 1000,
      100,
    );
    const ll = await gr();
    expect(ll.longLived.map((f) => [f.afi, f.safi])).toEqual([[1, 1]]);
    expect(ll.staleRoutes).toBe(8);
    await waitFor(
      "U's routes preferred, BIRD's marked LLGR_STALE; E without them",
      async () => {
        const m = await byPrefix(d);
        const atE = await byPrefix(e);
        return (
          FROM_U.every((p) => m.get(p)?.peer === "198.51.100.2" && atE.has(p)) &&
          BIRD_ONLY.every((p) => stale(m.get(p)) && !atE.has(p))
        );
      },
      30_000,
      200,
    );
    const atD = await byPrefix(d);
    for (const p of BIRD_ONLY) expect(atD.get(p)?.peer).toBe("192.0.2.2");
    const explained = (await d.get(`/routes/${FROM_U[0]}`)) as {
      candidates: { route: { peer: string }; decidedBy?: string }[];
    };
    expect(explained.candidates.map((c) => [c.route.peer, c.decidedBy ?? null])).toEqual([
      ["198.51.100.2", null],
      ["192.0.2.2", "llgr-stale"],
    ]);
    // U announced LLGR: it has BIRD-only routes from D, marked.
    const atU = await byPrefix(u);
    for (const p of BIRD_ONLY) expect(stale(atU.get(p))).toBe(true);
    expect((await routes(e)).length).toBe(4);

    // BIRD back (restarting) with six of the eight: the other two go at its End-of-RIB.
    proc = startBird(PREFIXES.slice(0, 6), true);
    await waitFor(
      "the sweep at BIRD's End-of-RIB",
      async () => (await gr()).phase === "none" && (await routes(e)).length === 6,
      60_000,
      200,
    );
    const back = await byPrefix(d);
    expect([...back.keys()].sort()).toEqual([...PREFIXES.slice(0, 6)].sort());
    for (const p of PREFIXES.slice(0, 6)) {
      expect(back.get(p)?.peer).toBe("192.0.2.2");
      expect(stale(back.get(p))).toBe(false);
    }
    expect((await gr()).lastSweep?.reason).toMatch(/End-of-RIB/);

    // Killed again, left down: long-lived after the Restart Time; gone after the stale time.
    proc.kill("SIGKILL");
    await waitFor(
      "long-lived stale again",
      async () => (await gr()).phase === "long-lived",
      (RESTART_TIME + 30) * 1000,
      100,
    );
    const since = Date.now();
    await waitFor(
      "the sweep at the Long-Lived Stale Time",
      async () => (await gr()).phase === "none",
      (LLST + 20) * 1000,
      250,
    );
    // Not before the Long-Lived Stale Time (less the time it took to see the phase change).
    expect(Date.now() - since).toBeGreaterThan((LLST - RESTART_TIME - 3) * 1000);
    expect((await gr()).lastSweep?.reason).toMatch(/Long-Lived Stale Time/);
    const left = await byPrefix(d);
    expect([...left.keys()].sort()).toEqual([...FROM_U].sort());
    for (const p of FROM_U) expect(left.get(p)?.peer).toBe("198.51.100.2");
    const birdErrors = Array.from({ length: starts }, (_, i) => lab.log(`bird-${i + 1}`))
      .join("\n")
      .split("\n")
      .filter((l) => /<(ERR|BUG|FATAL)>/.test(l));
    expect(birdErrors).toEqual([]);
    const errors = lab
      .log("dyninfra-d")
      .split("\n")
      .filter((l) => /error|uncaught/i.test(l) && !/transport error: read ECONNRESET$/.test(l));
    expect(errors).toEqual([]);
  });
});
