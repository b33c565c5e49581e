// The router's output paced by the connection: towards a neighbour that takes nothing (its TCP
// window closed), the router neither encodes nor exports more than what is in flight.
import { describe, expect, it } from "vitest";
import { Router } from "./router";
import { acceptingNeighbor, flush, stallablePipe } from "./test-support";

const N = 3000;
const routes = Array.from({ length: N }, (_, i) => ({
  prefix: `10.${i >> 8}.${i & 255}.0/24`,
  // Attributes of its own: one UPDATE per route, ~60 bytes each (~180 KB in all).
  communities: [`64501:${i}`],
}));

function pair(options: { sendBacklogLimit?: number; initialExportSlice?: number }) {
  const r1 = new Router(
    {
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [acceptingNeighbor("r2", "192.0.2.1", 64500)],
      originate: routes,
    },
    options,
  );
  const r2 = new Router({
    asn: 64500,
    bgpIdentifier: "192.0.2.1",
    localAddress: "192.0.2.1",
    neighbors: [acceptingNeighbor("r1", "192.0.2.2", 64501)],
  });
  r1.start();
  r2.start();
  // The OPEN and KEEPALIVE pass (and a few UPDATEs), then r2 takes nothing more from r1.
  const pipe = stallablePipe({ allow: 2000 });
  r1.accept("r2", pipe.a);
  r2.accept("r1", pipe.b);
  return { r1, r2, pipe };
}

describe("output paced by the connection (RouterOptions.sendBacklogLimit)", () => {
  it("stops encoding and exporting for a neighbour that takes nothing, and sends the rest once it does", async () => {
    const { r1, r2, pipe } = pair({ sendBacklogLimit: 0, initialExportSlice: 100 });
    await flush(300);
    expect(r1.session("r2").state).toBe("Established");
    const waiting = r1.session("r2").sendBacklog;
    // What waits in the connection: about one stream buffer (16 KiB) and one output turn, not
    // the table (~180 KB).
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThan(40_000);
    expect(r1.sessions()).toMatchObject([{ name: "r2", sendBacklog: waiting }]);
    // The RIB's export stopped too: r1 has sent r2 a part of the table only.
    expect(r1.rib.adjRibOutCount("192.0.2.1").ipv4).toBeLessThan(N / 2);
    pipe.release();
    await flush(400);
    expect(r2.rib.stats().locRibRoutes).toBe(N);
    expect(r1.rib.adjRibOutCount("192.0.2.1").ipv4).toBe(N);
    expect(r1.session("r2").sendBacklog).toBe(0);
  });

  it("without a stall, the whole table goes out, in slices, with End-of-RIB", async () => {
    const { r1, r2, pipe } = pair({ sendBacklogLimit: 0, initialExportSlice: 100 });
    pipe.release();
    await flush(400);
    expect(r2.rib.stats().locRibRoutes).toBe(N);
    expect(r1.sessions()).toMatchObject([{ gracefulRestart: { endOfRibSent: ["1/1", "2/1"] } }]);
  });
});
