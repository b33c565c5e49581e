// A reader for the subset of YAML 1.2 a tenants file needs (written here; the workspace has no
// YAML dependency): block mappings and sequences by indentation, one-line flow collections
// (`[a, b]`, `{ k: v }`), plain, single- and double-quoted scalars, comments, `---`/`...`.
// Anchors, aliases, tags, block scalars (`|`, `>`), multi-line flow collections, complex keys and
// several documents are refused with BAD_YAML and the line, never misread.
import { NohypeHostError } from "./errors";

/** A value of the YAML subset (the JSON data model). */
export type YamlValue = null | boolean | number | string | YamlValue[] | { [k: string]: YamlValue };

interface Line {
  /** 1-based line number in the text. */
  readonly no: number;
  /** Column of the first non-space character. */
  readonly indent: number;
  /** The content from `indent`, comment and trailing spaces removed. */
  readonly text: string;
}

function fail(message: string, line: number): never {
  throw new NohypeHostError("BAD_YAML", message, { line });
}

/** Cuts a comment (`#` at the start or after a space, outside quotes). */
function stripComment(s: string, no: number): string {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== null) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) {
        if (quote === "'" && s[i + 1] === "'") i++;
        else quote = null;
      }
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s[{,:-]/.test(s[i - 1]!)) quote = c;
    } else if (c === "#" && (i === 0 || s[i - 1] === " " || s[i - 1] === "\t"))
      return s.slice(0, i).trimEnd();
  }
  if (quote !== null) fail(`unterminated ${quote === '"' ? "double" : "single"}-quoted string`, no);
  return s.trimEnd();
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  const raw = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let docs = 0;
  for (const [i, r] of raw.entries()) {
    const no = i + 1;
    const indent = r.length - r.trimStart().length;
    if (/^ *\t/.test(r) && r.trim().length > 0) fail("tab in indentation", no);
    const t = stripComment(r.slice(indent), no);
    if (t.length === 0) continue;
    if (indent === 0 && (t === "---" || t.startsWith("--- "))) {
      if (++docs > 1 || out.length > 0) fail("only one document is supported", no);
      if (t !== "---") fail("content after --- is not supported", no);
      continue;
    }
    if (indent === 0 && t === "...") break;
    if (indent === 0 && t.startsWith("%")) fail("directives are not supported", no);
    out.push({ no, indent, text: t });
  }
  return out;
}

/** Index of the `:` that separates a mapping key from its value, or -1. */
function keyColon(s: string): number {
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== null) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) quote = null;
    } else if ((c === '"' || c === "'") && i === 0) quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
    else if (c === ":" && depth === 0 && (i + 1 === s.length || s[i + 1] === " ")) return i;
  }
  return -1;
}

function isSeqItem(s: string): boolean {
  return s === "-" || s.startsWith("- ");
}

class Reader {
  private readonly ls: Line[];
  constructor(text: string) {
    this.ls = lines(text);
  }

  document(): YamlValue {
    if (this.ls.length === 0) return null;
    const first = this.ls[0]!;
    const [v, next] = this.block(0, first.indent);
    if (next < this.ls.length) fail("unexpected indentation", this.ls[next]!.no);
    return v;
  }

  /** A block node whose first line is `i`, at column `indent`. Returns it and the next line. */
  private block(i: number, indent: number): [YamlValue, number] {
    const l = this.ls[i]!;
    if (l.indent !== indent) fail("unexpected indentation", l.no);
    if (isSeqItem(l.text)) return this.sequence(i, indent);
    if (keyColon(l.text) >= 0) return this.mapping(i, indent);
    const v = inline(l.text, l.no);
    const n = this.ls[i + 1];
    if (n !== undefined && n.indent > indent) fail("unexpected indentation", n.no);
    return [v, i + 1];
  }

  private sequence(i: number, indent: number): [YamlValue, number] {
    const out: YamlValue[] = [];
    while (i < this.ls.length) {
      const l = this.ls[i]!;
      if (l.indent < indent) break;
      if (l.indent > indent) fail("unexpected indentation", l.no);
      if (!isSeqItem(l.text)) break; // e.g. the next key of a mapping the sequence is a value of
      const rest = l.text.slice(1).trimStart();
      if (rest.length === 0) {
        const n = this.ls[i + 1];
        if (n === undefined || n.indent <= indent) {
          out.push(null);
          i++;
        } else {
          const [v, next] = this.block(i + 1, n.indent);
          out.push(v);
          i = next;
        }
      } else {
        // The item's content starts a block at its own column (e.g. `- name: a` then `  vcpus: 2`).
        const col = indent + (l.text.length - rest.length);
        this.ls[i] = { no: l.no, indent: col, text: rest };
        const [v, next] = this.block(i, col);
        out.push(v);
        i = next;
      }
    }
    return [out, i];
  }

  private mapping(i: number, indent: number): [YamlValue, number] {
    const out: { [k: string]: YamlValue } = {};
    while (i < this.ls.length) {
      const l = this.ls[i]!;
      if (l.indent < indent) break;
      if (l.indent > indent) fail("unexpected indentation", l.no);
      const at = isSeqItem(l.text) ? -1 : keyColon(l.text);
      if (at < 0) fail("expected `key: value`", l.no);
      const rawKey = l.text.slice(0, at).trim();
      if (rawKey.length === 0 || rawKey.startsWith("?")) fail("unsupported mapping key", l.no);
      const key = inline(rawKey, l.no);
      if (key !== null && typeof key === "object") fail("unsupported mapping key", l.no);
      const k = String(key);
      if (Object.hasOwn(out, k)) fail(`duplicate key ${k}`, l.no);
      const rest = l.text.slice(at + 1).trim();
      if (rest.length > 0) {
        put(out, k, inline(rest, l.no));
        i++;
        const n = this.ls[i];
        if (n !== undefined && n.indent > indent) fail("unexpected indentation", n.no);
        continue;
      }
      const n = this.ls[i + 1];
      if (n !== undefined && (n.indent > indent || (n.indent === indent && isSeqItem(n.text)))) {
        const [v, next] = this.block(i + 1, n.indent);
        put(out, k, v);
        i = next;
      } else {
        put(out, k, null);
        i++;
      }
    }
    return [out, i];
  }
}

