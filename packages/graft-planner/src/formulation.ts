import type { CustomerModel } from "./customers";
import { GraftPlannerError } from "./errors";
import { type LinearProgram, LpBuilder } from "./lp";
import { cachedPairFractions, EcmpRouting } from "./routing";
import { type Topology, validateTopology } from "./topology";

/** Routing regime: fixed IGP shortest paths with ECMP, or optimal multicommodity-flow routing. */
export type RoutingRegime = "igp" | "mcf";

/** A graft MILP and how to read a plan from its solution. */
export interface GraftFormulation {
  readonly program: LinearProgram;
  readonly regime: RoutingRegime;
  /** Column of the objective variable U (the MLU). */
  readonly mluColumn: number;
  /** `attachColumns[a][k]` = column of x[a, candidates[k]], or -1 when a is fixed. */
  readonly attachColumns: readonly (readonly number[])[];
  /** Capacities and demands were divided by this value (the largest capacity) before solving. */
  readonly scale: number;
}

function check(topology: Topology, model: CustomerModel): void {
  validateTopology(topology);
  const n = topology.routers.length;
  const nc = model.customers.length;
  if (model.demand.length !== nc * nc)
    throw new GraftPlannerError("BAD_MODEL", "customer demand matrix is not customers × customers");
  model.customers.forEach((c, i) => {
    if (c.candidates.length === 0 || c.candidates[0] !== c.home)
      throw new GraftPlannerError(
        "BAD_MODEL",
        `customer ${c.id}: candidates must start with home`,
        {
          field: `customers[${i}].candidates`,
        },
      );
    for (const r of c.candidates)
      if (!Number.isInteger(r) || r < 0 || r >= n)
        throw new GraftPlannerError("BAD_MODEL", `customer ${c.id}: candidate ${r} out of range`, {
          field: `customers[${i}].candidates`,
        });
    if (new Set(c.candidates).size !== c.candidates.length)
      throw new GraftPlannerError("BAD_MODEL", `customer ${c.id}: repeated candidate`, {
        field: `customers[${i}].candidates`,
      });
  });
}

function attachmentColumns(
  lp: LpBuilder,
  model: CustomerModel,
  routers: readonly { id: string }[],
): number[][] {
  return model.customers.map((c, a) => {
    if (c.candidates.length === 1) return [-1];
    const cols = c.candidates.map((r) => lp.addColumn(`x_${a}_${r}`, 0, 1, 0, true));
    lp.addRow(
      `assign_${a}`,
      cols,
      cols.map(() => 1),
      1,
      1,
    );
    void routers;
    return cols;
  });
}

/**
 * Builds the joint attachment MILP for a regime: binary x[a,r] places customer a on candidate r;
 * minimise U subject to every arc load ≤ U · capacity. Capacities and demands are divided by the
 * largest capacity first, so U is the MLU and all coefficients are O(1).
 *
 * - `igp`: arc load = Σ demand · ECMP fraction of its router pair. Pairs of movable customers use
 *   continuous z[a,b,r,s] with Σ_s z = x[a,r], Σ_r z = x[b,s] (exact for binary x).
 * - `mcf`: one commodity per movable customer (source) and one per router for fixed customers;
 *   flow conservation makes the supply of a at r equal O_a · x[a,r] and the sink of b at s equal
 *   d_ab · x[b,s] — linear, so no z is needed.
 *
 * @example
 * ```ts
 * const f = formulateGraftMilp(topology, model, "igp");
 * toCplexLp(f.program);
 * ```
 */
export function formulateGraftMilp(
  topology: Topology,
  model: CustomerModel,
  regime: RoutingRegime,
  routing?: EcmpRouting,
): GraftFormulation {
  check(topology, model);
  return regime === "igp"
    ? formulateIgp(topology, model, routing ?? new EcmpRouting(topology))
    : formulateMcf(topology, model);
}

function maxCapacity(topology: Topology): number {
  return topology.links.reduce((m, l) => Math.max(m, l.capacity), 0);
}

/** Per-arc load vectors of columns, gathered column by column and emitted as capacity rows. */
class ArcCoefficients {
  readonly cols: number[] = [];
  readonly arcs: number[] = [];
  readonly vals: number[] = [];

  push(col: number, arc: number, val: number): void {
    this.cols.push(col);
    this.arcs.push(arc);
    this.vals.push(val);
  }
}

