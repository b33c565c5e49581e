// The control interface's grafting endpoints over HTTP, between two routers in this process (the
// BGP connection a memoryPipe; restoring a kernel TCP connection is the interop tests' part), and
// restoreConnection's typed errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptAll, Rib } from "@dyninfra/bgp-rib";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { controlServer } from "./control";
import { memoryPipe } from "./pipe";
import { Router } from "./router";
import { restoreConnection, thawConnection } from "./tcp-repair";

const flush = async (rounds = 8) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A control server for `router` on a loopback port; `call` sends a request and parses JSON. */
async function control(router: Router) {
  const server = controlServer(router).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  closers.push(() => server.close());
  const port = (server.address() as AddressInfo).port;
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
}

function pair() {
  const clock = new ManualClock();
  const a = new Router(
    {
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      localAddress: "192.0.2.1",
      neighbors: [
        {
          name: "cust",
          address: "192.0.2.2",
          asn: 65001,
          passive: true,
          importPolicy: "accept",
          exportPolicy: "accept",
        },
      ],
    },
    { clock },
  );
  const c = new Router(
    {
      asn: 65001,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [
        {
          name: "isp",
          address: "192.0.2.1",
          asn: 64500,
          passive: true,
          importPolicy: "accept",
          exportPolicy: "accept",
        },
      ],
      originate: [{ prefix: "203.0.113.0/24" }, { prefix: "198.51.100.0/24" }],
    },
    { clock },
  );
  a.start();
  c.start();
  const [x, y] = memoryPipe();
  a.accept("cust", x);
  c.accept("isp", y);
  return { a, c };
}

describe("control interface: grafting endpoints", () => {
  it("exports the session's RIB snapshot (importable elsewhere) and freezes it with its journal", async () => {
    const { a } = pair();
    await flush(20);
    expect(a.rib.bestRoute("203.0.113.0/24")?.peer).toBe("192.0.2.2");
    const call = await control(a);
    const exported = await call("POST", "/sessions/cust/graft-export");
    expect(exported.status).toBe(200);
    expect(exported.json.neighbor).toMatchObject({ name: "cust", address: "192.0.2.2" });
    const snapshot = new Uint8Array(Buffer.from(exported.json.snapshot as string, "base64"));
    const b = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.3" });
    const imported = b.importSession(snapshot);
    expect(imported.peer).toBe("192.0.2.2");
    expect([...b.adjRibIn("192.0.2.2", "pre")].map((r) => r.prefix.address).sort()).toEqual([
      "198.51.100.0",
      "203.0.113.0",
    ]);
    const bad = await call("POST", "/sessions/cust/graft-freeze", {});
    expect(bad).toEqual({ status: 400, json: { error: expect.stringMatching(/sinceSeq/) } });
    const frozen = await call("POST", "/sessions/cust/graft-freeze", { sinceSeq: imported.seq });
    expect(frozen.status).toBe(200);
    expect(frozen.json.handover).toMatchObject({ neighbor: { name: "cust" }, journal: [] });
    expect(frozen.json.connection).toBeNull(); // a memoryPipe has no addresses
    const released = await call("POST", "/sessions/cust/release");
    expect(released.json.locRibChanges).toBe(2);
    expect(a.rib.bestRoute("203.0.113.0/24")).toBeUndefined();
  });

  it("rolls back an abandoned graft: graft-abort continues the frozen session, /graft/discard drops a prepared one", async () => {
    const { a, c } = pair();
    await flush(20);
    const callA = await control(a);
    const exported = await callA("POST", "/sessions/cust/graft-export");
    const b = new Router({ asn: 64500, bgpIdentifier: "10.0.0.3", neighbors: [] });
    const callB = await control(b);
    const prepared = await callB("POST", "/graft/prepare", exported.json);
    expect(prepared.status).toBe(200);
    expect(b.rib.peerAddresses()).toContain("192.0.2.2");
    await callA("POST", "/sessions/cust/graft-freeze", { sinceSeq: prepared.json.seq });
    expect(a.session("cust").isPaused).toBe(true);
    a.originate([{ prefix: "100.64.9.0/24" }]); // queued for the customer while frozen
    const discarded = await callB("POST", "/graft/discard", { name: "cust" });
    expect(discarded).toEqual({ status: 200, json: { locRibChanges: 0 } });
    expect(b.rib.peerAddresses()).not.toContain("192.0.2.2");
    const aborted = await callA("POST", "/sessions/cust/graft-abort");
    // No helper configured: nothing to thaw (a memoryPipe is no kernel socket anyway).
    expect(aborted).toEqual({
      status: 200,
      json: { journalDropped: expect.any(Number), unpaused: true, thawed: false },
    });
    await flush(20);
    expect(a.session("cust").state).toBe("Established");
    expect(c.rib.bestRoute("100.64.9.0/24")?.peer).toBe("192.0.2.1");
    expect(c.session("isp").stats.opensReceived).toBe(1);
    const again = await callB("POST", "/graft/discard", { name: "cust" });
    expect(again).toEqual({ status: 400, json: { error: expect.stringMatching(/not prepared/) } });
    const noName = await callB("POST", "/graft/discard", {});
    expect(noName).toEqual({ status: 400, json: { error: expect.stringMatching(/name/) } });
  });

  it("refuses what it cannot do, saying why", async () => {
    const { a } = pair();
    await flush(20);
    const call = await control(a);
    const resume = await call("POST", "/graft/resume", { handover: {}, tcp: {} });
    expect(resume.status).toBe(400);
    expect(resume.json.error).toMatch(/session handover: field neighbor/);
    const graftIn = await call("POST", "/graft/in", { graft: { neighbor: {} }, tcp: {} });
    expect(graftIn.status).toBe(400);
    expect(graftIn.json.error).toMatch(/session graft: field session/);
    const noTcp = await call("POST", "/graft/in", {
      graft: {
        neighbor: {},
        session: { unprocessedInbound: { $base64: "" } },
        rib: { $base64: "" },
      },
    });
    expect(noTcp.json.error).toMatch(/--tcp-repair/);
    const prepare = await call("POST", "/graft/prepare", { neighbor: {} });
    expect(prepare).toEqual({ status: 400, json: { error: expect.stringMatching(/snapshot/) } });
    expect(a.session("cust").state).toBe("Established");
  });
});

