// ACPI DMA Remapping Reporting (DMAR) table: binary codec.
// Layout: Intel VT-d specification ("Intel Virtualization Technology for Directed I/O",
// rev. 4.1) chapter 8, and ACPICA `actbl1.h` (struct acpi_table_dmar and its subtables).
import { IommuModelError } from "./errors";

/**
 * DMAR header flag bit 0: the platform supports interrupt remapping (VT-d §8.1 INTR_REMAP).
 *
 * @example
 * ```ts
 * const irSupported = (table.flags & DMAR_FLAG_INTR_REMAP) !== 0;
 * ```
 */
export const DMAR_FLAG_INTR_REMAP = 0x01;
/**
 * DMAR header flag bit 1: firmware asks the OS not to enable x2APIC mode (X2APIC_OPT_OUT).
 *
 * @example
 * ```ts
 * const optOut = (table.flags & DMAR_FLAG_X2APIC_OPT_OUT) !== 0;
 * ```
 */
export const DMAR_FLAG_X2APIC_OPT_OUT = 0x02;
/**
 * DMAR header flag bit 2: DMA control platform opt-in (DMA_CTRL_PLATFORM_OPT_IN_FLAG).
 *
 * @example
 * ```ts
 * const optIn = (table.flags & DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN) !== 0;
 * ```
 */
export const DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN = 0x04;
/**
 * DRHD flag bit 0: the unit covers every PCI device of its segment not listed elsewhere.
 *
 * @example
 * ```ts
 * const catchAll = table.structures.find((s) => s.kind === "DRHD" && (s.flags & DRHD_FLAG_INCLUDE_PCI_ALL) !== 0);
 * ```
 */
export const DRHD_FLAG_INCLUDE_PCI_ALL = 0x01;
/**
 * ATSR flag bit 0: every root port of the segment supports ATS.
 *
 * @example
 * ```ts
 * const allPorts = (atsr.flags & ATSR_FLAG_ALL_PORTS) !== 0;
 * ```
 */
export const ATSR_FLAG_ALL_PORTS = 0x01;
/**
 * SATC flag bit 0: the listed devices require ATS to work (ATC_REQUIRED).
 *
 * @example
 * ```ts
 * const required = (satc.flags & SATC_FLAG_ATC_REQUIRED) !== 0;
 * ```
 */
export const SATC_FLAG_ATC_REQUIRED = 0x01;

/**
 * Remapping structure type codes (VT-d §8.2).
 *
 * @example
 * ```ts
 * DmarStructureType.RMRR; // 1
 * ```
 */
export const DmarStructureType = {
  DRHD: 0,
  RMRR: 1,
  ATSR: 2,
  RHSA: 3,
  ANDD: 4,
  SATC: 5,
  SIDP: 6,
} as const;

/**
 * Device scope entry types (VT-d §8.3.1).
 *
 * @example
 * ```ts
 * scope.type === DeviceScopeType.IOAPIC;
 * ```
 */
export const DeviceScopeType = {
  PCI_ENDPOINT: 1,
  PCI_SUB_HIERARCHY: 2,
  IOAPIC: 3,
  MSI_CAPABLE_HPET: 4,
  ACPI_NAMESPACE_DEVICE: 5,
} as const;

/**
 * One hop of a device-scope path: device and function on the bus below the previous hop.
 *
 * @example
 * ```ts
 * const hop: PciPathEntry = { device: 0x1f, function: 7 };
 * ```
 */
export interface PciPathEntry {
  readonly device: number;
  readonly function: number;
}

/**
 * Device Scope structure (VT-d §8.3.1). `flags` is the byte that VT-d 3.4 carved out of the old
 * reserved word for SIDP (bits: 0 REQ_WO_PASID_NESTED_NOTALLOWED, 1 …PWSNP_NOTALLOWED,
 * 2 …PGSNP_NOTALLOWED, 3 ATC_HARDENED, 4 ATC_REQUIRED); it is 0 elsewhere.
 *
 * @example
 * ```ts
 * const ioapic: DeviceScope = { type: 3, flags: 0, reserved: 0, enumerationId: 2, startBusNumber: 0xf0, path: [{ device: 0x1f, function: 0 }] };
 * ```
 */
export interface DeviceScope {
  /** Entry type (see {@link DeviceScopeType}); other values are kept as read. */
  readonly type: number;
  readonly flags: number;
  readonly reserved: number;
  /** I/O APIC id, HPET number or ACPI device number, depending on `type`. */
  readonly enumerationId: number;
  readonly startBusNumber: number;
  readonly path: readonly PciPathEntry[];
}

