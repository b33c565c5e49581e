// Multipath (ECMP) into the Linux routing table: dyninfra D ("decision": { "maximumPaths": 2 },
// "kernel") has two upstreams in AS64501 on two links — BIRD 2 (192.0.2.2) and dyninfra U
// (198.51.100.2) — both announcing the same prefixes with the same AS_PATH. D installs each as one
// ECMP route over both next hops, lists both under GET /routes/<prefix>, falls back to the one
// left when BIRD withdraws, and to both again when BIRD announces anew.
import { afterAll, describe, expect, it } from "vitest";
import { bird, birdBesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";

const ready = isRoot && which("ip") && bird().available;
if (!ready) console.warn("interop multipath: skipped — needs root, iproute2 and BIRD");

const PREFIXES = ["203.0.113.0/24", "100.64.0.0/16", "100.65.128.0/17"];

describe.runIf(ready)("interop: multipath (ECMP) routes in the Linux routing table", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("installs one route over BIRD's and U's next hops, one fewer when BIRD withdraws, both again after", async () => {
    // BIRD sets ORIGIN IGP itself (routes of its static protocol would otherwise be INCOMPLETE,
    // and no longer as good as U's).
    const { nsD, birdc } = await birdBesideD(lab, { s4: PREFIXES }, [
      "hold time 30;",
      "ipv4 { import all; export filter { bgp_origin = ORIGIN_IGP; accept; }; };",
    ]);
    const nsU = await lab.ns("u");
    await lab.link(nsD, "198.51.100.1/24", nsU, "198.51.100.2/24");
    await startDyninfra(lab, nsU, "dyninfra-u", {
      asn: 64501,
      bgpIdentifier: "198.51.100.2",
      localAddress: "198.51.100.2",
      listen: { host: "198.51.100.2", port: 179 },
      neighbors: [dyninfraNeighbor("d", "198.51.100.1", 64500, "198.51.100.2", { passive: true })],
      originate: PREFIXES.map((prefix) => ({ prefix })),
    });
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD([
        dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1"),
        dyninfraNeighbor("u", "198.51.100.2", 64501, "198.51.100.1"),
      ]),
      decision: { maximumPaths: 2 },
      kernel: {},
    });
    const kernel = async (prefix: string) =>
      run("ip", ["-n", nsD, "route", "show", prefix, "proto", "bgp"]);
    const ecmp = (text: string) =>
      /nexthop via 192\.0\.2\.2 /.test(text) && /nexthop via 198\.51\.100\.2 /.test(text);
    const allEcmp = async () => (await Promise.all(PREFIXES.map(kernel))).every(ecmp);
    await waitFor("ECMP routes in D's kernel", allEcmp, 60_000, 200);
    for (const p of PREFIXES) {
      const text = await kernel(p);
      expect(text.startsWith(p)).toBe(true);
      expect(ecmp(text)).toBe(true);
      const r = (await d.get(`/routes/${p}`)) as { multipath?: { peer: string }[] };
      expect(r.multipath?.map((x) => x.peer).sort()).toEqual(["192.0.2.2", "198.51.100.2"]);
    }
    // BIRD withdraws: each prefix via U alone.
    await birdc("disable", "s4");
    await waitFor(
      "routes via U alone",
      async () =>
        (await Promise.all(PREFIXES.map(kernel))).every((t) =>
          / via 198\.51\.100\.2 dev \S+ metric 20/.test(t),
        ),
      30_000,
      200,
    );
    for (const p of PREFIXES) {
      expect(await kernel(p)).not.toMatch(/nexthop|192\.0\.2\.2/);
      expect(((await d.get(`/routes/${p}`)) as { multipath?: unknown }).multipath).toBeUndefined();
    }
    // And announces again: ECMP again.
    await birdc("enable", "s4");
    await waitFor("ECMP routes again", allEcmp, 30_000, 200);
    expect(lab.log("dyninfra-d")).not.toMatch(/kernel: .*(Error|failed|refused)/);
  });
});
