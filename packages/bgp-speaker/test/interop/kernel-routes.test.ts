// The Loc-RIB in the Linux routing table: dyninfra D ("kernel" in its configuration) peers with
// BIRD, which announces 500 real prefixes; D installs each in its namespace's main table via BIRD
// (proto bgp), removes those BIRD withdraws, never installs its own, cleans up routes of its
// protocol left by an earlier run, and takes its routes out of the kernel when it stops.
import { afterAll, describe, expect, it } from "vitest";
import { bird500BesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { tablePresent } from "./routes";

const ready = isRoot && which("ip") && which("bird") && which("birdc") && tablePresent;
if (!ready)
  console.warn(
    "interop kernel routes: skipped — needs root, iproute2, BIRD and ../shared/data/bgp",
  );

describe.runIf(ready)("interop: the Loc-RIB installed in the Linux routing table", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("installs BIRD's 500 routes via BIRD, removes withdrawn ones, keeps its own out, and leaves nothing behind", async () => {
    const { prefixes, nsD, birdc } = await bird500BesideD(lab);
    const bgpRoutes = async () =>
      (await run("ip", ["-n", nsD, "route", "show", "proto", "bgp"]))
        .split("\n")
        .filter((l) => l.trim() !== "");
    // Left over from an earlier run: the start removes it.
    await run("ip", [
      "-n",
      nsD,
      "route",
      "add",
      "10.99.0.0/16",
      "via",
      "192.0.2.2",
      "proto",
      "bgp",
    ]);
    expect(await bgpRoutes()).toHaveLength(1);

    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD([dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1")], ["100.64.0.0/24"]),
      kernel: {},
    });
    await waitFor("D's kernel routes", async () => (await bgpRoutes()).length === 500, 60_000);
    const routes = await bgpRoutes();
    // (ip leaves out the protocol it filters by)
    expect(routes.every((l) => / via 192\.0\.2\.2 dev \S+ metric 20/.test(l))).toBe(true);
    expect(routes.some((l) => l.startsWith("10.99.0.0/16"))).toBe(false);
    // The kernel forwards by them: an address inside the first prefix goes to BIRD.
    const inside = prefixes[0]!.split("/")[0]!;
    expect(await run("ip", ["-n", nsD, "route", "get", inside])).toMatch(/ via 192\.0\.2\.2 /);
    // D's own route is local: not in the kernel.
    expect(await run("ip", ["-n", nsD, "route", "show", "100.64.0.0/24"])).toBe("");

    // The kernel loses a route behind D's back and D's ip -batch dies: D starts it again and
    // resynchronises the whole Loc-RIB (the lost route comes back).
    await run("ip", ["-n", nsD, "route", "del", prefixes[7]!, "proto", "bgp"]);
    expect(await bgpRoutes()).toHaveLength(499);
    const batch = (await run("pgrep", ["-P", String(d.pid), "-f", "ip -force -batch"])).trim();
    expect(batch).toMatch(/^\d+$/);
    process.kill(Number(batch), "SIGKILL");
    await waitFor(
      "D to resynchronise the kernel",
      async () => /kernel: resynchronised \(500 replaced, 0 deleted\)/.test(lab.log("dyninfra-d")),
      30_000,
    );
    expect(await bgpRoutes()).toHaveLength(500);
    await birdc("disable", "s4b");
    await waitFor(
      "the 100 withdrawn routes to go",
      async () => (await bgpRoutes()).length === 400,
      30_000,
    );
    const left = new Set((await bgpRoutes()).map((l) => l.split(" ")[0]));
    for (const p of prefixes.slice(400)) expect(left.has(p)).toBe(false);
    expect(lab.log("dyninfra-d")).not.toMatch(/kernel: .*(Error|failed)/);

    // Stopped, D takes its routes out of the kernel.
    process.kill(d.pid, "SIGTERM");
    await waitFor(
      "D's routes to leave the kernel",
      async () => (await bgpRoutes()).length === 0,
      30_000,
    );
  });
});
