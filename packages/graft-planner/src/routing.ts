import { GraftPlannerError } from "./errors";
import { type Topology, validateTopology } from "./topology";

/** Shortest-path DAG towards one destination: nodes in decreasing distance and next-hop arcs. */
interface DestinationDag {
  /** Distance of each router to the destination (Infinity when unreachable). */
  readonly dist: Float64Array;
  /** Routers that reach the destination, farthest first (the destination last). */
  readonly order: Int32Array;
  /** CSR of next-hop arcs per router: arcs of router v are `arcs[start[v]..start[v+1]]`. */
  readonly start: Int32Array;
  readonly arcs: Int32Array;
}

/**
 * Fixed-IGP routing: shortest paths on the IGP weights with equal-cost multipath (ECMP), traffic
 * split evenly over all next-hop arcs on a shortest path at every router (per-hop ECMP as OSPF and
 * IS-IS routers do). Destination DAGs are computed once and cached.
 *
 * @example
 * ```ts
 * const ecmp = new EcmpRouting(topology);
 * const load = ecmp.linkLoads(routerTm); // per-arc load
 * ```
 */
export class EcmpRouting {
  readonly topology: Topology;
  readonly routers: number;
  private readonly dags: (DestinationDag | undefined)[];
  private readonly inStart: Int32Array;
  private readonly inArcs: Int32Array;
  private readonly outStart: Int32Array;
  private readonly outArcs: Int32Array;
  private readonly tail: Int32Array;
  private readonly head: Int32Array;
  private readonly weight: Float64Array;
  // scratch of pairFractions: visit stamps and flow per router
  private stamp = new Int32Array(0);
  private flow = new Float64Array(0);
  private stampCount = 0;

  constructor(topology: Topology) {
    validateTopology(topology);
    this.topology = topology;
    const n = topology.routers.length;
    const m = topology.links.length;
    this.routers = n;
    this.dags = new Array(n).fill(undefined);
    this.tail = new Int32Array(m);
    this.head = new Int32Array(m);
    this.weight = new Float64Array(m);
    const inDeg = new Int32Array(n + 1);
    const outDeg = new Int32Array(n + 1);
    topology.links.forEach((l, e) => {
      this.tail[e] = l.from;
      this.head[e] = l.to;
      this.weight[e] = l.weight;
      inDeg[l.to + 1]!++;
      outDeg[l.from + 1]!++;
    });
    for (let v = 0; v < n; v++) {
      inDeg[v + 1]! += inDeg[v]!;
      outDeg[v + 1]! += outDeg[v]!;
    }
    this.inStart = inDeg.slice();
    this.outStart = outDeg.slice();
    this.inArcs = new Int32Array(m);
    this.outArcs = new Int32Array(m);
    const ip = inDeg.slice();
    const op = outDeg.slice();
    for (let e = 0; e < m; e++) {
      this.inArcs[ip[this.head[e]!]!++] = e;
      this.outArcs[op[this.tail[e]!]!++] = e;
    }
  }

