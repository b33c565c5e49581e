// kernelRouteCommands against a model of the kernel's routing table: after any sequence of
// Loc-RIB change sets, the table the commands build holds exactly the RIB's best routes learned
// from neighbours, each via its next hop — with multipath, via the next hops of its routes
// (forwardingRoutes) — and no command deletes a route that is not there. One neighbour is on a
// link-local address and sends IPv4 routes with IPv6 next hops (RFC 8950): global, or link-local
// only (then over its interface).
import { acceptAll, type LocRibChange, Rib, type RibUpdate, type Route } from "@dyninfra/bgp-rib";
import { arbitraryRibUpdate } from "@dyninfra/bgp-rib/testing";
import type { PathAttributes } from "@dyninfra/bgp-wire";
import { formatPrefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect, test as plainTest } from "vitest";
import { forwardingRoutes, kernelRouteCommands } from "./kernel-routes";

const PEERS = [
  { address: "192.0.2.2", asn: 64501 },
  { address: "192.0.2.3", asn: 64502 },
  { address: "192.0.2.4", asn: 64503 },
  { address: "fe80::5%veth5", asn: 64505 },
];
type Peer = 0 | 1 | 2 | 3;
const LINK_LOCAL: Peer = 3;

type Op =
  | { kind: "update"; peer: Peer; update: RibUpdate; global: boolean }
  | { kind: "down" | "up"; peer: Peer }
  | { kind: "originate" | "withdraw-own"; prefix: string };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom<Peer>(0, 1, 2, 3), fc.boolean())
      .chain(([peer, global]) =>
        arbitraryRibUpdate(PEERS[peer]!.asn).map(
          (update): Op => ({ kind: "update", peer, update, global }),
        ),
      ),
  },
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const),
    peer: fc.constantFrom<Peer>(0, 1, 2, 3),
  }),
  fc.record({
    kind: fc.constantFrom("originate" as const, "withdraw-own" as const),
    prefix: fc.constantFrom("100.64.0.0/24", "100.65.0.0/16", "100.64.16.0/20"),
  }),
);

/** A gateway as ip(8) takes it: an address, `inet6` and an IPv6 one, maybe with `dev`. */
const GW = "(?:inet6 )?\\S+(?: dev \\S+)?";

/**
 * The kernel's table as ip(8) route replace/del lines leave it: prefix → gateway(s) (spaces in a
 * gateway as "_"), an ECMP route's joined by spaces.
 */
function run(table: Map<string, string>, commands: readonly string[]): void {
  const line = new RegExp(
    `^route (replace|del) (\\S+)(?: via (${GW}))? proto bgp table 100 metric 20((?: nexthop via ${GW}){2,})?$`,
  );
  for (const c of commands) {
    const m = line.exec(c);
    expect(m, c).not.toBeNull();
    const [, verb, prefix, via, hops] = m!;
    expect(via === undefined || hops === undefined, c).toBe(true);
    if (verb === "replace") {
      const v =
        via?.replaceAll(" ", "_") ??
        hops!
          .split(" nexthop via ")
          .slice(1)
          .map((h) => h.replaceAll(" ", "_"))
          .join(" ");
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
        bgpIdentifier: p.address.includes(":") ? "192.0.2.5" : p.address,
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
        const from = PEERS[op.peer]!.address;
        const nh = from;
        // The link-local neighbour's next hops, in an MP_REACH_NLRI of AFI 1.
        const hops =
          op.peer !== LINK_LOCAL
            ? undefined
            : {
                mpReachNlri: {
                  afi: 1 as const,
                  safi: 1,
                  nextHop: op.global ? ["2001:db8::5", "fe80::5"] : ["fe80::5"],
                  nlri: [],
                },
              };
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
                  ...(hops ?? { nextHop: nh }),
                }
              : withHops(a.attributes, hops ?? { nextHop: nh }),
          })),
        };
        apply(rib.update(from, u).locRib);
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
        .map((r) => [formatPrefix(r[0]!.prefix), [...new Set(r.map(gatewayOf))].join(" ")]),
    );
    expect(table).toEqual(want);
  },
);

/** `a` with NEXT_HOP or MP_REACH_NLRI `hops` instead of its own next hop. */
function withHops(a: PathAttributes, hops: Partial<PathAttributes>): PathAttributes {
  const { nextHop: _n, mpReachNlri: _m, ...rest } = a;
  return { ...rest, ...hops };
}

/**
 * Where the kernel should send a route's packets, written as the table model keeps it: its
 * NEXT_HOP; from the link-local neighbour `inet6` and the global next hop, or the link-local one
 * over the neighbour's interface.
 */
function gatewayOf(r: Route): string {
  if (r.peer !== PEERS[LINK_LOCAL]!.address) return r.attributes.nextHop!;
  const hops = r.attributes.mpReachNlri!.nextHop;
  return hops.length === 2 ? `inet6_${hops[0]}` : `inet6_${hops[0]}_dev_veth5`;
}

plainTest("the property met ECMP routes", () => {
  // Runs after the property (same file, in order).
  expect(ecmp).toBeGreaterThan(30);
});
