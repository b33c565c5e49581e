// AS_PATH options per neighbour against BIRD 2: as-override and remove-private-AS on what dyninfra
// D sends BIRD (BIRD, AS64501, refuses a path with its own AS), allowas-in on what BIRD sends D
// (BIRD's export filter puts D's AS into the path).
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
if (!ready) console.warn("interop AS_PATH options: skipped — needs root, iproute2 and BIRD");

const FROM_BIRD = ["192.0.2.128/25", "100.64.0.0/16"];

interface RouteJson {
  prefix: string;
  peer: string;
  attributes: { asPath?: { type: string; asns: number[] }[] };
}

describe.runIf(ready)("interop: as-override, remove-private-AS and allowas-in with BIRD", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("BIRD takes routes with its own AS overridden and private ASNs removed; D takes BIRD's routes with its AS once", async () => {
    const { nsD, birdc } = await birdBesideD(lab, { s4: FROM_BIRD }, [
      "hold time 30;",
      "ipv4 { import all; export filter { bgp_path.prepend(64500); accept; }; };",
    ]);
    const d = await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dyninfraD(
        [
          dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", {
            asOverride: true,
            removePrivateAs: "remove",
            allowAsIn: 1,
          }),
        ],
        [],
      ),
    );
    await d.post("/routes", [
      { prefix: "198.51.100.0/24", asPath: [64501, 3356] }, // BIRD's own AS: overridden
      { prefix: "203.0.113.0/24", asPath: [64512, 3356] }, // a private ASN: removed
    ]);
    const inBird = () => birdc("show", "route", "all", "protocol", "d");
    const fromBird = async () =>
      ((await d.get("/routes")) as RouteJson[]).filter((r) => FROM_BIRD.includes(r.prefix));
    await waitFor(
      "the routes both ways",
      async () => {
        const text = await inBird();
        return (
          text.includes("198.51.100.0/24") &&
          text.includes("203.0.113.0/24") &&
          (await fromBird()).length === FROM_BIRD.length
        );
      },
      30_000,
      200,
    );
    const blocks = birdRouteBlocks(await inBird());
    expect(blocks.get("198.51.100.0/24")).toMatch(/BGP\.as_path: 64500 64500 3356\n/);
    expect(blocks.get("203.0.113.0/24")).toMatch(/BGP\.as_path: 64500 3356\n/);
    for (const r of await fromBird())
      expect(r.attributes.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64501, 64500] }]);
  });
});
