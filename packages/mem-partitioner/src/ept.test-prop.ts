import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { type EptAccess, type EptMapping, EptTables } from "./ept";
import { decodeEptEntry, decodeEptp, encodeEptEntry, encodeEptp } from "./ept-entry";
import { MemPartitionerError } from "./errors";
import { PAGE_1G, PAGE_2M, PAGE_4K, uniformHostMemoryMap } from "./memory-map";
import { planPartitions } from "./partitioner";
import { arbitraryEptMappings, arbitraryPartitionRequest } from "./testing";

const TABLE_BASE = 0x10_0000;
const build = (ms: EptMapping[]) => EptTables.build(ms, { tableBase: TABLE_BASE });

// Reference translation: find the mapping that holds the address and apply its permissions.
function reference(ms: readonly EptMapping[], gpa: number, access: EptAccess) {
  const m = ms.find((x) => x.gpa <= gpa && gpa < x.gpa + x.size);
  if (m === undefined) return { mapped: false as const };
  const allowed = m.permissions[access];
  return { mapped: true as const, allowed, hpa: m.hpa + (gpa - m.gpa), m };
}

const access = fc.constantFrom<EptAccess>("read", "write", "execute");

test.prop([arbitraryEptMappings()], { numRuns: 100 })(
  "an EPT maps exactly its mappings, with their permissions, using the largest pages alignment allows",
  (ms) => {
    const ept = build(ms);
    const leaves = ept.leaves();
    let total = 0;
    // Plain checks collected into one assertion: thousands of expect() calls are slow.
    const problems: string[] = [];
    for (const l of leaves) {
      const m = ms.find((x) => x.gpa <= l.gpa && l.gpa + l.pageSize <= x.gpa + x.size);
      if (!m) {
        problems.push(`leaf ${l.gpa} outside every mapping`);
        continue;
      }
      if (l.hpa !== m.hpa + (l.gpa - m.gpa)) problems.push(`leaf ${l.gpa} → ${l.hpa}`);
      if (JSON.stringify(l.permissions) !== JSON.stringify(m.permissions))
        problems.push(`perm ${l.gpa}`);
      if (l.memoryType !== (m.memoryType ?? 6)) problems.push(`type ${l.gpa}`);
      if (l.ignorePat !== (m.ignorePat ?? false)) problems.push(`ipat ${l.gpa}`);
      // Greedy largest page: the next larger page was not possible here.
      const next = l.pageSize === PAGE_4K ? PAGE_2M : l.pageSize === PAGE_2M ? PAGE_1G : undefined;
      if (
        next !== undefined &&
        l.gpa % next === 0 &&
        l.hpa % next === 0 &&
        m.gpa + m.size - l.gpa >= next
      ) {
        problems.push(`leaf ${l.gpa} could be a ${next} page`);
      }
      total += l.pageSize;
    }
    expect(problems).toEqual([]);
    // Leaves of a radix tree are disjoint, so equal totals mean exact cover.
    expect(total).toBe(ms.reduce((s, m) => s + m.size, 0));
  },
);

test.prop(
  [
    arbitraryEptMappings(),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4095 }), access), { maxLength: 40 }),
  ],
  {
    numRuns: 50,
  },
)(
  "translate agrees with the mapping list (host address, violation with its qualification)",
  (ms, probes) => {
    const ept = build(ms);
    const end = ms[ms.length - 1]!.gpa + ms[ms.length - 1]!.size;
    for (const [k, off, acc] of probes) {
      // Probe inside mappings, at their edges, and beyond.
      const m = ms[k % ms.length]!;
      const candidates = [
        m.gpa + ((k * 4096) % m.size) + off,
        m.gpa - 1 - off,
        m.gpa + m.size + off,
        end + k,
      ];
      for (const gpa of candidates) {
        if (gpa < 0 || gpa >= 2 ** 48) continue;
        const got = ept.translate(gpa, acc);
        const want = reference(ms, gpa, acc);
        if (!want.mapped) {
          expect(got).toMatchObject({ ok: false, kind: "ept-violation" });
          if (!got.ok && got.kind === "ept-violation") expect(got.exitQualification >> 3).toBe(0);
        } else if (want.allowed) {
          expect(got).toMatchObject({ ok: true, hpa: want.hpa });
        } else {
          const p = want.m.permissions;
          const bits = (p.read ? 1 : 0) | (p.write ? 2 : 0) | (p.execute ? 4 : 0);
          const accBit = acc === "read" ? 1 : acc === "write" ? 2 : 4;
          expect(got).toEqual({
            ok: false,
            kind: "ept-violation",
            gpa,
            level: got.ok ? 0 : got.level,
            exitQualification: accBit | (bits << 3),
          });
        }
      }
    }
  },
);

test.prop([arbitraryEptMappings()], { numRuns: 40 })(
  "no present entry is writable but not readable",
  (ms) => {
    const bad = build(ms)
      .presentEntries()
      .filter((e) => {
        const f = decodeEptEntry(e.value);
        return f.write && !f.read;
      });
    expect(bad).toEqual([]);
  },
);

