// ADD-PATH (RFC 7911) negotiated with a real BIRD: BIRD holds two routes for each of 300 real
// prefixes (two static protocols) and, with `add paths on`, sends dyninfra D every path with its
// Path Identifier. D must key them by Path Identifier (600 paths, 300 prefixes); without ADD-PATH
// on D's side the same BIRD sends one path per prefix.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDyninfra } from "./daemons";
import { isRoot, Lab, waitFor, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const ready = isRoot && which("ip") && which("bird") && tablePresent;
if (!ready)
  console.warn(
    "interop add-path: skipped — needs root, iproute2, BIRD (bird2) and the shared data",
  );

interface Stats {
  prefixes: number;
  paths: number;
  locRibRoutes: number;
}

describe.runIf(ready)("interop: ADD-PATH with BIRD", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("receives every path BIRD has, keyed by Path Identifier, only when negotiated", async () => {
    const prefixes = loadTable()
      .slice(0, 300)
      .map((r) => r.prefix);
    const nsD = await lab.ns("d");
    const nsB = await lab.ns("b");
    await lab.link(nsD, "192.0.2.1/24", nsB, "192.0.2.2/24");
    await lab.link(nsD, "198.18.0.1/24", nsB, "198.18.0.2/24");
    const file = join(lab.dir, "bird.conf");
    const statics = (name: string, via: string) => [
      `protocol static ${name} {`,
      "  ipv4;",
      ...prefixes.map((p) => `  route ${p} via ${via};`),
      "}",
    ];
    writeFileSync(
      file,
      [
        "log stderr all;",
        "router id 192.0.2.2;",
        "protocol device {}",
        // Two routes per prefix, with different next hops.
        ...statics("s1", "192.0.2.3"),
        ...statics("s2", "192.0.2.4"),
        // D1 offers ADD-PATH; D2 (the same router's second neighbour) does not.
        "protocol bgp d1 {",
        "  local 192.0.2.2 as 64501;",
        "  neighbor 192.0.2.1 as 64500;",
        "  ipv4 { import none; export all; add paths on; };",
        "}",
        "protocol bgp d2 {",
        "  local 198.18.0.2 as 64501;",
        "  neighbor 198.18.0.1 as 64500;",
        "  ipv4 { import none; export all; add paths on; };",
        "}",
      ].join("\n"),
    );
    lab.spawn(nsB, "bird", "bird", ["-f", "-c", file, "-s", join(lab.dir, "bird.ctl")]);
    const neighbor = (name: string, address: string, local: string, addPath: boolean) => ({
      name,
      address,
      asn: 64501,
      localAddress: local,
      connectRetryTime: 2,
      importPolicy: "accept",
      exportPolicy: "reject",
      ...(addPath ? { capabilities: { addPath: [{ afi: 1, safi: 1, sendReceive: 3 }] } } : {}),
    });
    const d1 = await startDyninfra(lab, nsD, "dyninfra-d1", {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [neighbor("bird", "192.0.2.2", "192.0.2.1", true)],
    });
    const stats = async () => (await d1.get("/stats")) as Stats;
    await waitFor("600 paths at D1", async () => (await stats()).paths === 600, 60_000).catch(
      async (e) => {
        throw new Error(
          `${e}: ${JSON.stringify(await stats())} ${JSON.stringify(await d1.get("/sessions"))}`,
        );
      },
    );
    const s = await stats();
    expect(s.prefixes).toBe(300);
    expect(s.locRibRoutes).toBe(300);
    const sessions = (await d1.get("/sessions")) as {
      addPath: unknown;
      negotiated: { addPath: unknown };
    }[];
    expect(sessions[0]?.addPath).toEqual({ receive: true, send: true });
    expect(sessions[0]?.negotiated.addPath).toEqual({
      receive: [{ afi: 1, safi: 1 }],
      send: [{ afi: 1, safi: 1 }],
    });
    // D2 offers no ADD-PATH: BIRD sends its best path only.
    const d2 = await startDyninfra(lab, nsD, "dyninfra-d2", {
      asn: 64500,
      bgpIdentifier: "198.18.0.1",
      localAddress: "198.18.0.1",
      neighbors: [neighbor("bird", "198.18.0.2", "198.18.0.1", false)],
    });
    await waitFor(
      "300 prefixes at D2",
      async () => ((await d2.get("/stats")) as Stats).prefixes === 300,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(((await d2.get("/stats")) as Stats).paths).toBe(300);
  });
});
