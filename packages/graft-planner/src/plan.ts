import {
  buildCustomerModel,
  type CustomerModel,
  type CustomerModelOptions,
  homeAssignment,
} from "./customers";
import { GraftPlannerError } from "./errors";
import { evaluateMlu } from "./evaluate";
import {
  formulateGraftMilp,
  type GraftFormulation,
  type RoutingRegime,
  readAssignment,
  startingSolution,
} from "./formulation";
import { localSearch } from "./local-search";
import { createSolver, type LpSolution, type Solver } from "./lp";
import { type Graft, type MigrationOrder, migrationOrder } from "./migration";
import { EcmpRouting } from "./routing";
import { type Topology, type TrafficMatrix, validateTrafficMatrix } from "./topology";

/** Solution method: exact MILP, LP relaxation + rounding (+ local search), or local search alone. */
export type PlanMethod = "milp" | "lp-round" | "local-search";

/** Options of {@link planGrafts}. */
export interface PlanOptions extends CustomerModelOptions {
  /** Routing regime (default `igp`). */
  readonly regime?: RoutingRegime;
  /** Method (default `milp`). */
  readonly method?: PlanMethod;
  /** An explicit customer model (overrides the split/candidate options). */
  readonly customerModel?: CustomerModel;
  /** Solver time limit in seconds (default 60). */
  readonly timeLimit?: number;
  /** Relative MIP gap at which the MILP may stop (default 1e-6). */
  readonly gapLimit?: number;
  /** MLU bound during migration (default: today's MLU, i.e. never worse than now). */
  readonly migrationBound?: number;
  /** Keep grafts whose reversal would not raise the MLU (default false: they are undone). */
  readonly keepRedundantGrafts?: boolean;
  /** Skip the migration-order search. */
  readonly skipMigration?: boolean;
  /** A loaded solver (warm); loaded on demand otherwise. */
  readonly solver?: Solver;
  /** ECMP routing of the topology to reuse. */
  readonly routing?: EcmpRouting;
}

/** A grafting plan. */
export interface Plan {
  readonly regime: RoutingRegime;
  readonly method: PlanMethod;
  /** MLU with today's attachment (ECMP for `igp`, optimal routing for `mcf`). */
  readonly mluBefore: number;
  /** MLU after the grafts, recomputed by the independent evaluator. */
  readonly mluAfter: number;
  /** Extra traffic carried at equal MLU: mluBefore / mluAfter − 1 (0.188 = 18.8 %). */
  readonly gain: number;
  /**
   * Proven relative optimality gap (mluAfter − bound) / mluAfter: the MILP's gap, or for
   * `lp-round` the gap to the LP-relaxation bound; null when no bound was computed.
   */
  readonly gap: number | null;
  /** Proven lower bound on the optimal MLU, when known. */
  readonly bound: number | null;
  /** Solver status (`optimal`, `time-limit`, `heuristic`). */
  readonly status: string;
  readonly grafts: readonly Graft[];
  /** Router per customer after the grafts. */
  readonly assignment: Int32Array;
  readonly migration: MigrationOrder | null;
  /** The customer model used, stated. */
  readonly customerModel: string;
  /** Time spent in the solver / heuristic, ms. */
  readonly solveMs: number;
}

/** Options of {@link solveGraftMilp}. */
export interface SolveGraftMilpOptions {
  readonly solver: Solver;
  /** ECMP routing of the topology to reuse. */
  readonly routing?: EcmpRouting;
  /** Time limit in seconds (default 60). */
  readonly timeLimit?: number;
  /** Relative MIP gap at which to stop (default 1e-6). */
  readonly gapLimit?: number;
  /** Solve the LP relaxation only. */
  readonly relax?: boolean;
  /**
   * Seconds of local search (from today's attachment) whose result is given to HiGHS as the
   * first incumbent of an `igp` MILP (default 0.05; 0 disables). It never changes the optimum,
   * only how fast it is proven.
   */
  readonly warmStartSeconds?: number;
}

/**
 * Builds the graft MILP of a regime and solves it with HiGHS: the exact path of `planForModel`
 * (and of the benchmark). For `igp` a short local search provides a MIP start.
 *
 * @example
 * ```ts
 * const { formulation, solution } = solveGraftMilp(topology, model, "igp", { solver });
 * const assignment = readAssignment(formulation, model, solution.values);
 * ```
 */
export function solveGraftMilp(
  topology: Topology,
  model: CustomerModel,
  regime: RoutingRegime,
  options: SolveGraftMilpOptions,
): { readonly formulation: GraftFormulation; readonly solution: LpSolution } {
  const routing = options.routing ?? new EcmpRouting(topology);
  const warm = options.relax ? 0 : (options.warmStartSeconds ?? 0.05);
  const start =
    regime === "igp" && warm > 0
      ? localSearch(topology, model, regime, homeAssignment(model), {
          routing,
          timeLimit: warm,
        }).assignment
      : undefined;
  const formulation = formulateGraftMilp(topology, model, regime, routing);
  const solution = options.solver.solve(formulation.program, {
    timeLimit: options.timeLimit ?? 60,
    gapLimit: options.gapLimit ?? 1e-6,
    ...(options.relax ? { relax: true } : {}),
    ...(start === undefined ? {} : { start: startingSolution(formulation, model, start) }),
  });
  return { formulation, solution };
}

