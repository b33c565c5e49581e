// `bgpdump -m` / `-M` compatible text for MRT frames. The attribute parsing here deliberately
// follows what bgpdump 1.6 prints (defaults for absent attributes, its AS4_PATH merge, its
// abbreviated-MP_REACH detection) so that output is byte-identical; the structured decoder of
// this package is the RFC-faithful one.
import { ByteCache } from "./internal/byte-cache";
import type { MrtFrame } from "./mrt-reader";

const DEC: string[] = [];
for (let i = 0; i < 256; i++) DEC.push(String(i));

/** Zero-padded reads past the end, like bgpdump's mstream. */
class MS {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly end: number,
  ) {}
  can(): number {
    return this.end - this.p;
  }
  c(): number {
    return this.p < this.end ? this.b[this.p++]! : 0;
  }
  w(): number {
    if (this.p + 2 > this.end) {
      this.p = this.end;
      return 0;
    }
    const v = (this.b[this.p]! << 8) | this.b[this.p + 1]!;
    this.p += 2;
    return v;
  }
  l(): number {
    if (this.p + 4 > this.end) {
      this.p = this.end;
      return 0;
    }
    const b = this.b;
    const p = this.p;
    this.p += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  /** n bytes into a zeroed array of `size`. */
  get(n: number, size: number): Uint8Array {
    const out = new Uint8Array(Math.max(size, 0));
    const k = Math.min(n, this.can());
    for (let i = 0; i < k && i < size; i++) out[i] = this.b[this.p + i]!;
    this.p += k;
    return out;
  }
  skip(n: number): void {
    this.p += Math.min(n, this.can());
  }
  copy(n: number): MS {
    const k = Math.min(n, this.can());
    const s = new MS(this.b, this.p, this.p + k);
    this.p += k;
    return s;
  }
}

function v4(b: Uint8Array, off = 0): string {
  return `${DEC[b[off]!]}.${DEC[b[off + 1]!]}.${DEC[b[off + 2]!]}.${DEC[b[off + 3]!]}`;
}
function v4n(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** IPv6 text as bgpdump's fmt_ipv6 prints it (longest zero run as ::, IPv4-mapped dotted). */
function v6(b: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bs = -1;
  let bl = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bl) {
      bl = j - i;
      bs = i;
    }
    i = j;
  }
  // bgpdump compresses the first longest run of zero words, even a single one.
  if (bl < 1) bs = -1;
  if (bs === 0 && bl === 5 && w[5] === 0xffff) return `::ffff:${v4(b, off + 12)}`;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bs) {
      s += i === 0 ? "::" : ":";
      i += bl - 1;
      continue;
    }
    s += w[i]!.toString(16);
    if (i < 7) s += ":";
  }
  return s;
}

interface BPrefix {
  len: number;
  pathId: number;
  /** IPv6 address octets (IPv6 lists). */
  addr: Uint8Array | undefined;
  /** IPv4 address text (IPv4 lists), built straight from the buffer. */
  a4: string;
}

interface MpNlri {
  nhLen: number;
  nh: Uint8Array;
  nhLocal: Uint8Array;
  prefixes: BPrefix[];
}

/** bgpdump's view of an attribute block. */
interface BAttr {
  flag: number;
  origin: number;
  aspath: AsPathData | undefined;
  nexthop: number;
  med: number;
  localPref: number;
  aggAs: number;
  aggAddr: number;
  community: string | undefined;
  newAspath: AsPathData | undefined;
  newAggAs: number;
  newAggAddr: number;
  announce: Map<number, MpNlri>;
  withdraw: Map<number, BPrefix[]>;
  /** Cached text pieces. */
  text?: {
    aspath: string;
    origin: string;
    tail: string;
    nh4: string;
    ag: string;
    agg: string;
    comm: string;
    lp: number;
    med: number;
  };
}

interface AsPathData {
  asnLen: 2 | 4;
  data: Uint8Array;
  count: number;
  str: string;
}

