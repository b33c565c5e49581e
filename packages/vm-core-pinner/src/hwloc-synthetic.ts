import { VmCorePinnerError } from "./errors";
import { buildTopology, type PuDraft, type Topology } from "./topology";

type LevelType = "Package" | "NUMANode" | "Group" | "Die" | "L3Cache" | "Cache" | "Core" | "PU";

interface Level {
  readonly type: LevelType;
  readonly arity: number;
  readonly attrs: Readonly<Record<string, string>>;
  readonly offset: number;
}

function levelType(name: string, offset: number, spec: string): LevelType {
  const n = name.toLowerCase();
  if (/^(pack(age)?|sock(et)?)$/.test(n)) return "Package";
  if (/^(numa(node)?|node)$/.test(n)) return "NUMANode";
  if (/^gr(oup)?\d*$/.test(n)) return "Group";
  if (/^die$/.test(n)) return "Die";
  if (/^l3[ud]?(cache)?$/.test(n)) return "L3Cache";
  if (/^l[1245][uid]?(cache)?$/.test(n)) return "Cache";
  if (/^co(re)?$/.test(n)) return "Core";
  if (/^pu$/.test(n)) return "PU";
  throw new VmCorePinnerError(
    "SYNTHETIC_INVALID",
    `synthetic ${JSON.stringify(spec)}: unknown level type ${JSON.stringify(name)}`,
    {
      offset,
      field: "type",
    },
  );
}

/**
 * hwloc `indexes=` attribute: either an explicit comma-separated list, or an interleaving
 * `step*count:step*count…`. In the interleaving, loop j contributes digit
 * `floor(i / step_j) mod count_j` with weight `count_0 × … × count_{j-1}` to the OS index of the
 * i-th object (so `pu:2(indexes=2*16:1*2)` over 32 PUs gives 0,16,1,17,2,18,… — Linux's Intel
 * sibling numbering).
 */
function expandIndexes(attr: string, total: number, spec: string, offset: number): number[] {
  const bad = (msg: string): never => {
    throw new VmCorePinnerError(
      "SYNTHETIC_INVALID",
      `synthetic ${JSON.stringify(spec)}: indexes=${attr}: ${msg}`,
      {
        offset,
        field: "indexes",
      },
    );
  };
  if (/^\d+(,\d+)*$/.test(attr)) {
    const list = attr.split(",").map(Number);
    if (list.length !== total) bad(`${list.length} indexes for ${total} objects`);
    if (new Set(list).size !== list.length) bad("duplicate index");
    return list;
  }
  if (!/^\d+\*\d+(:\d+\*\d+)*$/.test(attr))
    bad("expected a list of numbers or step*count:step*count…");
  const loops = attr.split(":").map((p) => {
    const [s, c] = p.split("*").map(Number) as [number, number];
    if (s === 0 || c === 0) bad("zero step or count");
    return { step: s, count: c };
  });
  const product = loops.reduce((a, l) => a * l.count, 1);
  if (product !== total) bad(`loops cover ${product} objects, level has ${total}`);
  const out: number[] = [];
  for (let i = 0; i < total; i++) {
    let idx = 0;
    let weight = 1;
    for (const l of loops) {
      idx += (Math.floor(i / l.step) % l.count) * weight;
      weight *= l.count;
    }
    out.push(idx);
  }
  if (new Set(out).size !== total) bad("interleaving does not give distinct indexes");
  return out;
}

function parseSize(v: string): number | null {
  const m = /^(\d+)([kKmMgGtT]?)i?[bB]?$/.exec(v);
  if (!m) return null;
  const mult: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Number(m[1]) * (mult[(m[2] ?? "").toLowerCase()] ?? 1);
}

/**
 * Build a topology from an hwloc synthetic description (`lstopo -i "pack:2 numa:2 l3:2 core:8 pu:2"`):
 * each level gives a type and the number of such children under each object of the level above.
 * Level attributes in parentheses are honoured: `indexes=` (explicit list or interleaving
 * `step*count:…`, e.g. `pu:2(indexes=2*16:1*2)`), `memory=` on NUMA levels, `size=` on caches.
 * Without a NUMA level the machine has one NUMA node; without a package level, one package.
 *
 * @throws {@link VmCorePinnerError} `SYNTHETIC_INVALID` with the character offset.
 * @example
 * ```ts
 * const t = parseHwlocSynthetic("pack:2 core:8 pu:2(indexes=2*16:1*2)");
 * t.cores[0]?.pus; // [0, 16]
 * ```
 */
