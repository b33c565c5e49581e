import fs from "node:fs";
import { parseArgs } from "node:util";
import { ABILENE_ROUTERS, parseCfrRlTopology, parseCfrRlTrafficMatrices } from "../cfr-rl";
import { buildCustomerModel, type CustomerModel, withExplicitCandidates } from "../customers";
import { GraftPlannerError } from "../errors";
import { formulateGraftMilp, type RoutingRegime } from "../formulation";
import { parseGraphml } from "../graphml";
import { createSolver, toCplexLp } from "../lp";
import { parseNodeLinkJson } from "../node-link-json";
import { type Plan, type PlanMethod, planForModel } from "../plan";
import { parseRepetitaDemands, parseRepetitaGraph } from "../repetita";
import { EcmpRouting } from "../routing";
import { planSeries } from "../series";
import { parseSndlibDemands, parseSndlibNetwork } from "../sndlib";
import type { Topology, TrafficMatrix } from "../topology";

const USAGE = `usage: graft-plan --topology FILE [--tm FILE] [options]

Plans which customer links to re-home (graft), where, and in what order.

  --topology FILE          SNDlib .xml, Topology Zoo .graphml, Repetita .graph,
                           CFR-RL topology .txt, TopoHub/NetworkX .json
  --topology-format F      sndlib|graphml|repetita|cfr-rl|json (default: from the extension)
  --routers abilene        router names/coordinates for a CFR-RL Abilene topology
  --capacity-if-missing C  capacity for links without one (Topology Zoo, TopoHub, GEANT)
  --tm FILE                SNDlib demands .xml, Repetita .demands, CFR-RL TM rows .txt
                           (default: graph.demands / <demands> of the topology file)
  --tm-index N             CFR-RL: plan TM row N (0-based, default 0)
  --tm-range A:B           CFR-RL: plan rows A..B-1 as a series (how often to move)
  --customers-per-router N customers per router (default 1; seeded split)
  --candidates K           candidate routers per customer, home included (default 2)
  --movable all|N          all customers, or the N with most traffic (default all)
  --candidate-map FILE     JSON {"customer id": ["router id", ...]}: explicit candidates
  --seed S                 seed of the customer split (default 1)
  --regime igp|mcf         fixed IGP/ECMP or optimal multicommodity-flow routing (default igp)
  --method M               milp|lp-round|local-search (default milp)
  --time-limit S           solver time limit in seconds (default 60)
  --gap G                  relative MIP gap limit (default 1e-6)
  --bound B                MLU bound during migration (default: today's MLU)
  --move-cost C            series: cost per graft in MLU units (default 0.01)
  --export-lp FILE         write the graft MILP in CPLEX LP format (of the first TM
                           of a series)
  --output FILE            write the JSON result to FILE (default stdout)
  --quiet                  no progress bar
  --help
`;

/** Streams the CLI writes to (replaceable in tests). */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly isTty?: boolean;
}

function extFormat(file: string): string {
  const f = file.toLowerCase();
  if (f.endsWith(".xml")) return "sndlib";
  if (f.endsWith(".graphml")) return "graphml";
  if (f.endsWith(".graph")) return "repetita";
  if (f.endsWith(".json")) return "json";
  if (f.endsWith(".demands")) return "repetita";
  return "cfr-rl";
}

function num(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x))
    throw new GraftPlannerError("BAD_OPTION", `--${name} ${v} is not a number`, { field: name });
  return x;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new GraftPlannerError(
      "IO",
      `cannot read ${file}: ${(e as Error).message}`,
      { field: file },
      { cause: e },
    );
  }
}

function planJson(p: Plan, topology: Topology) {
  const name = (r: number) => topology.routers[r]!.id;
  return {
    regime: p.regime,
    method: p.method,
    status: p.status,
    mluBefore: p.mluBefore,
    mluAfter: p.mluAfter,
    gain: p.gain,
    gap: p.gap,
    bound: p.bound,
    grafts: p.grafts.map((g) => ({ customer: g.id, from: name(g.from), to: name(g.to) })),
    migration:
      p.migration === null
        ? null
        : {
            feasible: p.migration.feasible,
            exhaustive: p.migration.exhaustive,
            bound: p.migration.bound,
            statement: p.migration.statement,
            steps: p.migration.steps.map((g, i) => ({
              customer: g.id,
              from: name(g.from),
              to: name(g.to),
              mlu: p.migration!.mluAfterStep[i],
            })),
          },
    customerModel: p.customerModel,
    solveMs: p.solveMs,
  };
}

