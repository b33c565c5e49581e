import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { decodeDmar } from "@dyninfra/iommu-model";
import { hostMemoryMapFromHwloc } from "@dyninfra/mem-partitioner";
import { parseHwlocXml, type Topology } from "@dyninfra/vm-core-pinner";
import { NohypeHostError } from "./errors";
import type { HostConfig, NicConfig, RdtConfig } from "./host";
import { hostMemoryMap } from "./host";
import { parseTenantsFile, type Tenant } from "./tenants";

/** The example's bundled data directory. */
export const DATA_DIR = resolve(import.meta.dirname, "../data");
/** hwloc XML of an HP ProLiant SL390s G7 (2 × 6-core Xeon, SMT, 2 NUMA nodes), from hwloc's tests. */
export const HOST_HWLOC = "24em64t-2n6c2t-pci.xml";
/** ACPI DMAR table of a Supermicro X8DTT (two-socket Xeon 5500/5600 server), from linuxhw/ACPI. */
export const HOST_DMAR = "Server_Supermicro_X8DTT_CE92DF29C87C.dmar.bin";
/** The shared data directory (read-only), beside the repository. */
export const SHARED_DATA = resolve(import.meta.dirname, "../../../../shared/data");
/** The largest real topology of the shared data (hwloc test 192em64t-12gr2n8c2t, 384 PUs). */
export const LARGEST_HWLOC = resolve(
  SHARED_DATA,
  "nohype/hwloc/hwloc-tests-xml/192em64t-12gr2n8c2t.xml",
);

/**
 * The 82599 preset: ixgbe with 63 VFs enabled (its `pci_sriov_set_totalvfs` limit), the PF in a
 * PCIe slot at 0000:07:00.0 (a bus the hwloc file leaves free; the SL390s' own NICs are 82576).
 *
 * @example
 * ```ts
 * IXGBE_82599_PRESET.numVfs; // 63
 * ```
 */
export const IXGBE_82599_PRESET: NicConfig = {
  address: { domain: 0, bus: 0x07, device: 0, function: 0 },
  dev: "enp7s0f0",
  pfMac: "00:1b:21:8a:90:00",
  numVfs: 63,
};

/**
 * RDT resources for a topology: L3 CAT with one control domain per L3 (cache size and ways from
 * the topology; 16 ways when unknown), 16 CLOSIDs, `min_cbm_bits` 1; MBA in 10 % steps from 10 %.
 * The Westmere CPUs of the SL390s G7 have no RDT: these are the figures an RDT-capable part of
 * the same cache geometry reports, so the `<cachetune>`/`<memorytune>` the example emits are the
 * ones a CAT/MBA host would apply.
 *
 * @example
 * ```ts
 * rdtFor(topology).l3.cbmMask; // 0xffff
 * ```
 */
export function rdtFor(t: Topology, ways = 16): RdtConfig {
  const size = t.l3Caches[0]?.sizeBytes ?? 12 * 2 ** 20;
  return {
    l3: {
      kind: "cache",
      name: "L3",
      cbmMask: 2 ** ways - 1,
      minCbmBits: 1,
      numClosids: 16,
      domains: t.l3Caches.map((c) => c.osIndex ?? c.index),
      cacheSize: size - (size % ways),
    },
    mb: {
      kind: "bandwidth",
      name: "MB",
      minBandwidth: 10,
      bandwidthGran: 10,
      maxBandwidth: 100,
      archNeedsLinear: true,
      delayLinear: true,
      numClosids: 8,
      domains: t.l3Caches.map((c) => c.osIndex ?? c.index),
    },
    hostWays: 1,
  };
}

/**
 * A host configuration from an hwloc XML file (topology and per-node memory) and a DMAR table,
 * with the 82599 preset.
 *
 * @example
 * ```ts
 * const cfg = hostConfigFrom(readFileSync("host.xml", "utf8"), readFileSync("DMAR"), { name: "h1", switchVlans: [100] });
 * ```
 */
export function hostConfigFrom(
  hwlocXml: string,
  dmarBytes: Uint8Array,
  options: {
    readonly name: string;
    readonly switchVlans: readonly number[];
    readonly hostBytes?: number;
    readonly nic?: NicConfig;
    readonly source?: string;
  },
): HostConfig {
  const topology = parseHwlocXml(hwlocXml, { name: options.source ?? "hwloc" });
  const { memory, hostMemory, iommuTablePool } = hostMemoryMap(
    hostMemoryMapFromHwloc(hwlocXml),
    options.hostBytes ?? 2 * 2 ** 30,
    256 * 2 ** 20,
  );
  return {
    name: options.name,
    topology,
    memory,
    hostMemory,
    iommuTablePool,
    dmar: decodeDmar(dmarBytes),
    nic: options.nic ?? IXGBE_82599_PRESET,
    rdt: rdtFor(topology),
    switchVlans: options.switchVlans,
  };
}

/**
 * A tenants file, JSON or YAML by its extension (`.yaml`/`.yml`); default the bundled
 * `data/tenants.json`.
 *
 * @example
 * ```ts
 * loadTenants()[0]?.name; // "web-a"
 * loadTenants("data/tenants.yaml")[0]?.name; // "web-a"
 * ```
 */
export function loadTenants(path = resolve(DATA_DIR, "tenants.json")): Tenant[] {
  return parseTenantsFile(readFileSync(path, "utf8"), path);
}

/**
 * The real host of the example: SL390s G7 topology and memory, X8DTT DMAR, 82599 preset; the
 * switch port trunks every VLAN of the tenants.
 *
 * @example
 * ```ts
 * const host = new NoHypeHost(realHostConfig(loadTenants()));
 * ```
 */
export function realHostConfig(tenants: readonly Tenant[]): HostConfig {
  const vlans = [...new Set(tenants.flatMap((t) => t.nics.map((n) => n.vlan)))].sort(
    (a, b) => a - b,
  );
  return hostConfigFrom(
    readFileSync(resolve(DATA_DIR, HOST_HWLOC), "utf8"),
    readFileSync(resolve(DATA_DIR, HOST_DMAR)),
    { name: "sl390s-g7", switchVlans: vlans, source: HOST_HWLOC },
  );
}

/** Reads a file or throws {@link NohypeHostError} `NO_DATA`. @example readData("x.xml") */
export function readData(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NohypeHostError("NO_DATA", `cannot read ${path}`, { field: "path" }, { cause: e });
  }
}
