// BGP between IPv6 link-local addresses, with IPv4 carried over IPv6 next hops (RFC 8950), as
// data-centre fabrics run it ("unnumbered"): a veth link with no address but fe80::1 (dyninfra D,
// AS64500) and fe80::2 (the daemon, AS64501). Both families cross the one session; D installs the
// daemon's routes in its namespace's kernel (`via inet6 fe80::2 dev …` for IPv4) and a ping from
// D's IPv4 address reaches the daemon's over that route; the daemon holds D's routes via fe80::1;
// a withdrawal removes D's kernel route (BIRD). Against BIRD 2, FRR and GoBGP.
import { afterAll, describe, expect, it } from "vitest";
import {
  birdScenarioConfig,
  type Daemon,
  type DaemonNeighbor,
  type Dyninfra,
  frr,
  gobgp,
  startBird,
  startDyninfra,
} from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";

const D4 = "198.51.100.0/24";
const D6 = "2001:db8:100::/48";
const N4 = "203.0.113.0/24";
const N6 = "2001:db8:200::/48";

/**
 * Namespaces d and n joined by a link whose only addresses are fe80::1 (d's end) and fe80::2 (n's
 * end; the kernel's own link-local addresses removed, so that they are the connections' sources),
 * with 198.51.100.1 on d's loopback and 203.0.113.1 on n's, and n's route back to d's address
 * over the link (set by hand: the reply path is not what is tested).
 */
async function linkLocalLab(lab: Lab) {
  const nsD = await lab.ns("d");
  const nsN = await lab.ns("n");
  const { a, b } = await lab.link(nsD, "", nsN, "");
  for (const [ns, dev, addr] of [
    [nsD, a, "fe80::1"],
    [nsN, b, "fe80::2"],
  ] as const) {
    await run("ip", ["-n", ns, "-6", "addr", "flush", "dev", dev, "scope", "link"]);
    await run("ip", ["-n", ns, "addr", "add", `${addr}/64`, "dev", dev, "nodad"]);
  }
  await run("ip", ["-n", nsD, "addr", "add", "198.51.100.1/32", "dev", "lo"]);
  await run("ip", ["-n", nsN, "addr", "add", "203.0.113.1/32", "dev", "lo"]);
  await run("ip", ["-n", nsN, "route", "add", D4, "via", "inet6", "fe80::1", "dev", b]);
  return { nsD, nsN, a, b };
}

/** D over the link-local session (end `a`), with Extended Next Hop Encoding and kernel routes. */
function startD(lab: Lab, nsD: string, a: string): Promise<Dyninfra> {
  return startDyninfra(lab, nsD, "dyninfra-d", {
    asn: 64500,
    bgpIdentifier: "192.0.2.1",
    neighbors: [
      {
        name: "peer",
        address: `fe80::2%${a}`,
        asn: 64501,
        localAddress: `fe80::1%${a}`,
        holdTime: 30,
        connectRetryTime: 2,
        idleHoldTime: 1,
        importPolicy: "accept",
        exportPolicy: "accept",
        capabilities: { extendedNextHop: true },
      },
    ],
    originate: [{ prefix: D4 }, { prefix: D6 }],
    kernel: {},
  });
}

interface RouteView {
  candidates: {
    route: {
      peer: string;
      attributes: { nextHop?: string; mpReachNlri?: { afi: number; nextHop: string[] } };
    };
  }[];
}

/** What D checks on its side: the session, the daemon's routes in its RIB and kernel, a ping. */
async function checkD(lab: Lab, d: Dyninfra, nsD: string, a: string): Promise<void> {
  const route = (p: string) => d.get(`/routes/${encodeURIComponent(p)}`) as Promise<RouteView>;
  await waitFor(
    "D to hold the daemon's IPv4 and IPv6 routes",
    async () =>
      (await route(N4)).candidates?.length === 1 && (await route(N6)).candidates?.length === 1,
    60_000,
  );
  const sessions = (await d.get("/sessions")) as {
    state: string;
    negotiated: { extendedNextHop: boolean; families: unknown[] };
  }[];
  expect(sessions[0]).toMatchObject({
    state: "Established",
    negotiated: {
      extendedNextHop: true,
      families: [
        { afi: 1, safi: 1 },
        { afi: 2, safi: 1 },
      ],
    },
  });
  // The IPv4 route came in an MP_REACH_NLRI of AFI 1 with the daemon's link-local next hop.
  const v4 = (await route(N4)).candidates[0]!.route;
  expect(v4.peer).toBe(`fe80::2%${a}`);
  expect(v4.attributes.nextHop).toBeUndefined();
  expect(v4.attributes.mpReachNlri?.afi).toBe(1);
  expect(v4.attributes.mpReachNlri?.nextHop).toContain("fe80::2");
  // In the kernel: IPv4 via inet6 over the link, IPv6 via the link-local next hop.
  await waitFor(
    "D's kernel routes",
    async () =>
      (await run("ip", ["-n", nsD, "route", "show", N4])).includes(
        `via inet6 fe80::2 dev ${a} proto bgp`,
      ) &&
      (await run("ip", ["-n", nsD, "-6", "route", "show", N6])).includes(
        `via fe80::2 dev ${a} proto bgp`,
      ),
    30_000,
  );
  // Packets follow it: D's IPv4 address reaches the daemon's over the IPv6-only link.
  const ping = await lab.exec(nsD, "ping", [
    "-c",
    "2",
    "-W",
    "2",
    "-I",
    "198.51.100.1",
    "203.0.113.1",
  ]);
  expect(ping).toMatch(/2 received/);
}

