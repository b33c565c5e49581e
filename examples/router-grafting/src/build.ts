// Builds the ISP of the example from the real data: the planner's customer model on Abilene
// (customers per router, candidate routers = the nearest ones) with each customer announcing its
// share of the real routes and replaying its share of the real churn.
import type { CustomerModel } from "@dyninfra/graft-planner";
import { buildCustomerModel } from "@dyninfra/graft-planner";
import type { AbileneData, RouteData } from "./data";
import type { CustomerSpec, IspOptions } from "./isp";
import { Isp } from "./isp";

export interface Scenario {
  readonly abilene: AbileneData;
  readonly routes: RouteData;
  readonly model: CustomerModel;
  readonly specs: CustomerSpec[];
}

/** Deterministic owner of a prefix among `n` customers (FNV-1a of its text). */
function owner(prefix: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < prefix.length; i++) h = Math.imul(h ^ prefix.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

export function buildScenario(
  abilene: AbileneData,
  routes: RouteData,
  options: { customersPerRouter?: number; candidates?: number; seed?: number } = {},
): Scenario {
  const tm = abilene.tms[abilene.busiest]!;
  const model = buildCustomerModel(abilene.topology, tm, {
    customersPerRouter: options.customersPerRouter ?? 2,
    candidates: options.candidates ?? 2,
    seed: options.seed ?? 1,
  });
  const n = model.customers.length;
  const specs: CustomerSpec[] = model.customers.map((c, i) => ({
    index: i,
    id: c.id,
    asn: 65001 + i,
    home: c.home,
    candidates: [...new Set([c.home, ...c.candidates])],
    routes: routes.routes.filter((r) => owner(r.prefix, n) === i),
    churn: routes.churn.filter((e) => owner(e.prefix, n) === i),
  }));
  return { abilene, routes, model, specs };
}

/** The same ISP with some customers attached elsewhere from the start (the reference run). */
export function withHomes(
  specs: readonly CustomerSpec[],
  homes: ReadonlyMap<number, number>,
): CustomerSpec[] {
  return specs.map((s) => (homes.has(s.index) ? { ...s, home: homes.get(s.index)! } : s));
}

export function makeIsp(
  scenario: Scenario,
  specs: readonly CustomerSpec[],
  options: IspOptions = {},
): Isp {
  return new Isp(scenario.abilene.topology, specs, options);
}
