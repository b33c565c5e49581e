import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { TCP_ACK } from "./segment";
import { seqDiff, seqGeq, seqLeq } from "./seq";
import { type Side, TcpSimulation } from "./simulation";
import { arbitrarySequenceNumber } from "./testing";

/** What the applications wrote (the model) and what they read (observed). */
interface Model {
  written: Record<Side, number[]>;
}

interface Real {
  sim: TcpSimulation;
  iss: Record<Side, number>;
  read: Record<Side, number[]>;
  lastRcvNxt: Record<Side, number>;
  lastSndUna: Record<Side, number>;
  violations: string[];
}

const other = (s: Side): Side => (s === "a" ? "b" : "a");

function checkInvariants(m: Model, r: Real): void {
  expect(r.violations).toEqual([]);
  for (const side of ["a", "b"] as const) {
    const ep = r.sim.endpoint(side);
    // Never reset, never closed.
    expect(ep.info.closedReason).toBeUndefined();
    expect(ep.state).toBe("ESTABLISHED");
    // What was read is a prefix of what the other side wrote.
    const got = r.read[side];
    const sent = m.written[other(side)];
    expect(got.length).toBeLessThanOrEqual(sent.length);
    expect(Buffer.from(got).equals(Buffer.from(sent.slice(0, got.length)))).toBe(true);
    // No sequence regression across migrations: rcv_nxt and snd_una only move forward.
    const i = ep.info;
    if (!ep.repair) {
      expect(seqGeq(i.rcvNxt, r.lastRcvNxt[side])).toBe(true);
      expect(seqGeq(i.sndUna, r.lastSndUna[side])).toBe(true);
      r.lastRcvNxt[side] = i.rcvNxt;
      r.lastSndUna[side] = i.sndUna;
    }
  }
}

const sideArb = fc.constantFrom<Side>("a", "b");
type Cmd = fc.Command<Model, Real>;

class Write implements Cmd {
  constructor(
    readonly side: Side,
    readonly bytes: Uint8Array,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    for (const b of this.bytes) m.written[this.side].push(b);
    r.sim.write(this.side, this.bytes);
    checkInvariants(m, r);
  }
  toString = (): string => `write(${this.side}, ${this.bytes.length})`;
}

class Read implements Cmd {
  constructor(readonly side: Side) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    for (const b of r.sim.read(this.side)) r.read[this.side].push(b);
    checkInvariants(m, r);
  }
  toString = (): string => `read(${this.side})`;
}

class Advance implements Cmd {
  constructor(readonly us: number) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    r.sim.runFor(this.us);
    checkInvariants(m, r);
  }
  toString = (): string => `advance(${this.us})`;
}

class Fault implements Cmd {
  constructor(
    readonly from: Side,
    readonly kind: "drop" | "reorder" | "duplicate",
    readonly n: number,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const ch = this.from === "a" ? r.sim.aToB : r.sim.bToA;
    if (this.kind === "drop") ch.dropNext(this.n);
    else if (this.kind === "reorder") ch.delayNext(this.n);
    else ch.duplicateNext(this.n);
    checkInvariants(m, r);
  }
  toString = (): string => `${this.kind}(${this.from}→, ${this.n})`;
}

class Migrate implements Cmd {
  constructor(
    readonly side: Side,
    readonly quiesce: boolean,
    readonly transferUs: number,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    if (!r.sim.migrating) {
      r.sim.migrate(this.side, { quiesce: this.quiesce, transferUs: this.transferUs });
    }
    checkInvariants(m, r);
  }
  toString = (): string => `migrate(${this.side}, quiesce=${this.quiesce}, ${this.transferUs} µs)`;
}

const commands = fc.commands(
  [
    fc
      .tuple(sideArb, fc.uint8Array({ minLength: 1, maxLength: 6000 }))
      .map(([s, b]) => new Write(s, b)),
    sideArb.map((s) => new Read(s)),
    fc.integer({ min: 0, max: 400_000 }).map((us) => new Advance(us)),
    fc.tuple(sideArb, fc.integer({ min: 1, max: 3 })).map(([s, n]) => new Fault(s, "drop", n)),
    fc
      .tuple(sideArb, fc.integer({ min: 100, max: 30_000 }))
      .map(([s, n]) => new Fault(s, "reorder", n)),
    sideArb.map((s) => new Fault(s, "duplicate", 1)),
    fc
      .tuple(sideArb, fc.boolean(), fc.integer({ min: 0, max: 20_000 }))
      .map(([s, q, t]) => new Migrate(s, q, t)),
  ],
  { maxCommands: 40 },
);