  /** The shortest-path DAG towards destination `t` (Dijkstra on the reversed graph). */
  private dag(t: number): DestinationDag {
    const cached = this.dags[t];
    if (cached !== undefined) return cached;
    const n = this.routers;
    const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    dist[t] = 0;
    // binary heap of (dist, node)
    const heap: number[] = [t];
    const pos = new Int32Array(n).fill(-1);
    pos[t] = 0;
    const done = new Uint8Array(n);
    const swap = (i: number, j: number) => {
      const a = heap[i]!;
      const b = heap[j]!;
      heap[i] = b;
      heap[j] = a;
      pos[b] = i;
      pos[a] = j;
    };
    const up = (i: number) => {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (dist[heap[p]!]! <= dist[heap[i]!]!) break;
        swap(i, p);
        i = p;
      }
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let s = i;
        if (l < heap.length && dist[heap[l]!]! < dist[heap[s]!]!) s = l;
        if (r < heap.length && dist[heap[r]!]! < dist[heap[s]!]!) s = r;
        if (s === i) return;
        swap(i, s);
        i = s;
      }
    };
    const order: number[] = [];
    while (heap.length > 0) {
      const v = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        pos[last] = 0;
        down(0);
      }
      pos[v] = -1;
      done[v] = 1;
      order.push(v);
      for (let k = this.inStart[v]!; k < this.inStart[v + 1]!; k++) {
        const e = this.inArcs[k]!;
        const u = this.tail[e]!;
        if (done[u]) continue;
        const d = dist[v]! + this.weight[e]!;
        if (d < dist[u]!) {
          dist[u] = d;
          if (pos[u] === -1) {
            heap.push(u);
            pos[u] = heap.length - 1;
          }
          up(pos[u]!);
        }
      }
    }
    order.reverse();
    const start = new Int32Array(n + 1);
    const arcs: number[] = [];
    for (let v = 0; v < n; v++) {
      start[v] = arcs.length;
      if (v === t || dist[v] === Number.POSITIVE_INFINITY) continue;
      const dv = dist[v]!;
      for (let k = this.outStart[v]!; k < this.outStart[v + 1]!; k++) {
        const e = this.outArcs[k]!;
        const via = this.weight[e]! + dist[this.head[e]!]!;
        if (Math.abs(via - dv) <= 1e-9 * Math.max(1, dv)) arcs.push(e);
      }
    }
    start[n] = arcs.length;
    const dag = { dist, order: Int32Array.from(order), start, arcs: Int32Array.from(arcs) };
    this.dags[t] = dag;
    return dag;
  }

  /** IGP distance from router `s` to router `t` (Infinity when unreachable). */
  distance(s: number, t: number): number {
    return this.dag(t).dist[s]!;
  }

  /**
   * Adds to `load` the per-arc load of the traffic `injection[v]` entering at each router v and
   * destined to router `t`, split by ECMP. `node` is scratch space of length `routers`.
   * Throws NO_ROUTE when traffic enters at a router that cannot reach `t`.
   */
  propagate(t: number, injection: Float64Array, load: Float64Array, node?: Float64Array): void {
    const dag = this.dag(t);
    const acc = node ?? new Float64Array(this.routers);
    acc.set(injection);
    acc[t] = 0;
    for (let v = 0; v < this.routers; v++)
      if (acc[v]! > 0 && dag.dist[v] === Number.POSITIVE_INFINITY)
        throw new GraftPlannerError(
          "NO_ROUTE",
          `no route from ${this.topology.routers[v]!.id} to ${this.topology.routers[t]!.id}`,
        );
    for (let k = 0; k < dag.order.length; k++) {
      const v = dag.order[k]!;
      const f = acc[v]!;
      if (f === 0 || v === t) continue;
      const a0 = dag.start[v]!;
      const a1 = dag.start[v + 1]!;
      const share = f / (a1 - a0);
      for (let a = a0; a < a1; a++) {
        const e = dag.arcs[a]!;
        load[e]! += share;
        acc[this.head[e]!]! += share;
      }
    }
  }

  /**
   * Fraction of the traffic from router `s` to router `t` carried by each arc (sparse: parallel
   * arrays of arc indices and fractions). Empty when s = t.
   */
  pairFractions(s: number, t: number): { arcs: Int32Array; fractions: Float64Array } {
    if (s === t) return { arcs: new Int32Array(0), fractions: new Float64Array(0) };
    const dag = this.dag(t);
    if (dag.dist[s] === Number.POSITIVE_INFINITY)
      throw new GraftPlannerError(
        "NO_ROUTE",
        `no route from ${this.topology.routers[s]!.id} to ${this.topology.routers[t]!.id}`,
      );
    // collect the sub-DAG reachable from s, process by decreasing distance
    const n = this.routers;
    if (this.stamp.length !== n) {
      this.stamp = new Int32Array(n);
      this.flow = new Float64Array(n);
    }
    const stamp = this.stamp;
    const flow = this.flow;
    const mark = ++this.stampCount;
    const reach: number[] = [s];
    stamp[s] = mark;
    flow[s] = 1;
    for (let i = 0; i < reach.length; i++) {
      const v = reach[i]!;
      for (let a = dag.start[v]!; a < dag.start[v + 1]!; a++) {
        const w = this.head[dag.arcs[a]!]!;
        if (stamp[w] !== mark) {
          stamp[w] = mark;
          flow[w] = 0;
          reach.push(w);
        }
      }
    }
    const dist = dag.dist;
    reach.sort((a, b) => dist[b]! - dist[a]! || a - b);
    const arcs: number[] = [];
    const fractions: number[] = [];
    for (const v of reach) {
      if (v === t) continue;
      const f = flow[v]!;
      if (f === 0) continue;
      const a0 = dag.start[v]!;
      const a1 = dag.start[v + 1]!;
      const share = f / (a1 - a0);
      for (let a = a0; a < a1; a++) {
        const e = dag.arcs[a]!;
        arcs.push(e);
        fractions.push(share);
        flow[this.head[e]!]! += share;
      }
    }
    return { arcs: Int32Array.from(arcs), fractions: Float64Array.from(fractions) };
  }

  /** Per-arc load of a router-level TM (`tm[i * n + j]`, diagonal ignored) under ECMP. */
  linkLoads(tm: Float64Array): Float64Array {
    const n = this.routers;
    const load = new Float64Array(this.topology.links.length);
    const inj = new Float64Array(n);
    const scratch = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      let any = false;
      for (let v = 0; v < n; v++) {
        const d = v === t ? 0 : tm[v * n + t]!;
        inj[v] = d;
        if (d > 0) any = true;
      }
      if (any) this.propagate(t, inj, load, scratch);
    }
    return load;
  }
}

/**
 * Maximum link utilisation of per-arc loads: max over arcs of load / capacity.
 *
 * @example
 * ```ts
 * maxLinkUtilisation(topology, new EcmpRouting(topology).linkLoads(tm));
 * ```
 */
export function maxLinkUtilisation(topology: Topology, load: Float64Array): number {
  let mlu = 0;
  topology.links.forEach((l, e) => {
    const u = load[e]! / l.capacity;
    if (u > mlu) mlu = u;
  });
  return mlu;
}

/**
 * {@link EcmpRouting.pairFractions} of `ecmp`, each (s, t) pair computed once (the optimisers ask
 * for the same pairs over and over).
 */
export function cachedPairFractions(
  ecmp: EcmpRouting,
): (s: number, t: number) => { arcs: Int32Array; fractions: Float64Array } {
  const n = ecmp.routers;
  const cache = new Map<number, { arcs: Int32Array; fractions: Float64Array }>();
  return (s, t) => {
    const k = s * n + t;
    let p = cache.get(k);
    if (p === undefined) {
      p = ecmp.pairFractions(s, t);
      cache.set(k, p);
    }
    return p;
  };
}
