import type { Prefix } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { BgpRibError } from "./errors";
import { crc32 } from "./internal/codec";
import { acceptAll } from "./policy";
import { Rib } from "./rib";

const pol = { importPolicy: acceptAll, exportPolicy: acceptAll };
const N = {
  address: "192.0.2.2",
  asn: 64501,
  bgpIdentifier: "192.0.2.2",
  localAddress: "192.0.2.1",
  ...pol,
};
const X = {
  address: "198.51.100.2",
  asn: 64510,
  bgpIdentifier: "198.51.100.2",
  localAddress: "198.51.100.1",
  ...pol,
};
const P = (address: string, length: number): Prefix => ({ afi: 1, address, length });
const attrs = (asns: number[], nextHop: string) => ({
  origin: "IGP" as const,
  asPath: [{ type: "AS_SEQUENCE" as const, asns }],
  nextHop,
});

function routerA() {
  const a = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
  a.addPeer(N);
  a.addPeer(X);
  a.peerUp(N.address);
  a.peerUp(X.address);
  a.update(N.address, {
    announced: [{ attributes: attrs([64501], "192.0.2.2"), nlri: [P("203.0.113.0", 24)] }],
  });
  a.update(X.address, {
    announced: [{ attributes: attrs([64510], "198.51.100.2"), nlri: [P("198.18.0.0", 15)] }],
  });
  return a;
}

