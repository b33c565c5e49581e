/** One re-homing: customer `customer` moves from router `from` to router `to`. */
export interface Graft {
  /** Customer index in the customer model. */
  readonly customer: number;
  /** Customer id. */
  readonly id: string;
  readonly from: number;
  readonly to: number;
}

/** A migration order: grafts applied one at a time, with the MLU after each. */
export interface MigrationOrder {
  /** True when an order keeping every intermediate MLU ≤ bound was found. */
  readonly feasible: boolean;
  /** The bound on the MLU during the transition. */
  readonly bound: number;
  /** The grafts in order (empty when infeasible). */
  readonly steps: readonly Graft[];
  /** MLU after each step (same length as `steps`). */
  readonly mluAfterStep: readonly number[];
  /** True when the search was exhaustive, so `feasible: false` proves no order exists. */
  readonly exhaustive: boolean;
  /** Human-readable statement of the outcome. */
  readonly statement: string;
}

/** Options of {@link migrationOrder}. */
export interface MigrationOptions {
  /** Most MLU evaluations before giving up (default 20 000). */
  readonly maxEvaluations?: number;
  /** Relative tolerance on the bound (default 1e-9). */
  readonly tolerance?: number;
}

/**
 * Orders grafts so that, applying them one at a time from the current attachment, the MLU never
 * exceeds `bound` after any step. Depth-first search over subsets of applied grafts, trying the
 * graft with the lowest resulting MLU first and remembering dead-end subsets; exhaustive up to
 * `maxEvaluations`, so a negative answer is a proof when `exhaustive` is true.
 *
 * @param mluOf MLU of an attachment (an evaluator such as `evaluateMlu`).
 * @example
 * ```ts
 * const order = migrationOrder((a) => evaluateMlu(topo, model, a, "igp"), grafts, home, 0.5);
 * if (order.feasible) for (const g of order.steps) console.log(g.id, g.from, "→", g.to);
 * ```
 */
export function migrationOrder(
  mluOf: (assignment: Int32Array) => number,
  grafts: readonly Graft[],
  start: ArrayLike<number>,
  bound: number,
  options: MigrationOptions = {},
): MigrationOrder {
  const limit = options.maxEvaluations ?? 20_000;
  const tol = (options.tolerance ?? 1e-9) * Math.max(1, Math.abs(bound));
  const k = grafts.length;
  const asg = Int32Array.from(start as ArrayLike<number>);
  const dead = new Set<string>();
  const cache = new Map<string, number>();
  let evaluations = 0;
  let aborted = false;
  const applied = new Uint8Array(k);
  const key = () => applied.join("");
  const steps: number[] = [];
  const mlus: number[] = [];
  const evalState = (): number => {
    const kk = key();
    const c = cache.get(kk);
    if (c !== undefined) return c;
    evaluations++;
    const v = mluOf(asg);
    cache.set(kk, v);
    return v;
  };
  const dfs = (depth: number): boolean => {
    if (depth === k) return true;
    if (dead.has(key())) return false;
    const options: { g: number; mlu: number }[] = [];
    for (let g = 0; g < k; g++) {
      if (applied[g]) continue;
      if (evaluations >= limit) {
        aborted = true;
        return false;
      }
      applied[g] = 1;
      asg[grafts[g]!.customer] = grafts[g]!.to;
      const mlu = evalState();
      applied[g] = 0;
      asg[grafts[g]!.customer] = grafts[g]!.from;
      if (mlu <= bound + tol) options.push({ g, mlu });
    }
    options.sort((x, y) => x.mlu - y.mlu || x.g - y.g);
    for (const { g, mlu } of options) {
      applied[g] = 1;
      asg[grafts[g]!.customer] = grafts[g]!.to;
      steps.push(g);
      mlus.push(mlu);
      if (dfs(depth + 1)) return true;
      steps.pop();
      mlus.pop();
      applied[g] = 0;
      asg[grafts[g]!.customer] = grafts[g]!.from;
      if (aborted) return false;
    }
    if (!aborted) dead.add(key());
    return false;
  };
  const ok = dfs(0);
  if (ok)
    return {
      feasible: true,
      bound,
      steps: steps.map((g) => grafts[g]!),
      mluAfterStep: mlus,
      exhaustive: true,
      statement:
        k === 0
          ? "no graft needed"
          : `${k} graft(s) in sequence; the MLU stays ≤ ${bound.toPrecision(6)} after every step`,
    };
  return {
    feasible: false,
    bound,
    steps: [],
    mluAfterStep: [],
    exhaustive: !aborted,
    statement: aborted
      ? `no order found within ${limit} MLU evaluations (search not exhaustive)`
      : `no order of single grafts keeps the MLU ≤ ${bound.toPrecision(6)} at every step (exhaustive search)`,
  };
}
