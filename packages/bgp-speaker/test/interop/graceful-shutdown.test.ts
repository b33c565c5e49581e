// Graceful BGP session shutdown (RFC 8326) with BIRD 2: dyninfra D drains its session with BIRD
// through the control interface — the session stays up, BIRD gets D's routes again carrying the
// GRACEFUL_SHUTDOWN community (65535,0), and BIRD's routes get LOCAL_PREF 0 in D — then ends it.
import { afterAll, describe, expect, it } from "vitest";
import {
  bird,
  birdBesideD,
  birdRouteBlocks,
  dyninfraD,
  dyninfraNeighbor,
  startDyninfra,
} from "./daemons";
import { isRoot, Lab, waitFor, which } from "./lab";

const ready = isRoot && which("ip") && bird().available;
if (!ready) console.warn("interop graceful shutdown: skipped — needs root, iproute2 and BIRD");

const FROM_D = ["198.51.100.0/24", "203.0.113.0/24"];
const FROM_BIRD = ["192.0.2.128/25", "100.64.0.0/16"];

interface Session {
  name: string;
  state: string;
  gracefulShutdown: boolean;
}
interface RouteJson {
  prefix: string;
  peer: string;
  attributes: { localPref?: number };
}

describe.runIf(ready)("interop: graceful session shutdown (RFC 8326) with BIRD", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("BIRD sees D's routes tagged (65535,0) while the session stays up; BIRD's routes get LOCAL_PREF 0 in D; then both back", async () => {
    const { nsD, birdc } = await birdBesideD(lab, { s4: FROM_BIRD }, [
      "hold time 30;",
      "ipv4 { import all; export all; };",
    ]);
    const d = await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dyninfraD([dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1")], FROM_D),
    );
    const session = async () =>
      ((await d.get("/sessions")) as Session[]).find((s) => s.name === "bird")!;
    const routesFromBird = async () =>
      ((await d.get("/routes")) as RouteJson[]).filter((r) => r.peer === "192.0.2.2");
    /** BIRD's route from D for each of D's prefixes: its block of `show route all` text. */
    const inBird = async () => {
      const blocks = birdRouteBlocks(await birdc("show", "route", "all", "protocol", "d"));
      return FROM_D.map((p) => blocks.get(p));
    };
    await waitFor(
      "the routes both ways",
      async () => (await routesFromBird()).length === 2 && (await inBird()).every((t) => t),
      30_000,
      200,
    );
    expect((await inBird()).some((t) => t!.includes("(65535,0)"))).toBe(false);

    expect(await d.post("/sessions/bird/graceful-shutdown", {})).toEqual({ locRibChanges: 2 });
    await waitFor(
      "(65535,0) on D's routes in BIRD",
      async () => (await inBird()).every((t) => t?.includes("(65535,0)")),
      30_000,
      200,
    );
    expect((await routesFromBird()).map((r) => r.attributes.localPref)).toEqual([0, 0]);
    expect(await session()).toMatchObject({ state: "Established", gracefulShutdown: true });

    expect(await d.post("/sessions/bird/graceful-shutdown", { on: false })).toEqual({
      locRibChanges: 2,
    });
    await waitFor(
      "the community gone again",
      async () => (await inBird()).every((t) => t !== undefined && !t.includes("(65535,0)")),
      30_000,
      200,
    );
    expect((await routesFromBird()).map((r) => r.attributes.localPref)).toEqual([
      undefined,
      undefined,
    ]);
    expect((await session()).state).toBe("Established");
  });
});