/**
 * DMA Remapping Hardware Unit Definition (DRHD, type 0, VT-d §8.3).
 *
 * @example
 * ```ts
 * const unit: DrhdStructure = { kind: "DRHD", flags: 1, size: 0, segment: 0, registerBaseAddress: 0xfed91000n, deviceScopes: [] };
 * ```
 */
export interface DrhdStructure {
  readonly kind: "DRHD";
  readonly flags: number;
  /** Register-set size as 2^N 4 KiB pages in bits 3:0 (VT-d 3.x; "Reserved" in older tables). */
  readonly size: number;
  readonly segment: number;
  readonly registerBaseAddress: bigint;
  readonly deviceScopes: readonly DeviceScope[];
}

/**
 * Reserved Memory Region Reporting (RMRR, type 1, VT-d §8.4).
 *
 * @example
 * ```ts
 * const rmrr: RmrrStructure = { kind: "RMRR", reserved: 0, segment: 0, baseAddress: 0x6c000000n, limitAddress: 0x707fffffn, deviceScopes: [] };
 * ```
 */
export interface RmrrStructure {
  readonly kind: "RMRR";
  readonly reserved: number;
  readonly segment: number;
  readonly baseAddress: bigint;
  /** Inclusive limit address of the region. */
  readonly limitAddress: bigint;
  readonly deviceScopes: readonly DeviceScope[];
}

/**
 * Root Port ATS Capability Reporting (ATSR, type 2, VT-d §8.5).
 *
 * @example
 * ```ts
 * const atsr: AtsrStructure = { kind: "ATSR", flags: 1, reserved: 0, segment: 0, deviceScopes: [] };
 * ```
 */
export interface AtsrStructure {
  readonly kind: "ATSR";
  readonly flags: number;
  readonly reserved: number;
  readonly segment: number;
  readonly deviceScopes: readonly DeviceScope[];
}

/**
 * Remapping Hardware Static Affinity (RHSA, type 3, VT-d §8.6).
 *
 * @example
 * ```ts
 * const rhsa: RhsaStructure = { kind: "RHSA", reserved: 0, registerBaseAddress: 0xfbffc000n, proximityDomain: 1, trailing: new Uint8Array(0) };
 * ```
 */
export interface RhsaStructure {
  readonly kind: "RHSA";
  readonly reserved: number;
  readonly registerBaseAddress: bigint;
  readonly proximityDomain: number;
  /** Bytes beyond the 20 defined ones (normally empty), kept for a byte-exact round trip. */
  readonly trailing: Uint8Array;
}

/**
 * ACPI Name-space Device Declaration (ANDD, type 4, VT-d §8.7).
 *
 * @example
 * ```ts
 * const andd: AnddStructure = { kind: "ANDD", reserved: 0, acpiDeviceNumber: 1, acpiObjectName: "\\_SB.PCI0.UA00", trailing: Uint8Array.of(0) };
 * ```
 */
export interface AnddStructure {
  readonly kind: "ANDD";
  /** The 3 reserved bytes as a little-endian 24-bit value. */
  readonly reserved: number;
  readonly acpiDeviceNumber: number;
  /** Fully qualified ACPI object name, e.g. `\_SB.PCI0.UAR0` (bytes up to the first NUL). */
  readonly acpiObjectName: string;
  /** The bytes after the name: its NUL terminator and any padding. */
  readonly trailing: Uint8Array;
}

/**
 * SoC Integrated Address Translation Cache reporting (SATC, type 5, VT-d §8.8).
 *
 * @example
 * ```ts
 * const satc: SatcStructure = { kind: "SATC", flags: 1, reserved: 0, segment: 0, deviceScopes: [] };
 * ```
 */
export interface SatcStructure {
  readonly kind: "SATC";
  readonly flags: number;
  readonly reserved: number;
  readonly segment: number;
  readonly deviceScopes: readonly DeviceScope[];
}

/**
 * SoC Integrated Device Property reporting (SIDP, type 6, VT-d 3.4+ §8.9).
 *
 * @example
 * ```ts
 * const sidp: SidpStructure = { kind: "SIDP", reserved: 0, segment: 0, deviceScopes: [] };
 * ```
 */
export interface SidpStructure {
  readonly kind: "SIDP";
  readonly reserved: number;
  readonly segment: number;
  readonly deviceScopes: readonly DeviceScope[];
}

