// Text dump of a DMAR table in the layout of ACPICA's disassembler (`iasl -d`, dmtbdump1.c):
// `[HexOffset DecimalOffset ByteLength]  FieldName : FieldValue`, one line per field.
import type { DeviceScope, DmarStructure, DmarTable } from "./dmar";
import { decodeDmar } from "./dmar";

const STRUCTURE_NAMES: Record<number, string> = {
  0: "Hardware Unit Definition",
  1: "Reserved Memory Region",
  2: "Root Port ATS Capability",
  3: "Remapping Hardware Static Affinity",
  4: "ACPI Namespace Device Declaration",
  5: "SoC Integrated Address Translation Cache",
  6: "SoC Integrated Device Property Reporting",
};

const SCOPE_NAMES: Record<number, string> = {
  0: "Reserved value",
  1: "PCI Endpoint Device",
  2: "PCI Bridge Device",
  3: "IOAPIC Device",
  4: "Message-capable HPET Device",
  5: "Namespace Device",
};

const TYPE_CODES: Record<Exclude<DmarStructure["kind"], "unknown">, number> = {
  DRHD: 0,
  RMRR: 1,
  ATSR: 2,
  RHSA: 3,
  ANDD: 4,
  SATC: 5,
  SIDP: 6,
};

function hex(v: number | bigint, digits: number): string {
  return v.toString(16).toUpperCase().padStart(digits, "0");
}

// iasl prints an ACPI name up to its first NUL, with non-printable characters as spaces.
function printable(s: string): string {
  const nul = s.indexOf("\0");
  const text = nul < 0 ? s : s.slice(0, nul);
  return text.replace(/[^\x20-\x7e]/g, " ");
}

class Out {
  readonly lines: string[] = [];
  field(offset: number, length: number, name: string, value: string): void {
    const where = `[${hex(offset, 3)}h ${String(offset).padStart(4, "0")} ${String(length).padStart(3)}]`;
    this.lines.push(`${where} ${name.padStart(28)} : ${value}`);
  }
  blank(): void {
    this.lines.push("");
  }
}

function scopes(out: Out, start: number, list: readonly DeviceScope[], sidp: boolean): number {
  let off = start;
  for (const s of list) {
    out.field(
      off,
      1,
      "Device Scope Type",
      `${hex(s.type, 2)} [${SCOPE_NAMES[s.type] ?? "Unknown Scope Type"}]`,
    );
    out.field(off + 1, 1, "Entry Length", hex(6 + 2 * s.path.length, 2));
    if (sidp) {
      out.field(off + 2, 1, "Flags", hex(s.flags, 2));
      out.field(off + 3, 1, "Reserved", hex(s.reserved, 2));
    } else {
      out.field(off + 2, 2, "Reserved", hex(s.flags | (s.reserved << 8), 4));
    }
    out.field(off + 4, 1, "Enumeration ID", hex(s.enumerationId, 2));
    out.field(off + 5, 1, "PCI Bus Number", hex(s.startBusNumber, 2));
    out.blank();
    let p = off + 6;
    for (const hop of s.path) {
      out.field(p, 2, "PCI Path", `${hex(hop.device, 2)},${hex(hop.function, 2)}`);
      out.blank();
      p += 2;
    }
    out.blank();
    off = p;
  }
  return off;
}

function structureLength(s: DmarStructure): number {
  const scopeBytes = (l: readonly DeviceScope[]) =>
    l.reduce((n, d) => n + 6 + 2 * d.path.length, 0);
  switch (s.kind) {
    case "DRHD":
      return 16 + scopeBytes(s.deviceScopes);
    case "RMRR":
      return 24 + scopeBytes(s.deviceScopes);
    case "ATSR":
    case "SATC":
    case "SIDP":
      return 8 + scopeBytes(s.deviceScopes);
    case "RHSA":
      return 20 + s.trailing.length;
    case "ANDD":
      return 8 + s.acpiObjectName.length + s.trailing.length;
    default:
      return 4 + s.body.length;
  }
}

