// kernelRouteCommands against a model of the kernel's routing table: after any sequence of
// Loc-RIB change sets, the table the commands build holds exactly the RIB's best routes learned
// from neighbours, each via its next hop — with multipath, via the next hops of its routes
// (forwardingRoutes) — and no command deletes a route that is not there.
import { acceptAll, type LocRibChange, Rib, type RibUpdate, type Route } from "@dyninfra/bgp-rib";
import { arbitraryRibUpdate } from "@dyninfra/bgp-rib/testing";
import { formatPrefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect, test as plainTest } from "vitest";
import { forwardingRoutes, kernelRouteCommands } from "./kernel-routes";

const PEERS = [
  { address: "192.0.2.2", asn: 64501 },
  { address: "192.0.2.3", asn: 64502 },
  { address: "192.0.2.4", asn: 64503 },
];
type Peer = 0 | 1 | 2;

type Op =
  | { kind: "update"; peer: Peer; update: RibUpdate }
  | { kind: "down" | "up"; peer: Peer }
  | { kind: "originate" | "withdraw-own"; prefix: string };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom<Peer>(0, 1, 2)
      .chain((peer) =>
        arbitraryRibUpdate(PEERS[peer]!.asn).map(
          (update): Op => ({ kind: "update", peer, update }),
        ),
      ),
  },
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const),
    peer: fc.constantFrom<Peer>(0, 1, 2),
  }),
  fc.record({
    kind: fc.constantFrom("originate" as const, "withdraw-own" as const),
    prefix: fc.constantFrom("100.64.0.0/24", "100.65.0.0/16", "100.64.16.0/20"),
  }),
);

/**
 * The kernel's table as ip(8) route replace/del lines leave it: prefix → gateway(s), an ECMP
 * route's joined by spaces.
 */
function run(table: Map<string, string>, commands: readonly string[]): void {
  for (const c of commands) {
    const m =
      /^route (replace|del) (\S+)(?: via (\S+))? proto bgp table 100 metric 20((?: nexthop via \S+){2,})?$/.exec(
        c,
      );
    expect(m, c).not.toBeNull();
    const [, verb, prefix, via, hops] = m!;
    expect(via === undefined || hops === undefined, c).toBe(true);
    if (verb === "replace") {
      const v = via ?? hops!.trim().replaceAll("nexthop via ", "");
      expect(v, c).not.toBe("");
      table.set(prefix!, v);
    } else {
      expect(table.has(prefix!), `route del of ${prefix}, not in the table`).toBe(true);
      table.delete(prefix!);
    }
  }
}

let ecmp = 0;
test.prop([fc.array(arbOp, { maxLength: 30 }), fc.boolean()], { numRuns: 300 })(
  "the commands keep the kernel's table equal to the Loc-RIB's routes from neighbours, via their next hops",
  (ops, multipath) => {
    const rib = new Rib({
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      ...(multipath ? { decision: { maximumPaths: 3, multipathRelax: true } } : {}),
    });
    for (const p of PEERS)
      rib.addPeer({
        ...p,
        bgpIdentifier: p.address,
        importPolicy: acceptAll,
        exportPolicy: acceptAll,
      });
    for (const p of PEERS) rib.peerUp(p.address);
    const table = new Map<string, string>();
    const up = [true, true, true];
    const apply = (changes: readonly LocRibChange[]) => {
      const { commands } = kernelRouteCommands(changes, { table: 100 });
      ecmp += commands.filter((c) => c.includes(" nexthop via ")).length;
      run(table, commands);
    };
    for (const op of ops) {
      if (op.kind === "update") {
        if (!up[op.peer]) continue;
        const nh = PEERS[op.peer]!.address;
        const u: RibUpdate = {
          ...op.update,
          announced: op.update.announced?.map((a) => ({
            ...a,
            // With multipath, ties are made likely: IGP, no MED, AS_PATH of length 1 or 2.
            attributes: multipath
              ? {
                  origin: "IGP" as const,
                  asPath: [
                    {
                      type: "AS_SEQUENCE" as const,
                      asns: [
                        PEERS[op.peer]!.asn,
                        ...(a.attributes.asPath?.[0]?.asns.slice(1, 2) ?? []),
                      ],
                    },
                  ],
                  nextHop: nh,
                }
              : { ...a.attributes, nextHop: nh },
          })),
        };
        apply(rib.update(nh, u).locRib);
      } else if (op.kind === "down" || op.kind === "up") {
        if (up[op.peer] === (op.kind === "up")) continue;
        up[op.peer] = op.kind === "up";
        const a = PEERS[op.peer]!.address;
        apply((op.kind === "up" ? rib.peerUp(a) : rib.peerDown(a)).locRib);
      } else if (op.kind === "originate" || op.kind === "withdraw-own") {
        const [address, length] = op.prefix.split("/");
        const nlri = [{ afi: 1 as const, address: address!, length: Number(length) }];
        apply(
          rib.originate(
            op.kind === "originate"
              ? {
                  announced: [
                    { attributes: { origin: "IGP", asPath: [], nextHop: "10.0.0.1" }, nlri },
                  ],
                }
              : { withdrawn: nlri },
          ).locRib,
        );
      }
    }
    const want = new Map(
      forwardingRoutes(rib)
        .map((r) => (Array.isArray(r) ? r : [r]) as readonly Route[])
        .filter((r) => r[0]!.peer !== "local")
        .map((r) => [formatPrefix(r[0]!.prefix), r.map((x) => x.attributes.nextHop!).join(" ")]),
    );
    expect(table).toEqual(want);
  },
);

plainTest("the property met ECMP routes", () => {
  // Runs after the property (same file, in order).
  expect(ecmp).toBeGreaterThan(30);
});