/**
 * Whether `v` is more than floating-point noise of a sum whose terms have total magnitude `mag`
 * (coefficients of the projected formulation are differences of path loads that may cancel).
 */
function significant(v: number, mag: number): boolean {
  return Math.abs(v) > 1e-12 * mag;
}

function formulateIgp(
  topology: Topology,
  model: CustomerModel,
  ecmp: EcmpRouting,
): GraftFormulation {
  const n = topology.routers.length;
  const m = topology.links.length;
  const nc = model.customers.length;
  const S = maxCapacity(topology);
  const lp = new LpBuilder();
  const U = lp.addColumn("U", 0, Number.POSITIVE_INFINITY, 1);
  const attach = attachmentColumns(lp, model, topology.routers);
  const movable = model.customers.map((c) => c.candidates.length > 1);
  const d = model.demand;
  // 1. constant loads of fixed–fixed pairs
  const fixedTm = new Float64Array(n * n);
  for (let a = 0; a < nc; a++) {
    if (movable[a]) continue;
    const ha = model.customers[a]!.home;
    for (let b = 0; b < nc; b++) {
      if (movable[b] || a === b) continue;
      const v = d[a * nc + b]!;
      if (v > 0) fixedTm[ha * n + model.customers[b]!.home]! += v;
    }
  }
  const constant = ecmp.linkLoads(fixedTm);
  // Dense per-arc loads of every x column (value and magnitude of the summed terms).
  const xLoad = new Map<number, { val: Float64Array; mag: Float64Array }>();
  const xOf = (col: number) => {
    let v = xLoad.get(col);
    if (v === undefined) {
      v = { val: new Float64Array(m), mag: new Float64Array(m) };
      xLoad.set(col, v);
    }
    return v;
  };
  const pair = cachedPairFractions(ecmp);
  // 2. movable × fixed: the load of a's traffic with the fixed customers, per candidate
  const out = new Float64Array(n);
  const inn = new Float64Array(n);
  const scratch = new Float64Array(n);
  const load = new Float64Array(m);
  for (let a = 0; a < nc; a++) {
    if (!movable[a]) continue;
    out.fill(0);
    inn.fill(0);
    let any = false;
    for (let b = 0; b < nc; b++) {
      if (movable[b] || a === b) continue;
      const hb = model.customers[b]!.home;
      out[hb]! += d[a * nc + b]!;
      inn[hb]! += d[b * nc + a]!;
      any ||= d[a * nc + b]! > 0 || d[b * nc + a]! > 0;
    }
    if (!any) continue;
    model.customers[a]!.candidates.forEach((r, k) => {
      load.fill(0);
      for (let t = 0; t < n; t++) {
        if (t === r || out[t] === 0) continue;
        const p = pair(r, t);
        for (let q = 0; q < p.arcs.length; q++) load[p.arcs[q]!]! += out[t]! * p.fractions[q]!;
      }
      ecmp.propagate(r, inn, load, scratch);
      const x = xOf(attach[a]![k]!);
      for (let e = 0; e < m; e++) {
        x.val[e]! += load[e]!;
        x.mag[e]! += load[e]!;
      }
    });
  }
  // 3. movable × movable. The pair's load is Σ_{i,j} z_ij·L_ij with z_ij = x[a,cand_i]·x[b,cand_j]
  // and L_ij the ECMP load of its two demands between cand_i and cand_j. The exact linearisation
  // (z ≥ 0, Σ_j z_ij = x[a,i], Σ_i z_ij = x[b,j]) is projected onto w_ij = z_ij for i, j ≥ 1
  // (index 0 = home): z_i0 = x[a,i] − Σ_j w_ij, z_0j = x[b,j] − Σ_i w_ij and
  // z_00 = x[a,0] − Σ_{j≥1} x[b,j] + Σ w, whose non-negativity gives the rows below. The load
  // becomes x[a,0]·L_00 + Σ_i x[a,i]·L_i0 + Σ_j x[b,j]·(L_0j − L_00) + Σ w_ij·(L_ij − L_i0 − L_0j + L_00):
  // the same feasible set and the same LP relaxation with (k−1)² instead of k² columns per pair.
  const wCoef = new ArcCoefficients();
  const products: number[] = [];
  const wVal = new Float64Array(m);
  const wMag = new Float64Array(m);
  const touched: number[] = [];
  const mark = new Uint8Array(m);
  let ca: readonly number[] = [];
  let cb: readonly number[] = [];
  let dab = 0;
  let dba = 0;
  /** Adds sign · L_ij (i-th candidate of a, j-th of b) to `val`/`mag`, recording touched arcs. */
  const addPath = (
    i: number,
    j: number,
    sign: number,
    val: Float64Array,
    mag: Float64Array,
    track: boolean,
  ) => {
    const r = ca[i]!;
    const s = cb[j]!;
    if (r === s) return;
    for (const [from, to, dem] of [
      [r, s, dab],
      [s, r, dba],
    ] as const) {
      if (dem === 0) continue;
      const p = pair(from, to);
      for (let q = 0; q < p.arcs.length; q++) {
        const e = p.arcs[q]!;
        const v = dem * p.fractions[q]!;
        val[e]! += sign * v;
        mag[e]! += v;
        if (track && mark[e] === 0) {
          mark[e] = 1;
          touched.push(e);
        }
      }
    }
  };
  for (let a = 0; a < nc; a++) {
    if (!movable[a]) continue;
    ca = model.customers[a]!.candidates;
    for (let b = a + 1; b < nc; b++) {
      if (!movable[b]) continue;
      dab = d[a * nc + b]!;
      dba = d[b * nc + a]!;
      if (dab + dba === 0) continue;
      cb = model.customers[b]!.candidates;
      const xa = attach[a]!;
      const xb = attach[b]!;
      const xa0 = xOf(xa[0]!);
      addPath(0, 0, 1, xa0.val, xa0.mag, false);
      for (let i = 1; i < ca.length; i++) {
        const x = xOf(xa[i]!);
        addPath(i, 0, 1, x.val, x.mag, false);
      }
      for (let j = 1; j < cb.length; j++) {
        const x = xOf(xb[j]!);
        addPath(0, j, 1, x.val, x.mag, false);
        addPath(0, 0, -1, x.val, x.mag, false);
      }
      // w columns: kept only when some w has a load (else z = x[a]·x[b] is never constrained)
      const w: { i: number; j: number; arcs: number[]; vals: number[] }[] = [];
      for (let i = 1; i < ca.length; i++)
        for (let j = 1; j < cb.length; j++) {
          addPath(i, j, 1, wVal, wMag, true);
          addPath(i, 0, -1, wVal, wMag, true);
          addPath(0, j, -1, wVal, wMag, true);
          addPath(0, 0, 1, wVal, wMag, true);
          const arcs: number[] = [];
          const vals: number[] = [];
          touched.sort((p, q) => p - q);
          for (const e of touched) {
            if (significant(wVal[e]!, wMag[e]!)) {
              arcs.push(e);
              vals.push(wVal[e]! / S);
            }
            wVal[e] = 0;
            wMag[e] = 0;
            mark[e] = 0;
          }
          touched.length = 0;
          w.push({ i, j, arcs, vals });
        }
      if (w.every((c) => c.arcs.length === 0)) continue;
      const cols = w.map((c) => {
        const col = lp.addColumn(`w_${a}_${b}_${ca[c.i]}_${cb[c.j]}`, 0, 1);
        products.push(col, xa[c.i]!, xb[c.j]!);
        c.arcs.forEach((e, q) => {
          wCoef.push(col, e, c.vals[q]!);
        });
        return col;
      });
      const kb1 = cb.length - 1;
      for (let i = 1; i < ca.length; i++) {
        const row = cols.slice((i - 1) * kb1, i * kb1);
        lp.addRow(
          `wa_${a}_${b}_${i}`,
          [xa[i]!, ...row],
          [-1, ...row.map(() => 1)],
          Number.NEGATIVE_INFINITY,
          0,
        );
      }
      for (let j = 1; j < cb.length; j++) {
        const col = cols.filter((_, q) => q % kb1 === j - 1);
        lp.addRow(
          `wb_${a}_${b}_${j}`,
          [xb[j]!, ...col],
          [-1, ...col.map(() => 1)],
          Number.NEGATIVE_INFINITY,
          0,
        );
      }
      lp.addRow(
        `w0_${a}_${b}`,
        [xa[0]!, ...xb.slice(1), ...cols],
        [1, ...xb.slice(1).map(() => -1), ...cols.map(() => 1)],
        0,
        Number.POSITIVE_INFINITY,
      );
    }
  }
  // 4. capacity rows: Σ load·col − capacity·U ≤ −constant load (columns in increasing order)
  const xCoef = new ArcCoefficients();
  for (const col of [...xLoad.keys()].sort((p, q) => p - q)) {
    const x = xLoad.get(col)!;
    for (let e = 0; e < m; e++)
      if (x.val[e] !== 0 && significant(x.val[e]!, x.mag[e]!)) xCoef.push(col, e, x.val[e]! / S);
  }
  const rowStart = new Int32Array(m + 1);
  for (const list of [xCoef, wCoef]) for (const e of list.arcs) rowStart[e + 1]!++;
  for (let e = 0; e < m; e++) rowStart[e + 1]! += rowStart[e]!;
  const fill = rowStart.slice();
  const rowCols = new Int32Array(rowStart[m]!);
  const rowVals = new Float64Array(rowStart[m]!);
  for (const list of [xCoef, wCoef])
    list.arcs.forEach((e, q) => {
      const p = fill[e]!++;
      rowCols[p] = list.cols[q]!;
      rowVals[p] = list.vals[q]!;
    });
  topology.links.forEach((l, e) => {
    const p0 = rowStart[e]!;
    const p1 = rowStart[e + 1]!;
    if (p0 === p1 && constant[e] === 0) return;
    lp.addRow(
      `cap_${e}`,
      [U, ...rowCols.subarray(p0, p1)],
      [-l.capacity / S, ...rowVals.subarray(p0, p1)],
      Number.NEGATIVE_INFINITY,
      -constant[e]! / S,
    );
  });
  const f: GraftFormulation = {
    program: lp.build(),
    regime: "igp",
    mluColumn: U,
    attachColumns: attach,
    scale: S,
  };
  productColumns.set(f, Int32Array.from(products));
  return f;
}

