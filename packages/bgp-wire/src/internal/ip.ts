// IP address text <-> bytes, allocation-light. RFC 5952 canonical IPv6 text.

const DEC: string[] = [];
for (let i = 0; i < 256; i++) DEC.push(String(i));
const HEX16: string[] = [];

/** Per byte value: its decimal digits as character codes (three slots) and their count. */
const DIGITS = new Uint8Array(256 * 3);
const DIGIT_COUNT = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  const t = String(v);
  DIGIT_COUNT[v] = t.length;
  for (let i = 0; i < t.length; i++) DIGITS[v * 3 + i] = t.charCodeAt(i);
}
/** Slots of {@link ipv4TextShared}'s cache (a power of two). */
const SHARED_SLOTS = 4096;
const SHARED_KEYS = new Int32Array(SHARED_SLOTS);
const SHARED_TEXT: (string | undefined)[] = new Array(SHARED_SLOTS).fill(undefined);

/**
 * {@link ipv4Text} of the 4 bytes at `off`, returning the same string object for an address met
 * recently (a small direct-mapped cache): the addresses in path attributes — next hops, originator
 * and cluster ids, aggregators, MRT peers — repeat from message to message, and a consumer that
 * compares or looks them up (a RIB interning sets) then meets one string, with its hash already
 * computed, instead of a fresh copy each time.
 */
export function ipv4TextShared(buf: Uint8Array, off: number): string {
  const v = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
  const slot = Math.imul(v, 0x9e3779b1) >>> 20; // the top 12 bits: SHARED_SLOTS
  const hit = SHARED_TEXT[slot];
  if (hit !== undefined && SHARED_KEYS[slot] === v) return hit;
  const text = ipv4Text(buf, off);
  SHARED_KEYS[slot] = v;
  SHARED_TEXT[slot] = text;
  return text;
}

/** Scratch for {@link ipv4Text} and {@link ipv4PrefixText}: at most 18 characters. */
const TEXT = new Uint16Array(18);

/**
 * Writes the dotted quad of the 4 bytes at `off` into `c` from index 0 (bytes from index `n` on
 * read as 0); returns the number of characters.
 */
function dottedQuad(c: Uint16Array, buf: Uint8Array, off: number, n: number): number {
  let k = 0;
  for (let i = 0; i < 4; i++) {
    const v = i < n ? buf[off + i]! : 0;
    if (i > 0) c[k++] = 46;
    const d = v * 3;
    const l = DIGIT_COUNT[v]!;
    c[k++] = DIGITS[d]!;
    if (l > 1) c[k++] = DIGITS[d + 1]!;
    if (l > 2) c[k++] = DIGITS[d + 2]!;
  }
  return k;
}

/**
 * The string of the first `k` (7 to 18) character codes of `c`, made in one piece: a call with
 * that many arguments, not `apply` on a view (which V8 runs on a slower generic path).
 */
function fromCodes(c: Uint16Array, k: number): string {
  const f = String.fromCharCode;
  // biome-ignore format: one line per length
  switch (k) {
    case 7:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!);
    case 8:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!);
    case 9:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!);
    case 10:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!);
    case 11:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!);
    case 12:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!);
    case 13:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!);
    case 14:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!);
    case 15:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!);
    case 16:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!);
    case 17:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!);
    case 18:
      return f(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!);
  }
  return f.apply(null, c.subarray(0, k) as unknown as number[]);
}

/**
 * Dotted-quad text of 4 bytes at `off`; bytes past `end` read as 0 (NLRI prefixes are truncated).
 * Made in one piece from character codes: concatenating the four numbers would give a rope
 * (ConsString) for 13 characters and more, which costs memory and is flattened again by the first
 * reader of its characters.
 */
export function ipv4Text(buf: Uint8Array, off: number, n = 4): string {
  return fromCodes(TEXT, dottedQuad(TEXT, buf, off, n));
}

function hex16(v: number): string {
  let s = HEX16[v];
  if (s === undefined) {
    s = v.toString(16);
    if (v < 4096) HEX16[v] = s;
  }
  return s;
}

/** RFC 5952 text of 16 bytes at `off`; only the first `n` bytes are read, the rest are 0. */
export function ipv6Text(buf: Uint8Array, off: number, n = 16): string {
  const w = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) {
    const hi = 2 * i < n ? buf[off + 2 * i]! : 0;
    const lo = 2 * i + 1 < n ? buf[off + 2 * i + 1]! : 0;
    w[i] = (hi << 8) | lo;
  }
  // Longest run of zero words (length >= 2), first one on ties (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] === 0) {
      let j = i;
      while (j < 8 && w[j] === 0) j++;
      if (j - i > bestLen) {
        bestLen = j - i;
        bestStart = i;
      }
      i = j;
    } else i++;
  }
  if (bestLen < 2) bestStart = -1;
  // IPv4-mapped (::ffff:a.b.c.d) RFC 5952 §5
  if (bestStart === 0 && bestLen === 5 && w[5] === 0xffff) {
    return `::ffff:${DEC[w[6]! >> 8]}.${DEC[w[6]! & 255]}.${DEC[w[7]! >> 8]}.${DEC[w[7]! & 255]}`;
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? "::" : ":";
      i += bestLen - 1;
      continue;
    }
    s += hex16(w[i]!);
    if (i < 7) s += ":";
  }
  return s;
}

