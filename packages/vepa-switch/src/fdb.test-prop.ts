import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { Fdb } from "./fdb";
import { arbitraryUnicastMac } from "./testing";

const AGEING = 300;
const LIMIT = 5;

interface Entry {
  port: number;
  updated: number;
  isStatic: boolean;
}
/** Reference model: a plain Map keyed by "mac/vid" and a clock. */
interface Model {
  now: number;
  entries: Map<string, Entry>;
}
type Cmd = fc.Command<Model, Fdb>;
const key = (mac: number, vid: number) => `${mac}/${vid}`;
const learned = (m: Model) => [...m.entries.values()].filter((e) => !e.isStatic).length;
const live = (m: Model, e: Entry | undefined) =>
  e !== undefined && (e.isStatic || m.now - e.updated < AGEING);

/** At the limit the GC runs first (it would have at the earliest expiry): drop expired entries. */
function atLimitAfterGc(m: Model): boolean {
  if (learned(m) < LIMIT) return false;
  for (const [k, e] of m.entries) if (!live(m, e)) m.entries.delete(k);
  return learned(m) >= LIMIT;
}

class Learn implements Cmd {
  constructor(
    readonly mac: number,
    readonly vid: number,
    readonly port: number,
  ) {}
  check = () => true;
  run(m: Model, f: Fdb) {
    const k = key(this.mac, this.vid);
    const e = m.entries.get(k);
    let expected: string;
    if (e?.isStatic) expected = "static";
    else if (e !== undefined) {
      expected = e.port === this.port ? "refreshed" : "moved";
      m.entries.set(k, { port: this.port, updated: m.now, isStatic: false });
    } else if (atLimitAfterGc(m)) expected = "limit";
    else {
      expected = "learned";
      m.entries.set(k, { port: this.port, updated: m.now, isStatic: false });
    }
    expect(f.learn(this.mac, this.vid, this.port, m.now)).toBe(expected);
    // The FDB stays bounded.
    expect(f.learnedCount).toBeLessThanOrEqual(LIMIT);
  }
  toString = () => `learn(${this.mac % 256}, ${this.vid}, ${this.port})`;
}

class Lookup implements Cmd {
  constructor(
    readonly mac: number,
    readonly vid: number,
  ) {}
  check = () => true;
  run(m: Model, f: Fdb) {
    const e = m.entries.get(key(this.mac, this.vid));
    expect(f.lookup(this.mac, this.vid, m.now)).toBe(live(m, e) ? e!.port : -1);
  }
  toString = () => `lookup(${this.mac % 256}, ${this.vid})`;
}

class Static implements Cmd {
  constructor(
    readonly mac: number,
    readonly vid: number,
    readonly port: number,
  ) {}
  check = () => true;
  run(m: Model, f: Fdb) {
    f.addStatic(this.mac, this.vid, this.port);
    m.entries.set(key(this.mac, this.vid), { port: this.port, updated: 0, isStatic: true });
  }
  toString = () => `static(${this.mac % 256}, ${this.vid}, ${this.port})`;
}

class Delete implements Cmd {
  constructor(
    readonly mac: number,
    readonly vid: number,
  ) {}
  check = () => true;
  run(m: Model, f: Fdb) {
    expect(f.delete(this.mac, this.vid)).toBe(m.entries.delete(key(this.mac, this.vid)));
  }
  toString = () => `delete(${this.mac % 256}, ${this.vid})`;
}

class Tick implements Cmd {
  constructor(
    readonly dt: number,
    readonly gc: boolean,
  ) {}
  check = () => true;
  run(m: Model, f: Fdb) {
    m.now += this.dt;
    if (!this.gc) return;
    let n = 0;
    for (const [k, e] of m.entries) {
      if (!live(m, e)) {
        m.entries.delete(k);
        n++;
      }
    }
    expect(f.age(m.now)).toBe(n);
    expect(f.size).toBe(m.entries.size);
  }
  toString = () => `tick(${this.dt}${this.gc ? ", gc" : ""})`;
}

const mac = arbitraryUnicastMac(12);
const vid = fc.constantFrom(1, 2, 10);
const port = fc.integer({ min: 0, max: 3 });

test.prop(
  [
    fc.commands(
      [
        fc.tuple(mac, vid, port).map(([a, v, p]) => new Learn(a, v, p)),
        fc.tuple(mac, vid).map(([a, v]) => new Lookup(a, v)),
        fc.tuple(mac, vid, port).map(([a, v, p]) => new Static(a, v, p)),
        fc.tuple(mac, vid).map(([a, v]) => new Delete(a, v)),
        fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()).map(([d, g]) => new Tick(d, g)),
      ],
      { maxCommands: 80, size: "large" },
    ),
  ],
  { numRuns: 200 },
)("model-based: the FDB learns, ages, moves and stays bounded like a reference map", (cmds) => {
  fc.modelRun(
    () => ({
      model: { now: 0, entries: new Map() },
      real: new Fdb({ ageingTime: AGEING, maxLearned: LIMIT }),
    }),
    cmds,
  );
});

test.prop([
  fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 4094 })), {
    maxLength: 400,
  }),
])("an unbounded FDB finds every learned key after growth and backward-shift deletions", (keys) => {
  const f = new Fdb({ ageingTime: Number.POSITIVE_INFINITY });
  const ref = new Map<string, number>();
  keys.forEach(([a, v], i) => {
    const m = 0x0200_0000_0000 + a;
    if (i % 5 === 4) {
      f.delete(m, v);
      ref.delete(key(m, v));
    } else {
      f.learn(m, v, i % 9, i);
      ref.set(key(m, v), i % 9);
    }
  });
  expect(f.size).toBe(ref.size);
  for (const [k, p] of ref) {
    const [a, v] = k.split("/").map(Number);
    expect(f.lookup(a!, v!, 1e12)).toBe(p);
  }
});