/**
 * A remapping structure of a type this codec does not know; kept byte for byte.
 *
 * @example
 * ```ts
 * const future: UnknownDmarStructure = { kind: "unknown", type: 7, body: new Uint8Array(4) };
 * ```
 */
export interface UnknownDmarStructure {
  readonly kind: "unknown";
  readonly type: number;
  /** Body after the 4-byte type/length header. */
  readonly body: Uint8Array;
}

/**
 * Any remapping structure of a DMAR table.
 *
 * @example
 * ```ts
 * for (const s of table.structures) if (s.kind === "DRHD") console.log(s.registerBaseAddress);
 * ```
 */
export type DmarStructure =
  | DrhdStructure
  | RmrrStructure
  | AtsrStructure
  | RhsaStructure
  | AnddStructure
  | SatcStructure
  | SidpStructure
  | UnknownDmarStructure;

/**
 * A decoded ACPI DMAR table: the ACPI header, the DMAR fields and the remapping structures.
 *
 * @example
 * ```ts
 * const table: DmarTable = decodeDmar(bytes);
 * console.log(table.oemId, table.hostAddressWidth + 1);
 * ```
 */
export interface DmarTable {
  readonly signature: string;
  readonly revision: number;
  /** Checksum byte as stored; {@link encodeDmar} recomputes it unless asked to keep it. */
  readonly checksum: number;
  readonly oemId: string;
  readonly oemTableId: string;
  readonly oemRevision: number;
  readonly aslCompilerId: string;
  readonly aslCompilerRevision: number;
  /** Host Address Width field: the platform's maximum DMA physical address width minus 1. */
  readonly hostAddressWidth: number;
  readonly flags: number;
  /** The 10 reserved bytes at offset 38. */
  readonly reserved: Uint8Array;
  readonly structures: readonly DmarStructure[];
}

/**
 * Options of {@link decodeDmar}.
 *
 * @example
 * ```ts
 * decodeDmar(bytes, { verifyChecksum: false });
 * ```
 */
export interface DecodeDmarOptions {
  /** Throw `DMAR_CHECKSUM` when the bytes do not sum to 0 mod 256 (default true). */
  readonly verifyChecksum?: boolean;
}

/**
 * Options of {@link encodeDmar}.
 *
 * @example
 * ```ts
 * encodeDmar(table, { keepChecksum: true });
 * ```
 */
export interface EncodeDmarOptions {
  /** Write `table.checksum` as is instead of recomputing it (default false). */
  readonly keepChecksum?: boolean;
}

/**
 * Size of the ACPI table header plus the DMAR fixed fields.
 *
 * @example
 * ```ts
 * const firstStructureOffset = DMAR_HEADER_LENGTH; // 48
 * ```
 */
export const DMAR_HEADER_LENGTH = 48;

function fail(code: string, message: string, offset: number, field: string): never {
  throw new IommuModelError(code, message, { offset, field });
}

function latin1(bytes: Uint8Array, start: number, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[start + i]!);
  return s;
}

/**
 * ACPI checksum of `bytes`: the value that makes all bytes sum to 0 modulo 256, assuming the
 * checksum byte at offset 9 is counted as 0.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(48);
 * bytes[9] = acpiChecksum(bytes);
 * ```
 */
export function acpiChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) if (i !== 9) sum += bytes[i]!;
  return (256 - (sum & 0xff)) & 0xff;
}

function decodeScopes(bytes: Uint8Array, start: number, end: number): DeviceScope[] {
  const scopes: DeviceScope[] = [];
  let off = start;
  while (off < end) {
    if (end - off < 6)
      fail("DMAR_SCOPE_TRUNCATED", "device scope shorter than 6 bytes", off, "Device Scope");
    const length = bytes[off + 1]!;
    if (length < 6 || off + length > end)
      fail(
        "DMAR_SCOPE_LENGTH",
        `device scope length ${length} is invalid`,
        off + 1,
        "Entry Length",
      );
    if ((length - 6) % 2 !== 0)
      fail(
        "DMAR_SCOPE_LENGTH",
        `device scope length ${length} leaves half a path entry`,
        off + 1,
        "Entry Length",
      );
    const path: PciPathEntry[] = [];
    for (let p = off + 6; p < off + length; p += 2) {
      path.push({ device: bytes[p]!, function: bytes[p + 1]! });
    }
    scopes.push({
      type: bytes[off]!,
      flags: bytes[off + 2]!,
      reserved: bytes[off + 3]!,
      enumerationId: bytes[off + 4]!,
      startBusNumber: bytes[off + 5]!,
      path,
    });
    off += length;
  }
  return scopes;
}

