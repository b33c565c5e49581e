import { MemPartitionerError } from "./errors";

// The Linux resctrl `schemata` file (Documentation/arch/x86/resctrl.rst; fs/resctrl/ctrlmondata.c
// rdtgroup_schemata_write / parse_line / show_doms). One line per schema: the name right-aligned
// to the widest name, ':', then `id=value` per control domain separated by ';'. Cache schemata
// (L2, L3 and their CDP CODE/DATA halves) hold hex capacity bitmasks; MB and SMBA hold decimal
// bandwidth values (percent on Intel, 1/8 GB/s units on AMD).

/** How a schema's values are written: hex bitmask (`"%x"`) or decimal range (`"%u"`). */
export type SchemaFormat = "bitmap" | "range";

/**
 * Schema names the kernel creates on x86 (with CDP, L3/L2 split into CODE and DATA).
 *
 * @example
 * ```ts
 * console.log(SCHEMA_FORMATS.MB, SCHEMA_FORMATS.L3CODE); // "range" "bitmap"
 * ```
 */
export const SCHEMA_FORMATS: Readonly<Record<string, SchemaFormat>> = {
  L3: "bitmap",
  L3CODE: "bitmap",
  L3DATA: "bitmap",
  L2: "bitmap",
  L2CODE: "bitmap",
  L2DATA: "bitmap",
  MB: "range",
  SMBA: "range",
};

/** One control domain's value in a schemata line. */
export interface SchemataDomain {
  /** Domain id (the L3/L2 cache id, or the MBA domain id). */
  readonly id: number;
  /** Capacity bitmask (bitmap schemata) or bandwidth value (range schemata). */
  readonly value: number;
}

/** One line of a schemata file. */
export interface SchemataLine {
  /** Schema name, e.g. `L3`, `L3CODE`, `MB`, `SMBA`. */
  readonly resource: string;
  readonly domains: readonly SchemataDomain[];
}

/** A parsed schemata file. */
export interface Schemata {
  readonly lines: readonly SchemataLine[];
  /** Width the names are right-aligned to (the kernel's `max_name_width`). */
  readonly nameWidth: number;
}

/** Options of {@link parseSchemata}. */
export interface ParseSchemataOptions {
  /** Known schema names and their formats. Default {@link SCHEMA_FORMATS}. */
  readonly formats?: Readonly<Record<string, SchemaFormat>>;
}

function fail(message: string, line: number, offset: number, field?: string): never {
  throw new MemPartitionerError("SCHEMATA_EINVAL", message, {
    line,
    offset,
    ...(field !== undefined ? { field } : {}),
  });
}

// kstrtoul/kstrtou32 (lib/kstrtox.c): optional '+', base-16 accepts a "0x" prefix, at least one
// digit, nothing after (but one trailing newline). Returns undefined on -EINVAL or -ERANGE.
function kstrto(s: string, base: 10 | 16, max: bigint): bigint | undefined {
  let t = s;
  if (t.startsWith("+")) t = t.slice(1);
  if (base === 16 && (t.startsWith("0x") || t.startsWith("0X"))) t = t.slice(2);
  if (t.endsWith("\n")) t = t.slice(0, -1);
  const re = base === 16 ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/;
  if (!re.test(t)) return undefined;
  const v = BigInt(base === 16 ? `0x${t}` : t);
  return v > max ? undefined : v;
}

const ULONG_MAX = (1n << 64n) - 1n;
const U32_MAX = (1n << 32n) - 1n;

// strim(): strip leading and trailing isspace() characters.
function strim(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "");
}

/**
 * Parses a schemata file as the kernel's `rdtgroup_schemata_write` does, throwing on what the
 * kernel rejects with its own `last_cmd_status` text (`Missing ':'`, `Missing 'L3' value`,
 * `Missing '=' or non-numeric domain`, `Non-hex character in the mask …`, `Invalid MB value …`,
 * `Unknown or unsupported resource name '…'`, `Duplicate domain …`). Range checks against a
 * real resource (mask length, min bits, bandwidth range) are {@link ResctrlFilesystem}'s job.
 *
 * @throws {@link MemPartitionerError} code `SCHEMATA_EINVAL`, message = the kernel's text, with
 * line, offset and field.
 * @example
 * ```ts
 * const s = parseSchemata("L3:0=1ffff;1=1ffff\n");
 * console.log(s.lines[0]!.domains); // [{ id: 0, value: 131071 }, { id: 1, value: 131071 }]
 * ```
 */
