import { MemPartitionerError } from "./errors";
import { alignDown, alignUp, FreeList } from "./internal/free-list";
import { type HostMemoryMap, isPageSize, PAGE_4K, type PageSize } from "./memory-map";

/**
 * NUMA memory mode, with libvirt's `<numatune><memory mode=…>` names:
 * `strict` binds to the nodeset, `preferred` tries one node then falls back to the nearest,
 * `interleave` spreads equal shares over the nodeset.
 */
export type NumaMode = "strict" | "preferred" | "interleave";

/** A VM's memory request. */
export interface PartitionRequest {
  /** The VM (or tenant) name, carried into the partition. */
  readonly name: string;
  /** Bytes of guest memory; a multiple of `pageSize`. */
  readonly size: number;
  /** Backing page size (4 KiB, 2 MiB or 1 GiB). Default 4 KiB. */
  readonly pageSize?: PageSize;
  /** NUMA nodes allowed (`nodeset`). Default: every node of the host. */
  readonly nodeset?: readonly number[];
  /** NUMA mode. Default `strict`. */
  readonly mode?: NumaMode;
  /** Refuse rather than split the partition into several host extents. Default false. */
  readonly contiguous?: boolean;
  /** Guest-physical address where the partition starts. Default 0. */
  readonly guestBase?: number;
}

/** One host-contiguous piece of a partition, mapped at `guestStart` in the guest. */
export interface PartitionExtent {
  readonly node: number;
  readonly hostStart: number;
  readonly guestStart: number;
  readonly size: number;
}

/** A static memory partition: host-physical extents owned by exactly one VM. */
export interface Partition {
  readonly id: number;
  readonly name: string;
  readonly pageSize: PageSize;
  readonly size: number;
  readonly mode: NumaMode;
  /** Nodes the partition's memory lies on, increasing. */
  readonly nodes: readonly number[];
  /** Extents in guest-physical order; guest addresses are contiguous from `guestBase`. */
  readonly extents: readonly PartitionExtent[];
}

/** Why a request could not be served. */
export type AllocationRefusal =
  | {
      readonly kind: "insufficient-memory";
      readonly requested: number;
      /** The most this request shape could get now (largest aligned extent if contiguous). */
      readonly available: number;
      readonly message: string;
    }
  | { readonly kind: "unknown-node"; readonly node: number; readonly message: string }
  | { readonly kind: "page-size-unavailable"; readonly pageSize: number; readonly message: string };

/** Result of {@link MemoryPartitioner.allocate}. */
export type AllocationResult =
  | { readonly ok: true; readonly value: Partition }
  | { readonly ok: false; readonly error: AllocationRefusal };

/** Free-space figures for one page size. */
export interface PageSizeFragmentation {
  readonly pageSize: PageSize;
  /** Pages of this size that could still be allocated (aligned, inside free ranges). */
  readonly freePages: number;
  /**
   * Share of free memory unusable for pages of this size, as the kernel's unusable free space
   * index (`/sys/kernel/debug/extfrag/unusable_index`): (free − freePages·pageSize) / free.
   */
  readonly unusableIndex: number;
}

/** Free-space figures of one node, or of the whole host. */
export interface NodeFragmentation {
  readonly node: number;
  readonly freeBytes: number;
  readonly freeExtents: number;
  readonly largestFreeExtent: number;
  readonly byPageSize: readonly PageSizeFragmentation[];
}

/** Fragmentation report of {@link MemoryPartitioner.fragmentation}. */
export interface Fragmentation {
  readonly freeBytes: number;
  readonly freeExtents: number;
  readonly largestFreeExtent: number;
  /** 1 − largest free extent / free bytes (0 when nothing or one extent is free). */
  readonly externalFragmentation: number;
  readonly byPageSize: readonly PageSizeFragmentation[];
  readonly nodes: readonly NodeFragmentation[];
}

/** A free host range of one node. */
export interface FreeRange {
  readonly node: number;
  readonly start: number;
  readonly end: number;
}

interface Take {
  node: number;
  start: number;
  size: number;
}

/**
 * Static memory partitioning of a host: disjoint, page-aligned host-physical extents per VM,
 * NUMA-aware, with free and fragmentation figures. Partitions never overlap each other nor a
 * reserved range; allocation is deterministic and atomic (a refused request changes nothing).
 *
 * @example
 * ```ts
 * const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 64 * 2 ** 30 });
 * const p = new MemoryPartitioner(host);
 * const r = p.allocate({ name: "vm1", size: 8 * 2 ** 30, pageSize: PAGE_1G, nodeset: [0] });
 * if (r.ok) console.log(r.value.extents[0]!.hostStart.toString(16));
 * p.free(r.ok ? r.value.id : 0);
 * ```
 */
