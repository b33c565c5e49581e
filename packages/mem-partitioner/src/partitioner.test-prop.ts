import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import type { HostMemoryMap } from "./memory-map";
import {
  MemoryPartitioner,
  type Partition,
  type PartitionRequest,
  planPartitions,
} from "./partitioner";
import { arbitraryHostMemoryMap, arbitraryPartitionRequest } from "./testing";

// Independent reference: the free set of a node is its RAM minus reserved ranges minus live
// partitions, computed naively from intervals.
function referenceFree(
  map: HostMemoryMap,
  live: readonly Partition[],
  node: number,
): [number, number][] {
  let free: [number, number][] = map.nodes
    .find((n) => n.node === node)!
    .ranges.map((r) => [r.start, r.end] as [number, number]);
  const cut = (s: number, e: number) => {
    free = free.flatMap(([a, b]) => {
      if (e <= a || s >= b) return [[a, b] as [number, number]];
      const out: [number, number][] = [];
      if (a < s) out.push([a, s]);
      if (e < b) out.push([e, b]);
      return out;
    });
  };
  for (const r of map.reserved) cut(r.start, r.end);
  for (const p of live) for (const e of p.extents) cut(e.hostStart, e.hostStart + e.size);
  return free;
}

function alignedTotal(free: [number, number][], page: number): number {
  let t = 0;
  for (const [a, b] of free) {
    const s = Math.ceil(a / page) * page;
    const e = Math.floor(b / page) * page;
    if (e > s) t += e - s;
  }
  return t;
}

function checkInvariants(map: HostMemoryMap, parts: readonly Partition[]): void {
  const all = parts.flatMap((p) => p.extents.map((e) => ({ p, e })));
  for (const { p, e } of all) {
    // aligned to the partition's page size
    expect(e.hostStart % p.pageSize).toBe(0);
    expect(e.size % p.pageSize).toBe(0);
    expect(e.guestStart % p.pageSize).toBe(0);
    // inside its node's RAM
    const node = map.nodes.find((n) => n.node === e.node)!;
    expect(node.ranges.some((r) => r.start <= e.hostStart && e.hostStart + e.size <= r.end)).toBe(
      true,
    );
    // outside reserved memory
    for (const r of map.reserved)
      expect(e.hostStart + e.size <= r.start || r.end <= e.hostStart).toBe(true);
  }
  // pairwise disjoint
  const sorted = all
    .map(({ e }) => [e.hostStart, e.hostStart + e.size])
    .sort((a, b) => a[0]! - b[0]!);
  for (let i = 1; i < sorted.length; i++)
    expect(sorted[i]![0]!).toBeGreaterThanOrEqual(sorted[i - 1]![1]!);
  // guest-physical layout is contiguous and covers exactly the size
  for (const p of parts) {
    let g = p.extents[0]!.guestStart;
    for (const e of p.extents) {
      expect(e.guestStart).toBe(g);
      g += e.size;
    }
    expect(g - p.extents[0]!.guestStart).toBe(p.size);
  }
}

const scenario = arbitraryHostMemoryMap().chain((map) =>
  fc.tuple(
    fc.constant(map),
    fc.array(arbitraryPartitionRequest(map.nodes.length), { maxLength: 12 }),
  ),
);

test.prop([scenario], { numRuns: 150 })(
  "partitions are pairwise disjoint, aligned, on their node and never reserved",
  ([map, requests]) => {
    const plan = planPartitions(map, requests);
    checkInvariants(map, plan.partitioner.partitions());
    plan.results.forEach((r, i) => {
      if (r.ok) {
        expect(r.value.size).toBe(requests[i]!.size);
        if (requests[i]!.nodeset) expect(r.value.nodes).toEqual(requests[i]!.nodeset);
        if (requests[i]!.contiguous) expect(r.value.extents.length).toBe(1);
      }
    });
  },
);

test.prop([scenario], { numRuns: 60 })("planning is deterministic", ([map, requests]) => {
  const a = planPartitions(map, requests);
  const b = planPartitions(map, requests);
  expect(a.results).toEqual(b.results);
});

// ---- model-based test: allocate / free over time ----

interface Model {
  live: Map<number, Partition>;
}
interface Real {
  p: MemoryPartitioner;
  map: HostMemoryMap;
  initialFree: ReturnType<MemoryPartitioner["freeRanges"]>;
}

class AllocateCommand implements fc.Command<Model, Real> {
  constructor(readonly req: PartitionRequest) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const nodes = this.req.nodeset ?? r.map.nodes.map((n) => n.node);
    // Reference prediction for non-contiguous strict requests: possible iff the aligned free
    // memory of the nodeset holds the size.
    const avail = nodes.reduce(
      (s, n) =>
        s + alignedTotal(referenceFree(r.map, [...m.live.values()], n), this.req.pageSize ?? 4096),
      0,
    );
    const res = r.p.allocate(this.req);
    if (!this.req.contiguous) expect(res.ok).toBe(avail >= this.req.size);
    if (res.ok) {
      expect(m.live.has(res.value.id)).toBe(false);
      m.live.set(res.value.id, res.value);
    } else {
      expect(res.error.kind).toBe("insufficient-memory");
    }
    expect(r.p.partitions()).toEqual([...m.live.values()].sort((a, b) => a.id - b.id));
    checkInvariants(r.map, r.p.partitions());
    // Free ranges equal the reference free set, node by node.
    for (const n of r.map.nodes) {
      const got = r.p
        .freeRanges()
        .filter((f) => f.node === n.node)
        .map((f) => [f.start, f.end]);
      const want = referenceFree(r.map, [...m.live.values()], n.node)
        .sort((a, b) => a[0] - b[0])
        .reduce<[number, number][]>((acc, [a, b]) => {
          const last = acc[acc.length - 1];
          if (last && last[1] === a) last[1] = b;
          else acc.push([a, b]);
          return acc;
        }, []);
      expect(got).toEqual(want);
    }
  }
  toString(): string {
    return `allocate(${JSON.stringify(this.req)})`;
  }
}

class FreeCommand implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const ids = [...m.live.keys()];
    const id = ids.length === 0 ? 999_999 : ids[this.pick % ids.length]!;
    expect(r.p.free(id)).toBe(m.live.has(id));
    m.live.delete(id);
    expect(r.p.partitions().map((p) => p.id)).toEqual([...m.live.keys()].sort((a, b) => a - b));
    if (m.live.size === 0) expect(r.p.freeRanges()).toEqual(r.initialFree);
  }
  toString(): string {
    return `free(#${this.pick})`;
  }
}

test.prop(
  [
    arbitraryHostMemoryMap().chain((map) =>
      fc.tuple(
        fc.constant(map),
        fc.commands(
          [
            arbitraryPartitionRequest(map.nodes.length).map((q) => new AllocateCommand(q)),
            fc.nat({ max: 100 }).map((k) => new FreeCommand(k)),
          ],
          { maxCommands: 25 },
        ),
      ),
    ),
  ],
  { numRuns: 80 },
)(
  "allocate/free agree with a reference model; freeing everything restores the host",
  ([map, cmds]) => {
    const p = new MemoryPartitioner(map);
    fc.modelRun(
      () => ({ model: { live: new Map() }, real: { p, map, initialFree: p.freeRanges() } }),
      cmds,
    );
    for (const x of p.partitions()) p.free(x.id);
    expect(p.freeRanges()).toEqual(new MemoryPartitioner(map).freeRanges());
  },
);