const INADDR_NONE = 0xffffffff;
// Shared empty maps: most attribute blocks have no MP_REACH/MP_UNREACH (copied on first write).
const EMPTY_ANNOUNCE: Map<number, MpNlri> = new Map();
const EMPTY_WITHDRAW: Map<number, BPrefix[]> = new Map();

function readPrefixList(s: MS, afi: number, addPath: boolean): BPrefix[] {
  const out: BPrefix[] = [];
  const b = s.b;
  while (s.can() > 0) {
    const pathId = addPath ? s.l() : 0;
    const len = s.c();
    const n = (len + 7) >> 3;
    if (s.can() < n) break;
    if (n > 16) {
      // bgpdump copies the prefix into a 16-octet address; longer ones overwrite the length.
      const all = s.get(n, n);
      const addr = all.slice(0, 16);
      out.push({ len: all[16]!, pathId, addr, a4: v4(addr) });
      continue;
    }
    if (afi === 1) {
      const p = s.p;
      const o0 = n > 0 ? b[p]! : 0;
      const o1 = n > 1 ? b[p + 1]! : 0;
      const o2 = n > 2 ? b[p + 2]! : 0;
      const o3 = n > 3 ? b[p + 3]! : 0;
      s.p += n;
      out.push({ len, pathId, addr: undefined, a4: `${DEC[o0]}.${DEC[o1]}.${DEC[o2]}.${DEC[o3]}` });
    } else out.push({ len, pathId, addr: s.get(n, 16), a4: "" });
  }
  return out;
}

function asPathFrom(data: Uint8Array, asnLen: 2 | 4): AsPathData {
  const p: AsPathData = { asnLen, data, count: 0, str: "" };
  aspathString(p);
  return p;
}

const DELIM_START: Record<number, string> = { 1: "{", 3: "(", 4: "[" };
const DELIM_END: Record<number, string> = { 1: "}", 3: ")", 4: "]" };

function aspathString(as: AsPathData): void {
  const d = as.data;
  let pnt = 0;
  const end = d.length;
  let s = "";
  let space = false;
  let type = 2;
  let lastType = -1;
  as.count = 0;
  while (pnt < end) {
    const segType = d[pnt]!;
    const segLen = pnt + 1 < end ? d[pnt + 1]! : 0;
    if (segType < 1 || segType > 4) {
      as.count = 0;
      as.str = "! Error !";
      return;
    }
    if (pnt + segLen * as.asnLen + 2 > end) {
      as.count = 0;
      as.str = "! Error !";
      return;
    }
    if (type !== 2) s += DELIM_END[type] ?? " ";
    if (space) s += " ";
    if (segType !== 2) s += DELIM_START[segType]!;
    space = false;
    as.count += segType === 2 || segType === 3 ? segLen : 1;
    const sep = segType === 1 || segType === 4 ? "," : " ";
    for (let i = 0; i < segLen; i++) {
      if (space) s += sep;
      else space = true;
      const q = pnt + 2 + i * as.asnLen;
      const asn =
        as.asnLen === 2
          ? (d[q]! << 8) | d[q + 1]!
          : ((d[q]! << 24) | (d[q + 1]! << 16) | (d[q + 2]! << 8) | d[q + 3]!) >>> 0;
      s += asn;
      if (s.length > 8000 - 100) {
        as.str = `${s}...`;
        return;
      }
    }
    type = segType;
    lastType = segType;
    pnt += segLen * as.asnLen + 2;
  }
  if (lastType !== -1 && lastType !== 2) s += DELIM_END[lastType]!;
  as.str = s;
}

function communityString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 4 <= b.length; i += 4) {
    const v = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    if (v === 0xffffff01) s += " no-export";
    else if (v === 0xffffff02) s += " no-advertise";
    else if (v === 0xffffff03) s += " local-AS";
    else s += ` ${(v >>> 16) & 0xffff}:${v & 0xffff}`;
  }
  return s;
}

function getNexthop(s: MS, afi: number): MpNlri {
  const nhLen = s.c();
  if (afi === 1) return { nhLen, nh: s.get(4, 16), nhLocal: new Uint8Array(16), prefixes: [] };
  const nh = s.get(16, 16);
  const nhLocal = nhLen === 32 ? s.get(16, 16) : new Uint8Array(16);
  return { nhLen, nh, nhLocal, prefixes: [] };
}

