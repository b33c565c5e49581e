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