function need(len: number, min: number, off: number, what: string): void {
  if (len < min)
    fail("DMAR_STRUCTURE_LENGTH", `${what} length ${len} is below ${min}`, off + 2, "Length");
}

function decodeStructure(
  bytes: Uint8Array,
  view: DataView,
  off: number,
  len: number,
): DmarStructure {
  const type = view.getUint16(off, true);
  const end = off + len;
  switch (type) {
    case DmarStructureType.DRHD:
      need(len, 16, off, "DRHD");
      return {
        kind: "DRHD",
        flags: bytes[off + 4]!,
        size: bytes[off + 5]!,
        segment: view.getUint16(off + 6, true),
        registerBaseAddress: view.getBigUint64(off + 8, true),
        deviceScopes: decodeScopes(bytes, off + 16, end),
      };
    case DmarStructureType.RMRR:
      need(len, 24, off, "RMRR");
      return {
        kind: "RMRR",
        reserved: view.getUint16(off + 4, true),
        segment: view.getUint16(off + 6, true),
        baseAddress: view.getBigUint64(off + 8, true),
        limitAddress: view.getBigUint64(off + 16, true),
        deviceScopes: decodeScopes(bytes, off + 24, end),
      };
    case DmarStructureType.ATSR:
      need(len, 8, off, "ATSR");
      return {
        kind: "ATSR",
        flags: bytes[off + 4]!,
        reserved: bytes[off + 5]!,
        segment: view.getUint16(off + 6, true),
        deviceScopes: decodeScopes(bytes, off + 8, end),
      };
    case DmarStructureType.RHSA:
      need(len, 20, off, "RHSA");
      return {
        kind: "RHSA",
        reserved: view.getUint32(off + 4, true),
        registerBaseAddress: view.getBigUint64(off + 8, true),
        proximityDomain: view.getUint32(off + 16, true),
        trailing: bytes.slice(off + 20, end),
      };
    case DmarStructureType.ANDD: {
      need(len, 8, off, "ANDD");
      let nul = off + 8;
      while (nul < end && bytes[nul] !== 0) nul++;
      return {
        kind: "ANDD",
        reserved: bytes[off + 4]! | (bytes[off + 5]! << 8) | (bytes[off + 6]! << 16),
        acpiDeviceNumber: bytes[off + 7]!,
        acpiObjectName: latin1(bytes, off + 8, nul - off - 8),
        trailing: bytes.slice(nul, end),
      };
    }
    case DmarStructureType.SATC:
      need(len, 8, off, "SATC");
      return {
        kind: "SATC",
        flags: bytes[off + 4]!,
        reserved: bytes[off + 5]!,
        segment: view.getUint16(off + 6, true),
        deviceScopes: decodeScopes(bytes, off + 8, end),
      };
    case DmarStructureType.SIDP:
      need(len, 8, off, "SIDP");
      return {
        kind: "SIDP",
        reserved: view.getUint16(off + 4, true),
        segment: view.getUint16(off + 6, true),
        deviceScopes: decodeScopes(bytes, off + 8, end),
      };
    default:
      return { kind: "unknown", type, body: bytes.slice(off + 4, end) };
  }
}

/**
 * Decodes an ACPI DMAR table (as extracted by `acpixtract -s DMAR` or read from
 * `/sys/firmware/acpi/tables/DMAR`). Throws {@link IommuModelError} on malformed input, saying
 * where; trailing bytes beyond the table's Length field are ignored.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const table = decodeDmar(readFileSync("/sys/firmware/acpi/tables/DMAR"));
 * console.log(table.hostAddressWidth + 1, table.structures.map((s) => s.kind));
 * ```
 */