function parseAttributes(raw: Uint8Array, asnLen: 2 | 4, addPath: boolean): BAttr {
  const a: BAttr = {
    flag: 0,
    origin: -1,
    aspath: undefined,
    nexthop: INADDR_NONE,
    med: 0,
    localPref: 0,
    aggAs: -1,
    aggAddr: INADDR_NONE,
    community: undefined,
    newAspath: undefined,
    newAggAs: -1,
    newAggAddr: INADDR_NONE,
    announce: EMPTY_ANNOUNCE,
    withdraw: EMPTY_WITHDRAW,
  };
  const outer = new MS(raw, 0, raw.length);
  while (outer.can() > 0) {
    const flag = outer.c();
    const type = outer.c();
    const len = flag & 0x10 ? outer.w() : outer.c();
    const s = outer.copy(len);
    if (s.can() !== len) return finish(a, asnLen);
    if (type >= 1 && type <= 32) a.flag |= 1 << (type - 1);
    switch (type) {
      case 14: {
        if (s.can() > 0 && raw[s.p] !== 0) {
          if (a.announce === EMPTY_ANNOUNCE) a.announce = new Map();
          if (!a.announce.has(2 * 8 + 1)) a.announce.set(2 * 8 + 1, getNexthop(s, 2));
          break;
        }
        const afi = s.w();
        const safi = s.c();
        if (afi > 2 || safi > 3 || afi === 0 || safi === 0) break;
        const key = afi * 8 + safi;
        if (a.announce === EMPTY_ANNOUNCE) a.announce = new Map();
        if (a.announce.has(key)) break;
        const mp = getNexthop(s, afi);
        a.announce.set(key, mp);
        let snpa = s.c();
        for (; snpa > 0; snpa--) s.skip(s.c());
        mp.prefixes = readPrefixList(s, afi, addPath);
        break;
      }
      case 15: {
        const afi = s.w();
        const safi = s.c();
        if (afi > 2 || safi > 3 || afi === 0 || safi === 0) break;
        const key = afi * 8 + safi;
        if (a.withdraw === EMPTY_WITHDRAW) a.withdraw = new Map();
        if (a.withdraw.has(key)) break;
        a.withdraw.set(key, readPrefixList(s, afi, addPath));
        break;
      }
      case 1:
        a.origin = s.c();
        break;
      case 2:
        a.aspath = asPathFrom(s.get(len, len), asnLen);
        break;
      case 3:
        a.nexthop = s.l();
        break;
      case 4:
        a.med = s.l();
        break;
      case 5:
        a.localPref = s.l();
        break;
      case 7:
        a.aggAs = asnLen === 4 ? s.l() : s.w();
        a.aggAddr = s.l();
        break;
      case 8:
        a.community = communityString(s.get(len, len));
        break;
      case 17:
        a.newAspath = asPathFrom(s.get(len, len), 4);
        break;
      case 18:
        a.newAggAs = s.l();
        a.newAggAddr = s.l();
        break;
      default:
        break;
    }
  }
  return finish(a, asnLen);
}

const BIT = (t: number): number => 1 << (t - 1);

function finish(a: BAttr, asnLen: 2 | 4): BAttr {
  if (asnLen === 4) return a;
  if (a.flag & BIT(7) && a.flag & BIT(18)) {
    if (a.aggAs !== 23456) return a;
    a.aggAs = a.newAggAs;
    a.aggAddr = a.newAggAddr;
  }
  if (!(a.flag & BIT(17))) return a;
  const path = a.aspath;
  const np = a.newAspath;
  if (path === undefined || np === undefined) return a;
  if (path.count < np.count) return a;
  // bgpdump's merge: copies the FIRST AS_PATH segment (expanded to 4 octets) until the path has
  // count(AS_PATH) - count(AS4_PATH) ASes, then appends AS4_PATH.
  const want = path.count - np.count;
  const parts: number[] = [];
  let count = 0;
  const d = path.data;
  const segType = d[0] ?? 0;
  const segLen = d[1] ?? 0;
  let guard = 0;
  while (count < want && guard++ < 10_000) {
    let n = segLen;
    if (segType === 1 || segType === 4) count += 1;
    else {
      count += segLen;
      if (count > want) n -= count - want;
    }
    parts.push(segType, n);
    for (let i = 0; i < n; i++) {
      const q = 2 + 2 * i;
      parts.push(0, 0, d[q] ?? 0, d[q + 1] ?? 0);
    }
    if (segLen === 0) break;
  }
  const merged = new Uint8Array(parts.length + np.data.length);
  merged.set(parts, 0);
  merged.set(np.data, parts.length);
  a.aspath = asPathFrom(merged, 4);
  return a;
}

