// Host physical memory as the remapping hardware sees it: sparse 4 KiB frames, zero until
// written, with a fixed size beyond which accesses abort (which the hardware reports as faults).
import { IommuModelError } from "./errors";

/**
 * Size of a VT-d page and of every remapping table (root, context, second-level, IRT page).
 *
 * @example
 * ```ts
 * const frame = Math.floor(address / PAGE_SIZE);
 * ```
 */
export const PAGE_SIZE = 4096;

/**
 * Options of {@link PhysicalMemory}.
 *
 * @example
 * ```ts
 * new PhysicalMemory({ size: 2 ** 34 });
 * ```
 */
export interface PhysicalMemoryOptions {
  /** Installed memory in bytes: a multiple of 4096, at most 2^52. */
  readonly size: number;
}

/**
 * Sparse host physical memory: 4 KiB frames allocated on first write, reading zero before.
 * Addresses are plain numbers (exact up to 2^53; VT-d host addresses have at most 52 bits).
 *
 * @example
 * ```ts
 * const memory = new PhysicalMemory({ size: 2 ** 32 });
 * memory.writeUint64(0x1000, 0x2003n);
 * memory.readUint64(0x1000); // 0x2003n
 * ```
 */
export class PhysicalMemory {
  /** Installed memory in bytes. */
  readonly size: number;
  private readonly frames = new Map<number, Uint32Array>();

  constructor(options: PhysicalMemoryOptions) {
    const { size } = options;
    if (!Number.isInteger(size) || size <= 0 || size % PAGE_SIZE !== 0 || size > 2 ** 52)
      throw new IommuModelError(
        "MEMORY_SIZE",
        `memory size ${size} must be a positive multiple of 4096 up to 2^52`,
        {
          field: "size",
        },
      );
    this.size = size;
  }

  /** True when `[address, address + length)` lies inside installed memory. */
  contains(address: number, length = 1): boolean {
    return Number.isInteger(address) && address >= 0 && address + length <= this.size;
  }

  /** @internal Low 32 bits of the little-endian qword at an 8-byte aligned address. */
  lo32(address: number): number {
    const frame = this.frames.get(Math.floor(address / PAGE_SIZE));
    return frame === undefined ? 0 : frame[(address % PAGE_SIZE) >>> 2]!;
  }

  /** @internal High 32 bits of the little-endian qword at an 8-byte aligned address. */
  hi32(address: number): number {
    const frame = this.frames.get(Math.floor(address / PAGE_SIZE));
    return frame === undefined ? 0 : frame[((address % PAGE_SIZE) >>> 2) + 1]!;
  }

  /** @internal Writes a qword given as two 32-bit halves at an 8-byte aligned address. */
  writeHalves(address: number, lo: number, hi: number): void {
    this.check(address, 8);
    const fn = Math.floor(address / PAGE_SIZE);
    let frame = this.frames.get(fn);
    if (frame === undefined) {
      if (lo === 0 && hi === 0) return;
      frame = new Uint32Array(PAGE_SIZE / 4);
      this.frames.set(fn, frame);
    }
    const w = (address % PAGE_SIZE) >>> 2;
    frame[w] = lo >>> 0;
    frame[w + 1] = hi >>> 0;
  }

  /** @internal Zeroes the 4 KiB frame at `address` (returns it to the never-written state). */
  clearFrame(address: number): void {
    this.frames.delete(Math.floor(address / PAGE_SIZE));
  }

  private check(address: number, length: number): void {
    if (!this.contains(address, length))
      throw new IommuModelError(
        "MEMORY_RANGE",
        `access of ${length} bytes at 0x${address.toString(16)} is outside memory`,
        {
          offset: address,
        },
      );
    if (address % 8 !== 0 && length === 8)
      throw new IommuModelError(
        "MEMORY_ALIGN",
        `qword access at 0x${address.toString(16)} is not 8-byte aligned`,
        {
          offset: address,
        },
      );
  }

  /**
   * Reads the little-endian 64-bit value at an 8-byte aligned address.
   *
   * @example
   * ```ts
   * new PhysicalMemory({ size: 8192 }).readUint64(8); // 0n
   * ```
   */
  readUint64(address: number): bigint {
    this.check(address, 8);
    return (BigInt(this.hi32(address)) << 32n) | BigInt(this.lo32(address));
  }

  /**
   * Writes a little-endian 64-bit value at an 8-byte aligned address.
   *
   * @example
   * ```ts
   * new PhysicalMemory({ size: 8192 }).writeUint64(8, 1n);
   * ```
   */
  writeUint64(address: number, value: bigint): void {
    this.writeHalves(address, Number(value & 0xffff_ffffn), Number((value >> 32n) & 0xffff_ffffn));
  }

  /**
   * Copies bytes into memory (any alignment).
   *
   * @example
   * ```ts
   * new PhysicalMemory({ size: 8192 }).write(3, Uint8Array.of(1, 2, 3));
   * ```
   */
  write(address: number, bytes: Uint8Array): void {
    this.check(address, bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      const a = address + i;
      const fn = Math.floor(a / PAGE_SIZE);
      let frame = this.frames.get(fn);
      if (frame === undefined) {
        frame = new Uint32Array(PAGE_SIZE / 4);
        this.frames.set(fn, frame);
      }
      const bytesView = new Uint8Array(frame.buffer);
      bytesView[a % PAGE_SIZE] = bytes[i]!;
    }
  }

  /**
   * Reads `length` bytes (any alignment).
   *
   * @example
   * ```ts
   * new PhysicalMemory({ size: 8192 }).read(0, 4); // Uint8Array [0, 0, 0, 0]
   * ```
   */
  read(address: number, length: number): Uint8Array {
    this.check(address, length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const a = address + i;
      const frame = this.frames.get(Math.floor(a / PAGE_SIZE));
      if (frame !== undefined) out[i] = new Uint8Array(frame.buffer)[a % PAGE_SIZE]!;
    }
    return out;
  }
}