export function decodeDmar(input: Uint8Array, options: DecodeDmarOptions = {}): DmarTable {
  // A plain Uint8Array view, so that slices are copies even for a Node Buffer.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < DMAR_HEADER_LENGTH)
    fail(
      "DMAR_TRUNCATED",
      `DMAR table needs ${DMAR_HEADER_LENGTH} bytes, got ${bytes.length}`,
      bytes.length,
      "Header",
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = latin1(bytes, 0, 4);
  if (signature !== "DMAR")
    fail("DMAR_SIGNATURE", `signature is "${signature}", not "DMAR"`, 0, "Signature");
  const length = view.getUint32(4, true);
  if (length < DMAR_HEADER_LENGTH || length > bytes.length)
    fail(
      "DMAR_LENGTH",
      `table length ${length} does not fit the ${bytes.length} bytes given`,
      4,
      "Table Length",
    );
  const table = bytes.subarray(0, length);
  if (options.verifyChecksum !== false) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += table[i]!;
    if ((sum & 0xff) !== 0)
      fail(
        "DMAR_CHECKSUM",
        `checksum ${bytes[9]} is wrong (expected ${acpiChecksum(table)})`,
        9,
        "Checksum",
      );
  }
  const structures: DmarStructure[] = [];
  let off = DMAR_HEADER_LENGTH;
  while (off < length) {
    if (length - off < 4)
      fail(
        "DMAR_STRUCTURE_TRUNCATED",
        "remapping structure header truncated",
        off,
        "Subtable Type",
      );
    const len = view.getUint16(off + 2, true);
    if (len < 4 || off + len > length)
      fail(
        "DMAR_STRUCTURE_LENGTH",
        `remapping structure length ${len} is invalid`,
        off + 2,
        "Length",
      );
    structures.push(decodeStructure(bytes, view, off, len));
    off += len;
  }
  return {
    signature,
    revision: bytes[8]!,
    checksum: bytes[9]!,
    oemId: latin1(bytes, 10, 6),
    oemTableId: latin1(bytes, 16, 8),
    oemRevision: view.getUint32(24, true),
    aslCompilerId: latin1(bytes, 28, 4),
    aslCompilerRevision: view.getUint32(32, true),
    hostAddressWidth: bytes[36]!,
    flags: bytes[37]!,
    reserved: bytes.slice(38, 48),
    structures,
  };
}

/**
 * True when `bytes` decode as a DMAR table (checksum included).
 *
 * @example
 * ```ts
 * isValidDmar(new Uint8Array(4)); // false
 * ```
 */
