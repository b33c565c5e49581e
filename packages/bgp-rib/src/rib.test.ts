import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { acceptingPeer, addPathRouter } from "../test/routers";
import { BgpRibError } from "./errors";
import { acceptAll, community, matchAsPath, prepend, setLocalPref, when } from "./policy";
import { type AdjRibOutUpdate, Rib, ribUpdateFromMessage } from "./rib";

const P = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};
const attrs = (
  asns: number[],
  nextHop: string,
  extra: Partial<PathAttributes> = {},
): PathAttributes => ({
  origin: "IGP",
  asPath: asns.length ? [{ type: "AS_SEQUENCE", asns }] : [],
  nextHop,
  ...extra,
});
const ann = (a: PathAttributes, ...prefixes: string[]) => ({
  announced: [{ attributes: a, nlri: prefixes.map(P) }],
});
const flat = (u: AdjRibOutUpdate | undefined) =>
  u === undefined
    ? []
    : [
        ...u.withdrawn.map((p) => `-${p.address}/${p.length}`),
        ...u.announced.flatMap((g) => g.nlri.map((p) => `+${p.address}/${p.length}`)),
      ];

/** Router 64500 with: customer (eBGP, 64501), peerAs (eBGP, 64502), ibgp1, ibgp2 (non-clients). */
function router(extra: Partial<ConstructorParameters<typeof Rib>[0]> = {}) {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", ...extra });
  rib.addPeer({
    address: "192.0.2.2",
    asn: 64501,
    bgpIdentifier: "192.0.2.2",
    localAddress: "192.0.2.1",
    importPolicy: acceptAll,
    exportPolicy: acceptAll,
  });
  rib.addPeer({
    address: "198.51.100.2",
    asn: 64502,
    bgpIdentifier: "198.51.100.2",
    localAddress: "198.51.100.1",
    importPolicy: acceptAll,
    exportPolicy: acceptAll,
  });
  rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
  rib.addPeer({ address: "10.0.0.3", asn: 64500, bgpIdentifier: "10.0.0.3" });
  for (const p of rib.peerAddresses()) rib.peerUp(p);
  return rib;
}

describe("capacity", () => {
  it("paths keep their peer once a RIB has made more than 65,535 peers (16-bit indices widen)", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    rib.addPeer({ address: address(1), asn: 64500, bgpIdentifier: address(1) });
    rib.peerUp(address(1));
    rib.update(address(1), ann(attrs([64510], "10.1.0.1", { localPref: 100 }), "198.18.0.0/15"));
    for (let i = 2; i <= 65_540; i++)
      rib.addPeer({ address: address(i), asn: 64500, bgpIdentifier: address(i) });
    const last = address(65_540);
    rib.peerUp(last);
    rib.update(last, ann(attrs([64511], "10.1.0.2", { localPref: 100 }), "203.0.113.0/24"));
    expect(rib.bestRoute("203.0.113.0/24")?.peer).toBe(last);
    expect(rib.bestRoute("198.18.0.0/15")?.peer).toBe(address(1));
    expect([...rib.adjRibIn(last, "pre")].map((r) => r.prefix.address)).toEqual(["203.0.113.0"]);
  });

  it("arrival order survives the 32-bit arrival counter running out (paths renumbered in order)", () => {
    // prefer-older (RFC 5004) decides between equal eBGP routes by arrival alone.
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", decision: { preferOlder: true } });
    const peers = ["192.0.2.9", "192.0.2.5", "192.0.2.1"]; // announce in this order: highest id first
    for (const [i, address] of peers.entries()) {
      rib.addPeer({
        address,
        asn: 64510 + i,
        bgpIdentifier: address,
        importPolicy: acceptAll,
        exportPolicy: acceptAll,
      });
      rib.peerUp(address);
    }
    // The counter is internal: start it two short of its end, so that the next announcements take
    // its last values and then force a renumbering.
    (rib as unknown as { arrival: number }).arrival = 0xfffffffc;
    for (const [i, address] of peers.entries())
      rib.update(address, ann(attrs([64510 + i], address), "203.0.113.0/24"));
    const order = () => rib.explain("203.0.113.0/24").candidates.map((c) => c.route.peer);
    expect(order()).toEqual(peers);
    expect(rib.explain("203.0.113.0/24").candidates[1]?.decidedBy).toBe("prefer-older");
    rib.update(peers[0]!, { withdrawn: [P("203.0.113.0/24")] });
    rib.update(peers[0]!, ann(attrs([64510], peers[0]!), "203.0.113.0/24")); // now the newest
    expect(order()).toEqual([peers[1], peers[2], peers[0]]);
    expect((rib as unknown as { arrival: number }).arrival).toBeLessThan(10);
  });
});

