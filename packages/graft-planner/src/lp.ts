import loadHighs from "highs";
import { GraftPlannerError } from "./errors";

/** One constraint `lower ≤ Σ values[k]·x[indices[k]] ≤ upper` (±Infinity for one-sided). */
export interface LpRow {
  readonly name: string;
  readonly indices: readonly number[];
  readonly values: readonly number[];
  readonly lower: number;
  readonly upper: number;
}

/** A linear (or mixed-binary) program: minimise Σ cost·x subject to rows and bounds. */
export interface LinearProgram {
  readonly colNames: readonly string[];
  readonly colCost: readonly number[];
  readonly colLower: readonly number[];
  readonly colUpper: readonly number[];
  /** True for binary columns (bounds 0..1 and integral). */
  readonly binary: readonly boolean[];
  readonly rows: readonly LpRow[];
}

/**
 * Incremental builder of a {@link LinearProgram}.
 *
 * @example
 * ```ts
 * const lp = new LpBuilder();
 * const x = lp.addColumn("x", 0, 10, -1);
 * lp.addRow("cap", [x], [2], Number.NEGATIVE_INFINITY, 7);
 * const program = lp.build();
 * ```
 */
export class LpBuilder {
  readonly colNames: string[] = [];
  readonly colCost: number[] = [];
  readonly colLower: number[] = [];
  readonly colUpper: number[] = [];
  readonly binary: boolean[] = [];
  readonly rows: LpRow[] = [];

  /** Adds a column and returns its index. */
  addColumn(name: string, lower: number, upper: number, cost = 0, binary = false): number {
    this.colNames.push(name);
    this.colCost.push(cost);
    this.colLower.push(binary ? 0 : lower);
    this.colUpper.push(binary ? 1 : upper);
    this.binary.push(binary);
    return this.colNames.length - 1;
  }

  /** Adds a row; zero coefficients are dropped and repeated columns summed. */
  addRow(
    name: string,
    indices: readonly number[],
    values: readonly number[],
    lower: number,
    upper: number,
  ): void {
    let increasing = true;
    for (let k = 1; k < indices.length && increasing; k++)
      increasing = indices[k]! > indices[k - 1]!;
    const idx: number[] = [];
    const val: number[] = [];
    if (increasing) {
      // no repeated column: only drop the zeros
      for (let k = 0; k < indices.length; k++)
        if (values[k] !== 0) {
          idx.push(indices[k]!);
          val.push(values[k]!);
        }
    } else {
      const acc = new Map<number, number>();
      indices.forEach((j, k) => {
        acc.set(j, (acc.get(j) ?? 0) + values[k]!);
      });
      for (const [j, v] of acc)
        if (v !== 0) {
          idx.push(j);
          val.push(v);
        }
    }
    this.rows.push({ name, indices: idx, values: val, lower, upper });
  }

  /** The program built so far. */
  build(): LinearProgram {
    return this;
  }
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(v);
}

function term(v: number, name: string, first: boolean): string {
  const sign = v < 0 ? "-" : first ? "" : "+";
  const a = Math.abs(v);
  return `${sign}${sign === "" ? "" : " "}${a === 1 ? "" : `${fmt(a)} `}${name}`;
}

function expr(lp: LinearProgram, indices: readonly number[], values: readonly number[]): string {
  if (indices.length === 0) return `0 ${lp.colNames[0]}`;
  const parts: string[] = [];
  indices.forEach((j, k) => {
    parts.push(term(values[k]!, lp.colNames[j]!, k === 0));
  });
  const lines: string[] = [];
  for (let k = 0; k < parts.length; k += 8) lines.push(parts.slice(k, k + 8).join(" "));
  return lines.join("\n   ");
}

/**
 * Writes a program in CPLEX LP format (Minimize / Subject To / Bounds / Binaries / End), readable
 * by HiGHS, CBC, CPLEX, Gurobi and GLPK. Ranged rows are written as two rows `<name>_lo`/`_hi`.
 *
 * @example
 * ```ts
 * fs.writeFileSync("model.lp", toCplexLp(program));
 * ```
 */
