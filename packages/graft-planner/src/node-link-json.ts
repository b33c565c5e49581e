import { GraftPlannerError } from "./errors";
import { jsonErrorOffset } from "./internal/json-locate";
import { lineAt } from "./internal/xml";
import type { Link, Router, Topology, TrafficMatrix } from "./topology";

/** Options of {@link parseNodeLinkJson}. */
export interface NodeLinkJsonOptions {
  /** Capacity for edges without `capacity` (TopoHub edges carry none). Absent: an error. */
  readonly capacityIfMissing?: number;
  /** Unit of the capacities (default `Mbit/s`). */
  readonly capacityUnit?: string;
}

/** A parsed NetworkX node-link document: the topology and the `graph.demands` matrix, if any. */
export interface NodeLinkDocument {
  readonly topology: Topology;
  /** `graph.demands` (TopoHub) as a router-level TM, when the file has one. */
  readonly demands?: TrafficMatrix;
}

function fail(what: string, field: string): never {
  throw new GraftPlannerError("JSON_FORMAT", `node-link JSON: ${what}`, { field });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses NetworkX node-link JSON as written by TopoHub (`nodes` with `id`, `name`,
 * `pos: [lon, lat]`; `edges` or `links` with `source`, `target`; `graph.demands` as
 * `{src: {dst: value}}`) and by NCFlow/Teal (`links` with `capacity`). Undirected documents
 * (`"directed": false`) give two arcs per edge; IGP weight is the edge's `weight` or 1.
 *
 * @throws {@link GraftPlannerError} with line/offset for JSON syntax errors and the element path
 * (e.g. `edges[3].target`) for semantic ones.
 * @example
 * ```ts
 * const { topology, demands } = parseNodeLinkJson(fs.readFileSync("geant.json", "utf8"),
 *   { capacityIfMissing: 10_000 });
 * ```
 */
export function parseNodeLinkJson(
  json: string,
  options: NodeLinkJsonOptions = {},
): NodeLinkDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    const found = jsonErrorOffset(json);
    const offset = found < 0 ? undefined : found;
    throw new GraftPlannerError(
      "JSON_SYNTAX",
      `node-link JSON: ${(e as Error).message}`,
      offset === undefined ? {} : { offset, line: lineAt(json, offset) },
      { cause: e },
    );
  }
  if (!isObj(doc)) fail("top level is not an object", "$");
  const nodes = doc.nodes;
  if (!Array.isArray(nodes)) fail("no nodes array", "nodes");
  const edgesKey = Array.isArray(doc.edges) ? "edges" : "links";
  const edges = doc[edgesKey];
  if (!Array.isArray(edges)) fail("no edges/links array", "edges");
  const routers: Router[] = [];
  const index = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!isObj(node) || (typeof node.id !== "string" && typeof node.id !== "number"))
      fail("node without id", `nodes[${i}].id`);
    const key = String(node.id);
    if (index.has(key)) fail(`duplicate node id ${key}`, `nodes[${i}].id`);
    index.set(key, i);
    const id = typeof node.name === "string" ? node.name : key;
    const pos = node.pos;
    if (Array.isArray(pos) && typeof pos[0] === "number" && typeof pos[1] === "number")
      routers.push({ id, lon: pos[0], lat: pos[1] });
    else routers.push({ id });
  });
  const directed = doc.directed === true;
  const arcs = new Map<string, Link>();
  edges.forEach((e, i) => {
    if (!isObj(e)) fail("edge is not an object", `${edgesKey}[${i}]`);
    const from = index.get(String(e.source));
    const to = index.get(String(e.target));
    if (from === undefined) fail(`unknown source ${String(e.source)}`, `${edgesKey}[${i}].source`);
    if (to === undefined) fail(`unknown target ${String(e.target)}`, `${edgesKey}[${i}].target`);
    if (from === to) return; // a self-loop carries no traffic
    const capacity = e.capacity === undefined ? options.capacityIfMissing : e.capacity;
    if (typeof capacity !== "number" || !(capacity > 0))
      fail("missing or bad capacity (set capacityIfMissing)", `${edgesKey}[${i}].capacity`);
    const weight = typeof e.weight === "number" && e.weight > 0 ? e.weight : 1;
    for (const [a, b] of directed
      ? [[from, to]]
      : [
          [from, to],
          [to, from],
        ]) {
      const k = `${a},${b}`;
      if (arcs.has(k)) fail(`parallel edge ${a}→${b}`, `${edgesKey}[${i}]`);
      arcs.set(k, { from: a!, to: b!, capacity, weight });
    }
  });
  const unit = options.capacityUnit ?? "Mbit/s";
  const topology: Topology = {
    ...(isObj(doc.graph) && typeof doc.graph.name === "string" ? { name: doc.graph.name } : {}),
    routers,
    links: [...arcs.values()],
    capacityUnit: unit,
  };
  const dem = isObj(doc.graph) ? doc.graph.demands : undefined;
  if (!isObj(dem)) return { topology };
  const n = routers.length;
  const values = new Float64Array(n * n);
  for (const [s, row] of Object.entries(dem)) {
    const si = index.get(s);
    if (si === undefined || !isObj(row))
      fail(`demands for unknown node ${s}`, `graph.demands.${s}`);
    for (const [t, v] of Object.entries(row)) {
      const ti = index.get(t);
      if (ti === undefined) fail(`demand to unknown node ${t}`, `graph.demands.${s}.${t}`);
      if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v))
        fail("bad demand value", `graph.demands.${s}.${t}`);
      values[si * n + ti] = v;
    }
  }
  return { topology, demands: { size: n, values, unit } };
}
