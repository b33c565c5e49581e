// Route Origin Validation in the router: neighbours with importPolicy "reject-invalid", VRPs
// changed at run time (setVrps / loadVrps / the control interface), routes revalidated and the
// change passed on to the other neighbours. Three routers in this process: C (AS 65001, originates)
// → A (AS 64500, validates) → E (AS 65002, downstream).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { parseRouterSpec } from "./config";
import { controlServer } from "./control";
import { memoryPipe } from "./pipe";
import { type ImportPolicyName, Router } from "./router";
import { acceptingNeighbor } from "./test-support";

const flush = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

const P1 = "203.0.113.0/24";
const P2 = "198.51.100.0/24";
const P3 = "192.0.2.128/25";

function chain(importPolicy: ImportPolicyName, rpki?: { vrps: string }) {
  const clock = new ManualClock();
  const n = (name: string, address: string, asn: number, imp: ImportPolicyName = "accept") =>
    acceptingNeighbor(name, address, asn, { importPolicy: imp });
  const a = new Router(
    {
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      localAddress: "192.0.2.1",
      ...(rpki ? { rpki } : {}),
      neighbors: [n("cust", "192.0.2.2", 65001, importPolicy), n("down", "192.0.2.3", 65002)],
    },
    { clock },
  );
  const c = new Router(
    {
      asn: 65001,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [n("isp", "192.0.2.1", 64500)],
      originate: [{ prefix: P1 }, { prefix: P2 }, { prefix: P3 }],
    },
    { clock },
  );
  const e = new Router(
    {
      asn: 65002,
      bgpIdentifier: "192.0.2.3",
      localAddress: "192.0.2.3",
      neighbors: [n("isp", "192.0.2.1", 64500)],
    },
    { clock },
  );
  for (const r of [a, c, e]) r.start();
  const [x, y] = memoryPipe();
  a.accept("cust", x);
  c.accept("isp", y);
  const [u, v] = memoryPipe();
  a.accept("down", u);
  e.accept("isp", v);
  closers.push(() => {
    for (const r of [a, c, e]) r.stop();
  });
  return { a, e };
}

/** The prefixes E has learned (from A). */
const downstream = (e: Router) =>
  [P1, P2, P3].filter((p) => e.rib.bestRoute(p) !== undefined).sort();

