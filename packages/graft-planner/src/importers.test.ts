import { describe, expect, it } from "vitest";
import { ABILENE_ROUTERS, parseCfrRlTopology, parseCfrRlTrafficMatrices } from "./cfr-rl";
import { GraftPlannerError } from "./errors";
import { parseGraphml } from "./graphml";
import { fixture, TE_PRESENT, teData, warnAbsent } from "./internal/test-data";
import { parseNodeLinkJson } from "./node-link-json";
import { parseRepetitaDemands, parseRepetitaGraph } from "./repetita";
import { parseSndlibDemands, parseSndlibNetwork } from "./sndlib";
import { validateTopology } from "./topology";

function thrown(f: () => unknown): GraftPlannerError {
  try {
    f();
  } catch (e) {
    if (GraftPlannerError.isInstance(e)) return e;
    throw new Error(`foreign exception: ${String(e)}`);
  }
  throw new Error("no exception");
}

const SNDLIB = `<?xml version="1.0" encoding="ISO-8859-1"?>
<network xmlns="http://sndlib.zib.de/network" version="1.0">
 <networkStructure>
  <nodes coordinatesType="geographical">
   <node id="A"><coordinates><x>-84.0</x><y>33.5</y></coordinates></node>
   <node id="B"><coordinates><x>-87.5</x><y>41.75</y></coordinates></node>
  </nodes>
  <links>
   <link id="A_B">
    <source>A</source>
    <target>B</target>
    <preInstalledModule><capacity>2480.0</capacity><cost>0.0</cost></preInstalledModule>
    <routingCost>7</routingCost>
   </link>
  </links>
 </networkStructure>
 <demands>
  <demand id="A_B"><source>A</source><target>B</target><demandValue>12.5</demandValue></demand>
  <demand id="B_A"><source>B</source><target>A</target><demandValue>3</demandValue></demand>
 </demands>
</network>`;

describe("SNDlib XML", () => {
  it("reads nodes, undirected links as two arcs, routing cost and demands", () => {
    const t = parseSndlibNetwork(SNDLIB);
    expect(t.routers).toEqual([
      { id: "A", lon: -84, lat: 33.5 },
      { id: "B", lon: -87.5, lat: 41.75 },
    ]);
    expect(t.links).toEqual([
      { from: 0, to: 1, capacity: 2480, weight: 7 },
      { from: 1, to: 0, capacity: 2480, weight: 7 },
    ]);
    const tm = parseSndlibDemands(SNDLIB, ["A", "B"]);
    expect([...tm.values]).toEqual([0, 12.5, 3, 0]);
  });

  it("reports malformed XML with its line", () => {
    const bad = SNDLIB.replace("</source>\n    <target>B", "</sourc>\n    <target>B");
    const e = thrown(() => parseSndlibNetwork(bad));
    expect(e.code).toBe("XML_SYNTAX");
    expect(e.where.line).toBe(10);
  });

  it("reports a link without capacity at its element and line", () => {
    const bad = SNDLIB.replace(
      "<preInstalledModule><capacity>2480.0</capacity><cost>0.0</cost></preInstalledModule>",
      "",
    );
    const e = thrown(() => parseSndlibNetwork(bad));
    expect(e.code).toBe("MISSING_CAPACITY");
    expect(e.where.line).toBe(9);
    expect(e.where.field).toBe("link[A_B].preInstalledModule");
    expect(parseSndlibNetwork(bad, { capacityIfMissing: 10 }).links[0]!.capacity).toBe(10);
  });

  it("reports a demand on an unknown node", () => {
    const e = thrown(() => parseSndlibDemands(SNDLIB, ["A", "C"]));
    expect(e.where.field).toBe("demand[A_B].target");
    expect(e.where.line).toBe(18);
  });

  warnAbsent("SNDlib Abilene/GEANT");
  describe.runIf(TE_PRESENT)("real SNDlib files (academic licence, read from shared data)", () => {
    it("Abilene: 12 nodes, 15 links, 9920 Mbit/s except ATLAng–IPLSng 2480 Mbit/s", () => {
      const xml = teData("abilene/sndlib-abilene.xml");
      const t = parseSndlibNetwork(xml);
      expect(t.routers.map((r) => r.id)).toEqual(ABILENE_ROUTERS.map((r) => r.id));
      expect(t.links).toHaveLength(30);
      const small = t.links.filter((l) => l.capacity === 2480);
      expect(small.map((l) => `${t.routers[l.from]!.id}-${t.routers[l.to]!.id}`).sort()).toEqual([
        "ATLAng-IPLSng",
        "IPLSng-ATLAng",
      ]);
      const tm = parseSndlibDemands(
        xml,
        t.routers.map((r) => r.id),
      );
      // the file's meta says "total demand 3Tbps"
      expect(tm.values.reduce((a, b) => a + b, 0)).toBeCloseTo(3_000_002, 0);
    });
    it("GEANT has no pre-installed capacity: an error unless a capacity is assumed", () => {
      const xml = teData("geant/sndlib-geant.xml");
      expect(thrown(() => parseSndlibNetwork(xml)).code).toBe("MISSING_CAPACITY");
      const t = parseSndlibNetwork(xml, { capacityIfMissing: 10_000 });
      expect(t.routers).toHaveLength(22);
      expect(t.links).toHaveLength(72);
    });
  });
});

