import { XMLParser, XMLValidator } from "fast-xml-parser";
import { GraftPlannerError } from "../errors";

/** A parsed XML element as produced by fast-xml-parser (attributes prefixed with `@_`). */
export type XmlNode = { [key: string]: unknown };

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Location of an element in the source: the first occurrence of `needle` (e.g. `id="X"`)
 * after `from`; used so that semantic errors carry a line and an offset.
 */
export function locate(
  text: string,
  needle: string,
  field: string,
): { offset?: number; line?: number; field: string } {
  const offset = text.indexOf(needle);
  if (offset < 0) return { field };
  return { offset, line: lineAt(text, offset), field };
}

/** Parses XML after validating it; syntax errors carry the validator's line and column. */
export function parseXml(text: string, arrays: ReadonlySet<string>, what: string): XmlNode {
  const check = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (check !== true) {
    const { line, col, msg } = check.err;
    let offset = 0;
    for (let l = 1; l < line && offset >= 0; l++) offset = text.indexOf("\n", offset) + 1;
    throw new GraftPlannerError("XML_SYNTAX", `${what}: ${msg} (column ${col})`, {
      line,
      offset: Math.max(0, offset) + Math.max(0, col - 1),
    });
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    isArray: (name) => arrays.has(name),
  });
  try {
    return parser.parse(text) as XmlNode;
  } catch (e) {
    // the validator accepted it but the parser did not (e.g. an unclosed processing instruction)
    const m = /line[: ]+(\d+)/i.exec(String((e as Error).message));
    throw new GraftPlannerError(
      "XML_SYNTAX",
      `${what}: ${(e as Error).message}`,
      m === null ? {} : { line: Number(m[1]) },
      { cause: e },
    );
  }
}

/** Child element as an object, or undefined. */
export function child(node: unknown, name: string): XmlNode | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const c = (node as XmlNode)[name];
  if (typeof c === "object" && c !== null && !Array.isArray(c)) return c as XmlNode;
  if (c === "") return {};
  return undefined;
}

/** Children as an array (empty when absent). */
export function children(node: unknown, name: string): XmlNode[] {
  if (typeof node !== "object" || node === null) return [];
  const c = (node as XmlNode)[name];
  if (Array.isArray(c))
    return c.map((x) => (typeof x === "object" && x !== null ? x : { "#text": x }));
  if (c === undefined) return [];
  return [typeof c === "object" && c !== null ? (c as XmlNode) : { "#text": c }];
}

/** Text content of a child element, or undefined. */
export function text(node: unknown, name: string): string | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const c = (node as XmlNode)[name];
  if (typeof c === "string" || typeof c === "number") return String(c).trim();
  if (typeof c === "object" && c !== null && "#text" in c)
    return String((c as XmlNode)["#text"]).trim();
  return undefined;
}

/** An attribute value, or undefined. */
export function attr(node: unknown, name: string): string | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const v = (node as XmlNode)[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

/** Parses a decimal number strictly (whole string), or undefined. */
export function toNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}
