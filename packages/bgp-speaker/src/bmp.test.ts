// The BMP exporter against a station in this process: the messages are parsed here field by field
// (RFC 7854) and their BGP PDUs decoded with bgp-wire (the interop test has pmacct's pmbmpd read
// them too).
import { type AddressInfo, createServer, type Socket } from "node:net";
import {
  type BgpMessage,
  decodeMessage,
  encodeMessage,
  formatPrefix,
  type NotificationMessage,
  type OpenMessage,
  type PathAttributes,
  sessionContext,
  type UpdateMessage,
} from "@dyninfra/bgp-wire";
import { afterEach, describe, expect, it } from "vitest";
import { BMP_TYPE, BmpExporter, bmpMessage, bmpPerPeerHeader } from "./bmp";
import { parseRouterSpec } from "./config";
import { routerPair, unnumbered } from "./test-support";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await wait(10);
  if (!f()) throw new Error(`timed out waiting for ${what}`);
};

interface Parsed {
  type: number;
  peer?: { type: number; flags: number; address: Uint8Array; asn: number; bgpId: string };
  rest: Uint8Array;
}

/** A BMP station: parses the stream into messages (common header, per-peer header, rest). */
async function station() {
  const got: Parsed[] = [];
  let buf = new Uint8Array(0);
  const server = createServer((s: Socket) => {
    s.on("data", (d: Buffer) => {
      const b = new Uint8Array(buf.length + d.length);
      b.set(buf);
      b.set(d, buf.length);
      buf = b;
      while (buf.length >= 6) {
        const v = new DataView(buf.buffer, buf.byteOffset);
        expect(v.getUint8(0)).toBe(3); // version
        const len = v.getUint32(1);
        if (buf.length < len) break;
        const type = v.getUint8(5);
        const body = buf.subarray(6, len);
        const hasPeer = type !== BMP_TYPE.initiation && type !== BMP_TYPE.termination;
        const bv = new DataView(body.buffer, body.byteOffset);
        got.push({
          type,
          ...(hasPeer
            ? {
                peer: {
                  type: body[0]!,
                  flags: body[1]!,
                  address: body.slice(10, 26),
                  asn: bv.getUint32(26),
                  bgpId: [...body.subarray(30, 34)].join("."),
                },
              }
            : {}),
          rest: body.slice(hasPeer ? 42 : 0),
        });
        buf = buf.slice(len);
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  closers.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, got };
}

/** r1 (AS 64501, 192.0.2.2) sends r2 (AS 64500, 192.0.2.1) `prefixes`; r2 originates `own`. */
async function pair(prefixes: string[], own: string[] = []) {
  const { r1, r2 } = routerPair({
    originate: prefixes.map((prefix) => ({ prefix })),
    r2Spec: { originate: own.map((prefix) => ({ prefix })) },
  });
  closers.push(() => {
    r1.stop();
    r2.stop();
  });
  await until("the session", () => r2.rib.stats().locRibRoutes === prefixes.length + own.length);
  return { r1, r2 };
}

/**
 * A Statistics Report's entries (RFC 7854 §4.8) as text: `type value` for counters (4 octets)
 * and gauges (8), `type afi/safi value` per family (11); checks the count and every length.
 */
function statistics(p: Parsed): string[] {
  const v = new DataView(p.rest.buffer, p.rest.byteOffset, p.rest.length);
  const out: string[] = [];
  let at = 4;
  for (let i = 0; i < v.getUint32(0); i++) {
    const type = v.getUint16(at);
    const len = v.getUint16(at + 2);
    const d = at + 4;
    if (len === 4) out.push(`${type} ${v.getUint32(d)}`);
    else if (len === 8) out.push(`${type} ${v.getBigUint64(d)}`);
    else if (len === 11)
      out.push(`${type} ${v.getUint16(d)}/${v.getUint8(d + 2)} ${v.getBigUint64(d + 3)}`);
    else throw new Error(`statistic type ${type} of length ${len}`);
    at = d + len;
  }
  expect(at).toBe(p.rest.length);
  return out;
}

const ctx = sessionContext({ fourOctetAs: true });
/** The BGP message at `from` of a BMP message's rest (its length from its own header). */
const bgp = (p: Parsed, from = 0): BgpMessage => {
  const len = new DataView(p.rest.buffer, p.rest.byteOffset + from + 16).getUint16(0);
  return decodeMessage(p.rest.subarray(from, from + len), ctx);
};

describe("BmpExporter", () => {
  it("synchronises a station that connects late (Initiation, Peer Up with both OPENs, the Adj-RIB-In, End-of-RIB), then reports live UPDATEs, Peer Down and Termination", async () => {
    const { port, got } = await station();
    const prefixes = Array.from({ length: 40 }, (_, i) => `198.18.${i}.0/24`);
    const { r1, r2 } = await pair(prefixes);
    const bmp = new BmpExporter(r2, { host: "127.0.0.1", port, sysName: "r2" });
    await until("the Adj-RIB-In", () => got.filter((m) => m.type === 0).length >= 2);
    // Initiation: sysDescr (1) and sysName (2) TLVs.
    const init = got[0]!;
    expect(init.type).toBe(BMP_TYPE.initiation);
    const text = new TextDecoder().decode(init.rest);
    expect(text).toContain("dyninfra");
    expect(text).toContain("r2");
    // Peer Up: r1's per-peer header, local address, ports, then the OPEN sent and the one received.
    const up = got[1]!;
    expect(up.type).toBe(BMP_TYPE.peerUp);
    expect(up.peer).toMatchObject({ flags: 0, asn: 64501, bgpId: "192.0.2.2" });
    expect([...up.peer!.address.subarray(12)]).toEqual([192, 0, 2, 2]);
    expect([...up.rest.subarray(12, 16)]).toEqual([192, 0, 2, 1]); // local address
    const sent = bgp(up, 20) as OpenMessage;
    const sentLength = new DataView(up.rest.buffer, up.rest.byteOffset + 36).getUint16(0);
    const received = bgp(up, 20 + sentLength) as OpenMessage;
    expect([sent.type, sent.bgpIdentifier, received.type, received.bgpIdentifier]).toEqual([
      "OPEN",
      "192.0.2.1",
      "OPEN",
      "192.0.2.2",
    ]);
    // Route Monitoring: the Adj-RIB-In as UPDATEs, then End-of-RIB.
    const monitor = () => got.filter((m) => m.type === BMP_TYPE.routeMonitoring);
    const updates = monitor().map((m) => bgp(m) as UpdateMessage);
    const nlri = updates.flatMap((u) => u.nlri.map(formatPrefix));
    expect(nlri.sort()).toEqual([...prefixes].sort());
    expect(updates.some((u) => u.nlri.length === 0 && u.withdrawnRoutes.length === 0)).toBe(true);
    // Live: a withdrawal as it came.
    const before = monitor().length;
    r1.withdraw(["198.18.3.0/24"]);
    await until("the live UPDATE", () => monitor().length > before);
    const live = bgp(monitor().at(-1)!) as UpdateMessage;
    expect(live.withdrawnRoutes.map(formatPrefix)).toEqual(["198.18.3.0/24"]);
    // r1 stops: Cease received, Peer Down reason 3 with the NOTIFICATION.
    r1.stop("maintenance");
    await until("the Peer Down", () => got.some((m) => m.type === BMP_TYPE.peerDown));
    const down = got.find((m) => m.type === BMP_TYPE.peerDown)!;
    expect(down.rest[0]).toBe(3);
    expect((bgp(down, 1) as NotificationMessage).errorCode).toBe(6);
    await bmp.close();
    await until("the Termination", () => got.at(-1)?.type === BMP_TYPE.termination);
    expect(bmp.sent).toBe(got.length);
  });

  it("sends Statistics Reports every statisticsInterval seconds: refused and duplicate routes and UPDATEs (types 0–6, 11–13), routes in the Adj-RIB-In and Adj-RIB-Out before and after policy, in all and per family (types 7, 9, 14–17)", async () => {
    const { port, got } = await station();
    const prefixes = Array.from({ length: 12 }, (_, i) => `198.18.${i}.0/24`);
    // r1 also sends a route with r2's AS in its path (an AS loop for r2); r2's import policy
    // rejects two of the others.
    const { r1, r2 } = routerPair({
      originate: [
        ...prefixes.map((prefix) => ({ prefix })),
        { prefix: "203.0.113.0/24", asPath: [64500] },
      ],
      r2Spec: {
        originate: [{ prefix: "198.51.100.0/24" }],
        policies: {
          some: [
            {
              match: { prefixList: [{ prefix: "198.18.0.0/23", ge: 24, le: 24 }] },
              action: "reject",
            },
            { action: "accept" },
          ],
        },
      },
      r2Neighbor: { importPolicy: "some" },
    });
    closers.push(() => {
      r1.stop();
      r2.stop();
    });
    await until("the session", () => r2.rib.stats().locRibRoutes === 11);
    // r2 asks for the routes again: every one is a duplicate, the refused ones refused again.
    r2.session("r1").sendRouteRefresh(1, 1);
    await until(
      "the duplicates",
      () => r2.rib.receiveCounters("192.0.2.2").duplicateAnnouncements === 13,
    );
    const bmp = new BmpExporter(r2, { host: "127.0.0.1", port, statisticsInterval: 1 });
    closers.push(() => void bmp.close());
    await until("a Statistics Report", () => got.some((m) => m.type === BMP_TYPE.statisticsReport));
    const r = got.find((m) => m.type === BMP_TYPE.statisticsReport)!;
    expect(r.peer).toMatchObject({ asn: 64501, bgpId: "192.0.2.2" });
    expect(statistics(r)).toEqual([
      "0 4", // 198.18.0.0/24 and 198.18.1.0/24, twice
      "1 13",
      "2 0",
      "3 0",
      "4 2", // the UPDATE with the AS loop, twice
      "5 0",
      "6 0",
      "11 0",
      "12 0",
      "13 2", // both UPDATEs sent again after the route refresh (End-of-RIB not counted)
      "7 13", // the Adj-RIB-In (pre-policy) has them all
      "9 1/1 13",
      "9 2/1 0",
      "14 1", // r2's own route, in what r1 would be sent before export policy (RFC 8671)
      "16 1/1 1",
      "16 2/1 0",
      "15 1", // … and after it
      "17 1/1 1",
      "17 2/1 0",
    ]);
  }, 10_000);

  it("mirrors every message but KEEPALIVE verbatim (RFC 7854 §4.7: Route Mirroring), an UPDATE with an error as an Errored PDU", async () => {
    const { port, got } = await station();
    const { r1, r2 } = await pair(["198.18.0.0/24"]);
    const bmp = new BmpExporter(r2, { host: "127.0.0.1", port, monitoring: ["route-mirroring"] });
    closers.push(() => void bmp.close());
    await until("the Peer Up", () => got.some((m) => m.type === BMP_TYPE.peerUp));
    // Straight onto r1's side of the link: an UPDATE whose ORIGIN is 7 (treated as withdraw,
    // RFC 7606 §7.1), after a KEEPALIVE (not mirrored), then a good one and a ROUTE-REFRESH.
    const update: UpdateMessage = {
      type: "UPDATE",
      withdrawnRoutes: [],
      pathAttributes: {
        origin: "IGP",
        asPath: [{ type: "AS_SEQUENCE", asns: [64501] }],
        nextHop: "192.0.2.2",
      },
      nlri: [{ afi: 1, address: "198.51.100.0", length: 24 }],
    };
    const bad = encodeMessage(update, ctx);
    expect([...bad.subarray(23, 26)]).toEqual([0x40, 1, 1]); // ORIGIN, first
    bad[26] = 7;
    const link = r1.session("r2").transport as { write(b: Uint8Array): void };
    link.write(encodeMessage({ type: "KEEPALIVE" }, ctx));
    link.write(bad);
    link.write(encodeMessage(update, ctx));
    link.write(encodeMessage({ type: "ROUTE_REFRESH", afi: 1, safi: 1, subtype: 0 }, ctx));
    const mirrored = () => got.filter((m) => m.type === BMP_TYPE.routeMirroring);
    await until("three Route Mirroring messages", () => mirrored().length >= 3);
    // TLVs: [type, value] each (type 0: the BGP message, type 1: a 2-octet code).
    const tlvs = (m: Parsed) => {
      const out: [number, Uint8Array][] = [];
      const v = new DataView(m.rest.buffer, m.rest.byteOffset, m.rest.length);
      for (let at = 0; at < m.rest.length; ) {
        const len = v.getUint16(at + 2);
        out.push([v.getUint16(at), m.rest.slice(at + 4, at + 4 + len)]);
        at += 4 + len;
      }
      return out;
    };
    const [first, second, third] = mirrored().map(tlvs);
    expect(first!.map(([t]) => t)).toEqual([1, 0]);
    expect([...first![0]![1]]).toEqual([0, 0]); // Errored PDU
    expect(first![1]![1]).toEqual(bad);
    expect(second!.map(([t]) => t)).toEqual([0]);
    expect(second![0]![1]).toEqual(encodeMessage(update, ctx));
    expect(decodeMessage(third![0]![1], ctx)).toMatchObject({ type: "ROUTE_REFRESH", afi: 1 });
    expect(mirrored().every((m) => m.peer!.asn === 64501 && m.peer!.flags === 0)).toBe(true);
    // Only mirroring: no Route Monitoring.
    expect(got.some((m) => m.type === BMP_TYPE.routeMonitoring)).toBe(false);
    expect(r2.session("r1").state).toBe("Established");
  });

  it("monitors the Adj-RIB-Out before export policy (RFC 8671: O flag, L clear) beside the post-policy one, initial and live", async () => {
    const { port, got } = await station();
    const prefixes = Array.from({ length: 10 }, (_, i) => `198.18.${i}.0/24`);
    // r2's export policy towards r1 refuses 203.0.113.128/25: in the pre-policy table only.
    const { r1, r2 } = routerPair({
      originate: prefixes.map((prefix) => ({ prefix })),
      r2Spec: {
        originate: [{ prefix: "203.0.113.0/25" }, { prefix: "203.0.113.128/25" }],
        policies: {
          out: [
            { match: { prefixList: [{ prefix: "203.0.113.128/25" }] }, action: "reject" },
            { action: "accept" },
          ],
        },
      },
      r2Neighbor: { exportPolicy: "out" },
    });
    closers.push(() => {
      r1.stop();
      r2.stop();
    });
    await until("the session", () => r2.rib.stats().locRibRoutes === 12);
    const bmp = new BmpExporter(r2, {
      host: "127.0.0.1",
      port,
      monitoring: ["adj-rib-out-pre-policy", "adj-rib-out"],
      statisticsInterval: 1,
    });
    closers.push(() => void bmp.close());
    const monitor = (flags: number) =>
      got.filter(
        (m) => m.type === BMP_TYPE.routeMonitoring && m.peer!.type === 0 && m.peer!.flags === flags,
      );
    const text = (ms: Parsed[]) =>
      ms.flatMap((m) => {
        const u = bgp(m) as UpdateMessage;
        const path = u.pathAttributes.asPath?.flatMap((seg) => seg.asns).join(" ") ?? "";
        return [
          ...u.withdrawnRoutes.map((p) => `-${formatPrefix(p)}`),
          ...u.nlri.map((p) => `+${formatPrefix(p)} [${path}]`),
        ];
      });
    // Pre-policy (O flag 0x10, L clear) and post-policy (0x50): each with its End-of-RIB.
    await until("both tables", () => monitor(0x10).length >= 2 && monitor(0x50).length >= 2);
    expect(text(monitor(0x10)).sort()).toEqual([
      "+203.0.113.0/25 [64500]",
      "+203.0.113.128/25 [64500]",
    ]);
    expect(text(monitor(0x50))).toEqual(["+203.0.113.0/25 [64500]"]);
    // Both of r2's routes share one attribute set: one UPDATE, then End-of-RIB (IPv4 and IPv6).
    expect(monitor(0x10)).toHaveLength(3);
    // Live: r2 originates another refused route and one sent; r1's withdrawal changes neither.
    const [nPre, nPost] = [monitor(0x10).length, monitor(0x50).length];
    r1.withdraw(["198.18.3.0/24"]);
    await until("r1's withdrawal", () => r2.rib.stats().locRibRoutes === 11);
    r2.originate([{ prefix: "203.0.113.128/25", med: 5 }, { prefix: "192.0.2.128/25" }]);
    await until("the live changes", () => monitor(0x50).length > nPost);
    await until("the live pre-policy changes", () => text(monitor(0x10).slice(nPre)).length >= 2);
    expect(text(monitor(0x10).slice(nPre)).sort()).toEqual([
      "+192.0.2.128/25 [64500]",
      "+203.0.113.128/25 [64500]",
    ]);
    expect(text(monitor(0x50).slice(nPost))).toEqual(["+192.0.2.128/25 [64500]"]);
    // Statistics: 3 routes before export policy (type 14, and IPv4 in 16), 2 after (15, 17).
    const n = got.length;
    await until("a Statistics Report", () =>
      got.slice(n).some((m) => m.type === BMP_TYPE.statisticsReport),
    );
    const st = statistics(got.slice(n).find((m) => m.type === BMP_TYPE.statisticsReport)!);
    expect(st.filter((x) => /^1[4-7] /.test(x))).toEqual([
      "14 3",
      "16 1/1 3",
      "16 2/1 0",
      "15 2",
      "17 1/1 2",
      "17 2/1 0",
    ]);
    // r2 stops originating the refused route: a pre-policy withdrawal only.
    const [mPre, mPost] = [monitor(0x10).length, monitor(0x50).length];
    r2.withdraw(["203.0.113.128/25"]);
    await until("the pre-policy withdrawal", () => monitor(0x10).length > mPre);
    expect(text(monitor(0x10).slice(mPre))).toEqual(["-203.0.113.128/25"]);
    expect(monitor(0x50)).toHaveLength(mPost);
  }, 10_000);

  it("monitors the Adj-RIB-Out (RFC 8671: O and L flags) and the Loc-RIB (RFC 9069: peer type 3, its own Peer Up and Peer Down), initial and live", async () => {
    const { port, got } = await station();
    const prefixes = Array.from({ length: 30 }, (_, i) => `198.18.${i}.0/24`);
    const own = ["203.0.113.0/24", "2001:db8:7::/48"];
    const { r1, r2 } = await pair(prefixes, own);
    const bmp = new BmpExporter(r2, {
      host: "127.0.0.1",
      port,
      monitoring: ["adj-rib-out", "loc-rib"],
      statisticsInterval: 1,
    });
    const monitor = (type: number, flags: number) =>
      got.filter(
        (m) =>
          m.type === BMP_TYPE.routeMonitoring && m.peer!.type === type && m.peer!.flags === flags,
      );
    const routes = (ms: Parsed[]) =>
      ms.flatMap((m) => {
        const u = bgp(m) as UpdateMessage;
        const mp = u.pathAttributes.mpReachNlri?.nlri ?? [];
        const path = u.pathAttributes.asPath?.flatMap((seg) => seg.asns).join(" ") ?? "";
        return [...u.nlri, ...mp].map((p) => `${formatPrefix(p)} [${path}]`);
      });
    await until("the Loc-RIB", () => routes(monitor(3, 0)).length >= prefixes.length + own.length);
    // r1's Peer Up, then what r2 sends r1 (its own routes, AS path prepended), End-of-RIB for
    // both families; nothing pre-policy (flags 0 on a type 0 peer).
    expect(got[1]).toMatchObject({ type: BMP_TYPE.peerUp, peer: { type: 0, asn: 64501 } });
    expect(monitor(0, 0)).toHaveLength(0);
    const out = monitor(0, 0x50);
    expect(out.every((m) => m.peer!.asn === 64501 && m.peer!.bgpId === "192.0.2.2")).toBe(true);
    expect(routes(out).sort()).toEqual(own.map((p) => `${p} [64500]`).sort());
    expect(out.filter((m) => routes([m]).length === 0)).toHaveLength(2); // End-of-RIB, IPv4 and IPv6
    // The Loc-RIB's Peer Up: type 3, zero address, r2's AS and BGP Identifier; no local address
    // or ports; the fabricated OPEN twice (4-octet AS, IPv4 and IPv6 unicast); "global".
    const up = got.find((m) => m.type === BMP_TYPE.peerUp && m.peer!.type === 3)!;
    expect(up.peer).toMatchObject({ flags: 0, asn: 64500, bgpId: "192.0.2.1" });
    expect(up.peer!.address.every((b) => b === 0)).toBe(true);
    expect(up.rest.subarray(0, 20).every((b) => b === 0)).toBe(true);
    const openLength = new DataView(up.rest.buffer, up.rest.byteOffset + 36).getUint16(0);
    const open = up.rest.subarray(20, 20 + openLength);
    expect([...up.rest.subarray(20 + openLength, 20 + 2 * openLength)]).toEqual([...open]);
    const o = bgp(up, 20) as OpenMessage;
    expect(o.bgpIdentifier).toBe("192.0.2.1");
    const caps = o.optionalParameters.flatMap((p) =>
      p.type === "CAPABILITIES" ? p.capabilities : [],
    );
    expect(caps.map((c) => c.type).sort()).toEqual([
      "FOUR_OCTET_AS",
      "MULTIPROTOCOL",
      "MULTIPROTOCOL",
    ]);
    expect(new TextDecoder().decode(up.rest.subarray(20 + 2 * openLength))).toBe(
      "\u0000\u0003\u0000\u0006global",
    );
    // The Loc-RIB: r1's routes (AS path 64501) and r2's own (empty AS path).
    expect(routes(monitor(3, 0)).sort()).toEqual(
      [...prefixes.map((p) => `${p} [64501]`), ...own.map((p) => `${p} []`)].sort(),
    );
    // Live: r1 withdraws one (Loc-RIB withdrawal), r2 originates one (Adj-RIB-Out and Loc-RIB).
    const [nOut, nLoc] = [monitor(0, 0x50).length, monitor(3, 0).length];
    r1.withdraw(["198.18.3.0/24"]);
    r2.originate([{ prefix: "203.0.113.128/25" }]);
    await until(
      "the live changes",
      () => monitor(3, 0).length >= nLoc + 2 && monitor(0, 0x50).length > nOut,
    );
    const live = monitor(3, 0)
      .slice(nLoc)
      .map((m) => bgp(m) as UpdateMessage);
    expect(live.flatMap((u) => u.withdrawnRoutes.map(formatPrefix))).toEqual(["198.18.3.0/24"]);
    expect(routes(monitor(3, 0).slice(nLoc))).toEqual(["203.0.113.128/25 []"]);
    expect(routes(monitor(0, 0x50).slice(nOut))).toEqual(["203.0.113.128/25 [64500]"]);
    // Statistics: routes in the Loc-RIB (type 8) and per family (type 10), for the Loc-RIB peer —
    // counted from the dump on: IPv4 30 + 1, − 1 + 1 live, − 1 now; IPv6 1.
    r1.withdraw(["198.18.4.0/24"]);
    await until("the withdrawal", () => r2.rib.stats().locRibRoutes === 31);
    const n = got.length;
    await until("a Loc-RIB Statistics Report", () =>
      got.slice(n).some((m) => m.type === BMP_TYPE.statisticsReport && m.peer!.type === 3),
    );
    const st = got
      .slice(n)
      .find((m) => m.type === BMP_TYPE.statisticsReport && m.peer!.type === 3)!;
    const sv = new DataView(st.rest.buffer, st.rest.byteOffset);
    expect([sv.getUint32(0), sv.getUint16(4), sv.getUint16(6), sv.getBigUint64(8)]).toEqual([
      3,
      8,
      8,
      BigInt(r2.rib.stats().locRibRoutes),
    ]);
    const perFamily = [16, 31].map(
      (at) =>
        `${sv.getUint16(at)}: ${sv.getUint16(at + 4)}/${sv.getUint8(at + 6)} ${sv.getBigUint64(at + 7)}`,
    );
    expect(perFamily).toEqual(["10: 1/1 30", "10: 2/1 1"]);
    // Closing: the Loc-RIB's Peer Down (reason 6 with the table name), then Termination.
    await bmp.close();
    await until("the Termination", () => got.at(-1)?.type === BMP_TYPE.termination);
    const down = got.at(-2)!;
    expect(down).toMatchObject({ type: BMP_TYPE.peerDown, peer: { type: 3 } });
    expect([...down.rest]).toEqual([6, 0, 3, 0, 6, ...new TextEncoder().encode("global")]);
  });

  it("reports no Loc-RIB change whose best route stayed (only its multipath set changed)", async () => {
    const { port, got } = await station();
    const { r2 } = await pair(["198.18.0.0/24"]);
    const bmp = new BmpExporter(r2, { host: "127.0.0.1", port, monitoring: ["loc-rib"] });
    closers.push(() => void bmp.close());
    const locRib = () =>
      got
        .filter((m) => m.type === BMP_TYPE.routeMonitoring && m.peer!.type === 3)
        .flatMap((m) => (bgp(m) as UpdateMessage).nlri.map(formatPrefix));
    await until("the Loc-RIB dump", () => locRib().length === 1);
    // Change sets as the RIB makes them with multipath: the first keeps its best route (the same
    // attribute set on both sides), the second moves it.
    const attributes = { origin: "IGP" as const, asPath: [], nextHop: "192.0.2.2" };
    const moved = { ...attributes, nextHop: "192.0.2.3" };
    const route = (prefix: string, a: PathAttributes) => ({
      prefix: { afi: 1 as const, address: prefix, length: 24 },
      attributes: a,
      peer: "192.0.2.2",
    });
    const kept = route("198.51.100.0", attributes);
    const change = (from: ReturnType<typeof route>, to: ReturnType<typeof route>) => ({
      prefix: from.prefix,
      previous: from,
      current: to,
      previousMultipath: [from, { ...from, peer: "192.0.2.3" }],
    });
    r2.emit("changes", {
      locRib: [change(kept, { ...kept })],
      adjRibOut: new Map(),
    });
    const movedRoute = route("203.0.113.0", attributes);
    r2.emit("changes", {
      locRib: [change(movedRoute, route("203.0.113.0", moved))],
      adjRibOut: new Map(),
    });
    await until("the moved route", () => locRib().length === 2);
    expect(locRib()).toEqual(["198.18.0.0/24", "203.0.113.0/24"]);
  });

  it("monitors the post-policy Adj-RIB-In (L flag): routes as imported, changes, and what a policy change does", async () => {
    const { port, got } = await station();
    const { r1, r2 } = routerPair({
      originate: ["198.18.1.0/24", "198.18.2.0/24", "198.18.3.0/24"].map((prefix) => ({ prefix })),
      r2Neighbor: { importPolicy: "in" },
      r2Spec: {
        policies: {
          in: [
            { match: { prefixList: [{ prefix: "198.18.3.0/24" }] }, action: "reject" },
            { set: { localPref: 200 }, action: "accept" },
          ],
        },
      },
    });
    closers.push(() => {
      r1.stop();
      r2.stop();
    });
    await until("the session", () => r2.rib.stats().locRibRoutes === 2);
    const bmp = new BmpExporter(r2, { host: "127.0.0.1", port, monitoring: ["post-policy"] });
    closers.push(() => void bmp.close());
    const post = () =>
      got.filter((m) => m.type === BMP_TYPE.routeMonitoring && m.peer!.flags === 0x40);
    const seen = () =>
      post().flatMap((m) => {
        const u = bgp(m) as UpdateMessage;
        return [
          ...u.nlri.map((p) => `+${formatPrefix(p)} ${u.pathAttributes.localPref}`),
          ...u.withdrawnRoutes.map((p) => `-${formatPrefix(p)}`),
        ];
      });
    await until("the post-policy routes", () => seen().length >= 2);
    // Only the two accepted, with the LOCAL_PREF the policy set; nothing pre-policy.
    expect(seen().sort()).toEqual(["+198.18.1.0/24 200", "+198.18.2.0/24 200"]);
    expect(got.some((m) => m.type === BMP_TYPE.routeMonitoring && m.peer!.flags === 0)).toBe(false);
    // Live: a withdrawal of an accepted route; a rejected route announced again changes nothing.
    r1.withdraw(["198.18.1.0/24"]);
    r1.originate([{ prefix: "198.18.3.0/24", med: 5 }]);
    await until("the withdrawal", () => seen().includes("-198.18.1.0/24"));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen().filter((x) => x.includes("198.18.3.0"))).toEqual([]);
    // The policy changes: 198.18.3.0/24 accepted now, 198.18.2.0/24 rejected.
    r2.setPolicies({
      in: [
        { match: { prefixList: [{ prefix: "198.18.2.0/24" }] }, action: "reject" },
        { set: { localPref: 300 }, action: "accept" },
      ],
    });
    await until("the policy change", () => seen().includes("-198.18.2.0/24"));
    expect(seen()).toContain("+198.18.3.0/24 300");
    expect(seen().filter((x) => x.startsWith("-"))).toEqual(["-198.18.1.0/24", "-198.18.2.0/24"]);
    // A policy change that changes no route (a term matching none of them): every route decided
    // again, none changed — nothing reported before the withdrawal that follows it.
    const n = seen().length;
    r2.setPolicies({
      in: [
        { match: { prefixList: [{ prefix: "10.0.0.0/8", le: 32 }] }, action: "reject" },
        { match: { prefixList: [{ prefix: "198.18.2.0/24" }] }, action: "reject" },
        { set: { localPref: 300 }, action: "accept" },
      ],
    });
    r1.withdraw(["198.18.3.0/24"]);
    await until("the next withdrawal", () => seen().includes("-198.18.3.0/24"));
    expect(seen().slice(n)).toEqual(["-198.18.3.0/24"]);
  });

  it("reports a neighbour on a link-local address by its 16 octets, without the zone", async () => {
    const { port, got } = await station();
    const { r1, r2 } = unnumbered(true, true);
    closers.push(() => {
      r1.stop();
      r2.stop();
    });
    await until("the session", () => r2.rib.stats().locRibRoutes === 2);
    const bmp = new BmpExporter(r2, { host: "127.0.0.1", port, sysName: "r2" });
    await until("the Peer Up", () => got.some((m) => m.type === BMP_TYPE.peerUp));
    const up = got.find((m) => m.type === BMP_TYPE.peerUp)!;
    const fe80 = (last: number) => [0xfe, 0x80, ...Array(13).fill(0), last];
    expect(up.peer!.flags & 0x80).toBe(0x80); // V: an IPv6 peer
    expect([...up.peer!.address]).toEqual(fe80(1));
    expect([...up.rest.subarray(0, 16)]).toEqual(fe80(2)); // local address, the connection's
    await bmp.close();
  });

  it("encodes the common and per-peer headers per RFC 7854 (IPv6 V flag, 2-octet A flag, L flag)", () => {
    const m = bmpMessage(4, new Uint8Array([1, 2]));
    expect([...m]).toEqual([3, 0, 0, 0, 8, 4, 1, 2]);
    const h = bmpPerPeerHeader(
      {
        address: "2001:db8::1",
        asn: 64501,
        bgpIdentifier: "192.0.2.2",
        twoOctetAs: true,
        postPolicy: true,
      },
      1_700_000_000_250,
    );
    expect(h.length).toBe(42);
    expect(h[1]).toBe(0x80 | 0x40 | 0x20);
    expect([...h.subarray(10, 14)]).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(h[25]).toBe(1);
    const v = new DataView(h.buffer);
    expect([v.getUint32(26), v.getUint32(34), v.getUint32(38)]).toEqual([
      64501, 1_700_000_000, 250_000,
    ]);
    const out = bmpPerPeerHeader(
      { address: "192.0.2.2", asn: 64501, bgpIdentifier: "192.0.2.2", adjRibOut: true },
      0,
    );
    expect([out[0], out[1]]).toEqual([0, 0x10]);
    const loc = bmpPerPeerHeader(
      {
        address: "192.0.2.2",
        asn: 64500,
        bgpIdentifier: "192.0.2.1",
        locRib: true,
        filtered: true,
      },
      0,
    );
    expect([loc[0], loc[1]]).toEqual([3, 0x80]);
    expect(loc.subarray(2, 26).every((b) => b === 0)).toBe(true); // distinguisher, address
  });

  it("is configured by bmp, checked field by field", () => {
    const base = { asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] };
    expect(parseRouterSpec({ ...base, bmp: { host: "192.0.2.9", port: 1790 } }).bmp).toEqual({
      host: "192.0.2.9",
      port: 1790,
    });
    expect(() => parseRouterSpec({ ...base, bmp: { host: "x", port: 1790 } })).toThrow(/bmp\.host/);
    expect(() => parseRouterSpec({ ...base, bmp: { host: "192.0.2.9", port: 0 } })).toThrow(
      /bmp\.port/,
    );
    expect(() =>
      parseRouterSpec({ ...base, bmp: { host: "192.0.2.9", port: 1, statistics: 1 } }),
    ).toThrow(/bmp\.statistics/);
    const bmp = (extra: object) => () =>
      parseRouterSpec({ ...base, bmp: { host: "192.0.2.9", port: 1790, ...extra } });
    expect(bmp({ monitoring: ["loc-rib", "pre-policy"], tableName: "main" })().bmp).toMatchObject({
      monitoring: ["loc-rib", "pre-policy"],
      tableName: "main",
    });
    expect(bmp({ monitoring: [] })).toThrow(/bmp\.monitoring must be a non-empty list/);
    expect(bmp({ monitoring: ["adj-rib-in"] })).toThrow(/bmp\.monitoring\[0\] must be one of/);
    expect(bmp({ monitoring: ["loc-rib", "loc-rib"] })).toThrow(/bmp\.monitoring\[1\] repeats/);
    expect(bmp({ tableName: "x".repeat(256) })).toThrow(/bmp\.tableName must be at most 255/);
  });
});
