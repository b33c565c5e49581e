import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocRibChange, Route } from "@dyninfra/bgp-rib";
import type { PathAttributes } from "@dyninfra/bgp-wire";
import { afterEach, describe, expect, it } from "vitest";
import { parseRouterSpec } from "./config";
import { KernelRoutes, kernelRouteCommands } from "./kernel-routes";

const v4 = (address: string, length: number) => ({ afi: 1 as const, address, length });
const v6 = (address: string, length: number) => ({ afi: 2 as const, address, length });
const route = (prefix: Route["prefix"], attributes: Partial<PathAttributes>, peer = "192.0.2.2") =>
  ({ prefix, attributes: { origin: "IGP", asPath: [], ...attributes }, peer }) as Route;
const change = (prefix: Route["prefix"], previous?: Route, current?: Route): LocRibChange => ({
  prefix,
  previous,
  current,
});

describe("kernelRouteCommands", () => {
  it("replaces on a new or moved best route, deletes one that went, leaves an unmoved one alone", () => {
    const p = v4("198.51.100.0", 24);
    const a = route(p, { nextHop: "192.0.2.2" });
    const b = route(p, { nextHop: "192.0.2.3", multiExitDisc: 5 }, "192.0.2.3");
    const same = route(p, { nextHop: "192.0.2.2", multiExitDisc: 9 });
    const o = { table: 100, protocol: "bgp", metric: 30 };
    expect(kernelRouteCommands([change(p, undefined, a)], o).commands).toEqual([
      "route replace 198.51.100.0/24 via 192.0.2.2 proto bgp table 100 metric 30",
    ]);
    expect(kernelRouteCommands([change(p, a, b)], o).commands).toEqual([
      "route replace 198.51.100.0/24 via 192.0.2.3 proto bgp table 100 metric 30",
    ]);
    expect(kernelRouteCommands([change(p, a, same)], o).commands).toEqual([]);
    expect(kernelRouteCommands([change(p, b, undefined)]).commands).toEqual([
      "route del 198.51.100.0/24 proto bgp table main metric 20",
    ]);
  });

  it("IPv6 via the global next hop; a link-local-only one over its neighbour's interface, else skipped; skips routes originated here (deleting what they replace)", () => {
    const p = v6("2001:db8:5::", 48);
    const hops = (nextHop: string[]) => ({
      mpReachNlri: { afi: 2, safi: 1, nextHop, nlri: [] },
    });
    const g = route(p, hops(["2001:db8::2", "fe80::2"]), "2001:db8::2");
    expect(kernelRouteCommands([change(p, undefined, g)]).commands).toEqual([
      "route replace 2001:db8:5::/48 via 2001:db8::2 proto bgp table main metric 20",
    ]);
    const ll = route(p, hops(["fe80::2"]), "2001:db8::2");
    expect(kernelRouteCommands([change(p, g, ll)])).toEqual({
      commands: ["route del 2001:db8:5::/48 proto bgp table main metric 20"],
      skipped: [
        {
          prefix: "2001:db8:5::/48",
          reason: "only a link-local next hop, from a neighbour not on a link-local address",
        },
      ],
    });
    // From a neighbour on a link-local address: over its interface.
    const onLink = route(p, hops(["fe80::2"]), "fe80::2%eth1");
    expect(kernelRouteCommands([change(p, undefined, onLink)]).commands).toEqual([
      "route replace 2001:db8:5::/48 via fe80::2 dev eth1 proto bgp table main metric 20",
    ]);
    // IPv4 routes with IPv6 next hops (RFC 8950): via inet6, the global one first.
    const q = v4("198.51.100.0", 24);
    const v4ll = route(
      q,
      { mpReachNlri: { afi: 1, safi: 1, nextHop: ["fe80::2"], nlri: [] } },
      "fe80::2%eth1",
    );
    const v4g = route(
      q,
      { mpReachNlri: { afi: 1, safi: 1, nextHop: ["2001:db8::2", "fe80::2"], nlri: [] } },
      "fe80::2%eth1",
    );
    expect(
      kernelRouteCommands([change(q, undefined, v4ll), change(q, v4ll, v4g)]).commands,
    ).toEqual([
      "route replace 198.51.100.0/24 via inet6 fe80::2 dev eth1 proto bgp table main metric 20",
      "route replace 198.51.100.0/24 via inet6 2001:db8::2 proto bgp table main metric 20",
    ]);
    const own = route(v4("203.0.113.0", 24), { nextHop: "10.0.0.1" }, "local");
    const learned = route(v4("203.0.113.0", 24), { nextHop: "192.0.2.2" });
    expect(kernelRouteCommands([change(own.prefix, learned, own)])).toEqual({
      commands: ["route del 203.0.113.0/24 proto bgp table main metric 20"],
      skipped: [{ prefix: "203.0.113.0/24", reason: "originated here" }],
    });
  });

  it("multipath: one ECMP route over the routes' next hops, replaced when they change", () => {
    const p = v4("198.51.100.0", 24);
    const a = route(p, { nextHop: "192.0.2.2" });
    const b = route(p, { nextHop: "192.0.2.3" }, "192.0.2.3");
    const c = route(p, { nextHop: "192.0.2.4" }, "192.0.2.4");
    const tail = "proto bgp table main metric 20";
    const ecmp = (previousMultipath?: Route[], multipath?: Route[]): LocRibChange => ({
      ...change(p, previousMultipath?.[0] ?? a, multipath?.[0] ?? a),
      ...(previousMultipath ? { previousMultipath } : {}),
      ...(multipath ? { multipath } : {}),
    });
    expect(kernelRouteCommands([ecmp(undefined, [a, b])]).commands).toEqual([
      `route replace 198.51.100.0/24 ${tail} nexthop via 192.0.2.2 nexthop via 192.0.2.3`,
    ]);
    expect(kernelRouteCommands([ecmp([a, b], [a, b, c])]).commands).toEqual([
      `route replace 198.51.100.0/24 ${tail} nexthop via 192.0.2.2 nexthop via 192.0.2.3 nexthop via 192.0.2.4`,
    ]);
    // Back to the best route alone (it stays the same route).
    expect(kernelRouteCommands([ecmp([a, b], undefined)]).commands).toEqual([
      `route replace 198.51.100.0/24 via 192.0.2.2 ${tail}`,
    ]);
    expect(kernelRouteCommands([ecmp([a, b], [a, b])]).commands).toEqual([]);
    expect(
      kernelRouteCommands([{ ...change(p, a, undefined), previousMultipath: [a, b] }]).commands,
    ).toEqual([`route del 198.51.100.0/24 ${tail}`]);
  });
});