/** Parses dotted-quad text into `out` at `off`; returns false when not a valid IPv4 address. */
export function parseIpv4(text: string, out: Uint8Array, off: number): boolean {
  // One pass over the characters (this runs for every prefix and next hop encoded): four
  // decimal octets without leading zeros ("0" alone is one), each ≤ 255, separated by dots.
  const n = text.length;
  let at = 0;
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      if (at >= n || text.charCodeAt(at) !== 46) return false;
      at++;
    }
    const start = at;
    let v = 0;
    while (at < n) {
      const c = text.charCodeAt(at) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      at++;
    }
    const digits = at - start;
    if (digits === 0 || digits > 3 || v > 255) return false;
    if (digits > 1 && text.charCodeAt(start) === 48) return false;
    out[off + i] = v;
  }
  return at === n;
}

/** Parses IPv6 text (any RFC 4291 form, incl. embedded IPv4) into `out`; false when invalid. */
export function parseIpv6(text: string, out: Uint8Array, off: number): boolean {
  const words: number[] = [];
  let dbl = -1;
  let rest = text;
  if (rest.startsWith("::")) {
    dbl = 0;
    rest = rest.slice(2);
    if (rest === "") {
      for (let i = 0; i < 16; i++) out[off + i] = 0;
      return true;
    }
  }
  const parts = rest.split(":");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === "") {
      // "::" in the middle or at the end
      if (dbl !== -1) return false;
      if (i === parts.length - 1) return false;
      dbl = words.length;
      if (i === parts.length - 2 && parts[i + 1] === "") {
        i++;
      }
      continue;
    }
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = new Uint8Array(4);
      if (!parseIpv4(p, v4, 0)) return false;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
    words.push(Number.parseInt(p, 16));
  }
  if (dbl === -1 ? words.length !== 8 : words.length > 7) return false;
  const full: number[] =
    dbl === -1
      ? words
      : [
          ...words.slice(0, dbl),
          ...new Array<number>(8 - words.length).fill(0),
          ...words.slice(dbl),
        ];
  for (let i = 0; i < 8; i++) {
    out[off + 2 * i] = full[i]! >> 8;
    out[off + 2 * i + 1] = full[i]! & 255;
  }
  return true;
}

/**
 * `"a.b.c.d/length"` of the 4 bytes at `off` and a prefix length (0..99), made in one piece from
 * character codes like {@link ipv4Text}: the RTR decoder makes one per IPv4 Prefix PDU, and a flat
 * string is both cheaper to make and cheaper to hash than a concatenation.
 */
export function ipv4PrefixText(buf: Uint8Array, off: number, length: number): string {
  const c = TEXT;
  let k = dottedQuad(c, buf, off, 4);
  c[k++] = 47;
  if (length >= 10) c[k++] = 48 + ((length / 10) | 0);
  c[k++] = 48 + (length % 10);
  return fromCodes(c, k);
}

const HEX_CODES = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX_CODES[i] = "0123456789abcdef".charCodeAt(i);
const WORDS = new Uint16Array(8);
/** Scratch for {@link ipv6PrefixText}: at most 43 characters, and its views of each length. */
const PREFIX6_TEXT = new Uint16Array(44);
const PREFIX6_VIEWS: Uint16Array[] = [];
for (let k = 0; k <= 44; k++) PREFIX6_VIEWS.push(PREFIX6_TEXT.subarray(0, k));

/**
 * `"address/length"` of the 16 bytes at `off` (RFC 5952 text, as {@link ipv6Text}) and a prefix
 * length (0..199), made from character codes in one piece: about 1.4 times as fast as
 * concatenating, and the result is flat. IPv4-mapped addresses go through {@link ipv6Text}.
 */
export function ipv6PrefixText(buf: Uint8Array, off: number, length: number): string {
  const w = WORDS;
  for (let i = 0; i < 8; i++) w[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
  // Longest run of zero words (length >= 2), the first one on ties (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] === 0) {
      let j = i + 1;
      while (j < 8 && w[j] === 0) j++;
      if (j - i > bestLen) {
        bestLen = j - i;
        bestStart = i;
      }
      i = j;
    } else i++;
  }
  if (bestStart === 0 && bestLen === 5 && w[5] === 0xffff) return `${ipv6Text(buf, off)}/${length}`;
  const c = PREFIX6_TEXT;
  let k = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      if (i === 0) c[k++] = 58;
      c[k++] = 58;
      i += bestLen - 1;
      continue;
    }
    const v = w[i]!;
    if (v >= 0x1000) c[k++] = HEX_CODES[v >>> 12]!;
    if (v >= 0x100) c[k++] = HEX_CODES[(v >>> 8) & 15]!;
    if (v >= 0x10) c[k++] = HEX_CODES[(v >>> 4) & 15]!;
    c[k++] = HEX_CODES[v & 15]!;
    if (i < 7) c[k++] = 58;
  }
  c[k++] = 47;
  let l = length;
  if (l >= 100) {
    c[k++] = 49;
    l -= 100;
    c[k++] = 48 + ((l / 10) | 0);
  } else if (l >= 10) c[k++] = 48 + ((l / 10) | 0);
  c[k++] = 48 + (l % 10);
  return String.fromCharCode.apply(null, PREFIX6_VIEWS[k] as unknown as number[]);
}