function structure(out: Out, off: number, s: DmarStructure): void {
  const type = s.kind === "unknown" ? s.type : TYPE_CODES[s.kind];
  const length = structureLength(s);
  out.field(
    off,
    2,
    "Subtable Type",
    `${hex(type, 4)} [${STRUCTURE_NAMES[type] ?? "Unknown Subtable Type"}]`,
  );
  out.field(off + 2, 2, "Length", hex(length, 4));
  out.blank();
  const b = off + 4;
  switch (s.kind) {
    case "DRHD":
      out.field(b, 1, "Flags", hex(s.flags, 2));
      out.field(b + 1, 1, "Reserved", hex(s.size, 2));
      out.field(b + 2, 2, "PCI Segment Number", hex(s.segment, 4));
      out.field(b + 4, 8, "Register Base Address", hex(s.registerBaseAddress, 16));
      out.blank();
      scopes(out, off + 16, s.deviceScopes, false);
      return;
    case "RMRR":
      out.field(b, 2, "Reserved", hex(s.reserved, 4));
      out.field(b + 2, 2, "PCI Segment Number", hex(s.segment, 4));
      out.field(b + 4, 8, "Base Address", hex(s.baseAddress, 16));
      out.field(b + 12, 8, "End Address (limit)", hex(s.limitAddress, 16));
      out.blank();
      scopes(out, off + 24, s.deviceScopes, false);
      return;
    case "ATSR":
    case "SATC":
      out.field(b, 1, "Flags", hex(s.flags, 2));
      out.field(b + 1, 1, "Reserved", hex(s.reserved, 2));
      out.field(b + 2, 2, "PCI Segment Number", hex(s.segment, 4));
      out.blank();
      scopes(out, off + 8, s.deviceScopes, false);
      return;
    case "SIDP":
      out.field(b, 2, "Reserved", hex(s.reserved, 4));
      out.field(b + 2, 2, "PCI Segment Number", hex(s.segment, 4));
      out.blank();
      scopes(out, off + 8, s.deviceScopes, true);
      return;
    case "RHSA":
      out.field(b, 4, "Reserved", hex(s.reserved, 8));
      out.field(b + 4, 8, "Base Address", hex(s.registerBaseAddress, 16));
      out.field(b + 12, 4, "Proximity Domain", hex(s.proximityDomain, 8));
      out.blank();
      return;
    case "ANDD":
      out.field(b, 3, "Reserved", hex(s.reserved, 6));
      out.field(b + 3, 1, "Device Number", hex(s.acpiDeviceNumber, 2));
      out.field(b + 4, s.acpiObjectName.length + 1, "Device Name", `"${s.acpiObjectName}"`);
      out.blank();
      return;
    default:
      out.blank();
      out.lines.push(`**** Unknown DMAR subtable type 0x${type.toString(16)}`);
      out.blank();
      out.blank();
  }
}

/**
 * Text dump of a DMAR table with the field names, offsets and value formats of ACPICA's
 * `iasl -d` disassembly (so the two can be compared line by line). Unlike iasl 20200925 it also
 * decodes SATC and SIDP and continues after unknown structures. Accepts a decoded table or raw
 * bytes.
 *
 * @example
 * ```ts
 * console.log(dumpDmar(decodeDmar(bytes)));
 * // [000h 0000   4]                    Signature : "DMAR"    [DMA Remapping table]
 * ```
 */
export function dumpDmar(input: DmarTable | Uint8Array): string {
  const t = input instanceof Uint8Array ? decodeDmar(input) : input;
  const out = new Out();
  const total = t.structures.reduce((n, s) => n + structureLength(s), 48);
  out.field(0, 4, "Signature", `"${t.signature}"    [DMA Remapping table]`);
  out.field(4, 4, "Table Length", hex(total, 8));
  out.field(8, 1, "Revision", hex(t.revision, 2));
  out.field(9, 1, "Checksum", hex(t.checksum, 2));
  out.field(10, 6, "Oem ID", `"${printable(t.oemId)}"`);
  out.field(16, 8, "Oem Table ID", `"${printable(t.oemTableId)}"`);
  out.field(24, 4, "Oem Revision", hex(t.oemRevision, 8));
  out.field(28, 4, "Asl Compiler ID", `"${printable(t.aslCompilerId)}"`);
  out.field(32, 4, "Asl Compiler Revision", hex(t.aslCompilerRevision, 8));
  out.blank();
  out.field(36, 1, "Host Address Width", hex(t.hostAddressWidth, 2));
  out.field(37, 1, "Flags", hex(t.flags, 2));
  out.field(38, 10, "Reserved", Array.from(t.reserved, (b) => hex(b, 2)).join(" "));
  out.blank();
  let off = 48;
  for (const s of t.structures) {
    structure(out, off, s);
    off += structureLength(s);
  }
  return `${out.lines.join("\n")}\n`;
}