describe("session snapshot (format version 2)", () => {
  it("starts with magic BGRS, version 2 and the session's sequence number, and ends with a CRC-32", () => {
    const a = routerA();
    const s = a.exportSession(N.address);
    expect(String.fromCharCode(...s.subarray(0, 4))).toBe("BGRS");
    expect(s[4]).toBe(2);
    const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
    // One batch received from N, one delta sent to it (X's route).
    expect(dv.getFloat64(8)).toBe(2);
    expect(dv.getUint32(s.length - 4)).toBe(crc32(s, 0, s.length - 4));
    // CRC-32 check value of "123456789" (ISO-HDLC).
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("rejects other versions and corrupted bytes with a code and the offset", () => {
    const s = routerA().exportSession(N.address);
    const v1 = s.slice();
    v1[4] = 1; // version 1 (sets with their parts inline) is not read any more
    new DataView(v1.buffer).setUint32(v1.length - 4, crc32(v1, 0, v1.length - 4));
    const err = (bytes: Uint8Array) => {
      try {
        new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" }).importSession(bytes);
      } catch (e) {
        if (BgpRibError.isInstance(e)) return [e.code, e.where.offset];
        throw e;
      }
      return undefined;
    };
    expect(err(v1)).toEqual(["BAD_VERSION", 4]);
    const flipped = s.slice();
    flipped[30] = flipped[30]! ^ 1;
    expect(err(flipped)?.[0]).toBe("BAD_CHECKSUM");
    expect(err(s.subarray(0, 3))?.[0]).toBe("TRUNCATED");
    expect(err(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))?.[0]).toBe("BAD_SNAPSHOT");
  });

  it("carries routes retained stale (graceful restart) in a flagged section, and refuses a bad one", () => {
    const a = routerA();
    a.update(N.address, {
      announced: [{ attributes: attrs([64501], "192.0.2.2"), nlri: [P("203.0.114.0", 24)] }],
    });
    a.peerDown(N.address, { retainStale: true });
    a.peerUp(N.address);
    // N re-announces one of its two routes before the graft: the other stays stale.
    a.update(N.address, {
      announced: [{ attributes: attrs([64501], "192.0.2.2"), nlri: [P("203.0.114.0", 24)] }],
    });
    expect(a.staleCount(N.address)).toBe(1);
    const s = a.exportSession(N.address);
    expect(s[5]).toBe(1);
    expect(routerA().exportSession(N.address)[5]).toBe(0); // nothing stale: no section
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    b.importSession(s, pol);
    expect(b.staleCount(N.address)).toBe(1);
    // End-of-RIB from N at the new router: the stale route goes, the re-announced one stays.
    const swept = b.sweepStale(N.address);
    expect(swept.locRib.map((c) => `${c.prefix.address}/${c.prefix.length}`)).toEqual([
      "203.0.113.0/24",
    ]);
    expect([...b.adjRibIn(N.address, "pre")].map((r) => r.prefix.address)).toEqual(["203.0.114.0"]);

    const resealed = (bytes: Uint8Array) => {
      new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4));
      return bytes;
    };
    const err = (bytes: Uint8Array) => {
      const c = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
      try {
        c.importSession(bytes, pol);
      } catch (e) {
        if (!BgpRibError.isInstance(e)) throw e;
        expect(c.peerAddresses()).toEqual([]);
        return [e.code, e.where.field, e.where.offset];
      }
      return undefined;
    };
    const unknownFlag = s.slice();
    unknownFlag[5] = 0x03;
    expect(err(resealed(unknownFlag))).toEqual(["BAD_SNAPSHOT", "flags", 5]);
    // The section is the last before the CRC: count (u32) = 1, then one gap byte.
    const gap = s.slice();
    gap[gap.length - 5] = 0x7f; // position 127 of 2 routes
    expect(err(resealed(gap))).toEqual(["BAD_SNAPSHOT", "stale.gap", s.length - 5]);
    const count = s.slice();
    new DataView(count.buffer).setUint32(count.length - 9, 0);
    expect(err(resealed(count))).toEqual(["BAD_SNAPSHOT", "stale.count", s.length - 9]);
    const noFlag = s.slice();
    noFlag[5] = 0; // the section is then trailing bytes
    expect(err(resealed(noFlag))?.[0]).toBe("BAD_SNAPSHOT");
  });

  it("writes each COMMUNITIES list, AGGREGATOR and address once, however many sets share it (AS_PATHs inline)", () => {
    const a = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.1" });
    a.addPeer(N);
    a.peerUp(N.address);
    const shared = {
      ...attrs([64501, 4_200_000_001], "192.0.2.2"),
      communities: [0xfde8_0001, 0xfde8_0002],
      aggregator: { asn: 64501, address: "192.0.2.77" },
    };
    // Three sets (their MEDs differ) made of the same parts.
    for (const med of [1, 2, 3])
      a.update(N.address, {
        announced: [
          { attributes: { ...shared, multiExitDisc: med }, nlri: [P(`198.51.${med}.0`, 24)] },
        ],
      });
    const s = a.exportSession(N.address);
    const occurrences = (pattern: number[]) => {
      let n = 0;
      for (let i = 0; i + pattern.length <= s.length; i++)
        if (pattern.every((b, k) => s[i + k] === b)) n++;
      return n;
    };
    const text = (t: string) => [...t].map((c) => c.charCodeAt(0));
    expect(occurrences([0xfa, 0x56, 0xea, 0x01])).toBe(3); // AS 4,200,000,001: in each set's AS_PATH
    expect(occurrences([0xfd, 0xe8, 0x00, 0x02])).toBe(1); // community 65000:2
    expect(occurrences(text("192.0.2.77"))).toBe(1);
    // The next hop once; the configuration holds the address and the BGP identifier.
    expect(occurrences(text("192.0.2.2"))).toBe(3);
    // And they come back whole.
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    b.importSession(s, pol);
    expect([...b.adjRibIn(N.address, "pre")].map((r) => r.attributes)).toEqual(
      [...a.adjRibIn(N.address, "pre")].map((r) => r.attributes),
    );
  });

  it("refuses a parts table whose count exceeds the snapshot, and a set referring past a table", () => {
    const s = routerA().exportSession(N.address);
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const sealed = (b: Uint8Array) => {
      dv(b).setUint32(b.length - 4, crc32(b, 0, b.length - 4));
      return b;
    };
    const error = (bytes: Uint8Array) => {
      try {
        new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" }).importSession(bytes);
      } catch (e) {
        if (BgpRibError.isInstance(e)) return [e.code, e.where.field, e.where.offset];
        throw e;
      }
      return undefined;
    };
    // The strings table follows the configuration.
    const at = 20 + dv(s).getUint32(16);
    const n = dv(s).getUint32(at);
    expect(n).toBeGreaterThan(0);
    const huge = s.slice();
    dv(huge).setUint32(at, 0xffff_fff0);
    expect(error(sealed(huge))).toEqual(["BAD_SNAPSHOT", "strings.count", at]);
    // Without its last string, the set that uses it refers past the table.
    let end = at + 4;
    for (let i = 0; i < n - 1; i++) end += 1 + s[end]!;
    const cut = new Uint8Array(s.length - 1 - s[end]!);
    cut.set(s.subarray(0, end));
    cut.set(s.subarray(end + 1 + s[end]!), end);
    dv(cut).setUint32(at, n - 1);
    const [code, field, offset] = error(sealed(cut)) ?? [];
    expect(code).toBe("BAD_SNAPSHOT");
    expect(["next_hop", "aggregator.address", "originator_id", "cluster_list"]).toContain(field);
    expect(offset).toBeGreaterThan(end);
  });

  it("refuses to import a session that already exists", () => {
    const a = routerA();
    const s = a.exportSession(N.address);
    expect(() => a.importSession(s)).toThrow(BgpRibError);
  });
});

