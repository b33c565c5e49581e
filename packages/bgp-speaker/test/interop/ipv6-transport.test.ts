// A BGP session over IPv6 (TCP between IPv6 addresses, no IPv4 on the link) with BIRD, IPv6
// unicast only: BIRD sends the real IPv6 prefixes of the RIPE RIS 2016 updates, next hop its
// session address; D's own route reaches BIRD via D's; BIRD's withdrawal empties D's table.
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { dyninfraD, dyninfraNeighbor, startBird, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { loadTable, tablePresent, UPDATES_2016 } from "./routes";

const ready =
  isRoot &&
  which("ip") &&
  which("bird") &&
  which("birdc") &&
  tablePresent &&
  existsSync(UPDATES_2016);
if (!ready)
  console.warn(
    "interop IPv6 transport: skipped — needs root, iproute2, BIRD and ../shared/data/bgp",
  );

const D6 = "2001:db8:ff::1";
const B6 = "2001:db8:ff::2";
const OWN6 = "2001:db8:100::/48";

describe.runIf(ready)("interop: a BGP session over IPv6 transport with BIRD", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("exchanges IPv6 routes over a session between IPv6 addresses", async () => {
    const v6 = loadTable(UPDATES_2016, "*", 6).map((r) => r.prefix);
    expect(v6.length).toBeGreaterThan(50);
    const nsD = await lab.ns("d");
    const nsN = await lab.ns("n");
    const { a, b } = await lab.link(nsD, "", nsN, "");
    await run("ip", ["-n", nsD, "addr", "add", `${D6}/64`, "dev", a, "nodad"]);
    await run("ip", ["-n", nsN, "addr", "add", `${B6}/64`, "dev", b, "nodad"]);
    const birdc = await startBird(
      lab,
      nsN,
      [
        "log stderr all;",
        "router id 192.0.2.2;",
        "protocol device {}",
        `protocol static s6 { ipv6;\n${v6.map((p) => `  route ${p} blackhole;`).join("\n")}\n}`,
        "protocol bgp d {",
        `  local ${B6} as 64501;`,
        `  neighbor ${D6} as 64500;`,
        "  hold time 30;",
        "  ipv6 { import all; export all; };",
        "}",
      ].join("\n"),
    );
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD(
        [
          dyninfraNeighbor("bird", B6, 64501, D6, {
            capabilities: { families: [{ afi: 2, safi: 1 }] },
          }),
        ],
        [OWN6],
      ),
      localIpv6Address: D6,
    });
    const stats = async () => (await d.get("/stats")) as { locRibRoutes: number };
    await waitFor(
      "D to hold BIRD's routes",
      async () => (await stats()).locRibRoutes === v6.length + 1,
      60_000,
    );
    const sessions = (await d.get("/sessions")) as {
      name: string;
      state: string;
      negotiated: { families: { afi: number; safi: number }[] };
    }[];
    expect(sessions[0]).toMatchObject({
      state: "Established",
      negotiated: { families: [{ afi: 2, safi: 1 }] },
    });
    // BIRD's route arrives with BIRD's session address as next hop.
    const r = (await d.get(`/routes/${encodeURIComponent(v6[0]!)}`)) as {
      candidates: {
        route: { peer: string; attributes: { mpReachNlri?: { nextHop: string[] } } };
      }[];
    };
    expect(r.candidates[0]?.route.peer).toBe(B6);
    expect(r.candidates[0]?.route.attributes.mpReachNlri?.nextHop[0]).toBe(B6);
    // D's own route reaches BIRD via D's address.
    await waitFor(
      "BIRD to hold D's route",
      async () => (await birdc("show route", OWN6)).includes(OWN6),
      30_000,
    );
    expect(await birdc("show route", OWN6, "all")).toMatch(
      new RegExp(`via ${D6}|BGP.next_hop: ${D6}`),
    );
    // A withdrawal over the IPv6 session.
    await birdc("disable", "s6");
    await waitFor(
      "D to lose BIRD's routes",
      async () => (await stats()).locRibRoutes === 1,
      30_000,
    );
    expect(lab.log("dyninfra-d")).not.toMatch(/NOTIFICATION|error/i);
  });
});
