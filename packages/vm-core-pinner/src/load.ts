import { existsSync, readFileSync, statSync } from "node:fs";
import { VmCorePinnerError } from "./errors";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { parseHwlocXml } from "./hwloc-xml";
import { parseLibvirtCapabilities } from "./libvirt-capabilities";
import { loadSysfsDirectory, loadSysfsTarball, parseSysfsDump } from "./sysfs";
import type { Topology } from "./topology";

/** The topology formats {@link loadTopology} recognises. */
export type TopologyFormat =
  | "hwloc-xml"
  | "libvirt-capabilities"
  | "sysfs-directory"
  | "sysfs-tarball"
  | "sysfs-dump"
  | "hwloc-synthetic";

/**
 * Which topology format some bytes are (by content, not by file name).
 *
 * @example
 * ```ts
 * detectTopologyFormat(new TextEncoder().encode("<capabilities><host/></capabilities>")); // "libvirt-capabilities"
 * ```
 */
export function detectTopologyFormat(data: Uint8Array): TopologyFormat | null {
  if (data[0] === 0x42 && data[1] === 0x5a && data[2] === 0x68) return "sysfs-tarball"; // "BZh"
  if (data[0] === 0x1f && data[1] === 0x8b) return "sysfs-tarball"; // gzip
  if (data.length > 262 && new TextDecoder().decode(data.subarray(257, 262)) === "ustar")
    return "sysfs-tarball";
  const head = new TextDecoder().decode(data.subarray(0, 4096));
  const noComments = head
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<\?[\s\S]*?\?>/g, "")
    .replace(/<!DOCTYPE[^>]*>/g, "");
  const tag = /<([A-Za-z_][\w:.-]*)/.exec(noComments);
  if (tag?.[1] === "topology") return "hwloc-xml";
  if (tag?.[1] === "capabilities") return "libvirt-capabilities";
  if (/^\/?sys\/devices\/system\/cpu\/[^:\n]+:/m.test(head)) return "sysfs-dump";
  if (/^\s*(\([^)]*\)\s*)?[A-Za-z][A-Za-z0-9]*:\d+/.test(head) && !head.includes("\n"))
    return "hwloc-synthetic";
  return null;
}

/**
 * Load a topology from any supported source: a file (hwloc XML v1/v2/v3, libvirt capabilities
 * XML, a `.tar.bz2`/`.tar.gz`/`.tar` sysfs tarball, a `path: value` sysfs dump), a directory holding
 * `sys/` (`/` for this machine), or an hwloc synthetic string (`synthetic:pack:2 core:4 pu:2`,
 * or a bare synthetic string that is not an existing path).
 *
 * @throws {@link VmCorePinnerError} `TOPOLOGY_UNKNOWN_FORMAT`, `TOPOLOGY_NOT_FOUND`, or the parser's error.
 * @example
 * ```ts
 * const t = loadTopology("synthetic:pack:2 numa:4 core:32 pu:2");
 * t.cpus.length; // 512
 * ```
 */
export function loadTopology(source: string): Topology {
  if (source.startsWith("synthetic:"))
    return parseHwlocSynthetic(source.slice("synthetic:".length));
  if (!existsSync(source)) {
    if (/^\s*[A-Za-z][A-Za-z0-9]*:\d+/.test(source)) return parseHwlocSynthetic(source);
    throw new VmCorePinnerError("TOPOLOGY_NOT_FOUND", `no such file or directory: ${source}`, {
      field: "topology",
    });
  }
  if (statSync(source).isDirectory()) return loadSysfsDirectory(source);
  const data = readFileSync(source);
  const format = detectTopologyFormat(data);
  const text = () => new TextDecoder().decode(data);
  switch (format) {
    case "sysfs-tarball":
      return loadSysfsTarball(data, { name: source });
    case "hwloc-xml":
      return parseHwlocXml(text(), { name: source });
    case "libvirt-capabilities":
      return parseLibvirtCapabilities(text(), { name: source });
    case "sysfs-dump":
      return parseSysfsDump(text(), { name: source });
    case "hwloc-synthetic":
      return parseHwlocSynthetic(text().trim());
    default:
      throw new VmCorePinnerError(
        "TOPOLOGY_UNKNOWN_FORMAT",
        `${source}: not hwloc XML, libvirt capabilities, a sysfs tarball or dump, or a synthetic description`,
        { offset: 0, field: "topology" },
      );
  }
}
