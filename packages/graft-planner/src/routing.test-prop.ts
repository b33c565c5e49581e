import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { EcmpRouting } from "./routing";
import { arbitraryTopology, arbitraryTrafficMatrix } from "./testing";
import type { Topology } from "./topology";

/** Independent reference: Floyd–Warshall distances, then recursive per-hop even splitting. */
function referenceLoads(t: Topology, tm: Float64Array): Float64Array {
  const n = t.routers.length;
  const d = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)),
  );
  for (const l of t.links) d[l.from]![l.to] = Math.min(d[l.from]![l.to]!, l.weight);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) d[i]![j] = Math.min(d[i]![j]!, d[i]![k]! + d[k]![j]!);
  const load = new Float64Array(t.links.length);
  const send = (v: number, dst: number, amount: number) => {
    if (v === dst || amount === 0) return;
    const next = t.links
      .map((l, e) => ({ l, e }))
      .filter(({ l }) => l.from === v && l.weight + d[l.to]![dst]! === d[v]![dst]);
    for (const { l, e } of next) {
      load[e]! += amount / next.length;
      send(l.to, dst, amount / next.length);
    }
  };
  for (let s = 0; s < n; s++) for (let q = 0; q < n; q++) if (s !== q) send(s, q, tm[s * n + q]!);
  return load;
}

const topoAndTm = arbitraryTopology().chain((t) =>
  fc.tuple(fc.constant(t), arbitraryTrafficMatrix(t.routers.length)),
);

test.prop([topoAndTm], { numRuns: 60 })(
  "ECMP loads equal an independent path-splitting reference",
  ([t, tm]) => {
    const got = new EcmpRouting(t).linkLoads(tm.values);
    const want = referenceLoads(t, tm.values);
    got.forEach((v, e) => {
      expect(v).toBeCloseTo(want[e]!, 9);
    });
  },
);

test.prop([topoAndTm], { numRuns: 60 })(
  "pair fractions sum to the hop count and add up to the loads",
  ([t, tm]) => {
    const r = new EcmpRouting(t);
    const n = t.routers.length;
    const load = new Float64Array(t.links.length);
    for (let s = 0; s < n; s++)
      for (let q = 0; q < n; q++) {
        if (s === q) continue;
        const p = r.pairFractions(s, q);
        // flow out of s is 1 and into q is 1 (conservation)
        let out = 0;
        let inn = 0;
        p.arcs.forEach((e, k) => {
          if (t.links[e]!.from === s) out += p.fractions[k]!;
          if (t.links[e]!.to === q) inn += p.fractions[k]!;
          load[e]! += tm.values[s * n + q]! * p.fractions[k]!;
        });
        expect(out).toBeCloseTo(1, 12);
        expect(inn).toBeCloseTo(1, 12);
      }
    const direct = r.linkLoads(tm.values);
    direct.forEach((v, e) => {
      expect(v).toBeCloseTo(load[e]!, 9);
    });
  },
);
