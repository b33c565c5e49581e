// Two routers on one link with link-local addresses only (BGP "unnumbered"): the session is
// between link-local addresses, and Extended Next Hop Encoding (RFC 8950) carries the IPv4 routes
// over it with IPv6 next hops — the connection's source address (RFC 2545 §3).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMrt } from "@dyninfra/bgp-wire";
import { describe, expect, it } from "vitest";
import { MrtUpdateLog, writeRibDump } from "./mrt-dump";
import { tmp } from "./mrt-dump.test-support";
import type { Router } from "./router";
import { flush, unnumbered } from "./test-support";

/** Whether r2's session, once established, negotiated Extended Next Hop Encoding. */
async function negotiatedEnh(r2: Router): Promise<boolean> {
  await flush(30);
  const s = r2.sessions()[0] as { state: string; negotiated: { extendedNextHop: boolean } };
  expect(s.state).toBe("Established");
  return s.negotiated.extendedNextHop;
}

describe("a session between link-local addresses", () => {
  it("carries IPv4 and IPv6 routes with the link-local next hop when both announce RFC 8950", async () => {
    const { r1, r2 } = unnumbered(true, true);
    expect(await negotiatedEnh(r2)).toBe(true);
    const v4 = r2.rib.bestRoute("198.51.100.0/24");
    expect(v4?.peer).toBe("fe80::1%eth1");
    expect(v4?.attributes.nextHop).toBeUndefined();
    expect(v4?.attributes.mpReachNlri).toMatchObject({ afi: 1, safi: 1, nextHop: ["fe80::1"] });
    expect(r2.rib.bestRoute("2001:db8:100::/48")?.attributes.mpReachNlri).toMatchObject({
      afi: 2,
      nextHop: ["fe80::1"],
    });
    r1.stop();
    r2.stop();
  });

  it("without the capability on one side, sends IPv4 routes with no IPv6 next hop", async () => {
    const { r1, r2 } = unnumbered(true, false);
    expect(await negotiatedEnh(r2)).toBe(false);
    // r1 has no IPv4 address for that session: the IPv4 route keeps its own next hop (the one it
    // was originated with, r1's BGP Identifier), in NEXT_HOP.
    const v4 = r2.rib.bestRoute("198.51.100.0/24");
    expect(v4?.attributes.nextHop).toBe("192.0.2.1");
    expect(v4?.attributes.mpReachNlri).toBeUndefined();
    expect(r2.rib.bestRoute("2001:db8:100::/48")?.attributes.mpReachNlri?.nextHop).toEqual([
      "fe80::1",
    ]);
    r1.stop();
    r2.stop();
  });

  it("names the neighbour by its address without the zone in MRT records (16 octets)", async () => {
    const dir = tmp();
    const { r1, r2 } = unnumbered(true, true, (r2) => {
      new MrtUpdateLog(r2, join(dir, "updates.mrt"));
    });
    await flush(30);
    const records = [...decodeMrt(new Uint8Array(readFileSync(join(dir, "updates.mrt"))))];
    const messages = records.flatMap((r) => (r.kind === "BGP4MP_MESSAGE" ? [r] : []));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages)
      expect([m.peerAddress, m.localAddress]).toEqual(["fe80::1", "fe80::2"]);
    expect(writeRibDump(r2, join(dir, "rib.mrt")).entries).toBe(2);
    const table = [...decodeMrt(new Uint8Array(readFileSync(join(dir, "rib.mrt"))))][0]!;
    expect(table.kind === "PEER_INDEX_TABLE" && table.peers[0]?.peerAddress).toBe("fe80::1");
    r1.stop();
    r2.stop();
  });
});
