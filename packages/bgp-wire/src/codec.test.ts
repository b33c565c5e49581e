import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bgpMessagesFromCapture } from "../test/pcap";
import type { Capability } from "./capabilities";
import { decodeMessage, encodeMessage, messageLength } from "./codec";
import { BgpWireError } from "./errors";
import type { BgpMessage, OpenMessage, UpdateMessage } from "./messages";
import { openCapabilities } from "./messages";
import { ceaseWithShutdownCommunication, shutdownCommunication } from "./notification";
import { formatPrefix } from "./prefix";
import type { SessionContext } from "./session-context";
import { negotiateSessionContext, sessionContext } from "./session-context";

const DATA = path.resolve(__dirname, "../../../../shared/data/bgp");
const present = existsSync(DATA);
if (!present) console.warn(`bgp-wire: shared data absent at ${DATA}; capture tests skipped`);

/** An OPEN of AS64500 (192.0.2.1, hold time 90) with one Capabilities parameter. */
const openWith = (capabilities: Capability[]): OpenMessage => ({
  type: "OPEN",
  version: 4,
  myAutonomousSystem: 64500,
  holdTime: 90,
  bgpIdentifier: "192.0.2.1",
  optionalParameters: [{ type: "CAPABILITIES", capabilities }],
});
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const MARKER = "ffffffffffffffffffffffffffffffff";