describe("memory after a large batch", () => {
  /** 70,000 /24s from 10.0.0.0: more than the scratch arrays keep (65,536 entries). */
  const many = (n = 70_000): Prefix[] =>
    Array.from({ length: n }, (_, i) => ({
      afi: 1,
      address: `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0`,
      length: 24,
    }));
  type Scratch = {
    changedScratch: Int32Array;
    flushIds: Int32Array;
    prevList: Int32Array;
    groupBatch: Map<unknown, { ids: Int32Array }>;
    groups: { ids: Int32Array };
  };
  const largest = (rib: Rib): number => {
    const s = rib as unknown as Scratch;
    return Math.max(
      s.changedScratch.length,
      s.flushIds.length,
      s.prevList.length,
      s.groups.ids.length,
      ...[...s.groupBatch.values()].map((g) => g.ids.length),
    );
  };

  it("gives back the scratch arrays the batch grew (update, then a graft of the session)", () => {
    const rib = router();
    const prefixes = many();
    expect(new Set(prefixes.map((p) => p.address)).size).toBe(prefixes.length);
    const c = rib.update("192.0.2.2", {
      announced: [{ attributes: attrs([64501], "192.0.2.2"), nlri: prefixes }],
    });
    expect(c.locRib.length).toBe(prefixes.length);
    expect(c.adjRibOut.get("10.0.0.2")?.announced[0]?.nlri.length).toBe(prefixes.length);
    expect(largest(rib)).toBeLessThanOrEqual(65_536);
    const b = router({ bgpIdentifier: "10.0.0.9" });
    b.releaseSession("192.0.2.2");
    const imported = b.importSession(rib.exportSession("192.0.2.2"), {
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    expect(imported.changes.locRib.length).toBe(prefixes.length);
    expect(largest(b)).toBeLessThanOrEqual(65_536);
    // Still works at full size afterwards.
    const w = b.update("192.0.2.2", { withdrawn: prefixes });
    expect(w.adjRibOut.get("10.0.0.2")?.withdrawn.length).toBe(prefixes.length);
  });

  it("keeps no reference to a delta it returned", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const rib = router();
    const ref = (() => {
      const c = rib.update(
        "192.0.2.2",
        ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24", "198.18.0.0/15"),
      );
      const d = c.adjRibOut.get("10.0.0.2")!;
      expect(d.announced[0]?.nlri.length).toBe(2);
      return new WeakRef(d);
    })();
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets are kept until the job ends
    gc();
    expect(ref.deref()).toBeUndefined();
  });
});

describe("change sets", () => {
  it("of a batch that changes nothing are empty, read-only and not shared mutable state", () => {
    const rib = router();
    const a = attrs([64501], "192.0.2.2");
    rib.update("192.0.2.2", ann(a, "203.0.113.0/24"));
    const again = rib.update("192.0.2.2", ann({ ...a }, "203.0.113.0/24"));
    const other = rib.update("192.0.2.2", { withdrawn: [P("198.51.100.0/24")] });
    for (const c of [again, other]) {
      expect(c.locRib).toEqual([]);
      expect(c.adjRibOut.size).toBe(0);
      expect(c.adjRibOut.get("10.0.0.2")).toBeUndefined();
      expect([...c.adjRibOut]).toEqual([]);
      expect(new Map(c.adjRibOut).size).toBe(0);
      // Read-only at run time too: there is no `set` to add to a map other results share.
      expect("set" in c.adjRibOut).toBe(false);
    }
    // A batch that does change something still reports it.
    const c = rib.update("192.0.2.2", { withdrawn: [P("203.0.113.0/24")] });
    expect(c.locRib.length).toBe(1);
    expect([...c.adjRibOut.keys()].sort()).toEqual(["10.0.0.2", "10.0.0.3", "198.51.100.2"]);
  });

  it("are read lazily but stay what the batch did; JSON shows the lists", () => {
    const rib = router();
    const c = rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    // A later batch must not change what an earlier change set reports.
    rib.update("192.0.2.2", { withdrawn: [P("203.0.113.0/24")] });
    expect(c.locRib.map((x) => [x.previous?.peer, x.current?.peer])).toEqual([
      [undefined, "192.0.2.2"],
    ]);
    expect(c.locRib).toBe(c.locRib);
    const d = c.adjRibOut.get("10.0.0.2")!;
    expect(d.announced).toBe(d.announced);
    const json = JSON.parse(JSON.stringify({ c, d }));
    expect(json.c.locRib[0].prefix).toEqual(P("203.0.113.0/24"));
    expect(json.d.withdrawn).toEqual([]);
    expect(json.d.announced[0].nlri).toEqual([P("203.0.113.0/24")]);
    expect(json.d.announced[0].attributes.localPref).toBe(100);
  });
});

describe("propagation (RFC 4271 §5, §9.2)", () => {
  it("eBGP-learned route: to iBGP with LOCAL_PREF and unchanged NEXT_HOP; to eBGP prepended, next hop self, no MED", () => {
    const rib = router();
    const c = rib.update(
      "192.0.2.2",
      ann(attrs([64501], "192.0.2.2", { multiExitDisc: 5, localPref: 900 }), "203.0.113.0/24"),
    );
    expect(c.locRib).toHaveLength(1);
    const toIbgp = c.adjRibOut.get("10.0.0.2")!.announced[0]!.attributes;
    expect(toIbgp.localPref).toBe(100); // received LOCAL_PREF from eBGP ignored (§5.1.5)
    expect(toIbgp.nextHop).toBe("192.0.2.2");
    expect(toIbgp.multiExitDisc).toBe(5);
    expect(toIbgp.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64501] }]);
    const toEbgp = c.adjRibOut.get("198.51.100.2")!.announced[0]!.attributes;
    expect(toEbgp.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64500, 64501] }]);
    expect(toEbgp.nextHop).toBe("198.51.100.1");
    expect(toEbgp.multiExitDisc).toBeUndefined();
    expect(toEbgp.localPref).toBeUndefined();
    // Never back to the neighbour it came from.
    expect(c.adjRibOut.has("192.0.2.2")).toBe(false);
  });

  it("to eBGP: the other attributes kept; unknown optional transitive ones passed on Partial, non-transitive ones dropped (§5, §9); no ORIGINATOR_ID or CLUSTER_LIST", () => {
    const rib = router();
    const transitive = { flags: 0xc0, typeCode: 99, value: new Uint8Array([1, 2]) };
    const partial = { flags: 0xe0, typeCode: 100, value: new Uint8Array([3]) };
    const nonTransitive = { flags: 0x80, typeCode: 101, value: new Uint8Array([4]) };
    const rest: Partial<PathAttributes> = {
      origin: "EGP",
      atomicAggregate: true,
      aggregator: { asn: 64501, address: "192.0.2.9" },
      communities: [0xfc000001],
      extendedCommunities: [{ type: 0, subType: 2, value: new Uint8Array([0, 1, 0, 0, 0, 7]) }],
      largeCommunities: [{ globalAdministrator: 64501, localDataPart1: 1, localDataPart2: 2 }],
    };
    const sent = (unknown: PathAttributes["unknown"], prefix: string) =>
      rib
        .update("192.0.2.2", ann(attrs([64501], "192.0.2.2", { ...rest, unknown }), prefix))
        .adjRibOut.get("198.51.100.2")!.announced[0]!.attributes;
    const want = { ...attrs([64500, 64501], "198.51.100.1"), ...rest };
    expect(sent([transitive, partial, nonTransitive], "203.0.113.0/24")).toEqual({
      ...want,
      unknown: [{ ...transitive, flags: 0xe0 }, partial],
    });
    // Only a non-transitive one: no unknown attributes at all.
    expect(sent([nonTransitive], "203.0.113.128/25")).toEqual(want);
    // Reflection attributes stay inside the AS (RFC 4456 §8).
    const reflected = rib.update(
      "10.0.0.2",
      ann(
        attrs([64510], "10.0.0.2", {
          localPref: 100,
          originatorId: "10.0.0.7",
          clusterList: ["10.0.0.8"],
        }),
        "192.0.2.128/25",
      ),
    );
    expect(reflected.adjRibOut.get("198.51.100.2")!.announced[0]!.attributes).toEqual(
      attrs([64500, 64510], "198.51.100.1"),
    );
    // A route of this AS keeps its MED (only one received from a neighbouring AS is dropped).
    const own = rib.originate(ann(attrs([], "10.0.0.1", { multiExitDisc: 7 }), "192.0.2.0/24"));
    expect(own.adjRibOut.get("198.51.100.2")!.announced[0]!.attributes).toEqual(
      attrs([64500], "198.51.100.1", { multiExitDisc: 7 }),
    );
  });

  it("iBGP split horizon: iBGP-learned routes go to eBGP peers only", () => {
    const rib = router();
    const c = rib.update(
      "10.0.0.2",
      ann(attrs([64999], "10.9.9.9", { localPref: 100 }), "203.0.113.0/24"),
    );
    expect([...c.adjRibOut.keys()].sort()).toEqual(["192.0.2.2", "198.51.100.2"]);
  });

  it("implicit withdraw replaces the path; withdraw removes it", () => {
    const rib = router();
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    const c = rib.update("192.0.2.2", ann(attrs([64501, 65000], "192.0.2.2"), "203.0.113.0/24"));
    expect(c.locRib[0]!.previous!.attributes.asPath![0]!.asns).toEqual([64501]);
    expect(c.locRib[0]!.current!.attributes.asPath![0]!.asns).toEqual([64501, 65000]);
    expect([...rib.adjRibIn("192.0.2.2", "pre")]).toHaveLength(1);
    const w = rib.update("192.0.2.2", { withdrawn: [P("203.0.113.0/24")] });
    expect(w.locRib[0]!.current).toBeUndefined();
    expect(flat(w.adjRibOut.get("10.0.0.2"))).toEqual(["-203.0.113.0/24"]);
    expect(rib.stats().paths).toBe(0);
  });

  it("groups the Adj-RIB-Out delta by attribute set", () => {
    const rib = router();
    const c = rib.update("192.0.2.2", {
      announced: [
        {
          attributes: attrs([64501], "192.0.2.2"),
          nlri: [P("203.0.113.0/25"), P("203.0.113.128/25")],
        },
        { attributes: attrs([64501, 64503], "192.0.2.2"), nlri: [P("198.18.0.0/15")] },
      ],
    });
    const d = c.adjRibOut.get("10.0.0.2")!;
    expect(d.announced.map((g) => g.nlri.length)).toEqual([2, 1]);
  });

  it("update groups: neighbours with one export signature share its result, the others get their own", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    const ebgp = (address: string, asn: number, localAddress: string, exportPolicy = acceptAll) =>
      rib.addPeer({
        address,
        asn,
        bgpIdentifier: address,
        localAddress,
        importPolicy: acceptAll,
        exportPolicy,
      });
    ebgp("192.0.2.2", 64501, "192.0.2.1"); // A
    ebgp("192.0.2.6", 64501, "192.0.2.1"); // B: same group as A
    ebgp("198.51.100.2", 64502, "198.51.100.1"); // C: another local address
    ebgp("203.0.113.2", 64503, "192.0.2.1", prepend(64500, 2)); // D: another policy
    for (const p of rib.peerAddresses()) rib.peerUp(p);
    const x = attrs([64501], "192.0.2.9");
    rib.update("192.0.2.2", ann(x, "10.0.0.0/8"));
    // The same attribute set from B: now A (B's group) is sent it, B is not sent its own route.
    rib.update("192.0.2.6", ann(x, "11.0.0.0/8"));
    const out = (peer: string) =>
      [...rib.adjRibOut(peer)].map(
        (r) =>
          `${r.prefix.address}/${r.prefix.length} ${r.attributes.nextHop} ${r.attributes.asPath?.flatMap((s) => s.asns).join(" ")}`,
      );
    expect(out("192.0.2.2")).toEqual(["11.0.0.0/8 192.0.2.1 64500 64501"]);
    expect(out("192.0.2.6")).toEqual(["10.0.0.0/8 192.0.2.1 64500 64501"]);
    expect(out("198.51.100.2").sort()).toEqual([
      "10.0.0.0/8 198.51.100.1 64500 64501",
      "11.0.0.0/8 198.51.100.1 64500 64501",
    ]);
    expect(out("203.0.113.2").sort()).toEqual([
      "10.0.0.0/8 192.0.2.1 64500 64500 64500 64501",
      "11.0.0.0/8 192.0.2.1 64500 64500 64500 64501",
    ]);
    // A policy change moves a neighbour to another group: D's routes lose the prepends.
    rib.setPolicies("203.0.113.2", { exportPolicy: acceptAll });
    expect(out("203.0.113.2").sort()).toEqual([
      "10.0.0.0/8 192.0.2.1 64500 64501",
      "11.0.0.0/8 192.0.2.1 64500 64501",
    ]);
  });

  it("session down withdraws everything learned from the neighbour", () => {
    const rib = router();
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24", "198.18.0.0/15"));
    const c = rib.peerDown("192.0.2.2");
    expect(c.locRib).toHaveLength(2);
    expect(flat(c.adjRibOut.get("10.0.0.2")).sort()).toEqual(["-198.18.0.0/15", "-203.0.113.0/24"]);
    expect([...rib.locRib()]).toHaveLength(0);
    expect(() => rib.update("192.0.2.2", {})).toThrow(BgpRibError);
  });

  it("a new session receives the whole Loc-RIB", () => {
    const rib = router();
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    rib.addPeer({ address: "10.0.0.4", asn: 64500, bgpIdentifier: "10.0.0.4" });
    expect(flat(rib.peerUp("10.0.0.4").adjRibOut.get("10.0.0.4"))).toEqual(["+203.0.113.0/24"]);
  });
});

