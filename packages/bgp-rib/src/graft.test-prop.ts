import { type PathAttributes, type Prefix, pathAttributesKey } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { BgpRibError } from "./errors";
import { crc32 } from "./internal/codec";
import { acceptAll } from "./policy";
import { type AdjRibOutUpdate, Rib, type RibUpdate } from "./rib";

// bgp-wire's pathAttributesKey renders ORIGIN by its first letter (IGP = INCOMPLETE): add it whole.
const attrKey = (a: PathAttributes): string => `${a.origin}|${pathAttributesKey(a)}`;

// Router A and router B of AS 64500. A has eBGP peer X and iBGP peer IA; B has eBGP peer Y and
// iBGP peer IB. The customer N (eBGP, AS 64501) moves from A to B.
const N = {
  address: "192.0.2.2",
  asn: 64501,
  bgpIdentifier: "192.0.2.2",
  localAddress: "192.0.2.1",
};
const X = {
  address: "198.51.100.2",
  asn: 64510,
  bgpIdentifier: "198.51.100.2",
  localAddress: "198.51.100.1",
};
const Y = {
  address: "203.0.113.2",
  asn: 64520,
  bgpIdentifier: "203.0.113.2",
  localAddress: "203.0.113.1",
};
const IA = { address: "10.0.0.11", asn: 64500, bgpIdentifier: "10.0.0.11" };
const IB = { address: "10.0.0.12", asn: 64500, bgpIdentifier: "10.0.0.12" };
const pol = { importPolicy: acceptAll, exportPolicy: acceptAll };
const PREFIXES = [
  "100.64.0.0/24",
  "100.64.1.0/24",
  "100.64.2.0/23",
  "100.65.0.0/16",
  "2001:db8:5::/48",
];

function rib(id: string, ebgp: typeof X, ibgp: typeof IA, withN: boolean): Rib {
  const r = new Rib({ asn: 64500, bgpIdentifier: id, decision: { deterministicMed: true } });
  r.addPeer({ ...ebgp, ...pol });
  r.addPeer(ibgp);
  if (withN) r.addPeer({ ...N, ...pol });
  for (const a of r.peerAddresses()) r.peerUp(a);
  return r;
}

const pfx = (t: string): Prefix => {
  const [address, len] = t.split("/");
  return { afi: address!.includes(":") ? 2 : 1, address: address!, length: Number(len) };
};

const arbUpdate = (firstAs: number): fc.Arbitrary<RibUpdate> =>
  fc.oneof(
    fc
      .record({
        prefixes: fc.uniqueArray(fc.constantFrom(...PREFIXES), { minLength: 1, maxLength: 3 }),
        tail: fc.array(fc.constantFrom(1, 2, 3), { maxLength: 3 }),
        med: fc.option(fc.constantFrom(0, 5), { nil: undefined }),
      })
      .map(({ prefixes, tail, med }): RibUpdate => {
        const v4 = prefixes.filter((p) => !p.includes(":"));
        const v6 = prefixes.filter((p) => p.includes(":"));
        const base: PathAttributes = {
          origin: "IGP",
          asPath: [{ type: "AS_SEQUENCE", asns: [firstAs, ...tail] }],
          ...(med !== undefined ? { multiExitDisc: med } : {}),
        };
        return {
          announced: [
            ...(v4.length
              ? [{ attributes: { ...base, nextHop: "192.0.2.250" }, nlri: v4.map(pfx) }]
              : []),
            ...(v6.length
              ? [
                  {
                    attributes: {
                      ...base,
                      mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::250"], nlri: [] },
                    },
                    nlri: v6.map(pfx),
                  },
                ]
              : []),
          ],
        };
      }),
    fc
      .uniqueArray(fc.constantFrom(...PREFIXES), { minLength: 1, maxLength: 2 })
      .map((w) => ({ withdrawn: w.map(pfx) })),
  );

type Ev = { who: "N" | "X" | "Y"; update: RibUpdate };
const arbEvents = fc.array(
  fc.oneof(
    arbUpdate(64501).map((update): Ev => ({ who: "N", update })),
    arbUpdate(64510).map((update): Ev => ({ who: "X", update })),
    arbUpdate(64520).map((update): Ev => ({ who: "Y", update })),
  ),
  { maxLength: 12 },
);

