import fc from "fast-check";
import type { EptMapping, EptPermissions } from "./ept";
import type { MemPartitionerErrorWhere } from "./errors";
import {
  createHostMemoryMap,
  type HostMemoryMap,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  type PageSize,
} from "./memory-map";
import type { PartitionRequest } from "./partitioner";
import type { CacheResource } from "./rdt";
import type { SchemataLine } from "./resctrl-schemata";

/**
 * Arbitrary error locations, for property tests of code that reports `@dyninfra/mem-partitioner` errors.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryMemPartitionerErrorWhere(), (w) => new MemPartitionerError("X", "m", w).where === w));
 * ```
 */
export function arbitraryMemPartitionerErrorWhere(): fc.Arbitrary<MemPartitionerErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Arbitrary page size (4 KiB, 2 MiB, 1 GiB).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryPageSize(), (p) => isPageSize(p)));
 * ```
 */
export function arbitraryPageSize(): fc.Arbitrary<PageSize> {
  return fc.constantFrom<PageSize>(PAGE_4K, PAGE_2M, PAGE_1G);
}

/**
 * Arbitrary small host memory map: 1–4 nodes of 1–8 GiB each, laid out consecutively with random
 * 2 MiB-multiple gaps and a few random 4 KiB-aligned reserved ranges.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryHostMemoryMap(), (map) => new MemoryPartitioner(map).partitions().length === 0));
 * ```
 */
export function arbitraryHostMemoryMap(): fc.Arbitrary<HostMemoryMap> {
  return fc
    .record({
      sizes: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
      gaps: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 4, maxLength: 4 }),
      reserved: fc.array(
        fc.record({ at: fc.nat({ max: 2 ** 20 }), pages: fc.integer({ min: 1, max: 4096 }) }),
        { maxLength: 3 },
      ),
    })
    .map(({ sizes, gaps, reserved }) => {
      let cursor = 0;
      const nodes = sizes.map((gib, i) => {
        cursor += gaps[i]! * PAGE_2M;
        const start = cursor;
        cursor += gib * PAGE_1G;
        return { node: i, ranges: [{ start, end: cursor }] };
      });
      return createHostMemoryMap({
        nodes,
        reserved: reserved.map((r) => {
          const start = Math.min(r.at * PAGE_4K * 16, cursor - PAGE_4K);
          return { start, end: Math.min(cursor, start + r.pages * PAGE_4K), label: "reserved" };
        }),
      });
    });
}

/**
 * Arbitrary partition request fitting a host of `nodes` nodes (sizes up to 3 GiB).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryHostMemoryMap().chain((m) => fc.tuple(fc.constant(m), arbitraryPartitionRequest(m.nodes.length))), ([m, r]) => {
 *   new MemoryPartitioner(m).allocate(r); // a Partition or a refusal, never a throw
 * }));
 * ```
 */
export function arbitraryPartitionRequest(nodes: number): fc.Arbitrary<PartitionRequest> {
  return fc
    .record({
      pageSize: arbitraryPageSize(),
      pages: fc.integer({ min: 1, max: 3 }),
      scale: fc.integer({ min: 1, max: 64 }),
      node: fc.option(fc.integer({ min: 0, max: nodes - 1 }), { nil: undefined }),
      contiguous: fc.boolean(),
    })
    .map(({ pageSize, pages, scale, node, contiguous }) => ({
      name: "vm",
      pageSize,
      // 1 GiB pages: 1–3 pages; 2 MiB: up to 192 pages; 4 KiB: up to 192 pages.
      size: pageSize * pages * (pageSize === PAGE_1G ? 1 : scale),
      ...(node !== undefined ? { nodeset: [node] } : {}),
      contiguous,
    }));
}

/**
 * Arbitrary EPT permissions that are never write-without-read and never none.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryEptPermissions(), (p) => !(p.write && !p.read)));
 * ```
 */
export function arbitraryEptPermissions(): fc.Arbitrary<EptPermissions> {
  return fc
    .record({ read: fc.boolean(), write: fc.boolean(), execute: fc.boolean() })
    .filter((p) => (p.read || p.execute) && !(p.write && !p.read));
}

/**
 * Arbitrary list of EPT mappings with disjoint guest ranges, mixed alignments (4 KiB, 2 MiB,
 * 1 GiB) and host addresses below 2^40.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryEptMappings(), (ms) => EptTables.build(ms, { tableBase: 0x1000 }).leaves().length > 0));
 * ```
 */