describe("pre-policy Adj-RIB-Out (RFC 8671)", () => {
  it("is what each neighbour would be sent before its export policy: protocol rules and attribute changes applied, policy, RFC 8212 and its refusals not", () => {
    const rib = router();
    // A third eBGP neighbour without policies (RFC 8212: sent nothing), and one whose export
    // policy refuses 203.0.113.0/24 and sets MED 5 on the rest.
    rib.addPeer({
      address: "203.0.113.9",
      asn: 64503,
      bgpIdentifier: "203.0.113.9",
      localAddress: "203.0.113.1",
    });
    rib.addPeer(
      acceptingPeer("192.0.2.66", 64504, {
        localAddress: "192.0.2.65",
        exportPolicy: (r) =>
          r.prefix.address === "203.0.113.0" ? undefined : { ...r.attributes, multiExitDisc: 5 },
      }),
    );
    rib.peerUp("203.0.113.9");
    rib.peerUp("192.0.2.66");
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24", "198.18.0.0/15"));
    rib.update(
      "192.0.2.2",
      ann(attrs([64501], "192.0.2.2", { communities: [community("no-export")] }), "198.20.0.0/16"),
    );
    rib.update("10.0.0.2", ann(attrs([], "10.0.0.2", { localPref: 120 }), "100.64.0.0/10"));
    const pre = (peer: string) =>
      [...rib.adjRibOutPre(peer)]
        .map(
          (r) =>
            `${r.prefix.address}/${r.prefix.length} ${r.peer} ${r.attributes.asPath?.[0]?.asns.join(" ")} ${r.attributes.nextHop} ${r.attributes.localPref ?? "-"} ${r.attributes.multiExitDisc ?? "-"}`,
        )
        .sort();
    // Towards the policy-less eBGP neighbour: nothing sent, but before policy every route but the
    // NO_EXPORT one, AS_PATH prepended, next hop self, no LOCAL_PREF.
    expect([...rib.adjRibOut("203.0.113.9")]).toEqual([]);
    expect(pre("203.0.113.9")).toEqual([
      "100.64.0.0/10 10.0.0.2 64500 203.0.113.1 - -",
      "198.18.0.0/15 192.0.2.2 64500 64501 203.0.113.1 - -",
      "203.0.113.0/24 192.0.2.2 64500 64501 203.0.113.1 - -",
    ]);
    // The policy refuses one and sets MED: before it, both without MED.
    expect([...rib.adjRibOut("192.0.2.66")].map((r) => r.prefix.address).sort()).toEqual([
      "100.64.0.0",
      "198.18.0.0",
    ]);
    expect(pre("192.0.2.66")).toEqual([
      "100.64.0.0/10 10.0.0.2 64500 192.0.2.65 - -",
      "198.18.0.0/15 192.0.2.2 64500 64501 192.0.2.65 - -",
      "203.0.113.0/24 192.0.2.2 64500 64501 192.0.2.65 - -",
    ]);
    // Never back to the neighbour it came from; to iBGP with LOCAL_PREF, not the iBGP route
    // (split horizon), NO_EXPORT kept inside the AS.
    expect(pre("192.0.2.2")).toEqual(["100.64.0.0/10 10.0.0.2 64500 192.0.2.1 - -"]);
    expect(pre("10.0.0.3")).toEqual([
      "198.18.0.0/15 192.0.2.2 64501 192.0.2.2 100 -",
      "198.20.0.0/16 192.0.2.2 64501 192.0.2.2 100 -",
      "203.0.113.0/24 192.0.2.2 64501 192.0.2.2 100 -",
    ]);
    // Routes sent alike share one attributes object (BMP packs them in one UPDATE).
    const same = [...rib.adjRibOutPre("10.0.0.3", ["198.18.0.0/15", "203.0.113.0/24"])];
    expect(same[0]!.attributes).toBe(same[1]!.attributes);
    expect(rib.adjRibOutPreCount("10.0.0.3")).toEqual({ ipv4: 3, ipv6: 0 });
    expect(rib.adjRibOutPreCount("203.0.113.9")).toEqual({ ipv4: 3, ipv6: 0 });
    expect(
      [...rib.adjRibOutPre("10.0.0.3", ["198.20.0.0/16", "100.64.0.0/10"])].map(
        (r) => r.prefix.address,
      ),
    ).toEqual(["198.20.0.0"]);
    expect(() => [...rib.adjRibOutPre("10.9.9.9")]).toThrow(BgpRibError);
  });
});