describe("messages from the RFC texts", () => {
  it("KEEPALIVE is the 19-octet header alone (RFC 4271 §4.4)", () => {
    expect(encodeMessage({ type: "KEEPALIVE" })).toEqual(hex(`${MARKER} 0013 04`));
    expect(decodeMessage(hex(`${MARKER} 0013 04`))).toEqual({ type: "KEEPALIVE" });
  });

  it("rejects a bad marker, length and type with the RFC 4271 §6.1 error", () => {
    const codes = (b: Uint8Array): string => {
      try {
        decodeMessage(b);
        return "none";
      } catch (e) {
        return BgpWireError.isInstance(e) ? e.code : "foreign";
      }
    };
    expect(codes(hex(`ffffffffffffffffffffffffffff00ff 0013 04`))).toBe(
      "CONNECTION_NOT_SYNCHRONIZED",
    );
    expect(codes(hex(`${MARKER} 0014 04 00`))).toBe("BAD_MESSAGE_LENGTH");
    expect(codes(hex(`${MARKER} 0013 07`))).toBe("BAD_MESSAGE_TYPE");
    expect(codes(hex(`${MARKER} 0012 04`))).toBe("BAD_MESSAGE_LENGTH");
    expect(messageLength(hex(`${MARKER} 00`))).toBeUndefined();
  });

  it("ROUTE-REFRESH carries the RFC 7313 subtype in the former Reserved octet", () => {
    const borr = hex(`${MARKER} 0017 05 0002 01 01`);
    expect(decodeMessage(borr)).toEqual({ type: "ROUTE_REFRESH", afi: 2, safi: 1, subtype: 1 });
    expect(encodeMessage({ type: "ROUTE_REFRESH", afi: 2, safi: 1, subtype: 1 })).toEqual(borr);
  });

  it("MP_REACH/MP_UNREACH_NLRI of another AFI/SAFI (VPNv4, SAFI 128) are kept opaque, byte-exact", () => {
    // Labeled VPN-IPv4 NLRI (RFC 4364 §4.3.4): length 112 bits, label 16 (BoS), RD 0:65000:100,
    // 198.51.100.0/24; next hop: RD 0 + 192.0.2.1.
    const nlri = "70 000101 0000fde800000064 c63364";
    const reach = `800e20 0001 80 0c 0000000000000000c0000201 00 ${nlri}`;
    const unreach = `800f12 0001 80 ${nlri}`;
    const attrs = `40010100 400204 0201fde8 ${reach} ${unreach}`;
    const len = (attrs.replace(/\s+/g, "").length / 2).toString(16).padStart(4, "0");
    const total = (19 + 4 + Number.parseInt(len, 16)).toString(16).padStart(4, "0");
    const bytes = hex(`${MARKER} ${total} 02 0000 ${len} ${attrs}`);
    const m = decodeMessage(bytes) as UpdateMessage;
    const a = m.pathAttributes;
    expect(a.mpReachNlri).toMatchObject({ afi: 1, safi: 128, nextHop: [], nlri: [] });
    expect(a.mpReachNlri?.opaque).toEqual({
      nextHop: hex("0000000000000000c0000201"),
      reserved: 0,
      nlri: hex(nlri),
    });
    expect(a.mpUnreachNlri).toMatchObject({ afi: 1, safi: 128, withdrawnRoutes: [] });
    expect(a.mpUnreachNlri?.opaque).toEqual(hex(nlri));
    expect(encodeMessage(m)).toEqual(bytes);
  });

  it("empty community and cluster lists are no attribute (a zero-length one is malformed, RFC 7606 §7.8/§7.10/§7.14)", () => {
    const base = {
      type: "UPDATE" as const,
      withdrawnRoutes: [],
      nlri: [{ afi: 1 as const, address: "192.0.2.0", length: 24 }],
    };
    const plain = { origin: "IGP" as const, asPath: [], nextHop: "192.0.2.1" };
    const empty = {
      ...plain,
      communities: [],
      clusterList: [],
      extendedCommunities: [],
      largeCommunities: [],
    };
    const bytes = encodeMessage({ ...base, pathAttributes: empty });
    expect(bytes).toEqual(encodeMessage({ ...base, pathAttributes: plain }));
    // ORIGIN (4) + AS_PATH (3) + NEXT_HOP (7) octets of attributes, nothing else.
    expect(bytes.length).toBe(19 + 2 + 2 + 14 + 4);
  });

  it("NOTIFICATION Cease/Administrative Shutdown carries an RFC 8203 communication", () => {
    const n = ceaseWithShutdownCommunication(2, "maintenance ☂");
    const b = encodeMessage(n);
    // header, code 6, subcode 2, length octet = UTF-8 octets of the text
    expect([...b.subarray(19, 22)]).toEqual([6, 2, Buffer.byteLength("maintenance ☂")]);
    expect(shutdownCommunication(decodeMessage(b) as typeof n)).toBe("maintenance ☂");
    expect(() => ceaseWithShutdownCommunication(4, "x".repeat(256))).toThrow(BgpWireError);
    // length octet larger than the data: not a valid communication
    expect(shutdownCommunication({ ...n, data: hex("05 41") })).toBeUndefined();
  });

  it("does not send an empty AS4_PATH or one with confederation segments (RFC 6793 §6)", () => {
    const update = (as4Path: { type: "AS_SEQUENCE"; asns: number[] }[]): UpdateMessage => ({
      type: "UPDATE",
      withdrawnRoutes: [],
      pathAttributes: {
        origin: "IGP",
        asPath: [{ type: "AS_SEQUENCE", asns: [23456] }],
        nextHop: "192.0.2.1",
        as4Path,
      },
      nlri: [{ afi: 1, address: "198.51.100.0", length: 24 }],
    });
    const old = sessionContext({ fourOctetAs: false });
    expect(() => encodeMessage(update([]), old)).toThrow(/AS4_PATH must carry/);
    // Nor confederation segments in it (RFC 6793 §6: the receiver discards them).
    expect(() =>
      encodeMessage(
        update([
          { type: "AS_SEQUENCE", asns: [4200000001] },
          { type: "AS_CONFED_SEQUENCE" as "AS_SEQUENCE", asns: [65001] },
        ]),
        old,
      ),
    ).toThrow(/must not carry AS_CONFED_SEQUENCE/);
    const ok = decodeMessage(
      encodeMessage(update([{ type: "AS_SEQUENCE", asns: [4200000001] }]), old),
      old,
    ) as UpdateMessage;
    expect(ok.pathAttributes.as4Path).toEqual([{ type: "AS_SEQUENCE", asns: [4200000001] }]);
  });

  it("encodes OTC (RFC 9234 §5) as an optional transitive attribute of 4 octets, after LARGE_COMMUNITY", () => {
    const m: UpdateMessage = {
      type: "UPDATE",
      withdrawnRoutes: [],
      pathAttributes: {
        origin: "IGP",
        asPath: [],
        nextHop: "192.0.2.1",
        largeCommunities: [{ globalAdministrator: 1, localDataPart1: 2, localDataPart2: 3 }],
        onlyToCustomer: 4200000001,
      },
      nlri: [],
    };
    const b = encodeMessage(m, sessionContext({ fourOctetAs: true }));
    // … LARGE_COMMUNITY (c0 20 0c …), then OTC: flags c0, type 0x23, length 4, 4200000001.
    expect([...b.subarray(b.length - 7)]).toEqual([...hex("c0 23 04 fa 56 ea 01")]);
    expect([...b.subarray(b.length - 22, b.length - 19)]).toEqual([...hex("c0 20 0c")]);
    const back = decodeMessage(b, sessionContext({ fourOctetAs: true })) as UpdateMessage;
    expect(back.pathAttributes.onlyToCustomer).toBe(4200000001);
    expect(() =>
      encodeMessage({ ...m, pathAttributes: { ...m.pathAttributes, onlyToCustomer: 2 ** 32 } }),
    ).toThrow(BgpWireError);
  });

  it("Long-Lived Graceful Restart capability: 7-octet tuples (RFC 9494 §3), byte-exact", () => {
    const open = openWith([
      {
        type: "LONG_LIVED_GRACEFUL_RESTART",
        families: [
          { afi: 1, safi: 1, flags: 0x80, staleTime: 0x0a0b0c },
          { afi: 2, safi: 1, flags: 0, staleTime: 3600 },
        ],
      },
    ]);
    const b = encodeMessage(open);
    // Parameter 2 (length 16): capability 71, length 14, then AFI SAFI Flags Stale Time (3).
    expect([...b.subarray(29)]).toEqual([
      ...hex("02 10 47 0e 00 01 01 80 0a 0b 0c 00 02 01 00 00 0e 10"),
    ]);
    expect(decodeMessage(b)).toEqual(open);
    // A value that is not whole tuples is kept as an unknown capability, byte-exact.
    const odd = hex("47 06 00 01 01 00 00 0e");
    const bad = new Uint8Array([...b.subarray(0, 28), odd.length + 2, 2, odd.length, ...odd]);
    new DataView(bad.buffer).setUint16(16, bad.length);
    const caps = openCapabilities(decodeMessage(bad) as OpenMessage);
    expect(caps).toEqual([{ type: "UNKNOWN", code: 71, value: odd.subarray(2) }]);
    expect(() =>
      encodeMessage(
        openWith([
          {
            type: "LONG_LIVED_GRACEFUL_RESTART",
            families: [{ afi: 1, safi: 1, flags: 0, staleTime: 2 ** 24 }],
          },
        ]),
      ),
    ).toThrow(/Long-Lived Stale Time 16777216/);
  });

  it("OPEN uses RFC 9072 extended optional parameters when they exceed 255 octets", () => {
    const caps = Array.from({ length: 70 }, (_, i) => ({
      type: "MULTIPROTOCOL" as const,
      afi: i,
      safi: 1,
    }));
    const open = openWith(caps);
    const b = encodeMessage(open);
    // Non-Ext OP Len = 255, Non-Ext OP Type = 255, Extended Opt. Parm. Length = 3 + 70*6
    expect([b[28], b[29], (b[30]! << 8) | b[31]!]).toEqual([255, 255, 3 + 70 * 6]);
    expect(b[32]).toBe(2); // Parameter Type: Capabilities
    expect((b[33]! << 8) | b[34]!).toBe(70 * 6); // 2-octet Parameter Length (RFC 9072 §2)
    expect(decodeMessage(b)).toEqual({ ...open, extendedOptionalParameters: true });
  });

  it("negotiates 4-octet AS, ADD-PATH per direction and extended message", () => {
    const mk = (caps: OpenMessage["optionalParameters"]): OpenMessage => ({
      type: "OPEN",
      version: 4,
      myAutonomousSystem: 23456,
      holdTime: 90,
      bgpIdentifier: "192.0.2.1",
      optionalParameters: caps,
    });
    const local = mk([
      {
        type: "CAPABILITIES",
        capabilities: [
          { type: "FOUR_OCTET_AS", asn: 4200000000 },
          { type: "EXTENDED_MESSAGE" },
          { type: "ADD_PATH", families: [{ afi: 1, safi: 1, sendReceive: 1 }] },
        ],
      },
    ]);
    const remote = mk([
      { type: "CAPABILITIES", capabilities: [{ type: "FOUR_OCTET_AS", asn: 64500 }] },
      {
        type: "CAPABILITIES",
        capabilities: [{ type: "ADD_PATH", families: [{ afi: 1, safi: 1, sendReceive: 3 }] }],
      },
    ]);
    const { receive, send } = negotiateSessionContext(local, remote);
    expect(receive).toEqual({
      fourOctetAs: true,
      addPath: [{ afi: 1, safi: 1 }],
      extendedMessage: false,
    });
    expect(send.addPath).toEqual([]);
  });
});