export function arbitraryEptMappings(): fc.Arbitrary<EptMapping[]> {
  const piece = fc.record({
    gap: fc.integer({ min: 0, max: 3 }),
    gapUnit: fc.constantFrom(PAGE_4K, PAGE_2M, PAGE_1G),
    size: fc.integer({ min: 1, max: 3 }),
    sizeUnit: fc.constantFrom(PAGE_4K, PAGE_2M, PAGE_1G),
    extra4k: fc.integer({ min: 0, max: 2 }),
    hpaUnits: fc.integer({ min: 0, max: 1000 }),
    hpaAlign: fc.constantFrom(PAGE_4K, PAGE_2M, PAGE_1G),
    hpaSkew: fc.constantFrom(0, PAGE_4K),
    permissions: arbitraryEptPermissions(),
    memoryType: fc.constantFrom(0 as const, 1 as const, 4 as const, 5 as const, 6 as const),
    ignorePat: fc.boolean(),
  });
  return fc.array(piece, { minLength: 1, maxLength: 5 }).map((pieces) => {
    let gpa = 0;
    return pieces.map((p) => {
      gpa += p.gap * p.gapUnit;
      // Align the guest start like the host start so large pages can appear.
      gpa = Math.ceil(gpa / p.hpaAlign) * p.hpaAlign + p.hpaSkew;
      // Only 1 GiB-capable placements get 1 GiB-sized pieces: keeps 4 KiB leaf counts small.
      const unit =
        p.hpaAlign === PAGE_1G && p.hpaSkew === 0 ? p.sizeUnit : Math.min(p.sizeUnit, PAGE_2M);
      const size = p.size * unit + p.extra4k * PAGE_4K;
      const m: EptMapping = {
        gpa,
        // Host addresses kept above 1 TiB so tables placed below never overlap.
        hpa: 2 ** 40 + p.hpaUnits * p.hpaAlign + p.hpaSkew,
        size,
        permissions: p.permissions,
        memoryType: p.memoryType,
        ignorePat: p.ignorePat,
      };
      gpa += size;
      return m;
    });
  });
}

/**
 * Arbitrary CAT resource (cbm length 4–20, min bits 0–2, sparse or not).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryCacheResource(), (r) => isValidCbm(r.cbmMask, r)));
 * ```
 */
export function arbitraryCacheResource(): fc.Arbitrary<CacheResource> {
  return fc
    .record({
      len: fc.integer({ min: 4, max: 20 }),
      minCbmBits: fc.integer({ min: 0, max: 2 }),
      sparseMasks: fc.boolean(),
      numClosids: fc.integer({ min: 2, max: 16 }),
      domains: fc.uniqueArray(fc.nat({ max: 16 }), { minLength: 1, maxLength: 4 }),
    })
    .map((r) => ({
      kind: "cache" as const,
      name: "L3",
      cbmMask: 2 ** r.len - 1,
      minCbmBits: r.minCbmBits,
      sparseMasks: r.sparseMasks,
      numClosids: r.numClosids,
      domains: [...r.domains].sort((a, b) => a - b),
    }));
}

/**
 * Arbitrary schemata lines in canonical form (distinct resources, distinct domain ids).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitrarySchemataLines(), (lines) => formatSchemata({ lines }).endsWith("\n")));
 * ```
 */
export function arbitrarySchemataLines(): fc.Arbitrary<SchemataLine[]> {
  const dom = (max: number) =>
    fc
      .uniqueArray(fc.record({ id: fc.nat({ max: 255 }), value: fc.nat({ max }) }), {
        minLength: 1,
        maxLength: 6,
        selector: (d) => d.id,
      })
      .map((ds) => ds as { id: number; value: number }[]);
  return fc
    .uniqueArray(
      fc.constantFrom("L3", "L3CODE", "L3DATA", "L2", "L2CODE", "L2DATA", "MB", "SMBA"),
      {
        minLength: 1,
        maxLength: 5,
      },
    )
    .chain((names) =>
      fc.tuple(
        ...names.map((n) =>
          dom(n === "MB" || n === "SMBA" ? 0xffff_ffff : 0xffff_ffff).map((domains) => ({
            resource: n,
            domains,
          })),
        ),
      ),
    );
}
