import { MemPartitionerError } from "./errors";

/**
 * 4 KiB: the x86-64 base page, and the EPT 4 KiB page (SDM Vol. 3C §29.3.2).
 *
 * @example
 * ```ts
 * console.log(PAGE_4K.toString(16)); // "1000"
 * ```
 */
export const PAGE_4K = 0x1000;
/**
 * 2 MiB: a large page mapped by an EPT PDE with bit 7 set.
 *
 * @example
 * ```ts
 * console.log(PAGE_2M / PAGE_4K); // 512
 * ```
 */
export const PAGE_2M = 0x20_0000;
/**
 * 1 GiB: a large page mapped by an EPT PDPTE with bit 7 set.
 *
 * @example
 * ```ts
 * console.log(PAGE_1G / PAGE_2M); // 512
 * ```
 */
export const PAGE_1G = 0x4000_0000;

/** The page sizes an x86-64 host backs guest memory with (`/sys/kernel/mm/hugepages/hugepages-*kB`). */
export type PageSize = typeof PAGE_4K | typeof PAGE_2M | typeof PAGE_1G;

/**
 * All page sizes in increasing order.
 *
 * @example
 * ```ts
 * console.log(PAGE_SIZES); // [4096, 2097152, 1073741824]
 * ```
 */
export const PAGE_SIZES: readonly PageSize[] = [PAGE_4K, PAGE_2M, PAGE_1G];

/** A half-open host-physical range `[start, end)`, in bytes. */
export interface PhysRange {
  readonly start: number;
  readonly end: number;
}

/** A reserved host-physical range (firmware, MMIO hole, the host kernel, hypervisor tables…). */
export interface ReservedRange extends PhysRange {
  /** What the range is used for, e.g. `"firmware"`, `"pci-mmio-hole"`, `"host"`. */
  readonly label: string;
}

/** The RAM ranges of one NUMA node (`/sys/devices/system/node/nodeN`). */
export interface NumaNodeMemory {
  /** The kernel's node number (N in `nodeN`). */
  readonly node: number;
  /** RAM ranges of this node, in bytes. */
  readonly ranges: readonly PhysRange[];
}

/** A host's physical memory map: NUMA node ranges, reserved ranges and the page sizes it supports. */
export interface HostMemoryMap {
  readonly nodes: readonly NumaNodeMemory[];
  readonly reserved: readonly ReservedRange[];
  /** Page sizes the host can back guest memory with, increasing. */
  readonly pageSizes: readonly PageSize[];
  /** Node distances (ACPI SLIT, `/sys/devices/system/node/nodeN/distance`), `distances[i][j]` by node index. */
  readonly distances?: readonly (readonly number[])[];
}

/** Input of {@link createHostMemoryMap}. */
export interface HostMemoryMapInit {
  readonly nodes: readonly NumaNodeMemory[];
  readonly reserved?: readonly ReservedRange[];
  readonly pageSizes?: readonly PageSize[];
  readonly distances?: readonly (readonly number[])[];
}

function checkRange(r: PhysRange, field: string): void {
  if (
    !Number.isSafeInteger(r.start) ||
    !Number.isSafeInteger(r.end) ||
    r.start < 0 ||
    r.end <= r.start
  ) {
    throw new MemPartitionerError(
      "BAD_RANGE",
      `range [${r.start}, ${r.end}) is not a non-empty range of safe integers`,
      { field },
    );
  }
  if (r.start % PAGE_4K !== 0 || r.end % PAGE_4K !== 0) {
    throw new MemPartitionerError(
      "BAD_RANGE",
      `range [0x${r.start.toString(16)}, 0x${r.end.toString(16)}) is not 4 KiB aligned`,
      { field },
    );
  }
}

/**
 * True when `n` is one of the supported page sizes.
 *
 * @example
 * ```ts
 * console.log(isPageSize(2 ** 21), isPageSize(8192)); // true false
 * ```
 */
export function isPageSize(n: number): n is PageSize {
  return n === PAGE_4K || n === PAGE_2M || n === PAGE_1G;
}

/**
 * Validates and normalises a host memory map: ranges 4 KiB aligned, node ranges pairwise disjoint,
 * sorted by node then address; reserved ranges sorted.
 *
 * @throws {@link MemPartitionerError} `BAD_RANGE`, `OVERLAP`, `BAD_PAGE_SIZE`, `DUPLICATE_NODE`.
 * @example
 * ```ts
 * const map = createHostMemoryMap({
 *   nodes: [{ node: 0, ranges: [{ start: 0, end: 0x4_0000_0000 }] }],
 *   reserved: [{ start: 0, end: 0x10_0000, label: "firmware" }],
 * });
 * console.log(map.pageSizes); // [4096, 2097152, 1073741824]
 * ```
 */
