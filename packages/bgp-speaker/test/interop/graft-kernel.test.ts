// Router Grafting for real: a live eBGP session with BIRD moves from dyninfra router A to
// dyninfra router B — routes, BGP session state, the kernel's TCP connection and the link — and
// BIRD notices nothing. Namespaces: BIRD (192.0.2.2, AS64501, 500 real prefixes, graceful restart
// off so that any session reset would withdraw them), A and B (AS64500, 192.0.2.1 each), and a
// switch S — a Linux bridge standing in for the optical circuit switch — that connects BIRD's
// link to A's port, later to B's (BIRD's own link never loses its carrier). B's port has a MAC
// address of its own and B already knows BIRD's, so it sends BIRD no ARP request: BIRD's ARP
// entry for 192.0.2.1 moves to B's MAC only by the restore's gratuitous ARP (tcp-repair.py).
//
// One phase: the circuit goes dark (A's port leaves the bridge); A pauses the session and exports
// it (`POST /sessions/bird/graft-out`); tcp-repair.py (@dyninfra/tcp-state-transfer) takes a copy
// of A's socket, freezes it with TCP_REPAIR and dumps it; A releases the session (the socket
// closes silently: repair mode); the circuit is switched to B's port; tcp-repair.py restores the
// connection in B's namespace and execs router B with it (`dyninfra-bgpd --graft-in`).
// Two phases (DESIGN.md's four steps): B already runs; while the session still runs on A, A's RIB
// exports it (`graft-export`, journaling from then on) and B imports it (`/graft/prepare`); BIRD
// then withdraws 100 routes (journaled on A); at the freeze A pauses the session and hands over
// the journal (`graft-freeze`), the socket is dumped, the circuit switched, and B restores the
// connection in its own process and resumes the session, replaying the journal (`/graft/resume`).
//
// Over IPv4 addresses, and over IPv6 link-local ones only (fe80::2 BIRD, fe80::1 A and B, whose
// ports are both named up0 so that the neighbour's address fe80::2%up0 means the same link on
// each), IPv4 carried with Extended Next Hop Encoding (RFC 8950): the restore then announces
// fe80::1 with an unsolicited Neighbor Advertisement instead of the gratuitous ARP.
//
// Either way B sends BIRD only the incremental update (A's own route withdrawn, B's announced);
// BIRD's session must stay up throughout (same "established since" time, its state log showing
// no change), B's session counters continue A's (no OPEN sent again), and the moved session must
// carry UPDATEs both ways afterwards.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Dyninfra } from "./daemons";
import {
  birdScenarioConfig,
  birdSessionUnchanged,
  dyninfraD,
  dyninfraNeighbor,
  startDyninfra,
} from "./daemons";
import { isRoot, Lab, macOf, run, waitFor, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const HELPER = resolve(import.meta.dirname, "../../../tcp-state-transfer/linux/tcp-repair.py");
const ready = isRoot && which("ip") && which("bird") && which("birdc") && which("python3");
const usable = ready && tablePresent;
if (!usable)
  console.warn(
    "interop kernel graft: skipped — needs root, iproute2, BIRD (bird2), python3 and ../shared/data/bgp",
  );

const OWN_A = "100.64.0.0/24";
const OWN_B = "100.64.1.0/24";
const LATER_B = "100.64.2.0/24";

interface Session {
  name: string;
  state: string;
  counters: { updatesReceived: number; updatesSent: number; opensSent: number };
}
const session = async (d: Dyninfra) =>
  ((await d.get("/sessions")) as Session[]).find((s) => s.name === "bird");
const locRib = async (d: Dyninfra) =>
  ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;

const TITLE = {
  1: "one phase",
  2: "two phases, journal replayed",
  abort: "two phases, abandoned after the freeze and rolled back",
};

const MODES = [
  ...([1, 2, "abort"] as const).map((phases) => ({ phases, linkLocal: false })),
  ...([1, 2, "abort"] as const).map((phases) => ({ phases, linkLocal: true })),
];

/** Only the link-local address `addr` on `dev` in `ns` (the kernel's own one removed). */
async function linkLocalOnly(ns: string, dev: string, addr: string): Promise<void> {
  await run("ip", ["-n", ns, "-6", "addr", "flush", "dev", dev, "scope", "link"]);
  await run("ip", ["-n", ns, "addr", "add", `${addr}/64`, "dev", dev, "nodad"]);
}

/** Renames interface `dev` in `ns` to `name` (it goes down and up again). */
async function rename(ns: string, dev: string, name: string): Promise<string> {
  await run("ip", ["-n", ns, "link", "set", dev, "down"]);
  await run("ip", ["-n", ns, "link", "set", dev, "name", name]);
  await run("ip", ["-n", ns, "link", "set", name, "up"]);
  return name;
}

for (const { phases, linkLocal } of MODES) {
  // BIRD's address and the routers', as the sessions name them.
  const addrN = linkLocal ? "fe80::2" : "192.0.2.2";
  const addrA = linkLocal ? "fe80::1" : "192.0.2.1";
  const peer = linkLocal ? `${addrN}%up0` : addrN;
  describe.runIf(usable)(
    `interop: Router Grafting with the kernel's TCP connection (TCP_REPAIR), ${TITLE[phases]}${linkLocal ? ", over link-local addresses (RFC 8950)" : ""}`,
    () => {
      const lab = new Lab();
      afterAll(() => lab.cleanup());

      it(
        phases === "abort"
          ? "rolls a frozen graft back: the session goes on on router A; BIRD notices nothing"
          : "moves a live session with BIRD from router A to router B; BIRD notices nothing",
        async () => {
          const prefixes = loadTable()
            .slice(0, 500)
            .map((r) => r.prefix);
          const [kept, churned] = [prefixes.slice(0, 400), prefixes.slice(400)];
          const nsN = await lab.ns("n");
          const nsS = await lab.ns("s");
          const nsA = await lab.ns("a");
          const nsB = await lab.ns("b");
          const ipS = (...args: string[]) => run("ip", ["-n", nsS, ...args]);
          await ipS("link", "add", "br0", "type", "bridge");
          await ipS("link", "set", "br0", "up");
          const v4 = (cidr: string) => (linkLocal ? "" : cidr);
          const { a: ifN, b: portN } = await lab.link(nsN, v4("192.0.2.2/24"), nsS, "");
          let { a: ifA, b: portA } = await lab.link(nsA, v4("192.0.2.1/24"), nsS, "");
          let { a: ifB, b: portB } = await lab.link(nsB, v4("192.0.2.1/24"), nsS, "");
          if (linkLocal) {
            ifA = await rename(nsA, ifA, "up0");
            ifB = await rename(nsB, ifB, "up0");
            await linkLocalOnly(nsN, ifN, addrN);
            await linkLocalOnly(nsA, ifA, addrA);
            await linkLocalOnly(nsB, ifB, addrA);
          }
          // B's port has its own MAC address; B knows BIRD's (no ARP request from B would tell
          // BIRD where 192.0.2.1 is now): only the restore's gratuitous ARP does.
          const macB = await macOf(nsB, ifB);
          expect(macB).not.toBe(await macOf(nsA, ifA));
          await run("ip", [
            ...["-n", nsB, "neigh", "replace", addrN, "lladdr", await macOf(nsN, ifN)],
            ...["dev", ifB, "nud", "permanent"],
          ]);
          for (const port of [portN, portA]) await ipS("link", "set", port, "master", "br0");
          const sock = join(lab.dir, "bird.ctl");
          const birdc = (...args: string[]) => run("birdc", ["-s", sock, ...args]);
          const conf = join(lab.dir, "bird.conf");
          writeFileSync(
            conf,
            birdScenarioConfig(
              { s4: kept, s4b: churned },
              [
                "hold time 30;",
                "graceful restart off;",
                "debug { states };",
                `ipv4 { import all; export all;${linkLocal ? " extended next hop on;" : ""} };`,
              ],
              linkLocal ? { neighbor: `${addrA}%${ifN}` } : undefined,
            ),
          );
          lab.spawn(nsN, "bird", "bird", [
            ...["-f", "-c", conf, "-s", sock, "-P", join(lab.dir, "bird.pid")],
          ]);
          await waitFor(
            "BIRD",
            async () => (await birdc("show status")).includes("Daemon is up"),
            10_000,
          );
          const neighbor = dyninfraNeighbor(
            "bird",
            peer,
            64501,
            linkLocal ? `${addrA}%up0` : addrA,
            linkLocal ? { capabilities: { extendedNextHop: true } } : {},
          );
          const a = await startDyninfra(lab, nsA, "router-a", dyninfraD([neighbor], [OWN_A]), {
            args: ["--tcp-repair", HELPER],
          });
          await waitFor(
            "A's routes",
            async () => (await locRib(a)) === prefixes.length + 1,
            60_000,
          );
          const birdHas = async (p: string) =>
            (await birdc("show route", p).catch(() => "")).includes(p);
          await waitFor("BIRD to hold A's route", () => birdHas(OWN_A), 30_000);
          /** BIRD's protocol line for the session: state and the time it has been in it. */
          const birdSession = async () => {
            const line = (await birdc("show protocols", "d"))
              .split("\n")
              .find((l) => /^d\s/.test(l));
            return line?.trim().split(/\s+/) ?? [];
          };
          const before = await birdSession();
          expect(before[3]).toBe("up");
          expect(before.at(-1)).toBe("Established");

          // Two phases: B runs already and imports the session in the background, while BIRD's
          // withdrawal of 100 routes still reaches A (and A's journal).
          let b: Dyninfra | undefined;
          let seq = 0;
          if (phases !== 1) {
            b = await startDyninfra(lab, nsB, "router-b", dyninfraD([], [OWN_B]), {
              args: ["--tcp-repair", HELPER],
            });
            const exported = (await a.post("/sessions/bird/graft-export", {})) as object;
            seq = ((await b.post("/graft/prepare", exported)) as { seq: number }).seq;
            expect(seq).toBeGreaterThan(0);
          }
          if (phases === 2) {
            await birdc("disable", "s4b");
            await waitFor(
              "A to lose the withdrawn routes",
              async () => (await locRib(a)) === 401,
              30_000,
            );
          }
          const countersA = (await session(a))!.counters;
          const expected = phases === 2 ? kept.length : prefixes.length;
          /** BIRD never saw the session go; no router logged an error. */
          const birdNoticedNothing = async () => {
            const after = await birdSession();
            expect(after[3]).toBe("up");
            expect(after.at(-1)).toBe("Established");
            // The session's "since" time unchanged (to the millisecond BIRD may round).
            expect(birdSessionUnchanged(before, after)).toBe(true);
            // Its log of the session's states (`debug { states }`): up once, never down since.
            const states = lab
              .log("bird")
              .split("\n")
              .filter((l) => /\bd: State changed to/.test(l))
              .map((l) => l.replace(/.*State changed to /, ""));
            expect(states.filter((x) => x === "up")).toHaveLength(1);
            expect(states.slice(states.indexOf("up") + 1)).toEqual([]);
            expect(lab.log("bird")).not.toMatch(/<(ERR|BUG|FATAL)>/);
            const errors = [lab.log("router-a"), lab.log("router-b")]
              .join("\n")
              .split("\n")
              .filter(
                (l) => /error|uncaught|NOTIFICATION|Idle/i.test(l) && !/Idle -> Connect/.test(l),
              );
            expect(errors).toEqual([]);
          };

          // The circuit goes dark (A's port leaves the switch); A pauses the session.
          const dark = Date.now();
          await ipS("link", "set", portA, "nomaster");
          await ipS("link", "set", portA, "down");
          await new Promise((r) => setTimeout(r, 200));
          const out = (await (phases === 1
            ? a.post("/sessions/bird/graft-out", {})
            : a.post("/sessions/bird/graft-freeze", { sinceSeq: seq }))) as {
            graft?: unknown;
            handover?: { journal: unknown[] };
            connection: { localAddress: string; localPort: number; remoteAddress: string };
          };
          expect(out.connection.remoteAddress).toBe(peer);
          if (phases === 2) expect(out.handover!.journal.length).toBeGreaterThan(0);
          // The kernel's connection, frozen and dumped from A's process.
          const tcpFile = join(lab.dir, "tcp.json");
          await run("python3", [
            ...[HELPER, "dump", "--pid", String(a.pid)],
            ...["--local", `${out.connection.localAddress}:${out.connection.localPort}`],
            ...["--remote", `${peer}:179`, "--out", tcpFile],
          ]);
          const tcp = JSON.parse(readFileSync(tcpFile, "utf8")) as Record<string, unknown>;
          expect(tcp.state).toBe("ESTABLISHED");
          expect(tcp.dst_port).toBe(179);
          if (phases === "abort") {
            // B cannot take the session over (its restore failed, say): both routers roll back.
            // Meanwhile BIRD withdraws 100 routes into the dark circuit.
            await birdc("disable", "s4b");
            expect(await b!.post("/graft/discard", { name: "bird" })).toEqual({ locRibChanges: 0 });
            const r = (await a.post("/sessions/bird/graft-abort", {})) as Record<string, unknown>;
            expect(r).toEqual({ journalDropped: expect.any(Number), unpaused: true, thawed: true });
            await ipS("link", "set", portA, "up");
            await ipS("link", "set", portA, "master", "br0");
            // TCP retransmits what BIRD sent into the dark; A takes it on the same session.
            await waitFor(
              "A to lose BIRD's withdrawn routes",
              async () => (await locRib(a)) === kept.length + 1,
              60_000,
            );
            console.error(`graft rolled back: circuit dark to A updated ${Date.now() - dark} ms`);
            await a.post("/routes", [{ prefix: LATER_B }]);
            await waitFor("BIRD to get A's new route", () => birdHas(LATER_B), 30_000);
            const resumed = (await session(a))!;
            expect(resumed.state).toBe("Established");
            expect(resumed.counters.opensSent).toBe(countersA.opensSent);
            expect(await session(b!)).toBeUndefined();
            expect(await locRib(b!)).toBe(1); // its own route only
            await birdNoticedNothing();
            return;
          }
          // A lets the session go: its socket closes without a FIN (repair mode).
          await a.post("/sessions/bird/release", {});
          expect(await session(a)).toBeUndefined();
          // The circuit is switched to B's port; B takes over connection and session.
          await ipS("link", "set", portB, "master", "br0");
          if (phases === 1) {
            const graftFile = join(lab.dir, "graft.json");
            writeFileSync(graftFile, JSON.stringify(out.graft));
            b = await startDyninfra(lab, nsB, "router-b", dyninfraD([], [OWN_B]), {
              prefix: ["python3", HELPER, "restore", tcpFile, "--"],
              args: ["--graft-in", graftFile],
            });
          } else {
            const r = (await b!.post("/graft/resume", { handover: out.handover, tcp })) as {
              replayed: number;
              error?: string;
            };
            expect(r.error).toBeUndefined();
            expect(r.replayed).toBeGreaterThan(0);
          }
          const moved = (await session(b!))!;
          expect(moved.state).toBe("Established");
          console.error(
            `graft (${phases} phase(s)): circuit dark to B established ${Date.now() - dark} ms`,
          );
          await waitFor(
            "B to hold BIRD's routes",
            async () => (await locRib(b!)) === expected + 1,
            30_000,
          );
          await waitFor("BIRD to get B's route", () => birdHas(OWN_B), 30_000);
          // BIRD's host sends to B's MAC now (the gratuitous ARP, or the Neighbor Advertisement),
          // not to A's.
          expect(await run("ip", ["-n", nsN, "neigh", "show", addrA])).toContain(macB);
          await waitFor("BIRD to lose A's route", async () => !(await birdHas(OWN_A)), 30_000);
          // The same session: counters continue from A's, no OPEN was sent again.
          expect(moved.counters.opensSent).toBe(countersA.opensSent);
          expect(moved.counters.updatesReceived).toBeGreaterThanOrEqual(countersA.updatesReceived);

          // The moved session carries UPDATEs both ways.
          await b!.post("/routes", [{ prefix: LATER_B }]);
          await waitFor("BIRD to get B's new route", () => birdHas(LATER_B), 30_000);
          for (const p of ["s4", "s4b"]) await birdc("disable", p);
          await waitFor("B to lose BIRD's routes", async () => (await locRib(b!)) === 2, 30_000);

          // BIRD never saw the session go: still Established since the same time.
          await birdNoticedNothing();
        },
      );
    },
  );
}
