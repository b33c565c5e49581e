// eBGP with each real daemon: 100k real routes cross each session in both directions through a
// chain dyninfra A (AS64500) -> daemon B (AS64501) -> dyninfra C (AS64502), and C's own routes
// travel back to A. Counts must match exactly and attributes must arrive as sent. Then route
// refresh, graceful shutdown with a shutdown communication, and hold-timer expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Daemon } from "./daemons";
import { bird, frr, gobgp, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import type { TableRoute } from "./routes";
import { loadTable, tablePresent } from "./routes";

const ROUTES_A = 100_000;
// Generous: a 100k-route refresh runs the decision process in one go on a loaded machine.
const HOLD = 90;

if (!isRoot || !which("ip"))
  console.warn("interop: skipped — needs root and iproute2 (CI runs it as root)");
if (!tablePresent)
  console.warn("interop: skipped — ../shared/data/bgp is absent (real routes needed)");

function originate(routes: readonly TableRoute[], tag: number) {
  return routes.map((r, i) => ({
    prefix: r.prefix,
    asPath: r.asPath,
    origin: r.origin,
    med: i % 7,
    communities: [...r.communities, `${tag}:${i % 100}`],
    largeCommunities: [`${tag}:${i % 5}:${i % 3}`],
  }));
}

const sessionState = async (d: { get(p: string): Promise<unknown> }, name: string) =>
  (
    (await d.get("/sessions")) as {
      name: string;
      state: string;
      counters: Record<string, number>;
    }[]
  ).find((s) => s.name === name);

const daemons: Daemon[] = [gobgp(), bird(), frr()];

for (const daemon of daemons) {
  const ready = isRoot && which("ip") && tablePresent && daemon.available;
  if (isRoot && !daemon.available)
    console.warn(`interop: ${daemon.name} is not installed — skipped`);
  describe.runIf(ready)(`interop with ${daemon.name}`, () => {
    const lab = new Lab();
    let table: TableRoute[] = [];
    let a: Awaited<ReturnType<typeof startDyninfra>>;
    let c: Awaited<ReturnType<typeof startDyninfra>>;
    let fromA: ReturnType<typeof originate> = [];
    let fromC: ReturnType<typeof originate> = [];

    beforeAll(async () => {
      table = loadTable();
      fromA = originate(table.slice(0, ROUTES_A), 64500);
      fromC = originate(table.slice(ROUTES_A), 64502);
      const nsA = await lab.ns("a");
      const nsB = await lab.ns("b");
      const nsC = await lab.ns("c");
      await lab.link(nsA, "192.0.2.1/24", nsB, "192.0.2.2/24");
      await lab.link(nsB, "198.18.0.1/24", nsC, "198.18.0.2/24");
      await daemon.start(lab, nsB, {
        asn: 64501,
        routerId: "192.0.2.2",
        holdTime: HOLD,
        neighbors: [
          { address: "192.0.2.1", asn: 64500, local: "192.0.2.2" },
          { address: "198.18.0.2", asn: 64502, local: "198.18.0.1" },
        ],
      });
      const neighbor = (address: string, local: string) => ({
        name: daemon.name,
        address,
        asn: 64501,
        localAddress: local,
        holdTime: HOLD,
        connectRetryTime: 3,
        importPolicy: "accept",
        exportPolicy: "accept",
      });
      a = await startDyninfra(lab, nsA, "dyninfra-a", {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [neighbor("192.0.2.2", "192.0.2.1")],
        originate: fromA,
      });
      c = await startDyninfra(lab, nsC, "dyninfra-c", {
        asn: 64502,
        bgpIdentifier: "198.18.0.2",
        localAddress: "198.18.0.2",
        neighbors: [neighbor("198.18.0.1", "198.18.0.2")],
        originate: fromC,
      });
    }, 180_000);

    afterAll(async () => {
      await lab.cleanup();
    });

    it("brings both sessions up and moves every route across, both ways, counts exact", async () => {
      await waitFor(
        "sessions Established",
        async () =>
          (await sessionState(a, daemon.name))?.state === "Established" &&
          (await sessionState(c, daemon.name))?.state === "Established",
        60_000,
      );
      const total = fromA.length + fromC.length;
      await waitFor(
        `${daemon.name} to hold ${total} prefixes`,
        async () => (await daemon.prefixCount()) === total,
        180_000,
        1000,
      );
      await waitFor(
        "C to learn A's routes",
        async () => ((await c.get("/stats")) as { locRibRoutes: number }).locRibRoutes === total,
        120_000,
        1000,
      );
      await waitFor(
        "A to learn C's routes",
        async () => ((await a.get("/stats")) as { locRibRoutes: number }).locRibRoutes === total,
        120_000,
        1000,
      );
      expect(await daemon.prefixCount()).toBe(total);
    });

    it("delivers the attributes exactly as sent (AS path, communities, large communities, MED, next hop)", async () => {
      const step = Math.floor(fromA.length / 150);
      for (let i = 0; i < fromA.length; i += step) {
        const sent = fromA[i]!;
        const got = await daemon.route(sent.prefix);
        expect(got, sent.prefix).toBeDefined();
        expect(got!.asPath).toEqual([64500, ...sent.asPath]);
        expect(got!.nextHop).toBe("192.0.2.1");
        expect(got!.med).toBe(sent.med);
        expect([...got!.communities].sort()).toEqual([...sent.communities].sort());
        expect(got!.largeCommunities).toEqual(sent.largeCommunities);
      }
      // What the daemon passes on reaches C with the daemon's AS prepended and its next hop.
      const routes = (await c.get("/routes")) as {
        prefix: string;
        attributes: Record<string, unknown>;
      }[];
      const byPrefix = new Map(routes.map((r) => [r.prefix, r.attributes]));
      for (let i = 0; i < fromA.length; i += step) {
        const sent = fromA[i]!;
        const got = byPrefix.get(sent.prefix) as {
          asPath: { asns: number[] }[];
          nextHop: string;
          largeCommunities: unknown[];
        };
        expect(got.asPath.flatMap((s) => s.asns)).toEqual([64501, 64500, ...sent.asPath]);
        expect(got.nextHop).toBe("198.18.0.1");
        expect(got.largeCommunities).toHaveLength(1);
      }
    });

    it("answers route refresh in both directions without disturbing the session", async () => {
      const before = await sessionState(a, daemon.name);
      await a.post(`/sessions/${daemon.name}/refresh`, {});
      await daemon.requestRefresh("192.0.2.1");
      await waitFor(
        "refresh handled",
        async () => {
          const s = await sessionState(a, daemon.name);
          return (s?.counters.routeRefreshesSent ?? 0) > (before?.counters.routeRefreshesSent ?? 0);
        },
        20_000,
      );
      await new Promise((r) => setTimeout(r, 3000));
      const after = await sessionState(a, daemon.name);
      expect(after?.state).toBe("Established");
      expect(after?.counters.notificationsReceived).toBe(0);
      expect(await daemon.prefixCount()).toBe(fromA.length + fromC.length);
    });

    it("logged no error on the daemon during normal operation", () => {
      expect(daemon.errorLines()).toEqual([]);
    });

    it("shuts down gracefully with Cease and an RFC 8203 shutdown communication", async () => {
      await c.post(`/sessions/${daemon.name}/stop`, {
        message: "dyninfra interop: planned maintenance",
      });
      await waitFor(
        "daemon to drop C's routes",
        async () => (await daemon.prefixCount()) === fromA.length,
        60_000,
      );
      const s = await sessionState(c, daemon.name);
      expect(s?.state).toBe("Idle");
      expect(s?.counters.notificationsSent).toBe(1);
      expect(daemon.errorLines()).toEqual([]);
    });

    it("expires the hold timer when the daemon falls silent, then comes back", async () => {
      // Freeze the daemon: A's hold timer (9 s) expires and A sends Hold Timer Expired.
      const daemonPids = (await run("ip", ["netns", "pids", `dyn${lab.id}b`]))
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
      for (const p of daemonPids) process.kill(p, "SIGSTOP");
      try {
        await waitFor(
          "A's hold timer to expire",
          async () => (await sessionState(a, daemon.name))?.state !== "Established",
          120_000,
        );
      } finally {
        for (const p of daemonPids) process.kill(p, "SIGCONT");
      }
      const s = await sessionState(a, daemon.name);
      expect(s?.counters.notificationsSent).toBeGreaterThanOrEqual(1);
      await waitFor(
        "A to re-establish",
        async () => (await sessionState(a, daemon.name))?.state === "Established",
        170_000,
      );
    });
  });
}
