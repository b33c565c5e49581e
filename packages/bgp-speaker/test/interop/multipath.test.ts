// Multipath (ECMP) into the Linux routing table, IPv4 and IPv6: dyninfra D ("decision":
// { "maximumPaths": 2 }, "kernel") has two upstreams in AS64501 on two links — BIRD 2
// (192.0.2.2, 2001:db8:ff::2) and dyninfra U (198.51.100.2, 2001:db8:fe::2), each dual-stack over
// its IPv4 session — both announcing the same prefixes with the same AS_PATH. D installs each as
// one ECMP route over both next hops, lists both under GET /routes/<prefix>, falls back to the
// one left when BIRD withdraws, and to both again when BIRD announces anew.
import { afterAll, describe, expect, it } from "vitest";
import { bird, birdScenarioConfig, dyninfraNeighbor, startBird, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";

const ready = isRoot && which("ip") && bird().available;
if (!ready) console.warn("interop multipath: skipped — needs root, iproute2 and BIRD");

const V4 = ["203.0.113.0/24", "100.64.0.0/16", "100.65.128.0/17"];
const V6 = ["2001:db8:100::/48", "2001:db8:200::/40"];
const BIRD = { v4: "192.0.2.2", v6: "2001:db8:ff::2" };
const U = { v4: "198.51.100.2", v6: "2001:db8:fe::2" };
const esc = (s: string) => s.replaceAll(".", "\\.");

describe.runIf(ready)("interop: multipath (ECMP) routes in the Linux routing table", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("installs one route over BIRD's and U's next hops, one fewer when BIRD withdraws, both again after (IPv4 and IPv6)", async () => {
    const nsD = await lab.ns("d");
    const nsN = await lab.ns("n");
    const nsU = await lab.ns("u");
    const n = await lab.link(nsD, "192.0.2.1/24", nsN, `${BIRD.v4}/24`);
    const u = await lab.link(nsD, "198.51.100.1/24", nsU, `${U.v4}/24`);
    // nodad: the IPv6 addresses usable at once (no Duplicate Address Detection wait).
    for (const [ns, cidr, dev] of [
      [nsD, "2001:db8:ff::1/64", n.a],
      [nsN, `${BIRD.v6}/64`, n.b],
      [nsD, "2001:db8:fe::1/64", u.a],
      [nsU, `${U.v6}/64`, u.b],
    ] as const)
      await run("ip", ["-n", ns, "addr", "add", cidr, "dev", dev, "nodad"]);
    // BIRD sets ORIGIN IGP itself (its static routes would otherwise go out INCOMPLETE, no longer
    // as good as U's); its IPv6 next hop is its address on the link (RFC 2545).
    const igp = "export filter { bgp_origin = ORIGIN_IGP; accept; };";
    const birdc = await startBird(
      lab,
      nsN,
      birdScenarioConfig({ s4: V4, s6: V6 }, [
        "hold time 30;",
        "connect retry time 2;",
        `ipv4 { import all; ${igp} };`,
        `ipv6 { import all; ${igp} next hop address ${BIRD.v6}; };`,
      ]),
    );
    await startDyninfra(lab, nsU, "dyninfra-u", {
      asn: 64501,
      bgpIdentifier: U.v4,
      localAddress: U.v4,
      localIpv6Address: U.v6,
      listen: { host: U.v4, port: 179 },
      neighbors: [dyninfraNeighbor("d", "198.51.100.1", 64500, U.v4, { passive: true })],
      originate: [...V4, ...V6].map((prefix) => ({ prefix })),
    });
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [
        dyninfraNeighbor("bird", BIRD.v4, 64501, "192.0.2.1"),
        dyninfraNeighbor("u", U.v4, 64501, "198.51.100.1"),
      ],
      decision: { maximumPaths: 2 },
      kernel: {},
    });
    const kernel = async (prefix: string) =>
      run("ip", [
        "-n",
        nsD,
        prefix.includes(":") ? "-6" : "-4",
        "route",
        "show",
        prefix,
        "proto",
        "bgp",
      ]);
    const hopsOf = (prefix: string) => (prefix.includes(":") ? [BIRD.v6, U.v6] : [BIRD.v4, U.v4]);
    const ecmp = (prefix: string, text: string) =>
      hopsOf(prefix).every((h) => new RegExp(`nexthop via ${esc(h)} `).test(text));
    const all = [...V4, ...V6];
    const allEcmp = async () =>
      (await Promise.all(all.map(async (p) => ecmp(p, await kernel(p))))).every(Boolean);
    await waitFor("ECMP routes in D's kernel", allEcmp, 60_000, 200);
    for (const p of all) {
      const text = await kernel(p);
      expect(text.startsWith(p)).toBe(true);
      expect(ecmp(p, text)).toBe(true);
      const r = (await d.get(`/routes/${p}`)) as { multipath?: { peer: string }[] };
      expect(r.multipath?.map((x) => x.peer).sort()).toEqual([BIRD.v4, U.v4]);
    }
    // BIRD withdraws: each prefix via U alone.
    await birdc("disable", "s4");
    await birdc("disable", "s6");
    const viaU = (p: string, text: string) =>
      new RegExp(` via ${esc(hopsOf(p)[1]!)} dev \\S+ `).test(text) && !/nexthop/.test(text);
    await waitFor(
      "routes via U alone",
      async () =>
        (await Promise.all(all.map(async (p) => viaU(p, await kernel(p))))).every(Boolean),
      30_000,
      200,
    );
    for (const p of all) {
      expect(await kernel(p)).not.toContain(hopsOf(p)[0]!);
      expect(((await d.get(`/routes/${p}`)) as { multipath?: unknown }).multipath).toBeUndefined();
    }
    // And announces again: ECMP again.
    await birdc("enable", "s4");
    await birdc("enable", "s6");
    await waitFor("ECMP routes again", allEcmp, 30_000, 200);
    expect(lab.log("dyninfra-d")).not.toMatch(/kernel: .*(Error|failed|refused)/);
  });
});