describe("initial table in slices (peerUp with slicedInitialExport)", () => {
  it("sends the table a slice at a time; changes meanwhile reach the neighbour wherever the export stands; End-of-RIB may follow done", () => {
    const rib = router();
    const prefixes = Array.from({ length: 10 }, (_, i) => `198.18.${i}.0/24`);
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), ...prefixes));
    rib.addPeer(acceptingPeer("203.0.113.9", 64509, { localAddress: "203.0.113.1" }));
    const up = rib.peerUp("203.0.113.9", { slicedInitialExport: true });
    expect(up.adjRibOut.has("203.0.113.9")).toBe(false);
    const sent = new Map<string, number | undefined>();
    const take = (d: AdjRibOutUpdate | undefined) => {
      for (const w of d?.withdrawn ?? []) sent.delete(`${w.address}/${w.length}`);
      for (const g of d?.announced ?? [])
        for (const n of g.nlri) sent.set(`${n.address}/${n.length}`, g.attributes.multiExitDisc);
    };
    const first = rib.initialExport("203.0.113.9", 3);
    take(first.update);
    expect([first.done, sent.size]).toEqual([false, 3]);
    // The first prefix (exported) is withdrawn, the last (not yet) changes, a new one comes.
    take(rib.update("192.0.2.2", { withdrawn: [P("198.18.0.0/24")] }).adjRibOut.get("203.0.113.9"));
    take(
      rib
        .update(
          "192.0.2.2",
          ann(attrs([64501], "192.0.2.2", { multiExitDisc: 9 }), "198.18.9.0/24", "198.19.0.0/24"),
        )
        .adjRibOut.get("203.0.113.9"),
    );
    expect(sent.has("198.18.0.0/24")).toBe(false);
    let slices = 1;
    for (;;) {
      const r = rib.initialExport("203.0.113.9", 3);
      take(r.update);
      slices++;
      if (r.done) break;
    }
    expect(slices).toBeGreaterThanOrEqual(3);
    // Everything the Loc-RIB has from others, as exported now; nothing more to do.
    expect([...sent.keys()].sort()).toEqual([...prefixes.slice(1), "198.19.0.0/24"].sort());
    expect(
      [...rib.adjRibOut("203.0.113.9")].map((r) => `${r.prefix.address}/${r.prefix.length}`).sort(),
    ).toEqual([...sent.keys()].sort());
    expect(rib.initialExport("203.0.113.9")).toMatchObject({
      done: true,
      update: { withdrawn: [], announced: [] },
    });
    // A session going down ends a sliced export.
    rib.addPeer(acceptingPeer("203.0.113.10", 64510, { localAddress: "203.0.113.1" }));
    rib.peerUp("203.0.113.10", { slicedInitialExport: true });
    rib.peerDown("203.0.113.10");
    expect(rib.initialExport("203.0.113.10").done).toBe(true);
  });
});

describe("route reflection in the decision", () => {
  it("reflected routes with one ORIGINATOR_ID: the shorter CLUSTER_LIST wins (RFC 4456 §9)", () => {
    for (const [short, long] of [
      ["10.0.0.3", "10.0.0.2"],
      ["10.0.0.2", "10.0.0.3"],
    ] as const) {
      const rib = router();
      const via = (clusterList: string[]) =>
        ann(
          attrs([64510], "10.1.0.1", { localPref: 100, originatorId: "10.9.9.9", clusterList }),
          "203.0.113.0/24",
        );
      rib.update(long, via(["10.8.8.1", "10.8.8.2"]));
      rib.update(short, via(["10.8.8.1"]));
      expect(rib.bestRoute("203.0.113.0/24")?.peer).toBe(short);
      expect(rib.explain("203.0.113.0/24").candidates[1]!.decidedBy).toBe("cluster-list-length");
    }
  });
});