export class MemoryPartitioner {
  /** The host this partitioner carves. */
  readonly map: HostMemoryMap;
  private readonly free_: Map<number, FreeList>;
  private readonly nodeOrder: number[];
  private readonly live = new Map<number, Partition>();
  private nextId = 1;

  constructor(map: HostMemoryMap) {
    this.map = map;
    this.free_ = new Map();
    this.nodeOrder = map.nodes.map((n) => n.node);
    for (const n of map.nodes) {
      const f = new FreeList();
      for (const r of n.ranges) f.give(r.start, r.end);
      for (const res of map.reserved) f.subtract(res.start, res.end);
      this.free_.set(n.node, f);
    }
  }

  /** Partitions currently allocated, by increasing id. */
  partitions(): readonly Partition[] {
    return [...this.live.values()].sort((a, b) => a.id - b.id);
  }

  /** The partition with this id, if allocated. */
  get(id: number): Partition | undefined {
    return this.live.get(id);
  }

  /** Free ranges of every node, by node then address. */
  freeRanges(): readonly FreeRange[] {
    const out: FreeRange[] = [];
    for (const node of this.nodeOrder) {
      const f = this.free_.get(node)!;
      for (let i = 0; i < f.length; i++) out.push({ node, start: f.starts[i]!, end: f.ends[i]! });
    }
    return out;
  }

  /**
   * Allocates a partition. Expected refusals (not enough memory, unknown node, page size the
   * host lacks) are values; malformed requests throw.
   *
   * @throws {@link MemPartitionerError} `BAD_REQUEST` when size is not a positive multiple of the
   * page size, or the nodeset or guest base is malformed.
   */
  allocate(request: PartitionRequest): AllocationResult {
    const pageSize = request.pageSize ?? PAGE_4K;
    const mode = request.mode ?? "strict";
    if (!isPageSize(pageSize)) {
      throw new MemPartitionerError("BAD_REQUEST", `page size ${pageSize} is not supported`, {
        field: "pageSize",
      });
    }
    const { size } = request;
    if (!Number.isSafeInteger(size) || size <= 0 || size % pageSize !== 0) {
      throw new MemPartitionerError(
        "BAD_REQUEST",
        `size ${size} is not a positive multiple of the page size ${pageSize}`,
        { field: "size" },
      );
    }
    const guestBase = request.guestBase ?? 0;
    if (!Number.isSafeInteger(guestBase) || guestBase < 0 || guestBase % pageSize !== 0) {
      throw new MemPartitionerError(
        "BAD_REQUEST",
        `guest base ${guestBase} is not a page-aligned address`,
        { field: "guestBase" },
      );
    }
    if (mode !== "strict" && mode !== "preferred" && mode !== "interleave") {
      throw new MemPartitionerError("BAD_REQUEST", `unknown NUMA mode ${String(mode)}`, {
        field: "mode",
      });
    }
    if (!this.map.pageSizes.includes(pageSize)) {
      return refuse({
        kind: "page-size-unavailable",
        pageSize,
        message: `the host has no ${pageSize / 1024} KiB pages`,
      });
    }
    const nodeset = request.nodeset ?? this.nodeOrder;
    if (nodeset.length === 0) {
      throw new MemPartitionerError("BAD_REQUEST", "empty nodeset", { field: "nodeset" });
    }
    for (const n of nodeset) {
      if (!this.free_.has(n)) {
        return refuse({ kind: "unknown-node", node: n, message: `the host has no NUMA node ${n}` });
      }
    }
    const nodes = [...new Set(nodeset)].sort((a, b) => a - b);
    const contiguous = request.contiguous ?? false;
    let takes: Take[] | undefined;
    if (mode === "strict") {
      takes = this.place(nodes, size, pageSize, contiguous);
    } else if (mode === "preferred") {
      if (nodes.length !== 1) {
        throw new MemPartitionerError("BAD_REQUEST", "mode 'preferred' takes exactly one node", {
          field: "nodeset",
        });
      }
      takes = this.place(nodes, size, pageSize, contiguous);
      if (takes === undefined) {
        const others = this.byDistance(nodes[0]!).filter((n) => n !== nodes[0]);
        for (const n of others) {
          takes = this.place([n], size, pageSize, contiguous);
          if (takes !== undefined) break;
        }
        if (takes === undefined && !contiguous)
          takes = this.place(this.byDistance(nodes[0]!), size, pageSize, false);
      }
    } else {
      takes = this.interleave(nodes, size, pageSize, contiguous);
    }
    if (takes === undefined) {
      const pool = mode === "preferred" ? this.nodeOrder : nodes;
      const available = this.available(pool, pageSize, contiguous);
      return refuse({
        kind: "insufficient-memory",
        requested: size,
        available,
        message: `cannot allocate ${size} bytes of ${pageSize / 1024} KiB pages on nodes ${pool.join(",")}: ${available} bytes available${contiguous ? " contiguously" : ""}`,
      });
    }
    let guest = guestBase;
    const extents: PartitionExtent[] = takes.map((t) => {
      const e = { node: t.node, hostStart: t.start, guestStart: guest, size: t.size };
      guest += t.size;
      return e;
    });
    const partition: Partition = {
      id: this.nextId++,
      name: request.name,
      pageSize,
      size,
      mode,
      nodes: [...new Set(extents.map((e) => e.node))].sort((a, b) => a - b),
      extents,
    };
    this.live.set(partition.id, partition);
    return { ok: true, value: partition };
  }