/** Message counts per capture as decoded by tshark 4.0 (MANIFEST.md of the shared data). */
const TSHARK: Record<string, { port?: number; counts: Record<string, number> }> = {
  "devqps-bgp-rs/res/pcap/16-bit-asn.cap": { counts: { OPEN: 2, UPDATE: 14, KEEPALIVE: 8 } },
  "devqps-bgp-rs/res/pcap/4-byte_AS_numbers_Full_Support.cap": {
    counts: { OPEN: 2, UPDATE: 9, KEEPALIVE: 5 },
  },
  "devqps-bgp-rs/res/pcap/4-byte_AS_numbers_Mixed_Scenario.cap": {
    counts: { UPDATE: 2, KEEPALIVE: 2 },
  },
  "devqps-bgp-rs/res/pcap/BGP_AS_set.cap": { counts: { OPEN: 2, UPDATE: 1, KEEPALIVE: 7 } },
  "devqps-bgp-rs/res/pcap/BGP_MD5.cap": { counts: { OPEN: 2, KEEPALIVE: 8 } },
  "devqps-bgp-rs/res/pcap/BGP_MP_NLRI.cap": { counts: { OPEN: 4, UPDATE: 4, KEEPALIVE: 16 } },
  "devqps-bgp-rs/res/pcap/BGP_flowspec_dscp.cap": { counts: { UPDATE: 1 } },
  "devqps-bgp-rs/res/pcap/BGP_flowspec_redirect.cap": {
    counts: { OPEN: 2, UPDATE: 6, KEEPALIVE: 4 },
  },
  "devqps-bgp-rs/res/pcap/BGP_flowspec_v6.cap": { counts: { OPEN: 1, UPDATE: 2, KEEPALIVE: 1 } },
  "devqps-bgp-rs/res/pcap/BGP_hard_reset.cap": { counts: { OPEN: 2, UPDATE: 12, KEEPALIVE: 12 } },
  "devqps-bgp-rs/res/pcap/BGP_notification.cap": { counts: { OPEN: 1, NOTIFICATION: 1 } },
  "devqps-bgp-rs/res/pcap/BGP_redist.cap": { counts: { UPDATE: 2 } },
  "devqps-bgp-rs/res/pcap/BGP_soft_reset.cap": {
    counts: { UPDATE: 12, KEEPALIVE: 8, ROUTE_REFRESH: 1 },
  },
  "devqps-bgp-rs/res/pcap/EBGP_adjacency.cap": { counts: { OPEN: 2, UPDATE: 12, KEEPALIVE: 12 } },
  "devqps-bgp-rs/res/pcap/IBGP_adjacency.cap": { counts: { OPEN: 2, UPDATE: 14, KEEPALIVE: 8 } },
  "devqps-bgp-rs/res/pcap/bgp-add-path.cap": {
    counts: { OPEN: 2, UPDATE: 4, KEEPALIVE: 4, ROUTE_REFRESH: 2 },
  },
  "devqps-bgp-rs/res/pcap/bgplu.cap": { counts: { OPEN: 2, UPDATE: 4, KEEPALIVE: 3 } },
  "bgpkit-parser/tests/fixtures/packetlife/bgp_orf_prefix_advertisement.pcapng.cap": {
    counts: { KEEPALIVE: 1, ROUTE_REFRESH: 1 },
  },
  "netgauze/assets/pcaps/pmacct-tests/502-IPFIXv10-BGP-IPv6-CISCO-SRv6-lcomms/traffic-00.pcap": {
    counts: { OPEN: 1, UPDATE: 28, KEEPALIVE: 1 },
  },
  "netgauze/assets/pcaps/pmacct-tests/301-BGP-CISCO-pretag/traffic-00.pcap": {
    counts: { OPEN: 1, UPDATE: 20, KEEPALIVE: 1 },
  },
  "netgauze/assets/pcaps/pmacct-tests/302-BGP-IPv6-multiple-sources/traffic-00.pcap": {
    counts: { OPEN: 1, UPDATE: 24, KEEPALIVE: 1 },
  },
  "netgauze/assets/pcaps/pmacct-tests/302-BGP-IPv6-multiple-sources/traffic-03.pcap": {
    counts: { OPEN: 1, UPDATE: 8, KEEPALIVE: 1 },
  },
  "netgauze/assets/pcaps/pmacct-tests/300-BGP-IPv6-CISCO-extNH_enc/traffic-00.pcap": {
    counts: { OPEN: 1, UPDATE: 45, KEEPALIVE: 1 },
  },
  "netgauze/assets/pcaps/pmacct-tests/305-BGP-mem-leak-test/bgp-multi-sources-update-keepalive.pcap":
    {
      counts: { UPDATE: 416, KEEPALIVE: 32 },
    },
  "netgauze/assets/pcaps/pmacct-tests/305-BGP-mem-leak-test/bgp-multi-sources-open.pcap": {
    counts: { OPEN: 8 },
  },
  "netgauze/assets/pcaps/bgp/multiple-sessions/traffic.pcap": {
    counts: { OPEN: 20, UPDATE: 100, KEEPALIVE: 171 },
  },
};

