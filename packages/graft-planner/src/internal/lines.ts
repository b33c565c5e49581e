/** One non-empty line of a text file with its 1-based number and byte offset of its start. */
export interface TextLine {
  readonly line: number;
  readonly offset: number;
  readonly fields: string[];
}

/** Splits text into non-empty lines of whitespace-separated fields (offsets in UTF-16 units). */
export function splitLines(text: string): TextLine[] {
  const out: TextLine[] = [];
  let offset = 0;
  let line = 1;
  for (const raw of text.split("\n")) {
    const t = raw.trim();
    if (t.length > 0) out.push({ line, offset, fields: t.split(/\s+/) });
    offset += raw.length + 1;
    line++;
  }
  return out;
}

/** Strict decimal parse of a field; NaN when not a number. */
export function num(s: string | undefined): number {
  if (s === undefined || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number.NaN;
  return Number(s);
}