test.prop([arbitraryEptMappings(), fc.array(fc.nat(), { maxLength: 10 })], { numRuns: 40 })(
  "the byte image round-trips: same entries, same translations",
  (ms, probes) => {
    const a = build(ms);
    const bytes = a.toBytes();
    expect(bytes.length).toBe(a.tablePages * 4096);
    const b = EptTables.fromBytes(bytes, { tableBase: TABLE_BASE });
    // Compared as strings/buffers: deep-equality on thousands of elements is slow.
    expect(JSON.stringify(b.leaves())).toBe(JSON.stringify(a.leaves()));
    expect(Buffer.from(b.toBytes()).equals(Buffer.from(bytes))).toBe(true);
    const dv = new DataView(bytes.buffer);
    for (const p of probes) {
      const page = p % a.tablePages;
      const idx = p % 512;
      expect(dv.getBigUint64(page * 4096 + idx * 8, true)).toBe(a.entry(page, idx));
      const gpa = ms[p % ms.length]!.gpa + (p % 4096);
      expect(b.translate(gpa, "read")).toEqual(a.translate(gpa, "read"));
    }
  },
);

test.prop(
  [
    fc
      .integer({ min: 1, max: 3 })
      .chain((pages) => fc.uint8Array({ minLength: pages * 4096, maxLength: pages * 4096 })),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), access), {
      minLength: 1,
      maxLength: 20,
    }),
  ],
  { numRuns: 100 },
)(
  "translating over arbitrary bytes returns a value or throws only MemPartitionerError",
  (bytes, probes) => {
    const ept = EptTables.fromBytes(bytes, { tableBase: 0, executeOnly: false, maxPhysAddr: 46 });
    for (const [gpa, acc] of probes) {
      try {
        const r = ept.translate(gpa, acc);
        expect(typeof r.ok).toBe("boolean");
      } catch (e) {
        expect(MemPartitionerError.isInstance(e)).toBe(true);
      }
    }
  },
);

test.prop(
  [
    arbitraryEptMappings(),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 16 }),
  ],
  {
    numRuns: 80,
  },
)("mutated images never crash the walk with a foreign exception", (ms, flips) => {
  const bytes = build(ms).toBytes();
  for (const [at, v] of flips) bytes[at % bytes.length] = v;
  const ept = EptTables.fromBytes(bytes, { tableBase: TABLE_BASE });
  for (const m of ms) {
    try {
      ept.translate(m.gpa, "write");
      ept.leaves();
    } catch (e) {
      expect(MemPartitionerError.isInstance(e)).toBe(true);
    }
  }
});

test.prop([
  fc.record({
    read: fc.boolean(),
    write: fc.boolean(),
    execute: fc.boolean(),
    memoryType: fc.integer({ min: 0, max: 7 }),
    ignorePat: fc.boolean(),
    largePage: fc.boolean(),
    accessed: fc.boolean(),
    dirty: fc.boolean(),
    userExecute: fc.boolean(),
    suppressVe: fc.boolean(),
    address: fc.integer({ min: 0, max: 2 ** 40 - 1 }).map((a) => a * 4096),
  }),
])("EPT entry encode/decode is a bijection on its fields", (f) => {
  expect(decodeEptEntry(encodeEptEntry(f))).toEqual(f);
});

test.prop([
  fc.record({
    memoryType: fc.constantFrom(0 as const, 6 as const),
    pageWalkLength: fc.constantFrom(4 as const, 5 as const),
    accessedDirty: fc.boolean(),
    supervisorShadowStack: fc.boolean(),
    rootAddress: fc.integer({ min: 0, max: 2 ** 40 - 1 }).map((a) => a * 4096),
  }),
])("EPTP encode/decode round-trips", (f) => {
  expect(decodeEptp(encodeEptp(f))).toEqual(f);
});

test.prop([fc.array(arbitraryPartitionRequest(2), { minLength: 1, maxLength: 6 })], {
  numRuns: 40,
})("the EPT of every planned partition maps exactly that partition's host memory", (requests) => {
  const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 8 * PAGE_1G });
  const plan = planPartitions(host, requests);
  for (const p of plan.partitioner.partitions()) {
    const ept = EptTables.forPartition(p, { tableBase: 2 ** 45 });
    const leaves = ept.leaves();
    expect(leaves.reduce((s, l) => s + l.pageSize, 0)).toBe(p.size);
    for (const l of leaves) {
      const e = p.extents.find(
        (x) => x.guestStart <= l.gpa && l.gpa + l.pageSize <= x.guestStart + x.size,
      )!;
      expect(l.hpa).toBe(e.hostStart + (l.gpa - e.guestStart));
      // Each host byte belongs to this partition only: leaves lie inside its extents.
      expect(l.hpa + l.pageSize).toBeLessThanOrEqual(e.hostStart + e.size);
    }
  }
});
