import { describe, expect, it } from "vitest";
import {
  compareAddresses,
  compareCandidates,
  type DecisionCandidate,
  effectiveMed,
  explainDecision,
  selectBest,
} from "./decision";

const base: DecisionCandidate = {
  reachable: true,
  localPref: 100,
  asPathLength: 2,
  origin: 0,
  med: 0,
  neighborAs: 65001,
  peerKind: "ebgp",
  igpCost: 0,
  arrival: 0,
  bgpIdentifier: 0x0a000001,
  clusterListLength: 0,
  peerAddress: "192.0.2.1",
  pathId: 0,
};
const c = (o: Partial<DecisionCandidate>): DecisionCandidate => ({ ...base, ...o });

describe("decision process steps (RFC 4271 §9.1)", () => {
  const cases: [string, Partial<DecisionCandidate>, Partial<DecisionCandidate>][] = [
    ["next-hop-unresolvable", { reachable: true, localPref: 1 }, { reachable: false }],
    ["llgr-stale", { localPref: 1, asPathLength: 9 }, { llgrStale: true, localPref: 900 }],
    ["local-pref", { localPref: 200, asPathLength: 9 }, { localPref: 100 }],
    ["as-path-length", { asPathLength: 1, origin: 2 }, { asPathLength: 2 }],
    ["origin", { origin: 0, med: 9 }, { origin: 1 }],
    ["med", { med: 5, peerKind: "ibgp" }, { med: 10 }],
    ["ebgp-over-ibgp", { peerKind: "ebgp", igpCost: 9 }, { peerKind: "ibgp" }],
    ["ebgp-over-ibgp", { peerKind: "ebgp", igpCost: 9 }, { peerKind: "confed-ebgp" }],
    ["igp-cost", { igpCost: 1, bgpIdentifier: 9 }, { igpCost: 2 }],
    ["bgp-identifier", { bgpIdentifier: 1, clusterListLength: 2 }, { bgpIdentifier: 2 }],
    [
      "cluster-list-length",
      { clusterListLength: 0, peerAddress: "192.0.2.9" },
      { clusterListLength: 1 },
    ],
    ["neighbor-address", { peerAddress: "192.0.2.9", pathId: 5 }, { peerAddress: "192.0.2.10" }],
    ["path-id", { pathId: 1 }, { pathId: 2 }],
  ];
  for (const [step, win, lose] of cases) {
    it(`${step}: the preferred route wins whichever side it is on`, () => {
      expect(compareCandidates(c(win), c(lose), {})).toEqual({ order: expect.any(Number), step });
      expect(compareCandidates(c(win), c(lose), {}).order).toBeLessThan(0);
      expect(compareCandidates(c(lose), c(win), {}).order).toBeGreaterThan(0);
      expect(selectBest([c(lose), c(win)], {})).toBe(1);
    });
  }

  it("compares MED only between routes from the same neighbouring AS (RFC 4271 §9.1.2.2 (c))", () => {
    const a = c({ neighborAs: 1, med: 50, igpCost: 1 });
    const b = c({ neighborAs: 2, med: 10, igpCost: 2 });
    expect(compareCandidates(a, b, {}).step).toBe("igp-cost");
    expect(compareCandidates(a, b, { alwaysCompareMed: true }).step).toBe("med");
    expect(selectBest([a, b], { alwaysCompareMed: true })).toBe(1);
  });

  it("counts a missing MED as 0, or as the worst value when configured", () => {
    expect(effectiveMed(undefined, {})).toBe(0);
    expect(effectiveMed(undefined, { medMissingAsWorst: true })).toBe(0xffffffff);
    expect(effectiveMed(7, { medMissingAsWorst: true })).toBe(7);
  });

  it("ignore-as-path-length skips step (a)", () => {
    const a = c({ asPathLength: 5, origin: 0 });
    const b = c({ asPathLength: 1, origin: 2 });
    expect(selectBest([a, b], {})).toBe(1);
    expect(selectBest([a, b], { ignoreAsPathLength: true })).toBe(0);
  });

  it("prefer-older (RFC 5004) keeps the older of two eBGP routes before the identifier", () => {
    const older = c({ arrival: 1, bgpIdentifier: 9 });
    const newer = c({ arrival: 2, bgpIdentifier: 1 });
    expect(selectBest([older, newer], {})).toBe(1);
    expect(selectBest([older, newer], { preferOlder: true })).toBe(0);
    expect(compareCandidates(older, newer, { preferOlder: true }).step).toBe("prefer-older");
    // Not between iBGP routes.
    const i1 = c({ ...older, peerKind: "ibgp" });
    const i2 = c({ ...newer, peerKind: "ibgp" });
    expect(selectBest([i1, i2], { preferOlder: true })).toBe(1);
  });

  it("no eligible route: -1", () => {
    expect(selectBest([], {})).toBe(-1);
    expect(selectBest([c({ reachable: false })], {})).toBe(-1);
  });

  it("orders addresses numerically, IPv4 before IPv6", () => {
    expect(compareAddresses("192.0.2.9", "192.0.2.10")).toBeLessThan(0);
    expect(compareAddresses("10.0.0.1", "2001:db8::1")).toBeLessThan(0);
    expect(compareAddresses("2001:db8::2", "2001:db8::10")).toBeLessThan(0);
    expect(compareAddresses("2001:db8::1", "2001:db8::1")).toBe(0);
  });
});

