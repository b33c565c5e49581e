import { describe, expect, it } from "vitest";
import { ABILENE_ROUTERS, parseCfrRlTopology, parseCfrRlTrafficMatrices } from "./cfr-rl";
import {
  buildCustomerModel,
  nearestRouters,
  routerTrafficMatrix,
  splitTrafficMatrix,
  withExplicitCandidates,
} from "./customers";
import { fixture } from "./internal/test-data";
import { greatCircleKm } from "./topology";

const topo = parseCfrRlTopology(fixture("abilene/Abilene.txt"), ABILENE_ROUTERS);
const tm = parseCfrRlTrafficMatrices(fixture("abilene/AbileneTM-2h.txt"), 12, {
  select: (i) => i === 5,
})[0]!;

describe("customer model", () => {
  it("great-circle distance: 1° of latitude is 111.19 km on a 6371 km sphere", () => {
    expect(greatCircleKm({ id: "a", lon: 0, lat: 0 }, { id: "b", lon: 0, lat: 1 })).toBeCloseTo(
      111.19,
      2,
    );
  });
  it("picks the geographically nearest router: Seattle's is Sunnyvale, New York's is Washington", () => {
    const id = (s: string) => ABILENE_ROUTERS.findIndex((r) => r.id === s);
    expect(nearestRouters(topo, id("STTLng"), 2)).toEqual([id("STTLng"), id("SNVAng")]);
    expect(nearestRouters(topo, id("NYCMng"), 2)).toEqual([id("NYCMng"), id("WASHng")]);
    expect(nearestRouters(topo, id("ATLAM5"), 2)).toEqual([id("ATLAM5"), id("ATLAng")]);
  });
  it("splits the TM into customers without losing any router-pair total", () => {
    const m = splitTrafficMatrix(topo, tm, { customersPerRouter: 3, seed: 9 });
    expect(m.customers).toHaveLength(36);
    expect(m.customers[7]!.id).toBe("CHINng/c1");
    const back = routerTrafficMatrix(
      m,
      Int32Array.from(m.customers, (c) => c.home),
      12,
    );
    back.forEach((v, k) => {
      expect(v).toBeCloseTo(tm.values[k]!, 6);
    });
  });
  it("only the N customers with most traffic move when movable = N", () => {
    const m = buildCustomerModel(topo, tm, { customersPerRouter: 2, movable: 5, candidates: 3 });
    const movable = m.customers.filter((c) => c.candidates.length > 1);
    expect(movable).toHaveLength(5);
    expect(movable.every((c) => c.candidates.length === 3 && c.candidates[0] === c.home)).toBe(
      true,
    );
    expect(m.description).toMatch(/5 customers with most traffic/);
  });
  it("falls back to IGP distance when the home router has no coordinates", () => {
    const bare = { ...topo, routers: topo.routers.map((r) => ({ id: r.id })) };
    // CFR-RL file: WASHng (11) has arcs 11→1 (OSPF 846) and 11→8 (OSPF 233): NYCMng (8) is nearest
    expect(nearestRouters(bare, 11, 2)).toEqual([11, 8]);
  });
  it("takes explicit candidates, home first, and names unknown entries", () => {
    const m = withExplicitCandidates(topo, buildCustomerModel(topo, tm), {
      CHINng: ["KSCYng", "CHINng"],
    });
    expect(m.customers[2]!.candidates).toEqual([2, 6]);
    expect(() => withExplicitCandidates(topo, m, { CHINng: ["XX"] })).toThrow(/unknown router XX/);
  });
  it("rejects a bad customer count", () => {
    expect(() => splitTrafficMatrix(topo, tm, { customersPerRouter: 0 })).toThrow(
      /customersPerRouter/,
    );
  });
});
