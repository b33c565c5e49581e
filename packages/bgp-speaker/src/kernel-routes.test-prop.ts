// kernelRouteCommands against a model of the kernel's routing table: after any sequence of
// Loc-RIB change sets, the table the commands build holds exactly the RIB's best routes learned
// from neighbours, each via its next hop — and no command deletes a route that is not there.
import { acceptAll, type LocRibChange, Rib, type RibUpdate } from "@dyninfra/bgp-rib";
import { arbitraryRibUpdate } from "@dyninfra/bgp-rib/testing";
import { formatPrefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { kernelRouteCommands } from "./kernel-routes";

const PEERS = [
  { address: "192.0.2.2", asn: 64501 },
  { address: "192.0.2.3", asn: 64502 },
];

type Op =
  | { kind: "update"; peer: 0 | 1; update: RibUpdate }
  | { kind: "down" | "up"; peer: 0 | 1 }
  | { kind: "originate" | "withdraw-own"; prefix: string };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(0 as const, 1 as const)
      .chain((peer) =>
        arbitraryRibUpdate(PEERS[peer]!.asn).map(
          (update): Op => ({ kind: "update", peer, update }),
        ),
      ),
  },
  fc.record({
    kind: fc.constantFrom("down" as const, "up" as const),
    peer: fc.constantFrom(0 as const, 1 as const),
  }),
  fc.record({
    kind: fc.constantFrom("originate" as const, "withdraw-own" as const),
    prefix: fc.constantFrom("100.64.0.0/24", "100.65.0.0/16", "100.64.16.0/20"),
  }),
);

/** The kernel's table as ip(8) route replace/del lines leave it: prefix → gateway. */
function run(table: Map<string, string>, commands: readonly string[]): void {
  for (const c of commands) {
    const m = /^route (replace|del) (\S+)(?: via (\S+))? proto bgp table 100 metric 20$/.exec(c);
    expect(m, c).not.toBeNull();
    const [, verb, prefix, via] = m!;
    if (verb === "replace") table.set(prefix!, via!);
    else {
      expect(table.has(prefix!), `route del of ${prefix}, not in the table`).toBe(true);
      table.delete(prefix!);
    }
  }
}

test.prop([fc.array(arbOp, { maxLength: 30 })], { numRuns: 200 })(
  "the commands keep the kernel's table equal to the Loc-RIB's routes from neighbours, via their next hops",
  (ops) => {
    const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    for (const p of PEERS)
      rib.addPeer({
        ...p,
        bgpIdentifier: p.address,
        importPolicy: acceptAll,
        exportPolicy: acceptAll,
      });
    for (const p of PEERS) rib.peerUp(p.address);
    const table = new Map<string, string>();
    const up = [true, true];
    const apply = (changes: readonly LocRibChange[]) =>
      run(table, kernelRouteCommands(changes, { table: 100 }).commands);
    for (const op of ops) {
      if (op.kind === "update") {
        if (!up[op.peer]) continue;
        const nh = PEERS[op.peer]!.address;
        const u: RibUpdate = {
          ...op.update,
          announced: op.update.announced?.map((a) => ({
            ...a,
            attributes: { ...a.attributes, nextHop: nh },
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
      [...rib.locRib()]
        .filter((r) => r.peer !== "local")
        .map((r) => [formatPrefix(r.prefix), r.attributes.nextHop!]),
    );
    expect(table).toEqual(want);
  },
);