export function isValidDmar(bytes: Uint8Array): boolean {
  try {
    decodeDmar(bytes);
    return true;
  } catch (e) {
    if (IommuModelError.isInstance(e)) return false;
    throw e;
  }
}

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number, field: string): void {
    checkUint(v, 8, field);
    this.grow(1);
    this.buf[this.length++] = v;
  }
  u16(v: number, field: string): void {
    checkUint(v, 16, field);
    this.grow(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u24(v: number, field: string): void {
    checkUint(v, 24, field);
    this.grow(3);
    this.buf[this.length++] = v & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = (v >>> 16) & 0xff;
  }
  u32(v: number, field: string): void {
    checkUint(v, 32, field);
    this.grow(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint, field: string): void {
    if (typeof v !== "bigint" || v < 0n || v > 0xffff_ffff_ffff_ffffn)
      throw new IommuModelError("DMAR_FIELD_RANGE", `${field} must be a 64-bit unsigned bigint`, {
        field,
      });
    this.grow(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  text(s: string, width: number, field: string): void {
    if (typeof s !== "string" || s.length > width)
      throw new IommuModelError(
        "DMAR_FIELD_RANGE",
        `${field} must be at most ${width} characters`,
        { field },
      );
    this.grow(width);
    for (let i = 0; i < width; i++) {
      const c = i < s.length ? s.charCodeAt(i) : 0;
      if (c > 0xff)
        throw new IommuModelError("DMAR_FIELD_RANGE", `${field} has a non-Latin-1 character`, {
          field,
        });
      this.buf[this.length++] = c;
    }
  }
  patch16(at: number, v: number, field: string): void {
    checkUint(v, 16, field);
    this.view.setUint16(at, v, true);
  }
  patch32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function checkUint(v: number, bits: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits)
    throw new IommuModelError(
      "DMAR_FIELD_RANGE",
      `${field} must be an integer in 0..${2 ** bits - 1}`,
      { field },
    );
}

function writeScopes(w: Writer, scopes: readonly DeviceScope[], field: string): void {
  scopes.forEach((s, i) => {
    const f = `${field}.deviceScopes[${i}]`;
    const length = 6 + 2 * s.path.length;
    if (length > 0xff)
      throw new IommuModelError("DMAR_FIELD_RANGE", `${f} path is too long`, { field: f });
    w.u8(s.type, `${f}.type`);
    w.u8(length, `${f}.length`);
    w.u8(s.flags, `${f}.flags`);
    w.u8(s.reserved, `${f}.reserved`);
    w.u8(s.enumerationId, `${f}.enumerationId`);
    w.u8(s.startBusNumber, `${f}.startBusNumber`);
    for (const hop of s.path) {
      w.u8(hop.device, `${f}.path.device`);
      w.u8(hop.function, `${f}.path.function`);
    }
  });
}

function writeStructure(w: Writer, s: DmarStructure, field: string): void {
  const start = w.length;
  const typeCode = s.kind === "unknown" ? s.type : DmarStructureType[s.kind];
  w.u16(typeCode, `${field}.type`);
  w.u16(0, `${field}.length`);
  switch (s.kind) {
    case "DRHD":
      w.u8(s.flags, `${field}.flags`);
      w.u8(s.size, `${field}.size`);
      w.u16(s.segment, `${field}.segment`);
      w.u64(s.registerBaseAddress, `${field}.registerBaseAddress`);
      writeScopes(w, s.deviceScopes, field);
      break;
    case "RMRR":
      w.u16(s.reserved, `${field}.reserved`);
      w.u16(s.segment, `${field}.segment`);
      w.u64(s.baseAddress, `${field}.baseAddress`);
      w.u64(s.limitAddress, `${field}.limitAddress`);
      writeScopes(w, s.deviceScopes, field);
      break;
    case "ATSR":
    case "SATC":
      w.u8(s.flags, `${field}.flags`);
      w.u8(s.reserved, `${field}.reserved`);
      w.u16(s.segment, `${field}.segment`);
      writeScopes(w, s.deviceScopes, field);
      break;
    case "SIDP":
      w.u16(s.reserved, `${field}.reserved`);
      w.u16(s.segment, `${field}.segment`);
      writeScopes(w, s.deviceScopes, field);
      break;
    case "RHSA":
      w.u32(s.reserved, `${field}.reserved`);
      w.u64(s.registerBaseAddress, `${field}.registerBaseAddress`);
      w.u32(s.proximityDomain, `${field}.proximityDomain`);
      w.bytes(s.trailing);
      break;
    case "ANDD":
      w.u24(s.reserved, `${field}.reserved`);
      w.u8(s.acpiDeviceNumber, `${field}.acpiDeviceNumber`);
      if (s.acpiObjectName.includes("\0"))
        throw new IommuModelError("DMAR_FIELD_RANGE", `${field}.acpiObjectName contains NUL`, {
          field,
        });
      w.text(s.acpiObjectName, s.acpiObjectName.length, `${field}.acpiObjectName`);
      if (s.trailing.length > 0 && s.trailing[0] !== 0)
        throw new IommuModelError(
          "DMAR_FIELD_RANGE",
          `${field}.trailing must start with the NUL terminator`,
          {
            field,
          },
        );
      w.bytes(s.trailing);
      break;
    case "unknown":
      w.bytes(s.body);
      break;
    default:
      throw new IommuModelError("DMAR_FIELD_RANGE", `${field} has an unknown kind`, { field });
  }
  w.patch16(start + 2, w.length - start, `${field}.length`);
}

/**
 * Encodes a DMAR table. Structure and scope lengths and the table length are computed from the
 * content; the checksum is recomputed unless `keepChecksum` is set. Out-of-range fields throw
 * {@link IommuModelError} (`DMAR_FIELD_RANGE`) naming the field.
 *
 * @example
 * ```ts
 * const bytes = encodeDmar(decodeDmar(original)); // byte-identical to `original`
 * ```
 */
export function encodeDmar(table: DmarTable, options: EncodeDmarOptions = {}): Uint8Array {
  const w = new Writer();
  w.text(table.signature, 4, "signature");
  w.u32(0, "length");
  w.u8(table.revision, "revision");
  w.u8(options.keepChecksum ? table.checksum : 0, "checksum");
  w.text(table.oemId, 6, "oemId");
  w.text(table.oemTableId, 8, "oemTableId");
  w.u32(table.oemRevision, "oemRevision");
  w.text(table.aslCompilerId, 4, "aslCompilerId");
  w.u32(table.aslCompilerRevision, "aslCompilerRevision");
  w.u8(table.hostAddressWidth, "hostAddressWidth");
  w.u8(table.flags, "flags");
  if (table.reserved.length !== 10)
    throw new IommuModelError("DMAR_FIELD_RANGE", "reserved must be 10 bytes", {
      field: "reserved",
    });
  w.bytes(table.reserved);
  table.structures.forEach((s, i) => {
    writeStructure(w, s, `structures[${i}]`);
  });
  w.patch32(4, w.length);
  const out = w.result();
  if (!options.keepChecksum) out[9] = acpiChecksum(out);
  return out;
}
