// IPv6 unicast (RFC 4760 MP_REACH_NLRI / MP_UNREACH_NLRI over an IPv4 session, RFC 2545 next
// hops) against BIRD 2, FRR and GoBGP, with real IPv6 prefixes from RIPE RIS (2016 updates): both
// directions; and graceful restart per address family (RFC 4724 §4.2) — BIRD, dual-stack, killed and back
// with Graceful Restart for IPv4 only, so that D must sweep the stale IPv6 routes as the session
// comes back and the stale IPv4 routes at BIRD's IPv4 End-of-RIB, each family exactly.
import type { ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Dyninfra } from "./daemons";
import {
  bird,
  birdScenarioConfig,
  dyninfraD,
  dyninfraNeighbor,
  frr,
  gobgp,
  startDyninfra,
} from "./daemons";
import { isRoot, Lab, run, waitFor, watchLowest, which } from "./lab";
import { loadTable, tablePresent, UPDATES_2016 } from "./routes";

const base = isRoot && which("ip") && tablePresent && existsSync(UPDATES_2016);
const ready = base && which("bird") && which("birdc");
if (!base) console.warn("interop IPv6: skipped — needs root, iproute2 and ../shared/data/bgp");
for (const d of [bird(), frr(), gobgp()])
  if (base && !d.available) console.warn(`interop IPv6: ${d.name} is not installed — skipped`);

const D6 = "2001:db8:ff::1";
const B6 = "2001:db8:ff::2";
const OWN4 = ["100.64.0.0/24"];
const OWN6 = ["2001:db8:100::/48", "2001:db8:101::/48"];
const RESTART_TIME = 30;

interface Route {
  peer: string;
  attributes: {
    asPath?: { asns: number[] }[];
    nextHop?: string;
    mpReachNlri?: { afi: number; nextHop: string[] };
  };
}
const best = async (d: Dyninfra, prefix: string) =>
  (
    (await d.get(`/routes/${encodeURIComponent(prefix)}`)) as {
      candidates: { route: Route }[];
    }
  ).candidates[0]?.route;
const locRib = async (d: Dyninfra) =>
  ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;
interface Session {
  name: string;
  state: string;
  prefixesReceived: { ipv4: number; ipv6: number; accepted: { ipv4: number; ipv6: number } };
  negotiated?: { families: { afi: number; safi: number }[] };
  gracefulRestart: { phase: string; staleRoutes: number; lastSweep: { reason: string } | null };
}
const session = async (d: Dyninfra) =>
  ((await d.get("/sessions")) as Session[]).find((s) => s.name === "bird")!;

/** D and BIRD's namespaces, linked, with IPv4 and IPv6 addresses on the link. */
async function linked(lab: Lab): Promise<{ nsD: string; nsB: string }> {
  const nsD = await lab.ns("d");
  const nsB = await lab.ns("b");
  const { a, b } = await lab.link(nsD, "192.0.2.1/24", nsB, "192.0.2.2/24");
  // nodad: usable at once (no Duplicate Address Detection wait).
  await run("ip", ["-n", nsD, "addr", "add", `${D6}/64`, "dev", a, "nodad"]);
  await run("ip", ["-n", nsB, "addr", "add", `${B6}/64`, "dev", b, "nodad"]);
  return { nsD, nsB };
}