const routes = (it: Iterable<{ prefix: Prefix; attributes: PathAttributes; peer: string }>) =>
  [...it]
    .map((r) => `${r.prefix.address}/${r.prefix.length} ${r.peer} ${attrKey(r.attributes)}`)
    .sort();

function applyView(view: Map<string, string>, d: AdjRibOutUpdate | undefined): void {
  if (d === undefined) return;
  for (const w of d.withdrawn) {
    const k = `${w.address}/${w.length}`;
    expect(view.has(k)).toBe(true);
    view.delete(k);
  }
  for (const g of d.announced)
    for (const n of g.nlri) {
      const k = `${n.address}/${n.length}`;
      expect(view.get(k)).not.toBe(attrKey(g.attributes)); // no UPDATE for an unchanged route
      view.set(k, attrKey(g.attributes));
    }
}

test.prop([arbEvents, arbEvents], { numRuns: 120 })(
  "graft laws: export→import→release equals the session always on B; the neighbour's view equals B's Adj-RIB-Out",
  (before, during) => {
    const A = rib("10.0.0.1", X, IA, true);
    const B = rib("10.0.0.9", Y, IB, false);
    const A2 = rib("10.0.0.1", X, IA, false); // reference: N never on A
    const B2 = rib("10.0.0.9", Y, IB, true); // reference: N always on B
    const view = new Map<string, string>(); // what N has received, cumulatively
    const feed = (ev: Ev) => {
      if (ev.who === "X") {
        applyView(view, A.update(X.address, ev.update).adjRibOut.get(N.address));
        A2.update(X.address, ev.update);
      } else if (ev.who === "Y") {
        B.update(Y.address, ev.update);
        B2.update(Y.address, ev.update);
      } else {
        applyView(view, A.update(N.address, ev.update).adjRibOut.get(N.address));
        B2.update(N.address, ev.update);
      }
    };
    before.forEach(feed);
    const snapshot = A.exportSession(N.address);
    const imported = B.importSession(snapshot, { ...pol, hold: true });
    expect(imported.neighbor).toEqual({ withdrawn: [], announced: [] });
    during.forEach(feed); // routing keeps changing while the session moves
    B.replaySession(N.address, A.sessionJournal(N.address, imported.seq));
    // Replaying again is harmless.
    B.replaySession(N.address, A.sessionJournal(N.address, 0));
    A.releaseSession(N.address);
    applyView(view, B.resumeOutput(N.address));

    expect(routes(A.locRib())).toEqual(routes(A2.locRib()));
    expect(routes(B.locRib())).toEqual(routes(B2.locRib()));
    for (const p of [X.address, IA.address])
      expect(routes(A.adjRibOut(p))).toEqual(routes(A2.adjRibOut(p)));
    for (const p of [Y.address, IB.address, N.address])
      expect(routes(B.adjRibOut(p))).toEqual(routes(B2.adjRibOut(p)));
    expect(routes(B.adjRibIn(N.address, "pre"))).toEqual(routes(B2.adjRibIn(N.address, "pre")));
    expect(B.adjRibInCount(N.address)).toEqual(B2.adjRibInCount(N.address));
    const newOut = new Map(
      [...B.adjRibOut(N.address)].map((r) => [
        `${r.prefix.address}/${r.prefix.length}`,
        attrKey(r.attributes),
      ]),
    );
    expect(view).toEqual(newOut);
  },
);

