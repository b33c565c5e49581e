// Routing policies from dyninfra's configuration ("policies"), against BIRD: D imports BIRD's
// 500 real prefixes through a policy — the first 100 (a prefix list) get LOCAL_PREF 200 and a
// community, the next 100 are rejected, the rest get MED 5 — and exports only its own prefix to
// BIRD, prepended twice and tagged with a community. D's control interface must show each
// decision and the changed attributes; BIRD must show D's route with the AS path and community
// D's export policy gave it; changed over the control interface and by editing the configuration
// file and sending SIGHUP, the policies apply without a session reset.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  bird500BesideD,
  birdSessionUnchanged,
  dyninfraD,
  dyninfraNeighbor,
  startDyninfra,
} from "./daemons";
import { isRoot, Lab, waitFor, which } from "./lab";
import { tablePresent } from "./routes";

const ready = isRoot && which("ip") && which("bird") && which("birdc") && tablePresent;
if (!ready)
  console.warn("interop policies: skipped — needs root, iproute2, BIRD and ../shared/data/bgp");

const OWN = "100.64.0.0/24";

interface Explained {
  candidates: {
    route: { attributes: { localPref?: number; multiExitDisc?: number; communities?: number[] } };
  }[];
  rejected: { reason: string }[];
}

describe.runIf(ready)("interop: configured routing policies, with BIRD", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("D decides and changes BIRD's routes by its import policy, and BIRD gets D's route as its export policy says", async () => {
    const { prefixes, nsD, birdc } = await bird500BesideD(lab);
    const list = (ps: string[]) => ps.map((prefix) => ({ prefix }));
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD(
        [
          dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", {
            importPolicy: "from-bird",
            exportPolicy: "to-bird",
          }),
        ],
        [OWN, "100.64.1.0/24"],
      ),
      policies: {
        "from-bird": [
          {
            match: { prefixList: list(prefixes.slice(0, 100)) },
            set: { localPref: 200, addCommunities: ["64500:100"] },
            action: "accept",
          },
          { match: { prefixList: list(prefixes.slice(100, 200)) }, action: "reject" },
          { set: { med: 5 }, action: "accept" },
        ],
        "to-bird": [
          {
            match: { prefixList: [{ prefix: OWN }] },
            set: { prepend: 2, addCommunities: ["64500:7"] },
            action: "accept",
          },
        ],
      },
    });
    const locRib = async () => ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;
    // 400 of BIRD's routes and D's two own.
    await waitFor("D's routes", async () => (await locRib()) === 402, 60_000);
    const explain = async (p: string) =>
      (await d.get(`/routes/${encodeURIComponent(p)}`)) as Explained;
    for (const p of prefixes.slice(0, 100)) {
      const a = (await explain(p)).candidates[0]?.route.attributes;
      expect(a?.localPref).toBe(200);
      expect(a?.communities).toContain(((64500 << 16) | 100) >>> 0);
    }
    for (const p of prefixes.slice(100, 200))
      expect((await explain(p)).rejected.map((r) => r.reason)).toEqual(["import-policy"]);
    for (const p of prefixes.slice(200)) {
      const a = (await explain(p)).candidates[0]?.route.attributes;
      expect(a?.multiExitDisc).toBe(5);
      expect(a?.localPref).toBeUndefined();
    }
    // BIRD holds D's OWN, prepended and tagged — and not D's other prefix (no term accepts it).
    await waitFor(
      "BIRD to hold D's route",
      async () => (await birdc("show route", OWN)).includes(OWN),
      30_000,
    );
    const shown = await birdc("show route", OWN, "all");
    expect(shown).toMatch(/BGP\.as_path: 64500 64500 64500\s/);
    expect(shown).toMatch(/BGP\.community: \(64500,7\)/);
    expect(await birdc("show route", "100.64.1.0/24").catch(() => "")).not.toMatch(
      /100\.64\.1\.0\/24\s+unicast/,
    );

    // The policies change while D runs (PUT /policies): the first 100 are now rejected too, and
    // OWN goes out unprepended. The session is not reset: BIRD's protocol line, with the time it
    // came up, stays as it was.
    const protocol = async () =>
      ((await birdc("show protocols", "d")).split("\n").find((l) => l.startsWith("d ")) ?? "")
        .trim()
        .split(/\s+/);
    const before = await protocol();
    expect(before.at(-1)).toBe("Established");
    expect(
      await d.put("/policies", {
        "from-bird": [
          { match: { prefixList: list(prefixes.slice(0, 200)) }, action: "reject" },
          { set: { med: 5 }, action: "accept" },
        ],
        "to-bird": [{ match: { prefixList: [{ prefix: OWN }] }, action: "accept" }],
      }),
    ).toEqual({ neighbors: ["bird"], locRibChanges: 100 });
    await waitFor("D's routes", async () => (await locRib()) === 302, 30_000);
    await waitFor(
      "BIRD to hold D's route unprepended",
      async () => /BGP\.as_path: 64500\s/.test(await birdc("show route", OWN, "all")),
      30_000,
    );
    expect(await birdc("show route", OWN, "all")).not.toMatch(/BGP\.community/);
    expect(birdSessionUnchanged(before, await protocol())).toBe(true);

    // The operator edits the configuration file and sends SIGHUP: its policies apply at once —
    // "from-bird" as the file has it (the first 100 back, with LOCAL_PREF 200), "to-bird" now
    // prepending once — the hold time it also changed only at a restart (the log says so).
    const file = join(lab.dir, "dyninfra-d.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    config.policies["to-bird"] = [
      { match: { prefixList: [{ prefix: OWN }] }, set: { prepend: 1 }, action: "accept" },
    ];
    config.neighbors[0].holdTime = 60;
    writeFileSync(file, JSON.stringify(config));
    process.kill(d.pid, "SIGHUP");
    await waitFor(
      "BIRD to hold D's route prepended once",
      async () => /BGP\.as_path: 64500 64500\s/.test(await birdc("show route", OWN, "all")),
      30_000,
    );
    await waitFor("D's routes", async () => (await locRib()) === 402, 30_000);
    expect((await explain(prefixes[0]!)).candidates[0]?.route.attributes.localPref).toBe(200);
    expect(birdSessionUnchanged(before, await protocol())).toBe(true);
    expect(lab.log("dyninfra-d")).toMatch(
      /configuration reloaded: policies applied \(neighbours bird: 100 Loc-RIB change\(s\)\); changed neighbors: not applied until a restart/,
    );

    // A file with a mistake: SIGHUP changes nothing and the log names the field.
    config.policies["to-bird"] = [{ action: "drop" }];
    writeFileSync(file, JSON.stringify(config));
    process.kill(d.pid, "SIGHUP");
    await waitFor(
      "D to refuse the configuration",
      async () =>
        /configuration not reloaded: .*policies\.to-bird\[0\]\.action/.test(lab.log("dyninfra-d")),
      10_000,
    );
    expect(await birdc("show route", OWN, "all")).toMatch(/BGP\.as_path: 64500 64500\s/);
    expect(await locRib()).toBe(402);
  });
});
