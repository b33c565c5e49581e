import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { IommuModelError } from "./errors";
import { PhysicalMemory } from "./physical-memory";
import { RemappingHardwareUnit } from "./remapping-hardware";
import { VtdDriver } from "./vtd-driver";
import { encodeContextEntry } from "./vtd-entries";

// ---------------------------------------------------------------------------------------------
// Model-based test: map / unmap (without flush) / invalidate / translate / reprogram context
// entries against a model that tracks what the IOTLB and context cache may still hold.

const PAGES = 4;
const DOMAINS = [1, 2] as const;
const DEVICES = [0x0100, 0x0108, 0x0200] as const;
const hostPage = (did: number, hp: number) => 0x4000_0000 * did + hp * 4096;

interface Pte {
  host: number;
  perm: number;
}
interface Model {
  pte: Map<number, Map<number, Pte>>;
  tlb: Map<number, Map<number, Pte>>;
  ctx: Map<number, number>;
  ctxCache: Map<number, number>;
}
interface Real {
  unit: RemappingHardwareUnit;
  driver: VtdDriver;
}

class MapCmd implements fc.Command<Model, Real> {
  constructor(
    readonly did: number,
    readonly page: number,
    readonly hp: number,
    readonly perm: number,
  ) {}
  check(m: Readonly<Model>) {
    return !m.pte.get(this.did)!.has(this.page);
  }
  run(m: Model, r: Real) {
    r.driver.map(this.did, this.page * 4096, hostPage(this.did, this.hp), 4096, {
      read: (this.perm & 1) !== 0,
      write: (this.perm & 2) !== 0,
      largePages: false,
    });
    m.pte.get(this.did)!.set(this.page, { host: hostPage(this.did, this.hp), perm: this.perm });
  }
  toString() {
    return `map(${this.did}, ${this.page} -> ${this.hp}, ${this.perm})`;
  }
}

class UnmapCmd implements fc.Command<Model, Real> {
  constructor(
    readonly did: number,
    readonly page: number,
  ) {}
  check(m: Readonly<Model>) {
    return m.pte.get(this.did)!.has(this.page);
  }
  run(m: Model, r: Real) {
    r.driver.unmap(this.did, this.page * 4096, 4096, { flush: false });
    m.pte.get(this.did)!.delete(this.page);
  }
  toString() {
    return `unmap(${this.did}, ${this.page})`;
  }
}

class InvalidateIotlbCmd implements fc.Command<Model, Real> {
  constructor(
    readonly kind: "global" | "domain" | "page",
    readonly did: number,
    readonly page: number,
    readonly am: number,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    if (this.kind === "global") {
      r.unit.invalidateIotlb({ granularity: "global" });
      for (const t of m.tlb.values()) t.clear();
    } else if (this.kind === "domain") {
      r.unit.invalidateIotlb({ granularity: "domain", domainId: this.did });
      m.tlb.get(this.did)!.clear();
    } else {
      const first = this.page - (this.page % 2 ** this.am);
      r.unit.invalidateIotlb({
        granularity: "page",
        domainId: this.did,
        address: first * 4096,
        addressMask: this.am,
      });
      for (let p = first; p < first + 2 ** this.am; p++) m.tlb.get(this.did)!.delete(p);
    }
  }
  toString() {
    return `invalidateIotlb(${this.kind}, ${this.did}, ${this.page}, am=${this.am})`;
  }
}

class ReprogramContextCmd implements fc.Command<Model, Real> {
  constructor(
    readonly sid: number,
    readonly did: number,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    // Software rewrites the context entry without invalidating: stale until invalidation.
    const mem = r.unit.memory;
    const rootEntry = r.driver.rootTable + (this.sid >>> 8) * 16;
    const table = Number(mem.readUint64(rootEntry) & ~0xfffn);
    const bytes = encodeContextEntry({
      present: true,
      faultProcessingDisable: false,
      translationType: 0,
      secondLevelPageTablePointer: r.driver.domain(this.did)!.pageTable,
      addressWidth: 2,
      domainId: this.did,
    });
    mem.write(table + (this.sid & 0xff) * 16, bytes);
    m.ctx.set(this.sid, this.did);
  }
  toString() {
    return `reprogramContext(${this.sid.toString(16)} -> ${this.did})`;
  }
}