export function createHostMemoryMap(init: HostMemoryMapInit): HostMemoryMap {
  const seen = new Set<number>();
  const all: { r: PhysRange; node: number }[] = [];
  const nodes = [...init.nodes]
    .sort((a, b) => a.node - b.node)
    .map((n, i) => {
      if (!Number.isInteger(n.node) || n.node < 0) {
        throw new MemPartitionerError("BAD_NODE", `node ${n.node} is not a node number`, {
          field: `nodes[${i}].node`,
        });
      }
      if (seen.has(n.node)) {
        throw new MemPartitionerError("DUPLICATE_NODE", `node ${n.node} appears twice`, {
          field: `nodes[${i}].node`,
        });
      }
      seen.add(n.node);
      const ranges = [...n.ranges].sort((a, b) => a.start - b.start);
      ranges.forEach((r, j) => {
        checkRange(r, `nodes[${i}].ranges[${j}]`);
        all.push({ r, node: n.node });
      });
      return { node: n.node, ranges: ranges.map((r) => ({ start: r.start, end: r.end })) };
    });
  all.sort((a, b) => a.r.start - b.r.start);
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1]!;
    const cur = all[i]!;
    if (cur.r.start < prev.r.end) {
      throw new MemPartitionerError(
        "OVERLAP",
        `RAM of node ${cur.node} at 0x${cur.r.start.toString(16)} overlaps node ${prev.node}`,
        { field: "nodes" },
      );
    }
  }
  const reserved = [...(init.reserved ?? [])]
    .map((r, i) => {
      checkRange(r, `reserved[${i}]`);
      return { start: r.start, end: r.end, label: r.label };
    })
    .sort((a, b) => a.start - b.start);
  const pageSizes = [...(init.pageSizes ?? PAGE_SIZES)].sort((a, b) => a - b);
  pageSizes.forEach((p, i) => {
    if (!isPageSize(p)) {
      throw new MemPartitionerError("BAD_PAGE_SIZE", `${p} is not 4 KiB, 2 MiB or 1 GiB`, {
        field: `pageSizes[${i}]`,
      });
    }
  });
  if (init.distances !== undefined) {
    const n = nodes.length;
    if (init.distances.length !== n || init.distances.some((row) => row.length !== n)) {
      throw new MemPartitionerError("BAD_DISTANCES", `distances must be a ${n}x${n} matrix`, {
        field: "distances",
      });
    }
  }
  return {
    nodes,
    reserved,
    pageSizes: [...new Set(pageSizes)],
    ...(init.distances !== undefined ? { distances: init.distances.map((row) => [...row]) } : {}),
  };
}

/** Options of {@link uniformHostMemoryMap}. */
export interface UniformHostOptions {
  /** Number of NUMA nodes. */
  readonly nodes: number;
  /** RAM per node in bytes (multiple of 1 GiB). */
  readonly bytesPerNode: number;
  /**
   * Model the x86 layout: the first MiB reserved for firmware, and a 1 GiB PCI MMIO hole at
   * 3 GiB–4 GiB with the RAM that would be there remapped above 4 GiB. Default true.
   */
  readonly x86Layout?: boolean;
  /** Extra reserved ranges (e.g. the host OS's own memory). */
  readonly reserved?: readonly ReservedRange[];
}

const GIB = PAGE_1G;

/**
 * A host with `nodes` equal NUMA nodes laid out one after the other, in the usual x86 shape
 * (firmware below 1 MiB, PCI hole below 4 GiB) and SLIT distances 10 local / 21 remote.
 *
 * @example
 * ```ts
 * const map = uniformHostMemoryMap({ nodes: 8, bytesPerNode: 128 * 2 ** 30 });
 * console.log(map.nodes.length); // 8
 * ```
 */
