// Per-session AS_PATH options: allowas-in (allowOwnAs), remove-private-AS and as-override.
import type { AsPath, PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import type { PeerConfig } from "./peer";
import { acceptAll } from "./policy";
import { Rib } from "./rib";

const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: 1, address: address!, length: Number(len) };
};
const seq = (...asns: number[]): AsPath => [{ type: "AS_SEQUENCE", asns }];
const attrs = (asPath: AsPath, nextHop: string): PathAttributes => ({
  origin: "IGP",
  asPath,
  nextHop,
});
const ebgp = (address: string, asn: number, extra: Partial<PeerConfig> = {}): PeerConfig => ({
  address,
  asn,
  bgpIdentifier: address,
  localAddress: "192.0.2.1",
  importPolicy: acceptAll,
  exportPolicy: acceptAll,
  ...extra,
});

/** Router 64500 with the given eBGP neighbours, all up. */
function rib(...peers: PeerConfig[]): Rib {
  const r = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  for (const p of peers) r.addPeer(p);
  for (const a of r.peerAddresses()) r.peerUp(a);
  return r;
}

/** The AS_PATH each neighbour is sent for `prefix`. */
const sentPath = (r: Rib, address: string, prefix: string) =>
  [...r.adjRibOut(address)].find((x) => `${x.prefix.address}/${x.prefix.length}` === prefix)
    ?.attributes.asPath;

describe("allowOwnAs (allowas-in)", () => {
  it("accepts our AS up to the number allowed, from that neighbour only; more is a loop", () => {
    const r = rib(
      ebgp("192.0.2.11", 65001, { allowOwnAs: 1 }),
      ebgp("192.0.2.12", 65002, { allowOwnAs: 2 }),
      ebgp("192.0.2.13", 65003),
    );
    const once = seq(65001, 64500, 65001);
    const twice = seq(65001, 64500, 64500, 65001);
    r.update("192.0.2.11", {
      announced: [{ attributes: attrs(once, "192.0.2.11"), nlri: [P("10.1.0.0/16")] }],
    });
    r.update("192.0.2.11", {
      announced: [{ attributes: attrs(twice, "192.0.2.11"), nlri: [P("10.2.0.0/16")] }],
    });
    r.update("192.0.2.12", {
      announced: [
        { attributes: attrs(seq(65002, 64500, 64500), "192.0.2.12"), nlri: [P("10.3.0.0/16")] },
      ],
    });
    r.update("192.0.2.13", {
      announced: [{ attributes: attrs(seq(65003, 64500), "192.0.2.13"), nlri: [P("10.4.0.0/16")] }],
    });
    const loc = [...r.locRib()].map((x) => `${x.prefix.address}/${x.prefix.length}`).sort();
    expect(loc).toEqual(["10.1.0.0/16", "10.3.0.0/16"]);
    expect(r.receiveCounters("192.0.2.11").rejectedRoutes["as-loop"]).toBe(1);
    expect(r.receiveCounters("192.0.2.13").rejectedRoutes["as-loop"]).toBe(1);
  });

  it("still refuses what the other loop checks refuse (our ORIGINATOR_ID)", () => {
    const r = rib(ebgp("192.0.2.11", 65001, { allowOwnAs: 3 }));
    r.update("192.0.2.11", {
      announced: [
        {
          attributes: { ...attrs(seq(65001, 64500), "192.0.2.11"), originatorId: "10.0.0.1" },
          nlri: [P("10.1.0.0/16")],
        },
      ],
    });
    expect([...r.locRib()]).toEqual([]);
  });
});

describe("removePrivateAs and asOverride (export to eBGP)", () => {
  it("rewrites the AS_PATH per neighbour before our AS is prepended; neighbours without them get it unchanged", () => {
    const r = rib(
      ebgp("192.0.2.11", 65001), // the source: a customer site
      ebgp("192.0.2.12", 3356, { removePrivateAs: "remove" }),
      ebgp("192.0.2.13", 174, { removePrivateAs: "replace" }),
      ebgp("192.0.2.14", 65001, { asOverride: true }), // another site of AS 65001
      ebgp("192.0.2.15", 2914), // no option
      ebgp("192.0.2.16", 1299, { removePrivateAs: "remove" }), // shares 12's update group
    );
    const path: AsPath = [
      { type: "AS_SEQUENCE", asns: [65001, 64512, 4200000001, 13335] },
      { type: "AS_SET", asns: [64513, 64514] },
    ];
    r.update("192.0.2.11", {
      announced: [{ attributes: attrs(path, "192.0.2.11"), nlri: [P("10.1.0.0/16")] }],
    });
    // 65001 is private too (RFC 6996), as customers' ASNs often are.
    expect(sentPath(r, "192.0.2.12", "10.1.0.0/16")).toEqual(seq(64500, 13335));
    expect(sentPath(r, "192.0.2.16", "10.1.0.0/16")).toEqual(seq(64500, 13335));
    expect(sentPath(r, "192.0.2.13", "10.1.0.0/16")).toEqual([
      { type: "AS_SEQUENCE", asns: [64500, 64500, 64500, 64500, 13335] },
      { type: "AS_SET", asns: [64500] },
    ]);
    expect(sentPath(r, "192.0.2.14", "10.1.0.0/16")).toEqual([
      { type: "AS_SEQUENCE", asns: [64500, 64500, 64512, 4200000001, 13335] },
      { type: "AS_SET", asns: [64513, 64514] },
    ]);
    expect(sentPath(r, "192.0.2.15", "10.1.0.0/16")).toEqual([
      { type: "AS_SEQUENCE", asns: [64500, ...path[0]!.asns] },
      path[1],
    ]);
  });
});

describe("routeServerClient (RFC 7947 transparency)", () => {
  it("sends other clients' routes with their AS_PATH, NEXT_HOP and MED as received; our own routes as usual", () => {
    const rs = (address: string, asn: number) =>
      ebgp(address, asn, { routeServerClient: true, localAddress: "192.0.2.1" });
    const r = rib(rs("192.0.2.11", 65001), rs("192.0.2.12", 65002), ebgp("192.0.2.13", 65003));
    r.update("192.0.2.11", {
      announced: [
        {
          attributes: { ...attrs(seq(65001, 3356), "192.0.2.11"), multiExitDisc: 7 },
          nlri: [P("10.1.0.0/16")],
        },
      ],
    });
    r.originate({
      announced: [{ attributes: attrs([], "192.0.2.1"), nlri: [P("10.9.0.0/16")] }],
    });
    const to12 = [...r.adjRibOut("192.0.2.12")];
    const client = to12.find((x) => x.prefix.address === "10.1.0.0")!.attributes;
    expect([client.asPath, client.nextHop, client.multiExitDisc]).toEqual([
      seq(65001, 3356),
      "192.0.2.11",
      7,
    ]);
    const own = to12.find((x) => x.prefix.address === "10.9.0.0")!.attributes;
    expect([own.asPath, own.nextHop]).toEqual([seq(64500), "192.0.2.1"]);
    // Not back to the client it came from; an ordinary neighbour gets the usual eBGP changes.
    expect([...r.adjRibOut("192.0.2.11")].map((x) => x.prefix.address)).toEqual(["10.9.0.0"]);
    const to13 = [...r.adjRibOut("192.0.2.13")].find((x) => x.prefix.address === "10.1.0.0")!;
    expect([
      to13.attributes.asPath,
      to13.attributes.nextHop,
      to13.attributes.multiExitDisc,
    ]).toEqual([seq(64500, 65001, 3356), "192.0.2.1", undefined]);
  });
});
