// BGP Roles and route-leak prevention (RFC 9234) against real daemons. dyninfra D (AS64500) is
// the customer of FRR (AS64501, `local-role provider`, which marks what it sends its customer
// with Only to Customer) and the lateral peer of BIRD (AS64502, configured without a role: it
// neither adds nor checks OTC, so its table shows exactly what D sends). Each daemon announces
// real prefixes of its own; D originates two. D must hold FRR's routes marked with FRR's AS and
// BIRD's marked with BIRD's (D's ingress: from a peer); must send FRR (a provider) its own
// routes without OTC and nothing else — FRR keeps what it received, so that D's egress is seen
// and not FRR's own leak check — and BIRD its own routes with OTC = 64500 and none of FRR's.
// A role that does not agree is refused with Role Mismatch.
import { afterAll, describe, expect, it } from "vitest";
import type { Dyninfra } from "./daemons";
import { bird, dyninfraD, dyninfraNeighbor, frr, frrBesideD, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const frrd = frr();
const birdd = bird();
const ready = isRoot && which("ip") && tablePresent && frrd.available && birdd.available;
if (!ready)
  console.warn(
    "interop BGP Roles: skipped — needs root, iproute2, FRR, BIRD and ../shared/data/bgp",
  );

const OWN = ["100.64.0.0/24", "100.64.1.0/24"];
const neighbor = (name: string, address: string, asn: number, local: string, role: string) =>
  dyninfraNeighbor(name, address, asn, local, { role });

interface Explained {
  candidates: { route: { peer: string; attributes: { onlyToCustomer?: number } } }[];
}
const best = async (d: Dyninfra, prefix: string) =>
  ((await d.get(`/routes/${encodeURIComponent(prefix)}`)) as Explained).candidates[0]?.route;
const locRib = async (d: Dyninfra) =>
  ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;

describe.runIf(ready)("interop: BGP Roles and OTC with FRR and BIRD (RFC 9234)", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("marks, keeps and withholds routes as the RFC says, with FRR as provider and BIRD as peer", async () => {
    const table = loadTable().map((r) => r.prefix);
    const fromFrr = table.slice(0, 300);
    const fromBird = table.slice(300, 500);
    const nsD = await lab.ns("d");
    const nsF = await lab.ns("f");
    const nsB = await lab.ns("b");
    await lab.link(nsD, "192.0.2.1/24", nsF, "192.0.2.2/24");
    await lab.link(nsD, "198.51.100.1/24", nsB, "198.51.100.2/24");
    await frrd.start(lab, nsF, {
      asn: 64501,
      routerId: "192.0.2.2",
      holdTime: 30,
      neighbors: [
        {
          address: "192.0.2.1",
          asn: 64500,
          local: "192.0.2.2",
          role: "provider",
          keepReceived: true,
        },
      ],
      originate: fromFrr,
    });
    await birdd.start(lab, nsB, {
      asn: 64502,
      routerId: "198.51.100.2",
      holdTime: 30,
      neighbors: [{ address: "198.51.100.1", asn: 64500, local: "198.51.100.2" }],
      originate: fromBird,
    });
    const d = await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dyninfraD(
        [
          neighbor("frr", "192.0.2.2", 64501, "192.0.2.1", "customer"),
          neighbor("bird", "198.51.100.2", 64502, "198.51.100.1", "peer"),
        ],
        OWN,
      ),
    );
    const all = fromFrr.length + fromBird.length + OWN.length;
    await waitFor(`D's ${all} routes`, async () => (await locRib(d)) === all, 90_000, 200);
    const received = async () =>
      Object.keys(
        (
          JSON.parse(
            await run("vtysh", [
              ...["--vty_socket", lab.dir, "-d", "bgpd", "-c"],
              "show bgp ipv4 unicast neighbors 192.0.2.1 received-routes json",
            ]),
          ) as { receivedRoutes?: Record<string, unknown> }
        ).receivedRoutes ?? {},
      ).sort();
    // What D sent: to FRR its own two routes only, to BIRD its own two only (and, had D
    // leaked, BIRD — without a role — would have taken FRR's routes into its table).
    await waitFor(
      "D's routes at FRR and BIRD",
      async () =>
        (await received()).length === OWN.length &&
        (await birdd.prefixCount()) === fromBird.length + OWN.length,
      30_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 1_000)); // anything D would send late
    expect(await received()).toEqual(OWN);
    expect(await birdd.prefixCount()).toBe(fromBird.length + OWN.length);
    expect(await frrd.prefixCount()).toBe(fromFrr.length + OWN.length);
    const sessions = (await d.get("/sessions")) as {
      name: string;
      state: string;
      role: string;
      negotiated: { peerRole: string | null };
    }[];
    expect(sessions.map((s) => [s.name, s.state, s.role, s.negotiated.peerRole])).toEqual([
      ["frr", "Established", "customer", "provider"],
      ["bird", "Established", "peer", null],
    ]);

    // Ingress at D: FRR's routes carry FRR's mark; BIRD sends none, D adds BIRD's AS (a peer).
    for (const p of [fromFrr[0]!, fromFrr[299]!]) {
      const r = await best(d, p);
      expect([r?.peer, r?.attributes.onlyToCustomer]).toEqual(["192.0.2.2", 64501]);
    }
    for (const p of [fromBird[0]!, fromBird[199]!]) {
      expect((await birdd.route(p))?.otc).toBeUndefined(); // as BIRD holds (and sent) it
      const r = await best(d, p);
      expect([r?.peer, r?.attributes.onlyToCustomer]).toEqual(["198.51.100.2", 64502]);
    }
    // Egress at D: its own routes to the provider as they are, to the peer with OTC = 64500.
    for (const p of OWN) {
      expect((await frrd.route(p))?.asPath).toEqual([64500]);
      expect((await birdd.route(p))?.otc).toBe(64500);
    }
    expect(await birdd.route(fromFrr[0]!)).toBeUndefined();
    expect(frrd.errorLines()).toEqual([]);
    expect(birdd.errorLines()).toEqual([]);
  });
});