  /** Returns a partition's memory to the free pool. False when no partition has this id. */
  free(id: number): boolean {
    const p = this.live.get(id);
    if (p === undefined) return false;
    for (const e of p.extents) this.free_.get(e.node)!.give(e.hostStart, e.hostStart + e.size);
    this.live.delete(id);
    return true;
  }

  /** Free memory and fragmentation figures, per node and for the host. */
  fragmentation(): Fragmentation {
    const nodes: NodeFragmentation[] = [];
    let freeBytes = 0;
    let freeExtents = 0;
    let largest = 0;
    const pagesTotal = new Map<PageSize, number>();
    for (const node of this.nodeOrder) {
      const f = this.free_.get(node)!;
      let nodeFree = 0;
      let nodeLargest = 0;
      const pages = new Map<PageSize, number>();
      for (let i = 0; i < f.length; i++) {
        const s = f.starts[i]!;
        const e = f.ends[i]!;
        nodeFree += e - s;
        if (e - s > nodeLargest) nodeLargest = e - s;
        for (const p of this.map.pageSizes) {
          const a = alignUp(s, p);
          const b = alignDown(e, p);
          if (b > a) pages.set(p, (pages.get(p) ?? 0) + (b - a) / p);
        }
      }
      const byPageSize = this.map.pageSizes.map((p) => {
        const freePages = pages.get(p) ?? 0;
        pagesTotal.set(p, (pagesTotal.get(p) ?? 0) + freePages);
        return {
          pageSize: p,
          freePages,
          unusableIndex: nodeFree === 0 ? 0 : (nodeFree - freePages * p) / nodeFree,
        };
      });
      nodes.push({
        node,
        freeBytes: nodeFree,
        freeExtents: f.length,
        largestFreeExtent: nodeLargest,
        byPageSize,
      });
      freeBytes += nodeFree;
      freeExtents += f.length;
      if (nodeLargest > largest) largest = nodeLargest;
    }
    return {
      freeBytes,
      freeExtents,
      largestFreeExtent: largest,
      externalFragmentation: freeBytes === 0 ? 0 : 1 - largest / freeBytes,
      byPageSize: this.map.pageSizes.map((p) => {
        const freePages = pagesTotal.get(p) ?? 0;
        return {
          pageSize: p,
          freePages,
          unusableIndex: freeBytes === 0 ? 0 : (freeBytes - freePages * p) / freeBytes,
        };
      }),
      nodes,
    };
  }

  private byDistance(from: number): number[] {
    const d = this.map.distances;
    const idx = this.nodeOrder.indexOf(from);
    if (d === undefined || idx < 0) return [...this.nodeOrder];
    return [...this.nodeOrder].sort((a, b) => {
      const da = d[idx]![this.nodeOrder.indexOf(a)]!;
      const db = d[idx]![this.nodeOrder.indexOf(b)]!;
      return da - db || a - b;
    });
  }

  /** Largest amount a request of this shape could get on these nodes. */
  private available(nodes: readonly number[], pageSize: number, contiguous: boolean): number {
    let best = 0;
    let total = 0;
    for (const n of nodes) {
      const f = this.free_.get(n)!;
      for (let i = 0; i < f.length; i++) {
        const a = alignUp(f.starts[i]!, pageSize);
        const b = alignDown(f.ends[i]!, pageSize);
        if (b > a) {
          total += b - a;
          if (b - a > best) best = b - a;
        }
      }
    }
    return contiguous ? best : total;
  }