const profile = fc.record({
  delayUs: fc.integer({ min: 10, max: 20_000 }),
  jitterUs: fc.integer({ min: 0, max: 3_000 }),
  loss: fc.constantFrom(0, 0, 0.01, 0.05),
  duplicate: fc.constantFrom(0, 0.02),
  reorder: fc.constantFrom(0, 0.05),
});

test.prop(
  [arbitrarySequenceNumber(), arbitrarySequenceNumber(), fc.nat(), profile, profile, commands],
  { numRuns: 150 },
)(
  "for any schedule of writes, reads, faults and migrations, each side reads exactly what the other wrote; never reset, never a sequence regression",
  (issA, issB, seed, pAB, pBA, cmds) => {
    const sim = new TcpSimulation({
      seed,
      a: { iss: issA },
      b: { iss: issB },
      aToB: pAB,
      bToA: pBA,
    });
    const iss = { a: issA, b: issB };
    const model: Model = { written: { a: [], b: [] } };
    const violations: string[] = [];
    // Every data byte that reaches a side carries the sequence number it was written at, and no
    // ACK acknowledges what the receiver of the ACK never sent.
    sim.onSegment = (to, seg) => {
      const from = other(to);
      const stream = model.written[from];
      const offset = seqDiff(seg.seq, (iss[from] + 1) >>> 0);
      for (let i = 0; i < seg.payload.length; i++) {
        if (stream[offset + i] !== seg.payload[i]) {
          violations.push(`byte ${offset + i} from ${from} differs`);
          break;
        }
      }
      if (seg.flags & TCP_ACK && !seqLeq(seg.ack, sim.endpoint(to).info.sndMax)) {
        violations.push(`ack ${seg.ack} beyond snd_max of ${to}`);
      }
    };
    sim.connect();
    const real: Real = {
      sim,
      iss,
      read: { a: [], b: [] },
      lastRcvNxt: { a: sim.endpoint("a").info.rcvNxt, b: sim.endpoint("b").info.rcvNxt },
      lastSndUna: { a: sim.endpoint("a").info.sndUna, b: sim.endpoint("b").info.sndUna },
      violations,
    };
    fc.modelRun(() => ({ model, real }), cmds);
    // Drain: let every byte through, then everything read equals everything written.
    for (let i = 0; i < 600 && !(sim.quiet() && !sim.migrating); i++) {
      sim.runFor(1_000_000);
      for (const s of ["a", "b"] as const) for (const b of sim.read(s)) real.read[s].push(b);
    }
    sim.runFor(2_000_000);
    for (const s of ["a", "b"] as const) for (const b of sim.read(s)) real.read[s].push(b);
    checkInvariants(model, real);
    expect(real.read.b.length).toBe(model.written.a.length);
    expect(real.read.a.length).toBe(model.written.b.length);
  },
);

test.prop([fc.nat(), profile, profile, fc.integer({ min: 1, max: 200_000 }), fc.boolean()], {
  numRuns: 20,
})("the simulator is deterministic: same seed and inputs, same trace", (seed, pAB, pBA, n, q) => {
  const trace = (): string[] => {
    const sim = new TcpSimulation({ seed, aToB: pAB, bToA: pBA });
    const out: string[] = [];
    sim.onSegment = (to, s) =>
      out.push(`${sim.now} ${to} ${s.seq} ${s.ack} ${s.flags} ${s.payload.length}`);
    sim.connect();
    sim.write("a", new Uint8Array(n).fill(1));
    sim.write("b", new Uint8Array(n >> 1).fill(2));
    sim.runFor(50_000);
    sim.migrate("a", { quiesce: q });
    sim.runFor(5_000_000);
    return out;
  };
  expect(trace()).toEqual(trace());
});
