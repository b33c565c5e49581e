// Queued invalidation (VT-d §6.5.2): 128-bit invalidation descriptors that software writes into a
// ring in memory (IQA_REG) and hands to the hardware by moving the tail (IQT_REG). Reserved-bit
// masks as in QEMU hw/i386/intel_iommu_internal.h.
import { IommuModelError } from "./errors";
import { PAGE_SIZE } from "./physical-memory";
import type { RemappingHardwareUnit } from "./remapping-hardware";

/** A decoded invalidation descriptor. */
export type InvalidationDescriptor =
  | {
      readonly type: "context-cache";
      readonly granularity: "global" | "domain" | "device";
      readonly domainId: number;
      readonly sourceId: number;
      readonly functionMask: number;
    }
  | {
      readonly type: "iotlb";
      readonly granularity: "global" | "domain" | "page";
      readonly domainId: number;
      readonly drainReads: boolean;
      readonly drainWrites: boolean;
      /** Page-selective only: page address (a bigint at or above 2^53), AM and the hint (IH). */
      readonly address: number | bigint;
      readonly addressMask: number;
      readonly invalidationHint: boolean;
    }
  | {
      readonly type: "interrupt-entry-cache";
      readonly granularity: "global" | "index";
      readonly index: number;
      readonly indexMask: number;
    }
  | {
      readonly type: "wait";
      readonly interruptFlag: boolean;
      readonly statusWrite: boolean;
      readonly fence: boolean;
      readonly statusData: number;
      /** Where the status data is written (4-byte aligned). */
      readonly statusAddress: number;
    };

const GRANULARITY_CC = ["global", "domain", "device"] as const;
const GRANULARITY_IOTLB = ["global", "domain", "page"] as const;

function invalid(why: string, field: string): never {
  throw new IommuModelError("IQE", `invalid invalidation descriptor: ${why}`, { field });
}

function u(v: number, bits: number, field: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits)
    throw new IommuModelError(
      "DESCRIPTOR_FIELD_RANGE",
      `${field} must be an integer in 0..2^${bits}-1`,
      { field },
    );
  return v;
}

/**
 * Encodes an invalidation descriptor as the 16 bytes the hardware fetches.
 *
 * @example
 * ```ts
 * encodeInvalidationDescriptor({ type: "interrupt-entry-cache", granularity: "index", index: 5, indexMask: 0 });
 * ```
 */
export function encodeInvalidationDescriptor(d: InvalidationDescriptor): Uint8Array {
  const w = new Uint32Array(4);
  switch (d.type) {
    case "context-cache":
      w[0] =
        1 |
        ((GRANULARITY_CC.indexOf(d.granularity) + 1) << 4) |
        (u(d.domainId, 16, "domainId") << 16);
      w[1] = u(d.sourceId, 16, "sourceId") | (u(d.functionMask, 2, "functionMask") << 16);
      break;
    case "iotlb": {
      w[0] =
        2 |
        ((GRANULARITY_IOTLB.indexOf(d.granularity) + 1) << 4) |
        (d.drainWrites ? 0x40 : 0) |
        (d.drainReads ? 0x80 : 0) |
        (u(d.domainId, 16, "domainId") << 16);
      const a = BigInt(d.address);
      if (a < 0n || a >= 1n << 64n || a % 4096n !== 0n)
        throw new IommuModelError("DESCRIPTOR_FIELD_RANGE", "address must be 4 KiB aligned", {
          field: "address",
        });
      const hi = Number(a >> 32n);
      w[2] =
        (Number(a & 0xffff_f000n) +
          u(d.addressMask, 6, "addressMask") +
          (d.invalidationHint ? 0x40 : 0)) >>>
        0;
      w[3] = hi >>> 0;
      break;
    }
    case "interrupt-entry-cache":
      w[0] = 4 | (d.granularity === "index" ? 0x10 : 0) | (u(d.indexMask, 5, "indexMask") << 27);
      w[1] = u(d.index, 16, "index");
      break;
    case "wait": {
      w[0] = 5 | (d.interruptFlag ? 0x10 : 0) | (d.statusWrite ? 0x20 : 0) | (d.fence ? 0x40 : 0);
      w[1] = u(d.statusData, 32, "statusData");
      if (
        !Number.isSafeInteger(d.statusAddress) ||
        d.statusAddress < 0 ||
        d.statusAddress % 4 !== 0
      )
        throw new IommuModelError(
          "DESCRIPTOR_FIELD_RANGE",
          "status address must be 4-byte aligned",
          {
            field: "statusAddress",
          },
        );
      const hi = Math.floor(d.statusAddress / 2 ** 32);
      w[2] = (d.statusAddress - hi * 2 ** 32) >>> 0;
      w[3] = hi >>> 0;
      break;
    }
    default:
      throw new IommuModelError("DESCRIPTOR_FIELD_RANGE", "unknown descriptor type", {
        field: "type",
      });
  }
  return new Uint8Array(w.buffer);
}