/**
 * Runs `graft-plan` with the given arguments; returns the exit code (0 ok, 1 error, 2 usage).
 *
 * @example
 * ```ts
 * const code = await main(["--topology", "Abilene.txt", "--routers", "abilene", "--tm", "AbileneTM.txt"]);
 * ```
 */
export async function main(
  argv: readonly string[],
  io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTty: process.stderr.isTTY === true,
  },
): Promise<number> {
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: [...argv],
      options: {
        topology: { type: "string" },
        "topology-format": { type: "string" },
        routers: { type: "string" },
        "capacity-if-missing": { type: "string" },
        tm: { type: "string" },
        "tm-index": { type: "string" },
        "tm-range": { type: "string" },
        "customers-per-router": { type: "string" },
        candidates: { type: "string" },
        movable: { type: "string" },
        "candidate-map": { type: "string" },
        seed: { type: "string" },
        regime: { type: "string" },
        method: { type: "string" },
        "time-limit": { type: "string" },
        gap: { type: "string" },
        bound: { type: "string" },
        "move-cost": { type: "string" },
        "export-lp": { type: "string" },
        output: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    });
  }
  try {
    args = parse();
  } catch (e) {
    io.stderr(`graft-plan: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (v.topology === undefined) {
    io.stderr(`graft-plan: --topology is required\n${USAGE}`);
    return 2;
  }
  try {
    const regime = (v.regime ?? "igp") as RoutingRegime;
    if (regime !== "igp" && regime !== "mcf")
      throw new GraftPlannerError("BAD_OPTION", `--regime ${regime}: expected igp or mcf`, {
        field: "regime",
      });
    const method = (v.method ?? "milp") as PlanMethod;
    if (!["milp", "lp-round", "local-search"].includes(method))
      throw new GraftPlannerError(
        "BAD_OPTION",
        `--method ${method}: expected milp, lp-round or local-search`,
        {
          field: "method",
        },
      );
    const capIfMissing =
      v["capacity-if-missing"] === undefined
        ? undefined
        : num(v["capacity-if-missing"], "capacity-if-missing", 0);
    const capOpt = capIfMissing === undefined ? {} : { capacityIfMissing: capIfMissing };
    const topoText = readText(v.topology);
    const tf = v["topology-format"] ?? extFormat(v.topology);
    let topology: Topology;
    let embedded: TrafficMatrix | undefined;
    switch (tf) {
      case "sndlib":
        topology = parseSndlibNetwork(topoText, capOpt);
        if (topoText.includes("<demands>"))
          embedded = parseSndlibDemands(
            topoText,
            topology.routers.map((r) => r.id),
          );
        break;
      case "graphml":
        topology = parseGraphml(topoText, capOpt);
        break;
      case "repetita":
        topology = parseRepetitaGraph(topoText);
        break;
      case "json": {
        const d = parseNodeLinkJson(topoText, capOpt);
        topology = d.topology;
        embedded = d.demands;
        break;
      }
      case "cfr-rl":
        topology = parseCfrRlTopology(
          topoText,
          v.routers === "abilene" ? ABILENE_ROUTERS : undefined,
        );
        break;
      default:
        throw new GraftPlannerError("BAD_OPTION", `--topology-format ${tf} unknown`, {
          field: "topology-format",
        });
    }
    const n = topology.routers.length;
    let tms: TrafficMatrix[];
    let series = false;
    if (v.tm === undefined) {
      if (embedded === undefined)
        throw new GraftPlannerError(
          "BAD_OPTION",
          "--tm is required: the topology file has no demands",
          { field: "tm" },
        );
      tms = [embedded];
    } else {
      const text = readText(v.tm);
      const f = extFormat(v.tm);
      if (f === "sndlib")
        tms = [
          parseSndlibDemands(
            text,
            topology.routers.map((r) => r.id),
          ),
        ];
      else if (f === "repetita") tms = [parseRepetitaDemands(text, n)];
      else if (f === "json") {
        const d = parseNodeLinkJson(text, { capacityIfMissing: 1 }).demands;
        if (d === undefined)
          throw new GraftPlannerError("BAD_OPTION", `${v.tm} has no graph.demands`, {
            field: "tm",
          });
        tms = [d];
      } else if (v["tm-range"] !== undefined) {
        const m = /^(\d+):(\d+)$/.exec(v["tm-range"]);
        if (m === null)
          throw new GraftPlannerError("BAD_OPTION", "--tm-range expects A:B", {
            field: "tm-range",
          });
        const a = Number(m[1]);
        const b = Number(m[2]);
        tms = parseCfrRlTrafficMatrices(text, n, { select: (i) => i >= a && i < b });
        if (tms.length === 0)
          throw new GraftPlannerError("BAD_OPTION", "--tm-range selects no TM", {
            field: "tm-range",
          });
        series = true;
      } else {
        const k = num(v["tm-index"], "tm-index", 0);
        tms = parseCfrRlTrafficMatrices(text, n, { select: (i) => i === k });
        if (tms.length === 0)
          throw new GraftPlannerError("BAD_OPTION", `no TM row ${k}`, { field: "tm-index" });
      }
    }
    const movable =
      v.movable === undefined || v.movable === "all"
        ? ("all" as const)
        : num(v.movable, "movable", 0);
    const modelOptions = {
      customersPerRouter: num(v["customers-per-router"], "customers-per-router", 1),
      candidates: num(v.candidates, "candidates", 2),
      movable,
      seed: num(v.seed, "seed", 1),
    };
    let candidateMap: Record<string, string[]> | undefined;
    if (v["candidate-map"] !== undefined) {
      try {
        candidateMap = JSON.parse(readText(v["candidate-map"])) as Record<string, string[]>;
      } catch (e) {
        if (GraftPlannerError.isInstance(e)) throw e;
        throw new GraftPlannerError(
          "BAD_CANDIDATES",
          `${v["candidate-map"]}: ${(e as Error).message}`,
          {
            field: "candidate-map",
          },
        );
      }
      if (typeof candidateMap !== "object" || candidateMap === null || Array.isArray(candidateMap))
        throw new GraftPlannerError("BAD_CANDIDATES", "--candidate-map must hold a JSON object", {
          field: "candidate-map",
        });
    }
    const modelFor = (tm: TrafficMatrix): CustomerModel => {
      const m = buildCustomerModel(topology, tm, modelOptions);
      return candidateMap === undefined ? m : withExplicitCandidates(topology, m, candidateMap);
    };
    const solver = await createSolver();
    const routing = new EcmpRouting(topology);
    const planOptions = {
      ...modelOptions,
      regime,
      method,
      solver,
      routing,
      timeLimit: num(v["time-limit"], "time-limit", 60),
      gapLimit: num(v.gap, "gap", 1e-6),
      ...(v.bound === undefined ? {} : { migrationBound: num(v.bound, "bound", 0) }),
    };
    if (v["export-lp"] !== undefined) {
      const model = modelFor(tms[0]!);
      const f = formulateGraftMilp(topology, model, regime, routing);
      fs.writeFileSync(
        v["export-lp"],
        toCplexLp(
          f.program,
          `graft-plan ${regime} MILP; objective U = MLU; capacities and demands divided by ${f.scale} ${topology.capacityUnit}\n${model.description}`,
        ),
      );
    }
    let result: unknown;
    if (!series) {
      const model = modelFor(tms[0]!);
      result = {
        topology: topology.name ?? v.topology,
        ...planJson(planForModel(topology, model, planOptions), topology),
      };
    } else {
      const width = 30;
      const progress = (done: number, total: number) => {
        if (v.quiet) return;
        const filled = Math.round((done / total) * width);
        const bar = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`;
        if (io.isTty) io.stderr(`\r${bar}${done === total ? "\n" : ""}`);
        else if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)
          io.stderr(`${bar}\n`);
      };
      const s = planSeries(topology, tms, {
        ...planOptions,
        moveCost: num(v["move-cost"], "move-cost", 0.01),
        customerModelFor: modelFor,
        onProgress: progress,
      });
      const first = s.plans[0]!;
      result = {
        topology: topology.name ?? v.topology,
        intervals: s.plans.map((p) => planJson(p, topology)),
        mluBefore: first.mluBefore,
        mluAfter: first.mluAfter,
        gain: first.gain,
        gap: first.gap,
        grafts: planJson(first, topology).grafts,
        schedule: {
          moveCost: num(v["move-cost"], "move-cost", 0.01),
          moves: s.moves,
          meanMluBefore: s.meanMluBefore,
          meanMluScheduled: s.meanMluScheduled,
          meanMluOptimal: s.meanMluOptimal,
          attachmentPerInterval: s.schedule,
        },
      };
    }
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (v.output !== undefined) fs.writeFileSync(v.output, json);
    else io.stdout(json);
    return 0;
  } catch (e) {
    if (GraftPlannerError.isInstance(e)) {
      io.stderr(`graft-plan: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const invoked = process.argv[1] ?? "";
if (/graft-plan(\.[cm]?[jt]s)?$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`graft-plan: internal error: ${String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
