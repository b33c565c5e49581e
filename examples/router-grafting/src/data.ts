// The example's real data: Abilene topology and traffic matrices (CFR-RL files, bundled), and
// real BGP routes and churn from a RIPE RIS MRT dump (bundled sample, or the 578k-prefix table
// from the shared data with `--routes full`).
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { OriginateSpec } from "@dyninfra/bgp-speaker";
import type { AsPath, PathAttributes, Prefix } from "@dyninfra/bgp-wire";
import { decodeMrt, formatPrefix } from "@dyninfra/bgp-wire";
import type { Topology, TrafficMatrix } from "@dyninfra/graft-planner";
import {
  ABILENE_ROUTERS,
  parseCfrRlTopology,
  parseCfrRlTrafficMatrices,
} from "@dyninfra/graft-planner";

export const DATA = resolve(import.meta.dirname, "../data");
export const SHARED_BGP = resolve(import.meta.dirname, "../../../../shared/data/bgp");
export const FULL_TABLE = resolve(
  SHARED_BGP,
  "ripe-ncc-bgpdump/test_data/updates.et-header.2015.gz",
);

export interface AbileneData {
  readonly topology: Topology;
  /** The bundled week of 5-minute TMs (kbit/s). */
  readonly tms: readonly TrafficMatrix[];
  /** Index of the busiest TM (largest total demand). */
  readonly busiest: number;
}

export function loadAbilene(): AbileneData {
  const topology = parseCfrRlTopology(
    readFileSync(resolve(DATA, "Abilene.txt"), "utf8"),
    ABILENE_ROUTERS,
  );
  const text = gunzipSync(readFileSync(resolve(DATA, "AbileneTM.txt.gz"))).toString("utf8");
  const tms = parseCfrRlTrafficMatrices(text, topology.routers.length);
  let busiest = 0;
  let best = -1;
  tms.forEach((tm, i) => {
    let total = 0;
    for (const v of tm.values) total += v;
    if (total > best) {
      best = total;
      busiest = i;
    }
  });
  return { topology, tms, busiest };
}

/** One real change a customer makes: announce (with its AS path) or withdraw a prefix. */
export interface ChurnEvent {
  /** Seconds after the start of the dump. */
  readonly at: number;
  readonly prefix: string;
  readonly asPath?: readonly number[];
}

export interface RouteData {
  readonly source: string;
  /** Initial routes: the first announcement of every IPv4 prefix. */
  readonly routes: readonly OriginateSpec[];
  /** Everything after that, in time order. */
  readonly churn: readonly ChurnEvent[];
}

function flatAsPath(p: AsPath | undefined): number[] | undefined {
  if (p === undefined) return [];
  const out: number[] = [];
  for (const s of p) {
    if (s.type !== "AS_SEQUENCE") return undefined; // keep AS_SETs and confederations out
    out.push(...s.asns);
  }
  return out;
}

function* updates(bytes: Uint8Array): Generator<{
  t: number;
  withdrawn: readonly Prefix[];
  attrs: PathAttributes;
  nlri: readonly Prefix[];
}> {
  for (const r of decodeMrt(bytes)) {
    if (r.kind === "BGP" && r.update !== undefined) {
      yield {
        t: r.header.timestamp,
        withdrawn: r.update.withdrawnRoutes,
        attrs: r.update.pathAttributes,
        nlri: r.update.nlri,
      };
    } else if (r.kind === "BGP4MP_MESSAGE" && r.message?.type === "UPDATE") {
      yield {
        t: r.header.timestamp,
        withdrawn: r.message.withdrawnRoutes,
        attrs: r.message.pathAttributes,
        nlri: r.message.nlri,
      };
    }
  }
}

/**
 * Routes and churn from an MRT update dump: a prefix's first announcement is its initial route,
 * every later announcement or withdrawal of a known prefix is churn. `limit` keeps only the first
 * `limit` prefixes of the dump (an intermediate scale between the sample and the full table).
 */
export function loadRoutes(full = false, limit?: number): RouteData {
  const file = full ? FULL_TABLE : resolve(DATA, "updates.20000102.2014.gz");
  if (!existsSync(file))
    throw new Error(`route data ${file} is absent (--routes full needs ../shared/data/bgp)`);
  const bytes = gunzipSync(readFileSync(file));
  const routes = new Map<string, OriginateSpec>();
  const churn: ChurnEvent[] = [];
  let t0: number | undefined;
  for (const u of updates(bytes)) {
    t0 ??= u.t;
    const at = u.t - t0;
    for (const p of u.withdrawn) {
      if (p.afi !== 1) continue;
      const key = formatPrefix(p);
      if (routes.has(key)) churn.push({ at, prefix: key });
    }
    const path = flatAsPath(u.attrs.asPath);
    if (path === undefined) continue;
    for (const p of u.nlri) {
      if (p.afi !== 1) continue;
      const key = formatPrefix(p);
      if (!routes.has(key)) {
        // With a limit, only the first `limit` prefixes of the dump (and their churn) are kept.
        if (limit !== undefined && routes.size >= limit) continue;
        routes.set(key, { prefix: key, asPath: path, origin: u.attrs.origin ?? "IGP" });
      } else churn.push({ at, prefix: key, asPath: path });
    }
  }
  return { source: file, routes: [...routes.values()], churn };
}
