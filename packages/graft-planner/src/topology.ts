import { GraftPlannerError } from "./errors";

/** A router (node) of the backbone, with optional geographic position (degrees). */
export interface Router {
  /** Name as it appears in the source file (e.g. `ATLAng`, `0_New_York`). */
  readonly id: string;
  /** Longitude in degrees, when the source carries coordinates. */
  readonly lon?: number;
  /** Latitude in degrees, when the source carries coordinates. */
  readonly lat?: number;
}

/** A directed link (arc) between two routers. */
export interface Link {
  /** Index of the tail router in {@link Topology.routers}. */
  readonly from: number;
  /** Index of the head router in {@link Topology.routers}. */
  readonly to: number;
  /** Capacity, in the topology's {@link Topology.capacityUnit}. */
  readonly capacity: number;
  /** IGP (OSPF/IS-IS) metric used by shortest-path routing. */
  readonly weight: number;
}

/** A backbone: routers and directed links. Undirected source links become two arcs. */
export interface Topology {
  /** Network name, when the source has one. */
  readonly name?: string;
  readonly routers: readonly Router[];
  readonly links: readonly Link[];
  /** Unit of link capacities and of the demands used with this topology (e.g. `kbit/s`). */
  readonly capacityUnit: string;
}

/**
 * A router-level traffic matrix: `values[i * size + j]` is the demand from router i to router j,
 * in the same unit as the capacities of the topology it is used with.
 */
export interface TrafficMatrix {
  readonly size: number;
  readonly values: Float64Array;
  /** Unit of the values (e.g. `kbit/s`). */
  readonly unit: string;
}

/**
 * Checks a topology's structural invariants and throws a {@link GraftPlannerError} naming the
 * offending link: indices in range, no self-loops, positive finite capacity and weight.
 *
 * @example
 * ```ts
 * validateTopology({ routers: [{ id: "a" }, { id: "b" }],
 *   links: [{ from: 0, to: 1, capacity: 10, weight: 1 }], capacityUnit: "Mbit/s" });
 * ```
 */
export function validateTopology(topology: Topology): void {
  const n = topology.routers.length;
  if (n === 0) throw new GraftPlannerError("EMPTY_TOPOLOGY", "topology has no routers");
  const seen = new Set<string>();
  topology.routers.forEach((r, i) => {
    if (seen.has(r.id))
      throw new GraftPlannerError("DUPLICATE_ROUTER", `duplicate router id ${r.id}`, {
        field: `routers[${i}].id`,
      });
    seen.add(r.id);
  });
  topology.links.forEach((l, i) => {
    const field = `links[${i}]`;
    if (!Number.isInteger(l.from) || l.from < 0 || l.from >= n)
      throw new GraftPlannerError("BAD_LINK", `link tail ${l.from} out of range`, { field });
    if (!Number.isInteger(l.to) || l.to < 0 || l.to >= n)
      throw new GraftPlannerError("BAD_LINK", `link head ${l.to} out of range`, { field });
    if (l.from === l.to) throw new GraftPlannerError("BAD_LINK", "self-loop link", { field });
    if (!(l.capacity > 0) || !Number.isFinite(l.capacity))
      throw new GraftPlannerError("BAD_CAPACITY", `capacity ${l.capacity} is not positive`, {
        field: `${field}.capacity`,
      });
    if (!(l.weight > 0) || !Number.isFinite(l.weight))
      throw new GraftPlannerError("BAD_WEIGHT", `IGP weight ${l.weight} is not positive`, {
        field: `${field}.weight`,
      });
  });
}

/**
 * Checks that a traffic matrix fits a topology: same size, finite non-negative values.
 *
 * @example
 * ```ts
 * validateTrafficMatrix({ size: 2, values: new Float64Array([0, 1, 2, 0]), unit: "Mbit/s" }, 2);
 * ```
 */
export function validateTrafficMatrix(tm: TrafficMatrix, routers: number): void {
  if (tm.size !== routers)
    throw new GraftPlannerError(
      "TM_SIZE",
      `traffic matrix has ${tm.size} rows but the topology has ${routers} routers`,
    );
  if (tm.values.length !== tm.size * tm.size)
    throw new GraftPlannerError("TM_SIZE", "traffic matrix values are not size × size");
  for (let k = 0; k < tm.values.length; k++) {
    const v = tm.values[k]!;
    if (!(v >= 0) || !Number.isFinite(v))
      throw new GraftPlannerError("BAD_DEMAND", `demand ${v} is not a finite non-negative number`, {
        field: `tm[${Math.floor(k / tm.size)}][${k % tm.size}]`,
      });
  }
}

/**
 * Great-circle distance in km between two routers (haversine, mean Earth radius 6371 km);
 * `undefined` when either router lacks coordinates.
 *
 * @example
 * ```ts
 * greatCircleKm({ id: "a", lon: 0, lat: 0 }, { id: "b", lon: 0, lat: 1 }); // ≈ 111.2
 * ```
 */
export function greatCircleKm(a: Router, b: Router): number | undefined {
  if (a.lat === undefined || a.lon === undefined || b.lat === undefined || b.lon === undefined)
    return undefined;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