describe("grafting", () => {
  it("journals what happens on the session after the snapshot, in and out", () => {
    const a = routerA();
    a.exportSession(N.address);
    a.update(N.address, { withdrawn: [P("203.0.113.0", 24)] });
    a.update(X.address, {
      announced: [{ attributes: attrs([64510], "198.51.100.2"), nlri: [P("198.20.0.0", 16)] }],
    });
    const j = a.sessionJournal(N.address, 2);
    expect(j.map((e) => [e.seq, e.direction])).toEqual([
      [3, "in"],
      [4, "out"],
    ]);
    expect(a.sessionJournal(N.address, 3)).toHaveLength(1);
  });

  it("cancelExport stops the journal of an abandoned graft, keeps the session and its routes, and names an unknown peer", () => {
    const a = routerA();
    a.exportSession(N.address);
    a.update(N.address, { withdrawn: [P("203.0.113.0", 24)] });
    a.update(X.address, {
      announced: [{ attributes: attrs([64510], "198.51.100.2"), nlri: [P("198.20.0.0", 16)] }],
    });
    expect(a.sessionJournal(N.address, 0).map((e) => e.direction)).toEqual(["in", "out"]);
    expect(a.cancelExport(N.address)).toBe(2);
    a.update(N.address, {
      announced: [{ attributes: attrs([64501], "192.0.2.2"), nlri: [P("203.0.113.0", 24)] }],
    });
    expect(a.sessionJournal(N.address, 0)).toEqual([]);
    expect([...a.adjRibIn(N.address, "pre")].map((r) => r.prefix.address)).toEqual(["203.0.113.0"]);
    expect(() => a.cancelExport("192.0.2.99")).toThrow(
      expect.objectContaining({ code: "UNKNOWN_PEER", where: { field: "peer" } }),
    );
  });

  it("the new router sends only the difference, and the old one withdraws the session's routes", () => {
    const a = routerA();
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9" });
    const Y = {
      address: "203.0.113.9",
      asn: 64520,
      bgpIdentifier: "203.0.113.9",
      localAddress: "203.0.113.1",
      ...pol,
    };
    b.addPeer(Y);
    b.peerUp(Y.address);
    // B knows 198.18.0.0/15 too, with the same AS path length: N keeps the route it had (same
    // attributes after B's export) — and B learns a new one, 192.0.2.128/25.
    b.update(Y.address, {
      announced: [
        { attributes: attrs([64510], "203.0.113.9"), nlri: [P("198.18.0.0", 15)] },
        { attributes: attrs([64520], "203.0.113.9"), nlri: [P("192.0.2.128", 25)] },
      ],
    });
    const imp = b.importSession(a.exportSession(N.address), pol);
    const announced = imp.neighbor.announced.flatMap((g) =>
      g.nlri.map((p) => `${p.address}/${p.length}`),
    );
    expect(announced).toEqual(["192.0.2.128/25"]);
    expect(imp.neighbor.withdrawn).toEqual([]);
    expect(imp.changes.adjRibOut.get(Y.address)?.announced[0]?.nlri).toEqual([
      P("203.0.113.0", 24),
    ]);
    const rel = a.releaseSession(N.address);
    expect(rel.adjRibOut.get(X.address)?.withdrawn).toEqual([P("203.0.113.0", 24)]);
    expect(a.peerAddresses()).toEqual([X.address]);
    // Read after the release: the Loc-RIB change still names the neighbour the route came from.
    expect(rel.locRib.map((c) => [c.prefix.address, c.previous?.peer, c.current])).toEqual([
      ["203.0.113.0", N.address, undefined],
    ]);
  });

  it("an iBGP session: its Adj-RIB-Out moves with LOCAL_PREF as sent, compared with what the new router sends", () => {
    // A and B both learn the customer's route; the iBGP neighbour I moves from A to B. I has
    // LOCAL_PREF 100 (A's default). B with the same default sends I nothing; B with 150 sends it
    // again with 150.
    const I = { address: "10.0.0.7", asn: 64500, bgpIdentifier: "10.0.0.7" };
    const make = (defaultLocalPref?: number) => {
      const r = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9", defaultLocalPref });
      r.addPeer(X);
      r.peerUp(X.address);
      r.update(X.address, {
        announced: [{ attributes: attrs([64510], "198.51.100.2"), nlri: [P("198.18.0.0", 15)] }],
      });
      return r;
    };
    const a = make();
    a.addPeer(I);
    const up = a.peerUp(I.address).adjRibOut.get(I.address);
    expect(up?.announced.map((g) => g.attributes.localPref)).toEqual([100]);
    const snap = a.exportSession(I.address);
    const same = make().importSession(snap);
    expect(same.neighbor).toEqual({ withdrawn: [], announced: [] });
    const other = make(150).importSession(snap);
    expect(other.neighbor.announced.map((g) => [g.attributes.localPref, g.nlri])).toEqual([
      [150, [P("198.18.0.0", 15)]],
    ]);
    // A route A sends I after the snapshot is replayed into B's view of I: B, which has it
    // too, then has nothing to send.
    const later = {
      attributes: attrs([64510, 64511], "198.51.100.2"),
      nlri: [P("198.20.0.0", 16)],
    };
    const b = make();
    const { seq } = b.importSession(snap, { hold: true });
    expect(a.update(X.address, { announced: [later] }).adjRibOut.get(I.address)?.announced).toEqual(
      [{ attributes: { ...later.attributes, localPref: 100 }, nlri: later.nlri }],
    );
    b.update(X.address, { announced: [later] });
    b.replaySession(I.address, a.sessionJournal(I.address, seq));
    expect(b.resumeOutput(I.address)).toEqual({ withdrawn: [], announced: [] });
  });
});
