import { TcpStateTransferError } from "../errors";

/** Parses an IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2) into 4 or 16 bytes. */
export function parseIp(text: string, field: string): Uint8Array {
  if (text.includes(":")) return parseIpv6(text, field);
  const parts = text.split(".");
  if (parts.length !== 4) throw bad(text, field);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) throw bad(text, field);
    out[i] = Number(p);
  });
  return out;
}

function parseIpv6(text: string, field: string): Uint8Array {
  const halves = text.split("::");
  if (halves.length > 2) throw bad(text, field);
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  let words: number[] = [];
  const parseGroups = (gs: string[]): number[] => {
    const ws: number[] = [];
    gs.forEach((g, i) => {
      if (g.includes(".") && i === gs.length - 1) {
        const v4 = parseIp(g, field);
        ws.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad(text, field);
        ws.push(Number.parseInt(g, 16));
      }
    });
    return ws;
  };
  const h = parseGroups(head);
  const t = parseGroups(tail);
  if (halves.length === 2) {
    if (h.length + t.length > 7) throw bad(text, field);
    words = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  } else {
    if (h.length !== 8) throw bad(text, field);
    words = h;
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Formats 4 or 16 bytes; IPv6 in the RFC 5952 canonical form. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero words, the first on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

function bad(text: string, field: string): TcpStateTransferError {
  return new TcpStateTransferError("BAD_ADDRESS", `not an IP address: ${JSON.stringify(text)}`, {
    field,
  });
}