test.prop([arbEvents, fc.array(arbUpdate(64501), { maxLength: 6 }), arbEvents, fc.boolean()], {
  numRuns: 120,
})(
  "graft laws with graceful restart: routes retained stale move stale, and sweeping them on B equals the session always on B",
  (before, reannounced, during, restart) => {
    const A = rib("10.0.0.1", X, IA, true);
    const B = rib("10.0.0.9", Y, IB, false);
    const B2 = rib("10.0.0.9", Y, IB, true); // reference: N always on B
    const feed = (ev: Ev) => {
      if (ev.who === "X") A.update(X.address, ev.update);
      else if (ev.who === "Y") {
        B.update(Y.address, ev.update);
        B2.update(Y.address, ev.update);
      } else {
        A.update(N.address, ev.update);
        B2.update(N.address, ev.update);
      }
    };
    before.forEach(feed);
    if (restart) {
      // N's session restarts (RFC 4724): its routes are kept, marked stale, until re-announced.
      for (const r of [A, B2]) {
        r.peerDown(N.address, { retainStale: true });
        r.peerUp(N.address);
      }
    }
    for (const u of reannounced) feed({ who: "N", update: u });
    expect(A.staleCount(N.address)).toBe(B2.staleCount(N.address));
    const snapshot = A.exportSession(N.address);
    // The flag (byte 5) says whether a stale section follows the routes.
    expect(snapshot[5]).toBe(A.staleCount(N.address) > 0 ? 1 : 0);
    const imported = B.importSession(snapshot, { ...pol, hold: true });
    expect(B.staleCount(N.address)).toBe(A.staleCount(N.address));
    during.forEach(feed);
    B.replaySession(N.address, A.sessionJournal(N.address, imported.seq));
    A.releaseSession(N.address);
    B.resumeOutput(N.address);
    expect(B.staleCount(N.address)).toBe(B2.staleCount(N.address));
    // End-of-RIB from N reaches B: what is still stale goes, as it would have on B all along.
    B.sweepStale(N.address);
    B2.sweepStale(N.address);
    expect(B.staleCount(N.address)).toBe(0);
    expect(routes(B.locRib())).toEqual(routes(B2.locRib()));
    expect(routes(B.adjRibIn(N.address, "pre"))).toEqual(routes(B2.adjRibIn(N.address, "pre")));
    for (const p of [Y.address, IB.address, N.address])
      expect(routes(B.adjRibOut(p))).toEqual(routes(B2.adjRibOut(p)));
  },
);

test.prop([arbEvents], { numRuns: 80 })(
  "graft laws: the incremental update has no UPDATE for an unchanged route and withdraws only what the neighbour had",
  (events) => {
    const A = rib("10.0.0.1", X, IA, true);
    const B = rib("10.0.0.9", Y, IB, false);
    for (const ev of events) {
      if (ev.who === "X") A.update(X.address, ev.update);
      else if (ev.who === "Y") B.update(Y.address, ev.update);
      else A.update(N.address, ev.update);
    }
    const had = new Map(
      [...A.adjRibOut(N.address)].map((r) => [
        `${r.prefix.address}/${r.prefix.length}`,
        attrKey(r.attributes),
      ]),
    );
    const imp = B.importSession(A.exportSession(N.address), pol);
    const view = new Map(had);
    applyView(view, imp.neighbor); // asserts no no-op announcement or bogus withdrawal
    expect(routes(B.adjRibOut(N.address))).toEqual(
      [...view].map(([k, v]) => `${k} local ${v}`).sort(),
    );
    for (const w of imp.neighbor.withdrawn) expect(had.has(`${w.address}/${w.length}`)).toBe(true);
  },
);

test.prop([fc.array(arbUpdate(64501), { maxLength: 8 })], { numRuns: 60 })(
  "graft laws: importing into an equivalent empty RIB round-trips",
  (updates) => {
    const A = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    A.addPeer({ ...N, ...pol });
    A.peerUp(N.address);
    for (const u of updates) A.update(N.address, u);
    const snap = A.exportSession(N.address);
    const C = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    const imp = C.importSession(snap, pol);
    expect(imp.neighbor).toEqual({ withdrawn: [], announced: [] });
    expect(imp.changes.adjRibOut.size).toBe(0);
    expect(C.exportSession(N.address)).toEqual(snap);
    expect(routes(C.locRib())).toEqual(routes(A.locRib()));
  },
);

test.prop(
  [
    fc.array(arbUpdate(64501), { maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }),
    fc.nat(),
  ],
  {
    numRuns: 150,
  },
)(
  "fuzz: a corrupted or truncated snapshot throws BgpRibError and leaves the RIB unchanged",
  (updates, flips, cut) => {
    const A = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    A.addPeer({ ...N, ...pol });
    A.peerUp(N.address);
    for (const u of updates) A.update(N.address, u);
    const snap = A.exportSession(N.address);
    const bad = snap.slice();
    for (const [i, v] of flips) bad[i % bad.length] = bad[i % bad.length]! ^ (v || 1);
    for (const bytes of [bad, snap.slice(0, cut % snap.length)]) {
      const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
      try {
        B.importSession(bytes, pol);
      } catch (e) {
        expect(BgpRibError.isInstance(e)).toBe(true);
        expect(B.peerAddresses()).toEqual([]);
        expect(B.stats().paths).toBe(0);
      }
    }
  },
);

