// What the host programs into a device's MSI/MSI-X table and IRT to route its interrupts through
// interrupt remapping (VT-d §5.1.2.2 remappable format, §9.10 IRTE).
import { IommuModelError } from "./errors";
import type { MsiMessage } from "./remapping-hardware";
import type { InterruptRemapEntry } from "./vtd-entries";

/** Options of {@link interruptRemapEntry}. */
export interface InterruptRemapEntryOptions {
  readonly vector: number;
  /** APIC id (x2APIC 32-bit id when EIME = 1; with EIME = 0 pass `apicId << 8`). */
  readonly destinationId: number;
  /** Requester id allowed to raise this interrupt (the VF's source-id). */
  readonly sourceId: number;
  /** `requester-id` (SVT 1, default), `bus-range` (SVT 2: sourceId = endBus << 8 | startBus) or `none`. */
  readonly sourceValidation?: "requester-id" | "bus-range" | "none";
  /** SQ for `requester-id`: function bits to ignore (0 none, 1 bit 2, 2 bits 2:1, 3 bits 2:0). */
  readonly sourceIdQualifier?: number;
  readonly destinationModeLogical?: boolean;
  /** DLM, default 0 (fixed). */
  readonly deliveryMode?: number;
  readonly triggerModeLevel?: boolean;
  readonly redirectionHint?: boolean;
  readonly faultProcessingDisable?: boolean;
}

/**
 * A present IRTE in remapped format that delivers `vector` to `destinationId`, accepting the
 * interrupt only from `sourceId` (full requester-id verification unless told otherwise).
 *
 * @example
 * ```ts
 * driver.setIrte(12, interruptRemapEntry({ vector: 0x41, destinationId: 6, sourceId: sourceIdOf(0x3b, 0x10, 1) }));
 * ```
 */
export function interruptRemapEntry(o: InterruptRemapEntryOptions): InterruptRemapEntry {
  const svt = { "requester-id": 1, "bus-range": 2, none: 0 }[o.sourceValidation ?? "requester-id"];
  if (svt === undefined)
    throw new IommuModelError(
      "IRTE_OPTION",
      "sourceValidation must be requester-id, bus-range or none",
      {
        field: "sourceValidation",
      },
    );
  return {
    present: true,
    faultProcessingDisable: o.faultProcessingDisable ?? false,
    destinationModeLogical: o.destinationModeLogical ?? false,
    redirectionHint: o.redirectionHint ?? false,
    triggerModeLevel: o.triggerModeLevel ?? false,
    deliveryMode: o.deliveryMode ?? 0,
    available: 0,
    irteMode: 0,
    vector: o.vector,
    destinationId: o.destinationId,
    sourceId: o.sourceId,
    sourceIdQualifier: o.sourceIdQualifier ?? 0,
    sourceValidationType: svt,
  };
}

/**
 * The MSI address/data in remappable format for interrupt handle `handle` (VT-d §5.1.2.2):
 * 0xFEE in bits 31:20, handle[14:0] in 19:5, format bit 4 = 1, SHV bit 3, handle[15] in bit 2;
 * with a subhandle (MSI multi-vector) the data carries it and SHV is set.
 *
 * @example
 * ```ts
 * remappableMsi(12); // { address: 0xfee00190, data: 0 }
 * ```
 */
export function remappableMsi(handle: number, subhandle?: number): MsiMessage {
  if (!Number.isInteger(handle) || handle < 0 || handle > 0xffff)
    throw new IommuModelError("MSI_HANDLE", "handle must be 0..65535", { field: "handle" });
  if (
    subhandle !== undefined &&
    (!Number.isInteger(subhandle) || subhandle < 0 || subhandle > 0xffff)
  )
    throw new IommuModelError("MSI_HANDLE", "subhandle must be 0..65535", { field: "subhandle" });
  const address =
    0xfee0_0000 +
    ((handle & 0x7fff) << 5) +
    0x10 +
    (subhandle !== undefined ? 0x8 : 0) +
    ((handle >>> 15) << 2);
  return { address, data: subhandle ?? 0 };
}

/**
 * An MSI in compatibility format (Intel SDM vol. 3 §11.11), as a device would send it without
 * interrupt remapping: destination in address bits 19:12, vector in data 7:0.
 *
 * @example
 * ```ts
 * compatibilityMsi({ destinationId: 3, vector: 0x31 }); // { address: 0xfee03000, data: 0x31 }
 * ```
 */
export function compatibilityMsi(o: {
  destinationId: number;
  vector: number;
  deliveryMode?: number;
  destinationModeLogical?: boolean;
  redirectionHint?: boolean;
  triggerModeLevel?: boolean;
}): MsiMessage {
  for (const [v, bits, f] of [
    [o.destinationId, 8, "destinationId"],
    [o.vector, 8, "vector"],
    [o.deliveryMode ?? 0, 3, "deliveryMode"],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits)
      throw new IommuModelError("MSI_FIELD", `${f} must be 0..${2 ** bits - 1}`, { field: f });
  const address =
    0xfee0_0000 +
    (o.destinationId << 12) +
    (o.redirectionHint ? 8 : 0) +
    (o.destinationModeLogical ? 4 : 0);
  const data = o.vector | ((o.deliveryMode ?? 0) << 8) | (o.triggerModeLevel ? 0xc000 : 0);
  return { address, data };
}