describe("Route Origin Validation in the router", () => {
  it("drops RPKI-invalid routes from a reject-invalid neighbour and revalidates when the VRPs change", async () => {
    const { a, e } = chain("reject-invalid");
    // P1 valid (AS 65001 may originate it), P2 invalid (another AS), P3 invalid (too long).
    expect(
      a.setVrps([
        { prefix: P1, maxLength: 24, asn: 65001 },
        { prefix: P2, maxLength: 24, asn: 64496 },
        { prefix: "192.0.2.0/24", maxLength: 24, asn: 65001 },
      ]),
    ).toEqual({ vrps: 3, added: 3, removed: 0, locRibChanges: 0 });
    await flush();
    expect(downstream(e)).toEqual([P1]);
    expect(a.rib.adjRibInCount("192.0.2.2")).toMatchObject({ ipv4: 3, accepted: { ipv4: 1 } });

    // P2 made valid, P1's VRP removed (not found: accepted), P3 still too long.
    const r = a.setVrps([
      { prefix: P2, maxLength: 24, asn: 65001 },
      { prefix: "192.0.2.0/24", maxLength: 24, asn: 65001 },
    ]);
    expect(r).toEqual({ vrps: 2, added: 1, removed: 2, locRibChanges: 1 });
    await flush();
    expect(downstream(e)).toEqual([P2, P1].sort());

    // P3 allowed by a longer maxLength; P1 now invalid: withdrawn downstream.
    a.setVrps([
      { prefix: "192.0.2.0/24", maxLength: 25, asn: 65001 },
      { prefix: P1, maxLength: 24, asn: 1 },
    ]);
    await flush();
    expect(downstream(e)).toEqual([P3, P2].sort());
    // The same set again changes nothing.
    expect(a.setVrps([...a.roas.vrps()])).toMatchObject({ added: 0, removed: 0, locRibChanges: 0 });
  });

  it("leaves neighbours with another import policy alone", async () => {
    const { a, e } = chain("accept");
    a.setVrps([{ prefix: P1, maxLength: 24, asn: 1 }]);
    await flush();
    expect(downstream(e)).toEqual([P1, P2, P3].sort());
  });

  it("refuses a bad VRP set whole, keeping the one it has", () => {
    const { a } = chain("reject-invalid");
    a.setVrps([{ prefix: P1, maxLength: 24, asn: 65001 }]);
    expect(() =>
      a.setVrps([
        { prefix: P2, maxLength: 24, asn: 65001 },
        { prefix: P1, maxLength: 23, asn: 65001 },
      ]),
    ).toThrow(/maxLength/);
    expect([...a.roas.vrps()]).toEqual([{ prefix: P1, maxLength: 24, asn: 65001 }]);
  });

  it("reads VRP files and reloads them through the control interface", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dyninfra-rpki-"));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "vrps.json");
    const write = (roas: object[]) =>
      writeFileSync(file, JSON.stringify({ metadata: { generated: 0 }, roas }));
    write([{ asn: "AS64496", prefix: P1, maxLength: 24, ta: "test" }]);
    const { a, e } = chain("reject-invalid", { vrps: file });
    expect(a.loadVrps(file)).toMatchObject({ vrps: 1, added: 1 });
    await flush();
    expect(downstream(e)).toEqual([P2, P3].sort());

    const server = controlServer(a).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    closers.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = async (method: string, path: string, body?: string) => {
      const res = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { body }) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    expect(await call("GET", "/rpki")).toEqual({ status: 200, json: { vrps: 1, file, rtr: null } });
    // Each route says its validity: P2 and P3 not found, P1 (rejected) invalid.
    const validity = async () =>
      Object.fromEntries(
        ((await call("GET", "/routes")).json as unknown as { prefix: string; rpki: string }[]).map(
          (r) => [r.prefix, r.rpki],
        ),
      );
    expect(await validity()).toEqual({ [P2]: "not-found", [P3]: "not-found" });
    const explained = (await call("GET", `/routes/${encodeURIComponent(P1)}`)).json as {
      candidates: unknown[];
      rejected: { reason: string; rpki: string }[];
    };
    expect(explained.candidates).toEqual([]);
    expect(explained.rejected).toMatchObject([{ reason: "import-policy", rpki: "invalid" }]);
    write([{ asn: 65001, prefix: P1, maxLength: 24 }]);
    expect(await call("POST", "/rpki/reload")).toEqual({
      status: 200,
      json: { file, vrps: 1, added: 1, removed: 1, locRibChanges: 1 },
    });
    await flush();
    expect(downstream(e)).toEqual([P1, P2, P3].sort());
    expect(await validity()).toEqual({ [P1]: "valid", [P2]: "not-found", [P3]: "not-found" });
    expect(
      (
        (await call("GET", `/routes/${encodeURIComponent(P1)}`)).json as {
          candidates: { rpki: string }[];
        }
      ).candidates[0]!.rpki,
    ).toBe("valid");
    // A broken file: 400 saying where; the VRPs in use stay.
    writeFileSync(file, '{"roas": [{"asn": 65001, "prefix": "203.0.113.0/24", "maxLength": 24},]}');
    const bad = await call("POST", "/rpki/reload");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/offset 70/); // the "]" after the trailing comma;
    expect(a.roas.size).toBe(1);
    const missing = await call("POST", "/rpki/reload", JSON.stringify({ file: join(dir, "none") }));
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatch(/cannot read VRPs/);
  });
});

describe("configuration", () => {
  it('reads "rpki" and the "reject-invalid" import policy, and refuses what is wrong', () => {
    const base = {
      asn: 64500,
      bgpIdentifier: "10.0.0.1",
      neighbors: [{ name: "n", address: "192.0.2.2", asn: 65001, importPolicy: "reject-invalid" }],
    };
    const spec = parseRouterSpec({ ...base, rpki: { vrps: "/var/lib/rpki-client/json" } });
    expect(spec.rpki).toEqual({ vrps: "/var/lib/rpki-client/json" });
    expect(spec.neighbors[0]!.importPolicy).toBe("reject-invalid");
    expect(() => parseRouterSpec({ ...base, rpki: { file: "x" } })).toThrow(/rpki\.file/);
    expect(() => parseRouterSpec({ ...base, rpki: { vrps: 1 } })).toThrow(/rpki\.vrps/);
    expect(() =>
      parseRouterSpec({
        ...base,
        neighbors: [{ ...base.neighbors[0], exportPolicy: "reject-invalid" }],
      }),
    ).toThrow(/exportPolicy/);
  });
});
