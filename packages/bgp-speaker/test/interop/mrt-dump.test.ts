// dyninfra's MRT output read by bgpdump (RIPE NCC's libbgpdump, the reference MRT reader): D
// peers with BIRD (500 real prefixes, 100 withdrawn later) and logs the UPDATEs it receives
// ("mrtDump", a new file every second), writes TABLE_DUMP_V2 dumps every 2 seconds and a
// snapshot on request (POST /mrt/rib). bgpdump must list every announcement and withdrawal across
// the rotated files, the session's state changes, and the dumps' 500 (later 400) routes with
// BIRD's address, AS and AS path.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bird500BesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { tablePresent } from "./routes";

const ready =
  isRoot && which("ip") && which("bird") && which("birdc") && which("bgpdump") && tablePresent;
if (!ready)
  console.warn(
    "interop MRT dump: skipped — needs root, iproute2, BIRD, bgpdump and ../shared/data/bgp",
  );

/** bgpdump -m's lines of an MRT file, split into fields. */
const bgpdump = async (file: string) =>
  (await run("bgpdump", ["-m", file], 60_000))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("|"));

describe.runIf(ready)("interop: dyninfra's MRT update log and RIB dump, read by bgpdump", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("bgpdump lists every UPDATE D received and the RIB snapshot's 500 routes", async () => {
    const { prefixes, nsD, birdc } = await bird500BesideD(lab);
    // Named by the time in seconds since the epoch: file names sort as the periods do.
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD([dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1")]),
      mrtDump: {
        updates: join(lab.dir, "updates.%s.mrt"),
        interval: 1,
        rib: join(lab.dir, "rib.%s.mrt"),
        ribInterval: 2,
      },
    });
    const files = (kind: string) =>
      readdirSync(lab.dir)
        .filter((f) => new RegExp(`^${kind}\\.\\d+\\.mrt$`).test(f))
        .sort()
        .map((f) => join(lab.dir, f));
    /** Waits for a periodic RIB dump written after now that holds `n` routes; its lines. */
    const dumpOf = async (n: number) => {
      const after = files("rib").at(-1) ?? "";
      let lines: string[][] = [];
      await waitFor(
        `a RIB dump of ${n} routes`,
        async () => {
          const last = files("rib").at(-1);
          if (last === undefined || last <= after) return false;
          lines = await bgpdump(last);
          return lines.length === n;
        },
        30_000,
      );
      return lines;
    };
    const locRib = async () => ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;
    await waitFor("D's routes", async () => (await locRib()) === 500, 60_000);
    const rib = join(lab.dir, "rib.mrt");
    expect(await d.post("/mrt/rib", { file: rib })).toEqual({
      file: rib,
      prefixes: 500,
      entries: 500,
    });
    const periodic500 = await dumpOf(500);
    await birdc("disable", "s4b");
    await waitFor("D to lose 100 routes", async () => (await locRib()) === 400, 30_000);
    const periodic400 = await dumpOf(400);
    await new Promise((r) => setTimeout(r, 300)); // the log is written once per event-loop turn

    const logs = files("updates");
    expect(logs.length).toBeGreaterThan(2); // the session lasted several seconds: rotated
    const log = (await Promise.all(logs.map(bgpdump))).flat();
    const of = (kind: string) => log.filter((f) => f[2] === kind);
    // Every record from BIRD's session, with its address and AS.
    expect(log.every((f) => f[0] === "BGP4MP_ET" && f[3] === "192.0.2.2" && f[4] === "64501")).toBe(
      true,
    );
    expect(new Set(of("A").map((f) => f[5]))).toEqual(new Set(prefixes));
    expect(of("A").every((f) => f[6] === "64501" && f[8] === "192.0.2.2")).toBe(true);
    expect(new Set(of("W").map((f) => f[5]))).toEqual(new Set(prefixes.slice(400)));
    // The session's way up, in bgpdump's words (STATE|peer|AS|old|new, MRT numbering).
    expect(of("STATE").map((f) => `${f[5]}>${f[6]}`)).toContain("5>6");
    const dump = await bgpdump(rib);
    expect(dump).toHaveLength(500);
    expect(dump.every((f) => f[0] === "TABLE_DUMP2" && f[2] === "B" && f[3] === "192.0.2.2")).toBe(
      true,
    );
    expect(new Set(dump.map((f) => f[5]))).toEqual(new Set(prefixes));
    expect(dump.every((f) => f[6] === "64501" && f[7] === "IGP" && f[8] === "192.0.2.2")).toBe(
      true,
    );
    // The periodic dumps: the same table, then without the 100 withdrawn.
    expect(periodic500.map((f) => f.slice(2).join("|")).sort()).toEqual(
      dump.map((f) => f.slice(2).join("|")).sort(),
    );
    expect(new Set(periodic400.map((f) => f[5]))).toEqual(new Set(prefixes.slice(0, 400)));
  });
});