  /** Best-fit single extent on one of `nodes`: smallest free range that holds it, lowest address on ties. */
  private bestFit(nodes: readonly number[], size: number, pageSize: number): Take | undefined {
    let best: Take | undefined;
    let bestWaste = Number.POSITIVE_INFINITY;
    for (const n of nodes) {
      const f = this.free_.get(n)!;
      for (let i = 0; i < f.length; i++) {
        const s = f.starts[i]!;
        const e = f.ends[i]!;
        const a = alignUp(s, pageSize);
        if (a + size <= e) {
          const waste = e - s - size;
          if (waste < bestWaste) {
            bestWaste = waste;
            best = { node: n, start: a, size };
          }
        }
      }
    }
    return best;
  }

  /** Places `size` bytes on `nodes`, taking the memory; undefined (nothing taken) when impossible. */
  private place(
    nodes: readonly number[],
    size: number,
    pageSize: number,
    contiguous: boolean,
  ): Take[] | undefined {
    const one = this.bestFit(nodes, size, pageSize);
    if (one !== undefined) {
      this.free_.get(one.node)!.take(one.start, one.start + size);
      return [one];
    }
    if (contiguous) return undefined;
    // Prefer a single node that holds it all, then spread over the nodeset.
    const single = nodes.find((n) => this.available([n], pageSize, false) >= size);
    const pool = single !== undefined ? [single] : nodes;
    if (this.available(pool, pageSize, false) < size) return undefined;
    const chunks: Take[] = [];
    for (const n of pool) {
      const f = this.free_.get(n)!;
      for (let i = 0; i < f.length; i++) {
        const a = alignUp(f.starts[i]!, pageSize);
        const b = alignDown(f.ends[i]!, pageSize);
        if (b > a) chunks.push({ node: n, start: a, size: b - a });
      }
    }
    // Largest chunks first keeps the extent count low; address order breaks ties.
    chunks.sort((x, y) => y.size - x.size || x.start - y.start);
    const takes: Take[] = [];
    let remaining = size;
    for (const c of chunks) {
      if (remaining === 0) break;
      const s = Math.min(c.size, remaining);
      takes.push({ node: c.node, start: c.start, size: s });
      remaining -= s;
    }
    takes.sort((x, y) => x.start - y.start);
    for (const t of takes) this.free_.get(t.node)!.take(t.start, t.start + t.size);
    return takes;
  }

  private interleave(
    nodes: readonly number[],
    size: number,
    pageSize: number,
    contiguous: boolean,
  ): Take[] | undefined {
    const pages = size / pageSize;
    const k = nodes.length;
    const done: Take[] = [];
    for (let i = 0; i < k; i++) {
      const share = (Math.floor(pages / k) + (i < pages % k ? 1 : 0)) * pageSize;
      if (share === 0) continue;
      const t = this.place([nodes[i]!], share, pageSize, contiguous);
      if (t === undefined) {
        for (const d of done) this.free_.get(d.node)!.give(d.start, d.start + d.size);
        return undefined;
      }
      done.push(...t);
    }
    return done;
  }
}

function refuse(error: AllocationRefusal): AllocationResult {
  return { ok: false, error };
}

/** Result of {@link planPartitions}. */
export interface PartitionPlan {
  /** One entry per request, in request order: the partition or the refusal. */
  readonly results: readonly AllocationResult[];
  /** The partitioner holding the plan's partitions (for later free/allocate). */
  readonly partitioner: MemoryPartitioner;
}

/** Options of {@link planPartitions}. */
export interface PlanOptions {
  /**
   * `decreasing` (default) places requests by decreasing page size then size — first-fit
   * decreasing keeps large aligned blocks for the requests that need them; `given` keeps the
   * request order.
   */
  readonly order?: "decreasing" | "given";
}

/**
 * Plans static partitions for a set of VM requests on a host.
 *
 * @example
 * ```ts
 * const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 16 * 2 ** 30 });
 * const plan = planPartitions(host, [
 *   { name: "a", size: 4 * 2 ** 30, pageSize: PAGE_1G },
 *   { name: "b", size: 512 * 2 ** 20, pageSize: PAGE_2M, nodeset: [1] },
 * ]);
 * console.log(plan.results.every((r) => r.ok)); // true
 * ```
 */
export function planPartitions(
  map: HostMemoryMap,
  requests: readonly PartitionRequest[],
  options: PlanOptions = {},
): PartitionPlan {
  const partitioner = new MemoryPartitioner(map);
  const order = requests.map((_, i) => i);
  if ((options.order ?? "decreasing") === "decreasing") {
    order.sort((a, b) => {
      const ra = requests[a]!;
      const rb = requests[b]!;
      return (rb.pageSize ?? PAGE_4K) - (ra.pageSize ?? PAGE_4K) || rb.size - ra.size || a - b;
    });
  }
  const results: AllocationResult[] = new Array(requests.length);
  for (const i of order) results[i] = partitioner.allocate(requests[i]!);
  return { results, partitioner };
}
