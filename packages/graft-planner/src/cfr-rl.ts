import { GraftPlannerError } from "./errors";
import { num, splitLines, type TextLine } from "./internal/lines";
import type { Link, Router, Topology, TrafficMatrix } from "./topology";

function fail(what: string, l: TextLine | undefined, field: string): never {
  throw new GraftPlannerError(
    "CFR_RL_FORMAT",
    `CFR-RL: ${what}`,
    l === undefined ? { field } : { line: l.line, offset: l.offset, field },
  );
}

/**
 * Abilene router names in CFR-RL index order (alphabetical SNDlib names, as the CFR-RL data
 * orders them), with city coordinates (longitude, latitude in degrees).
 *
 * @example
 * ```ts
 * ABILENE_ROUTERS[5].id; // "IPLSng"
 * ```
 */
export const ABILENE_ROUTERS: readonly Router[] = [
  { id: "ATLAM5", lon: -84.39, lat: 33.75 },
  { id: "ATLAng", lon: -84.39, lat: 33.76 },
  { id: "CHINng", lon: -87.63, lat: 41.88 },
  { id: "DNVRng", lon: -104.99, lat: 39.74 },
  { id: "HSTNng", lon: -95.37, lat: 29.76 },
  { id: "IPLSng", lon: -86.16, lat: 39.77 },
  { id: "KSCYng", lon: -94.58, lat: 39.1 },
  { id: "LOSAng", lon: -118.24, lat: 34.05 },
  { id: "NYCMng", lon: -74.01, lat: 40.71 },
  { id: "SNVAng", lon: -122.04, lat: 37.37 },
  { id: "STTLng", lon: -122.33, lat: 47.61 },
  { id: "WASHng", lon: -77.04, lat: 38.91 },
];

/**
 * Parses the CFR-RL topology text (`Node_num: n  Edge_num: m`, a header
 * `Link_index Source Destination OSPF Capacity(kbps)`, m directed arcs): real OSPF weights and
 * capacities in kbit/s. Router names and coordinates may be supplied (e.g. {@link ABILENE_ROUTERS});
 * otherwise routers are named by index.
 *
 * @throws {@link GraftPlannerError} with the line and field of the first malformed entry.
 * @example
 * ```ts
 * const topo = parseCfrRlTopology(fs.readFileSync("Abilene.txt", "utf8"), ABILENE_ROUTERS);
 * ```
 */
export function parseCfrRlTopology(text: string, routers?: readonly Router[]): Topology {
  const lines = splitLines(text);
  const head = lines[0];
  if (head === undefined || head.fields[0] !== "Node_num:" || head.fields[2] !== "Edge_num:")
    fail("expected 'Node_num: n Edge_num: m'", head, "Node_num");
  const n = num(head.fields[1]);
  const m = num(head.fields[3]);
  if (!Number.isInteger(n) || n <= 0) fail("bad Node_num", head, "Node_num");
  if (!Number.isInteger(m) || m < 0) fail("bad Edge_num", head, "Edge_num");
  if (routers !== undefined && routers.length !== n)
    fail(`${routers.length} router names given for ${n} nodes`, head, "Node_num");
  let i = lines[1]?.fields[0] === "Link_index" ? 2 : 1;
  const links: Link[] = [];
  for (let k = 0; k < m; k++) {
    const l = lines[i++];
    if (l === undefined) fail(`expected ${m} links`, l, "link");
    const [idx, s, d, w, c] = l.fields;
    if (num(idx) !== k) fail(`expected Link_index ${k}`, l, "Link_index");
    const from = num(s);
    const to = num(d);
    const weight = num(w);
    const capacity = num(c);
    if (!Number.isInteger(from) || from < 0 || from >= n) fail("bad Source", l, "Source");
    if (!Number.isInteger(to) || to < 0 || to >= n) fail("bad Destination", l, "Destination");
    if (!(weight > 0)) fail("bad OSPF weight", l, "OSPF");
    if (!(capacity > 0)) fail("bad Capacity", l, "Capacity");
    links.push({ from, to, capacity, weight });
  }
  if (i < lines.length) fail("trailing data after the links", lines[i], "link");
  return {
    routers: routers ?? Array.from({ length: n }, (_, k) => ({ id: String(k) })),
    links,
    capacityUnit: "kbit/s",
  };
}

/**
 * Conversion factor from the CFR-RL/Abilene TM unit (100 bytes per 5-minute interval) to kbit/s:
 * 100 B × 8 / 300 s = 2.667 bit/s per unit.
 *
 * @example
 * ```ts
 * 1e4 * ABILENE_TM_UNIT_TO_KBPS; // 26.67 kbit/s
 * ```
 */
export const ABILENE_TM_UNIT_TO_KBPS = (100 * 8) / 300 / 1000;

/**
 * Parses CFR-RL traffic-matrix rows (one matrix per line, n×n values row-major) into router-level
 * TMs in kbit/s (values × {@link ABILENE_TM_UNIT_TO_KBPS}, or × `scale` when given).
 * `select` picks a subset of lines (0-based TM indices) without converting the others.
 *
 * @throws {@link GraftPlannerError} with the line of a row of the wrong length or a bad value.
 * @example
 * ```ts
 * const tms = parseCfrRlTrafficMatrices(fs.readFileSync("AbileneTM.txt", "utf8"), 12);
 * tms.length; // 2016 five-minute matrices
 * ```
 */
export function parseCfrRlTrafficMatrices(
  text: string,
  routers: number,
  options: { readonly scale?: number; readonly select?: (index: number) => boolean } = {},
): TrafficMatrix[] {
  const scale = options.scale ?? ABILENE_TM_UNIT_TO_KBPS;
  const out: TrafficMatrix[] = [];
  const lines = splitLines(text);
  lines.forEach((l, k) => {
    if (options.select !== undefined && !options.select(k)) return;
    if (l.fields.length !== routers * routers)
      fail(`TM row has ${l.fields.length} values, expected ${routers * routers}`, l, `tm[${k}]`);
    const values = new Float64Array(routers * routers);
    for (let j = 0; j < values.length; j++) {
      const v = num(l.fields[j]);
      if (!(v >= 0) || !Number.isFinite(v)) fail(`bad value ${l.fields[j]}`, l, `tm[${k}][${j}]`);
      values[j] = v * scale;
    }
    out.push({ size: routers, values, unit: "kbit/s" });
  });
  return out;
}
