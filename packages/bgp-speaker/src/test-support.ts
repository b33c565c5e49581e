// Test support shared by this package's tests (not part of the package): turns of the event
// loop, neighbours that accept everything, and routers linked over memory pipes.
import { Duplex } from "node:stream";
import { acceptAll, Rib } from "@dyninfra/bgp-rib";
import type { PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import type { Clock } from "./clock";
import { GracefulRestartReceiver, RibStaleRoutes } from "./graceful-restart";
import { memoryPipe } from "./pipe";
import { type NeighborSpec, type OriginateSpec, Router, type RouterSpec } from "./router";

/** Lets `rounds` turns of the event loop pass (messages over memory pipes are delivered). */
export const flush = async (rounds = 10): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

/** A passive neighbour whose routes are accepted both ways (`extra` overrides). */
export const acceptingNeighbor = (
  name: string,
  address: string,
  asn: number,
  extra: Partial<NeighborSpec> = {},
): NeighborSpec => ({
  name,
  address,
  asn,
  passive: true,
  importPolicy: "accept",
  exportPolicy: "accept",
  ...extra,
});

/** Connects a's neighbour `aName` and b's neighbour `bName` over a memory pipe. */
export function link(a: Router, aName: string, b: Router, bName: string) {
  const [x, y] = memoryPipe();
  a.accept(aName, x);
  b.accept(bName, y);
  return [x, y] as const;
}

/**
 * r1 (AS 64501, 192.0.2.2) and r2 (AS 64500, 192.0.2.1), each the other's neighbour (accepting
 * everything; `r2Neighbor` overrides r2's side), r1 originating `originate`, `r2Spec` added to r2's
 * configuration, both on `clock` if given; `beforeStart` runs before the sessions start. Started
 * and linked over a memory pipe.
 */
export function routerPair(
  options: {
    readonly originate?: readonly OriginateSpec[];
    readonly r2Spec?: Partial<RouterSpec>;
    readonly r2Neighbor?: Partial<NeighborSpec>;
    readonly clock?: Clock;
    readonly beforeStart?: (r1: Router, r2: Router) => void;
  } = {},
): { r1: Router; r2: Router } {
  const o = options.clock === undefined ? {} : { clock: options.clock };
  const r1 = new Router(
    {
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [acceptingNeighbor("r2", "192.0.2.1", 64500)],
      originate: options.originate ?? [],
    },
    o,
  );
  const r2 = new Router(
    {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [acceptingNeighbor("r1", "192.0.2.2", 64501, options.r2Neighbor)],
      ...options.r2Spec,
    },
    o,
  );
  options.beforeStart?.(r1, r2);
  r1.start();
  r2.start();
  link(r1, "r2", r2, "r1");
  return { r1, r2 };
}

/**
 * Two connected in-memory streams, like {@link memoryPipe}, whose direction a → b can stall as a
 * TCP connection does when its receiver stops reading (the window closes): a write is taken — its
 * bytes delivered, its callback called — only while the direction is open, or by `take()`. With
 * `allow`, the first `allow` bytes pass and the direction stalls after them.
 */
export function stallablePipe(options: { allow?: number } = {}) {
  let stalled = false;
  let allow = options.allow ?? Number.POSITIVE_INFINITY;
  const held: (() => void)[] = [];
  let a: Duplex;
  let b: Duplex;
  const make = (peer: () => Duplex, canStall: boolean) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const deliver = () => {
          const p = peer();
          if (!p.destroyed) p.push(chunk);
          cb();
        };
        if (canStall && !stalled && allow < chunk.length) stalled = true;
        if (canStall) allow -= chunk.length;
        if (canStall && stalled) held.push(deliver);
        else deliver();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy();
        cb(err);
      },
    });
  a = make(() => b, true);
  b = make(() => a, false);
  return {
    a,
    b,
    stall: () => {
      stalled = true;
    },
    /** Takes the write waiting (the stream then hands over the next one, which waits too). */
    take: () => held.shift()?.(),
    /** Opens the direction again: what waits is taken, and everything after it. */
    release: () => {
      stalled = false;
      allow = Number.POSITIVE_INFINITY;
      while (held.length > 0) held.shift()!();
    },
  };
}