describe("well-known behaviour", () => {
  it("rejects AS loops (RFC 4271 §9.1.2)", () => {
    const rib = router();
    const c = rib.update("192.0.2.2", ann(attrs([64501, 64500, 7], "192.0.2.2"), "203.0.113.0/24"));
    expect(c.locRib).toHaveLength(0);
    expect(rib.explain("203.0.113.0/24").rejected[0]!.reason).toBe("as-loop");
    expect([...rib.adjRibIn("192.0.2.2", "pre")]).toHaveLength(1);
    expect([...rib.adjRibIn("192.0.2.2", "post")]).toHaveLength(0);
  });

  it("confederation segments from a true eBGP peer are treated as withdraw (RFC 5065 §5.3, RFC 7606)", () => {
    const rib = router();
    const bad = attrs([], "192.0.2.2", {
      asPath: [
        { type: "AS_CONFED_SEQUENCE", asns: [65010] },
        { type: "AS_SEQUENCE", asns: [64501] },
      ],
    });
    expect(rib.update("192.0.2.2", ann(bad, "203.0.113.0/24")).locRib).toHaveLength(0);
    expect(rib.explain("203.0.113.0/24").rejected[0]!.reason).toBe("confed-segment-from-ebgp");
  });

  it("RFC 8212: eBGP without policies neither accepts nor sends; switchable", () => {
    for (const rfc8212 of [true, false]) {
      const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", rfc8212 });
      rib.addPeer({ address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2" });
      rib.addPeer({ address: "198.51.100.2", asn: 64502, bgpIdentifier: "198.51.100.2" });
      rib.peerUp("192.0.2.2");
      rib.peerUp("198.51.100.2");
      const c = rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
      expect(c.locRib.length).toBe(rfc8212 ? 0 : 1);
      expect(c.adjRibOut.size).toBe(rfc8212 ? 0 : 1);
      if (rfc8212) expect(rib.explain("203.0.113.0/24").rejected[0]!.reason).toBe("rfc8212");
      // Locally originated routes are not sent to an eBGP peer without export policy either.
      const o = rib.originate(ann(attrs([], "10.0.0.1"), "192.0.2.0/24"));
      expect(o.adjRibOut.size).toBe(rfc8212 ? 0 : 2);
    }
  });

  it("NO_EXPORT, NO_ADVERTISE, NO_EXPORT_SUBCONFED (RFC 1997)", () => {
    const rib = new Rib({
      asn: 65001,
      bgpIdentifier: "10.0.0.1",
      confederation: { identifier: 64500, members: [65001, 65002] },
    });
    rib.addPeer({ address: "10.0.0.2", asn: 65001, bgpIdentifier: "10.0.0.2" });
    rib.addPeer({ address: "10.1.0.2", asn: 65002, bgpIdentifier: "10.1.0.2" });
    rib.addPeer(acceptingPeer("192.0.2.2", 64501));
    rib.addPeer({
      address: "198.51.100.2",
      asn: 64502,
      bgpIdentifier: "198.51.100.2",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    for (const p of rib.peerAddresses()) rib.peerUp(p);
    const send = (c: string, pfx: string) =>
      [
        ...rib
          .update(
            "192.0.2.2",
            ann(attrs([64501], "192.0.2.2", { communities: [community(c)] }), pfx),
          )
          .adjRibOut.keys(),
      ].sort();
    expect(send("no-export", "203.0.113.0/24")).toEqual(["10.0.0.2", "10.1.0.2"]);
    expect(send("no-export-subconfed", "203.0.113.128/25")).toEqual(["10.0.0.2"]);
    expect(send("no-advertise", "198.18.0.0/15")).toEqual([]);
    expect(send("65000:1", "198.20.0.0/16")).toEqual(["10.0.0.2", "10.1.0.2", "198.51.100.2"]);
  });

  it("confederations (RFC 5065): AS_CONFED_SEQUENCE inside, confederation identifier outside", () => {
    const rib = new Rib({
      asn: 65001,
      bgpIdentifier: "10.0.0.1",
      confederation: { identifier: 64500, members: [65001, 65002] },
    });
    rib.addPeer({
      address: "10.1.0.2",
      asn: 65002,
      bgpIdentifier: "10.1.0.2",
      localAddress: "10.1.0.1",
    });
    rib.addPeer({
      address: "198.51.100.2",
      asn: 64502,
      bgpIdentifier: "198.51.100.2",
      localAddress: "198.51.100.1",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    rib.peerUp("10.1.0.2");
    rib.peerUp("198.51.100.2");
    const c = rib.update("198.51.100.2", ann(attrs([64502], "198.51.100.2"), "203.0.113.0/24"));
    expect(c.adjRibOut.get("10.1.0.2")!.announced[0]!.attributes.asPath).toEqual([
      { type: "AS_CONFED_SEQUENCE", asns: [65001] },
      { type: "AS_SEQUENCE", asns: [64502] },
    ]);
    const back = rib.update(
      "10.1.0.2",
      ann(
        attrs([], "10.1.0.9", {
          asPath: [
            { type: "AS_CONFED_SEQUENCE", asns: [65002] },
            { type: "AS_SEQUENCE", asns: [64999] },
          ],
          localPref: 150,
        }),
        "198.18.0.0/15",
      ),
    );
    const out = back.adjRibOut.get("198.51.100.2")!.announced[0]!.attributes;
    expect(out.asPath).toEqual([{ type: "AS_SEQUENCE", asns: [64500, 64999] }]);
    expect(rib.bestRoute("198.18.0.0/15")!.attributes.localPref).toBe(150); // kept from confed peers
    // A route carrying our member AS in a confederation segment is a loop.
    const loop = rib.update(
      "10.1.0.2",
      ann(
        attrs([], "10.1.0.9", { asPath: [{ type: "AS_CONFED_SEQUENCE", asns: [65002, 65001] }] }),
        "198.19.0.0/16",
      ),
    );
    expect(loop.locRib).toHaveLength(0);
    // … an AS_CONFED loop (BMP's statistic type 6), not an AS_PATH loop; our member AS in the
    // AS_SEQUENCE (or the confederation identifier) is one.
    expect(rib.explain("198.19.0.0/16").rejected[0]!.reason).toBe("as-confed-loop");
    rib.update(
      "10.1.0.2",
      ann(
        attrs([], "10.1.0.9", {
          asPath: [
            { type: "AS_CONFED_SEQUENCE", asns: [65002] },
            { type: "AS_SEQUENCE", asns: [64999, 65001] },
          ],
        }),
        "198.20.0.0/16",
      ),
    );
    expect(rib.explain("198.20.0.0/16").rejected[0]!.reason).toBe("as-loop");
    const rx = rib.receiveCounters("10.1.0.2");
    expect([rx.rejectedRoutes["as-confed-loop"], rx.rejectedRoutes["as-loop"]]).toEqual([1, 1]);
  });

  it("route reflection (RFC 4456): client routes to all, non-client routes to clients, with ORIGINATOR_ID and CLUSTER_LIST", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1", clusterId: "10.255.0.1" });
    rib.addPeer({
      address: "10.0.0.2",
      asn: 64500,
      bgpIdentifier: "10.0.0.2",
      routeReflectorClient: true,
    });
    rib.addPeer({
      address: "10.0.0.3",
      asn: 64500,
      bgpIdentifier: "10.0.0.3",
      routeReflectorClient: true,
    });
    rib.addPeer({ address: "10.0.0.4", asn: 64500, bgpIdentifier: "10.0.0.4" });
    rib.addPeer({ address: "10.0.0.5", asn: 64500, bgpIdentifier: "10.0.0.5" });
    for (const p of rib.peerAddresses()) rib.peerUp(p);
    const fromClient = rib.update(
      "10.0.0.2",
      ann(attrs([64999], "10.0.0.2", { localPref: 100 }), "203.0.113.0/24"),
    );
    expect([...fromClient.adjRibOut.keys()].sort()).toEqual(["10.0.0.3", "10.0.0.4", "10.0.0.5"]);
    const r = fromClient.adjRibOut.get("10.0.0.4")!.announced[0]!.attributes;
    expect(r.originatorId).toBe("10.0.0.2");
    expect(r.clusterList).toEqual(["10.255.0.1"]);
    const fromNonClient = rib.update(
      "10.0.0.4",
      ann(attrs([64998], "10.0.0.4", { localPref: 100 }), "198.18.0.0/15"),
    );
    expect([...fromNonClient.adjRibOut.keys()].sort()).toEqual(["10.0.0.2", "10.0.0.3"]);
    // Loops: our CLUSTER_ID in CLUSTER_LIST, or our ORIGINATOR_ID.
    rib.update(
      "10.0.0.5",
      ann(attrs([1], "10.0.0.5", { clusterList: ["10.255.0.1"] }), "198.20.0.0/16"),
    );
    expect(rib.explain("198.20.0.0/16").rejected[0]!.reason).toBe("cluster-list");
    rib.update(
      "10.0.0.5",
      ann(attrs([1], "10.0.0.5", { originatorId: "10.0.0.1" }), "198.21.0.0/16"),
    );
    expect(rib.explain("198.21.0.0/16").rejected[0]!.reason).toBe("originator-id");
  });

  it("next-hop-self on iBGP", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib.addPeer({
      address: "192.0.2.2",
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      importPolicy: acceptAll,
    });
    rib.addPeer({
      address: "10.0.0.2",
      asn: 64500,
      bgpIdentifier: "10.0.0.2",
      nextHopSelf: true,
      localAddress: "10.0.0.1",
    });
    rib.peerUp("192.0.2.2");
    rib.peerUp("10.0.0.2");
    const c = rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    expect(c.adjRibOut.get("10.0.0.2")!.announced[0]!.attributes.nextHop).toBe("10.0.0.1");
  });
});

describe("decision inside the RIB", () => {
  it("import policy LOCAL_PREF wins over a shorter path; explain says why", () => {
    const rib = router();
    rib.setPolicies("198.51.100.2", { importPolicy: setLocalPref(200) });
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    rib.update("198.51.100.2", ann(attrs([64502, 1, 2], "198.51.100.2"), "203.0.113.0/24"));
    expect(rib.bestRoute("203.0.113.0/24")!.peer).toBe("198.51.100.2");
    const e = rib.explain("203.0.113.0/24");
    expect(e.candidates.map((c) => [c.route.peer, c.decidedBy])).toEqual([
      ["198.51.100.2", undefined],
      ["192.0.2.2", "local-pref"],
    ]);
  });

  it("unresolvable next hops are not candidates; IGP cost decides between iBGP routes", () => {
    const costs: Record<string, number> = { "10.9.0.1": 20, "10.9.0.2": 10 };
    const rib = router({ resolver: (nh) => ({ reachable: nh in costs, igpCost: costs[nh] ?? 0 }) });
    rib.update("10.0.0.2", ann(attrs([1], "10.9.0.1", { localPref: 100 }), "203.0.113.0/24"));
    rib.update("10.0.0.3", ann(attrs([2], "10.9.0.2", { localPref: 100 }), "203.0.113.0/24"));
    expect(rib.bestRoute("203.0.113.0/24")!.peer).toBe("10.0.0.3");
    expect(rib.explain("203.0.113.0/24").candidates[1]!.decidedBy).toBe("igp-cost");
    rib.update("10.0.0.3", ann(attrs([2], "10.9.9.9", { localPref: 100 }), "203.0.113.0/24"));
    expect(rib.bestRoute("203.0.113.0/24")!.peer).toBe("10.0.0.2");
    expect(rib.explain("203.0.113.0/24").candidates[1]!.decidedBy).toBe("next-hop-unresolvable");
  });

  it("keeps the FIB in step with the Loc-RIB", () => {
    const rib = router();
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    rib.update("198.51.100.2", ann(attrs([64502], "198.51.100.2"), "203.0.113.128/25"));
    expect(rib.fib.lookup("203.0.113.200")).toBe("198.51.100.2");
    expect(rib.fib.lookup("203.0.113.1")).toBe("192.0.2.2");
    rib.peerDown("198.51.100.2");
    expect(rib.fib.lookup("203.0.113.200")).toBe("192.0.2.2");
  });
});

describe("Adj-RIB-Out queues", () => {
  it("a held session gets only the net difference on resume", () => {
    const rib = router();
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24", "198.18.0.0/15"));
    rib.holdOutput("10.0.0.2");
    rib.update("192.0.2.2", ann(attrs([64501, 9], "192.0.2.2"), "203.0.113.0/24"));
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24")); // back as before
    rib.update("192.0.2.2", { withdrawn: [P("198.18.0.0/15")] });
    expect(flat(rib.resumeOutput("10.0.0.2"))).toEqual(["-198.18.0.0/15"]);
  });

  it("route refresh re-sends the whole Adj-RIB-Out, re-running the export policy", () => {
    const rib = router();
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    rib.update("192.0.2.2", ann(attrs([64501, 3356], "192.0.2.2"), "198.18.0.0/15"));
    expect(flat(rib.routeRefresh("198.51.100.2")).sort()).toEqual([
      "+198.18.0.0/15",
      "+203.0.113.0/24",
    ]);
    const c = rib.setPolicies("198.51.100.2", {
      exportPolicy: when(matchAsPath("_3356_"), () => undefined),
    });
    expect(flat(c.adjRibOut.get("198.51.100.2"))).toEqual(["-198.18.0.0/15"]);
    expect(flat(rib.routeRefresh("198.51.100.2"))).toEqual(["+203.0.113.0/24"]);
  });
});

describe("ADD-PATH and IPv6", () => {
  it("keeps paths per (peer, path id) and advertises all of them to ADD-PATH receivers", () => {
    const rib = addPathRouter();
    const c = rib.update("10.0.0.2", {
      announced: [
        {
          attributes: attrs([1], "10.9.0.1", { localPref: 100 }),
          nlri: [{ ...P("203.0.113.0/24"), pathId: 1 }],
        },
        {
          attributes: attrs([2, 3], "10.9.0.2", { localPref: 100 }),
          nlri: [{ ...P("203.0.113.0/24"), pathId: 2 }],
        },
      ],
    });
    expect([...rib.adjRibIn("10.0.0.2")].map((r) => r.prefix.pathId).sort()).toEqual([1, 2]);
    const out = c.adjRibOut.get("10.0.0.3")!;
    expect(out.announced.flatMap((g) => g.nlri)).toHaveLength(2);
    const w = rib.update("10.0.0.2", { withdrawn: [{ ...P("203.0.113.0/24"), pathId: 1 }] });
    expect(w.adjRibOut.get("10.0.0.3")!.withdrawn).toHaveLength(1);
    expect(rib.bestRoute("203.0.113.0/24")!.attributes.nextHop).toBe("10.9.0.2");
  });

  it("ADD-PATH send for some families only: those get every path, the others the best; a graft keeps both; a bad AFI is refused", () => {
    const rib = addPathRouter({ send: [1] });
    const v6 = (asn: number) => ({
      ...attrs([asn], "10.9.0.1", { localPref: 100 - asn }),
      nextHop: undefined,
      mpReachNlri: { afi: 2, safi: 1, nextHop: [`2001:db8::${asn}`], nlri: [] },
    });
    rib.update("10.0.0.2", {
      announced: [1, 2].flatMap((asn) => [
        {
          attributes: attrs([asn], `10.9.0.${asn}`, { localPref: 100 - asn }),
          nlri: [{ ...P("203.0.113.0/24"), pathId: asn }],
        },
        {
          attributes: v6(asn),
          nlri: [{ afi: 2 as const, address: "2001:db8:7::", length: 48, pathId: asn }],
        },
      ]),
    });
    const out = (r: Rib) =>
      [...r.adjRibOut("10.0.0.3")]
        .map(
          (x) =>
            `${x.prefix.address}#${x.prefix.pathId === undefined ? "-" : "id"} AS${x.attributes.asPath![0]!.asns[0]}`,
        )
        .sort();
    expect(out(rib)).toEqual(["2001:db8:7::#- AS1", "203.0.113.0#id AS1", "203.0.113.0#id AS2"]);
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    const imp = b.importSession(rib.exportSession("10.0.0.3"));
    // B has none of these routes: it withdraws all three, Path Identifiers on IPv4 only.
    expect(imp.neighbor.announced).toEqual([]);
    expect(
      imp.neighbor.withdrawn.map((w) => `${w.address}#${w.pathId === undefined}`).sort(),
    ).toEqual(["2001:db8:7::#true", "203.0.113.0#false", "203.0.113.0#false"]);
    expect(b.peerAddresses()).toContain("10.0.0.3");
    const c = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    c.importSession(rib.exportSession("10.0.0.3"), { hold: true });
    // What the neighbour has, path ids as sent.
    const ids = (r: Rib) => [...r.adjRibOut("10.0.0.3")].map((x) => x.prefix.pathId).sort();
    expect(out(c)).toEqual(out(rib));
    expect(ids(c)).toEqual(ids(rib));
    const d = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    d.addPeer({ address: "10.0.0.4", asn: 64500, bgpIdentifier: "10.0.0.4" });
    expect(() => d.setAddPath("10.0.0.4", { send: [1, 3] })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "addPath.send" } }),
    );
  });

  it("an ADD-PATH delta with more attribute sets than its table starts with groups them all", () => {
    const rib = addPathRouter();
    // 300 paths of one prefix, each with its own set: one ADD-PATH delta of 300 groups.
    const c = rib.update("10.0.0.2", {
      announced: Array.from({ length: 300 }, (_, i) => ({
        attributes: attrs([1, i + 2], "10.9.0.1", { localPref: 100 }),
        nlri: [{ ...P("203.0.113.0/24"), pathId: i + 1 }],
      })),
    });
    const out = c.adjRibOut.get("10.0.0.3")!;
    expect(out.announced).toHaveLength(300);
    expect(new Set(out.announced.map((g) => g.attributes.asPath![0]!.asns[1])).size).toBe(300);
    expect(out.announced.every((g) => g.nlri.length === 1)).toBe(true);
  });

  it("IPv6 routes: next hop in MP_REACH_NLRI, rewritten to the session's IPv6 address towards eBGP", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib.addPeer({
      address: "2001:db8::2",
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
      localIpv6Address: "2001:db8::1",
    });
    rib.addPeer({
      address: "2001:db8:1::2",
      asn: 64502,
      bgpIdentifier: "192.0.2.3",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
      localIpv6Address: "2001:db8:1::1",
    });
    rib.peerUp("2001:db8::2");
    rib.peerUp("2001:db8:1::2");
    const u = ribUpdateFromMessage({
      type: "UPDATE",
      withdrawnRoutes: [],
      nlri: [],
      pathAttributes: {
        origin: "IGP",
        asPath: [{ type: "AS_SEQUENCE", asns: [64501] }],
        mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::2"], nlri: [P("2001:db8:100::/48")] },
      },
    });
    const c = rib.update("2001:db8::2", u);
    const a = c.adjRibOut.get("2001:db8:1::2")!.announced[0]!;
    expect(a.attributes.mpReachNlri!.nextHop).toEqual(["2001:db8:1::1"]);
    expect(a.attributes.mpReachNlri!.nlri).toEqual([]);
    expect(a.nlri).toEqual([P("2001:db8:100::/48")]);
    expect(rib.fib.lookup("2001:db8:100::1")).toBe("2001:db8::2");
  });
});

