// dyninfra as the restarting speaker of a graceful restart (RFC 4724 §4.1), with BIRD as the
// helper and the forwarding state in the kernel: D installs BIRD's 500 routes in its namespace's
// routing table ("kernel"), stops for a restart (SIGUSR1: no Cease, kernel routes kept), BIRD
// withdraws 100 routes meanwhile, and D comes back (--restarting: Restart State and Forwarding
// State in its OPEN, nothing sent until BIRD's End-of-RIB). Throughout, BIRD keeps D's route and
// D's kernel keeps forwarding (never fewer than the 400 routes still valid); at the end D's kernel
// holds exactly BIRD's 400 routes (the 100 withdrawn while D was away removed) and BIRD holds
// D's route, learned again, no longer stale.
import { afterAll, describe, expect, it } from "vitest";
import { bird500BesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, watchLowest, which } from "./lab";
import { tablePresent } from "./routes";

const ready = isRoot && which("ip") && which("bird") && which("birdc") && tablePresent;
if (!ready)
  console.warn(
    "interop restarting speaker: skipped — needs root, iproute2, BIRD and ../shared/data/bgp",
  );

const OWN = "100.64.0.0/24";

describe.runIf(ready)(
  "interop: dyninfra restarting gracefully, BIRD helping, kernel routes kept",
  () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());

    it("BIRD keeps D's route and D's kernel keeps forwarding across D's restart; stale kernel routes go at convergence", async () => {
      const { prefixes, nsD, birdc } = await bird500BesideD(lab, [
        "graceful restart on;",
        "debug { states };",
      ]);
      const spec = {
        ...dyninfraD([dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1")], [OWN]),
        kernel: {},
      };
      const kernelRoutes = async () =>
        (await run("ip", ["-n", nsD, "route", "show", "proto", "bgp"]))
          .split("\n")
          .filter((l) => l.trim() !== "").length;
      const birdHasOwn = async () => ((await birdc("show route", OWN)).includes(OWN) ? 1 : 0);
      const first = await startDyninfra(lab, nsD, "dyninfra-1", spec);
      await waitFor("D's 500 kernel routes", async () => (await kernelRoutes()) === 500, 60_000);
      await waitFor("BIRD to hold D's route", async () => (await birdHasOwn()) === 1, 30_000);

      // From here on: BIRD must never lose D's route, D's kernel never fall below 400 routes.
      const ownWatch = watchLowest(birdHasOwn, 100);
      const kernelWatch = watchLowest(kernelRoutes, 100);
      process.kill(first.pid, "SIGUSR1"); // stop for a graceful restart
      await waitFor(
        "BIRD to see the session go (graceful restart)",
        async () => !(await birdc("show protocols", "d")).includes("Established"),
        30_000,
      );
      expect(await kernelRoutes()).toBe(500); // the forwarding state survived
      await birdc("disable", "s4b"); // withdrawn while D is away
      const second = await startDyninfra(lab, nsD, "dyninfra-2", spec, { args: ["--restarting"] });
      await waitFor(
        "D's route selection deferral to end",
        async () => lab.log("dyninfra-2").includes("route selection deferral over"),
        60_000,
      );
      await waitFor(
        "D's kernel to hold BIRD's 400 routes",
        async () => (await kernelRoutes()) === 400,
        30_000,
      );
      await waitFor(
        "BIRD to hold D's route, no longer stale",
        async () => {
          const r = await birdc("show route", OWN, "all");
          return r.includes(OWN) && !/stale/i.test(r);
        },
        30_000,
      );
      // BIRD read D's Restart State and Forwarding State bits.
      const caps = await birdc("show protocols all", "d");
      expect(caps).toMatch(/Neighbor capabilities[\s\S]*Graceful restart[\s\S]*Restart recovery/);
      expect(caps).toMatch(/Neighbor capabilities[\s\S]*AF preserved:\s+ipv4/);
      expect(await ownWatch.stop()).toBe(1);
      expect(await kernelWatch.stop()).toBeGreaterThanOrEqual(400);
      expect(lab.log("dyninfra-2")).toMatch(/End-of-RIB received from every neighbour/);
      expect(lab.log("dyninfra-2")).toMatch(
        /kernel: converged Loc-RIB installed \(400 route\(s\)\); 100 route\(s\) of the previous run not learned again, removed/,
      );
      const left = new Set(
        (await run("ip", ["-n", nsD, "route", "show", "proto", "bgp"]))
          .split("\n")
          .map((l) => l.split(" ")[0]),
      );
      for (const p of prefixes.slice(400)) expect(left.has(p)).toBe(false);
      expect(((await second.get("/stats")) as { locRibRoutes: number }).locRibRoutes).toBe(401);
      // BIRD saw a restart, not a shutdown: the session went down without a NOTIFICATION.
      expect(lab.log("bird")).not.toMatch(/Received: Cease|Administrative/);
    });
  },
);
