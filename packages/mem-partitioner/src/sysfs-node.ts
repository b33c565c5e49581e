import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { SysfsReader } from "./sysfs";

/**
 * A {@link SysfsReader} over a directory: `"/"` for the running host, or the root of a tree
 * gathered by `hwloc-gather-topology`.
 *
 * @example
 * ```ts
 * const map = hostMemoryMapFromSysfs(fsSysfsReader("/"));
 * ```
 */
export function fsSysfsReader(root: string): SysfsReader {
  return {
    read(p) {
      try {
        return readFileSync(path.join(root, p), "utf8");
      } catch {
        return undefined;
      }
    },
    list(p) {
      try {
        return readdirSync(path.join(root, p));
      } catch {
        return [];
      }
    },
  };
}