describe.runIf(ready)("interop: BGP Role mismatch with FRR (RFC 9234 §4.2)", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("FRR as provider and D as provider do not agree: Role Mismatch, no session", async () => {
    const nsD = await frrBesideD(lab, frrd, { role: "provider" }, ["100.64.8.0/24"]);
    await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dyninfraD([neighbor("frr", "192.0.2.2", 64501, "192.0.2.1", "provider")]),
    );
    await waitFor(
      "a Role Mismatch NOTIFICATION in D's log",
      async () => /NOTIFICATION (sent|received): 2\/11 /.test(lab.log("dyninfra-d")),
      30_000,
      200,
    );
    expect(lab.log("dyninfra-d")).not.toMatch(/Established/);
    expect(await frrd.prefixCount()).toBe(1); // its own route only: nothing learned from D
  });
});

describe.runIf(ready)(
  "interop: BGP Role strict mode against FRR without a role (RFC 9234 §4.2)",
  () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());

    it("D in strict mode refuses FRR, which announces no role: Role Mismatch sent", async () => {
      const nsD = await frrBesideD(lab, frrd, {}, ["100.64.8.0/24"]);
      await startDyninfra(
        lab,
        nsD,
        "dyninfra-d",
        dyninfraD([
          dyninfraNeighbor("frr", "192.0.2.2", 64501, "192.0.2.1", {
            role: "customer",
            strictRole: true,
          }),
        ]),
      );
      await waitFor(
        "D's Role Mismatch",
        async () => /NOTIFICATION sent: 2\/11 /.test(lab.log("dyninfra-d")),
        30_000,
        200,
      );
      expect(lab.log("dyninfra-d")).toMatch(/OPEN Message Error \/ Role Mismatch/);
      expect(await frrd.prefixCount()).toBe(1);
    });
  },
);
