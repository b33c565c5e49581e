import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { Router } from "./router";
import { acceptingNeighbor, flush, link } from "./test-support";

const FIXTURE = resolve(import.meta.dirname, "../fixtures/openbgpd_rib_table");
// bgpdump -m reference: TABLE_DUMP|time|B|peer|peerAS|prefix|AS path|origin|next hop|...
const reference = readFileSync(`${FIXTURE}.bgpdump.txt`, "utf8")
  .trim()
  .split("\n")
  .map((l) => l.split("|"));

describe("Router.loadMrt", () => {
  it("installs one peer's routes from a real MRT RIB dump, as bgpdump reads them", async () => {
    const r = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
    const res = await r.loadMrt(FIXTURE, { peerAddress: "192.168.1.10" });
    const expected = reference.filter((f) => f[3] === "192.168.1.10");
    expect(res).toEqual({ peer: "192.168.1.10", announced: expected.length, withdrawn: 0 });
    const got = new Map(
      [...r.rib.adjRibIn("192.168.1.10", "pre")].map((x) => [
        `${x.prefix.address}/${x.prefix.length}`,
        (x.attributes.asPath ?? []).flatMap((s) => s.asns).join(" "),
      ]),
    );
    expect(got.size).toBe(expected.length);
    for (const f of expected) expect(got.get(f[5]!), f[5]).toBe(f[6]);
  });

  it("defaults to the first peer and passes the routes on to real neighbours", async () => {
    const clock = new ManualClock();
    const r1 = new Router(
      {
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        localAddress: "192.0.2.1",
        neighbors: [acceptingNeighbor("r2", "192.0.2.2", 64501)],
      },
      { clock },
    );
    const r2 = new Router(
      {
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        neighbors: [acceptingNeighbor("r1", "192.0.2.1", 64500)],
      },
      { clock },
    );
    r1.start();
    r2.start();
    link(r1, "r2", r2, "r1");
    await flush();
    const res = await r1.loadMrt(FIXTURE);
    expect(res.peer).toBe(reference[0]![3]);
    await flush(20);
    const v4 = reference.filter((f) => f[3] === res.peer);
    expect(r2.rib.stats().locRibRoutes).toBe(v4.length);
  });

  it("routes loaded with a named policy go through its new definition when it changes; one still in use cannot go", async () => {
    const r = new Router({
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      neighbors: [],
      policies: { mrt: [{ set: { localPref: 50 }, action: "accept" }] },
    });
    await r.loadMrt(FIXTURE, { peerAddress: "192.168.1.10", importPolicy: "mrt" });
    const n = reference.filter((f) => f[3] === "192.168.1.10").length;
    const post = () => [...r.rib.adjRibIn("192.168.1.10", "post")];
    expect(post()).toHaveLength(n);
    expect(post().every((x) => x.attributes.localPref === 50)).toBe(true);
    // The new definition: LOCAL_PREF 70 for routes of /24 or longer, the rest rejected.
    const res = r.setPolicies({
      mrt: [
        {
          match: { prefixList: [{ prefix: "0.0.0.0/0", ge: 24 }] },
          set: { localPref: 70 },
          action: "accept",
        },
      ],
    });
    expect(res.neighbors).toEqual(["mrt:192.168.1.10"]);
    const long = reference.filter(
      (f) => f[3] === "192.168.1.10" && Number(f[5]!.split("/")[1]) >= 24,
    );
    expect(long.length).toBeGreaterThan(0);
    expect(long.length).toBeLessThan(n);
    expect(
      post()
        .map((x) => `${x.prefix.address}/${x.prefix.length}`)
        .sort(),
    ).toEqual(long.map((f) => f[5]).sort());
    expect(post().every((x) => x.attributes.localPref === 70)).toBe(true);
    expect(r.rib.stats().locRibRoutes).toBe(long.length);
    expect(res.locRibChanges).toBe(n);
    // The policy the loaded routes use cannot be removed.
    expect(() => r.setPolicies({})).toThrow(
      /mrt:192\.168\.1\.10: importPolicy "mrt" would name no policy/,
    );
    expect(r.policyDefinitions).toHaveProperty("mrt");
  });

  it("says so when the source holds no routes", async () => {
    const r = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
    await expect(r.loadMrt(new Uint8Array(0))).rejects.toMatchObject({ code: "MRT_NO_ROUTES" });
  });
});

describe("Router.loadMrt with Route Origin Validation", () => {
  it("revalidates an MRT peer's routes loaded with reject-invalid when the VRPs change", async () => {
    const r = new Router({ asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] });
    const P = "192.168.0.0/16"; // AS path 65015 in the dump
    r.setVrps([{ prefix: P, maxLength: 16, asn: 65015 }]);
    await r.loadMrt(FIXTURE, { peerAddress: "192.168.1.10", importPolicy: "reject-invalid" });
    expect(r.rib.bestRoute(P)).toBeDefined();
    expect(r.setVrps([{ prefix: P, maxLength: 16, asn: 1 }]).locRibChanges).toBeGreaterThan(0);
    expect(r.rib.bestRoute(P)).toBeUndefined();
    expect(r.rib.explain(P).rejected).toMatchObject([{ reason: "import-policy" }]);
    r.updateVrps([], [{ prefix: P, maxLength: 16, asn: 1 }]);
    expect(r.rib.bestRoute(P)).toBeDefined();
  });
});
