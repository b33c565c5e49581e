import { type EptPermissions, EptTables, RWX } from "./ept";
import { PAGE_4K } from "./memory-map";
import type {
  AllocationRefusal,
  MemoryPartitioner,
  Partition,
  PartitionRequest,
} from "./partitioner";

/** A VM's memory: its partition, the host pages holding its EPT, and the EPT itself. */
export interface VmMemory {
  /** The guest's memory partition. */
  readonly partition: Partition;
  /** A 4 KiB-page, host-contiguous partition holding the EPT paging structures (never guest-mapped). */
  readonly tables: Partition;
  /** The EPT mapping exactly `partition`, its PML4 at `tables`' first byte. */
  readonly ept: EptTables;
}

/** Options of {@link allocateVmMemory}. */
export interface VmMemoryOptions {
  /** Guest permissions on its memory. Default RWX. */
  readonly permissions?: EptPermissions;
  /** EPTP bit 6: accessed/dirty flags. Default false. */
  readonly accessedDirty?: boolean;
}

/** Result of {@link allocateVmMemory}. */
export type VmMemoryResult =
  | { readonly ok: true; readonly value: VmMemory }
  | { readonly ok: false; readonly error: AllocationRefusal };

/**
 * Allocates a VM's partition and, from the same partitioner, a contiguous host region for its
 * EPT (on the partition's first node when possible), then builds the EPT there. Atomic: on a
 * refusal nothing stays allocated. Free both `partition.id` and `tables.id` to release the VM.
 *
 * @example
 * ```ts
 * const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 64 * 2 ** 30 });
 * const partitioner = new MemoryPartitioner(host);
 * const vm = allocateVmMemory(partitioner, { name: "vm1", size: 8 * 2 ** 30, pageSize: PAGE_1G, nodeset: [0] });
 * if (vm.ok) console.log(vm.value.ept.eptp.toString(16), vm.value.ept.translate(0x1000, "read"));
 * ```
 */
export function allocateVmMemory(
  partitioner: MemoryPartitioner,
  request: PartitionRequest,
  options: VmMemoryOptions = {},
): VmMemoryResult {
  const p = partitioner.allocate(request);
  if (!p.ok) return p;
  const permissions = options.permissions ?? RWX;
  const mappings = p.value.extents.map((e) => ({
    gpa: e.guestStart,
    hpa: e.hostStart,
    size: e.size,
    permissions,
  }));
  const pages = EptTables.pagesNeeded(mappings);
  const tableRequest = {
    name: `${request.name} EPT`,
    size: pages * PAGE_4K,
    pageSize: PAGE_4K,
    contiguous: true,
  } as const;
  let t = partitioner.allocate({ ...tableRequest, nodeset: [p.value.nodes[0]!] });
  if (!t.ok) t = partitioner.allocate(tableRequest);
  if (!t.ok) {
    partitioner.free(p.value.id);
    return t;
  }
  const ept = EptTables.build(mappings, {
    tableBase: t.value.extents[0]!.hostStart,
    accessedDirty: options.accessedDirty ?? false,
  });
  return { ok: true, value: { partition: p.value, tables: t.value, ept } };
}

/** A breach of memory isolation found by {@link checkMemoryIsolation}. */
export interface IsolationViolation {
  /** `shared-memory`: two VMs' EPTs reach the same host bytes; `maps-ept-tables`: a VM's EPT reaches EPT pages. */
  readonly kind: "shared-memory" | "maps-ept-tables";
  /** The VM whose EPT reaches the memory. */
  readonly vm: string;
  /** The other VM (shared memory) or the owner of the EPT pages. */
  readonly other: string;
  /** First host byte of the overlap. */
  readonly start: number;
  /** End (exclusive) of the overlap. */
  readonly end: number;
}

/** A VM as {@link checkMemoryIsolation} sees it: a name, its EPT, and where its EPT pages live. */
export interface IsolationSubject {
  readonly name: string;
  readonly ept: EptTables;
}

function hostRanges(ept: EptTables): [number, number][] {
  const out: [number, number][] = [];
  for (const l of ept.leaves()) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === l.hpa) last[1] = l.hpa + l.pageSize;
    else out.push([l.hpa, l.hpa + l.pageSize]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Checks NoHype memory isolation over a set of VMs by walking their EPTs: no host byte is
 * reachable from two VMs, and no VM reaches any VM's EPT pages (its own included) — so no guest
 * can read or rewrite a translation. Returns the violations (empty when isolated).
 *
 * @example
 * ```ts
 * const vms = [vm1, vm2].map((v) => ({ name: v.partition.name, ept: v.ept }));
 * console.log(checkMemoryIsolation(vms)); // []
 * ```
 */
export function checkMemoryIsolation(vms: readonly IsolationSubject[]): IsolationViolation[] {
  const ranges = vms.map((v) => hostRanges(v.ept));
  const tables = vms.map(
    (v) => [v.ept.tableBase, v.ept.tableBase + v.ept.tablePages * PAGE_4K] as [number, number],
  );
  const out: IsolationViolation[] = [];
  const overlaps = (a: [number, number][], s: number, e: number) =>
    a.filter(([x, y]) => x < e && s < y).map(([x, y]) => [Math.max(x, s), Math.min(y, e)] as const);
  vms.forEach((v, i) => {
    for (const [s, e] of ranges[i]!) {
      vms.forEach((w, j) => {
        if (j > i) {
          for (const [a, b] of overlaps(ranges[j]!, s, e)) {
            out.push({ kind: "shared-memory", vm: v.name, other: w.name, start: a, end: b });
          }
        }
        for (const [a, b] of overlaps([tables[j]!], s, e)) {
          out.push({ kind: "maps-ept-tables", vm: v.name, other: w.name, start: a, end: b });
        }
      });
    }
  });
  return out;
}
