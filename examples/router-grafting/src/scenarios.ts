// The three scenarios of the example, each returning the figures the summary and the tests use.
import type { Plan, Topology } from "@dyninfra/graft-planner";
import { EcmpRouting, evaluateMlu, planGrafts, routerTrafficMatrix } from "@dyninfra/graft-planner";
import type { Scenario } from "./build";
import { withHomes } from "./build";
import type { AbileneData, RouteData } from "./data";
import type { CustomerSpec, GraftReport, IspOptions } from "./isp";
import { Isp } from "./isp";
import { runUntil } from "./sim";

export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly grafts: GraftReport[];
  /** Customer sessions: all Established at the end, NOTIFICATIONs seen, OPENs received. */
  readonly sessions: { established: number; total: number; notifications: number; opens: number };
  /** OPENs customers received before the first graft (one per session). */
  readonly opensBefore: number;
  /**
   * Real churn: changes the customers made, UPDATEs they sent and the ISP received, and customers
   * whose routes at the ISP differ from what they announce (must be 0).
   */
  readonly churn: {
    events: number;
    updatesSent: number;
    updatesReceived: number;
    viewMismatches: number;
  };
  /**
   * Data packets: sent across grafted circuits, delivered, lost in the dark interval, frames lost
   * otherwise (data or TCP); and TCP segments of the sessions lost in the dark interval (retransmitted).
   */
  readonly data: {
    sent: number;
    delivered: number;
    lostDark: number;
    lostOther: number;
    tcpLostDark: number;
  };
  /**
   * Loc-RIBs of all routers and all customers equal those of a run where the customers were
   * always at their new router.
   */
  readonly matchesReference: boolean | undefined;
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
}

const CHURN_WINDOW_US = 6_000_000;

/** What a scenario runs on: a topology and the customers attached to it. */
interface World {
  readonly abilene: { readonly topology: Topology };
  readonly specs: readonly CustomerSpec[];
}

async function execute(
  scenario: World,
  name: string,
  description: string,
  moves: readonly { customer: number; to: number }[],
  options: IspOptions & { reference?: boolean; onProgress?: (msg: string) => void },
  isp?: Isp,
): Promise<ScenarioResult> {
  const wall = performance.now();
  const sim = isp ?? new Isp(scenario.abilene.topology, scenario.specs, options);
  if (isp === undefined) await sim.start();
  options.onProgress?.(`${name}: ISP up, ${sim.customers.length} customer sessions`);
  const startUs = sim.scheduler.now;
  const opensBefore = sim.sessionHealth().opens;
  sim.scheduleChurn(startUs, CHURN_WINDOW_US);
  const grafts: GraftReport[] = [];
  for (const [i, m] of moves.entries()) {
    grafts.push(await sim.graft(m.customer, m.to));
    options.onProgress?.(
      `${name}: graft ${i + 1}/${moves.length} ${grafts.at(-1)!.customer} ${grafts.at(-1)!.from} → ${grafts.at(-1)!.to}`,
    );
  }
  // Let the rest of the churn play out, then settle.
  await runUntil(sim.scheduler, Math.max(sim.scheduler.now, startUs + CHURN_WINDOW_US));
  await sim.settle();
  // Every UPDATE a customer sent was received once by the router serving it (the ISP-side
  // session's counters move with the graft), and the ISP holds exactly the customer's final view.
  let sent = 0;
  let received = 0;
  let viewMismatches = 0;
  let churnEvents = 0;
  for (const c of sim.customers) {
    churnEvents += c.announcementsSent + c.withdrawalsSent;
    sent += c.router.session("isp").stats.updatesSent;
    const router = sim.routers[c.at]!;
    received += router.session(c.spec.id).stats.updatesReceived;
    const address = c.router.spec.localAddress!;
    const learned = new Map(
      [...router.rib.adjRibIn(address, "pre")].map((r) => [
        `${r.prefix.address}/${r.prefix.length}`,
        JSON.stringify(r.attributes.asPath),
      ]),
    );
    const own = [...c.router.rib.locRib()].filter((r) => r.peer === "local");
    if (own.length !== learned.size) viewMismatches++;
    else
      for (const r of own) {
        const expected = JSON.stringify([
          {
            type: "AS_SEQUENCE",
            asns: [c.spec.asn, ...(r.attributes.asPath ?? []).flatMap((s) => s.asns)],
          },
        ]);
        if (learned.get(`${r.prefix.address}/${r.prefix.length}`) !== expected) viewMismatches++;
      }
  }
  let dataSent = 0;
  let delivered = 0;
  let lostDark = 0;
  let lostOther = 0;
  let tcpLostDark = 0;
  for (const node of sim.customers) {
    dataSent += node.dataSent;
    delivered += node.dataReceived;
    lostDark += node.dataLostDark;
    tcpLostDark += node.tcpLostDark;
    // Any frame lost outside the dark interval counts: data packets and TCP segments alike.
    lostOther += node.dataLostOther + node.tcpLostOther;
  }
  let matchesReference: boolean | undefined;
  if (options.reference === true) {
    const homes = new Map<number, number>();
    for (const m of moves) homes.set(m.customer, m.to);
    const ref = new Isp(scenario.abilene.topology, withHomes(scenario.specs, homes), options);
    await ref.start();
    ref.scheduleChurn(ref.scheduler.now, CHURN_WINDOW_US);
    await runUntil(ref.scheduler, ref.scheduler.now + CHURN_WINDOW_US);
    await ref.settle();
    const a = sim.locRibs();
    const b = ref.locRibs();
    matchesReference = a.every(
      (rib, i) => rib.length === b[i]!.length && rib.every((l, j) => l === b[i]![j]),
    );
  }
  return {
    name,
    description,
    grafts,
    sessions: sim.sessionHealth(),
    opensBefore,
    churn: { events: churnEvents, updatesSent: sent, updatesReceived: received, viewMismatches },
    data: { sent: dataSent, delivered, lostDark, lostOther, tcpLostDark },
    matchesReference,
    virtualSeconds: (sim.scheduler.now - startUs) / 1e6,
    wallSeconds: (performance.now() - wall) / 1000,
  };
}