/** Decodes the messages of a capture, choosing the session context from its OPENs. */
function decodeCapture(
  file: string,
  port = 179,
): { bytes: Uint8Array; message: BgpMessage; ctx: SessionContext }[] {
  const msgs = bgpMessagesFromCapture(path.join(DATA, file), port);
  const opens = msgs
    .filter((m) => m.bytes[18] === 1)
    .map((m) => decodeMessage(m.bytes) as OpenMessage);
  const out: { bytes: Uint8Array; message: BgpMessage; ctx: SessionContext }[] = [];
  for (const m of msgs) {
    let candidates: SessionContext[];
    if (opens.length === 2) candidates = [negotiateSessionContext(opens[0]!, opens[1]!).receive];
    else {
      const four = opens.every((o) => openCapabilities(o).some((c) => c.type === "FOUR_OCTET_AS"));
      // Without both OPENs the AS size is unknown: try the announced one first.
      candidates = [sessionContext({ fourOctetAs: four }), sessionContext({ fourOctetAs: !four })];
    }
    let last: unknown;
    let done = false;
    for (const ctx of candidates) {
      try {
        out.push({ bytes: m.bytes, message: decodeMessage(m.bytes, ctx), ctx });
        done = true;
        break;
      } catch (e) {
        last = e;
      }
    }
    if (!done) throw last;
  }
  return out;
}