describe("the MED non-transitivity case (RFC 4271 §9.1.2.2 (c), RFC 3345)", () => {
  // A and C come from AS 1, B from AS 2.  Pairwise: A beats B on IGP cost, B beats C on IGP
  // cost, C beats A on MED — a cycle, so the winner depends on the comparison order.
  const A = c({ neighborAs: 1, med: 20, igpCost: 5, peerAddress: "192.0.2.1" });
  const B = c({ neighborAs: 2, med: 0, igpCost: 10, peerAddress: "192.0.2.2" });
  const C = c({ neighborAs: 1, med: 10, igpCost: 15, peerAddress: "192.0.2.3" });

  it("is a cycle pairwise", () => {
    expect(compareCandidates(A, B, {}).order).toBeLessThan(0);
    expect(compareCandidates(B, C, {}).order).toBeLessThan(0);
    expect(compareCandidates(C, A, {}).order).toBeLessThan(0);
  });

  it("without deterministic-med the winner depends on the order of arrival", () => {
    expect([A, B, C][selectBest([A, B, C], {})]).toBe(C);
    expect([C, A, B][selectBest([C, A, B], {})]).toBe(B);
    expect([B, C, A][selectBest([B, C, A], {})]).toBe(A);
  });

  it("with deterministic-med it is always B: C eliminates A within AS 1, then B beats C", () => {
    for (const order of [
      [A, B, C],
      [A, C, B],
      [B, A, C],
      [B, C, A],
      [C, A, B],
      [C, B, A],
    ])
      expect(order[selectBest(order, { deterministicMed: true })]).toBe(B);
  });
});

describe("explainDecision", () => {
  it("ranks every candidate and names the deciding step against the one above", () => {
    const best = c({ localPref: 200, peerAddress: "192.0.2.5" });
    const second = c({ asPathLength: 1, peerAddress: "192.0.2.6" });
    const third = c({ asPathLength: 1, origin: 2, peerAddress: "192.0.2.7" });
    const dead = c({ reachable: false, localPref: 900, peerAddress: "192.0.2.8" });
    const r = explainDecision([third, dead, best, second], {});
    expect(r.map((x) => x.candidate)).toEqual([best, second, third, dead]);
    expect(r.map((x) => x.decidedBy)).toEqual([
      undefined,
      "local-pref",
      "origin",
      "next-hop-unresolvable",
    ]);
    expect(r.map((x) => x.lostTo)).toEqual([undefined, 2, 3, 2]);
    expect(r[3]?.eligible).toBe(false);
  });
});