/**
 * Plans which customer links to graft (re-home), where, and in what order, to minimise the
 * maximum link utilisation of `topology` under the traffic matrix `tm`.
 *
 * @example
 * ```ts
 * const plan = await planGrafts(topology, tm, { regime: "igp", customersPerRouter: 2 });
 * console.log(plan.mluBefore, plan.mluAfter, plan.gain, plan.grafts);
 * ```
 */
export async function planGrafts(
  topology: Topology,
  tm: TrafficMatrix,
  options: PlanOptions = {},
): Promise<Plan> {
  validateTrafficMatrix(tm, topology.routers.length);
  const model = options.customerModel ?? buildCustomerModel(topology, tm, options);
  const solver = options.solver ?? (await createSolver());
  return planForModel(topology, model, { ...options, solver });
}

/**
 * {@link planGrafts} for an explicit customer model, synchronous with a loaded solver.
 *
 * @example
 * ```ts
 * const plan = planForModel(topology, model, { solver: await createSolver(), regime: "mcf" });
 * ```
 */
export function planForModel(
  topology: Topology,
  model: CustomerModel,
  options: PlanOptions & { readonly solver: Solver },
): Plan {
  const regime = options.regime ?? "igp";
  const method = options.method ?? "milp";
  const solver = options.solver;
  const routing = options.routing ?? new EcmpRouting(topology);
  const ctx = { solver, routing };
  const home = homeAssignment(model);
  const mluBefore = evaluateMlu(topology, model, home, regime, ctx);
  let assignment: Int32Array;
  let bound: number | null = null;
  let status: string;
  let solverGap: number | null = null;
  const t0 = performance.now();
  if (method === "milp" || method === "lp-round") {
    const { formulation: f, solution: sol } = solveGraftMilp(topology, model, regime, {
      solver,
      routing,
      timeLimit: options.timeLimit ?? 60,
      gapLimit: options.gapLimit ?? 1e-6,
      relax: method === "lp-round",
    });
    if (!sol.feasible)
      throw new GraftPlannerError(
        "SOLVER_FAILED",
        `${method} ended with status ${sol.status} and no solution`,
      );
    assignment = readAssignment(f, model, sol.values);
    bound = Number.isFinite(sol.bound) ? sol.bound : null;
    status = sol.status;
    if (method === "milp") solverGap = sol.gap;
    if (method === "lp-round") {
      const polished = localSearch(topology, model, regime, assignment, {
        ...ctx,
        timeLimit: options.timeLimit ?? 60,
      });
      assignment = polished.assignment;
      status = "heuristic";
    }
  } else {
    assignment = localSearch(topology, model, regime, home, {
      ...ctx,
      timeLimit: options.timeLimit ?? 60,
    }).assignment;
    status = "heuristic";
  }
  let mluAfter = evaluateMlu(topology, model, assignment, regime, ctx);
  const solveMs = performance.now() - t0;
  if (mluAfter > mluBefore) {
    // never recommend a plan worse than today (possible only after a time-limited solve)
    assignment = home;
    mluAfter = mluBefore;
  } else if (!options.keepRedundantGrafts) {
    // An optimum usually leaves some customers free to sit anywhere; undo every graft whose
    // reversal does not raise the MLU, so that the plan moves only the links that matter.
    assignment = Int32Array.from(assignment);
    const tol = 1e-9 * Math.max(1e-12, mluAfter);
    model.customers.forEach((c, a) => {
      if (assignment[a] === c.home) return;
      const moved = assignment[a]!;
      assignment[a] = c.home;
      const mlu = evaluateMlu(topology, model, assignment, regime, ctx);
      if (mlu <= mluAfter + tol) mluAfter = Math.min(mluAfter, mlu);
      else assignment[a] = moved;
    });
    mluAfter = evaluateMlu(topology, model, assignment, regime, ctx);
  }
  const grafts: Graft[] = [];
  model.customers.forEach((c, a) => {
    if (assignment[a] !== c.home)
      grafts.push({ customer: a, id: c.id, from: c.home, to: assignment[a]! });
  });
  const gap =
    solverGap !== null && mluAfter < mluBefore
      ? solverGap
      : bound === null || mluAfter === 0
        ? null
        : Math.max(0, (mluAfter - bound) / mluAfter);
  const migration = options.skipMigration
    ? null
    : migrationOrder(
        (a) => evaluateMlu(topology, model, a, regime, ctx),
        grafts,
        home,
        options.migrationBound ?? Math.max(mluBefore, mluAfter),
        { maxEvaluations: regime === "mcf" ? 2000 : 20_000 },
      );
  return {
    regime,
    method,
    mluBefore,
    mluAfter,
    gain: mluAfter > 0 ? mluBefore / mluAfter - 1 : 0,
    gap,
    bound,
    status,
    grafts,
    assignment,
    migration,
    customerModel: model.description,
    solveMs,
  };
}
