// Frozen input sets (as bgp-wire's MRT readers share them) are interned by identity after the
// first time: the RIB must behave exactly as if it had been handed fresh, unfrozen copies.
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect, it } from "vitest";
import { acceptAll } from "./policy";
import { Rib, type RibUpdate } from "./rib";

const PREFIXES = ["203.0.113.0/24", "198.18.0.0/15", "10.0.0.0/8"];
const PEERS = [
  { address: "192.0.2.2", asn: 64501 }, // eBGP: LOCAL_PREF dropped on receipt
  { address: "192.0.2.6", asn: 64502 }, // eBGP
  { address: "10.0.0.2", asn: 64500 }, // iBGP: LOCAL_PREF kept
];
const MONITORS = ["10.0.0.99", "198.51.100.9"]; // iBGP, eBGP: what the RIB sends

function router(): Rib {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  for (const p of PEERS)
    rib.addPeer({
      address: p.address,
      asn: p.asn,
      bgpIdentifier: p.address,
      localAddress: "192.0.2.1",
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
  rib.addPeer({ address: MONITORS[0]!, asn: 64500, bgpIdentifier: MONITORS[0]! });
  rib.addPeer({
    address: MONITORS[1]!,
    asn: 64599,
    bgpIdentifier: MONITORS[1]!,
    localAddress: "198.51.100.1",
    exportPolicy: acceptAll,
  });
  for (const a of rib.peerAddresses()) rib.peerUp(a);
  return rib;
}

// A few sets, several frozen objects for some of them (equal by value, distinct by identity).
const arbSet = fc
  .record({
    first: fc.constantFrom(64501, 64502, 64510),
    tail: fc.array(fc.constantFrom(1, 2), { maxLength: 2 }),
    med: fc.option(fc.constantFrom(0, 10), { nil: undefined }),
    lp: fc.option(fc.constantFrom(100, 200), { nil: undefined }),
  })
  .map(
    (r): PathAttributes => ({
      origin: "IGP",
      asPath: [{ type: "AS_SEQUENCE", asns: [r.first, ...r.tail] }],
      nextHop: "192.0.2.254",
      ...(r.med !== undefined ? { multiExitDisc: r.med } : {}),
      ...(r.lp !== undefined ? { localPref: r.lp } : {}),
    }),
  );

type Op =
  | { kind: "announce"; peer: number; prefixes: number[]; set: number }
  | { kind: "withdraw"; peer: number; prefix: number }
  | { kind: "bounce"; peer: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("announce" as const),
      peer: fc.nat(PEERS.length - 1),
      prefixes: fc.uniqueArray(fc.nat(PREFIXES.length - 1), { minLength: 1, maxLength: 3 }),
      set: fc.nat(15),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      peer: fc.nat(PEERS.length - 1),
      prefix: fc.nat(PREFIXES.length - 1),
    }),
  },
  // Session down and up again: its sets are freed and their ids reused by later ones.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bounce" as const), peer: fc.nat(2) }) },
);

const P = (i: number): Prefix => {
  const [address, length] = PREFIXES[i]!.split("/");
  return { afi: 1, address: address!, length: Number(length) };
};

test.prop([fc.array(arbSet, { minLength: 1, maxLength: 5 }), fc.array(arbOp, { maxLength: 40 })], {
  numRuns: 300,
})("a RIB handed frozen sets again and again ends as one handed fresh copies", (sets, ops) => {
  // Pool entry i: a frozen object of set i % sets.length (the same values under several objects).
  const pool = Array.from({ length: 16 }, (_, i) => Object.freeze({ ...sets[i % sets.length]! }));
  const subject = router();
  const reference = router();
  const state = (rib: Rib) => ({
    best: PREFIXES.map((p) => {
      const r = rib.bestRoute(p);
      return r === undefined ? undefined : { peer: r.peer, attributes: r.attributes };
    }),
    adjRibIn: PEERS.map((p) => [...rib.adjRibIn(p.address, "pre")]),
    adjRibOut: MONITORS.map((m) => [...rib.adjRibOut(m)]),
    sets: rib.stats().attributeSets,
  });
  for (const op of ops) {
    const peer = PEERS[op.peer]!.address;
    if (op.kind === "bounce") {
      expect(subject.peerDown(peer)).toEqual(reference.peerDown(peer));
      subject.peerUp(peer);
      reference.peerUp(peer);
      continue;
    }
    const update = (attributes: PathAttributes): RibUpdate =>
      op.kind === "announce"
        ? { announced: [{ attributes, nlri: op.prefixes.map(P) }] }
        : { withdrawn: [P(op.prefix)] };
    const frozen = pool[op.kind === "announce" ? op.set : 0]!;
    const a = subject.update(peer, update(frozen));
    const b = reference.update(peer, update({ ...frozen }));
    expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
    expect(state(subject)).toEqual(state(reference));
  }
});

it("an object that is not frozen is read again every time (one changed between updates counts as changed)", () => {
  const rib = router();
  const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
    origin: "IGP",
    asPath: [{ type: "AS_SEQUENCE", asns: [64510] }],
    nextHop: "192.0.2.254",
    localPref: 100,
  };
  const announce = () => rib.update("10.0.0.2", { announced: [{ attributes: a, nlri: [P(0)] }] });
  announce();
  a.localPref = 300;
  announce();
  expect(rib.bestRoute(PREFIXES[0]!)?.attributes.localPref).toBe(300);
  // Frozen, it is the same set again: interned by identity, still that set.
  const f = Object.freeze({ ...a, localPref: 400 });
  for (let i = 0; i < 2; i++)
    rib.update("10.0.0.2", { announced: [{ attributes: f, nlri: [P(i)] }] });
  expect(rib.bestRoute(PREFIXES[0]!)?.attributes).toBe(rib.bestRoute(PREFIXES[1]!)?.attributes);
  expect(rib.bestRoute(PREFIXES[1]!)?.attributes.localPref).toBe(400);
});
