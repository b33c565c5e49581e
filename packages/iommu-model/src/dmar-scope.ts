// Which remapping unit and which reserved memory regions apply to a PCI device, from the DMAR
// device scopes (VT-d spec §8.3.2 "Device Scope Rules" and §8.4).
import type { DeviceScope, DmarTable, DrhdStructure, RhsaStructure, RmrrStructure } from "./dmar";
import { DeviceScopeType, DRHD_FLAG_INCLUDE_PCI_ALL } from "./dmar";
import { IommuModelError } from "./errors";

/**
 * A PCI device in a segment: requester id `bus << 8 | device << 3 | function`.
 *
 * @example
 * ```ts
 * const vf: PciDeviceRef = { segment: 0, sourceId: sourceIdOf(0x3b, 0x10, 1) };
 * ```
 */
export interface PciDeviceRef {
  readonly segment: number;
  readonly sourceId: number;
}

/**
 * Resolves a PCI sub-hierarchy scope (a bridge) to its bus range. DMAR only names the bridge by
 * path; the secondary/subordinate bus numbers come from PCI configuration space.
 *
 * @example
 * ```ts
 * const buses: BridgeBusRange = (scope) => (scope.path[0]?.device === 1 ? [2, 5] : undefined);
 * ```
 */
export type BridgeBusRange = (
  scope: DeviceScope,
) => readonly [secondary: number, subordinate: number] | undefined;

/** Requester id named by a scope: the last hop of its path from the start bus (single-hop only). */
function scopeSourceId(scope: DeviceScope, bridgeBuses?: BridgeBusRange): number | undefined {
  if (scope.path.length === 0) return undefined;
  let bus = scope.startBusNumber;
  for (let i = 0; i < scope.path.length - 1; i++) {
    // Intermediate hops are bridges; their secondary bus needs configuration space.
    const hop = { ...scope, path: scope.path.slice(0, i + 1) };
    const range = bridgeBuses?.(hop);
    if (range === undefined) return undefined;
    bus = range[0];
  }
  const last = scope.path[scope.path.length - 1]!;
  return (bus << 8) | ((last.device & 0x1f) << 3) | (last.function & 7);
}

function matches(scope: DeviceScope, sourceId: number, bridgeBuses?: BridgeBusRange): boolean {
  const sid = scopeSourceId(scope, bridgeBuses);
  if (sid === undefined) return false;
  if (scope.type === DeviceScopeType.PCI_ENDPOINT) return sid === sourceId;
  if (scope.type === DeviceScopeType.PCI_SUB_HIERARCHY) {
    if (sid === sourceId) return true;
    const range = bridgeBuses?.(scope);
    const bus = sourceId >>> 8;
    return range !== undefined && bus >= range[0] && bus <= range[1];
  }
  return false;
}

function checkDevice(device: PciDeviceRef): void {
  if (!Number.isInteger(device.sourceId) || device.sourceId < 0 || device.sourceId > 0xffff)
    throw new IommuModelError("SOURCE_ID", "source-id must be 0..65535", { field: "sourceId" });
  if (!Number.isInteger(device.segment) || device.segment < 0 || device.segment > 0xffff)
    throw new IommuModelError("SEGMENT", "segment must be 0..65535", { field: "segment" });
}

/**
 * The DRHD (remapping unit) that translates DMA of `device`: the unit whose scope lists it (as an
 * endpoint or below a listed bridge), else the segment's INCLUDE_PCI_ALL unit (VT-d §8.3.2).
 * Bridge scopes need `bridgeBuses` to know their bus range.
 *
 * @example
 * ```ts
 * const unit = findDrhd(table, { segment: 0, sourceId: sourceIdOf(0, 2, 0) });
 * unit?.registerBaseAddress; // 0xfed90000n on a laptop whose iGPU has its own unit
 * ```
 */
export function findDrhd(
  table: DmarTable,
  device: PciDeviceRef,
  bridgeBuses?: BridgeBusRange,
): DrhdStructure | undefined {
  checkDevice(device);
  const units = table.structures.filter(
    (s): s is DrhdStructure => s.kind === "DRHD" && s.segment === device.segment,
  );
  const listed = units.find(
    (u) =>
      (u.flags & DRHD_FLAG_INCLUDE_PCI_ALL) === 0 &&
      u.deviceScopes.some((s) => matches(s, device.sourceId, bridgeBuses)),
  );
  return listed ?? units.find((u) => (u.flags & DRHD_FLAG_INCLUDE_PCI_ALL) !== 0);
}

/**
 * The reserved memory regions (RMRR) the device may DMA to and which its domain must identity-map.
 *
 * @example
 * ```ts
 * for (const r of findRmrrs(table, { segment: 0, sourceId: 0x00a0 })) console.log(r.baseAddress, r.limitAddress);
 * ```
 */
export function findRmrrs(
  table: DmarTable,
  device: PciDeviceRef,
  bridgeBuses?: BridgeBusRange,
): RmrrStructure[] {
  checkDevice(device);
  return table.structures.filter(
    (s): s is RmrrStructure =>
      s.kind === "RMRR" &&
      s.segment === device.segment &&
      s.deviceScopes.some((d) => matches(d, device.sourceId, bridgeBuses)),
  );
}

/**
 * The NUMA proximity domain of a remapping unit (from RHSA), if the table reports one.
 *
 * @example
 * ```ts
 * proximityDomainOf(table, 0xfbffc000n); // 1 on a two-socket Supermicro X10DAi
 * ```
 */
export function proximityDomainOf(
  table: DmarTable,
  registerBaseAddress: bigint,
): number | undefined {
  return table.structures.find(
    (s): s is RhsaStructure => s.kind === "RHSA" && s.registerBaseAddress === registerBaseAddress,
  )?.proximityDomain;
}

/**
 * Capabilities for a `RemappingHardwareUnit` from the DMAR header: the host address width
 * (Host Address Width field + 1) and whether interrupt remapping is supported (INTR_REMAP).
 *
 * @example
 * ```ts
 * const { hostAddressWidth } = platformCapabilities(table); // 39 for HAW field 0x26
 * ```
 */
export function platformCapabilities(table: DmarTable): {
  hostAddressWidth: number;
  interruptRemapping: boolean;
} {
  return {
    hostAddressWidth: table.hostAddressWidth + 1,
    interruptRemapping: (table.flags & 1) !== 0,
  };
}