describe("CFR-RL text", () => {
  const topo = parseCfrRlTopology(fixture("abilene/Abilene.txt"), ABILENE_ROUTERS);
  it("reads the real OSPF weights and capacities of Abilene", () => {
    validateTopology(topo);
    expect(topo.links).toHaveLength(30);
    // line "3 1 5 587 2480000": ATLAng → IPLSng
    expect(topo.links[3]).toEqual({ from: 1, to: 5, capacity: 2_480_000, weight: 587 });
    expect(topo.links[0]).toEqual({ from: 0, to: 1, capacity: 9_920_000, weight: 1 });
    expect(topo.routers[5]!.id).toBe("IPLSng");
  });
  it("reads TM rows in kbit/s", () => {
    const tms = parseCfrRlTrafficMatrices(fixture("abilene/AbileneTM-2h.txt"), 12);
    expect(tms).toHaveLength(84);
    // first value of the first row is 1.0000000e+04 (100 B per 5 min) → 10000 × 800 / 300 bit/s
    expect(tms[0]!.values[0]).toBeCloseTo((1e4 * 800) / 300 / 1000, 9);
  });
  it("reports a short TM row with its line", () => {
    const e = thrown(() => parseCfrRlTrafficMatrices("1 2 3\n", 12));
    expect(e.where.line).toBe(1);
    expect(e.code).toBe("CFR_RL_FORMAT");
  });
  it("reports a bad link line", () => {
    const bad = fixture("abilene/Abilene.txt").replace("2\t1\t4\t1176", "2\t1\t44\t1176");
    const e = thrown(() => parseCfrRlTopology(bad));
    expect(e.where).toMatchObject({ line: 5, field: "Destination" });
  });
});

