import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MacTable } from "./mac-table";
import { arbitraryMacAddress } from "./testing";

type Model = Map<number, number>;
type Cmd = fc.Command<Model, MacTable>;

// Keys from a pool of random addresses (so that sets, deletes and gets meet, and random keys
// collide into probe chains as they do in a real table at load 1/2), mixed with any 48-bit
// address (the whole key space, 0 and broadcast included).
const keyFrom = (pool: readonly number[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pool) },
    { weight: 1, arbitrary: arbitraryMacAddress() },
  );
const value = fc.integer({ min: 0, max: 0x7fff_ffff });

class SetCmd implements Cmd {
  constructor(
    readonly mac: number,
    readonly value: number,
  ) {}
  check = () => true;
  run(m: Model, t: MacTable): void {
    m.set(this.mac, this.value);
    t.set(this.mac, this.value);
    expect(t.size).toBe(m.size);
  }
  toString = () => `set(${this.mac}, ${this.value})`;
}

class DeleteCmd implements Cmd {
  constructor(readonly mac: number) {}
  check = () => true;
  run(m: Model, t: MacTable): void {
    expect(t.delete(this.mac)).toBe(m.delete(this.mac));
    expect(t.size).toBe(m.size);
  }
  toString = () => `delete(${this.mac})`;
}

class GetCmd implements Cmd {
  constructor(readonly mac: number) {}
  check = () => true;
  run(m: Model, t: MacTable): void {
    expect(t.get(this.mac)).toBe(m.get(this.mac) ?? -1);
    expect(t.has(this.mac)).toBe(m.has(this.mac));
  }
  toString = () => `get(${this.mac})`;
}

class EntriesCmd implements Cmd {
  check = () => true;
  run(m: Model, t: MacTable): void {
    const sorted = (xs: Iterable<[number, number]>) => [...xs].sort((a, b) => a[0] - b[0]);
    expect(sorted(t.entries())).toEqual(sorted(m.entries()));
    // After backward-shift deletions every remaining key is still reachable by lookup.
    for (const [k, v] of m) expect(t.get(k)).toBe(v);
  }
  toString = () => "entries()";
}

class ClearCmd implements Cmd {
  check = () => true;
  run(m: Model, t: MacTable): void {
    m.clear();
    t.clear();
    expect(t.size).toBe(0);
  }
  toString = () => "clear()";
}

const commands = (pool: readonly number[]) => {
  const key = keyFrom(pool);
  return fc.commands(
    [
      fc.tuple(key, value).map(([k, v]) => new SetCmd(k, v)),
      key.map((k) => new DeleteCmd(k)),
      key.map((k) => new GetCmd(k)),
      fc.constant(new EntriesCmd()),
      fc.constant(new ClearCmd()),
    ],
    { maxCommands: 400, size: "large" },
  );
};

const pools = fc.uniqueArray(arbitraryMacAddress(), { minLength: 1, maxLength: 64 });

test.prop([fc.nat({ max: 40 }), pools.chain(commands)])(
  "MacTable behaves like a Map under any sequence of set, delete, get, entries and clear",
  (capacity, cmds) => {
    fc.modelRun(() => ({ model: new Map(), real: new MacTable(capacity) }), cmds);
  },
);
