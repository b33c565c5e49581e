import {
  buildCustomerModel,
  type CustomerModel,
  type CustomerModelOptions,
  homeAssignment,
} from "./customers";
import { GraftPlannerError } from "./errors";
import { evaluateMlu } from "./evaluate";
import type { RoutingRegime } from "./formulation";
import type { Solver } from "./lp";
import { type Plan, type PlanOptions, planForModel } from "./plan";
import { EcmpRouting } from "./routing";
import type { Topology, TrafficMatrix } from "./topology";

/** Options of {@link planSeries}. */
export interface SeriesOptions extends PlanOptions {
  readonly solver: Solver;
  /**
   * Cost of one graft, in MLU units summed over intervals: re-homing one customer is worth it
   * when it lowers the summed MLU by more than this (default 0.01).
   */
  readonly moveCost?: number;
  /** Most distinct attachments the schedule chooses among (default 8, most frequent first). */
  readonly maxStates?: number;
  /** Builds the customer model of an interval (default: {@link buildCustomerModel} with these options). */
  readonly customerModelFor?: (tm: TrafficMatrix) => CustomerModel;
  /** Called after each interval is planned (for progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Outcome of {@link planSeries}. */
export interface SeriesResult {
  /** Per-interval optimal plans (each re-optimised independently). */
  readonly plans: readonly Plan[];
  /** Attachment chosen for each interval by the move-cost schedule (index into `states`). */
  readonly schedule: readonly number[];
  /** Distinct attachments the schedule chose among (state 0 = today's attachment). */
  readonly states: readonly Int32Array[];
  /** Number of single grafts the schedule performs over the series. */
  readonly moves: number;
  /** Mean MLU: today's attachment, the schedule, and per-interval re-optimisation. */
  readonly meanMluBefore: number;
  readonly meanMluScheduled: number;
  readonly meanMluOptimal: number;
}

function hamming(a: Int32Array, b: Int32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/**
 * Plans a series of TMs (e.g. 5-minute intervals): an optimal plan per interval, then how often
 * to move — a dynamic program over the most frequent optimal attachments that minimises
 * Σ MLU(interval) + moveCost × (number of grafts performed), starting from today's attachment.
 * Customers are split with the same seeded rule in every interval, so attachments compare.
 *
 * @example
 * ```ts
 * const s = planSeries(topology, tms, { solver, regime: "igp", moveCost: 0.05 });
 * console.log(s.moves, s.meanMluScheduled);
 * ```
 */
export function planSeries(
  topology: Topology,
  tms: readonly TrafficMatrix[],
  options: SeriesOptions,
): SeriesResult {
  if (tms.length === 0)
    throw new GraftPlannerError("BAD_OPTION", "empty TM series", { field: "tms" });
  const regime: RoutingRegime = options.regime ?? "igp";
  const routing = options.routing ?? new EcmpRouting(topology);
  const moveCost = options.moveCost ?? 0.01;
  const modelOptions: CustomerModelOptions = options;
  const models = tms.map(
    (tm) => options.customerModelFor?.(tm) ?? buildCustomerModel(topology, tm, modelOptions),
  );
  const plans = models.map((model, i) => {
    const p = planForModel(topology, model, { ...options, routing, skipMigration: true });
    options.onProgress?.(i + 1, tms.length);
    return p;
  });
  const home = homeAssignment(models[0]!);
  const freq = new Map<string, { a: Int32Array; count: number }>();
  for (const p of plans) {
    const k = p.assignment.join(",");
    const f = freq.get(k);
    if (f === undefined) freq.set(k, { a: p.assignment, count: 1 });
    else f.count++;
  }
  const states = [
    home,
    ...[...freq.values()]
      .filter((f) => hamming(f.a, home) > 0)
      .sort((x, y) => y.count - x.count)
      .slice(0, (options.maxStates ?? 8) - 1)
      .map((f) => f.a),
  ];
  const ctx = { solver: options.solver, routing };
  const cost = models.map((model, t) =>
    states.map((s, k) =>
      k === 0 ? plans[t]!.mluBefore : evaluateMlu(topology, model, s, regime, ctx),
    ),
  );
  const K = states.length;
  const T = tms.length;
  const best = new Float64Array(T * K);
  const from = new Int32Array(T * K);
  for (let k = 0; k < K; k++) best[k] = cost[0]![k]! + moveCost * hamming(home, states[k]!);
  for (let t = 1; t < T; t++)
    for (let k = 0; k < K; k++) {
      let bv = Number.POSITIVE_INFINITY;
      let bj = 0;
      for (let j = 0; j < K; j++) {
        const v = best[(t - 1) * K + j]! + moveCost * hamming(states[j]!, states[k]!);
        if (v < bv) {
          bv = v;
          bj = j;
        }
      }
      best[t * K + k] = bv + cost[t]![k]!;
      from[t * K + k] = bj;
    }
  let end = 0;
  for (let k = 1; k < K; k++) if (best[(T - 1) * K + k]! < best[(T - 1) * K + end]!) end = k;
  const schedule = new Array<number>(T);
  schedule[T - 1] = end;
  for (let t = T - 1; t > 0; t--) schedule[t - 1] = from[t * K + schedule[t]!]!;
  let moves = hamming(home, states[schedule[0]!]!);
  for (let t = 1; t < T; t++) moves += hamming(states[schedule[t - 1]!]!, states[schedule[t]!]!);
  const mean = (f: (t: number) => number) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += f(t);
    return s / T;
  };
  return {
    plans,
    schedule,
    states,
    moves,
    meanMluBefore: mean((t) => plans[t]!.mluBefore),
    meanMluScheduled: mean((t) => cost[t]![schedule[t]!]!),
    meanMluOptimal: mean((t) => plans[t]!.mluAfter),
  };
}