export function toCplexLp(lp: LinearProgram, comment?: string): string {
  const out: string[] = [];
  if (comment !== undefined) for (const l of comment.split("\n")) out.push(`\\ ${l}`);
  const obj: number[] = [];
  const objV: number[] = [];
  lp.colCost.forEach((c, j) => {
    if (c !== 0) {
      obj.push(j);
      objV.push(c);
    }
  });
  out.push("Minimize", ` obj: ${expr(lp, obj, objV)}`, "Subject To");
  for (const r of lp.rows) {
    const e = expr(lp, r.indices, r.values);
    if (r.lower === r.upper) out.push(` ${r.name}: ${e} = ${fmt(r.upper)}`);
    else if (r.lower === Number.NEGATIVE_INFINITY) out.push(` ${r.name}: ${e} <= ${fmt(r.upper)}`);
    else if (r.upper === Number.POSITIVE_INFINITY) out.push(` ${r.name}: ${e} >= ${fmt(r.lower)}`);
    else {
      out.push(` ${r.name}_lo: ${e} >= ${fmt(r.lower)}`);
      out.push(` ${r.name}_hi: ${e} <= ${fmt(r.upper)}`);
    }
  }
  out.push("Bounds");
  lp.colNames.forEach((name, j) => {
    if (lp.binary[j]) return;
    const lo = lp.colLower[j]!;
    const hi = lp.colUpper[j]!;
    if (lo === 0 && hi === Number.POSITIVE_INFINITY) return;
    if (lo === Number.NEGATIVE_INFINITY && hi === Number.POSITIVE_INFINITY)
      out.push(` ${name} free`);
    else if (lo === hi) out.push(` ${name} = ${fmt(lo)}`);
    else
      out.push(
        ` ${lo === Number.NEGATIVE_INFINITY ? "-inf" : fmt(lo)} <= ${name} <= ${hi === Number.POSITIVE_INFINITY ? "+inf" : fmt(hi)}`,
      );
  });
  const bins = lp.colNames.filter((_, j) => lp.binary[j]);
  if (bins.length > 0) {
    out.push("Binaries");
    for (let k = 0; k < bins.length; k += 10) out.push(` ${bins.slice(k, k + 10).join(" ")}`);
  }
  out.push("End", "");
  return out.join("\n");
}

/** Limits of one solve. */
export interface SolveLimits {
  /** Wall-clock limit in seconds (default 60). */
  readonly timeLimit?: number;
  /** Relative MIP gap at which to stop (default 1e-6). */
  readonly gapLimit?: number;
  /** Solve the LP relaxation (integrality dropped). */
  readonly relax?: boolean;
  /**
   * A feasible starting solution (one value per column) given to HiGHS as the first incumbent
   * of a MIP; ignored by HiGHS when it is not feasible. It only speeds up the proof.
   */
  readonly start?: ArrayLike<number>;
}

/** Outcome of a solve. */
export interface LpSolution {
  /** `optimal`, `time-limit` (with or without a solution), `infeasible` or `failed`. */
  readonly status: "optimal" | "time-limit" | "infeasible" | "failed";
  /** Whether `values` hold a feasible solution. */
  readonly feasible: boolean;
  readonly objective: number;
  /** The solver's proven lower bound on the optimum (= objective for an optimal LP). */
  readonly bound: number;
  /** The solver's proven relative gap (objective − bound) / objective; 0 for an optimal LP. */
  readonly gap: number;
  readonly values: Float64Array;
  readonly ms: number;
}

type Highs = Awaited<ReturnType<typeof loadHighs>>;

/**
 * A loaded HiGHS (WebAssembly) instance. Load once with {@link createSolver} and reuse (warm).
 *
 * @example
 * ```ts
 * const solver = await createSolver();
 * const sol = solver.solve(program, { timeLimit: 10 });
 * ```
 */
export class Solver {
  private readonly highs: Highs;

  /** @internal Use {@link createSolver}. */
  constructor(highs: Highs) {
    this.highs = highs;
  }