describe("KernelRoutes", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A stand-in for ip(8) that logs its arguments and stdin, refusing route lines naming 10.9.9.9. */
  function fakeIp(): { ip: string; log: () => string } {
    const dir = mkdtempSync(join(tmpdir(), "fake-ip-"));
    dirs.push(dir);
    const log = join(dir, "log");
    const ip = join(dir, "ip");
    writeFileSync(
      ip,
      `#!/bin/sh
echo "ARGS $*" >> ${log}
case "$*" in
  "-4 -j route show"*) echo '[{"dst":"10.0.0.0/8","gateway":"192.0.2.2"},{"dst":"203.0.113.0/24","gateway":"192.0.2.2"},{"dst":"default","gateway":"192.0.2.9"}]'; exit 0;;
  "-6 -j route show"*) echo '[{"dst":"2001:db8::1","gateway":"fe80::1"}]'; exit 0;;
esac
[ "$3" = "-" ] || exit 0
n=0
while read -r line; do
  n=$((n+1))
  echo "LINE $line" >> ${log}
  case "$line" in *10.9.9.9*) echo "Error: Nexthop has invalid gateway." >&2; echo "Command failed -:$n" >&2;; esac
  case "$line" in *10.7.7.7*) exit 3;; esac
done
`,
    );
    chmodSync(ip, 0o755);
    return { ip, log: () => readFileSync(log, "utf8") };
  }

  it("flushes its protocol's leftovers, writes the commands to one ip -batch, names refused ones, flushes at close", async () => {
    const { ip, log } = fakeIp();
    const k = new KernelRoutes({ ip, table: 100 });
    const refused: string[] = [];
    k.on("refused", (c, m) => refused.push(`${c} | ${m}`));
    await k.start();
    const p = v4("198.51.100.0", 24);
    const q = v4("203.0.113.0", 24);
    k.apply([change(p, undefined, route(p, { nextHop: "192.0.2.2" }))]);
    k.apply([change(q, undefined, route(q, { nextHop: "10.9.9.9" }))]);
    await k.close();
    expect(k.written).toBe(2);
    expect(log().split("\n")).toEqual([
      "ARGS -4 route flush proto bgp table 100",
      "ARGS -6 route flush proto bgp table 100",
      "ARGS -force -batch -",
      "LINE route replace 198.51.100.0/24 via 192.0.2.2 proto bgp table 100 metric 20",
      "LINE route replace 203.0.113.0/24 via 10.9.9.9 proto bgp table 100 metric 20",
      "ARGS -4 route flush proto bgp table 100",
      "ARGS -6 route flush proto bgp table 100",
      "",
    ]);
    expect(refused).toEqual([
      "route replace 203.0.113.0/24 via 10.9.9.9 proto bgp table 100 metric 20 | Error: Nexthop has invalid gateway.",
    ]);
  });

  it("after a graceful restart: keeps the routes at start, then deletes those the converged Loc-RIB lacks", async () => {
    const { ip, log } = fakeIp();
    const k = new KernelRoutes({ ip, table: 7 });
    await k.start({ keep: true });
    const p = v4("203.0.113.0", 24);
    expect(await k.reconcile([route(p, { nextHop: "192.0.2.2" })])).toBe(3);
    await k.close({ keep: true });
    const lines = log().split("\n");
    // The batch process and the two `route show` runs are separate processes: the order in which
    // they log their arguments is the scheduler's (it differed on a loaded machine).
    expect(lines.filter((l) => l.startsWith("ARGS")).sort()).toEqual([
      "ARGS -4 -j route show proto bgp table 7",
      "ARGS -6 -j route show proto bgp table 7",
      "ARGS -force -batch -",
    ]);
    expect(lines.filter((l) => !l.startsWith("ARGS"))).toEqual([
      "LINE route del 10.0.0.0/8 proto bgp table 7 metric 20",
      "LINE route del 0.0.0.0/0 proto bgp table 7 metric 20",
      "LINE route del 2001:db8::1/128 proto bgp table 7 metric 20",
      "",
    ]);
  });

  it("reports an ip -batch that ends unasked, and resyncs the whole Loc-RIB once started again", async () => {
    const { ip, log } = fakeIp();
    const k = new KernelRoutes({ ip, table: 7 });
    const exited: (number | null)[] = [];
    k.on("exited", (code) => exited.push(code));
    await k.start();
    const p = v4("203.0.113.0", 24);
    const q = v4("198.51.100.0", 24);
    k.apply([change(q, undefined, route(q, { nextHop: "10.7.7.7" }))]); // the fake ip dies on it
    for (let i = 0; i < 100 && exited.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(exited).toEqual([3]);
    await k.start({ keep: true });
    expect(await k.resync([route(p, { nextHop: "192.0.2.2" })])).toEqual({
      replaced: 1,
      deleted: 3,
    });
    await k.close({ keep: true });
    expect(
      log()
        .split("\n")
        .filter((l) => l.startsWith("LINE") || l.includes("batch")),
    ).toEqual([
      "ARGS -force -batch -",
      "LINE route replace 198.51.100.0/24 via 10.7.7.7 proto bgp table 7 metric 20",
      "ARGS -force -batch -",
      "LINE route replace 203.0.113.0/24 via 192.0.2.2 proto bgp table 7 metric 20",
      "LINE route del 10.0.0.0/8 proto bgp table 7 metric 20",
      "LINE route del 0.0.0.0/0 proto bgp table 7 metric 20",
      "LINE route del 2001:db8::1/128 proto bgp table 7 metric 20",
    ]);
  });

  it("keeps its routes at close when asked; refuses bad options and a missing ip with typed errors", async () => {
    const { ip, log } = fakeIp();
    const k = new KernelRoutes({ ip });
    await k.start();
    await k.close({ keep: true });
    expect(log().match(/route flush/g)).toHaveLength(2); // at start only
    expect(() => new KernelRoutes({ metric: -1 })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "kernel.metric" } }),
    );
    expect(() => new KernelRoutes({ table: "main; reboot" })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", where: { field: "kernel.table" } }),
    );
    await expect(new KernelRoutes({ ip: "/nonexistent/ip" }).start()).rejects.toMatchObject({
      code: "KERNEL_ROUTES",
    });
  });

  it("is configured by the router configuration's kernel section, checked field by field", () => {
    const base = { asn: 64500, bgpIdentifier: "192.0.2.1", neighbors: [] };
    expect(parseRouterSpec({ ...base, kernel: { table: 100, metric: 30 } }).kernel).toEqual({
      table: 100,
      metric: 30,
    });
    expect(parseRouterSpec({ ...base, kernel: {} }).kernel).toEqual({});
    expect(() => parseRouterSpec({ ...base, kernel: { table: "a b" } })).toThrow(/kernel\.table/);
    expect(() => parseRouterSpec({ ...base, kernel: { metrik: 1 } })).toThrow(/kernel\.metrik/);
    expect(() => parseRouterSpec({ ...base, kernel: { metric: -3 } })).toThrow(/kernel\.metric/);
  });
});
