// Thin wrapper over fast-xml-parser: validates first (line/column of malformed XML), then builds a
// small element tree in document order where every element knows the line of its start tag.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { VmCorePinnerError } from "../errors";

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated text content of direct text children (trimmed). */
  readonly text: string;
  /** 1-based line of the start tag, when it could be located. */
  readonly line: number | undefined;
  /** Byte (UTF-16 code unit) offset of the start tag. */
  readonly offset: number | undefined;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  preserveOrder: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

/** Start tags in document order, skipping comments, CDATA, processing instructions and DOCTYPE. */
function startTags(text: string): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      i = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith("<![CDATA[", lt)) {
      const end = text.indexOf("]]>", lt + 9);
      i = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith("<!", lt) || text.startsWith("<?", lt)) {
      const end = text.indexOf(">", lt + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (text[lt + 1] === "/") {
      i = lt + 2;
      continue;
    }
    const m = /^<([A-Za-z_][\w:.-]*)/.exec(text.slice(lt, lt + 200));
    if (m?.[1]) out.push({ name: m[1], offset: lt });
    i = lt + 1;
  }
  return out;
}

function lineAt(text: string, offset: number, lineStarts: number[]): number {
  // Binary search in the sorted list of line start offsets.
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  void text;
  return lo + 1;
}

type Ordered = Record<string, unknown>;

/**
 * Parse an XML document into {@link XmlElement}s.
 * @throws VmCorePinnerError `XML_MALFORMED` with line (and column as offset within the line).
 */
export function parseXml(text: string, what: string): XmlElement {
  if (typeof text !== "string") {
    throw new VmCorePinnerError("XML_MALFORMED", `${what}: expected XML text`);
  }
  const v = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (v !== true) {
    throw new VmCorePinnerError(
      "XML_MALFORMED",
      `${what}: malformed XML: ${v.err.msg} (column ${v.err.col})`,
      {
        line: v.err.line,
        field: v.err.code,
      },
    );
  }
  let raw: Ordered[];
  try {
    raw = parser.parse(text) as Ordered[];
  } catch (e) {
    throw new VmCorePinnerError(
      "XML_MALFORMED",
      `${what}: malformed XML: ${(e as Error).message}`,
      {},
      { cause: e },
    );
  }
  const tags = startTags(text);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  let tagCursor = 0;
  const convert = (node: Ordered): XmlElement | null => {
    const name = Object.keys(node).find((k) => k !== ":@");
    if (name === undefined || name === "#text") return null;
    let offset: number | undefined;
    // Elements come out in document order; pair each with the next start tag of that name.
    while (tagCursor < tags.length && (tags[tagCursor] as { name: string }).name !== name)
      tagCursor++;
    if (tagCursor < tags.length) {
      offset = (tags[tagCursor] as { offset: number }).offset;
      tagCursor++;
    }
    const attrs: Record<string, string> = {};
    const rawAttrs = node[":@"] as Record<string, unknown> | undefined;
    if (rawAttrs) for (const [k, val] of Object.entries(rawAttrs)) attrs[k] = String(val);
    const children: XmlElement[] = [];
    let textContent = "";
    const kids = node[name];
    if (Array.isArray(kids)) {
      for (const k of kids as Ordered[]) {
        if (Object.hasOwn(k, "#text")) textContent += String(k["#text"]);
        else {
          const c = convert(k);
          if (c) children.push(c);
        }
      }
    }
    return {
      name,
      attrs,
      children,
      text: textContent.trim(),
      line: offset === undefined ? undefined : lineAt(text, offset, lineStarts),
      offset,
    };
  };
  const roots = raw.map(convert).filter((e): e is XmlElement => e !== null);
  const root = roots[0];
  if (!root) throw new VmCorePinnerError("XML_MALFORMED", `${what}: no root element`, { line: 1 });
  return root;
}

/** Throw a `VmCorePinnerError` located at an element. */
export function xmlError(
  code: string,
  what: string,
  el: XmlElement,
  message: string,
  field?: string,
): never {
  throw new VmCorePinnerError(code, `${what}: <${el.name}>: ${message}`, {
    ...(el.line !== undefined ? { line: el.line } : {}),
    ...(el.offset !== undefined ? { offset: el.offset } : {}),
    field: field ?? el.name,
  });
}
