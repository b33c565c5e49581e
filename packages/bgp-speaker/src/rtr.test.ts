// The RTR client (RFC 8210) over real TCP on loopback, against a cache in this process (see
// rtr-fake-cache.ts; the interop tests use StayRTR), and a router that takes its VRPs from it.
import { readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { encodeRtrPdu } from "@dyninfra/bgp-wire";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { parseRouterSpec } from "./config";
import { controlServer } from "./control";
import { memoryPipe } from "./pipe";
import { type ImportPolicyName, Router, type RtrSpec } from "./router";
import { RtrClient } from "./rtr-client";
import { FakeCache, fakeCacheServer } from "./rtr-fake-cache";
import { RtrSession, type RtrUpdate } from "./rtr-session";
import { acceptingNeighbor } from "./test-support";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** Waits (real time, up to 5 s) until `f` holds. */
async function until(f: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const V1 = { prefix: "192.0.2.0/24", maxLength: 24, asn: 65001 };
const V2 = { prefix: "2001:db8::/32", maxLength: 48, asn: 65001 };
const V3 = { prefix: "198.51.100.0/22", maxLength: 24, asn: 64496 };
const keys = (c: RtrClient) =>
  c
    .vrps()
    .map((v) => `${v.prefix} ${v.maxLength} ${v.asn}`)
    .sort();

/**
 * A cache played by a script: a TCP server on loopback handing each connection to `script`
 * (closed, with its connections, after the test); returns its port.
 */
async function scriptedCache(script: (s: Socket) => void): Promise<number> {
  const open = new Set<Socket>();
  const server = createServer((s) => {
    open.add(s);
    s.on("error", () => {});
    script(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  closers.push(
    () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(r);
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A started RTR client of a cache on loopback port `port`, with its updates and disconnections. */
function watchedClient(port: number, retry: number, version?: 0 | 1) {
  const clock = new ManualClock();
  const client = new RtrClient({
    host: "127.0.0.1",
    port,
    clock,
    retry,
    ...(version !== undefined ? { version } : {}),
  });
  const updates: RtrUpdate[] = [];
  const gone: string[] = [];
  client.on("update", (u) => updates.push(u));
  client.on("disconnected", (why) => gone.push(why));
  closers.push(() => client.stop());
  client.start();
  return { clock, client, updates, gone };
}

async function setup(cache: FakeCache, options: { split?: number; version?: 0 | 1 } = {}) {
  const srv = await fakeCacheServer(cache, { split: options.split ?? 3 });
  closers.push(() => srv.close());
  return { srv, ...watchedClient(srv.port, 5, options.version) };
}

describe("RtrClient over TCP", () => {
  it("loads the cache's VRPs, follows its Serial Notify incrementally and polls at its refresh interval", async () => {
    const cache = new FakeCache(1234);
    cache.intervals = { refresh: 30, retry: 10, expire: 900 };
    cache.change([V1, V2], []);
    const { srv, clock, client, updates } = await setup(cache);
    await until(() => updates.length === 1, "the first update");
    expect(updates[0]).toMatchObject({ reset: true, sessionId: 1234, serial: 1, withdrawn: [] });
    expect(keys(client)).toEqual(["192.0.2.0/24 24 65001", "2001:db8::/32 48 65001"]);
    expect(client.status()).toMatchObject({
      state: "idle",
      version: 1,
      serial: 1,
      vrps: 2,
      refresh: 30,
      retry: 10,
      expire: 900,
    });

    cache.change([V3], [V1]);
    srv.notify();
    await until(() => updates.length === 2, "the notified update");
    expect(updates[1]).toMatchObject({ reset: false, serial: 2, announced: [V3], withdrawn: [V1] });
    expect(keys(client)).toEqual(["198.51.100.0/22 24 64496", "2001:db8::/32 48 65001"]);

    // Without a notify: the refresh timer (30 s of the client's clock) polls.
    cache.change([V1], []);
    clock.advance(29_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(updates).toHaveLength(2);
    clock.advance(1_000);
    await until(() => updates.length === 3, "the polled update");
    expect(updates[2]).toMatchObject({ reset: false, serial: 3, announced: [V1], withdrawn: [] });
  });

  it("starts again with a Reset Query after the cache restarted with a new Session ID", async () => {
    const cache = new FakeCache(1);
    cache.change([V1, V2], []);
    const { srv, client, updates } = await setup(cache);
    await until(() => updates.length === 1, "the first update");
    cache.restart(2);
    cache.change([V3], [V2]);
    srv.notify();
    await until(() => updates.length === 2, "the reset");
    expect(updates[1]).toMatchObject({
      reset: true,
      sessionId: 2,
      announced: [V3],
      withdrawn: [V2],
    });
    expect(keys(client)).toEqual(["192.0.2.0/24 24 65001", "198.51.100.0/22 24 64496"]);
  });

  it("falls back to version 0 with a cache of RFC 6810 only", async () => {
    const cache = new FakeCache(77, 0);
    cache.change([V1], []);
    const { client, updates, gone } = await setup(cache);
    await until(() => updates.length === 1, "the update over version 0");
    expect(gone[0]).toMatch(/does not support version 1/);
    expect(client.status()).toMatchObject({ version: 0, vrps: 1, refresh: 3600 });
  });

  it("answers garbage with an Error Report, keeps its data, and reconnects after the retry interval", async () => {
    const cache = new FakeCache(5);
    cache.intervals = { refresh: 3600, retry: 7, expire: 600 };
    cache.change([V1], []);
    const { srv, clock, client, updates, gone } = await setup(cache);
    await until(() => updates.length === 1, "the first update");
    // A PDU of an unknown type (200) from the cache.
    const received: Buffer[] = [];
    const [s] = [...srv.sockets];
    s!.on("data", (b) => received.push(b));
    s!.write(Buffer.from([1, 200, 0, 0, 0, 0, 0, 8]));
    await until(() => gone.length === 1, "the disconnection");
    await until(() => received.length > 0, "the Error Report");
    const report = Buffer.concat(received);
    expect([report[0], report[1], report.readUInt16BE(2)]).toEqual([1, 10, 5]); // Unsupported PDU Type
    expect(report.subarray(12, 20)).toEqual(Buffer.from([1, 200, 0, 0, 0, 0, 0, 8]));
    expect(keys(client)).toEqual(["192.0.2.0/24 24 65001"]);
    expect(srv.sockets.size === 0 || client.status().state === "disconnected").toBe(true);
    // Reconnects after the cache's retry interval, with a Serial Query (nothing changed).
    clock.advance(7_000);
    await until(() => client.status().state === "idle", "the reconnection");
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({ reset: false, announced: [], withdrawn: [] });
  });

  it("applies an update completed in the same read as a bad PDU, then answers the bad one", async () => {
    // A cache that answers the Reset Query with the whole update and a PDU of an unknown type
    // after it, in one write: the client reads them in one chunk.
    const cache = new FakeCache(9);
    cache.change([V1, V3], []);
    const received: Buffer[] = [];
    const port = await scriptedCache((s) =>
      s.once("data", () => {
        const answer = cache.answer({ type: "reset-query", version: 1 }).map(encodeRtrPdu);
        s.write(Buffer.concat([...answer, Buffer.from([1, 200, 0, 0, 0, 0, 0, 8])]));
        s.on("data", (b) => received.push(b));
      }),
    );
    const { client, updates, gone } = watchedClient(port, 4);
    await until(() => gone.length === 1, "the disconnection");
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ reset: true, sessionId: 9, serial: 1 });
    expect(keys(client)).toEqual(["192.0.2.0/24 24 65001", "198.51.100.0/22 24 64496"]);
    await until(() => received.length > 0, "the Error Report");
    const report = Buffer.concat(received);
    expect([report[0], report[1], report.readUInt16BE(2)]).toEqual([1, 10, 5]); // Unsupported PDU Type
  });

  it("drops its data when the cache is gone for the expire interval", async () => {
    const cache = new FakeCache(5);
    cache.intervals = { refresh: 3600, retry: 60, expire: 600 };
    cache.change([V1, V3], []);
    const { srv, clock, client, updates } = await setup(cache);
    await until(() => updates.length === 1, "the first update");
    await srv.close();
    await until(() => client.status().state === "disconnected", "the disconnection");
    clock.advance(599_000);
    expect(client.vrps()).toHaveLength(2);
    clock.advance(1_000);
    expect(client.vrps()).toHaveLength(0);
    expect(updates[1]).toMatchObject({ reset: true, announced: [] });
    expect(updates[1]!.withdrawn).toHaveLength(2);
  });

  it("gives up on a query the cache does not answer within the retry interval", async () => {
    // A cache that accepts the connection and says nothing.
    const port = await scriptedCache(() => {});
    const clock = new ManualClock();
    const client = new RtrClient({ host: "127.0.0.1", port, clock, retry: 4 });
    const seen: string[] = [];
    client.on("connected", () => seen.push("connected"));
    client.on("disconnected", (w) => seen.push(w));
    closers.push(() => client.stop());
    client.start();
    await until(() => seen.length === 1, "the connection");
    clock.advance(3_999);
    expect(seen).toEqual(["connected"]);
    clock.advance(1);
    expect(seen[1]).toMatch(/no answer to the reset-query within 4 s/);
    clock.advance(4_000);
    await until(() => seen.length === 3, "the next connection");
    expect(seen[2]).toBe("connected");
  });

  it("retries a refused connection", async () => {
    // A port nobody listens on: taken and released.
    const srv = await fakeCacheServer(new FakeCache());
    const port = srv.port;
    await srv.close();
    const clock = new ManualClock();
    const client = new RtrClient({ host: "127.0.0.1", port, clock, retry: 3 });
    const gone: string[] = [];
    client.on("disconnected", (w) => gone.push(w));
    closers.push(() => client.stop());
    client.start();
    await until(() => gone.length === 1, "the refusal");
    expect(gone[0]).toMatch(/cannot connect/);
    clock.advance(3_000);
    await until(() => gone.length === 2, "the retry");
    // Stopped: no more attempts.
    client.stop();
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(gone).toHaveLength(2);
  });
});

/** The test certificates (test/fixtures/tls/make.sh): a CA, a cache's certificate it signed, another CA. */
const TLS_DIR = join(import.meta.dirname, "../test/fixtures/tls");
const pem = (f: string) => readFileSync(join(TLS_DIR, f), "utf8");

/** A TLS endpoint (the cache's certificate, for 127.0.0.1 and rtr.test) in front of a fake cache. */
async function tlsCache(cache: FakeCache) {
  const srv = await fakeCacheServer(cache);
  closers.push(() => srv.close());
  const sockets = new Set<Socket>();
  const front = createTlsServer({ cert: pem("cache.pem"), key: pem("cache.key") }, (t) => {
    const back = connect(srv.port, "127.0.0.1");
    sockets.add(back);
    t.pipe(back).pipe(t);
    t.on("error", () => back.destroy());
    back.on("error", () => t.destroy());
  });
  front.on("tlsClientError", () => {});
  front.listen(0, "127.0.0.1");
  await new Promise((r) => front.once("listening", r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const b of sockets) b.destroy();
        front.close(() => r());
      }),
  );
  return (front.address() as AddressInfo).port;
}

describe("RtrClient over TLS (RFC 6810 §7.2)", () => {
  it("verifies the cache's certificate: loads the VRPs through TLS; refuses a cache another CA signed or one not named as asked", async () => {
    const cache = new FakeCache(99);
    cache.change([V1, V2], []);
    const port = await tlsCache(cache);
    const client = (tls: ConstructorParameters<typeof RtrClient>[0]["tls"]) => {
      const c = new RtrClient({ host: "127.0.0.1", port, clock: new ManualClock(), retry: 5, tls });
      const gone: string[] = [];
      c.on("disconnected", (why) => gone.push(why));
      closers.push(() => c.stop());
      c.start();
      return { c, gone };
    };
    const good = client({ ca: pem("ca.pem") });
    const named = client({ ca: pem("ca.pem"), serverName: "rtr.test" });
    await until(() => good.c.hasData && named.c.hasData, "the VRPs over TLS");
    expect(keys(good.c)).toEqual([V1, V2].map((v) => `${v.prefix} ${v.maxLength} ${v.asn}`).sort());
    expect(good.c.status()).toMatchObject({ tls: true, sessionId: 99, vrps: 2 });
    const stranger = client({ ca: pem("other-ca.pem") });
    const misnamed = client({ ca: pem("ca.pem"), serverName: "other.test" });
    await until(() => stranger.gone.length > 0 && misnamed.gone.length > 0, "the refusals");
    expect(stranger.gone[0]).toMatch(/cannot connect to 127\.0\.0\.1 port \d+: .*certificate/);
    expect(misnamed.gone[0]).toMatch(/other\.test/);
    expect([stranger.c.hasData, misnamed.c.hasData]).toEqual([false, false]);
  });

  it("is configured per cache with files, checked field by field; an unreadable file names its field", () => {
    const base = { asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] };
    const rtr = (tls: unknown) => () =>
      parseRouterSpec({ ...base, rpki: { rtr: [{ host: "127.0.0.1", port: 324, tls }] } });
    const ca = join(TLS_DIR, "ca.pem");
    expect(rtr({ ca, serverName: "rtr.test" })().rpki).toEqual({
      rtr: [{ host: "127.0.0.1", port: 324, tls: { ca, serverName: "rtr.test" } }],
    });
    expect(rtr({ cert: ca })).toThrow(/rpki\.rtr\[0\]\.tls "cert" and "key" go together/);
    expect(rtr({ ca, pin: 1 })).toThrow(/rpki\.rtr\[0\]\.tls\.pin is not a known setting/);
    expect(rtr({ ca: 5 })).toThrow(/rpki\.rtr\[0\]\.tls\.ca/);
    const router = (file: string) => () =>
      new Router({
        ...base,
        rpki: { rtr: [{ host: "127.0.0.1", port: 324, tls: { ca: file } }] },
      });
    expect(router(join(TLS_DIR, "missing.pem"))).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "rpki.rtr[0].tls.ca" } }),
    );
    const r = router(ca)();
    expect(r.rtrClients[0]!.options.tls).toEqual({ ca: pem("ca.pem") });
    expect(r.rtrClients[0]!.status().tls).toBe(true);
  });
});