export function uniformHostMemoryMap(options: UniformHostOptions): HostMemoryMap {
  const { nodes, bytesPerNode } = options;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 1024) {
    throw new MemPartitionerError("BAD_NODE", `node count ${nodes} out of range`, {
      field: "nodes",
    });
  }
  if (!Number.isSafeInteger(bytesPerNode) || bytesPerNode <= 0 || bytesPerNode % GIB !== 0) {
    throw new MemPartitionerError(
      "BAD_RANGE",
      "bytesPerNode must be a positive multiple of 1 GiB",
      {
        field: "bytesPerNode",
      },
    );
  }
  const x86 = options.x86Layout ?? true;
  const list: NumaNodeMemory[] = [];
  const reserved: ReservedRange[] = [];
  let cursor = 0;
  for (let n = 0; n < nodes; n++) {
    const { ranges, next } = placeNode(cursor, bytesPerNode, x86);
    cursor = next;
    list.push({ node: n, ranges });
  }
  if (x86) reserved.push({ start: 0, end: 0x10_0000, label: "firmware" });
  reserved.push(...(options.reserved ?? []));
  const distances = Array.from({ length: nodes }, (_, i) =>
    Array.from({ length: nodes }, (_, j) => (i === j ? 10 : 21)),
  );
  return createHostMemoryMap({ nodes: list, reserved, distances });
}

/**
 * Total RAM of a map in bytes, reserved ranges included.
 *
 * @example
 * ```ts
 * console.log(totalRam(uniformHostMemoryMap({ nodes: 2, bytesPerNode: 2 ** 30 }))); // 2147483648
 * ```
 */
export function totalRam(map: HostMemoryMap): number {
  let sum = 0;
  for (const n of map.nodes) for (const r of n.ranges) sum += r.end - r.start;
  return sum;
}

/**
 * A host memory map from libvirt host capabilities XML (`virsh capabilities`): one node per
 * `<cell>` with its `<memory>` size, page sizes from the `<pages>` elements (the host's
 * `hugepages-*kB` pools), distances from `<sibling>`. Capabilities give sizes, not addresses,
 * so nodes are laid out in the x86 shape of {@link uniformHostMemoryMap} (firmware below 1 MiB,
 * PCI hole at 3–4 GiB), cell after cell.
 *
 * @throws {@link MemPartitionerError} `BAD_CAPABILITIES` when there is no `<cell>` or a size is not
 * whole KiB pages.
 * @example
 * ```ts
 * const map = hostMemoryMapFromCapabilities(readFileSync("caps.xml", "utf8"));
 * console.log(map.nodes.length, map.pageSizes);
 * ```
 */
