// dyninfra D as a route server (RFC 7947) with BIRD 2 as one client and dyninfra C as another on
// the same subnet: BIRD must get C's routes as C sent them — AS_PATH without D's AS, C's
// NEXT_HOP — and C must get BIRD's the same way.
import { afterAll, describe, expect, it } from "vitest";
import { bird, birdBesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";

const ready = isRoot && which("ip") && bird().available;
if (!ready) console.warn("interop route server: skipped — needs root, iproute2 and BIRD");

const FROM_C = ["198.51.100.0/24", "203.0.113.0/24"];
const FROM_BIRD = ["192.0.2.128/25", "100.64.0.0/16"];

interface RouteJson {
  prefix: string;
  peer: string;
  attributes: { asPath?: { type: string; asns: number[] }[]; nextHop?: string };
}

describe.runIf(ready)("interop: route server (RFC 7947) with BIRD as a client", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("passes C's routes to BIRD and BIRD's to C with their AS_PATH and NEXT_HOP as received", async () => {
    const { nsD, birdc } = await birdBesideD(lab, { s4: FROM_BIRD }, [
      "hold time 30;",
      "ipv4 { import all; export all; };",
    ]);
    // C shares D's namespace and subnet (192.0.2.3), as clients of an exchange's route server do.
    await run("ip", ["-n", nsD, "addr", "add", "192.0.2.3/32", "dev", "lo"]);
    const c = await startDyninfra(lab, nsD, "dyninfra-c", {
      asn: 65003,
      bgpIdentifier: "192.0.2.3",
      localAddress: "192.0.2.3",
      listen: { host: "192.0.2.3", port: 179 },
      neighbors: [dyninfraNeighbor("rs", "192.0.2.1", 64500, "192.0.2.3", { passive: true })],
      originate: FROM_C.map((prefix) => ({ prefix })),
    });
    const rs = { routeServerClient: true };
    await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dyninfraD([
        dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", rs),
        dyninfraNeighbor("c", "192.0.2.3", 65003, "192.0.2.1", rs),
      ]),
    );
    // BIRD's routes from the route server, and C's.
    const inBird = () => birdc("show", "route", "all", "protocol", "d");
    const inC = async () =>
      ((await c.get("/routes")) as RouteJson[]).filter((r) => FROM_BIRD.includes(r.prefix));
    await waitFor(
      "each client's routes at the other",
      async () => {
        const text = await inBird();
        return FROM_C.every((p) => text.includes(p)) && (await inC()).length === FROM_BIRD.length;
      },
      30_000,
      200,
    );
    const text = await inBird();
    for (const p of FROM_C) expect(text).toContain(p);
    expect(text).toMatch(/BGP\.as_path: 65003\n/);
    expect(text).toMatch(/BGP\.next_hop: 192\.0\.2\.3\n/);
    expect(text).not.toMatch(/BGP\.as_path: 64500/);
    for (const r of await inC()) {
      expect(r.attributes.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64501] }]);
      expect(r.attributes.nextHop).toBe("192.0.2.2");
    }
  });
});