/** D: AS64500, BIRD as neighbour "bird", IPv6 next hop D6, originating OWN4 and OWN6. */
const dSpec = () => ({
  ...(dyninfraD(
    [dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", { staleRoutesTime: 120 })],
    [...OWN4, ...OWN6],
  ) as object),
  localIpv6Address: D6,
});

/**
 * BIRD (AS64501) dual-stack over the IPv4 session, announcing `v4` and `v6` (blackhole statics);
 * `restarting`: started with -R (Restart State, Forwarding State bits); `v6Gr`: Graceful Restart
 * for the IPv6 channel too (else its capability lists IPv4 only).
 */
function startBird(
  lab: Lab,
  ns: string,
  v4: readonly string[],
  v6: readonly string[],
  opts: { restarting: boolean; v6Gr: boolean; n: number },
): ChildProcess {
  const file = join(lab.dir, `bird-${opts.n}.conf`);
  writeFileSync(
    file,
    birdScenarioConfig({ s4: v4, s6: v6 }, [
      "hold time 30;",
      "connect retry time 2;",
      "graceful restart on;",
      `graceful restart time ${RESTART_TIME};`,
      "ipv4 { import all; export all; };",
      // An IPv6 channel over an IPv4 session: its next hop is an address of the link (RFC 2545).
      `ipv6 { import all; export all; next hop address ${B6};${opts.v6Gr ? "" : " graceful restart off;"} };`,
    ]),
  );
  return lab.spawn(ns, `bird-${opts.n}`, "bird", [
    "-f",
    ...(opts.restarting ? ["-R"] : []),
    ...["-c", file, "-s", join(lab.dir, "bird.ctl"), "-P", join(lab.dir, "bird.pid")],
  ]);
}
const birdErrors = (lab: Lab, n: number) =>
  Array.from({ length: n }, (_, i) => lab.log(`bird-${i + 1}`))
    .join("\n")
    .split("\n")
    .filter((l) => /<(ERR|BUG|FATAL)>/.test(l));
const dErrors = (lab: Lab) =>
  lab
    .log("dyninfra-d")
    .split("\n")
    // BIRD is killed with SIGKILL on purpose: a reset for unread data is the scenario.
    .filter((l) => /error|uncaught/i.test(l) && !/transport error: read ECONNRESET$/.test(l));

for (const daemon of [bird(), frr(), gobgp()]) {
  describe.runIf(base && daemon.available)(
    `interop: IPv6 unicast with ${daemon.name} (RFC 4760, RFC 2545)`,
    () => {
      const lab = new Lab();
      afterAll(() => lab.cleanup());

      it("exchanges real IPv6 prefixes both ways over an IPv4 session, next hops on the link", async () => {
        const v4 = loadTable()
          .slice(0, 50)
          .map((r) => r.prefix);
        const v6 = loadTable(UPDATES_2016, "*", 6).map((r) => r.prefix);
        expect(v6.length).toBeGreaterThan(50);
        const { nsD, nsB } = await linked(lab);
        await daemon.start(lab, nsB, {
          asn: 64501,
          routerId: "192.0.2.2",
          holdTime: 30,
          neighbors: [{ address: "192.0.2.1", asn: 64500, local: "192.0.2.2" }],
          originate: v4,
          ipv6: { nextHop: B6, originate: v6 },
        });
        const d = await startDyninfra(lab, nsD, "dyninfra-d", dSpec());
        // GoBGP originates no IPv4 routes here (one CLI call each): only IPv6 ones.
        const from4 = daemon.name === "gobgp" ? [] : v4;
        const all = from4.length + v6.length + OWN4.length + OWN6.length;
        await waitFor(`D's ${all} routes`, async () => (await locRib(d)) === all, 90_000);
        const s = await session(d);
        expect(s.state).toBe("Established");
        expect(s.negotiated?.families).toEqual(
          expect.arrayContaining([
            { afi: 1, safi: 1 },
            { afi: 2, safi: 1 },
          ]),
        );
        // FRR also sends D's own routes back (eBGP, no sender-side loop check by default): in
        // D's Adj-RIB-In, rejected there for the AS loop (the Loc-RIB count above is exact).
        const echo = daemon.name === "frr";
        // Accepted (past the import processing): the daemon's own routes only.
        expect(s.prefixesReceived).toEqual({
          ipv4: from4.length + (echo ? OWN4.length : 0),
          ipv6: v6.length + (echo ? OWN6.length : 0),
          accepted: { ipv4: from4.length, ipv6: v6.length },
        });
        // The daemon's IPv6 routes in D: AS path 64501, next hop its address on the link.
        for (const p of [v6[0]!, v6[v6.length - 1]!]) {
          const r = await best(d, p);
          expect(r?.peer).toBe("192.0.2.2");
          expect(r?.attributes.asPath?.flatMap((x) => x.asns)).toEqual([64501]);
          expect(r?.attributes.mpReachNlri?.afi).toBe(2);
          expect(r?.attributes.mpReachNlri?.nextHop[0]).toBe(B6);
        }
        // D's own IPv6 routes in the daemon: AS path 64500, next hop D's address on the link.
        await waitFor(
          `${daemon.name} to hold D's IPv6 routes`,
          async () => (await daemon.prefixCount(6)) === v6.length + OWN6.length,
          30_000,
        );
        for (const p of OWN6) {
          const r = await daemon.route(p);
          expect(r?.asPath).toEqual([64500]);
          expect(r?.nextHop).toBe(D6);
        }
        // Withdrawn (MP_UNREACH_NLRI) when D stops originating one.
        await d.delete("/routes", [OWN6[0]!]);
        await waitFor(
          `${daemon.name} to drop the IPv6 route D withdrew`,
          async () => (await daemon.route(OWN6[0]!)) === undefined,
          30_000,
        );
        expect((await daemon.route(OWN6[1]!))?.nextHop).toBe(D6);
        expect(await daemon.prefixCount(6)).toBe(v6.length + OWN6.length - 1);
        expect(daemon.errorLines()).toEqual([]);
        expect(dErrors(lab)).toEqual([]);
      });
    },
  );
}

describe.runIf(ready)("interop: graceful restart per address family with BIRD", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("sweeps each family's stale routes at its own time: IPv6 when dropped from the capability, IPv4 at its End-of-RIB", async () => {
    const v4 = loadTable()
      .slice(0, 200)
      .map((r) => r.prefix);
    const v6 = loadTable(UPDATES_2016, "*", 6).map((r) => r.prefix);
    const { nsD, nsB } = await linked(lab);
    let bird = startBird(lab, nsB, v4, v6, { restarting: false, v6Gr: true, n: 1 });
    const d = await startDyninfra(lab, nsD, "dyninfra-d", dSpec());
    const own = OWN4.length + OWN6.length;
    const all = v4.length + v6.length;
    await waitFor(`BIRD's ${all} routes in D`, async () => (await locRib(d)) === all + own, 90_000);

    // Watch the IPv4 routes through the restart: none may be lost before the IPv4 End-of-RIB.
    const keep4 = v4.slice(0, 150);
    const keep6 = v6.slice(0, Math.floor((v6.length * 2) / 3));
    const ipv4Watch = watchLowest(async () => (await session(d)).prefixesReceived.ipv4, 50);

    bird.kill("SIGKILL");
    await waitFor(
      "D to retain BIRD's routes stale",
      async () => (await session(d)).gracefulRestart.phase === "restarting",
      60_000,
      100,
    );
    expect((await session(d)).gracefulRestart.staleRoutes).toBe(all);
    expect(await locRib(d)).toBe(all + own);

    // Back, restarting, Graceful Restart for IPv4 only, without some routes of each family.
    bird = startBird(lab, nsB, keep4, keep6, { restarting: true, v6Gr: false, n: 2 });
    await waitFor(
      "the End-of-RIB sweep",
      async () => {
        const s = await session(d);
        return s.state === "Established" && s.gracefulRestart.phase === "none";
      },
      90_000,
      100,
    );
    await waitFor(
      "BIRD's re-announced routes",
      async () => (await locRib(d)) === keep4.length + keep6.length + own,
      30_000,
    );
    const lowest4 = await ipv4Watch.stop();
    const back = await session(d);
    expect(back.gracefulRestart.staleRoutes).toBe(0);
    expect(back.gracefulRestart.lastSweep?.reason).toMatch(/End-of-RIB received for 1\/1/);
    expect(back.prefixesReceived).toEqual({
      ipv4: keep4.length,
      ipv6: keep6.length,
      accepted: { ipv4: keep4.length, ipv6: keep6.length },
    });
    expect(lowest4).toBeGreaterThanOrEqual(keep4.length);
    // D's log: the IPv6 routes, all of them stale, swept as the session came back (their family
    // gone from the capability); then exactly the IPv4 routes not re-announced, at End-of-RIB.
    const log = lab.log("dyninfra-d");
    expect(log).toMatch(
      new RegExp(`${v6.length} stale routes swept: family 2/1 is missing from the new Graceful`),
    );
    expect(log).toMatch(
      new RegExp(`${v4.length - keep4.length} stale routes swept: End-of-RIB received for 1/1`),
    );
    expect(await best(d, v6[v6.length - 1]!)).toBeUndefined();
    expect((await best(d, keep6[0]!))?.peer).toBe("192.0.2.2");
    expect(birdErrors(lab, 2)).toEqual([]);
    expect(dErrors(lab)).toEqual([]);
  });
});
