import { type CustomerModel, routerTrafficMatrix } from "./customers";
import { GraftPlannerError } from "./errors";
import type { RoutingRegime } from "./formulation";
import { LpBuilder, type Solver } from "./lp";
import { EcmpRouting, maxLinkUtilisation } from "./routing";
import type { Topology } from "./topology";

/**
 * Optimal-routing MLU of a router-level TM: the LP min U s.t. per-destination flow conservation
 * and Σ flow ≤ U · capacity on every arc (a formulation independent of the graft MILP's
 * per-source commodities). Capacities and demands are normalised by the largest capacity.
 *
 * @example
 * ```ts
 * const mlu = optimalMlu(solver, topology, tm);
 * ```
 */
export function optimalMlu(solver: Solver, topology: Topology, tm: Float64Array): number {
  const n = topology.routers.length;
  const S = topology.links.reduce((mx, l) => Math.max(mx, l.capacity), 0);
  const lp = new LpBuilder();
  const U = lp.addColumn("U", 0, Number.POSITIVE_INFINITY, 1);
  const cap: number[][] = topology.links.map(() => []);
  for (let t = 0; t < n; t++) {
    let any = false;
    for (let v = 0; v < n; v++) if (v !== t && tm[v * n + t]! > 0) any = true;
    if (!any) continue;
    const f = topology.links.map((_, e) => {
      const c = lp.addColumn(`g_${t}_${e}`, 0, Number.POSITIVE_INFINITY);
      cap[e]!.push(c);
      return c;
    });
    for (let v = 0; v < n; v++) {
      if (v === t) continue;
      const cols: number[] = [];
      const vals: number[] = [];
      topology.links.forEach((l, e) => {
        if (l.from === v) {
          cols.push(f[e]!);
          vals.push(1);
        } else if (l.to === v) {
          cols.push(f[e]!);
          vals.push(-1);
        }
      });
      const rhs = tm[v * n + t]! / S;
      lp.addRow(`bal_${t}_${v}`, cols, vals, rhs, rhs);
    }
  }
  topology.links.forEach((l, e) => {
    if (cap[e]!.length > 0)
      lp.addRow(
        `cap_${e}`,
        [...cap[e]!, U],
        [...cap[e]!.map(() => 1), -l.capacity / S],
        Number.NEGATIVE_INFINITY,
        0,
      );
  });
  const sol = solver.solve(lp.build(), { timeLimit: 600 });
  if (sol.status === "infeasible")
    throw new GraftPlannerError("NO_ROUTE", "some demand has no path in the topology");
  if (sol.status !== "optimal")
    throw new GraftPlannerError(
      "SOLVER_FAILED",
      `optimal-routing LP ended with status ${sol.status}`,
    );
  return sol.objective;
}

/**
 * Recomputes the MLU of an attachment from the topology and the customer demands alone:
 * ECMP propagation for `igp`, the optimal-routing LP of {@link optimalMlu} for `mcf`.
 *
 * @example
 * ```ts
 * const mlu = evaluateMlu(topology, model, plan.assignment, "igp");
 * ```
 */
export function evaluateMlu(
  topology: Topology,
  model: CustomerModel,
  assignment: ArrayLike<number>,
  regime: RoutingRegime,
  context: { readonly solver?: Solver; readonly routing?: EcmpRouting } = {},
): number {
  const n = topology.routers.length;
  const tm = routerTrafficMatrix(model, assignment, n);
  if (regime === "igp") {
    const ecmp = context.routing ?? new EcmpRouting(topology);
    return maxLinkUtilisation(topology, ecmp.linkLoads(tm));
  }
  if (context.solver === undefined)
    throw new GraftPlannerError("BAD_OPTION", "evaluating optimal routing needs a solver", {
      field: "solver",
    });
  return optimalMlu(context.solver, topology, tm);
}