describe("interning", () => {
  it("shares attribute sets between routes and frees them when unused", () => {
    const rib = router();
    const a = attrs([64501], "192.0.2.2");
    rib.update("192.0.2.2", ann(a, "203.0.113.0/24", "198.18.0.0/15", "198.20.0.0/16"));
    // One received set, which is also what the iBGP neighbours' Adj-RIBs-Out hold (the default
    // LOCAL_PREF they are sent is implicit there), and one exported to eBGP (prepended).
    expect(rib.stats().attributeSets).toBe(2);
    expect([...rib.adjRibOut("10.0.0.2")].map((r) => r.attributes)).toEqual(
      Array(3).fill({ ...a, localPref: 100 }),
    );
    rib.peerDown("192.0.2.2");
    expect(rib.stats().attributeSets).toBe(0);
  });
});

describe("LOCAL_PREF towards iBGP neighbours", () => {
  const P24 = "203.0.113.0/24";
  const sent = (u: AdjRibOutUpdate | undefined) => u?.announced.map((g) => g.attributes) ?? [];

  it("is sent as the default when the route has none, and an UPDATE equal to the last one is not sent", () => {
    const rib = router();
    const x = attrs([64501], "192.0.2.2"); // from the customer: LOCAL_PREF dropped on receipt
    const y = attrs([64501], "192.0.2.2", { localPref: 100 }); // originated with the default
    const first = rib.update("192.0.2.2", ann(x, P24));
    expect(sent(first.adjRibOut.get("10.0.0.3"))).toEqual([{ ...x, localPref: 100 }]);
    // The best route moves to y and back to x: the iBGP neighbours would get the same UPDATE.
    const deltas = [
      rib.originate(ann(y, P24)),
      rib.update("192.0.2.2", { withdrawn: [P(P24)] }),
      rib.update("192.0.2.2", ann(x, P24)),
      rib.originate({ withdrawn: [P(P24)] }),
      // An optional non-transitive attribute it does not know is not passed on (RFC 4271 §5):
      // the route is sent as it was (made differently, stored as the same set).
      rib.update(
        "192.0.2.2",
        ann({ ...x, unknown: [{ flags: 0x80, typeCode: 99, value: new Uint8Array([1]) }] }, P24),
      ),
      rib.update("192.0.2.2", ann(x, P24)),
    ];
    expect(deltas.some((c) => c.locRib.length > 0)).toBe(true);
    for (const c of deltas) expect(flat(c.adjRibOut.get("10.0.0.3"))).toEqual([]);
    expect([...rib.adjRibOut("10.0.0.3")].map((r) => r.attributes)).toEqual([
      { ...x, localPref: 100 },
    ]);
  });

  it("is the default also when an export policy removes it, and setting the default changes nothing", () => {
    const rib = router();
    const drop = Object.assign(
      (r: { attributes: PathAttributes }) => {
        const { localPref: _, ...rest } = r.attributes;
        return rest;
      },
      { prefixIndependent: true as const },
    );
    for (const [address, exportPolicy] of [
      ["10.0.0.4", drop],
      ["10.0.0.5", setLocalPref(100)],
      ["10.0.0.6", setLocalPref(200)],
    ] as const) {
      rib.addPeer({ address, asn: 64500, bgpIdentifier: address, exportPolicy });
      rib.peerUp(address);
    }
    const x = attrs([64501], "192.0.2.2", { multiExitDisc: 5 });
    const c = rib.update("192.0.2.2", ann(x, P24));
    const want = { ...x, localPref: 100 };
    expect(sent(c.adjRibOut.get("10.0.0.3"))).toEqual([want]);
    expect(sent(c.adjRibOut.get("10.0.0.4"))).toEqual([want]);
    expect(sent(c.adjRibOut.get("10.0.0.5"))).toEqual([want]);
    expect(sent(c.adjRibOut.get("10.0.0.6"))).toEqual([{ ...x, localPref: 200 }]);
    expect([...rib.adjRibOut("10.0.0.5")].map((r) => r.attributes)).toEqual([want]);
    expect(rib.routeRefresh("10.0.0.4").announced.map((g) => g.attributes)).toEqual([want]);
  });
});

