import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { arbitraryTopology } from "./testing";
import { type TopologyTreeNode, topologyTree } from "./topology";

test.prop([arbitraryTopology()], { numRuns: 80 })(
  "cores partition the CPUs; packages and NUMA nodes are unions of cores",
  (t) => {
    const all = t.cores.flatMap((c) => c.pus).sort((a, b) => a - b);
    expect(all).toEqual(t.cpus);
    for (const p of t.packages) {
      expect(
        t.cores
          .filter((c) => c.package === p.index)
          .flatMap((c) => c.pus)
          .sort((a, b) => a - b),
      ).toEqual(p.cpus);
    }
    for (const n of t.numaNodes) {
      expect(
        t.cores
          .filter((c) => c.numaNode === n.index)
          .flatMap((c) => c.pus)
          .sort((a, b) => a - b),
      ).toEqual(n.cpus);
    }
  },
);

test.prop([arbitraryTopology()], { numRuns: 80 })(
  "the tree view holds every CPU exactly once, under its own package",
  (t) => {
    const pus: number[] = [];
    const walk = (n: TopologyTreeNode, pkg: number | null) => {
      if (n.type === "PU") {
        pus.push(n.osIndex as number);
        if (pkg !== null) expect(t.packages[pkg]?.cpus).toContain(n.osIndex);
      }
      for (const c of n.children) walk(c, n.type === "Package" ? n.index : pkg);
    };
    walk(topologyTree(t), null);
    expect(pus.sort((a, b) => a - b)).toEqual(t.cpus);
    void fc;
  },
);
