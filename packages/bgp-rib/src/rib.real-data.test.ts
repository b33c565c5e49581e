import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readBgp4mpEvents } from "../test/mrt";
import { referenceSelectBest } from "../test/reference-decision";
import type { DecisionCandidate } from "./decision";
import { acceptAll, asPathText } from "./policy";
import { Rib } from "./rib";

const here = resolve(import.meta.dirname, "..");
const shared = resolve(here, "../../../shared/data/bgp");

/** Replays `bgpdump -m` text (real tool output) independently: peer → prefix → fields. */
function replayText(text: string) {
  const state = new Map<
    string,
    Map<string, { path: string; origin: string; nextHop: string; med: number }>
  >();
  for (const line of text.split("\n")) {
    const f = line.split("|");
    if (f.length < 5) continue;
    const peer = f[3]!;
    if (f[2] === "STATE") {
      if (f[6] !== "6") state.delete(peer);
      continue;
    }
    let t = state.get(peer);
    if (t === undefined) {
      t = new Map();
      state.set(peer, t);
    }
    if (f[2] === "W") t.delete(f[5]!);
    else if (f[2] === "A" || f[2] === "B")
      t.set(f[5]!, { path: f[6]!, origin: f[7]!, nextHop: f[8]!, med: Number(f[10] || 0) });
  }
  return state;
}

function check(mrt: string, text: string): void {
  const rib = new Rib({
    asn: 64999,
    bgpIdentifier: "10.255.255.1",
    decision: { deterministicMed: true },
  });
  const ids = new Map<string, number>();
  const ensure = (peer: string, asn: number) => {
    if (rib.peerAddresses().includes(peer)) return;
    const id = ids.size + 1;
    ids.set(peer, id);
    rib.addPeer({
      address: peer,
      asn,
      bgpIdentifier: `10.0.${id >> 8}.${id & 255}`,
      importPolicy: acceptAll,
      exportPolicy: acceptAll,
    });
    rib.peerUp(peer);
  };
  const up = new Set<string>();
  for (const e of readBgp4mpEvents(mrt)) {
    ensure(e.peer, e.peerAs);
    if (e.kind === "state") {
      if (!e.established && up.has(e.peer)) rib.peerDown(e.peer);
      if (e.established) rib.peerUp(e.peer);
      if (e.established) up.add(e.peer);
      else up.delete(e.peer);
      continue;
    }
    if (!up.has(e.peer)) {
      rib.peerUp(e.peer);
      up.add(e.peer);
    }
    rib.update(e.peer, e.update);
  }
  const want = replayText(text);
  // Adj-RIB-In (pre-policy) of every peer equals the replayed text, route by route.
  for (const peer of rib.peerAddresses()) {
    const got = [...rib.adjRibIn(peer, "pre")]
      .map((r) => {
        const a = r.attributes;
        return `${r.prefix.address}/${r.prefix.length} ${asPathText(a.asPath)} ${a.origin} ${a.nextHop ?? a.mpReachNlri?.nextHop[0]}`;
      })
      .sort();
    const exp = [...(want.get(peer) ?? new Map())]
      .map(([p, v]) => `${p} ${v.path} ${v.origin} ${v.nextHop}`)
      .sort();
    expect(got).toEqual(exp);
  }
  // Loc-RIB: the best of every prefix agrees with the reference decision on the text values.
  const prefixes = new Set([...want.values()].flatMap((t) => [...t.keys()]));
  expect(prefixes.size).toBeGreaterThan(0);
  for (const prefix of prefixes) {
    const cands: (DecisionCandidate & { peer: string })[] = [];
    for (const [peer, t] of want) {
      const v = t.get(prefix);
      if (v === undefined) continue;
      const asns = v.path === "" ? [] : v.path.split(" ");
      cands.push({
        peer,
        reachable: true,
        localPref: 100,
        asPathLength: asns.length,
        origin: ["IGP", "EGP", "INCOMPLETE"].indexOf(v.origin),
        med: v.med,
        neighborAs: asns.length > 0 && /^\d+$/.test(asns[0]!) ? Number(asns[0]) : 0,
        peerKind: "ebgp",
        igpCost: 0,
        arrival: 0,
        bgpIdentifier: (10 << 24) + ids.get(peer)!,
        clusterListLength: 0,
        peerAddress: peer,
        pathId: 0,
      });
    }
    const i = referenceSelectBest(cands, { deterministicMed: true });
    expect(rib.bestRoute(prefix)?.peer).toBe(cands[i]?.peer);
  }
}

describe("replaying real MRT captures (fixture: an OpenBGPD dump with its bgpdump -m output)", () => {
  for (const name of ["openbgpd_bgp"]) {
    it(name, () => {
      const mrt = resolve(here, "fixtures", name);
      check(mrt, readFileSync(`${mrt}.bgpdump.txt`, "utf8"));
    });
  }
});

const ripe = resolve(shared, "ripe-ncc-bgpdump/test_data/updates.20020722.2238.gz");
const present = existsSync(ripe);
if (!present) console.warn(`shared data absent: ${ripe} — the RIS replay test is skipped`);
describe.runIf(present)("replaying RIPE RIS updates (shared data, 10 peers, 3,337 events)", () => {
  it("updates.20020722.2238", () => {
    const text = readFileSync(`${ripe}.bgpdump.txt`, "utf8");
    check(ripe, text);
  });
});