describe("Repetita", () => {
  const G = `NODES 3\nlabel x y\na 0 0\nb 1 0\nc 2 0\n\nEDGES 2\nlabel src dest weight bw delay\ne0 0 1 10 9953280 5\ne1 1 2 3 2488320 7\n`;
  it("reads nodes and directed arcs", () => {
    const t = parseRepetitaGraph(G);
    expect(t.routers.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(t.links).toEqual([
      { from: 0, to: 1, capacity: 9953280, weight: 10 },
      { from: 1, to: 2, capacity: 2488320, weight: 3 },
    ]);
    const tm = parseRepetitaDemands("DEMANDS 2\nlabel src dest bw\nd0 0 2 5\nd1 0 2 1\n", 3);
    expect(tm.values[2]).toBe(6);
  });
  it("reports errors with line and field", () => {
    expect(thrown(() => parseRepetitaGraph(G.replace("e1 1 2", "e1 1 9"))).where).toMatchObject({
      line: 10,
      field: "dest",
    });
    expect(thrown(() => parseRepetitaDemands("DEMANDS 2\nd0 0 1 5\n", 3)).code).toBe(
      "REPETITA_FORMAT",
    );
  });
  describe.runIf(TE_PRESENT)("real files", () => {
    it("Cogentco: 197 nodes, 490 arcs, 38612 demands", () => {
      const t = parseRepetitaGraph(teData("repetita/Cogentco.graph"));
      expect(t.routers).toHaveLength(197);
      expect(t.links).toHaveLength(490);
      const tm = parseRepetitaDemands(teData("repetita/Cogentco.0000.demands"), 197);
      expect(tm.values.filter((v) => v > 0).length).toBeLessThanOrEqual(38612);
    });
  });
});

describe("Topology Zoo GraphML", () => {
  const X = `<?xml version="1.0" encoding="utf-8"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="Latitude" attr.type="double" for="node" id="d1" />
  <key attr.name="Longitude" attr.type="double" for="node" id="d2" />
  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="d3" />
  <graph edgedefault="undirected">
    <node id="0"><data key="d1">37.9</data><data key="d2">-91.7</data></node>
    <node id="1"><data key="d1">38.6</data><data key="d2">-90.2</data></node>
    <edge source="0" target="1"><data key="d3">1000000000.0</data></edge>
    <edge source="1" target="1"></edge>
  </graph>
</graphml>`;
  it("reads coordinates and capacities, two arcs per undirected edge", () => {
    const t = parseGraphml(X);
    expect(t.routers).toEqual([
      { id: "0", lat: 37.9, lon: -91.7 },
      { id: "1", lat: 38.6, lon: -90.2 },
    ]);
    expect(t.links).toEqual([
      { from: 0, to: 1, capacity: 1e9, weight: 1 },
      { from: 1, to: 0, capacity: 1e9, weight: 1 },
    ]);
  });
  it("reports an edge to an unknown node at its line", () => {
    const e = thrown(() => parseGraphml(X.replace('target="1"><data', 'target="7"><data')));
    expect(e.where).toMatchObject({ line: 8, field: "edge[0]" });
  });
  describe.runIf(TE_PRESENT)("real files", () => {
    it("Kdl: 754 nodes with coordinates", () => {
      const t = parseGraphml(teData("topologyzoo/Kdl.graphml"), { capacityIfMissing: 1 });
      expect(t.routers).toHaveLength(754);
      expect(t.routers.filter((r) => r.lat !== undefined).length).toBeGreaterThan(700);
      expect(thrown(() => parseGraphml(teData("topologyzoo/Kdl.graphml"))).code).toBe(
        "MISSING_CAPACITY",
      );
    });
  });
});

describe("TopoHub / NetworkX node-link JSON", () => {
  it("reads names, positions, edges and demands", () => {
    const j = JSON.stringify({
      directed: false,
      graph: { name: "x", demands: { "0": { "1": 5 } } },
      nodes: [
        { id: 0, name: "A", pos: [1, 2] },
        { id: 1, name: "B", pos: [3, 4] },
      ],
      edges: [{ source: 0, target: 1, dist: 10 }],
    });
    const d = parseNodeLinkJson(j, { capacityIfMissing: 100 });
    expect(d.topology.routers).toEqual([
      { id: "A", lon: 1, lat: 2 },
      { id: "B", lon: 3, lat: 4 },
    ]);
    expect(d.topology.links).toHaveLength(2);
    expect([...d.demands!.values]).toEqual([0, 5, 0, 0]);
  });
  it("reports syntax errors with line and element errors with path", () => {
    expect(thrown(() => parseNodeLinkJson('{\n "nodes": [,]}')).where.line).toBe(2);
    const e = thrown(() =>
      parseNodeLinkJson(JSON.stringify({ nodes: [{ id: 0 }], edges: [{ source: 0, target: 3 }] })),
    );
    expect(e.where.field).toBe("edges[0].target");
  });
  describe.runIf(TE_PRESENT)("real files", () => {
    it("TopoHub SNDlib Abilene carries the 3 Tbit/s demand matrix; Teal Kdl carries capacities", () => {
      const d = parseNodeLinkJson(teData("topohub/sndlib/abilene.json"), {
        capacityIfMissing: 9920,
      });
      expect(d.topology.routers[1]!.id).toBe("ATLAng");
      expect(d.demands!.values.reduce((a, b) => a + b, 0)).toBeCloseTo(3_000_002, 0);
      const k = parseNodeLinkJson(teData("teal/Kdl.json"));
      expect(k.topology.routers).toHaveLength(754);
      expect(k.topology.links).toHaveLength(1790);
    });
  });
});