/** Scenario 1: the planner picks grafts for the busiest TM; they run one by one amid churn. */
export async function trafficEngineering(
  scenario: Scenario,
  options: IspOptions & { reference?: boolean; onProgress?: (msg: string) => void } = {},
): Promise<ScenarioResult & { plan: Plan; mluAchieved: number }> {
  const { abilene, model } = scenario;
  const tm = abilene.tms[abilene.busiest]!;
  const plan = await planGrafts(abilene.topology, tm, {
    customerModel: model,
    regime: "igp",
    method: "milp",
    timeLimit: 30,
  });
  const order = plan.migration?.feasible ? plan.migration.steps : plan.grafts;
  const moves = order.map((g) => ({ customer: g.customer, to: g.to }));
  const r = await execute(
    scenario,
    "traffic-engineering",
    `planner (fixed IGP, MILP) on the busiest TM of the week (#${abilene.busiest}): ${moves.length} grafts, MLU ${plan.mluBefore.toFixed(3)} → ${plan.mluAfter.toFixed(3)}`,
    moves,
    options,
  );
  const assignment = Int32Array.from(model.customers.map((c) => c.home));
  for (const m of moves) assignment[m.customer] = m.to;
  const mluAchieved = evaluateMlu(abilene.topology, model, assignment, "igp");
  return { ...r, plan, mluAchieved };
}

/** Scenario 2: evacuate every session of one router (it is replaced), then bring them back. */
export async function plannedMaintenance(
  scenario: Scenario,
  router: number,
  options: IspOptions & { onProgress?: (msg: string) => void } = {},
): Promise<ScenarioResult> {
  const away = scenario.specs
    .filter((s) => s.home === router && s.candidates.some((c) => c !== router))
    .map((s) => ({ customer: s.index, to: s.candidates.find((c) => c !== router)! }));
  const back = away.map((m) => ({ customer: m.customer, to: router }));
  const id = scenario.abilene.topology.routers[router]!.id;
  return execute(
    scenario,
    "planned-maintenance",
    `evacuate ${away.length} customer sessions from ${id}, replace it, bring them back`,
    [...away, ...back],
    options,
  );
}

