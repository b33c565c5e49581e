import { GraftPlannerError } from "./errors";
import { num, splitLines, type TextLine } from "./internal/lines";
import type { Link, Router, Topology, TrafficMatrix } from "./topology";

function fail(what: string, l: TextLine | undefined, field: string): never {
  throw new GraftPlannerError(
    "REPETITA_FORMAT",
    `Repetita: ${what}`,
    l === undefined ? { field } : { line: l.line, offset: l.offset, field },
  );
}

/**
 * Parses a REPETITA `.graph` file: `NODES n`, a `label x y` header, n node lines, `EDGES m`, a
 * `label src dest weight bw delay` header and m directed arcs (bandwidth in kbit/s, IGP weight).
 *
 * @throws {@link GraftPlannerError} with the line and field of the first malformed entry.
 * @example
 * ```ts
 * const topo = parseRepetitaGraph(fs.readFileSync("Cogentco.graph", "utf8"));
 * ```
 */
export function parseRepetitaGraph(text: string): Topology {
  const lines = splitLines(text);
  let i = 0;
  const head = lines[i++];
  if (head?.fields[0] !== "NODES") fail("expected NODES", head, "NODES");
  const n = num(head.fields[1]);
  if (!Number.isInteger(n) || n < 0) fail("bad node count", head, "NODES");
  if (lines[i]?.fields[0] === "label") i++;
  const routers: Router[] = [];
  for (let k = 0; k < n; k++) {
    const l = lines[i++];
    if (l === undefined || l.fields[0] === "EDGES") fail(`expected ${n} node lines`, l, "node");
    const [id, x, y] = l.fields;
    const lon = num(x);
    const lat = num(y);
    if (Number.isNaN(lon) || Number.isNaN(lat)) fail("bad node coordinates", l, "x/y");
    routers.push({ id: id!, lon, lat });
  }
  const eh = lines[i++];
  if (eh?.fields[0] !== "EDGES") fail("expected EDGES", eh, "EDGES");
  const m = num(eh.fields[1]);
  if (!Number.isInteger(m) || m < 0) fail("bad edge count", eh, "EDGES");
  if (lines[i]?.fields[0] === "label") i++;
  const links: Link[] = [];
  for (let k = 0; k < m; k++) {
    const l = lines[i++];
    if (l === undefined) fail(`expected ${m} edge lines`, l, "edge");
    const [, s, d, w, bw] = l.fields;
    const from = num(s);
    const to = num(d);
    const weight = num(w);
    const capacity = num(bw);
    if (!Number.isInteger(from) || from < 0 || from >= n) fail("bad src", l, "src");
    if (!Number.isInteger(to) || to < 0 || to >= n) fail("bad dest", l, "dest");
    if (!(weight > 0)) fail("bad weight", l, "weight");
    if (!(capacity > 0)) fail("bad bw", l, "bw");
    links.push({ from, to, capacity, weight });
  }
  if (i < lines.length) fail("trailing data after the edges", lines[i], "EDGES");
  return { routers, links, capacityUnit: "kbit/s" };
}

/**
 * Parses a REPETITA `.demands` file (`DEMANDS k`, a `label src dest bw` header, k lines) into a
 * router-level traffic matrix of `routers` routers (kbit/s). Repeated pairs add up.
 *
 * @throws {@link GraftPlannerError} with the line and field of the first malformed entry.
 * @example
 * ```ts
 * const tm = parseRepetitaDemands(fs.readFileSync("Cogentco.0000.demands", "utf8"), 197);
 * ```
 */
export function parseRepetitaDemands(text: string, routers: number): TrafficMatrix {
  const lines = splitLines(text);
  const head = lines[0];
  if (head?.fields[0] !== "DEMANDS") fail("expected DEMANDS", head, "DEMANDS");
  const k = num(head.fields[1]);
  if (!Number.isInteger(k) || k < 0) fail("bad demand count", head, "DEMANDS");
  let i = lines[1]?.fields[0] === "label" ? 2 : 1;
  const values = new Float64Array(routers * routers);
  for (let c = 0; c < k; c++) {
    const l = lines[i++];
    if (l === undefined) fail(`expected ${k} demand lines`, l, "demand");
    const [, s, d, bw] = l.fields;
    const from = num(s);
    const to = num(d);
    const v = num(bw);
    if (!Number.isInteger(from) || from < 0 || from >= routers) fail("bad src", l, "src");
    if (!Number.isInteger(to) || to < 0 || to >= routers) fail("bad dest", l, "dest");
    if (!(v >= 0) || !Number.isFinite(v)) fail("bad bw", l, "bw");
    values[from * routers + to]! += v;
  }
  if (i < lines.length) fail("trailing data after the demands", lines[i], "DEMANDS");
  return { size: routers, values, unit: "kbit/s" };
}