/** A router of AS `asn` whose BGP Identifier and address are `address`, originating `originate`. */
export function routerAt(
  asn: number,
  address: string,
  neighbors: NeighborSpec[],
  originate: readonly string[] = [],
): Router {
  return new Router({
    asn,
    bgpIdentifier: address,
    localAddress: address,
    neighbors,
    originate: originate.map((prefix) => ({ prefix })),
  });
}

/** The neighbour of the Graceful Restart model tests: 192.0.2.2, AS64501. */
export const GR_PEER = "192.0.2.2";

/**
 * A RIB (AS64500) with {@link GR_PEER} up, accepting everything, and a Graceful Restart receiver
 * for it on `clock` driving that RIB.
 */
export function gracefulRestartRig(
  clock: Clock,
  staleRoutesTime: number,
  longLivedStaleTime?: { min?: number; max?: number },
): { rib: Rib; gr: GracefulRestartReceiver } {
  const rib = new Rib({ asn: 64500, bgpIdentifier: "192.0.2.1" });
  rib.addPeer({
    address: GR_PEER,
    asn: 64501,
    bgpIdentifier: GR_PEER,
    localAddress: "192.0.2.1",
    importPolicy: acceptAll,
    exportPolicy: acceptAll,
  });
  rib.peerUp(GR_PEER);
  const hooks = new RibStaleRoutes(rib, GR_PEER, () => {});
  const options = { staleRoutesTime, ...(longLivedStaleTime ? { longLivedStaleTime } : {}) };
  return { rib, gr: new GracefulRestartReceiver(clock, options, hooks) };
}

/** A route of {@link GR_PEER} for prefix p (IPv6: next hop in MP_REACH_NLRI), with a MED. */
export function peerRouteAttributes(p: Prefix, med?: number): PathAttributes {
  const base = {
    origin: "IGP" as const,
    asPath: [{ type: "AS_SEQUENCE" as const, asns: [64501] }],
    ...(med === undefined ? {} : { multiExitDisc: med }),
  };
  return p.afi === 1
    ? { ...base, nextHop: GR_PEER }
    : { ...base, mpReachNlri: { afi: 2, safi: 1, nextHop: ["2001:db8::2"], nlri: [] } };
}

/**
 * r1 (AS64501, fe80::1 on eth1) and r2 (AS64500, fe80::2 on eth1, its neighbour's localAddress
 * fe80::2%eth1), Extended Next Hop Encoding on each side as `enh1`/`enh2`, over a memory pipe whose
 * ends have the link-local source addresses node:net would give; r1 originates an IPv4 and an
 * IPv6 prefix. `beforeStart` runs before the sessions start.
 */
export function unnumbered(enh1: boolean, enh2: boolean, beforeStart?: (r2: Router) => void) {
  const r1 = new Router({
    asn: 64501,
    bgpIdentifier: "192.0.2.1",
    neighbors: [
      acceptingNeighbor("r2", "fe80::2%eth1", 64500, {
        capabilities: { extendedNextHop: enh1 },
      }),
    ],
    originate: [{ prefix: "198.51.100.0/24" }, { prefix: "2001:db8:100::/48" }],
  });
  const r2 = new Router({
    asn: 64500,
    bgpIdentifier: "192.0.2.2",
    neighbors: [
      acceptingNeighbor("r1", "fe80::1%eth1", 64501, {
        localAddress: "fe80::2%eth1",
        capabilities: { extendedNextHop: enh2 },
      }),
    ],
  });
  beforeStart?.(r2);
  r1.start();
  r2.start();
  // The connection's ends, as node:net gives their source addresses.
  const [x, y] = memoryPipe();
  Object.assign(x, { localAddress: "fe80::1%eth1" });
  Object.assign(y, { localAddress: "fe80::2%eth1" });
  r1.accept("r2", x);
  r2.accept("r1", y);
  return { r1, r2 };
}
