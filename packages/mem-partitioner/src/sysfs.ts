import { MemPartitionerError } from "./errors";
import {
  createHostMemoryMap,
  type HostMemoryMap,
  isPageSize,
  type NumaNodeMemory,
  PAGE_1G,
  PAGE_4K,
  type PageSize,
  type PhysRange,
} from "./memory-map";

/** Read access to a Linux sysfs tree: paths relative to its root (e.g. `sys/devices/system/node`). */
export interface SysfsReader {
  /** The file's text, or undefined when it does not exist. */
  read(path: string): string | undefined;
  /** The names in a directory, or an empty list when it does not exist. */
  list(path: string): readonly string[];
}

const NODE_DIR = "sys/devices/system/node";

/**
 * A host memory map from a Linux sysfs tree (a live `/`, or a tree gathered by
 * `hwloc-gather-topology`): one node per `sys/devices/system/node/nodeN` with the `MemTotal` of
 * its `meminfo` (`Node N MemTotal: K kB`), page sizes from `hugepages/hugepages-<K>kB`
 * directories (per node and in `sys/kernel/mm/hugepages`), distances from `nodeN/distance`.
 * Without NUMA directories, `proc/meminfo`'s `MemTotal` gives a single node 0. sysfs gives sizes
 * per node, not addresses, so nodes are laid out one after the other in the x86 shape.
 *
 * @throws {@link MemPartitionerError} `BAD_SYSFS` with the file and line when a meminfo has no
 * `MemTotal`, or no memory size is found at all.
 * @example
 * ```ts
 * const map = hostMemoryMapFromSysfs(fsSysfsReader("/"));
 * console.log(map.nodes.map((n) => n.node), map.pageSizes);
 * ```
 */
export function hostMemoryMapFromSysfs(reader: SysfsReader): HostMemoryMap {
  const sizes = new Set<PageSize>([PAGE_4K]);
  const addHuge = (dir: string) => {
    for (const name of reader.list(dir)) {
      const m = /^hugepages-(\d+)kB$/.exec(name);
      if (m) {
        const s = Number(m[1]) * 1024;
        if (isPageSize(s)) sizes.add(s);
      }
    }
  };
  addHuge("sys/kernel/mm/hugepages");
  const nodeIds = reader
    .list(NODE_DIR)
    .map((n) => /^node(\d+)$/.exec(n)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const found: { node: number; bytes: number }[] = [];
  const distanceRows: number[][] = [];
  for (const id of nodeIds) {
    const file = `${NODE_DIR}/node${id}/meminfo`;
    const text = reader.read(file);
    if (text === undefined) {
      found.push({ node: id, bytes: 0 });
    } else {
      const lines = text.split("\n");
      const line = lines.findIndex((l) => /^Node\s+\d+\s+MemTotal:/.test(l));
      const m = line < 0 ? null : /MemTotal:\s+(\d+)\s+kB/.exec(lines[line]!);
      if (m === null) {
        throw new MemPartitionerError("BAD_SYSFS", `${file} has no "MemTotal: N kB" line`, {
          field: file,
          ...(line >= 0 ? { line: line + 1 } : {}),
        });
      }
      found.push({ node: id, bytes: Number(m[1]) * 1024 });
    }
    addHuge(`${NODE_DIR}/node${id}/hugepages`);
    const d = reader.read(`${NODE_DIR}/node${id}/distance`);
    distanceRows.push(d === undefined ? [] : d.trim().split(/\s+/).map(Number));
  }
  if (found.length === 0) {
    const text = reader.read("proc/meminfo");
    const m = text === undefined ? null : /^MemTotal:\s+(\d+)\s+kB/m.exec(text);
    if (m === null) {
      throw new MemPartitionerError(
        "BAD_SYSFS",
        "no NUMA node directories and no proc/meminfo MemTotal",
        {
          field: "proc/meminfo",
        },
      );
    }
    found.push({ node: 0, bytes: Number(m[1]) * 1024 });
  }
  const nodes: NumaNodeMemory[] = [];
  let cursor = 0;
  for (const { node, bytes: raw } of found) {
    const bytes = raw - (raw % PAGE_4K);
    const ranges: PhysRange[] = [];
    let remaining = bytes;
    if (remaining > 0 && cursor < 3 * PAGE_1G) {
      const low = Math.min(remaining, 3 * PAGE_1G - cursor);
      ranges.push({ start: cursor, end: cursor + low });
      remaining -= low;
      cursor += low;
      if (cursor === 3 * PAGE_1G) cursor = 4 * PAGE_1G;
    }
    if (remaining > 0) {
      ranges.push({ start: cursor, end: cursor + remaining });
      cursor += remaining;
    }
    nodes.push({ node, ranges });
  }
  const n = nodes.length;
  const square =
    distanceRows.length === n &&
    distanceRows.every((r) => r.length === n && r.every(Number.isFinite));
  const first = nodes.find((x) => x.ranges.length > 0);
  return createHostMemoryMap({
    nodes,
    reserved:
      first !== undefined && first.ranges[0]!.end >= 0x10_0000 && first.ranges[0]!.start === 0
        ? [{ start: 0, end: 0x10_0000, label: "firmware" }]
        : [],
    pageSizes: [...sizes],
    ...(square ? { distances: distanceRows } : {}),
  });
}