/**
 * Decodes 16 bytes into an invalidation descriptor. Unknown types, reserved granularities and
 * non-zero reserved bits throw `IQE` (the hardware reports an Invalidation Queue Error).
 *
 * @example
 * ```ts
 * decodeInvalidationDescriptor(encodeInvalidationDescriptor({ type: "iotlb", granularity: "global",
 *   domainId: 0, drainReads: false, drainWrites: false, address: 0, addressMask: 0, invalidationHint: false }));
 * ```
 */
export function decodeInvalidationDescriptor(bytes: Uint8Array): InvalidationDescriptor {
  if (bytes.length !== 16)
    throw new IommuModelError("IQE", "a descriptor has 16 bytes", { offset: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const w0 = view.getUint32(0, true);
  const w1 = view.getUint32(4, true);
  const w2 = view.getUint32(8, true);
  const w3 = view.getUint32(12, true);
  switch (w0 & 0xf) {
    case 1: {
      // Reserved: lo 15:6 and 63:50, hi all (QEMU VTD_INV_DESC_CC_RSVD).
      if ((w0 & 0xffc0) !== 0 || (w1 & 0xfffc_0000) !== 0 || w2 !== 0 || w3 !== 0)
        invalid("reserved bits set", "context-cache");
      const g = (w0 >>> 4) & 3;
      if (g === 0) invalid("granularity 0 is reserved", "G");
      return {
        type: "context-cache",
        granularity: GRANULARITY_CC[g - 1]!,
        domainId: w0 >>> 16,
        sourceId: w1 & 0xffff,
        functionMask: (w1 >>> 16) & 3,
      };
    }
    case 2: {
      // Reserved: lo 15:8 and 63:32, hi 11:7 (QEMU VTD_INV_DESC_IOTLB_RSVD_LO/HI).
      if ((w0 & 0xff00) !== 0 || w1 !== 0 || (w2 & 0xf80) !== 0)
        invalid("reserved bits set", "iotlb");
      const g = (w0 >>> 4) & 3;
      if (g === 0) invalid("granularity 0 is reserved", "G");
      return {
        type: "iotlb",
        granularity: GRANULARITY_IOTLB[g - 1]!,
        domainId: w0 >>> 16,
        drainWrites: (w0 & 0x40) !== 0,
        drainReads: (w0 & 0x80) !== 0,
        address:
          w3 < 0x20_0000
            ? w3 * 2 ** 32 + ((w2 & 0xffff_f000) >>> 0)
            : (BigInt(w3) << 32n) | BigInt((w2 & 0xffff_f000) >>> 0),
        addressMask: w2 & 0x3f,
        invalidationHint: (w2 & 0x40) !== 0,
      };
    }
    case 4:
      // Reserved: lo 26:5 and 63:48, hi all.
      if ((w0 & 0x07ff_ffe0) !== 0 || (w1 & 0xffff_0000) !== 0 || w2 !== 0 || w3 !== 0)
        invalid("reserved bits set", "interrupt-entry-cache");
      return {
        type: "interrupt-entry-cache",
        granularity: (w0 & 0x10) !== 0 ? "index" : "global",
        indexMask: w0 >>> 27,
        index: w1 & 0xffff,
      };
    case 5:
      // Reserved: lo 31:7, hi 1:0 (QEMU VTD_INV_DESC_WAIT_RSVD_LO/HI).
      if ((w0 & 0xffff_ff80) !== 0 || (w2 & 3) !== 0) invalid("reserved bits set", "wait");
      return {
        type: "wait",
        interruptFlag: (w0 & 0x10) !== 0,
        statusWrite: (w0 & 0x20) !== 0,
        fence: (w0 & 0x40) !== 0,
        statusData: w1 >>> 0,
        statusAddress: w3 * 2 ** 32 + (w2 >>> 0),
      };
    default:
      return invalid(
        `type ${w0 & 0xf} is not supported (device-IOTLB and PASID descriptors need ATS/scalable mode)`,
        "type",
      );
  }
}

/** Outcome of {@link InvalidationQueue.setTail}. */
export type InvalidationQueueResult =
  | { readonly ok: true; readonly processed: number; readonly head: number }
  | {
      /** FSTS.IQE: the descriptor at `head` is invalid; processing stopped there. */
      readonly ok: false;
      readonly processed: number;
      readonly head: number;
      readonly error: IommuModelError;
    };

/**
 * The invalidation queue of a {@link RemappingHardwareUnit} (128-bit descriptors): a ring of
 * 256 × 2^QS descriptors at IQA in host memory. Software writes descriptors at the tail and moves
 * IQT; the hardware executes them in order, writes wait-descriptor status, and stops at an invalid
 * descriptor (IQE).
 *
 * @example
 * ```ts
 * const iq = new InvalidationQueue(unit, { address: 0x7000, sizeField: 0 });
 * iq.submit([{ type: "iotlb", granularity: "domain", domainId: 3, drainReads: false, drainWrites: false,
 *   address: 0, addressMask: 0, invalidationHint: false }]);
 * ```
 */
export class InvalidationQueue {
  readonly unit: RemappingHardwareUnit;
  readonly address: number;
  /** Ring size in descriptors. */
  readonly entries: number;
  private headIndex = 0;
  private tailIndex = 0;

  constructor(unit: RemappingHardwareUnit, iqa: { address: number; sizeField: number }) {
    const { address, sizeField } = iqa;
    if (!Number.isInteger(sizeField) || sizeField < 0 || sizeField > 7)
      throw new IommuModelError("HW_REGISTER", "IQA queue size QS must be 0..7", {
        field: "IQA_REG.QS",
      });
    this.entries = 256 * 2 ** sizeField;
    if (
      !Number.isInteger(address) ||
      address % PAGE_SIZE !== 0 ||
      !unit.memory.contains(address, this.entries * 16)
    )
      throw new IommuModelError("HW_REGISTER", "IQA must be a 4 KiB aligned ring inside memory", {
        field: "IQA_REG",
      });
    this.unit = unit;
    this.address = address;
  }

  /** IQH: index of the next descriptor the hardware will fetch. */
  get head(): number {
    return this.headIndex;
  }

  /** IQT: index one past the last descriptor software has submitted. */
  get tail(): number {
    return this.tailIndex;
  }

  /**
   * Moves IQT to `tail` and lets the hardware execute descriptors from IQH up to it.
   *
   * @example
   * ```ts
   * unit.memory.write(iq.address + iq.tail * 16, encodeInvalidationDescriptor(desc));
   * iq.setTail((iq.tail + 1) % iq.entries);
   * ```
   */
  setTail(tail: number): InvalidationQueueResult {
    if (!Number.isInteger(tail) || tail < 0 || tail >= this.entries)
      throw new IommuModelError("HW_REGISTER", `IQT must be 0..${this.entries - 1}`, {
        field: "IQT_REG",
      });
    this.tailIndex = tail;
    let processed = 0;
    while (this.headIndex !== this.tailIndex) {
      const at = this.address + this.headIndex * 16;
      try {
        execute(this.unit, decodeInvalidationDescriptor(this.unit.memory.read(at, 16)));
      } catch (e) {
        if (!IommuModelError.isInstance(e)) throw e;
        return { ok: false, processed, head: this.headIndex, error: e };
      }
      processed++;
      this.headIndex = (this.headIndex + 1) % this.entries;
    }
    return { ok: true, processed, head: this.headIndex };
  }

  /**
   * Writes descriptors at the tail and submits them (software's usual sequence).
   *
   * @example
   * ```ts
   * iq.submit([{ type: "interrupt-entry-cache", granularity: "global", index: 0, indexMask: 0 }]);
   * ```
   */
  submit(descriptors: readonly InvalidationDescriptor[]): InvalidationQueueResult {
    if (descriptors.length >= this.entries)
      throw new IommuModelError("IQ_FULL", "more descriptors than the queue holds", {
        field: "descriptors",
      });
    let t = this.tailIndex;
    for (const d of descriptors) {
      this.unit.memory.write(this.address + t * 16, encodeInvalidationDescriptor(d));
      t = (t + 1) % this.entries;
    }
    return this.setTail(t);
  }
}

function execute(unit: RemappingHardwareUnit, d: InvalidationDescriptor): void {
  switch (d.type) {
    case "context-cache":
      if (d.granularity === "global") unit.invalidateContextCache({ granularity: "global" });
      else if (d.granularity === "domain")
        unit.invalidateContextCache({ granularity: "domain", domainId: d.domainId });
      else
        unit.invalidateContextCache({
          granularity: "device",
          sourceId: d.sourceId,
          functionMask: d.functionMask,
        });
      return;
    case "iotlb":
      if (d.granularity === "global") unit.invalidateIotlb({ granularity: "global" });
      else if (d.granularity === "domain")
        unit.invalidateIotlb({ granularity: "domain", domainId: d.domainId });
      else {
        if (d.addressMask > 18 || BigInt(d.address) % 2n ** BigInt(12 + d.addressMask) !== 0n)
          invalid("address not aligned to AM", "ADDR");
        unit.invalidateIotlb({
          granularity: "page",
          domainId: d.domainId,
          address: d.address,
          addressMask: d.addressMask,
        });
      }
      return;
    case "interrupt-entry-cache":
      if (d.granularity === "global") unit.invalidateInterruptEntryCache({ granularity: "global" });
      else
        unit.invalidateInterruptEntryCache({
          granularity: "index",
          index: d.index,
          indexMask: d.indexMask,
        });
      return;
    case "wait":
      if (d.statusWrite) {
        if (!unit.memory.contains(d.statusAddress, 4))
          invalid("status address outside memory", "STATUS_ADDR");
        const data = new Uint8Array(4);
        new DataView(data.buffer).setUint32(0, d.statusData, true);
        unit.memory.write(d.statusAddress, data);
      }
      return;
  }
}
