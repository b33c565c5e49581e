import { GraftPlannerError } from "./errors";
import { EcmpRouting } from "./routing";
import {
  greatCircleKm,
  type Topology,
  type TrafficMatrix,
  validateTrafficMatrix,
} from "./topology";

/** A customer (edge link): where it is attached today and where it may be re-homed. */
export interface Customer {
  readonly id: string;
  /** Index of the router it is attached to today. */
  readonly home: number;
  /** Routers it may be attached to, the home router first; one entry = not movable. */
  readonly candidates: readonly number[];
}

/**
 * Customers and the demands between them: `demand[a * customers.length + b]` is the traffic from
 * customer a to customer b (diagonal: traffic a customer exchanges with itself, never on the
 * backbone), in the unit of the topology's capacities.
 */
export interface CustomerModel {
  readonly customers: readonly Customer[];
  readonly demand: Float64Array;
  /** Human-readable statement of how the model was built (split rule, seed, candidates). */
  readonly description: string;
}

/** Options of {@link buildCustomerModel}. */
export interface CustomerModelOptions {
  /** Customers per router (default 1). */
  readonly customersPerRouter?: number;
  /** Seed of the split weights (default 1). */
  readonly seed?: number;
  /** Candidate routers per customer, the home router included (default 2). */
  readonly candidates?: number;
  /**
   * Which customers may move: `"all"` (default) or the N customers with the most traffic
   * (sent + received, ties by index); the others keep only their home router.
   */
  readonly movable?: "all" | number;
}

/** mulberry32: a small seeded PRNG with a 2^32 period, good enough for split weights. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Splits a router-level TM into customers. Rule (documented, seeded): router i gets C customers
 * `<router>/c<k>` with weights w drawn uniformly from [0.5, 1.5) by mulberry32(seed) in router
 * order, normalised to sum 1. Demand between customers a@i and b@j (i ≠ j) is
 * `T[i][j] · w_a · w_b`; the router's own diagonal T[i][i] is spread over ordered pairs a ≠ b of
 * its customers in proportion to `w_a · w_b` (kept on the customer diagonal when C = 1). The
 * split preserves every router-pair total exactly (up to rounding).
 *
 * @example
 * ```ts
 * const { customers, demand } = splitTrafficMatrix(topology, tm, { customersPerRouter: 2, seed: 7 });
 * ```
 */
export function splitTrafficMatrix(
  topology: Topology,
  tm: TrafficMatrix,
  options: { readonly customersPerRouter?: number; readonly seed?: number } = {},
): CustomerModel {
  const n = topology.routers.length;
  validateTrafficMatrix(tm, n);
  const c = options.customersPerRouter ?? 1;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(c) || c < 1)
    throw new GraftPlannerError(
      "BAD_OPTION",
      `customersPerRouter ${c} must be a positive integer`,
      {
        field: "customersPerRouter",
      },
    );
  const rand = mulberry32(seed);
  const w = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const x = c === 1 ? 1 : 0.5 + rand();
      w[i * c + k] = x;
      sum += x;
    }
    for (let k = 0; k < c; k++) w[i * c + k]! /= sum;
  }
  const nc = n * c;
  const demand = new Float64Array(nc * nc);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const t = tm.values[i * n + j]!;
      if (t === 0) continue;
      if (i !== j || c === 1) {
        for (let a = 0; a < c; a++)
          for (let b = 0; b < c; b++)
            demand[(i * c + a) * nc + j * c + b] = t * w[i * c + a]! * w[j * c + b]!;
      } else {
        let off = 0;
        for (let a = 0; a < c; a++) off += w[i * c + a]! * (1 - w[i * c + a]!);
        for (let a = 0; a < c; a++)
          for (let b = 0; b < c; b++)
            if (a !== b)
              demand[(i * c + a) * nc + i * c + b] = (t * w[i * c + a]! * w[i * c + b]!) / off;
      }
    }
  const customers = Array.from({ length: nc }, (_, k) => {
    const home = Math.floor(k / c);
    const r = topology.routers[home]!.id;
    return { id: c === 1 ? r : `${r}/c${k % c}`, home, candidates: [home] };
  });
  return {
    customers,
    demand,
    description: `${c} customer(s) per router, split weights U[0.5,1.5) normalised, mulberry32 seed ${seed}; demand(a@i,b@j) = T[i][j]·w_a·w_b`,
  };
}

/**
 * The k routers nearest to `home`, home first: by great-circle distance among routers with
 * coordinates when the home router has them, else by IGP distance; ties by router index.
 *
 * @example
 * ```ts
 * nearestRouters(topology, 3, 2); // [3, nearest other router]
 * ```
 */
export function nearestRouters(
  topology: Topology,
  home: number,
  k: number,
  ecmp?: EcmpRouting,
): number[] {
  const n = topology.routers.length;
  const h = topology.routers[home]!;
  const geo = h.lat !== undefined && h.lon !== undefined;
  const routing = geo ? undefined : (ecmp ?? new EcmpRouting(topology));
  const dist = new Float64Array(n);
  for (let r = 0; r < n; r++)
    dist[r] =
      r === home
        ? -1
        : geo
          ? (greatCircleKm(h, topology.routers[r]!) ?? Number.POSITIVE_INFINITY)
          : Math.min(routing!.distance(home, r), routing!.distance(r, home));
  return Array.from({ length: n }, (_, r) => r)
    .filter((r) => dist[r]! < Number.POSITIVE_INFINITY)
    .sort((a, b) => dist[a]! - dist[b]! || a - b)
    .slice(0, Math.max(1, k));
}