describe("MED non-transitivity inside the RIB (RFC 4271 §9.1.2.2 (c))", () => {
  // A and C from AS 1, B from AS 2 (iBGP routes, IGP costs 5/10/15): a cycle pairwise.
  const run = (order: string[], deterministicMed: boolean) => {
    const cost: Record<string, number> = { "10.1.0.1": 5, "10.1.0.2": 10, "10.1.0.3": 15 };
    const rib = new Rib({
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      decision: { deterministicMed },
      resolver: (nh) => ({ reachable: true, igpCost: cost[nh] ?? 0 }),
    });
    const routes: Record<string, PathAttributes> = {
      A: attrs([1], "10.1.0.1", { multiExitDisc: 20, localPref: 100 }),
      B: attrs([2], "10.1.0.2", { multiExitDisc: 0, localPref: 100 }),
      C: attrs([1], "10.1.0.3", { multiExitDisc: 10, localPref: 100 }),
    };
    const peerOf: Record<string, string> = { A: "10.0.0.11", B: "10.0.0.12", C: "10.0.0.13" };
    for (const k of ["A", "B", "C"]) {
      rib.addPeer({ address: peerOf[k]!, asn: 64500, bgpIdentifier: peerOf[k]! });
      rib.peerUp(peerOf[k]!);
    }
    for (const k of order) rib.update(peerOf[k]!, ann(routes[k]!, "203.0.113.0/24"));
    return Object.keys(peerOf).find((k) => peerOf[k] === rib.bestRoute("203.0.113.0/24")!.peer);
  };
  it("without deterministic-med the best route depends on the arrival order", () => {
    // Compared newest first. A,B,C: B beats C (IGP), A beats B (IGP) → A.
    // B,C,A: C beats A (MED), B beats C (IGP) → B.
    expect(run(["A", "B", "C"], false)).toBe("A");
    expect(run(["B", "C", "A"], false)).toBe("B");
  });
  it("with deterministic-med it is B whatever the order", () => {
    for (const o of [
      ["A", "B", "C"],
      ["B", "C", "A"],
      ["C", "A", "B"],
      ["C", "B", "A"],
    ])
      expect(run(o, true)).toBe("B");
  });
});