/** Field values compared with NetGauze's JSON: unicast routes, next hops and the scalars. */
interface UpdateDetails {
  med?: number;
  localPref?: number;
  nextHop?: string;
  communities?: number[];
  large?: string[];
  nlri: string[];
  withdrawn: string[];
  mpReach?: string;
}
const details = (d: UpdateDetails): string =>
  ` ${JSON.stringify(d, ["med", "localPref", "nextHop", "communities", "large", "nlri", "withdrawn", "mpReach"])}`;

type Json = Record<string, unknown>;
function netgauzeDetails(u: Json): UpdateDetails {
  const net = (l: unknown): string[] => (l as { network: string }[]).map((n) => n.network);
  const d: UpdateDetails = { nlri: net(u.nlri), withdrawn: net(u.withdrawn_routes) };
  for (const { value } of u.path_attributes as { value: Json }[]) {
    const v = value as Record<string, Json>;
    if (v.MultiExitDiscriminator) d.med = v.MultiExitDiscriminator.metric as number;
    if (v.LocalPreference) d.localPref = v.LocalPreference.metric as number;
    if (v.NextHop) d.nextHop = v.NextHop.next_hop as string;
    if (v.Communities) d.communities = v.Communities.communities as number[];
    if (v.LargeCommunities)
      d.large = (v.LargeCommunities.communities as Json[]).map(
        (c) => `${c.global_admin}:${c.local_data1}:${c.local_data2}`,
      );
    const v6 = (v.MpReach as Record<string, Json> | undefined)?.Ipv6Unicast;
    if (v6) {
      const hops = [v6.next_hop_global, v6.next_hop_local].filter((h) => h !== null);
      d.mpReach = `${hops.join(",")} ${net(v6.nlri).join(",")}`;
    }
  }
  return d;
}