test.prop([fc.uint8Array({ maxLength: 200 })])(
  "fuzz: arbitrary bytes never crash importSession with a foreign error",
  (bytes) => {
    const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    try {
      B.importSession(bytes);
    } catch (e) {
      expect(BgpRibError.isInstance(e)).toBe(true);
    }
  },
);

test.prop(
  [
    fc.array(arbUpdate(64501), { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
  ],
  { numRuns: 300 },
)(
  "fuzz: corrupted sections behind a valid CRC-32 are refused with BgpRibError or imported whole",
  (updates, flips) => {
    const A = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    A.addPeer({ ...N, ...pol });
    A.peerUp(N.address);
    for (const u of updates) A.update(N.address, u);
    const snap = A.exportSession(N.address);
    const bad = snap.slice();
    // Flips past the fixed header (magic, version, flags, reserved), then a correct checksum, so
    // that the configuration, attribute and route parsers see the damage.
    const body = bad.length - 4 - 8;
    for (const [i, v] of flips) bad[8 + (i % body)] = bad[8 + (i % body)]! ^ (v || 1);
    new DataView(bad.buffer).setUint32(bad.length - 4, crc32(bad, 0, bad.length - 4));
    const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    try {
      B.importSession(bad, pol);
    } catch (e) {
      expect(BgpRibError.isInstance(e)).toBe(true);
      expect((e as BgpRibError).where.offset ?? 0).toBeLessThanOrEqual(bad.length);
      expect(B.peerAddresses()).toEqual([]);
      expect(B.stats().paths).toBe(0);
      return;
    }
    // Accepted: whatever was imported is consistent (it exports again to what it holds).
    const again = B.exportSession(B.peerAddresses()[0]!);
    const C = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    C.importSession(again, pol);
    expect(C.stats().paths).toBe(B.stats().paths);
  },
);

test.prop([arbEvents, arbEvents, arbEvents], { numRuns: 100 })(
  "an abandoned graft (export, then cancelExport) leaves the router as if it never exported: same RIBs, same deltas, journaling stopped; a later export journals afresh",
  (before, during, after) => {
    const A = rib("10.0.0.1", X, IA, true);
    const R = rib("10.0.0.1", X, IA, true); // reference: never exported
    const feed = (ev: Ev) => {
      const to = ev.who === "N" ? N.address : X.address;
      if (ev.who === "Y") return;
      const a = A.update(to, ev.update);
      const r = R.update(to, ev.update);
      for (const p of [N.address, IA.address, X.address])
        expect(routes(deltaRoutes(a.adjRibOut.get(p)))).toEqual(
          routes(deltaRoutes(r.adjRibOut.get(p))),
        );
    };
    before.forEach(feed);
    A.exportSession(N.address);
    during.forEach(feed);
    const journaled = A.sessionJournal(N.address, 0).length;
    expect(A.cancelExport(N.address)).toBe(journaled);
    expect(A.sessionJournal(N.address, 0)).toEqual([]);
    expect(A.cancelExport(N.address)).toBe(0);
    after.forEach(feed);
    expect(A.sessionJournal(N.address, 0)).toEqual([]);
    expect(routes(A.locRib())).toEqual(routes(R.locRib()));
    for (const p of [X.address, IA.address, N.address])
      expect(routes(A.adjRibOut(p))).toEqual(routes(R.adjRibOut(p)));
    // Exported again: the new journal holds only what comes after.
    A.exportSession(N.address);
    const ev = after.find((e) => e.who === "N");
    if (ev !== undefined) {
      A.update(N.address, ev.update);
      expect(A.sessionJournal(N.address, 0).some((e) => e.direction === "in")).toBe(true);
    }
  },
);

/** A delta as route lines (prefix, "out", attributes), for comparing deltas. */
function deltaRoutes(d: AdjRibOutUpdate | undefined) {
  const out: { prefix: Prefix; attributes: PathAttributes; peer: string }[] = [];
  for (const w of d?.withdrawn ?? [])
    out.push({ prefix: w, attributes: { origin: "IGP", asPath: [] }, peer: "withdrawn" });
  for (const g of d?.announced ?? [])
    for (const n of g.nlri) out.push({ prefix: n, attributes: g.attributes, peer: "out" });
  return out;
}