const birdReady = isRoot && which("ip") && which("bird") && which("birdc") && which("ping");
if (!birdReady)
  console.warn(
    "interop link-local sessions with BIRD: skipped — needs root, iproute2, ping and BIRD",
  );

describe.runIf(birdReady)(
  "interop: BGP between link-local addresses, IPv4 over IPv6 next hops (RFC 8950), with BIRD",
  () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());

    it("exchanges both families over one link-local session; IPv4 forwarded via inet6", async () => {
      const { nsD, nsN, a, b } = await linkLocalLab(lab);
      const birdc = await startBird(
        lab,
        nsN,
        birdScenarioConfig(
          { s4: [N4], s6: [N6] },
          [
            "hold time 30;",
            "ipv4 { import all; export all; extended next hop on; };",
            "ipv6 { import all; export all; };",
          ],
          { neighbor: `fe80::1%${b}` },
        ),
      );
      const d = await startD(lab, nsD, a);
      await checkD(lab, d, nsD, a);
      // BIRD has D's routes via D's link-local address, on the link.
      await waitFor(
        "BIRD to hold D's routes",
        async () =>
          (await birdc("show route", D4)).includes(D4) &&
          (await birdc("show route", D6)).includes(D6),
        30_000,
      );
      expect(await birdc("show route", D4, "all")).toMatch(new RegExp(`via fe80::1 on ${b}`));
      expect(await birdc("show route", D6, "all")).toMatch(new RegExp(`via fe80::1 on ${b}`));
      // BIRD withdraws its IPv4 route: it leaves D's kernel.
      await birdc("disable", "s4");
      await waitFor(
        "D's kernel route to go",
        async () => (await run("ip", ["-n", nsD, "route", "show", N4])).trim() === "",
        30_000,
      );
      expect(lab.log("dyninfra-d")).not.toMatch(/NOTIFICATION|error|refused/i);
    });
  },
);

/** FRR and GoBGP: how each peers over the link-local address, and what it needs after start. */
const OTHERS: {
  daemon: Daemon;
  neighbor: (link: string) => DaemonNeighbor;
  afterStart: (lab: Lab, ns: string) => Promise<unknown>;
}[] = [
  {
    daemon: frr(),
    neighbor: (link) => ({
      address: "fe80::1",
      asn: 64500,
      local: "fe80::2",
      settings: [`interface ${link}`, "capability extended-nexthop"],
    }),
    afterStart: async () => {},
  },
  {
    // GoBGP takes the neighbour with its zone; it cannot listen on a link-local address, so on
    // any (it announces Extended Next Hop Encoding on its own over an IPv6 session).
    daemon: gobgp(),
    neighbor: (link) => ({ address: `fe80::1%${link}`, asn: 64500, local: "::" }),
    // Its IPv4 route (the helper originates IPv6 ones only), with no next hop of its own: it
    // sends its address on the session.
    afterStart: (lab, ns) =>
      lab.exec(ns, "gobgp", [
        "-u",
        "127.0.0.1",
        "-p",
        "50051",
        "global",
        "rib",
        "add",
        "-a",
        "ipv4",
        N4,
      ]),
  },
];

for (const { daemon, neighbor, afterStart } of OTHERS) {
  const ready = isRoot && which("ip") && which("ping") && daemon.available;
  if (!ready)
    console.warn(
      `interop link-local sessions with ${daemon.name}: skipped — needs root, iproute2, ping and ${daemon.name}`,
    );

  describe.runIf(ready)(
    `interop: BGP between link-local addresses, IPv4 over IPv6 next hops (RFC 8950), with ${daemon.name}`,
    () => {
      const lab = new Lab();
      afterAll(() => lab.cleanup());

      it("exchanges both families over one link-local session; IPv4 forwarded via inet6", async () => {
        const { nsD, nsN, a, b } = await linkLocalLab(lab);
        await daemon.start(lab, nsN, {
          asn: 64501,
          routerId: "192.0.2.2",
          holdTime: 30,
          neighbors: [neighbor(b)],
          originate: [N4],
          ipv6: { nextHop: "fe80::2", originate: [N6] },
        });
        await afterStart(lab, nsN);
        const d = await startD(lab, nsD, a);
        await checkD(lab, d, nsD, a);
        await waitFor(
          `${daemon.name} to hold D's routes`,
          async () =>
            (await daemon.route(D4)) !== undefined && (await daemon.route(D6)) !== undefined,
          30_000,
        );
        // D's IPv4 route came in an MP_REACH_NLRI of AFI 1 with D's link-local next hop.
        expect((await daemon.route(D4))?.nextHop).toBe("fe80::1");
        expect((await daemon.route(D6))?.nextHop).toBe("fe80::1");
        expect(daemon.errorLines()).toEqual([]);
        expect(lab.log("dyninfra-d")).not.toMatch(/NOTIFICATION|error|refused/i);
      });
    },
  );
}