/**
 * Router A (AS 64500) whose neighbour "cust" (C, AS 65001, originating `originate`) has import
 * policy reject-invalid, its VRPs from the RTR caches `rtr`; the two connected over a memory pipe.
 */
function validatingPair(rtr: RtrSpec | RtrSpec[], originate: string[]) {
  const clock = new ManualClock();
  const n = (name: string, address: string, asn: number, imp: ImportPolicyName = "accept") =>
    acceptingNeighbor(name, address, asn, { importPolicy: imp });
  const a = new Router(
    {
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      localAddress: "192.0.2.1",
      rpki: { rtr },
      neighbors: [n("cust", "192.0.2.2", 65001, "reject-invalid")],
    },
    { clock },
  );
  const c = new Router(
    {
      asn: 65001,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [n("isp", "192.0.2.1", 64500, "accept")],
      originate: originate.map((prefix) => ({ prefix })),
    },
    { clock },
  );
  a.start();
  c.start();
  closers.push(() => {
    a.stop();
    c.stop();
  });
  const [x, y] = memoryPipe();
  a.accept("cust", x);
  c.accept("isp", y);
  return { a, c, clock };
}

describe("a router with an RTR cache (rpki.rtr)", () => {
  it("validates a reject-invalid neighbour's routes against the cache and follows its changes", async () => {
    const cache = new FakeCache(11);
    cache.change([{ prefix: "203.0.113.0/24", maxLength: 24, asn: 64496 }], []); // P1 invalid
    const srv = await fakeCacheServer(cache);
    closers.push(() => srv.close());
    const { a } = validatingPair({ host: "127.0.0.1", port: srv.port }, [
      "203.0.113.0/24",
      "198.51.100.0/24",
    ]);
    const best = () =>
      ["203.0.113.0/24", "198.51.100.0/24"].filter((p) => a.rib.bestRoute(p) !== undefined);
    await until(() => a.rtr!.status().updates === 1 && best().length === 1, "validation");
    expect(best()).toEqual(["198.51.100.0/24"]);
    // The cache now says AS 65001 may originate P1 and nobody may originate P2 (AS 0).
    cache.change(
      [
        { prefix: "203.0.113.0/24", maxLength: 24, asn: 65001 },
        { prefix: "198.51.100.0/24", maxLength: 24, asn: 0 },
      ],
      [{ prefix: "203.0.113.0/24", maxLength: 24, asn: 64496 }],
    );
    srv.notify();
    await until(() => best().length === 1 && best()[0] === "203.0.113.0/24", "revalidation");
    expect(a.roas.size).toBe(2);
    expect(a.session("cust").state).toBe("Established");

    // The control interface: the client's state; a poll on reload; no file over the cache's data.
    const server = controlServer(a).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    closers.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = async (method: string, path: string, body?: string) => {
      const res = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { body }) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    expect(await call("GET", "/rpki")).toMatchObject({
      status: 200,
      json: {
        vrps: 2,
        file: null,
        rtr: { port: srv.port, state: "idle", serial: 2, sessionId: 11, updates: 2, version: 1 },
      },
    });
    cache.change([], [{ prefix: "198.51.100.0/24", maxLength: 24, asn: 0 }]);
    expect(await call("POST", "/rpki/reload")).toMatchObject({
      status: 200,
      json: { rtr: { port: srv.port } },
    });
    await until(() => best().length === 2, "the polled update");
    expect((await call("GET", "/rpki")).json).toMatchObject({
      vrps: 1,
      rtr: { serial: 3, updates: 3 },
    });
    const refused = await call("POST", "/rpki/reload", JSON.stringify({ file: "/tmp/x.json" }));
    expect(refused.status).toBe(400);
    expect(String(refused.json.error)).toMatch(/RTR cache/);
  });

  it("uses the most preferred cache that has data, and fails over when it expires", async () => {
    const P = "203.0.113.0/24"; // originated by AS 65001
    // The preferred cache B says AS 65001 may originate P; the other, A, says AS 64496 may.
    const a = new FakeCache(21);
    a.change([{ prefix: P, maxLength: 24, asn: 64496 }], []);
    a.intervals = { refresh: 3600, retry: 5, expire: 7200 };
    const b = new FakeCache(22);
    b.change([{ prefix: P, maxLength: 24, asn: 65001 }], []);
    b.intervals = { refresh: 300, retry: 5, expire: 600 };
    const srvA = await fakeCacheServer(a);
    closers.push(() => srvA.close());
    // B is down at first: a port taken and given back.
    const probe = await fakeCacheServer(new FakeCache());
    const portB = probe.port;
    await probe.close();
    const { a: r, clock } = validatingPair(
      [
        { host: "127.0.0.1", port: srvA.port, preference: 2, retry: 1 },
        { host: "127.0.0.1", port: portB, preference: 1, retry: 1 },
      ],
      [P],
    );
    expect(r.rtrClients.map((k) => k.options.port)).toEqual([portB, srvA.port]);
    // Only A has data: its VRPs are in use, P is invalid.
    await until(() => r.rtr === r.rtrClients[1] && r.roas.size === 1, "A's data");
    expect(r.rib.bestRoute(P)).toBeUndefined();
    // B comes up; its client retries after 1 s and takes over: P valid.
    const srvB = await fakeCacheServer(b, { port: portB });
    closers.push(() => srvB.close());
    clock.advance(1_000);
    await until(() => r.rtr === r.rtrClients[0] && r.rib.bestRoute(P) !== undefined, "B in use");
    expect([...r.roas.vrps()]).toEqual([{ prefix: P, maxLength: 24, asn: 65001 }]);
    // A's changes are not applied while B is in use.
    a.change([{ prefix: "198.51.100.0/24", maxLength: 24, asn: 1 }], []);
    srvA.notify();
    await until(() => r.rtrClients[1]!.status().serial === 2, "A's update");
    expect(r.roas.size).toBe(1);
    // B goes away; at its expire interval A's data (with the change) takes over again.
    await srvB.close();
    await until(() => r.rtrClients[0]!.status().state === "disconnected", "B's loss");
    expect(r.rtr).toBe(r.rtrClients[0]);
    clock.advance(600_000);
    await until(() => r.rtr === r.rtrClients[1] && r.roas.size === 2, "failover to A");
    expect(r.rib.bestRoute(P)).toBeUndefined();
  });

  it("reads rpki.rtr from the configuration and says what is wrong with it", () => {
    const base = { asn: 64500, bgpIdentifier: "10.0.0.1", neighbors: [] };
    expect(
      parseRouterSpec({ ...base, rpki: { rtr: { host: "127.0.0.1", port: 8282, version: 0 } } })
        .rpki,
    ).toEqual({
      rtr: { host: "127.0.0.1", port: 8282, version: 0 },
    });
    expect(() =>
      parseRouterSpec({ ...base, rpki: { vrps: "x.json", rtr: { host: "127.0.0.1", port: 1 } } }),
    ).toThrow(/rpki.*one source/);
    expect(() => parseRouterSpec({ ...base, rpki: {} })).toThrow(/rpki.*one source/);
    expect(
      parseRouterSpec({
        ...base,
        rpki: {
          rtr: [
            { host: "127.0.0.1", port: 1 },
            { host: "::1", port: 2, preference: 0 },
          ],
        },
      }).rpki,
    ).toEqual({
      rtr: [
        { host: "127.0.0.1", port: 1 },
        { host: "::1", port: 2, preference: 0 },
      ],
    });
    expect(() => parseRouterSpec({ ...base, rpki: { rtr: [] } })).toThrow(/rpki\.rtr.*no cache/);
    expect(() =>
      parseRouterSpec({
        ...base,
        rpki: { rtr: [{ host: "127.0.0.1", port: 1, preference: 256 }] },
      }),
    ).toThrow(/rpki\.rtr\[0\]\.preference/);
    expect(() =>
      parseRouterSpec({ ...base, rpki: { rtr: { host: "127.0.0.1", port: 0 } } }),
    ).toThrow(/rpki\.rtr\.port/);
    expect(() => parseRouterSpec({ ...base, rpki: { rtr: { host: "cache", port: 1 } } })).toThrow(
      /rpki\.rtr\.host/,
    );
    expect(() =>
      parseRouterSpec({ ...base, rpki: { rtr: { host: "127.0.0.1", port: 1, version: 2 } } }),
    ).toThrow(/rpki\.rtr\.version/);
    expect(() =>
      parseRouterSpec({ ...base, rpki: { rtr: { host: "127.0.0.1", port: 1, ssh: true } } }),
    ).toThrow(/rpki\.rtr\.ssh/);
  });
});

describe("RtrSession on PDUs that do not decode", () => {
  it("answers with an Error Report quoting the bytes, except for a broken Error Report", () => {
    const s = new RtrSession(1);
    s.connected();
    const bad = new Uint8Array([1, 200, 0, 0, 0, 0, 0, 8]);
    const step = s.decodeError(5, bad, "unknown PDU type 200");
    expect(step.send).toEqual([
      { type: "error-report", version: 1, errorCode: 5, pdu: bad, text: "unknown PDU type 200" },
    ]);
    expect(step.close).toMatchObject({ reconnectNow: false });
    s.connected();
    const badReport = new Uint8Array([1, 10, 0, 0, 0, 0, 0, 9, 0]);
    const quiet = s.decodeError(0, badReport, "truncated Error Report");
    expect(quiet.send).toEqual([]);
    expect(quiet.close?.reason).toBe("truncated Error Report");
    expect(s.state).toBe("disconnected");
  });
});
