import { type CustomerModel, routerTrafficMatrix } from "./customers";
import { evaluateMlu } from "./evaluate";
import type { RoutingRegime } from "./formulation";
import type { Solver } from "./lp";
import { cachedPairFractions, EcmpRouting } from "./routing";
import type { Topology } from "./topology";

/** Options of {@link localSearch}. */
export interface LocalSearchOptions {
  /** ECMP routing to reuse (IGP regime). */
  readonly routing?: EcmpRouting;
  /** Solver for the optimal-routing regime (each move is evaluated by an LP). */
  readonly solver?: Solver;
  /** Stop after this many accepted moves (default 10 000). */
  readonly maxMoves?: number;
  /** Stop after this many seconds (default 60). */
  readonly timeLimit?: number;
}

/** Result of {@link localSearch}. */
export interface LocalSearchResult {
  readonly assignment: Int32Array;
  readonly mlu: number;
  readonly moves: number;
}

/**
 * Steepest-descent local search over single re-homings: repeatedly applies the move (customer →
 * another candidate router) that lowers the MLU most — ties broken by the sum of squared link
 * utilisations, which lets the search leave plateaus — until no move improves. For fixed IGP
 * routing each customer's per-arc load contribution at each candidate is kept, so evaluating a
 * move costs one pass over the arcs; for optimal routing each move is evaluated by an LP.
 *
 * @example
 * ```ts
 * const { assignment, mlu } = localSearch(topology, model, "igp", homeAssignment(model));
 * ```
 */
export function localSearch(
  topology: Topology,
  model: CustomerModel,
  regime: RoutingRegime,
  start: ArrayLike<number>,
  options: LocalSearchOptions = {},
): LocalSearchResult {
  return regime === "igp"
    ? localSearchIgp(topology, model, start, options)
    : localSearchMcf(topology, model, start, options);
}

function score(load: Float64Array, cap: Float64Array): [number, number] {
  let mlu = 0;
  let sq = 0;
  for (let e = 0; e < load.length; e++) {
    const u = load[e]! / cap[e]!;
    if (u > mlu) mlu = u;
    sq += u * u;
  }
  return [mlu, sq];
}

function better(a: [number, number], b: [number, number]): boolean {
  const tol = 1e-12 * Math.max(1, b[0]);
  if (a[0] < b[0] - tol) return true;
  return a[0] <= b[0] + tol && a[1] < b[1] - 1e-12 * Math.max(1, b[1]);
}

function localSearchIgp(
  topology: Topology,
  model: CustomerModel,
  start: ArrayLike<number>,
  options: LocalSearchOptions,
): LocalSearchResult {
  const ecmp = options.routing ?? new EcmpRouting(topology);
  const n = topology.routers.length;
  const m = topology.links.length;
  const nc = model.customers.length;
  const d = model.demand;
  const cap = Float64Array.from(topology.links, (l) => l.capacity);
  const asg = Int32Array.from(start as ArrayLike<number>);
  const load = ecmp.linkLoads(routerTrafficMatrix(model, asg, n));
  const movable = model.customers
    .map((c, a) => (c.candidates.length > 1 ? a : -1))
    .filter((a) => a >= 0);
  const pair = cachedPairFractions(ecmp);
  const out = new Float64Array(n);
  const inn = new Float64Array(n);
  const scratch = new Float64Array(n);
  /** Per-arc load of customer a's traffic when attached at r, others as in asg. */
  const contribution = (a: number, r: number): Float64Array => {
    out.fill(0);
    inn.fill(0);
    for (let b = 0; b < nc; b++) {
      if (b === a) continue;
      out[asg[b]!]! += d[a * nc + b]!;
      inn[asg[b]!]! += d[b * nc + a]!;
    }
    const c = new Float64Array(m);
    for (let t = 0; t < n; t++) {
      if (t === r || out[t] === 0) continue;
      const p = pair(r, t);
      for (let q = 0; q < p.arcs.length; q++) c[p.arcs[q]!]! += out[t]! * p.fractions[q]!;
    }
    ecmp.propagate(r, inn, c, scratch);
    return c;
  };
  const deadline = performance.now() + (options.timeLimit ?? 60) * 1000;
  const maxMoves = options.maxMoves ?? 10_000;
  let current = score(load, cap);
  let moves = 0;
  const trial = new Float64Array(m);
  while (moves < maxMoves && performance.now() < deadline) {
    let best: { a: number; r: number; s: [number, number]; delta: Float64Array } | undefined;
    let cut = false;
    for (const a of movable) {
      // a scan over many customers can be long: stop at the deadline with the best move so far
      if (performance.now() > deadline) {
        cut = true;
        break;
      }
      const here = contribution(a, asg[a]!);
      for (const r of model.customers[a]!.candidates) {
        if (r === asg[a]) continue;
        const there = contribution(a, r);
        for (let e = 0; e < m; e++) trial[e] = load[e]! - here[e]! + there[e]!;
        const s = score(trial, cap);
        if (better(s, best?.s ?? current)) {
          const delta = new Float64Array(m);
          for (let e = 0; e < m; e++) delta[e] = there[e]! - here[e]!;
          best = { a, r, s, delta };
        }
      }
    }
    if (best === undefined) break;
    asg[best.a] = best.r;
    for (let e = 0; e < m; e++) load[e]! += best.delta[e]!;
    current = best.s;
    moves++;
    if (cut) break;
  }
  // recompute from scratch so that rounding drift never leaks into the reported MLU
  const final = score(ecmp.linkLoads(routerTrafficMatrix(model, asg, n)), cap);
  return { assignment: asg, mlu: final[0], moves };
}

function localSearchMcf(
  topology: Topology,
  model: CustomerModel,
  start: ArrayLike<number>,
  options: LocalSearchOptions,
): LocalSearchResult {
  const asg = Int32Array.from(start as ArrayLike<number>);
  const ctx = options.solver === undefined ? {} : { solver: options.solver };
  let current = evaluateMlu(topology, model, asg, "mcf", ctx);
  const deadline = performance.now() + (options.timeLimit ?? 60) * 1000;
  const maxMoves = options.maxMoves ?? 10_000;
  let moves = 0;
  while (moves < maxMoves && performance.now() < deadline) {
    let best: { a: number; r: number; mlu: number } | undefined;
    model.customers.forEach((c, a) => {
      for (const r of c.candidates) {
        if (r === asg[a] || performance.now() > deadline) continue;
        const old = asg[a]!;
        asg[a] = r;
        const mlu = evaluateMlu(topology, model, asg, "mcf", ctx);
        asg[a] = old;
        if (mlu < (best?.mlu ?? current) - 1e-9 * Math.max(1, current)) best = { a, r, mlu };
      }
    });
    if (best === undefined) break;
    asg[best.a] = best.r;
    current = best.mlu;
    moves++;
  }
  return { assignment: asg, mlu: current, moves };
}