export function parseHwlocSynthetic(spec: string): Topology {
  const levels: Level[] = [];
  const re = /\s*([A-Za-z][A-Za-z0-9]*):(\d+)(?:\(([^)]*)\))?\s*/y;
  let i = 0;
  const text = spec.trim();
  // Optional root attributes "(...)" are accepted and ignored.
  if (text.startsWith("(")) {
    const close = text.indexOf(")");
    if (close < 0)
      throw new VmCorePinnerError(
        "SYNTHETIC_INVALID",
        `synthetic ${JSON.stringify(spec)}: unclosed "("`,
        { offset: 0 },
      );
    i = close + 1;
  }
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      throw new VmCorePinnerError(
        "SYNTHETIC_INVALID",
        `synthetic ${JSON.stringify(spec)}: expected type:count at offset ${i}`,
        {
          offset: i,
        },
      );
    }
    const type = levelType(m[1] as string, i, spec);
    const arity = Number(m[2]);
    if (arity < 1 || arity > 4096) {
      throw new VmCorePinnerError(
        "SYNTHETIC_INVALID",
        `synthetic ${JSON.stringify(spec)}: arity ${arity} out of range`,
        {
          offset: i,
          field: "arity",
        },
      );
    }
    const attrs: Record<string, string> = {};
    for (const kv of (m[3] ?? "").split(/\s+/).filter((s) => s !== "")) {
      const eq = kv.indexOf("=");
      if (eq > 0) attrs[kv.slice(0, eq)] = kv.slice(eq + 1);
      else attrs[kv] = "";
    }
    levels.push({ type, arity, attrs, offset: i });
    i = re.lastIndex;
  }
  const last = levels[levels.length - 1];
  if (last?.type !== "PU") {
    throw new VmCorePinnerError(
      "SYNTHETIC_INVALID",
      `synthetic ${JSON.stringify(spec)}: the last level must be pu`,
      {
        offset: text.length,
      },
    );
  }
  for (const [k, l] of levels.entries()) {
    if (l.type === "PU" && k !== levels.length - 1) {
      throw new VmCorePinnerError(
        "SYNTHETIC_INVALID",
        `synthetic ${JSON.stringify(spec)}: pu must be the last level`,
        {
          offset: l.offset,
        },
      );
    }
  }
  const totalPus = levels.reduce((a, l) => a * l.arity, 1);
  if (totalPus > 65536) {
    throw new VmCorePinnerError(
      "SYNTHETIC_INVALID",
      `synthetic ${JSON.stringify(spec)}: ${totalPus} PUs is too many`,
      {},
    );
  }

  // Objects of each level, numbered in logical order; OS index from `indexes=` or logical.
  const counts: number[] = [];
  let n = 1;
  for (const l of levels) {
    n *= l.arity;
    counts.push(n);
  }
  const osIndexes = levels.map((l, k) =>
    l.attrs.indexes !== undefined
      ? expandIndexes(l.attrs.indexes, counts[k] as number, spec, l.offset)
      : Array.from({ length: counts[k] as number }, (_, j) => j),
  );
  const numaLevel = levels.findIndex((l) => l.type === "NUMANode");
  const memoryPerNode = numaLevel >= 0 ? parseSize(levels[numaLevel]?.attrs.memory ?? "") : null;
  const pus: PuDraft[] = [];
  for (let p = 0; p < totalPus; p++) {
    // Logical index of the ancestor at level k: floor(p / (PUs per object of level k)).
    const at = (k: number) => Math.floor(p / (totalPus / (counts[k] as number)));
    let packageKey = "machine";
    let packageOs: number | null = null;
    let numaOs: number | null = numaLevel < 0 ? 0 : null;
    let l3Key: string | null = null;
    let l3Size: number | null = null;
    let coreKey = `pu${p}`;
    let coreId: number | null = null;
    const groupKeys: string[] = [];
    levels.forEach((l, k) => {
      const logical = at(k);
      const os = (osIndexes[k] as number[])[logical] as number;
      switch (l.type) {
        case "Package":
          packageKey = `pkg${logical}`;
          packageOs = os;
          break;
        case "NUMANode":
          numaOs = os;
          break;
        case "L3Cache":
          l3Key = `l3-${logical}`;
          l3Size = parseSize(l.attrs.size ?? "");
          break;
        case "Group":
        case "Die":
          groupKeys.push(`${l.type}:${k}.${logical}`);
          break;
        case "Core":
          coreKey = `core${logical}`;
          coreId = os;
          break;
        default:
          break;
      }
    });
    pus.push({
      os: (osIndexes[levels.length - 1] as number[])[p] as number,
      coreKey,
      coreId,
      packageKey,
      packageOs,
      numaOs,
      l3Key,
      l3Os: null,
      l3SizeBytes: l3Size,
      groupKeys,
    });
  }
  const numaCount = numaLevel < 0 ? 1 : (counts[numaLevel] as number);
  const numaOsList = numaLevel < 0 ? [0] : (osIndexes[numaLevel] as number[]);
  return buildTopology({
    source: `synthetic ${text}`,
    pus,
    numaNodes: Array.from({ length: numaCount }, (_, k) => ({
      os: numaOsList[k] as number,
      memoryBytes: memoryPerNode,
    })),
  });
}