/** Scenario 3: move one customer to the router that has a feature it needs. */
export async function rehomeForFeature(
  scenario: Scenario,
  feature: { name: string; routers: readonly number[] },
  options: IspOptions & { onProgress?: (msg: string) => void } = {},
): Promise<ScenarioResult & { customer: string; feature: string }> {
  const spec = scenario.specs.find(
    (s) =>
      !feature.routers.includes(s.home) && s.candidates.some((c) => feature.routers.includes(c)),
  );
  if (spec === undefined) throw new Error(`no customer can reach a router with ${feature.name}`);
  const to = spec.candidates.find((c) => feature.routers.includes(c))!;
  const r = await execute(
    scenario,
    "rehome-for-feature",
    `${spec.id} needs ${feature.name}, which only ${feature.routers.map((x) => scenario.abilene.topology.routers[x]!.id).join(", ")} offer(s)`,
    [{ customer: spec.index, to }],
    options,
  );
  return { ...r, customer: spec.id, feature: feature.name };
}

/** Link loads of an attachment under ECMP (for the utilisation map). */
export function linkUtilisation(scenario: Scenario, assignment: ArrayLike<number>): Float64Array {
  const topo = scenario.abilene.topology;
  const routing = new EcmpRouting(topo);
  const tm = routerTrafficMatrix(scenario.model, assignment, topo.routers.length);
  const loads = routing.linkLoads(tm);
  return Float64Array.from(topo.links.map((l, e) => loads[e]! / l.capacity));
}

/**
 * The smallest scenario that grafts a session carrying a whole table: two Abilene routers in
 * iBGP (`from` and `to`, by default NYCMng and WASHng, scenario 1's first graft), a transit
 * customer announcing every route of the data (all but every 1000th prefix) and its churn to
 * `from`, and a small customer on `to` announcing the rest and receiving the table. The transit
 * session is grafted to `to` while churn goes on. With `--routes full` the session carries the
 * 578k-prefix table.
 */
export async function fullTableGraft(
  abilene: AbileneData,
  routes: RouteData,
  options: IspOptions & {
    reference?: boolean;
    onProgress?: (msg: string) => void;
    from?: string;
    to?: string;
  } = {},
): Promise<ScenarioResult> {
  const ids = [options.from ?? "NYCMng", options.to ?? "WASHng"];
  const routers = ids.map((id) => {
    const r = abilene.topology.routers.find((x) => x.id === id);
    if (r === undefined) throw new Error(`no router ${id} in Abilene`);
    return r;
  });
  const topology: Topology = { ...abilene.topology, routers, links: [] };
  // Every k-th prefix belongs to the stub customer (every 1000th of the full table).
  const k = Math.min(1000, Math.ceil(routes.routes.length / 10));
  const stubPrefixes = new Set(
    routes.routes.filter((_, i) => i % k === k - 1).map((r) => r.prefix),
  );
  const specs: CustomerSpec[] = [
    {
      index: 0,
      id: "transit",
      asn: 65001,
      home: 0,
      candidates: [0, 1],
      routes: routes.routes.filter((r) => !stubPrefixes.has(r.prefix)),
      churn: routes.churn.filter((e) => !stubPrefixes.has(e.prefix)),
    },
    {
      index: 1,
      id: "stub",
      asn: 65002,
      home: 1,
      candidates: [1, 0],
      routes: routes.routes.filter((r) => stubPrefixes.has(r.prefix)),
      churn: routes.churn.filter((e) => stubPrefixes.has(e.prefix)),
    },
  ];
  return execute(
    { abilene: { topology }, specs },
    "full-table-graft",
    `graft of a transit session carrying ${specs[0]!.routes.length} routes (and receiving ${specs[1]!.routes.length}) from ${ids[0]} to ${ids[1]}; a stub customer on ${ids[1]} receives the table`,
    [{ customer: 0, to: 1 }],
    options,
  );
}