  /** Solves a program with HiGHS (minimisation). */
  solve(lp: LinearProgram, limits: SolveLimits = {}): LpSolution {
    const h = this.highs;
    const n = lp.colNames.length;
    const counts = new Int32Array(n + 1);
    for (const r of lp.rows) for (const j of r.indices) counts[j + 1]!++;
    for (let j = 0; j < n; j++) counts[j + 1]! += counts[j]!;
    const starts = counts.slice();
    const nnz = counts[n]!;
    const indices = new Int32Array(nnz);
    const values = new Float64Array(nnz);
    const fill = counts.slice();
    lp.rows.forEach((r, i) => {
      r.indices.forEach((j, k) => {
        const p = fill[j]!++;
        indices[p] = i;
        values[p] = r.values[k]!;
      });
    });
    const inf = (v: number) =>
      v === Number.POSITIVE_INFINITY
        ? h.infinity
        : v === Number.NEGATIVE_INFINITY
          ? -h.infinity
          : v;
    const isMip = !limits.relax && lp.binary.some((b) => b);
    const t0 = performance.now();
    const model = h.createModel({
      numCols: n,
      numRows: lp.rows.length,
      colCost: Float64Array.from(lp.colCost),
      colLower: Float64Array.from(lp.colLower, inf),
      colUpper: Float64Array.from(lp.colUpper, inf),
      rowLower: Float64Array.from(lp.rows, (r) => inf(r.lower)),
      rowUpper: Float64Array.from(lp.rows, (r) => inf(r.upper)),
      matrix: { format: "csc", numRows: lp.rows.length, numCols: n, starts, indices, values },
      ...(isMip ? { integrality: Int32Array.from(lp.binary, (b) => (b ? 1 : 0)) } : {}),
    });
    try {
      model.options.set({
        output_flag: false,
        time_limit: limits.timeLimit ?? 60,
        mip_rel_gap: limits.gapLimit ?? 1e-6,
        mip_abs_gap: 1e-9,
        // With the default 1e-6, node pruning leaves the dual bound up to ~1e-5 (relative) below
        // an optimum on real Abilene instances; 1e-8 lets HiGHS prove the gaps it reports.
        mip_feasibility_tolerance: 1e-8,
      });
      if (isMip && limits.start !== undefined)
        model.setSolution({ colValue: Float64Array.from(limits.start) });
      model.run();
      const st = model.getModelStatus();
      const ms = performance.now() - t0;
      const c = h.constants.modelStatus;
      const primal = Number(model.info.get("primal_solution_status"));
      const feasible = primal === 2;
      const values = feasible
        ? Float64Array.from(model.getSolution().colValue)
        : new Float64Array(n);
      const objective = feasible ? model.getObjectiveValue() : Number.NaN;
      let bound = objective;
      let gap = 0;
      if (isMip) {
        bound = Number(model.info.get("mip_dual_bound"));
        gap = feasible ? Number(model.info.get("mip_gap")) : Number.POSITIVE_INFINITY;
      }
      const status =
        st === c.optimal
          ? "optimal"
          : st === c.timeLimit
            ? "time-limit"
            : st === c.infeasible
              ? "infeasible"
              : "failed";
      return { status, feasible, objective, bound, gap: Math.max(0, gap), values, ms };
    } finally {
      model.dispose();
    }
  }
}

let shared: Promise<Solver> | undefined;

/**
 * Loads HiGHS compiled to WebAssembly (bundled in the `highs` package; nothing is downloaded)
 * once per process and returns the shared solver.
 *
 * @example
 * ```ts
 * const solver = await createSolver();
 * ```
 */
export function createSolver(): Promise<Solver> {
  shared ??= loadHighs().then(
    (h) => new Solver(h),
    (e: unknown) => {
      shared = undefined;
      throw new GraftPlannerError(
        "SOLVER_LOAD",
        `cannot load HiGHS: ${String(e)}`,
        {},
        { cause: e },
      );
    },
  );
  return shared;
}
