import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { IommuModelError } from "./errors";
import { PhysicalMemory } from "./physical-memory";
import { RemappingHardwareUnit } from "./remapping-hardware";
import { readMappedRanges } from "./table-walk";
import { type DomainMapping, VtdDriver } from "./vtd-driver";

const MiB = 2 ** 20;

interface Plan {
  domains: { aw: number; mappings: { iovaPage: number; pages: number; perm: number }[] }[];
  devices: number[]; // device i -> domain index
}

// Domains with disjoint host regions (1 GiB each), IOVA runs that may be large and misaligned.
const planArb: fc.Arbitrary<Plan> = fc.record({
  domains: fc.array(
    fc.record({
      aw: fc.constantFrom(1, 2, 3),
      mappings: fc.array(
        fc.record({
          iovaPage: fc.oneof(
            fc.integer({ min: 0, max: 4096 }),
            fc.integer({ min: 0, max: 3 }).map((k) => k * 512),
          ),
          pages: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 510, max: 1100 })),
          perm: fc.integer({ min: 1, max: 3 }),
        }),
        { maxLength: 4 },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  devices: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
});

function build(plan: Plan) {
  const memory = new PhysicalMemory({ size: 2 ** 36 });
  const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
  const driver = new VtdDriver(unit, {
    tablePool: { base: 0x8_0000_0000 - 0x1000_0000, size: 0x1000_0000 },
  });
  plan.domains.forEach((d, i) => {
    driver.createDomain({ domainId: i + 1, addressWidth: d.aw });
    let hostCursor = 0x4000_0000 * (i + 1);
    for (const m of d.mappings) {
      const iova = m.iovaPage * 4096;
      try {
        driver.map(i + 1, iova, hostCursor, m.pages * 4096, {
          read: (m.perm & 1) !== 0,
          write: (m.perm & 2) !== 0,
        });
        hostCursor += Math.ceil((m.pages * 4096) / (2 * MiB)) * 2 * MiB;
      } catch (e) {
        if (!IommuModelError.isInstance(e) || e.code !== "IOVA_MAPPED") throw e;
      }
    }
  });
  const devices = plan.devices.map((d, i) => {
    const sid = 0x0100 + i * 8;
    driver.attachDevice(sid, (d % plan.domains.length) + 1);
    return sid;
  });
  return { unit, driver, devices };
}

function expected(mappings: readonly DomainMapping[], iova: number) {
  return mappings.find((m) => iova >= m.iova && iova < m.iova + m.length);
}

// Probe addresses: inside, at the edges of, and just outside every mapping, plus random ones.
function probes(plan: Plan, driver: VtdDriver, extra: number[]): number[] {
  const out = [...extra];
  plan.domains.forEach((_, i) => {
    for (const m of driver.mappings(i + 1))
      out.push(
        m.iova,
        m.iova + m.length - 1,
        m.iova + m.length,
        Math.max(m.iova - 1, 0),
        m.iova + Math.floor(m.length / 2),
      );
  });
  return out;
}

test.prop([planArb, fc.array(fc.integer({ min: 0, max: 2 ** 33 }), { maxLength: 20 })], {
  numRuns: 60,
})("a device reaches exactly its domain's pages, with the mapped permissions", (plan, extra) => {
  const { unit, driver, devices } = build(plan);
  const ownerOfHost = new Map<number, number>();
  plan.domains.forEach((_, i) => {
    for (const m of driver.mappings(i + 1))
      ownerOfHost.set(Math.floor(m.hostAddress / 2 ** 30), i + 1);
  });
  for (const sid of devices) {
    const did = driver.attachment(sid) as number;
    const mine = driver.mappings(did);
    for (const iova of probes(plan, driver, extra)) {
      for (const access of ["read", "write"] as const) {
        const r = unit.translate(sid, iova, access);
        const m = expected(mine, iova);
        const allowed = m !== undefined && (access === "read" ? m.read : m.write);
        expect(r.ok).toBe(allowed);
        if (r.ok) {
          expect(r.hostAddress).toBe(m!.hostAddress + (iova - m!.iova));
          expect(ownerOfHost.get(Math.floor(r.hostAddress / 2 ** 30))).toBe(did);
          expect(r.domainId).toBe(did);
        } else {
          expect([4, 5, 6]).toContain(r.fault.reason);
        }
      }
    }
  }
});

test.prop(
  [
    planArb,
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
  ],
  {
    numRuns: 60,
  },
)(
  "after unmap and IOTLB invalidation a device reaches none of the unmapped pages",
  (plan, cuts, domainWide) => {
    const { unit, driver, devices } = build(plan);
    const allProbes = probes(plan, driver, []);
    // Warm the IOTLB with every probe first, so stale entries exist.
    for (const sid of devices) for (const iova of allProbes) unit.translate(sid, iova, "read");
    const removed = new Map<number, [number, number][]>();
    for (const [d, which, span] of cuts) {
      const did = (d % plan.domains.length) + 1;
      const maps = driver.mappings(did);
      if (maps.length === 0) continue;
      const m = maps[which % maps.length]!;
      const pages = m.length / 4096;
      const first = (span % pages) * 4096;
      const length = Math.min(m.length - first, (1 + (span % 700)) * 4096);
      driver.unmap(did, m.iova + first, length, { flush: false });
      if (domainWide) unit.invalidateIotlb({ granularity: "domain", domainId: did });
      else driver.flushRange(did, m.iova + first, length);
      removed.set(did, [...(removed.get(did) ?? []), [m.iova + first, m.iova + first + length]]);
    }
    for (const sid of devices) {
      const did = driver.attachment(sid) as number;
      for (const [from, to] of removed.get(did) ?? []) {
        for (const iova of [from, to - 1, from + Math.floor((to - from) / 2)]) {
          const r = unit.translate(sid, iova, "read");
          if (expected(driver.mappings(did), iova) === undefined) expect(r.ok).toBe(false);
        }
      }
    }
  },
);

test.prop(
  [
    fc.array(
      fc.record({
        domain: fc.integer({ min: 1, max: 3 }),
        iovaPage: fc.integer({ min: 0, max: 64 }),
        hostPage: fc.integer({ min: 0, max: 16 }),
        pages: fc.integer({ min: 1, max: 4 }),
        shared: fc.boolean(),
      }),
      { maxLength: 25 },
    ),
  ],
  { numRuns: 100 },
)("two domains never share a host page unless both mapped it as shared", (attempts) => {
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
  const driver = new VtdDriver(unit, { tablePool: { base: 0x8000_0000, size: 0x100_0000 } });
  for (const d of [1, 2, 3]) driver.createDomain({ domainId: d });
  for (const a of attempts) {
    try {
      driver.map(a.domain, a.iovaPage * 4096, 0x1000_0000 + a.hostPage * 4096, a.pages * 4096, {
        shared: a.shared,
      });
    } catch (e) {
      if (!IommuModelError.isInstance(e) || !["HOST_PAGE_OWNED", "IOVA_MAPPED"].includes(e.code))
        throw e;
    }
  }
  const pagesOf = (d: number) =>
    driver.mappings(d).flatMap((m) =>
      Array.from({ length: m.length / 4096 }, (_, i) => ({
        page: m.hostAddress / 4096 + i,
        shared: m.shared,
      })),
    );
  for (const a of [1, 2, 3])
    for (const b of [1, 2, 3]) {
      if (a >= b) continue;
      const pb = pagesOf(b);
      for (const x of pagesOf(a))
        for (const y of pb) if (x.page === y.page) expect(x.shared && y.shared).toBe(true);
    }
  // And through the hardware: a device of domain a only reaches host pages mapped in a.
  driver.attachDevice(0x0100, 1);
  const mine = new Set(pagesOf(1).map((p) => p.page));
  for (let iova = 0; iova < 70 * 4096; iova += 4096) {
    const r = unit.translate(0x0100, iova, "read");
    if (r.ok) expect(mine.has(Math.floor(r.hostAddress / 4096))).toBe(true);
  }
});

test.prop(
  [
    fc.array(
      fc.record({
        pages: fc.array(
          fc.tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 0, max: 255 })),
          { minLength: 1, maxLength: 8 },
        ),
        aw: fc.constantFrom(1, 2, 3),
      }),
      { minLength: 2, maxLength: 5 },
    ),
  ],
  { numRuns: 40 },
)(
  "a domain id reused after destroyDomain inherits no translation and table frames are recycled",
  (rounds) => {
    const memory = new PhysicalMemory({ size: 2 ** 34 });
    const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
    const driver = new VtdDriver(unit, { tablePool: { base: 0x3_0000_0000, size: 0x100_0000 } });
    const initialFree = driver.freeTableFrames;
    const sid = 0x0310;
    let previous: number[] = [];
    rounds.forEach((round, r) => {
      driver.createDomain({ domainId: 5, addressWidth: round.aw });
      const mapped = new Map<number, number>();
      for (const [iovaPage, hostPage] of round.pages) {
        if (mapped.has(iovaPage)) continue;
        const host = 0x1_0000_0000 + r * 0x100_0000 + hostPage * 4096;
        driver.map(5, iovaPage * 4096, host, 4096);
        mapped.set(iovaPage, host);
      }
      driver.attachDevice(sid, 5);
      for (const iovaPage of [...previous, ...mapped.keys()]) {
        const res = unit.translate(sid, iovaPage * 4096, "read");
        const host = mapped.get(iovaPage);
        if (host === undefined) expect(res.ok).toBe(false);
        else expect(res).toMatchObject({ ok: true, hostAddress: host });
      }
      driver.destroyDomain(5);
      expect(unit.translate(sid, [...mapped.keys()][0]! * 4096, "read")).toMatchObject({
        ok: false,
        fault: { reason: 2 },
      });
      expect(driver.freeTableFrames).toBe(initialFree - 1); // only the context table of bus 3 stays
      previous = [...mapped.keys()];
    });
  },
);