export function hostMemoryMapFromCapabilities(xml: string): HostMemoryMap {
  const cells = [...xml.matchAll(/<cell\s+id=['"](\d+)['"]\s*>([\s\S]*?)<\/cell>/g)];
  if (cells.length === 0) {
    throw new MemPartitionerError("BAD_CAPABILITIES", "no <cell> in the capabilities", {
      field: "topology/cells",
    });
  }
  const unitBytes: Record<string, number> = {
    B: 1,
    KiB: 1024,
    MiB: 2 ** 20,
    GiB: 2 ** 30,
    TiB: 2 ** 40,
  };
  const sizes = new Set<PageSize>();
  let cursor = 0;
  const nodes: NumaNodeMemory[] = [];
  const siblings: number[][] = [];
  for (const [, idText, body] of cells) {
    const id = Number(idText);
    const mem = /<memory\s+unit=['"](\w+)['"]\s*>(\d+)<\/memory>/.exec(body!);
    const factor = mem ? unitBytes[mem[1]!] : undefined;
    if (!mem || factor === undefined) {
      throw new MemPartitionerError("BAD_CAPABILITIES", `cell ${id} has no <memory> size`, {
        field: `cell[${id}]/memory`,
      });
    }
    const bytes = Number(mem[2]) * factor;
    if (!Number.isSafeInteger(bytes) || bytes % PAGE_4K !== 0) {
      throw new MemPartitionerError(
        "BAD_CAPABILITIES",
        `cell ${id} memory is not whole 4 KiB pages`,
        {
          field: `cell[${id}]/memory`,
        },
      );
    }
    for (const p of body!.matchAll(/<pages\s+unit=['"](\w+)['"]\s+size=['"](\d+)['"]/g)) {
      const s = Number(p[2]) * (unitBytes[p[1]!] ?? Number.NaN);
      if (isPageSize(s)) sizes.add(s);
    }
    siblings.push(
      [...body!.matchAll(/<sibling\s+id=['"](\d+)['"]\s+value=['"](\d+)['"]/g)].map((s) =>
        Number(s[2]),
      ),
    );
    const { ranges, next } = placeNode(cursor, bytes, true);
    cursor = next;
    nodes.push({ node: id, ranges });
  }
  const square = siblings.every((row) => row.length === cells.length);
  return createHostMemoryMap({
    nodes,
    reserved: [{ start: 0, end: 0x10_0000, label: "firmware" }],
    pageSizes: sizes.size > 0 ? [...sizes] : [PAGE_4K],
    ...(square ? { distances: siblings } : {}),
  });
}

/**
 * A host memory map from hwloc XML (v1, v2 or v3; `lstopo --of xml`): one node per `NUMANode`
 * object with its `local_memory` (rounded down to 4 KiB), page sizes from its `<page_type>`
 * children (4 KiB always). A topology without NUMA nodes becomes one node 0 with the machine's
 * `local_memory`. hwloc gives sizes, not addresses, so nodes are laid out in the x86 shape of
 * {@link uniformHostMemoryMap}, by increasing OS index. Memory-less nodes get no ranges.
 *
 * @throws {@link MemPartitionerError} `BAD_TOPOLOGY` when no memory size is found.
 * @example
 * ```ts
 * const map = hostMemoryMapFromHwloc(readFileSync("192em64t-12gr2n8c2t.xml", "utf8"));
 * console.log(map.nodes.length); // 24
 * ```
 */
export function hostMemoryMapFromHwloc(xml: string): HostMemoryMap {
  const attr = (tag: string, name: string): string | undefined =>
    new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  const found: { node: number; bytes: number }[] = [];
  const sizes = new Set<PageSize>([PAGE_4K]);
  const re = /<object\s+type="NUMANode"[^>]*>/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const tag = m[0];
    const node = Number(attr(tag, "os_index") ?? found.length);
    const bytes = Number(attr(tag, "local_memory") ?? 0);
    found.push({ node, bytes });
    if (!tag.endsWith("/>")) {
      // The node's own <page_type> children come before any child object.
      const rest = xml.slice(re.lastIndex);
      const stop = rest.search(/<object|<\/object>/);
      const body = stop < 0 ? rest : rest.slice(0, stop);
      for (const p of body.matchAll(/<page_type\s+size="(\d+)"\s+count="(\d+)"/g)) {
        const s = Number(p[1]);
        if (isPageSize(s)) sizes.add(s);
      }
    }
  }
  if (found.length === 0) {
    const machine = /<object\s+type="Machine"[^>]*>/.exec(xml)?.[0];
    const bytes = machine === undefined ? undefined : attr(machine, "local_memory");
    if (bytes === undefined) {
      throw new MemPartitionerError("BAD_TOPOLOGY", "no NUMANode and no machine local_memory", {
        field: "local_memory",
      });
    }
    found.push({ node: 0, bytes: Number(bytes) });
  }
  found.sort((a, b) => a.node - b.node);
  const nodes: NumaNodeMemory[] = [];
  let cursor = 0;
  for (const { node, bytes: raw } of found) {
    if (!Number.isSafeInteger(raw) || raw < 0 || !Number.isInteger(node) || node < 0) {
      throw new MemPartitionerError("BAD_TOPOLOGY", `NUMANode ${node} has a bad local_memory`, {
        field: "local_memory",
      });
    }
    const { ranges, next } = placeNode(cursor, raw - (raw % PAGE_4K), true);
    cursor = next;
    nodes.push({ node, ranges });
  }
  const first = nodes.find((n) => n.ranges.length > 0);
  const reserved: ReservedRange[] =
    first !== undefined && first.ranges[0]!.start === 0 && first.ranges[0]!.end >= 0x10_0000
      ? [{ start: 0, end: 0x10_0000, label: "firmware" }]
      : [];
  return createHostMemoryMap({ nodes, reserved, pageSizes: [...sizes] });
}

/**
 * The physical ranges of a node's `bytes` laid out from `cursor`; with `x86Hole`, skipping the
 * 3–4 GiB PCI hole below 4 GiB as x86 firmware maps it. `next`: where the next node starts. A node
 * without memory gets no range.
 */
function placeNode(
  cursor: number,
  bytes: number,
  x86Hole: boolean,
): { ranges: PhysRange[]; next: number } {
  const ranges: PhysRange[] = [];
  let remaining = bytes;
  if (x86Hole && remaining > 0 && cursor < 3 * GIB) {
    const low = Math.min(remaining, 3 * GIB - cursor);
    ranges.push({ start: cursor, end: cursor + low });
    remaining -= low;
    cursor += low;
    if (cursor === 3 * GIB) cursor = 4 * GIB;
  }
  if (remaining > 0) {
    ranges.push({ start: cursor, end: cursor + remaining });
    cursor += remaining;
  }
  return { ranges, next: cursor };
}