class InvalidateContextCmd implements fc.Command<Model, Real> {
  constructor(
    readonly kind: "global" | "domain" | "device",
    readonly sid: number,
    readonly did: number,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    if (this.kind === "global") {
      r.unit.invalidateContextCache({ granularity: "global" });
      m.ctxCache.clear();
    } else if (this.kind === "domain") {
      r.unit.invalidateContextCache({ granularity: "domain", domainId: this.did });
      for (const [sid, did] of [...m.ctxCache]) if (did === this.did) m.ctxCache.delete(sid);
    } else {
      r.unit.invalidateContextCache({ granularity: "device", sourceId: this.sid });
      m.ctxCache.delete(this.sid);
    }
  }
  toString() {
    return `invalidateContext(${this.kind}, ${this.sid.toString(16)}, ${this.did})`;
  }
}

class TranslateCmd implements fc.Command<Model, Real> {
  constructor(
    readonly sid: number,
    readonly page: number,
    readonly offset: number,
    readonly write: boolean,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    let did = m.ctxCache.get(this.sid);
    if (did === undefined) {
      did = m.ctx.get(this.sid)!;
      m.ctxCache.set(this.sid, did);
    }
    const need = this.write ? 2 : 1;
    const cached = m.tlb.get(did)!.get(this.page);
    let expected: { ok: true; host: number } | { ok: false; reason: number };
    const entry = cached ?? m.pte.get(did)!.get(this.page);
    if (entry !== undefined && (entry.perm & need) !== 0) {
      expected = { ok: true, host: entry.host + this.offset };
      if (!cached) m.tlb.get(did)!.set(this.page, entry);
    } else expected = { ok: false, reason: this.write ? 5 : 6 };
    const got = r.unit.translate(
      this.sid,
      this.page * 4096 + this.offset,
      this.write ? "write" : "read",
    );
    if (expected.ok)
      expect(got).toEqual({ ok: true, hostAddress: expected.host, pageSize: 4096, domainId: did });
    else expect(got.ok ? 0 : got.fault.reason).toBe(expected.reason);
    // The fast path agrees with the allocating path.
    const fast = r.unit.translateAddress(this.sid, this.page * 4096 + this.offset, this.write);
    expect(fast).toBe(expected.ok ? expected.host : -expected.reason);
  }
  toString() {
    return `translate(${this.sid.toString(16)}, ${this.page}+${this.offset}, ${this.write ? "W" : "R"})`;
  }
}

const did = fc.constantFrom(...DOMAINS);
const sid = fc.constantFrom(...DEVICES);
const pageArb = fc.integer({ min: 0, max: PAGES - 1 });
const mapArb = fc
  .tuple(did, pageArb, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 3 }))
  .map(([d, p, h, perm]) => new MapCmd(d, p, h, perm));
const commands = [
  mapArb,
  mapArb,
  fc.tuple(did, pageArb).map(([d, p]) => new UnmapCmd(d, p)),
  fc
    .tuple(
      fc.constantFrom("global" as const, "domain" as const, "page" as const),
      did,
      pageArb,
      fc.integer({ min: 0, max: 2 }),
    )
    .map(([k, d, p, am]) => new InvalidateIotlbCmd(k, d, p, am)),
  fc.tuple(sid, did).map(([s, d]) => new ReprogramContextCmd(s, d)),
  fc
    .tuple(fc.constantFrom("global" as const, "domain" as const, "device" as const), sid, did)
    .map(([k, s, d]) => new InvalidateContextCmd(k, s, d)),
  fc
    .tuple(sid, pageArb, fc.integer({ min: 0, max: 4095 }), fc.boolean())
    .map(([s, p, o, w]) => new TranslateCmd(s, p, o, w)),
  fc
    .tuple(sid, pageArb, fc.integer({ min: 0, max: 4095 }), fc.boolean())
    .map(([s, p, o, w]) => new TranslateCmd(s, p, o, w)),
];