export function parseSchemata(text: string, options: ParseSchemataOptions = {}): Schemata {
  const formats = options.formats ?? SCHEMA_FORMATS;
  // "Valid input requires a trailing newline" — the kernel returns -EINVAL without a message.
  if (text.length === 0 || !text.endsWith("\n")) {
    fail("Valid input requires a trailing newline", 1, text.length);
  }
  const body = text.slice(0, -1);
  const rawLines = body.split("\n");
  const lines: SchemataLine[] = [];
  const seen = new Map<string, Set<number>>();
  let nameWidth = 0;
  let offset = 0;
  rawLines.forEach((raw, li) => {
    const lineNo = li + 1;
    const colon = raw.indexOf(":");
    const resname = strim(colon < 0 ? raw : raw.slice(0, colon));
    if (colon < 0) fail("Missing ':'", lineNo, offset + raw.length);
    const tok = raw.slice(colon + 1);
    if (tok.length === 0) fail(`Missing '${resname}' value`, lineNo, offset + colon + 1, resname);
    const format = Object.hasOwn(formats, resname) ? formats[resname] : undefined;
    if (format === undefined) {
      fail(`Unknown or unsupported resource name '${resname}'`, lineNo, offset, resname);
    }
    nameWidth = Math.max(nameWidth, colon);
    const ids = seen.get(resname) ?? new Set<number>();
    seen.set(resname, ids);
    const domains: SchemataDomain[] = [];
    let pos = colon + 1;
    let rest: string | undefined = tok;
    while (rest !== undefined && rest.length > 0) {
      const semi = rest.indexOf(";");
      const dom = semi < 0 ? rest : rest.slice(0, semi);
      const here = offset + pos;
      rest = semi < 0 ? undefined : rest.slice(semi + 1);
      pos += dom.length + 1;
      const eq = dom.indexOf("=");
      const idText = eq < 0 ? dom : dom.slice(0, eq);
      const id = kstrto(idText, 10, ULONG_MAX);
      if (eq < 0 || id === undefined) {
        fail("Missing '=' or non-numeric domain", lineNo, here, resname);
      }
      const valueText = strim(dom.slice(eq + 1));
      const idNum = Number(id);
      if (ids.has(idNum)) fail(`Duplicate domain ${idNum}`, lineNo, here, `${resname}:${idNum}`);
      ids.add(idNum);
      let value: bigint | undefined;
      if (format === "bitmap") {
        value = kstrto(valueText, 16, ULONG_MAX);
        if (value === undefined) {
          fail(
            `Non-hex character in the mask ${valueText}`,
            lineNo,
            here + eq + 1,
            `${resname}:${idNum}`,
          );
        }
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
          fail("Mask out of range", lineNo, here + eq + 1, `${resname}:${idNum}`);
        }
      } else {
        value = kstrto(valueText, 10, U32_MAX);
        if (value === undefined) {
          fail(`Invalid MB value ${valueText}`, lineNo, here + eq + 1, `${resname}:${idNum}`);
        }
      }
      domains.push({ id: idNum, value: Number(value) });
    }
    lines.push({ resource: resname, domains });
    offset += raw.length + 1;
  });
  return { lines, nameWidth };
}

/** Options of {@link formatSchemata}. */
export interface FormatSchemataOptions {
  /** Right-align names to this width. Default: the schemata's own `nameWidth`, else the longest name. */
  readonly nameWidth?: number;
  /** Known schema names and their formats. Default {@link SCHEMA_FORMATS}. */
  readonly formats?: Readonly<Record<string, SchemaFormat>>;
}

/**
 * Prints schemata as the kernel's `show_doms` does: `"%*s:"` with the name width, then
 * `"%d=%x"` (bitmaps) or `"%d=%u"` (ranges) joined by `;`, one line per schema.
 *
 * @throws {@link MemPartitionerError} `BAD_SCHEMATA` for an unknown schema name or a value that is
 * not a non-negative integer.
 * @example
 * ```ts
 * const text = formatSchemata({ lines: [{ resource: "MB", domains: [{ id: 0, value: 2048 }] }], nameWidth: 6 });
 * console.log(JSON.stringify(text)); // "    MB:0=2048\n"
 * ```
 */
export function formatSchemata(
  schemata: { readonly lines: readonly SchemataLine[]; readonly nameWidth?: number },
  options: FormatSchemataOptions = {},
): string {
  const formats = options.formats ?? SCHEMA_FORMATS;
  const width =
    options.nameWidth ??
    schemata.nameWidth ??
    Math.max(0, ...schemata.lines.map((l) => l.resource.length));
  let out = "";
  for (const line of schemata.lines) {
    const format = Object.hasOwn(formats, line.resource) ? formats[line.resource] : undefined;
    if (format === undefined) {
      throw new MemPartitionerError("BAD_SCHEMATA", `unknown schema ${line.resource}`, {
        field: line.resource,
      });
    }
    const doms = line.domains.map((d) => {
      if (
        !Number.isSafeInteger(d.value) ||
        d.value < 0 ||
        !Number.isSafeInteger(d.id) ||
        d.id < 0
      ) {
        throw new MemPartitionerError("BAD_SCHEMATA", `bad value for domain ${d.id}`, {
          field: `${line.resource}:${d.id}`,
        });
      }
      return `${d.id}=${format === "bitmap" ? d.value.toString(16) : d.value.toString(10)}`;
    });
    out += `${line.resource.padStart(width)}:${doms.join(";")}\n`;
  }
  return out;
}
