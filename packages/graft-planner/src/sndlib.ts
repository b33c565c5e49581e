import { GraftPlannerError } from "./errors";
import {
  attr,
  child,
  children,
  locate,
  parseXml,
  text,
  toNumber,
  type XmlNode,
} from "./internal/xml";
import type { Link, Router, Topology, TrafficMatrix } from "./topology";

const ARRAYS = new Set(["node", "link", "demand", "addModule"]);

/** Options of {@link parseSndlibNetwork}. */
export interface SndlibNetworkOptions {
  /**
   * Capacity (Mbit/s) for links without a `preInstalledModule` (e.g. SNDlib GÉANT has none).
   * When absent, such a link is an error.
   */
  readonly capacityIfMissing?: number;
  /** IGP weight for links whose `routingCost` is absent or 0 (default 1, i.e. hop count). */
  readonly defaultWeight?: number;
}

function root(xml: string, what: string): XmlNode {
  const doc = parseXml(xml, ARRAYS, what);
  const net = child(doc, "network");
  if (net === undefined)
    throw new GraftPlannerError("SNDLIB_FORMAT", `${what}: no <network> root element`, {
      line: 1,
      field: "network",
    });
  return net;
}

/**
 * Parses an SNDlib XML network (`http://sndlib.zib.de/network`): nodes with geographical
 * coordinates (x = longitude, y = latitude) and undirected links, each becoming two arcs with the
 * link's pre-installed capacity (Mbit/s) and its `routingCost` as IGP weight.
 *
 * @throws {@link GraftPlannerError} with line and element on malformed XML or missing fields.
 * @example
 * ```ts
 * const topo = parseSndlibNetwork(fs.readFileSync("abilene.xml", "utf8"));
 * topo.links.length; // 30 arcs for SNDlib Abilene
 * ```
 */
export function parseSndlibNetwork(xml: string, options: SndlibNetworkOptions = {}): Topology {
  const net = root(xml, "SNDlib network");
  const structure = child(net, "networkStructure");
  if (structure === undefined)
    throw new GraftPlannerError("SNDLIB_FORMAT", "no <networkStructure> element", {
      field: "networkStructure",
    });
  const routers: Router[] = [];
  const index = new Map<string, number>();
  for (const node of children(child(structure, "nodes"), "node")) {
    const id = attr(node, "id");
    if (id === undefined)
      throw new GraftPlannerError(
        "SNDLIB_FORMAT",
        "<node> without id",
        locate(xml, "<node", "node"),
      );
    if (index.has(id))
      throw new GraftPlannerError(
        "SNDLIB_FORMAT",
        `duplicate node ${id}`,
        locate(xml, `id="${id}"`, "node"),
      );
    const coords = child(node, "coordinates");
    const lon = toNumber(text(coords, "x"));
    const lat = toNumber(text(coords, "y"));
    index.set(id, routers.length);
    routers.push(lon !== undefined && lat !== undefined ? { id, lon, lat } : { id });
  }
  const links: Link[] = [];
  for (const link of children(child(structure, "links"), "link")) {
    const id = attr(link, "id") ?? "?";
    const where = (field: string) => locate(xml, `<link id="${id}"`, `link[${id}].${field}`);
    const s = text(link, "source");
    const t = text(link, "target");
    const from = s === undefined ? undefined : index.get(s);
    const to = t === undefined ? undefined : index.get(t);
    if (from === undefined)
      throw new GraftPlannerError(
        "SNDLIB_FORMAT",
        `link ${id}: unknown source ${s}`,
        where("source"),
      );
    if (to === undefined)
      throw new GraftPlannerError(
        "SNDLIB_FORMAT",
        `link ${id}: unknown target ${t}`,
        where("target"),
      );
    const pre = child(link, "preInstalledModule");
    let capacity = toNumber(text(pre, "capacity"));
    if (pre !== undefined && capacity === undefined)
      throw new GraftPlannerError("SNDLIB_FORMAT", `link ${id}: bad capacity`, where("capacity"));
    capacity ??= options.capacityIfMissing;
    if (capacity === undefined || !(capacity > 0))
      throw new GraftPlannerError(
        "MISSING_CAPACITY",
        `link ${id} has no pre-installed capacity (set capacityIfMissing)`,
        where("preInstalledModule"),
      );
    const rc = toNumber(text(link, "routingCost"));
    const weight = rc !== undefined && rc > 0 ? rc : (options.defaultWeight ?? 1);
    links.push({ from, to, capacity, weight }, { from: to, to: from, capacity, weight });
  }
  return { routers, links, capacityUnit: "Mbit/s" };
}

/**
 * Parses the `<demands>` of an SNDlib XML file (a network file or a demand-matrix file) into a
 * router-level traffic matrix (Mbit/s) over the given router ids. Repeated demands for the same
 * pair add up; self-demands are kept on the diagonal.
 *
 * @throws {@link GraftPlannerError} with line and element for unknown nodes or bad values.
 * @example
 * ```ts
 * const tm = parseSndlibDemands(xml, topo.routers.map((r) => r.id));
 * ```
 */
export function parseSndlibDemands(xml: string, routerIds: readonly string[]): TrafficMatrix {
  const net = root(xml, "SNDlib demands");
  const index = new Map(routerIds.map((id, i) => [id, i]));
  const n = routerIds.length;
  const values = new Float64Array(n * n);
  const demands = child(net, "demands");
  for (const d of children(demands, "demand")) {
    const id = attr(d, "id") ?? "?";
    const where = (field: string) => locate(xml, `<demand id="${id}"`, `demand[${id}].${field}`);
    const s = index.get(text(d, "source") ?? "");
    const t = index.get(text(d, "target") ?? "");
    if (s === undefined)
      throw new GraftPlannerError("SNDLIB_FORMAT", `demand ${id}: unknown source`, where("source"));
    if (t === undefined)
      throw new GraftPlannerError("SNDLIB_FORMAT", `demand ${id}: unknown target`, where("target"));
    const v = toNumber(text(d, "demandValue"));
    if (v === undefined || v < 0)
      throw new GraftPlannerError(
        "SNDLIB_FORMAT",
        `demand ${id}: bad demandValue`,
        where("demandValue"),
      );
    values[s * n + t]! += v;
  }
  return { size: n, values, unit: "Mbit/s" };
}
