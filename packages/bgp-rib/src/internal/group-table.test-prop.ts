import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { GroupTable } from "./group-table";

// Model: a Map from id to (group, count) per delta. Ids from a small range (and multiples of
// the table size) make collisions and long probe runs common.
const id = fc.oneof(
  fc.nat(200),
  fc.nat(40).map((k) => k * 64),
  fc.nat(20).map((k) => k * 1024),
);

// Entries come in runs of one set, as a delta's do.
const entries = fc
  .array(fc.tuple(id, fc.integer({ min: 1, max: 4 })), { maxLength: 200 })
  .map((runs) => runs.flatMap(([x, n]) => Array<number>(n).fill(x)));

test.prop([fc.array(fc.tuple(fc.nat(300), entries), { maxLength: 30 })], {
  numRuns: 200,
})("model-based: groups in first-seen order with their counts, delta after delta", (deltas) => {
  const t = new GroupTable();
  for (const [reserve, ids] of deltas) {
    t.reserve(Math.min(reserve, ids.length));
    const model = new Map<number, { group: number; count: number }>();
    for (const x of ids) {
      const e = model.get(x);
      const g = t.add(x);
      if (e === undefined) {
        expect(g).toBe(model.size);
        model.set(x, { group: g, count: 1 });
      } else {
        expect(g).toBe(e.group);
        e.count++;
      }
    }
    expect(t.size).toBe(model.size);
    for (const [x, e] of model) {
      expect(t.groupOf(x)).toBe(e.group);
      expect(t.ids[e.group]).toBe(x);
      expect(t.count[e.group]).toBe(e.count);
    }
    t.clear();
    expect(t.size).toBe(0);
    // Emptied for real: the same sets in reverse order get new groups 0, 1, …
    const back = [...model.keys()].reverse();
    t.reserve(back.length);
    for (const [k, x] of back.entries()) expect(t.add(x)).toBe(k);
    t.clear();
  }
});