function canonical(
  ranges: readonly {
    iova: number;
    hostAddress: number;
    length: number;
    read: boolean;
    write: boolean;
  }[],
) {
  const sorted = [...ranges].sort((a, b) => a.iova - b.iova);
  const out: {
    iova: number;
    hostAddress: number;
    length: number;
    read: boolean;
    write: boolean;
  }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (
      last &&
      last.iova + last.length === r.iova &&
      last.hostAddress + last.length === r.hostAddress &&
      last.read === r.read &&
      last.write === r.write
    )
      last.length += r.length;
    else
      out.push({
        iova: r.iova,
        hostAddress: r.hostAddress,
        length: r.length,
        read: r.read,
        write: r.write,
      });
  }
  return out;
}

test.prop(
  [
    fc.constantFrom(1, 2, 3),
    fc.array(
      fc.oneof(
        fc.record({
          op: fc.constant("map" as const),
          iovaPage: fc.oneof(
            fc.integer({ min: 0, max: 3000 }),
            fc.integer({ min: 0, max: 5 }).map((k) => k * 512),
          ),
          hostPage: fc.oneof(
            fc.integer({ min: 0, max: 3000 }),
            fc.integer({ min: 0, max: 5 }).map((k) => k * 512),
          ),
          pages: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 500, max: 1100 })),
          perm: fc.integer({ min: 1, max: 3 }),
        }),
        fc.record({
          op: fc.constant("unmap" as const),
          iovaPage: fc.integer({ min: 0, max: 3500 }),
          pages: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 100, max: 1100 })),
        }),
      ),
      { maxLength: 12 },
    ),
  ],
  { numRuns: 60 },
)("the second-level tables in memory always hold exactly the driver's mappings", (aw, ops) => {
  const memory = new PhysicalMemory({ size: 2 ** 34 });
  const unit = new RemappingHardwareUnit(memory, { hostAddressWidth: 39 });
  const driver = new VtdDriver(unit, { tablePool: { base: 0x3_0000_0000, size: 0x400_0000 } });
  const d = driver.createDomain({ domainId: 1, addressWidth: aw });
  for (const o of ops) {
    if (o.op === "map") {
      try {
        driver.map(1, o.iovaPage * 4096, 0x1_0000_0000 + o.hostPage * 4096, o.pages * 4096, {
          read: (o.perm & 1) !== 0,
          write: (o.perm & 2) !== 0,
        });
      } catch (e) {
        if (!IommuModelError.isInstance(e) || e.code !== "IOVA_MAPPED") throw e;
      }
    } else driver.unmap(1, o.iovaPage * 4096, o.pages * 4096);
    expect(readMappedRanges(memory, d.pageTable, d.levels)).toEqual(canonical(driver.mappings(1)));
  }
});
