// Data loading shared by the benchmark and the evaluation script.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ABILENE_ROUTERS,
  parseCfrRlTopology,
  parseCfrRlTrafficMatrices,
  parseGraphml,
  parseNodeLinkJson,
  type Topology,
  type TrafficMatrix,
} from "@dyninfra/graft-planner";

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const TE_DATA = path.resolve(PACKAGE_DIR, "../../../shared/data/te");
export const TE_PRESENT = fs.existsSync(path.join(TE_DATA, "MANIFEST.md"));

/** Abilene (CFR-RL: real OSPF weights and capacities) and the week of 5-minute TMs (2016). */
export function abileneWeek(): { topology: Topology; tms: TrafficMatrix[]; source: string } {
  const full = path.join(TE_DATA, "abilene/cfr-rl/AbileneTM.txt");
  const fixture = path.join(PACKAGE_DIR, "fixtures/abilene/AbileneTM-2h.txt");
  const topology = parseCfrRlTopology(
    fs.readFileSync(path.join(PACKAGE_DIR, "fixtures/abilene/Abilene.txt"), "utf8"),
    ABILENE_ROUTERS,
  );
  const file = fs.existsSync(full) ? full : fixture;
  const tms = parseCfrRlTrafficMatrices(fs.readFileSync(file, "utf8"), 12);
  return {
    topology,
    tms,
    source:
      file === full
        ? "AbileneTM.txt (2016 TMs, 2004-03-01..07)"
        : "fixture AbileneTM-2h.txt (84 TMs)",
  };
}

/**
 * Kdl (754 routers): capacities from Teal's Kdl.json, coordinates from the Topology Zoo GraphML,
 * inverse-capacity IGP weights (round(max capacity / capacity)), and a seeded gravity TM
 * (masses uniform in [0.5, 1.5), mulberry32 seed 7) — no real Kdl TM exists.
 */
export function kdl(): { topology: Topology; tm: TrafficMatrix } {
  const teal = parseNodeLinkJson(fs.readFileSync(path.join(TE_DATA, "teal/Kdl.json"), "utf8"));
  const zoo = parseGraphml(fs.readFileSync(path.join(TE_DATA, "topologyzoo/Kdl.graphml"), "utf8"), {
    capacityIfMissing: 1,
  });
  const coords = new Map(zoo.routers.map((r) => [r.id, r]));
  const maxCap = Math.max(...teal.topology.links.map((l) => l.capacity));
  const topology: Topology = {
    name: "Kdl",
    routers: teal.topology.routers.map((r) => coords.get(r.id) ?? r),
    links: teal.topology.links.map((l) => ({
      ...l,
      weight: Math.max(1, Math.round(maxCap / l.capacity)),
    })),
    capacityUnit: "Mbit/s",
  };
  const n = topology.routers.length;
  let a = 7;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const mass = Array.from({ length: n }, () => 0.5 + rand());
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) values[i * n + j] = mass[i]! * mass[j]!;
  return { topology, tm: { size: n, values, unit: "Mbit/s" } };
}