describe("thawConnection", () => {
  it("is a TCP_THAW error for a socket that is not connected, and with the helper's message when it fails", async () => {
    await expect(thawConnection("/x/tcp-repair.py", new Socket())).rejects.toMatchObject({
      code: "TCP_THAW",
      message: expect.stringMatching(/not connected/),
    });
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    closers.push(() => server.close());
    const s = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await new Promise((r) => s.once("connect", r));
    closers.push(() => s.destroy());
    await expect(thawConnection("/nonexistent/tcp-repair.py", s)).rejects.toMatchObject({
      code: "TCP_THAW",
      message: expect.stringMatching(/exit 2.*nonexistent/s),
    });
  });
});

describe("restoreConnection", () => {
  it("is a TCP_RESTORE error with the helper's message when it cannot restore", async () => {
    await expect(restoreConnection("/nonexistent/tcp-repair.py", {})).rejects.toMatchObject({
      code: "TCP_RESTORE",
      message: expect.stringMatching(/exit 2.*nonexistent/s),
    });
  });
});

describe("policies over the control interface", () => {
  it("GET /policies shows them, PUT /policies replaces them (checked field by field, 400 naming it)", async () => {
    const router = new Router({
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      neighbors: [
        { name: "x", address: "192.0.2.9", asn: 64509, passive: true, importPolicy: "in" },
      ],
      policies: { in: [{ action: "accept" }] },
    });
    const call = await control(router);
    expect(await call("GET", "/policies")).toEqual({
      status: 200,
      json: { in: [{ action: "accept" }] },
    });
    const bad = await call("PUT", "/policies", { in: [{ action: "maybe" }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(/policies\.in\[0\]\.action/);
    const gone = await call("PUT", "/policies", { other: [{ action: "accept" }] });
    expect(gone.status).toBe(400);
    expect(JSON.stringify(gone.json)).toMatch(/importPolicy \\"in\\" would name no policy/);
    const next = { in: [{ set: { localPref: 90 }, action: "accept" }] };
    expect(await call("PUT", "/policies", next)).toEqual({
      status: 200,
      json: { neighbors: ["x"], locRibChanges: 0 },
    });
    expect((await call("GET", "/policies")).json).toEqual(next);
  });
});

describe("control interface: graceful shutdown (RFC 8326)", () => {
  it("POST /sessions/<name>/graceful-shutdown drains a session (no body), {on: false} ends it; errors name the field", async () => {
    const { a, c } = pair();
    await flush(20);
    const call = await control(a);
    const best = () => [...a.rib.locRib()].map((r) => r.attributes.localPref);
    expect(best()).toEqual([undefined, undefined]);
    expect(await call("POST", "/sessions/cust/graceful-shutdown")).toEqual({
      status: 200,
      json: { locRibChanges: 2 },
    });
    await flush(20);
    expect(best()).toEqual([0, 0]); // the customer's routes, LOCAL_PREF 0 here
    expect((await call("GET", "/sessions")).json).toMatchObject([{ gracefulShutdown: true }]);
    const bad = await call("POST", "/sessions/cust/graceful-shutdown", { on: "yes" });
    expect([bad.status, bad.json.error]).toEqual([400, expect.stringMatching(/at field on/)]);
    const nobody = await call("POST", "/sessions/nobody/graceful-shutdown");
    expect([nobody.status, nobody.json.error]).toEqual([400, expect.stringMatching(/nobody/)]);
    expect(await call("POST", "/sessions/cust/graceful-shutdown", { on: false })).toEqual({
      status: 200,
      json: { locRibChanges: 2 },
    });
    await flush(20);
    expect(best()).toEqual([undefined, undefined]);
    void c;
  });
});

describe("control interface: ASPA", () => {
  it("POST /aspa/reload reads the file given (or configured) and says how many ASPAs", async () => {
    const { a } = pair();
    const call = await control(a);
    const file = join(mkdtempSync(join(tmpdir(), "aspa-")), "aspa.json");
    writeFileSync(file, JSON.stringify({ aspas: [{ customer_asid: 65001, providers: [64500] }] }));
    expect(await call("POST", "/aspa/reload", { file })).toEqual({
      status: 200,
      json: { aspas: 1, locRibChanges: 0 },
    });
    expect(a.aspas.hop(65001, 64500)).toBe("provider+");
    const none = await call("POST", "/aspa/reload");
    expect([none.status, none.json.error]).toEqual([400, expect.stringMatching(/no ASPA file/)]);
    writeFileSync(file, "{");
    expect((await call("POST", "/aspa/reload", { file })).status).toBe(400);
  });
});

describe("control interface: multipath", () => {
  it("GET /routes/<prefix> lists the routes forwarded over when there are several", async () => {
    const upstream = (name: string, address: string) => ({
      name,
      address,
      asn: 65001,
      passive: true,
      importPolicy: "accept",
      exportPolicy: "accept",
    });
    const r = new Router(
      {
        asn: 64500,
        bgpIdentifier: "10.0.0.1",
        localAddress: "192.0.2.1",
        decision: { maximumPaths: 2 },
        neighbors: [upstream("a", "192.0.2.2"), upstream("b", "192.0.2.3")],
      },
      { clock: new ManualClock() },
    );
    const call = await control(r);
    // The RIB fed directly, its neighbours added as sessions would (the endpoint reads the RIB).
    const nlri = [{ afi: 1 as const, address: "203.0.113.0", length: 24 }];
    for (const address of ["192.0.2.2", "192.0.2.3"]) {
      r.rib.addPeer({ address, asn: 65001, bgpIdentifier: address, importPolicy: acceptAll });
      r.rib.peerUp(address);
      r.rib.update(address, {
        announced: [
          {
            attributes: {
              origin: "IGP",
              asPath: [{ type: "AS_SEQUENCE", asns: [65001] }],
              nextHop: address,
            },
            nlri,
          },
        ],
      });
    }
    const got = await call("GET", "/routes/203.0.113.0/24");
    expect(got.status).toBe(200);
    expect((got.json.multipath as { peer: string }[]).map((x) => x.peer)).toEqual([
      "192.0.2.2",
      "192.0.2.3",
    ]);
    r.rib.update("192.0.2.3", { withdrawn: nlri });
    expect((await call("GET", "/routes/203.0.113.0/24")).json.multipath).toBeUndefined();
  });
});