function describeOrigin(o: number): string {
  return o === 0 ? "IGP" : o === 1 ? "EGP" : "INCOMPLETE";
}

function texts(a: BAttr): NonNullable<BAttr["text"]> {
  if (a.text !== undefined) return a.text;
  const aspath = a.flag & BIT(2) && a.aspath !== undefined ? a.aspath.str : "";
  const origin = describeOrigin(a.origin);
  const lp = a.flag & BIT(5) ? a.localPref : 0;
  const med = a.flag & BIT(4) ? a.med : 0;
  const comm = a.flag & BIT(8) ? (a.community ?? "").slice(1) : "";
  const ag = a.flag & BIT(6) ? "AG" : "NAG";
  const agg = a.aggAddr !== INADDR_NONE ? `${a.aggAs >>> 0} ${v4n(a.aggAddr)}|` : "|";
  // `|lp|med|comm|AG|agg|` shared by all -m announce lines
  const tail = `|${lp}|${med}|${comm}|${ag}|${agg}`;
  a.text = { aspath, origin, tail, nh4: v4n(a.nexthop), ag, agg, comm, lp, med };
  return a.text;
}

/** Cache of parsed attribute blocks keyed by their bytes. */
class BgpdumpAttrCache {
  private readonly cache = new ByteCache<BAttr>(20_000);
  /** The parsed block for `raw` (parsed once per distinct bytes, AS size and ADD-PATH mode). */
  get(raw: Uint8Array, asnLen: 2 | 4, addPath: boolean): BAttr {
    if (raw.length > 2048) return parseAttributes(raw, asnLen, addPath);
    return this.cache.get(raw, asnLen + (addPath ? 8 : 0), () =>
      parseAttributes(raw, asnLen, addPath),
    );
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** bgpdump's time2str: MM/DD/YY HH:MM:SS (UTC). */
function time2str(t: number): string {
  const d = new Date(t * 1000);
  return `${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${pad2(d.getUTCFullYear() % 100)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/**
 * Opaque state of a bgpdump-format conversion of one file (the TABLE_DUMP_V2 peer index table
 * and a cache of parsed attributes); create it with {@link bgpdumpState}.
 *
 * @example
 * ```ts
 * import { type BgpdumpState, bgpdumpState } from "@dyninfra/bgp-wire";
 * const state: BgpdumpState = bgpdumpState();
 * ```
 */
export interface BgpdumpState {
  readonly kind: "bgpdump-state";
}

interface State extends BgpdumpState {
  peers: { afi: 1 | 2; ip: Uint8Array; as: number }[] | undefined;
  cache: BgpdumpAttrCache;
}

/**
 * A fresh state for {@link formatBgpdump}.
 *
 * @example
 * ```ts
 * import { bgpdumpState } from "@dyninfra/bgp-wire";
 * const state = bgpdumpState();
 * ```
 */
export function bgpdumpState(): BgpdumpState {
  const st: State = { kind: "bgpdump-state", peers: undefined, cache: new BgpdumpAttrCache() };
  return st;
}

/**
 * The `bgpdump -m` (mode `"m"`) or `-M` (mode `"M"`) lines of one MRT frame, each ending in
 * `\n` (empty string for records bgpdump prints nothing for). Returns `undefined` for records
 * bgpdump rejects (unsupported address family, bad marker…), which a caller may report.
 *
 * @example
 * ```ts
 * import { bgpdumpState, formatBgpdump } from "@dyninfra/bgp-wire";
 * const body = new Uint8Array([0, 1, 0, 1, 0, 0, 0, 1, 192, 0, 2, 1, 192, 0, 2, 2, 0, 1, 0, 6]);
 * formatBgpdump({ header: { timestamp: 1, type: 16, subtype: 0, length: body.length, offset: 0 }, body }, "m", bgpdumpState());
 * // "BGP4MP|1|STATE|192.0.2.1|1|1|6\n"
 * ```
 */
export function formatBgpdump(
  frame: MrtFrame,
  mode: "m" | "M",
  bgpdump: BgpdumpState,
): string | undefined {
  const state = bgpdump as State;
  const { header: h, body } = frame;
  const s = new MS(body, 0, body.length);
  const m1 = mode === "m";
  switch (h.type) {
    case 12: {
      const first = tableDump(h.timestamp, h.subtype, s, m1, state);
      if (first === undefined || h.lengthCorrection === undefined) return first;
      // Early RIS files (length fixed up by the reader) hold one prefix's entries for every
      // peer in one record, each without View/Sequence: print them all.
      let out = first;
      while (s.can() > 0) {
        const more = tableDump(h.timestamp, h.subtype, s, m1, state, true);
        if (more === undefined) break;
        out += more;
      }
      return out;
    }
    case 13:
      return tableDumpV2(h.timestamp, h.subtype, s, m1, state);
    case 16:
    case 17:
      if (h.subtype === 2) return bgp4mpEntry(h.timestamp, s, m1, state);
      return bgp4mp(h.type, h.timestamp, h.microseconds ?? 0, h.subtype, h.length, s, m1, state);
    case 5:
      return mrtdBgp(h.timestamp, h.subtype, s, m1, state);
    default:
      return "";
  }
}

function tableDump(
  t: number,
  subtype: number,
  s: MS,
  m1: boolean,
  st: State,
  noView = false,
): string | undefined {
  if (subtype < 1 || subtype > 4) return undefined;
  const six = subtype === 2 || subtype === 4;
  if (!noView) {
    s.w();
    s.w();
  }
  const prefix = s.get(six ? 16 : 4, 16);
  const mask = s.c();
  s.c();
  s.l();
  const peer = s.get(six ? 16 : 4, 16);
  const peerAs = subtype >= 3 ? s.l() : s.w();
  const total = s.w();
  const raw = s.copy(total);
  const a = st.cache.get(body(raw), subtype >= 3 ? 4 : 2, false);
  const tx = texts(a);
  const time = m1 ? String(t) : time2str(t);
  const peerS = subtype === 2 ? v6(peer) : v4(peer);
  const prefS = subtype === 2 ? v6(prefix) : v4(prefix);
  if (!m1)
    return `TABLE_DUMP|${time}|B|${peerS}|${peerAs}|${prefS}/${mask}|${tx.aspath}|${tx.origin}\n`;
  const mp6 = a.announce.get(17);
  const nh = a.flag & BIT(14) && mp6 !== undefined ? v6(mp6.nh) : tx.nh4;
  return `TABLE_DUMP|${time}|B|${peerS}|${peerAs}|${prefS}/${mask}|${tx.aspath}|${tx.origin}|${nh}${tx.tail}\n`;
}

function body(s: MS): Uint8Array {
  return s.b.subarray(s.p, s.end);
}

function tableDumpV2(
  t: number,
  subtype: number,
  s: MS,
  m1: boolean,
  st: State,
): string | undefined {
  if (subtype === 1) {
    s.l();
    const nameLen = s.w();
    s.skip(nameLen);
    const count = s.w();
    const peers: { afi: 1 | 2; ip: Uint8Array; as: number }[] = [];
    for (let i = 0; i < count; i++) {
      const type = s.c();
      s.l();
      const afi: 1 | 2 = type & 1 ? 2 : 1;
      const ip = s.get(afi === 2 ? 16 : 4, 16);
      const as = type & 2 ? s.l() : s.w();
      peers.push({ afi, ip, as });
    }
    st.peers = peers;
    return "";
  }
  const addPath = subtype === 8 || subtype === 10;
  if (subtype !== 2 && subtype !== 4 && !addPath) return "";
  const six = subtype === 4 || subtype === 10;
  s.l();
  const plen = s.c();
  const pfx = s.get((plen + 7) >> 3, 16);
  const count = s.w();
  const time = m1 ? String(t) : time2str(t);
  const prefS = `${six ? v6(pfx) : v4(pfx)}/${plen}`;
  const label = addPath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2";
  let out = "";
  for (let i = 0; i < count; i++) {
    const idx = s.w();
    s.l();
    const pathId = addPath ? s.l() : 0;
    const total = s.w();
    const raw = s.copy(total);
    const a = st.cache.get(body(raw), 4, addPath);
    const peer = st.peers?.[idx];
    if (peer === undefined) return undefined;
    const tx = texts(a);
    const peerS = peer.afi === 2 ? v6(peer.ip) : v4(peer.ip);
    const pid = addPath ? `|${pathId}` : "";
    if (!m1) {
      out += `${label}|${time}|B|${peerS}|${peer.as}|${prefS}${pid}|${tx.aspath}|${tx.origin}\n`;
      continue;
    }
    const mp6 = a.announce.get(17);
    const nh = a.flag & BIT(14) && mp6 !== undefined ? v6(mp6.nh) : tx.nh4;
    out += `${label}|${time}|B|${peerS}|${peer.as}|${prefS}${pid}|${tx.aspath}|${tx.origin}|${nh}${tx.tail}\n`;
  }
  return out;
}

function bgp4mp(
  type: number,
  t: number,
  us: number,
  subtype: number,
  length: number,
  s: MS,
  m1: boolean,
  st: State,
): string | undefined {
  const et = type === 17;
  let time = m1 ? String(t) : time2str(t);
  if (et) time += `.${String(us).padStart(6, "0")}`;
  const base = et ? "BGP4MP_ET" : "BGP4MP";
  if (subtype === 0 || subtype === 5) {
    const asn4 = subtype === 5;
    const src = asn4 ? s.l() : s.w();
    if (asn4) s.l();
    else s.w();
    if (length === 8) {
      const o = s.w();
      const n = s.w();
      return `${base}|${time}|STATE|0.0.0.0|${src}|${o}|${n}\n`;
    }
    s.w();
    const afi = s.w();
    let ip: string;
    if (afi === 1) {
      if (length !== 20 && length !== 24) return undefined;
      ip = v4(s.get(4, 4));
      s.skip(4);
    } else if (afi === 2) {
      if (length !== 44 && length !== 48) return undefined;
      ip = v6(s.get(16, 16));
      s.skip(16);
    } else return undefined;
    const o = s.w();
    const n = s.w();
    return `${base}|${time}|STATE|${ip}|${src}|${o}|${n}\n`;
  }
  if (!(subtype === 1 || (subtype >= 4 && subtype <= 11 && subtype !== 5))) return undefined;
  const asn4 = subtype === 4 || subtype === 7 || subtype === 9 || subtype === 11;
  const local = subtype === 6 || subtype === 7 || subtype === 10 || subtype === 11;
  const addPath = subtype >= 8;
  const peerAs = asn4 ? s.l() : s.w();
  if (asn4) s.l();
  else s.w();
  const ifIndex = s.w();
  let afi = s.w();
  let peerIp: Uint8Array = new Uint8Array(16);
  if (afi === 1) {
    peerIp = s.get(4, 16);
    s.skip(4);
  } else if (afi === 2) {
    peerIp = s.get(16, 16);
    s.skip(16);
  } else if (afi === 0xffff && ifIndex === 0xffff) {
    afi = 1;
    // marker: 4 implied 0xff + 12 read
    for (let i = 0; i < 12; i++) if (s.c() !== 0xff) return undefined;
    return bgp4mpUpdate(s, afi, peerIp, peerAs, asn4, local, addPath, et, time, m1, st);
  } else return undefined;
  for (let i = 0; i < 16; i++) if (s.c() !== 0xff) return undefined;
  return bgp4mpUpdate(s, afi, peerIp, peerAs, asn4, local, addPath, et, time, m1, st);
}

function bgp4mpUpdate(
  s: MS,
  afi: number,
  peerIp: Uint8Array,
  peerAs: number,
  asn4: boolean,
  local: boolean,
  addPath: boolean,
  et: boolean,
  time: string,
  m1: boolean,
  st: State,
): string | undefined {
  const size = s.w();
  const msg = s.copy(size - 18);
  const mtype = msg.c();
  if (mtype === 1 || mtype === 3 || mtype === 4 || mtype === 5 || mtype === 128) return "";
  if (mtype !== 2) return undefined;
  const wlen = msg.w();
  const ws = msg.copy(wlen);
  const withdrawn = readPrefixList(ws, 1, addPath);
  const total = msg.w();
  const raw = msg.copy(total);
  const a = st.cache.get(body(raw), asn4 ? 4 : 2, addPath);
  const announced = readPrefixList(msg, 1, addPath);
  const fmt = `${et ? "BGP4MP_ET" : "BGP4MP"}${local ? "_LOCAL" : ""}${addPath ? "_AP" : ""}`;
  const peer4 = afi === 2 ? v6(peerIp) : v4(peerIp);
  const head = `${fmt}|${time}|`;
  let out = "";
  const pid = (p: BPrefix): string => (addPath ? `|${p.pathId}` : "");
  if (withdrawn.length > 0 || a.flag & BIT(15)) {
    for (const p of withdrawn) out += `${head}W|${peer4}|${peerAs}|${p.a4}/${p.len}${pid(p)}\n`;
    for (const safi of [1, 2, 3]) {
      for (const p of a.withdraw.get(8 + safi) ?? [])
        out += `${head}W|${peer4}|${peerAs}|${p.a4}/${p.len}${pid(p)}\n`;
    }
    // bgpdump prints a local IPv4 session's peer through its IPv6 formatter here.
    const peer6 = afi === 2 ? v6(peerIp) : local ? v6(peerIp) : v4(peerIp);
    for (const safi of [1, 2, 3]) {
      for (const p of a.withdraw.get(16 + safi) ?? [])
        out += `${head}W|${peer6}|${peerAs}|${v6(p.addr!)}/${p.len}${pid(p)}\n`;
    }
  }
  if (announced.length > 0 || a.flag & BIT(14)) {
    const tx = texts(a);
    const ap = (p: BPrefix): string => (addPath ? `|${p.pathId}` : "");
    for (const p of announced) {
      out += m1
        ? `${head}A|${peer4}|${peerAs}|${p.a4}/${p.len}${ap(p)}|${tx.aspath}|${tx.origin}|${tx.nh4}${tx.tail}\n`
        : `${head}A|${peer4}|${peerAs}|${p.a4}/${p.len}${ap(p)}|${tx.aspath}|${tx.origin}\n`;
    }
    for (const safi of [1, 2, 3]) {
      const mp = a.announce.get(8 + safi);
      if (mp === undefined) continue;
      const lp = a.flag & BIT(5) ? a.localPref | 0 : 0;
      const med = a.flag & BIT(4) ? a.med | 0 : 0;
      for (const p of mp.prefixes) {
        out += m1
          ? `${head}A|${peer4}|${peerAs}|${p.a4}/${p.len}${ap(p)}|${tx.aspath}|${tx.origin}|${v4(mp.nh)}|${lp}|${med}|${tx.comm}|${tx.ag}|${tx.agg}\n`
          : `${head}A|${peer4}|${peerAs}|${p.a4}/${p.len}${ap(p)}|${tx.aspath}|${tx.origin}\n`;
      }
    }
    for (const safi of [1, 2, 3]) {
      const mp = a.announce.get(16 + safi);
      if (mp === undefined) continue;
      for (const p of mp.prefixes) {
        const pfx = `${v6(p.addr!)}/${p.len}`;
        const apid = addPath ? `${p.pathId}|` : "";
        out += m1
          ? `${head}A|${peer4}|${peerAs}|${pfx}|${apid}${tx.aspath}|${tx.origin}|${v6(mp.nh)}${tx.tail}\n`
          : `${head}A|${peer4}|${peerAs}|${pfx}|${apid}${tx.aspath}|${tx.origin}\n`;
      }
    }
  }
  return out;
}

function mrtdBgp(t: number, subtype: number, s: MS, m1: boolean, st: State): string {
  const time = m1 ? String(t) : time2str(t);
  if (subtype === 3) {
    const as = s.w();
    const ip = v4(s.get(4, 4));
    const o = s.w();
    const n = s.w();
    return `BGP|${time}|STATE|${ip}|${as}|${o}|${n}\n`;
  }
  if (subtype !== 1) return "";
  const srcAs = s.w();
  const srcIp = v4(s.get(4, 4));
  s.w();
  s.skip(4);
  const ws = s.copy(s.w());
  const withdrawn = readPrefixList(ws, 1, false);
  const total = s.w();
  const raw = s.copy(total);
  const a = st.cache.get(body(raw), 2, false);
  const announced = readPrefixList(s, 1, false);
  let out = "";
  // bgpdump formats both addresses of a withdrawal line through one static buffer: the prefix
  // shows the peer's address.
  for (const p of withdrawn) out += `BGP|${time}|W|${srcIp}|${srcAs}|${srcIp}/${p.len}\n`;
  if (announced.length > 0) {
    const tx = texts(a);
    for (const p of announced) {
      out += m1
        ? `BGP|${time}|A|${srcIp}|${srcAs}|${p.a4}/${p.len}|${tx.aspath}|${tx.origin}|${tx.nh4}|${tx.lp}|${tx.med}${a.flag & BIT(8) ? `${tx.comm}|` : "|"}${tx.ag}|${tx.agg}\n`
        : `BGP|${time}|A|${srcIp}|${srcAs}|${p.a4}/${p.len}|${tx.aspath}|${tx.origin}\n`;
    }
  }
  return out;
}

/**
 * BGP4MP_ENTRY (deprecated RIB entry, written by OpenBGPD "table-mp"), which bgpdump cannot
 * read: printed in the TABLE_DUMP line format with the label BGP4MP_ENTRY.
 */
function bgp4mpEntry(t: number, s: MS, m1: boolean, st: State): string | undefined {
  const peerAs = s.w();
  s.w();
  s.w();
  const afi = s.w();
  if (afi !== 1 && afi !== 2) return undefined;
  const peer = s.get(afi === 2 ? 16 : 4, 16);
  s.skip(afi === 2 ? 16 : 4);
  s.w(); // view
  s.w(); // status
  s.l(); // time last change
  const pafi = s.w();
  const safi = s.c();
  const nhLen = s.c();
  const nh = s.get(nhLen, Math.max(nhLen, 16));
  const plen = s.c();
  if (pafi !== 1 && pafi !== 2) return undefined;
  if (safi !== 1 && safi !== 2) return undefined;
  const n = (plen + 7) >> 3;
  if (plen > (pafi === 2 ? 128 : 32) || s.can() < n) return undefined;
  const pfx = s.get(n, 16);
  const total = s.w();
  if (s.can() < total) return undefined;
  const a = st.cache.get(body(s.copy(total)), 2, false);
  const tx = texts(a);
  const time = m1 ? String(t) : time2str(t);
  const peerS = afi === 2 ? v6(peer) : v4(peer);
  const prefS = `${pafi === 2 ? v6(pfx) : v4(pfx)}/${plen}`;
  if (!m1) return `BGP4MP_ENTRY|${time}|B|${peerS}|${peerAs}|${prefS}|${tx.aspath}|${tx.origin}\n`;
  const nhS = nhLen === 4 ? v4(nh) : nhLen >= 16 ? v6(nh) : tx.nh4;
  return `BGP4MP_ENTRY|${time}|B|${peerS}|${peerAs}|${prefS}|${tx.aspath}|${tx.origin}|${nhS}${tx.tail}\n`;
}
