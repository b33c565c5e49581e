// JSON form of a DMAR table: the model with 64-bit addresses as "0x…" strings and byte arrays as
// hex strings, so `dmar decode` output can be edited and fed back to `dmar encode`.
import type { DeviceScope, DmarStructure, DmarTable, PciPathEntry } from "./dmar";
import { IommuModelError } from "./errors";

/**
 * JSON-safe value: what {@link dmarToJson} produces and {@link dmarFromJson} accepts.
 *
 * @example
 * ```ts
 * const json: DmarJson = dmarToJson(decodeDmar(bytes));
 * ```
 */
export type DmarJson = { readonly [key: string]: unknown };

function bytesToHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function toJsonValue(v: unknown): unknown {
  if (typeof v === "bigint") return `0x${v.toString(16).padStart(16, "0")}`;
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === "object" && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
    return o;
  }
  return v;
}

/**
 * The JSON form of a DMAR table (64-bit fields as `"0x…"` strings, byte arrays as hex strings).
 *
 * @example
 * ```ts
 * const text = JSON.stringify(dmarToJson(decodeDmar(bytes)), null, 2);
 * ```
 */
export function dmarToJson(table: DmarTable): DmarJson {
  return toJsonValue(table) as DmarJson;
}

function bad(field: string, what: string): never {
  throw new IommuModelError("DMAR_JSON", `${field}: ${what}`, { field });
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(field, "expected an object");
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, k: string, field: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    bad(`${field}.${k}`, "expected a non-negative integer");
  return v;
}

function str(o: Record<string, unknown>, k: string, field: string): string {
  const v = o[k];
  if (typeof v !== "string") bad(`${field}.${k}`, "expected a string");
  return v;
}

function big(o: Record<string, unknown>, k: string, field: string): bigint {
  const v = o[k];
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(v))
    bad(`${field}.${k}`, 'expected "0x…" (at most 16 hex digits)');
  return BigInt(v);
}

function hexBytes(o: Record<string, unknown>, k: string, field: string): Uint8Array {
  const v = o[k];
  if (typeof v !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(v))
    bad(`${field}.${k}`, "expected a hex byte string");
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function scopes(o: Record<string, unknown>, field: string): DeviceScope[] {
  const v = o.deviceScopes;
  if (!Array.isArray(v)) bad(`${field}.deviceScopes`, "expected an array");
  return v.map((x, i) => {
    const f = `${field}.deviceScopes[${i}]`;
    const s = obj(x, f);
    const path = s.path;
    if (!Array.isArray(path)) bad(`${f}.path`, "expected an array");
    return {
      type: num(s, "type", f),
      flags: num(s, "flags", f),
      reserved: num(s, "reserved", f),
      enumerationId: num(s, "enumerationId", f),
      startBusNumber: num(s, "startBusNumber", f),
      path: path.map((h, j): PciPathEntry => {
        const hop = obj(h, `${f}.path[${j}]`);
        return {
          device: num(hop, "device", `${f}.path[${j}]`),
          function: num(hop, "function", `${f}.path[${j}]`),
        };
      }),
    };
  });
}

function structureFromJson(v: unknown, field: string): DmarStructure {
  const o = obj(v, field);
  switch (o.kind) {
    case "DRHD":
      return {
        kind: "DRHD",
        flags: num(o, "flags", field),
        size: num(o, "size", field),
        segment: num(o, "segment", field),
        registerBaseAddress: big(o, "registerBaseAddress", field),
        deviceScopes: scopes(o, field),
      };
    case "RMRR":
      return {
        kind: "RMRR",
        reserved: num(o, "reserved", field),
        segment: num(o, "segment", field),
        baseAddress: big(o, "baseAddress", field),
        limitAddress: big(o, "limitAddress", field),
        deviceScopes: scopes(o, field),
      };
    case "ATSR":
    case "SATC":
      return {
        kind: o.kind,
        flags: num(o, "flags", field),
        reserved: num(o, "reserved", field),
        segment: num(o, "segment", field),
        deviceScopes: scopes(o, field),
      };
    case "SIDP":
      return {
        kind: "SIDP",
        reserved: num(o, "reserved", field),
        segment: num(o, "segment", field),
        deviceScopes: scopes(o, field),
      };
    case "RHSA":
      return {
        kind: "RHSA",
        reserved: num(o, "reserved", field),
        registerBaseAddress: big(o, "registerBaseAddress", field),
        proximityDomain: num(o, "proximityDomain", field),
        trailing: o.trailing === undefined ? new Uint8Array(0) : hexBytes(o, "trailing", field),
      };
    case "ANDD":
      return {
        kind: "ANDD",
        reserved: num(o, "reserved", field),
        acpiDeviceNumber: num(o, "acpiDeviceNumber", field),
        acpiObjectName: str(o, "acpiObjectName", field),
        trailing: o.trailing === undefined ? new Uint8Array(1) : hexBytes(o, "trailing", field),
      };
    case "unknown":
      return { kind: "unknown", type: num(o, "type", field), body: hexBytes(o, "body", field) };
    default:
      return bad(`${field}.kind`, `unknown structure kind ${JSON.stringify(o.kind)}`);
  }
}

/**
 * Reads the JSON form back into a {@link DmarTable}; malformed JSON throws {@link IommuModelError}
 * (`DMAR_JSON`) naming the field. Optional byte fields (`trailing`) take their usual defaults.
 *
 * @example
 * ```ts
 * const table = dmarFromJson(JSON.parse(text));
 * const bytes = encodeDmar(table);
 * ```
 */
export function dmarFromJson(json: unknown): DmarTable {
  const o = obj(json, "table");
  const list = o.structures;
  if (!Array.isArray(list)) bad("table.structures", "expected an array");
  return {
    signature: o.signature === undefined ? "DMAR" : str(o, "signature", "table"),
    revision: num(o, "revision", "table"),
    checksum: o.checksum === undefined ? 0 : num(o, "checksum", "table"),
    oemId: str(o, "oemId", "table"),
    oemTableId: str(o, "oemTableId", "table"),
    oemRevision: num(o, "oemRevision", "table"),
    aslCompilerId: str(o, "aslCompilerId", "table"),
    aslCompilerRevision: num(o, "aslCompilerRevision", "table"),
    hostAddressWidth: num(o, "hostAddressWidth", "table"),
    flags: num(o, "flags", "table"),
    reserved: o.reserved === undefined ? new Uint8Array(10) : hexBytes(o, "reserved", "table"),
    structures: list.map((s, i) => structureFromJson(s, `table.structures[${i}]`)),
  };
}