function ourDetails(m: UpdateMessage): UpdateDetails {
  const a = m.pathAttributes;
  const d: UpdateDetails = {
    nlri: m.nlri.map(formatPrefix),
    withdrawn: m.withdrawnRoutes.map(formatPrefix),
  };
  if (a.multiExitDisc !== undefined) d.med = a.multiExitDisc;
  if (a.localPref !== undefined) d.localPref = a.localPref;
  if (a.nextHop !== undefined) d.nextHop = a.nextHop;
  if (a.communities !== undefined) d.communities = [...a.communities];
  if (a.largeCommunities !== undefined)
    d.large = a.largeCommunities.map(
      (c) => `${c.globalAdministrator}:${c.localDataPart1}:${c.localDataPart2}`,
    );
  const mp = a.mpReachNlri;
  if (mp !== undefined && mp.afi === 2 && mp.safi === 1)
    d.mpReach = `${mp.nextHop.join(",")} ${mp.nlri.map(formatPrefix).join(",")}`;
  return d;
}

describe.runIf(present)("BGP messages in the shared captures", () => {
  it.each(Object.entries(TSHARK))(
    "%s: same messages as tshark, all decode, re-encode byte-exact",
    (file, spec) => {
      const decoded = decodeCapture(file, spec.port);
      const counts: Record<string, number> = {};
      for (const d of decoded) counts[d.message.type] = (counts[d.message.type] ?? 0) + 1;
      expect(counts).toEqual(spec.counts);
      for (const d of decoded) expect(encodeMessage(d.message, d.ctx)).toEqual(d.bytes);
    },
  );

  it.each([
    ["devqps-bgp-rs/res/pcap/BGP_flowspec_v4.cap", 1],
    ["devqps-bgp-rs/res/pcap/BGP_notification_msg.cap", 3],
    ["devqps-bgp-rs/res/pcap/bgp_withdraw.cap", 2],
  ])("%s (port 1179) decodes and re-encodes", (file, n) => {
    const decoded = decodeCapture(file, 1179);
    expect(decoded.length).toBe(n);
    for (const d of decoded) expect(encodeMessage(d.message, d.ctx)).toEqual(d.bytes);
  });

  it("ADD-PATH capture: negotiated Path Identifiers appear on the prefixes", () => {
    const decoded = decodeCapture("devqps-bgp-rs/res/pcap/bgp-add-path.cap");
    const withIds = decoded.flatMap((d) => (d.message.type === "UPDATE" ? d.message.nlri : []));
    expect(withIds.length).toBeGreaterThan(0);
    for (const p of withIds) expect(p.pathId).toBeTypeOf("number");
  });

  const NETGAUZE = [
    "pmacct-tests/502-IPFIXv10-BGP-IPv6-CISCO-SRv6-lcomms/traffic-00",
    "pmacct-tests/301-BGP-CISCO-pretag/traffic-00",
    "pmacct-tests/302-BGP-IPv6-multiple-sources/traffic-00",
    "pmacct-tests/302-BGP-IPv6-multiple-sources/traffic-01",
    "pmacct-tests/302-BGP-IPv6-multiple-sources/traffic-02",
    "pmacct-tests/302-BGP-IPv6-multiple-sources/traffic-03",
    "pmacct-tests/300-BGP-IPv6-CISCO-extNH_enc/traffic-00",
    "pmacct-tests/305-BGP-mem-leak-test/bgp-multi-sources-open",
    "pmacct-tests/305-BGP-mem-leak-test/bgp-multi-sources-update-keepalive",
    "bgp/multiple-sessions/traffic",
  ];
  it.each(NETGAUZE)(
    "%s: every message of NetGauze's decoded JSON is decoded alike (routes, next hops, MED, LOCAL_PREF, communities)",
    (base) => {
      const json = readFileSync(path.join(DATA, `netgauze/assets/pcaps/${base}-bgp.json`), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as unknown);
      const theirs = json.map((j) => {
        if (j === "KeepAlive") return "KEEPALIVE";
        const o = j as Record<string, Record<string, unknown>>;
        if (o.Open) {
          const params = o.Open.params as { Capabilities?: unknown[] }[];
          const ncaps = params.reduce((n, p) => n + (p.Capabilities?.length ?? 0), 0);
          return `OPEN ${o.Open.my_as} ${o.Open.hold_time} ${o.Open.bgp_id} ${ncaps}`;
        }
        if (o.Update) {
          const attrs = o.Update.path_attributes as { value: Record<string, unknown> }[];
          let origin = "-";
          let asns = "-";
          for (const a of attrs) {
            if (typeof a.value.Origin === "string") origin = a.value.Origin.toUpperCase();
            const p = a.value.AsPath as Record<string, { as_numbers: number[] }[]> | undefined;
            if (p)
              asns = Object.values(p)[0]!
                .flatMap((s) => s.as_numbers)
                .join(" ");
          }
          return `UPDATE ${origin} ${asns} ${attrs.length}${details(netgauzeDetails(o.Update))}`;
        }
        return `OTHER ${Object.keys(o)[0]}`;
      });
      const ours = decodeCapture(`netgauze/assets/pcaps/${base}.pcap`).map(({ message: m }) => {
        if (m.type === "KEEPALIVE") return "KEEPALIVE";
        if (m.type === "OPEN") {
          return `OPEN ${m.myAutonomousSystem} ${m.holdTime} ${m.bgpIdentifier} ${openCapabilities(m).length}`;
        }
        if (m.type === "UPDATE") {
          const a = m.pathAttributes;
          const count = Object.entries(a).reduce(
            (n, [k, v]) => n + (k === "unknown" ? (v as unknown[]).length : 1),
            0,
          );
          const asns = a.asPath === undefined ? "-" : a.asPath.flatMap((s) => s.asns).join(" ");
          return `UPDATE ${a.origin ?? "-"} ${asns} ${count}${details(ourDetails(m))}`;
        }
        return `OTHER ${m.type}`;
      });
      // NetGauze's snapshot may cover a subset of the flows: each of its messages must be ours.
      const pool = new Map<string, number>();
      for (const o of ours) pool.set(o, (pool.get(o) ?? 0) + 1);
      const unmatched = theirs.filter((t) => {
        const n = pool.get(t) ?? 0;
        if (n === 0) return true;
        pool.set(t, n - 1);
        return false;
      });
      expect(unmatched).toEqual([]);
      expect(theirs.length).toBeGreaterThan(0);
    },
  );
});
