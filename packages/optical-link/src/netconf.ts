import { OpticalLinkError } from "./errors";
import type { CrossConnect } from "./switch";

/** XML namespace of the Polatis `optical-switch` YANG module. */
export const POLATIS_OPTICAL_SWITCH_NS = "http://www.polatis.com/yang/optical-switch";

/**
 * The `cross-connects` container of the Polatis `optical-switch` model as NETCONF XML (the body
 * of an `edit-config` or of a `get` reply): one `pairs` entry per ingress, with `ingress` and
 * `egress` leaves.
 *
 * @example
 * ```ts
 * crossConnectsToXml([{ ingress: 1, egress: 17 }]);
 * // <cross-connects xmlns="http://www.polatis.com/yang/optical-switch">
 * //   <pairs><ingress>1</ingress><egress>17</egress></pairs>
 * // </cross-connects>
 * ```
 */
export function crossConnectsToXml(pairs: readonly CrossConnect[]): string {
  const body = [...pairs]
    .sort((a, b) => a.ingress - b.ingress)
    .map((p) => {
      for (const v of [p.ingress, p.egress]) {
        if (!Number.isInteger(v) || v < 1 || v > 0xffff_ffff) {
          throw new OpticalLinkError("BAD_PORT", `invalid port ${v}`, { field: "pairs" });
        }
      }
      return `  <pairs><ingress>${p.ingress}</ingress><egress>${p.egress}</egress></pairs>\n`;
    })
    .join("");
  return `<cross-connects xmlns="${POLATIS_OPTICAL_SWITCH_NS}">\n${body}</cross-connects>\n`;
}

interface XmlElement {
  readonly name: string;
  readonly offset: number;
  readonly children: XmlElement[];
  text: string;
}

const localName = (qname: string): string => qname.slice(qname.indexOf(":") + 1);

function decodeEntities(s: string, offset: number): string {
  return s.replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);|&/g,
    (m, e: string | undefined) => {
      if (e === undefined) {
        throw new OpticalLinkError("BAD_XML", "bare '&' in text", { offset });
      }
      switch (e) {
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "amp":
          return "&";
        case "quot":
          return '"';
        case "apos":
          return "'";
        default: {
          const code = e.startsWith("#x") ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
          if (!(code > 0 && code <= 0x10ffff)) {
            throw new OpticalLinkError("BAD_XML", `bad character reference ${m}`, { offset });
          }
          return String.fromCodePoint(code);
        }
      }
    },
  );
}

/** A small well-formedness-checking XML reader: elements, text, comments, PIs, CDATA. */
function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: "#document", offset: 0, children: [], text: "" };
  const stack: XmlElement[] = [root];
  let i = 0;
  const n = text.length;
  const lineOf = (o: number): number => text.slice(0, o).split("\n").length;
  const err = (msg: string, offset: number): OpticalLinkError =>
    new OpticalLinkError("BAD_XML", msg, { offset, line: lineOf(offset) });
  while (i < n) {
    const lt = text.indexOf("<", i);
    const chunkEnd = lt < 0 ? n : lt;
    if (chunkEnd > i) {
      const raw = text.slice(i, chunkEnd);
      const top = stack[stack.length - 1]!;
      if (top === root) {
        if (raw.trim() !== "") throw err("text outside the root element", i);
      } else top.text += decodeEntities(raw, i);
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i + 4);
      if (end < 0) throw err("unterminated comment", i);
      i = end + 3;
    } else if (text.startsWith("<?", i)) {
      const end = text.indexOf("?>", i + 2);
      if (end < 0) throw err("unterminated processing instruction", i);
      i = end + 2;
    } else if (text.startsWith("<![CDATA[", i)) {
      const end = text.indexOf("]]>", i + 9);
      if (end < 0) throw err("unterminated CDATA section", i);
      const top = stack[stack.length - 1]!;
      if (top === root) throw err("CDATA outside the root element", i);
      top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith("<!", i)) {
      throw err("DTDs are not accepted", i);
    } else if (text.startsWith("</", i)) {
      const m = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(i, i + 300));
      if (m === null) throw err("malformed end tag", i);
      const top = stack.pop()!;
      if (top === root || top.name !== m[1]) {
        stack.push(top);
        throw err(`end tag </${m[1]}> does not match <${top.name}>`, i);
      }
      i += m[0].length;
    } else {
      const close = text.indexOf(">", i);
      if (close < 0) throw err("unterminated start tag", i);
      const tag = text.slice(i + 1, close);
      const m =
        /^([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)$/.exec(
          tag,
        );
      if (m === null) throw err("malformed start tag", i);
      const el: XmlElement = { name: m[1]!, offset: i, children: [], text: "" };
      const parent = stack[stack.length - 1]!;
      if (parent === root && root.children.length > 0) throw err("more than one root element", i);
      parent.children.push(el);
      if (m[3] !== "/") stack.push(el);
      i = close + 1;
    }
  }
  if (stack.length > 1) throw err(`unclosed element <${stack[stack.length - 1]!.name}>`, n);
  if (root.children.length === 0) throw err("no root element", 0);
  return root;
}

function findAll(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (localName(c.name) === name) out.push(c);
    else findAll(c, name, out);
  }
  return out;
}

function leaf(pair: XmlElement, name: string): number {
  const found = pair.children.filter((c) => localName(c.name) === name);
  if (found.length !== 1) {
    throw new OpticalLinkError("BAD_CROSS_CONNECT", `pairs needs exactly one <${name}>`, {
      offset: pair.offset,
      field: name,
    });
  }
  const t = found[0]!.text.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(t) || Number(t) > 0xffff_ffff) {
    throw new OpticalLinkError(
      "BAD_CROSS_CONNECT",
      `<${name}> must be a port number, got ${JSON.stringify(t)}`,
      {
        offset: found[0]!.offset,
        field: name,
      },
    );
  }
  return Number(t);
}

/**
 * Reads the cross-connects from Polatis NETCONF XML: a `cross-connects` container anywhere in the
 * document (bare, or inside `<data>` / `<rpc-reply>`), namespace prefixes allowed. Malformed XML
 * or pairs throw `OpticalLinkError` with the byte offset (and line).
 *
 * @example
 * ```ts
 * parseCrossConnectsXml("<cross-connects><pairs><ingress>1</ingress><egress>17</egress></pairs></cross-connects>");
 * // [{ ingress: 1, egress: 17 }]
 * ```
 */
export function parseCrossConnectsXml(xml: string): CrossConnect[] {
  const doc = parseXml(xml);
  const containers = findAll(doc, "cross-connects");
  if (containers.length !== 1) {
    throw new OpticalLinkError(
      "BAD_CROSS_CONNECT",
      `expected one <cross-connects>, found ${containers.length}`,
      { offset: containers[1]?.offset ?? 0, field: "cross-connects" },
    );
  }
  const out: CrossConnect[] = [];
  const seen = new Set<number>();
  for (const p of containers[0]!.children.filter((c) => localName(c.name) === "pairs")) {
    const ingress = leaf(p, "ingress");
    const egress = leaf(p, "egress");
    if (seen.has(ingress)) {
      throw new OpticalLinkError("BAD_CROSS_CONNECT", `ingress ${ingress} listed twice`, {
        offset: p.offset,
        field: "ingress",
      });
    }
    seen.add(ingress);
    out.push({ ingress, egress });
  }
  return out;
}