/** IGP formulations: (w, x[a,i], x[b,j]) triples of the product columns w = x[a,i]·x[b,j]. */
const productColumns = new WeakMap<GraftFormulation, Int32Array>();

/**
 * The column values of an attachment in an `igp` formulation — x from the attachment, each
 * product column w from its two x, and U as small as the capacity rows allow (the attachment's
 * MLU) — for use as a MIP start (`SolveLimits.start`). Undefined for `mcf` (whose flows
 * would need an LP solve).
 *
 * @example
 * ```ts
 * const start = startingSolution(f, model, homeAssignment(model));
 * solver.solve(f.program, { start });
 * ```
 */
export function startingSolution(
  f: GraftFormulation,
  model: CustomerModel,
  assignment: ArrayLike<number>,
): Float64Array | undefined {
  const products = productColumns.get(f);
  if (products === undefined) return undefined;
  const lp = f.program;
  const v = new Float64Array(lp.colNames.length);
  model.customers.forEach((c, a) => {
    const cols = f.attachColumns[a]!;
    if (cols[0] === -1) return;
    const k = c.candidates.indexOf(assignment[a]!);
    if (k < 0)
      throw new GraftPlannerError(
        "BAD_MODEL",
        `customer ${c.id}: router ${assignment[a]} is not a candidate`,
        { field: `assignment[${a}]` },
      );
    v[cols[k]!] = 1;
  });
  for (let p = 0; p < products.length; p += 3)
    v[products[p]!] = v[products[p + 1]!]! * v[products[p + 2]!]!;
  let u = 0;
  for (const r of lp.rows) {
    let coefU = 0;
    let rest = 0;
    r.indices.forEach((j, q) => {
      if (j === f.mluColumn) coefU = r.values[q]!;
      else rest += r.values[q]! * v[j]!;
    });
    if (coefU < 0) u = Math.max(u, (rest - r.upper) / -coefU);
  }
  v[f.mluColumn] = u;
  return v;
}