/** A one-line node: a flow collection or a scalar, the whole of `s`. */
function inline(s: string, no: number): YamlValue {
  const p = { s, at: 0, no };
  const v = flow(p, false);
  skipSpaces(p);
  if (p.at !== s.length) fail(`unexpected ${JSON.stringify(s.slice(p.at))}`, no);
  return v;
}

/** Sets an own property (also `__proto__`, as JSON.parse does). */
function put(o: { [k: string]: YamlValue }, k: string, v: YamlValue): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

interface Cursor {
  readonly s: string;
  at: number;
  readonly no: number;
}

function skipSpaces(p: Cursor): void {
  while (p.s[p.at] === " ") p.at++;
}

function flow(p: Cursor, inFlow: boolean): YamlValue {
  skipSpaces(p);
  const c = p.s[p.at];
  if (c === "[" || c === "{") return collection(p);
  if (c === '"' || c === "'") return quoted(p);
  if (c === "&" || c === "*" || c === "!")
    fail("anchors, aliases and tags are not supported", p.no);
  if ((c === "|" || c === ">") && !inFlow) fail("block scalars are not supported", p.no);
  if (c === "@" || c === "`") fail(`a plain scalar cannot start with ${c}`, p.no);
  let end = p.at;
  if (inFlow) {
    while (end < p.s.length && !",[]{}".includes(p.s[end]!)) {
      if (p.s[end] === ":" && (p.s[end + 1] === " " || ",]}".includes(p.s[end + 1] ?? ","))) break;
      end++;
    }
  } else end = p.s.length;
  const raw = p.s.slice(p.at, end).trim();
  if (/^[-?:]( |$)/.test(raw))
    fail(`a plain scalar cannot start with ${JSON.stringify(raw[0])}`, p.no);
  if (!inFlow && /: |:$/.test(raw)) fail("a `key: value` is not allowed here", p.no);
  p.at = end;
  return plain(raw);
}

function notClosed(close: string, no: number): never {
  return fail(
    `flow collection not closed with ${close} on its line (multi-line flow is not supported)`,
    no,
  );
}

function collection(p: Cursor): YamlValue {
  const open = p.s[p.at]!;
  const close = open === "[" ? "]" : "}";
  p.at++;
  const list: YamlValue[] = [];
  const map: { [k: string]: YamlValue } = {};
  for (;;) {
    skipSpaces(p);
    if (p.at >= p.s.length) notClosed(close, p.no);
    if (p.s[p.at] === close) {
      p.at++;
      return open === "[" ? list : map;
    }
    const v = flow(p, true);
    skipSpaces(p);
    if (open === "{") {
      if (p.s[p.at] !== ":") fail("expected `:` in a flow mapping", p.no);
      p.at++;
      if (v !== null && typeof v === "object") fail("unsupported mapping key", p.no);
      const k = String(v);
      if (Object.hasOwn(map, k)) fail(`duplicate key ${k}`, p.no);
      skipSpaces(p);
      put(map, k, p.s[p.at] === "," || p.s[p.at] === "}" ? null : flow(p, true));
      skipSpaces(p);
    } else list.push(v);
    if (p.s[p.at] === ",") p.at++;
    else if (p.at >= p.s.length) notClosed(close, p.no);
    else if (p.s[p.at] !== close) fail(`expected , or ${close}`, p.no);
  }
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
};

function quoted(p: Cursor): string {
  const q = p.s[p.at]!;
  let out = "";
  for (let i = p.at + 1; i < p.s.length; i++) {
    const c = p.s[i]!;
    if (q === "'" && c === "'") {
      if (p.s[i + 1] === "'") {
        out += "'";
        i++;
        continue;
      }
      p.at = i + 1;
      return out;
    }
    if (q === '"' && c === '"') {
      p.at = i + 1;
      return out;
    }
    if (q === '"' && c === "\\") {
      const e = p.s[i + 1] ?? "";
      const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (hex > 0) {
        const h = p.s.slice(i + 2, i + 2 + hex);
        if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== hex) fail(`bad escape \\${e}${h}`, p.no);
        out += String.fromCodePoint(Number.parseInt(h, 16));
        i += 1 + hex;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) fail(`bad escape \\${e}`, p.no);
        out += r;
        i++;
      }
      continue;
    }
    out += c;
  }
  return fail("unterminated quoted string", p.no);
}

/** YAML 1.2 core schema resolution of a plain scalar. */
function plain(s: string): YamlValue {
  if (s === "" || s === "~" || /^(null|Null|NULL)$/.test(s)) return null;
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) return Number(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
  if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.slice(2), 8);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  return s;
}

/**
 * Parses the YAML subset described above into JSON-model values.
 *
 * @throws {@link NohypeHostError} `BAD_YAML` with the line.
 * @example
 * ```ts
 * parseYaml("tenants:\n  - name: a\n    vcpus: 2\n"); // { tenants: [{ name: "a", vcpus: 2 }] }
 * ```
 */
export function parseYaml(text: string): YamlValue {
  return new Reader(text).document();
}