test.prop([fc.commands(commands, { maxCommands: 80, size: "large" })], { numRuns: 150 })(
  "IOTLB and context cache behave like hardware: stale until invalidated (model-based)",
  (cmds) => {
    const memory = new PhysicalMemory({ size: 2 ** 34 });
    const unit = new RemappingHardwareUnit(memory, {
      hostAddressWidth: 39,
      iotlbCapacity: Number.POSITIVE_INFINITY,
    });
    const driver = new VtdDriver(unit, { tablePool: { base: 0x1_0000_0000, size: 0x100_0000 } });
    const model: Model = { pte: new Map(), tlb: new Map(), ctx: new Map(), ctxCache: new Map() };
    for (const d of DOMAINS) {
      driver.createDomain({ domainId: d });
      model.pte.set(d, new Map());
      model.tlb.set(d, new Map());
    }
    DEVICES.forEach((s, i) => {
      const d = DOMAINS[i % DOMAINS.length]!;
      driver.attachDevice(s, d);
      model.ctx.set(s, d);
    });
    fc.modelRun(() => ({ model, real: { unit, driver } }), cmds);
  },
);

// ---------------------------------------------------------------------------------------------
// Fuzzing: arbitrary table contents and requests never crash with a foreign exception.

test.prop(
  [
    fc.array(
      fc.tuple(fc.integer({ min: 0, max: 0x3fff }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      { maxLength: 40 },
    ),
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 0xffff }),
        fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
        fc.boolean(),
      ),
      { maxLength: 20 },
    ),
  ],
  { numRuns: 200 },
)(
  "random root/context/paging tables: translate returns a value or a package error",
  (writes, requests) => {
    const memory = new PhysicalMemory({ size: 0x10_0000 });
    const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39, iotlbCapacity: 8 });
    unit.setRootTableAddress(0);
    unit.setTranslationEnable(true);
    // Point a few root/context entries into the fuzzed region so walks go deep.
    memory.writeUint64(0, 0x1000n | 1n);
    memory.writeUint64(0x1000, 0x2000n | 1n);
    memory.writeUint64(0x1008, 2n);
    for (const [qword, value] of writes) memory.writeUint64(qword * 8, value);
    for (const [sourceId, iova, write] of requests) {
      const r = unit.translate(sourceId, iova, write ? "write" : "read");
      if (!r.ok) expect(r.fault.reason).toBeGreaterThan(0);
      if (typeof iova === "number") {
        const fast = unit.translateAddress(sourceId, iova, write);
        expect(r.ok ? r.hostAddress : -r.fault.reason).toBe(fast);
      }
    }
  },
);

test.prop(
  [
    fc.array(
      fc.tuple(fc.integer({ min: 0, max: 511 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      { maxLength: 40 },
    ),
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 0xffff }),
        fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
        fc.nat(),
      ),
      {
        maxLength: 20,
      },
    ),
    fc.boolean(),
  ],
  { numRuns: 200 },
)(
  "random IRT contents and MSI writes: remapInterrupt returns a value or a package error",
  (writes, msis, eime) => {
    const memory = new PhysicalMemory({ size: 0x10_0000 });
    const unit = new RemappingHardwareUnit(memory);
    unit.setInterruptRemapTable({ address: 0x8000, sizeField: 7, extendedInterruptMode: eime });
    unit.setInterruptRemapEnable(true);
    for (const [qword, value] of writes) memory.writeUint64(0x8000 + qword * 8, value);
    for (const [sourceId, address, data] of msis) {
      try {
        const r = unit.remapInterrupt(sourceId, { address, data });
        if (!r.ok) expect(r.reason >= 0x20 && r.reason <= 0x26).toBe(true);
      } catch (e) {
        if (!IommuModelError.isInstance(e)) throw e;
      }
    }
  },
);
