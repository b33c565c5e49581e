import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { parseCfrRlTopology, parseCfrRlTrafficMatrices } from "./cfr-rl";
import { GraftPlannerError } from "./errors";
import { parseGraphml } from "./graphml";
import { fixture } from "./internal/test-data";
import { parseNodeLinkJson } from "./node-link-json";
import { parseRepetitaDemands, parseRepetitaGraph } from "./repetita";
import { parseSndlibDemands, parseSndlibNetwork } from "./sndlib";
import { validateTopology } from "./topology";

const SNDLIB = `<?xml version="1.0"?>
<network xmlns="http://sndlib.zib.de/network" version="1.0"><networkStructure>
<nodes coordinatesType="geographical"><node id="A"><coordinates><x>1</x><y>2</y></coordinates></node>
<node id="B"><coordinates><x>3</x><y>4</y></coordinates></node></nodes>
<links><link id="L"><source>A</source><target>B</target><preInstalledModule><capacity>10</capacity></preInstalledModule></link></links>
</networkStructure><demands><demand id="D"><source>A</source><target>B</target><demandValue>5</demandValue></demand></demands></network>`;
const GRAPHML = `<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key attr.name="Latitude" for="node" id="d1"/><key attr.name="capacity" for="edge" id="d2"/>
<graph edgedefault="undirected"><node id="0"><data key="d1">3</data></node><node id="1"/>
<edge source="0" target="1"><data key="d2">7</data></edge></graph></graphml>`;
const REPETITA =
  "NODES 2\nlabel x y\na 0 0\nb 1 1\n\nEDGES 2\nlabel src dest weight bw delay\ne0 0 1 1 10 1\ne1 1 0 1 10 1\n";
const JSON_DOC = JSON.stringify({
  directed: false,
  graph: { demands: { "0": { "1": 3 } } },
  nodes: [{ id: 0, pos: [1, 2] }, { id: 1 }],
  edges: [{ source: 0, target: 1, capacity: 5 }],
});
const CFR = fixture("abilene/Abilene.txt");

const parsers: [string, string, (s: string) => unknown][] = [
  ["sndlib network", SNDLIB, (s) => parseSndlibNetwork(s)],
  ["sndlib demands", SNDLIB, (s) => parseSndlibDemands(s, ["A", "B"])],
  ["graphml", GRAPHML, (s) => parseGraphml(s)],
  ["repetita graph", REPETITA, (s) => parseRepetitaGraph(s)],
  [
    "repetita demands",
    "DEMANDS 1\nlabel src dest bw\nd 0 1 4\n",
    (s) => parseRepetitaDemands(s, 2),
  ],
  ["node-link json", JSON_DOC, (s) => parseNodeLinkJson(s)],
  ["cfr-rl topology", CFR, (s) => parseCfrRlTopology(s)],
  ["cfr-rl tm", "1 2 3 4\n5 6 7 8\n", (s) => parseCfrRlTrafficMatrices(s, 2)],
];

/** Either a value whose topology is valid, or this package's error — never a foreign exception. */
function outcome(f: () => unknown): void {
  try {
    const v = f() as { links?: unknown; topology?: unknown };
    const t = (v as { topology?: unknown }).topology ?? v;
    if (typeof t === "object" && t !== null && "links" in t) {
      try {
        validateTopology(t as Parameters<typeof validateTopology>[0]);
      } catch (e) {
        expect(GraftPlannerError.isInstance(e)).toBe(true);
      }
    }
  } catch (e) {
    if (!GraftPlannerError.isInstance(e)) throw e;
  }
}

const mutation = (base: string) =>
  fc
    .array(
      fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 4 }), fc.string({ maxLength: 4 })),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let s = base;
      for (const [at, del, ins] of edits) {
        const p = at % (s.length + 1);
        s = s.slice(0, p) + ins + s.slice(p + del);
      }
      return s;
    });

for (const [name, base, parse] of parsers) {
  test.prop([fc.string({ maxLength: 200 })], { numRuns: 150 })(
    `${name}: arbitrary text gives a value or a typed error`,
    (s) => outcome(() => parse(s)),
  );
  test.prop([mutation(base)], { numRuns: 300 })(
    `${name}: mutated real input gives a value or a typed error`,
    (s) => outcome(() => parse(s)),
  );
}
