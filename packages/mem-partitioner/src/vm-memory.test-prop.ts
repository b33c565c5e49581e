import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MemoryPartitioner } from "./partitioner";
import { arbitraryHostMemoryMap, arbitraryPartitionRequest } from "./testing";
import { allocateVmMemory, checkMemoryIsolation, type VmMemory } from "./vm-memory";

test.prop(
  [
    arbitraryHostMemoryMap().chain((map) =>
      fc.tuple(
        fc.constant(map),
        fc.array(arbitraryPartitionRequest(map.nodes.length), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 4 }),
      ),
    ),
  ],
  { numRuns: 60 },
)(
  "VMs allocated from one partitioner are isolated: no shared host memory, EPT pages unreachable",
  ([map, requests, frees]) => {
    const partitioner = new MemoryPartitioner(map);
    const vms: VmMemory[] = [];
    requests.forEach((r, i) => {
      const vm = allocateVmMemory(partitioner, { ...r, name: `vm${i}` });
      if (vm.ok) vms.push(vm.value);
      // Free some VMs along the way so later ones reuse their memory.
      const k = frees[i];
      if (k !== undefined && vms.length > 0) {
        const [gone] = vms.splice(k % vms.length, 1);
        partitioner.free(gone!.partition.id);
        partitioner.free(gone!.tables.id);
      }
    });
    expect(checkMemoryIsolation(vms.map((v) => ({ name: v.partition.name, ept: v.ept })))).toEqual(
      [],
    );
    for (const v of vms)
      expect(v.ept.leaves().reduce((s, l) => s + l.pageSize, 0)).toBe(v.partition.size);
  },
);