/**
 * Sets candidate routers: the `candidates` geographically nearest routers of each customer's home
 * (home included), for the movable customers (all, or the top N by traffic); others stay fixed.
 *
 * @example
 * ```ts
 * const model = withNearestCandidates(topology, split, { candidates: 2, movable: "all" });
 * ```
 */
export function withNearestCandidates(
  topology: Topology,
  model: CustomerModel,
  options: { readonly candidates?: number; readonly movable?: "all" | number } = {},
): CustomerModel {
  const k = options.candidates ?? 2;
  const nc = model.customers.length;
  let movable: Set<number>;
  if (options.movable === undefined || options.movable === "all") {
    movable = new Set(model.customers.map((_, i) => i));
  } else {
    const vol = model.customers.map((_, a) => {
      let v = 0;
      for (let b = 0; b < nc; b++)
        if (a !== b) v += model.demand[a * nc + b]! + model.demand[b * nc + a]!;
      return v;
    });
    movable = new Set(
      model.customers
        .map((_, i) => i)
        .sort((a, b) => vol[b]! - vol[a]! || a - b)
        .slice(0, options.movable),
    );
  }
  const near = new Map<number, number[]>();
  const customers = model.customers.map((c, i) => {
    if (!movable.has(i)) return { ...c, candidates: [c.home] };
    let cand = near.get(c.home);
    if (cand === undefined) {
      cand = nearestRouters(topology, c.home, k);
      near.set(c.home, cand);
    }
    return { ...c, candidates: cand };
  });
  const m = options.movable ?? "all";
  return {
    customers,
    demand: model.demand,
    description: `${model.description}; candidates = ${k} nearest routers by great-circle distance (home included) for ${m === "all" ? "all customers" : `the ${m} customers with most traffic`}`,
  };
}

/**
 * Builds the customer model used by the planner: {@link splitTrafficMatrix} then
 * {@link withNearestCandidates}.
 *
 * @example
 * ```ts
 * const model = buildCustomerModel(topology, tm, { customersPerRouter: 2, candidates: 2 });
 * ```
 */
export function buildCustomerModel(
  topology: Topology,
  tm: TrafficMatrix,
  options: CustomerModelOptions = {},
): CustomerModel {
  return withNearestCandidates(topology, splitTrafficMatrix(topology, tm, options), options);
}

/**
 * Router-level TM implied by attaching each customer to `assignment[customer]` (diagonal =
 * traffic that stays inside a router).
 *
 * @example
 * ```ts
 * const tm = routerTrafficMatrix(model, assignment, topology.routers.length);
 * ```
 */
export function routerTrafficMatrix(
  model: CustomerModel,
  assignment: ArrayLike<number>,
  routers: number,
): Float64Array {
  const nc = model.customers.length;
  const out = new Float64Array(routers * routers);
  for (let a = 0; a < nc; a++) {
    const ra = assignment[a]!;
    for (let b = 0; b < nc; b++) {
      const d = model.demand[a * nc + b]!;
      if (d !== 0) out[ra * routers + assignment[b]!]! += d;
    }
  }
  return out;
}

/**
 * The assignment where every customer stays on its home router.
 *
 * @example
 * ```ts
 * const today = homeAssignment(model); // Int32Array of home router indices
 * ```
 */
export function homeAssignment(model: CustomerModel): Int32Array {
  return Int32Array.from(model.customers.map((c) => c.home));
}

/**
 * Sets explicit candidate routers: `candidates` maps a customer id to router ids (the home router
 * is put first whether listed or not). Customers not listed keep their candidates. Unknown
 * customers or routers are errors naming the entry.
 *
 * @example
 * ```ts
 * const m = withExplicitCandidates(topology, model, { "CHINng/c0": ["IPLSng"] });
 * ```
 */
export function withExplicitCandidates(
  topology: Topology,
  model: CustomerModel,
  candidates: Readonly<Record<string, readonly string[]>>,
): CustomerModel {
  const routerIndex = new Map(topology.routers.map((r, i) => [r.id, i]));
  const byId = new Map(model.customers.map((c, i) => [c.id, i]));
  const customers = [...model.customers];
  for (const [id, list] of Object.entries(candidates)) {
    const a = byId.get(id);
    if (a === undefined)
      throw new GraftPlannerError("BAD_CANDIDATES", `unknown customer ${id}`, {
        field: `candidates.${id}`,
      });
    if (!Array.isArray(list))
      throw new GraftPlannerError("BAD_CANDIDATES", `candidates of ${id} are not a list`, {
        field: `candidates.${id}`,
      });
    const c = customers[a]!;
    const out = [c.home];
    list.forEach((r, k) => {
      const i = routerIndex.get(r);
      if (i === undefined)
        throw new GraftPlannerError("BAD_CANDIDATES", `unknown router ${r}`, {
          field: `candidates.${id}[${k}]`,
        });
      if (!out.includes(i)) out.push(i);
    });
    customers[a] = { ...c, candidates: out };
  }
  return {
    customers,
    demand: model.demand,
    description: `${model.description}; explicit candidates for ${Object.keys(candidates).length} customer(s)`,
  };
}
