// Decision-process oracle: three announcers send the same prefixes, with differing AS paths,
// ORIGINs and MEDs, both to FRR and to dyninfra. For every prefix, dyninfra's best path must come
// from the same announcer as FRR's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dyninfra } from "./daemons";
import { frr, startDyninfra } from "./daemons";
import { isRoot, Lab, rng, run, waitFor, which } from "./lab";

const PREFIXES = 3000;
const frrd = frr();
const ready = isRoot && which("ip") && frrd.available;
if (!ready) console.warn("interop: decision oracle skipped — needs root, iproute2 and FRR");

// Announcers: P1 and P3 share AS 65001 (their MEDs compare), P2 is AS 65002.
const ANNOUNCERS = [
  { name: "p1", asn: 65001, id: "198.18.10.1" },
  { name: "p2", asn: 65002, id: "198.18.20.1" },
  { name: "p3", asn: 65001, id: "198.18.30.1" },
];

describe.runIf(ready)("decision process: dyninfra agrees with FRR", () => {
  const lab = new Lab();
  let d: Dyninfra;
  const prefixes = Array.from(
    { length: PREFIXES },
    (_, i) => `100.${64 + (i >> 8)}.${i & 255}.0/24`,
  );
  /** Prefixes at least one announcer announces (each skips a random fifth). */
  const announced = new Set<string>();

  beforeAll(async () => {
    const random = rng(4271);
    const nsF = await lab.ns("f");
    const nsD = await lab.ns("d");
    const announcerSessions: { ns: string; index: number }[] = [];
    for (const [i, p] of ANNOUNCERS.entries()) {
      const ns = await lab.ns(p.name);
      announcerSessions.push({ ns, index: i });
      await lab.link(ns, `198.18.${i * 2}.2/24`, nsF, `198.18.${i * 2}.1/24`);
      await lab.link(ns, `198.18.${i * 2 + 1}.2/24`, nsD, `198.18.${i * 2 + 1}.1/24`);
    }
    await frrd.start(lab, nsF, {
      asn: 64501,
      routerId: "192.0.2.100",
      holdTime: 90,
      neighbors: ANNOUNCERS.map((p, i) => ({
        address: `198.18.${i * 2}.2`,
        asn: p.asn,
        local: `198.18.${i * 2}.1`,
      })),
      extraRouterConfig: [" bgp deterministic-med", " bgp bestpath compare-routerid"],
    });
    d = await startDyninfra(lab, nsD, "dyninfra-d", {
      asn: 64501,
      bgpIdentifier: "192.0.2.101",
      // The announcers connect; dyninfra listens (as FRR does on its side).
      listen: { host: "0.0.0.0", port: 179 },
      decision: { deterministicMed: true },
      neighbors: ANNOUNCERS.map((p, i) => ({
        name: p.name,
        address: `198.18.${i * 2 + 1}.2`,
        asn: p.asn,
        localAddress: `198.18.${i * 2 + 1}.1`,
        passive: true,
        importPolicy: "accept",
        exportPolicy: "reject",
      })),
    });
    for (const { ns, index } of announcerSessions) {
      const p = ANNOUNCERS[index]!;
      const originate = [];
      for (const prefix of prefixes) {
        if (random() < 0.2) continue; // not every announcer has every prefix
        announced.add(prefix);
        const prepend = Math.floor(random() * 3);
        originate.push({
          prefix,
          asPath: [...Array(prepend).fill(p.asn), 64999 + Math.floor(random() * 2)],
          origin: (["IGP", "EGP", "INCOMPLETE"] as const)[Math.floor(random() * 3)],
          ...(random() < 0.8 ? { med: Math.floor(random() * 4) } : {}),
        });
      }
      await startDyninfra(lab, ns, `announcer-${p.name}`, {
        asn: p.asn,
        bgpIdentifier: p.id,
        neighbors: [
          {
            name: "frr",
            address: `198.18.${index * 2}.1`,
            asn: 64501,
            localAddress: `198.18.${index * 2}.2`,
            importPolicy: "reject",
            exportPolicy: "accept",
          },
          {
            name: "dyninfra",
            address: `198.18.${index * 2 + 1}.1`,
            asn: 64501,
            localAddress: `198.18.${index * 2 + 1}.2`,
            importPolicy: "reject",
            exportPolicy: "accept",
          },
        ],
        originate,
      });
    }
  }, 180_000);

  afterAll(async () => {
    await lab.cleanup();
  });

  it("selects the same best path as FRR for every prefix", async () => {
    let counts = { dyninfra: 0, frr: 0 };
    await waitFor(
      "both to hold every prefix",
      async () => {
        const stats = (await d.get("/stats")) as { locRibRoutes: number };
        counts = { dyninfra: stats.locRibRoutes, frr: await frrd.prefixCount() };
        return counts.dyninfra === announced.size && counts.frr === announced.size;
      },
      120_000,
      1000,
    ).catch((e: Error) => {
      throw new Error(
        `${e.message} (${announced.size} announced; holding ${JSON.stringify(counts)})`,
      );
    });
    // Let both settle (the last UPDATEs may still be in flight to one of them).
    await new Promise((r) => setTimeout(r, 3000));
    const ours = new Map(
      ((await d.get("/routes")) as { prefix: string; peer: string }[]).map((r) => [
        r.prefix,
        r.peer,
      ]),
    );
    const theirs = JSON.parse(
      await run(
        "vtysh",
        ["--vty_socket", lab.dir, "-d", "bgpd", "-c", "show bgp ipv4 unicast json"],
        120_000,
      ),
    ) as { routes: Record<string, { bestpath?: boolean; peerId?: string }[]> };
    const announcerOf = (address: string) => Number(address.split(".")[2]) >> 1;
    let compared = 0;
    const disagreements: string[] = [];
    for (const prefix of announced) {
      const best = theirs.routes[prefix]?.find((p) => p.bestpath);
      const mine = ours.get(prefix);
      expect(best, `FRR has no best path for ${prefix}`).toBeDefined();
      expect(mine, `dyninfra has no best path for ${prefix}`).toBeDefined();
      if (announcerOf(best!.peerId!) !== announcerOf(mine!))
        disagreements.push(`${prefix}: FRR ${best!.peerId}, dyninfra ${mine}`);
      compared++;
    }
    expect(compared).toBe(announced.size);
    expect(compared).toBeGreaterThan(PREFIXES * 0.95);
    expect(disagreements.slice(0, 10)).toEqual([]);
  });
});