function formulateMcf(topology: Topology, model: CustomerModel): GraftFormulation {
  const n = topology.routers.length;
  const m = topology.links.length;
  const nc = model.customers.length;
  const S = maxCapacity(topology);
  const lp = new LpBuilder();
  const U = lp.addColumn("U", 0, Number.POSITIVE_INFINITY, 1);
  const attach = attachmentColumns(lp, model, topology.routers);
  const movable = model.customers.map((c) => c.candidates.length > 1);
  const d = model.demand;
  const capCols: number[][] = Array.from({ length: m }, () => []);
  const outArcs: number[][] = Array.from({ length: n }, () => []);
  const inArcs: number[][] = Array.from({ length: n }, () => []);
  topology.links.forEach((l, e) => {
    outArcs[l.from]!.push(e);
    inArcs[l.to]!.push(e);
  });
  /** Adds one commodity: flows on all arcs and one conservation row per router. */
  const commodity = (
    tag: string,
    rhs: Float64Array,
    extra: (v: number) => { cols: number[]; vals: number[] },
  ) => {
    const f = topology.links.map((_, e) => {
      const col = lp.addColumn(`f_${tag}_${e}`, 0, Number.POSITIVE_INFINITY);
      capCols[e]!.push(col);
      return col;
    });
    for (let v = 0; v < n; v++) {
      const cols: number[] = [];
      const vals: number[] = [];
      for (const e of outArcs[v]!) {
        cols.push(f[e]!);
        vals.push(1);
      }
      for (const e of inArcs[v]!) {
        cols.push(f[e]!);
        vals.push(-1);
      }
      const x = extra(v);
      lp.addRow(`flow_${tag}_${v}`, [...cols, ...x.cols], [...vals, ...x.vals], rhs[v]!, rhs[v]!);
    }
  };
  const candIndex = (b: number, v: number) => model.customers[b]!.candidates.indexOf(v);
  // movable sources
  for (let a = 0; a < nc; a++) {
    if (!movable[a]) continue;
    let total = 0;
    const rhs = new Float64Array(n);
    for (let b = 0; b < nc; b++) {
      if (b === a) continue;
      const v = d[a * nc + b]!;
      total += v;
      if (v > 0 && !movable[b]) rhs[model.customers[b]!.home]! -= v / S;
    }
    if (total === 0) continue;
    commodity(`c${a}`, rhs, (v) => {
      const cols: number[] = [];
      const vals: number[] = [];
      const ka = candIndex(a, v);
      if (ka >= 0) {
        cols.push(attach[a]![ka]!);
        vals.push(-total / S);
      }
      for (let b = 0; b < nc; b++) {
        if (b === a || !movable[b]) continue;
        const dv = d[a * nc + b]!;
        const kb = candIndex(b, v);
        if (dv > 0 && kb >= 0) {
          cols.push(attach[b]![kb]!);
          vals.push(dv / S);
        }
      }
      return { cols, vals };
    });
  }
  // fixed customers aggregated per source router
  for (let s = 0; s < n; s++) {
    const rhs = new Float64Array(n);
    const toMovable = new Float64Array(nc);
    let total = 0;
    for (let a = 0; a < nc; a++) {
      if (movable[a] || model.customers[a]!.home !== s) continue;
      for (let b = 0; b < nc; b++) {
        if (b === a) continue;
        const v = d[a * nc + b]!;
        if (v === 0) continue;
        total += v;
        if (movable[b]) toMovable[b]! += v;
        else rhs[model.customers[b]!.home]! -= v / S;
      }
    }
    if (total === 0) continue;
    rhs[s]! += total / S;
    commodity(`r${s}`, rhs, (v) => {
      const cols: number[] = [];
      const vals: number[] = [];
      for (let b = 0; b < nc; b++) {
        const kb = toMovable[b]! > 0 ? candIndex(b, v) : -1;
        if (kb >= 0) {
          cols.push(attach[b]![kb]!);
          vals.push(toMovable[b]! / S);
        }
      }
      return { cols, vals };
    });
  }
  topology.links.forEach((l, e) => {
    if (capCols[e]!.length === 0) return;
    lp.addRow(
      `cap_${e}`,
      [...capCols[e]!, U],
      [...capCols[e]!.map(() => 1), -l.capacity / S],
      Number.NEGATIVE_INFINITY,
      0,
    );
  });
  return { program: lp.build(), regime: "mcf", mluColumn: U, attachColumns: attach, scale: S };
}

/**
 * Reads the attachment (router per customer) from a solution of a {@link GraftFormulation}:
 * each movable customer goes to the candidate with the largest x (the rounding rule of `lp-round`).
 *
 * @example
 * ```ts
 * const assignment = readAssignment(f, model, solver.solve(f.program).values);
 * ```
 */
export function readAssignment(
  f: GraftFormulation,
  model: CustomerModel,
  values: ArrayLike<number>,
): Int32Array {
  return Int32Array.from(model.customers, (c, a) => {
    const cols = f.attachColumns[a]!;
    if (cols[0] === -1) return c.home;
    let best = 0;
    cols.forEach((col, k) => {
      if (values[col]! > values[cols[best]!]!) best = k;
    });
    return c.candidates[best]!;
  });
}
