import type { CustomerModel } from "./customers";
import { GraftPlannerError } from "./errors";
import { type LinearProgram, LpBuilder } from "./lp";
import { EcmpRouting } from "./routing";
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
  // per-arc coefficient lists
  const arcCols: number[][] = Array.from({ length: m }, () => []);
  const arcVals: number[][] = Array.from({ length: m }, () => []);
  const addLoad = (col: number, load: Float64Array) => {
    for (let e = 0; e < m; e++)
      if (load[e] !== 0) {
        arcCols[e]!.push(col);
        arcVals[e]!.push(load[e]! / S);
      }
  };
  const pairCache = new Map<number, { arcs: Int32Array; fractions: Float64Array }>();
  const pair = (s: number, t: number) => {
    const k = s * n + t;
    let p = pairCache.get(k);
    if (p === undefined) {
      p = ecmp.pairFractions(s, t);
      pairCache.set(k, p);
    }
    return p;
  };
  // 2. movable × fixed
  const out = new Float64Array(n);
  const inn = new Float64Array(n);
  const scratch = new Float64Array(n);
  for (let a = 0; a < nc; a++) {
    if (!movable[a]) continue;
    out.fill(0);
    inn.fill(0);
    for (let b = 0; b < nc; b++) {
      if (movable[b] || a === b) continue;
      const hb = model.customers[b]!.home;
      out[hb]! += d[a * nc + b]!;
      inn[hb]! += d[b * nc + a]!;
    }
    model.customers[a]!.candidates.forEach((r, k) => {
      const load = new Float64Array(m);
      for (let t = 0; t < n; t++) {
        if (t === r || out[t] === 0) continue;
        const p = pair(r, t);
        for (let q = 0; q < p.arcs.length; q++) load[p.arcs[q]!]! += out[t]! * p.fractions[q]!;
      }
      ecmp.propagate(r, inn, load, scratch);
      addLoad(attach[a]![k]!, load);
    });
  }
  // 3. movable × movable
  for (let a = 0; a < nc; a++) {
    if (!movable[a]) continue;
    const ca = model.customers[a]!.candidates;
    for (let b = a + 1; b < nc; b++) {
      if (!movable[b]) continue;
      const dab = d[a * nc + b]!;
      const dba = d[b * nc + a]!;
      if (dab + dba === 0) continue;
      const cb = model.customers[b]!.candidates;
      const z: number[][] = ca.map((r) =>
        cb.map((s) => {
          const col = lp.addColumn(`z_${a}_${b}_${r}_${s}`, 0, 1);
          if (r !== s) {
            const load = new Float64Array(m);
            if (dab > 0) {
              const p = pair(r, s);
              for (let q = 0; q < p.arcs.length; q++) load[p.arcs[q]!]! += dab * p.fractions[q]!;
            }
            if (dba > 0) {
              const p = pair(s, r);
              for (let q = 0; q < p.arcs.length; q++) load[p.arcs[q]!]! += dba * p.fractions[q]!;
            }
            addLoad(col, load);
          }
          return col;
        }),
      );
      ca.forEach((_, i) => {
        const cols = [...z[i]!, attach[a]![i]!];
        lp.addRow(`la_${a}_${b}_${i}`, cols, [...cb.map(() => 1), -1], 0, 0);
      });
      cb.forEach((_, j) => {
        const cols = [...z.map((row) => row[j]!), attach[b]![j]!];
        lp.addRow(`lb_${a}_${b}_${j}`, cols, [...ca.map(() => 1), -1], 0, 0);
      });
    }
  }
  // 4. capacity rows
  topology.links.forEach((l, e) => {
    if (arcCols[e]!.length === 0 && constant[e] === 0) return;
    lp.addRow(
      `cap_${e}`,
      [...arcCols[e]!, U],
      [...arcVals[e]!, -l.capacity / S],
      Number.NEGATIVE_INFINITY,
      -constant[e]! / S,
    );
  });
  return { program: lp.build(), regime: "igp", mluColumn: U, attachColumns: attach, scale: S };
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
