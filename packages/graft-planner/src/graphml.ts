import { GraftPlannerError } from "./errors";
import { attr, child, children, locate, parseXml, toNumber, type XmlNode } from "./internal/xml";
import type { Link, Router, Topology } from "./topology";

const ARRAYS = new Set(["key", "node", "edge", "data", "graph"]);

/** Options of {@link parseGraphml}. */
export interface GraphmlOptions {
  /**
   * Capacity for edges without a capacity attribute (`capacity`, `LinkSpeedRaw`); Topology Zoo
   * files mostly have none. When absent, such an edge is an error.
   */
  readonly capacityIfMissing?: number;
  /** Unit of capacities (default `bit/s`, the unit of Topology Zoo `LinkSpeedRaw`). */
  readonly capacityUnit?: string;
}

/**
 * Parses Topology Zoo GraphML (`http://graphml.graphdrawing.org/xmlns`): nodes with `label`,
 * `Latitude`, `Longitude` data; edges with optional `capacity`/`LinkSpeedRaw` and `weight` data.
 * Undirected graphs give two arcs per edge. Self-loop edges carry no traffic and are left out;
 * parallel edges between the same pair are merged into one arc with the summed capacity.
 *
 * @throws {@link GraftPlannerError} with line and element on malformed XML or edges.
 * @example
 * ```ts
 * const topo = parseGraphml(fs.readFileSync("Kdl.graphml", "utf8"), { capacityIfMissing: 1e9 });
 * ```
 */
export function parseGraphml(xml: string, options: GraphmlOptions = {}): Topology {
  const doc = parseXml(xml, ARRAYS, "GraphML");
  const graphml = child(doc, "graphml");
  if (graphml === undefined)
    throw new GraftPlannerError("GRAPHML_FORMAT", "no <graphml> root element", {
      line: 1,
      field: "graphml",
    });
  const keyName = new Map<string, string>();
  for (const k of children(graphml, "key")) {
    const id = attr(k, "id");
    const name = attr(k, "attr.name");
    if (id !== undefined && name !== undefined)
      keyName.set(`${attr(k, "for") ?? "all"}:${id}`, name);
  }
  const graph = children(graphml, "graph")[0];
  if (graph === undefined)
    throw new GraftPlannerError(
      "GRAPHML_FORMAT",
      "no <graph> element",
      locate(xml, "<graphml", "graph"),
    );
  const directed = attr(graph, "edgedefault") === "directed";
  const dataOf = (el: XmlNode, kind: string): Map<string, string> => {
    const m = new Map<string, string>();
    for (const d of children(el, "data")) {
      const key = attr(d, "key") ?? "";
      const name = keyName.get(`${kind}:${key}`) ?? keyName.get(`all:${key}`) ?? key;
      const v = d["#text"];
      if (v !== undefined) m.set(name, String(v));
    }
    return m;
  };
  const routers: Router[] = [];
  const index = new Map<string, number>();
  for (const node of children(graph, "node")) {
    const id = attr(node, "id");
    if (id === undefined)
      throw new GraftPlannerError(
        "GRAPHML_FORMAT",
        "<node> without id",
        locate(xml, "<node", "node"),
      );
    if (index.has(id))
      throw new GraftPlannerError(
        "GRAPHML_FORMAT",
        `duplicate node ${id}`,
        locate(xml, `<node id="${id}"`, "node"),
      );
    const data = dataOf(node, "node");
    const lat = toNumber(data.get("Latitude"));
    const lon = toNumber(data.get("Longitude"));
    index.set(id, routers.length);
    routers.push(lat !== undefined && lon !== undefined ? { id, lon, lat } : { id });
  }
  const arcs = new Map<string, { from: number; to: number; capacity: number; weight: number }>();
  let e = 0;
  for (const edge of children(graph, "edge")) {
    const s = attr(edge, "source") ?? "";
    const t = attr(edge, "target") ?? "";
    const where = locate(xml, `<edge source="${s}" target="${t}"`, `edge[${e}]`);
    e++;
    const from = index.get(s);
    const to = index.get(t);
    if (from === undefined || to === undefined)
      throw new GraftPlannerError("GRAPHML_FORMAT", `edge ${s}→${t} names an unknown node`, where);
    if (from === to) continue;
    const data = dataOf(edge, "edge");
    const rawCap = data.get("capacity") ?? data.get("LinkSpeedRaw");
    let capacity = toNumber(rawCap);
    if (rawCap !== undefined && capacity === undefined)
      throw new GraftPlannerError(
        "GRAPHML_FORMAT",
        `edge ${s}→${t}: bad capacity ${rawCap}`,
        where,
      );
    capacity ??= options.capacityIfMissing;
    if (capacity === undefined || !(capacity > 0))
      throw new GraftPlannerError(
        "MISSING_CAPACITY",
        `edge ${s}→${t} has no capacity (set capacityIfMissing)`,
        where,
      );
    const weight = toNumber(data.get("weight")) ?? 1;
    const add = (a: number, b: number) => {
      const k = `${a},${b}`;
      const prev = arcs.get(k);
      if (prev === undefined) arcs.set(k, { from: a, to: b, capacity, weight });
      else prev.capacity += capacity;
    };
    add(from, to);
    if (!directed) add(to, from);
  }
  const links: Link[] = [...arcs.values()];
  const name = dataOf(graph, "graph").get("label") ?? dataOf(graph, "graph").get("Network");
  return {
    ...(name !== undefined ? { name } : {}),
    routers,
    links,
    capacityUnit: options.capacityUnit ?? "bit/s",
  };
}