describe("AS_SET deprecation (RFC 9774)", () => {
  const withSet = (set: "AS_SET" | "AS_CONFED_SET"): PathAttributes => ({
    origin: "IGP",
    asPath: [
      { type: "AS_SEQUENCE", asns: [64501] },
      { type: set, asns: [64510, 64511] },
    ],
    nextHop: "192.0.2.2",
  });

  it("with rejectAsSets, a route with AS_SET is treated as withdrawn and replaces the old one", () => {
    const rib = router({ rejectAsSets: true });
    rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "10.0.0.0/8"));
    expect(rib.bestRoute("10.0.0.0/8")?.peer).toBe("192.0.2.2");
    const c = rib.update("192.0.2.2", ann(withSet("AS_SET"), "10.0.0.0/8"));
    // Implicit withdraw of the route it replaces: gone from the Loc-RIB and from the neighbours.
    expect(rib.bestRoute("10.0.0.0/8")).toBeUndefined();
    expect(flat(c.adjRibOut.get("10.0.0.2"))).toEqual(["-10.0.0.0/8"]);
    expect(rib.explain("10.0.0.0/8").rejected.map((r) => r.reason)).toEqual(["as-set"]);
    expect([...rib.adjRibIn("192.0.2.2", "pre")]).toHaveLength(1);
  });

  it("with rejectAsSets, AS_CONFED_SET from inside the confederation is refused too; iBGP as well", () => {
    const rib = router({
      rejectAsSets: true,
      confederation: { identifier: 100, members: [64500, 64503] },
    });
    rib.addPeer({ address: "10.0.0.9", asn: 64503, bgpIdentifier: "10.0.0.9" });
    rib.peerUp("10.0.0.9");
    rib.update("10.0.0.9", ann({ ...withSet("AS_CONFED_SET"), localPref: 100 }, "10.1.0.0/16"));
    rib.update("10.0.0.2", ann({ ...withSet("AS_SET"), localPref: 100 }, "10.2.0.0/16"));
    expect(rib.explain("10.1.0.0/16").rejected.map((r) => r.reason)).toEqual(["as-set"]);
    expect(rib.explain("10.2.0.0/16").rejected.map((r) => r.reason)).toEqual(["as-set"]);
  });

  it("with rejectAsSets, an originated route with AS_SET is sent to nobody", () => {
    const rib = router({ rejectAsSets: true });
    const c = rib.originate(ann(withSet("AS_SET"), "10.3.0.0/16"));
    expect(rib.bestRoute("10.3.0.0/16")?.peer).toBe("local");
    expect(c.adjRibOut.size).toBe(0);
    expect(rib.peerAddresses().flatMap((p) => [...rib.adjRibOut(p)])).toEqual([]);
  });

  it("by default AS_SETs are accepted and propagated (as FRR and BIRD do)", () => {
    const rib = router();
    const c = rib.update("192.0.2.2", ann(withSet("AS_SET"), "10.0.0.0/8"));
    expect(rib.bestRoute("10.0.0.0/8")?.peer).toBe("192.0.2.2");
    expect(flat(c.adjRibOut.get("198.51.100.2"))).toEqual(["+10.0.0.0/8"]);
  });
});

describe("a change set's adjRibOut", () => {
  // None, one and several neighbours with a delta are three representations behind one
  // ReadonlyMap: each must answer every part of that interface as a Map with those entries.
  const asMap = (m: ReadonlyMap<string, AdjRibOutUpdate>) => {
    const viaForEach: [string, AdjRibOutUpdate][] = [];
    const self: unknown[] = [];
    m.forEach(function (this: unknown, v, k, map) {
      viaForEach.push([k, v]);
      self.push(this, map);
    }, "ctx");
    expect(self).toEqual(viaForEach.flatMap(() => ["ctx", m]));
    const entries = [...m];
    expect([...m.entries()]).toEqual(entries);
    expect(viaForEach).toEqual(entries);
    expect([...m.keys()]).toEqual(entries.map(([k]) => k));
    expect([...m.values()]).toEqual(entries.map(([, v]) => v));
    expect(m.size).toBe(entries.length);
    for (const [k, v] of entries) {
      expect(m.has(k)).toBe(true);
      expect(m.get(k)).toBe(v);
    }
    expect(m.has("203.0.113.9")).toBe(false);
    expect(m.get("203.0.113.9")).toBeUndefined();
    return entries.map(([k, v]) => [k, flat(v)]);
  };

  it("is a ReadonlyMap with no, one or several neighbours' deltas", () => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    rib.addPeer(acceptingPeer("192.0.2.2", 64501));
    rib.addPeer({ address: "10.0.0.2", asn: 64500, bgpIdentifier: "10.0.0.2" });
    rib.peerUp("192.0.2.2");
    rib.peerUp("10.0.0.2");
    // One neighbour gets the route (not the eBGP peer it came from).
    const one = rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    expect(asMap(one.adjRibOut)).toEqual([["10.0.0.2", ["+203.0.113.0/24"]]]);
    expect(JSON.stringify(one.adjRibOut)).toBe(JSON.stringify(new Map(one.adjRibOut)));
    // Nobody: the same route again.
    const none = rib.update("192.0.2.2", ann(attrs([64501], "192.0.2.2"), "203.0.113.0/24"));
    expect(asMap(none.adjRibOut)).toEqual([]);
    expect(JSON.stringify(none.adjRibOut)).toBe("{}");
    // Two: an iBGP route goes to the eBGP peer, and its withdrawal of ours to the iBGP peer.
    const two = rib.update(
      "10.0.0.2",
      ann(attrs([], "10.0.0.2", { localPref: 200 }), "203.0.113.0/24"),
    );
    expect(asMap(two.adjRibOut)).toEqual([
      ["192.0.2.2", ["+203.0.113.0/24"]],
      ["10.0.0.2", ["-203.0.113.0/24"]],
    ]);
  });
});
