import type { AsPath, Prefix } from "@dyninfra/bgp-wire";
import { BgpRibError } from "./errors";
import { fastIpv4, grownCapacity, resized, resizedFilled } from "./internal/prefix-table";
import { formatPrefix, type IpPrefix, maskWords, parseIpv6, parsePrefix, wordMask } from "./ip";
import {
  acceptAll,
  type Match,
  type Policy,
  type PolicyRoute,
  rejectAll,
  validityStates,
  when,
} from "./policy";

/**
 * The validation state of a route's origin (RFC 6811 §2): `valid` when a VRP covers the prefix
 * with the route's origin AS and a maximum length ≥ the prefix length, `invalid` when VRPs cover
 * the prefix but none matches, `not-found` when no VRP covers it.
 */
export type OriginValidity = "valid" | "invalid" | "not-found";

/**
 * A Validated ROA Payload (RFC 6811 §2, RFC 6482): the prefix an AS may originate, and up to
 * which prefix length.
 */
export interface Vrp {
  /** `address/length` (host bits zero) or an {@link IpPrefix}. */
  readonly prefix: string | IpPrefix;
  /** Longest prefix length the AS may announce (≥ the prefix length; 32 or 128 at most). */
  readonly maxLength: number;
  /** The AS allowed to originate (0: nobody, RFC 6483 §4). */
  readonly asn: number;
}

/** Options of {@link originAs} and the policy helpers. */
export interface OriginOptions {
  /**
   * This router's AS: the origin of a route whose AS_PATH is empty or ends in a confederation
   * segment (a route from inside the AS or the confederation, RFC 6811 §2). Without it such
   * routes have no origin (NONE) and match no VRP.
   */
  readonly localAs?: number;
}

/**
 * The origin AS of a route per RFC 6811 §2: the rightmost AS of the final segment when that is an
 * AS_SEQUENCE; the router's own AS (`options.localAs`) when the AS_PATH is empty or its final
 * segment is AS_CONFED_SEQUENCE / AS_CONFED_SET; `undefined` (the value NONE, which matches no
 * VRP) when it ends in an AS_SET.
 *
 * @example
 * ```ts
 * originAs([{ type: "AS_SEQUENCE", asns: [64500, 13335] }]); // 13335
 * originAs([{ type: "AS_SEQUENCE", asns: [64500] }, { type: "AS_SET", asns: [1, 2] }]); // undefined
 * originAs([], { localAs: 64500 }); // 64500
 * ```
 */
export function originAs(
  path: AsPath | undefined,
  options: OriginOptions = {},
): number | undefined {
  if (path === undefined || path.length === 0) return options.localAs;
  const last = path[path.length - 1]!;
  if (last.type === "AS_SEQUENCE")
    return last.asns.length === 0 ? undefined : last.asns[last.asns.length - 1];
  if (last.type === "AS_SET") return undefined;
  return options.localAs;
}

/** VRPs of one prefix length: masked address key → [maxLength, asn, maxLength, asn, …]. */
type Bucket<K> = Map<K, number[]>;

/**
 * A set of VRPs for Route Origin Validation (RFC 6811), e.g. a relying party's output
 * (rpki-client, Routinator, StayRTR JSON: see {@link parseVrpJson}) or what an RTR session
 * delivered. {@link RoaTable.validate} checks a route's origin in at most one hash lookup per
 * distinct VRP prefix length. VRPs form a set: adding one twice keeps one.
 *
 * @example
 * ```ts
 * const roas = new RoaTable([{ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 }]);
 * roas.validate("192.0.2.0/24", 64496); // "valid"
 * roas.validate("192.0.2.0/25", 64496); // "invalid" (longer than maxLength)
 * roas.validate("198.51.100.0/24", 64496); // "not-found"
 * ```
 */
export class RoaTable {
  /** Per prefix length 0–32: masked address → pairs. */
  private readonly v4: (Bucket<number> | undefined)[] = new Array(33);
  /** Per prefix length 0–128: masked address words as text → pairs. */
  private readonly v6: (Bucket<string> | undefined)[] = new Array(129);
  /** The prefix lengths holding VRPs, ascending (per family). */
  private lengths4: number[] = [];
  private lengths6: number[] = [];
  private count = 0;
  // IPv4 lookups walk a binary trie over typed arrays (one step per prefix bit, no hashing): per
  // node its children (0: none; the root is never a child) and the VRP pairs held there (an index
  // into `entries`, -1: none). The maps above keep the VRPs for enumeration and removal.
  private left = new Int32Array(1024);
  private right = new Int32Array(1024);
  private entry = new Int32Array(1024).fill(-1);
  private nodes = 1;
  private readonly entries: (number[] | undefined)[] = [];
  private readonly freeEntries: number[] = [];

  /** A table holding `vrps` (invalid entries throw a {@link BgpRibError} naming the index). */
  constructor(vrps: Iterable<Vrp> = []) {
    let i = 0;
    for (const v of vrps) {
      try {
        this.add(v);
      } catch (e) {
        if (BgpRibError.isInstance(e))
          throw new BgpRibError(e.code, `VRP ${i}: ${e.message}`, {
            field: `vrps[${i}].${e.where.field ?? "prefix"}`,
          });
        throw e;
      }
      i++;
    }
  }

  /** Number of distinct VRPs. */
  get size(): number {
    return this.count;
  }

  /** Adds a VRP; whether it was new. Throws a {@link BgpRibError} for an invalid one. */
  add(vrp: Vrp): boolean {
    const p = checkVrp(vrp);
    const list = this.bucket(p, true)!;
    const k = keyOf(p);
    let pairs = list.get(k as never);
    if (pairs === undefined) {
      pairs = [];
      list.set(k as never, pairs);
      if (p.family === 4) {
        const e = this.freeEntries.pop() ?? this.entries.length;
        this.entries[e] = pairs;
        // The node first: creating it may replace the arrays.
        const n = this.node4(p.words[0], p.length);
        this.entry[n] = e;
      }
    }
    for (let i = 0; i < pairs.length; i += 2)
      if (pairs[i] === vrp.maxLength && pairs[i + 1] === vrp.asn) return false;
    pairs.push(vrp.maxLength, vrp.asn);
    this.count++;
    return true;
  }

  /** Removes a VRP; whether it was there. */
  delete(vrp: Vrp): boolean {
    const p = checkVrp(vrp);
    const list = this.bucket(p, false);
    if (list === undefined) return false;
    const k = keyOf(p);
    const pairs = list.get(k as never);
    if (pairs === undefined) return false;
    for (let i = 0; i < pairs.length; i += 2) {
      if (pairs[i] !== vrp.maxLength || pairs[i + 1] !== vrp.asn) continue;
      pairs.splice(i, 2);
      this.count--;
      if (pairs.length === 0) {
        list.delete(k as never);
        if (p.family === 4) {
          const n = this.node4(p.words[0], p.length);
          this.entries[this.entry[n]!] = undefined;
          this.freeEntries.push(this.entry[n]!);
          this.entry[n] = -1;
        }
        if (list.size === 0) {
          if (p.family === 4) {
            this.v4[p.length] = undefined;
            this.lengths4 = this.lengths4.filter((l) => l !== p.length);
          } else {
            this.v6[p.length] = undefined;
            this.lengths6 = this.lengths6.filter((l) => l !== p.length);
          }
        }
      }
      return true;
    }
    return false;
  }

  /** Every VRP, by family, then prefix length, then insertion order. */
  *vrps(): IterableIterator<{ prefix: string; maxLength: number; asn: number }> {
    for (const l of this.lengths4)
      for (const [a, pairs] of this.v4[l]!)
        for (let i = 0; i < pairs.length; i += 2)
          yield {
            prefix: formatPrefix({
              family: 4,
              length: l,
              words: [l === 0 ? 0 : (a << (32 - l)) >>> 0, 0, 0, 0],
            }),
            maxLength: pairs[i]!,
            asn: pairs[i + 1]!,
          };
    for (const l of this.lengths6)
      for (const [k, pairs] of this.v6[l]!) {
        const words = k.split(",").map(Number) as [number, number, number, number];
        for (let i = 0; i < pairs.length; i += 2)
          yield {
            prefix: formatPrefix({ family: 6, length: l, words }),
            maxLength: pairs[i]!,
            asn: pairs[i + 1]!,
          };
      }
  }

  /**
   * The validation state of a route for `prefix` originated by `origin` (`undefined`: NONE, see
   * {@link originAs}) per RFC 6811 §2. Host bits of the prefix are ignored.
   */
  validate(prefix: string | Prefix | IpPrefix, origin: number | undefined): OriginValidity {
    // AS 0 never originates (RFC 6483 §4, RFC 7607): it matches no VRP, including AS0 ROAs.
    const asn = origin === 0 ? -1 : (origin ?? -1);
    // IPv4 without building a prefix object: the common case, on the hot path of an import.
    if (typeof prefix === "string") {
      const v4 = ipv4Text(prefix);
      if (v4 >= 0) return this.validate4(Math.floor(v4 / 64), v4 % 64, asn);
    } else if ("afi" in prefix && prefix.afi === 1) {
      const a = fastIpv4(prefix.address);
      if (a >= 0 && prefix.length <= 32) return this.validate4(a, prefix.length, asn);
    }
    const p = toIpPrefix(prefix);
    if (p.family === 4) return this.validate4(p.words[0], p.length, asn);
    let covered = false;
    for (const l of this.lengths6) {
      if (l > p.length) break;
      const pairs = this.v6[l]!.get(maskWords(p.words, l).join(","));
      if (pairs === undefined) continue;
      covered = true;
      for (let i = 0; i < pairs.length; i += 2)
        if (pairs[i + 1] === asn && p.length <= pairs[i]!) return "valid";
    }
    return covered ? "invalid" : "not-found";
  }

  /** {@link RoaTable.validate} of an IPv4 prefix (address as uint32; -1 as `asn`: NONE). */
  private validate4(a: number, len: number, asn: number): OriginValidity {
    let covered = false;
    const { left, right, entry } = this;
    let n = 0;
    for (let d = 0; ; d++) {
      const e = entry[n]!;
      if (e >= 0) {
        covered = true;
        const pairs = this.entries[e]!;
        for (let i = 0; i < pairs.length; i += 2)
          if (pairs[i + 1] === asn && len <= pairs[i]!) return "valid";
      }
      if (d === len) break;
      n = (a >>> (31 - d)) & 1 ? right[n]! : left[n]!;
      if (n === 0) break;
    }
    return covered ? "invalid" : "not-found";
  }

  /** The trie node of an IPv4 prefix, created with its path if missing. */
  private node4(a: number, len: number): number {
    let n = 0;
    for (let d = 0; d < len; d++) {
      const side = (a >>> (31 - d)) & 1 ? this.right : this.left;
      let c = side[n]!;
      if (c === 0) {
        if (this.nodes === this.left.length) this.growTrie();
        c = this.nodes++;
        // The arrays may have been replaced by growTrie.
        ((a >>> (31 - d)) & 1 ? this.right : this.left)[n] = c;
      }
      n = c;
    }
    return n;
  }

  private growTrie(): void {
    const n = grownCapacity(this.left.length, this.nodes + 1);
    this.left = resized(this.left, n);
    this.right = resized(this.right, n);
    this.entry = resizedFilled(this.entry, n, -1);
  }

  private bucket(p: IpPrefix, create: boolean): Bucket<number> | Bucket<string> | undefined {
    const table = p.family === 4 ? this.v4 : this.v6;
    let b = table[p.length];
    if (b === undefined && create) {
      b = new Map();
      table[p.length] = b as never;
      const lengths = p.family === 4 ? this.lengths4 : this.lengths6;
      lengths.push(p.length);
      lengths.sort((x, y) => x - y);
    }
    return b;
  }
}

/** The VRP's prefix, checked with its maxLength and AS (a {@link BgpRibError} naming the member). */
function checkVrp(vrp: Vrp): IpPrefix {
  const v4 = typeof vrp.prefix === "string" ? ipv4Text(vrp.prefix) : -1;
  const a = Math.floor(v4 / 64);
  let p: IpPrefix;
  try {
    // IPv4 text without host bits quickly; anything else through the parser that says what is wrong.
    if (v4 >= 0 && (a & ~wordMask(v4 % 64)) === 0)
      p = { family: 4, length: v4 % 64, words: [a, 0, 0, 0] };
    else p = typeof vrp.prefix === "string" ? parsePrefix(vrp.prefix) : checkedIpPrefix(vrp.prefix);
  } catch (e) {
    throw new BgpRibError(
      "BAD_VRP",
      `bad VRP prefix ${JSON.stringify(typeof vrp.prefix === "string" ? vrp.prefix : formatLoose(vrp.prefix))}`,
      { field: "prefix" },
      { cause: e },
    );
  }
  const max = p.family === 4 ? 32 : 128;
  if (!Number.isInteger(vrp.maxLength) || vrp.maxLength < p.length || vrp.maxLength > max)
    throw new BgpRibError(
      "BAD_VRP",
      `maxLength ${vrp.maxLength} of ${formatPrefix(p)} must be an integer from ${p.length} to ${max}`,
      { field: "maxLength" },
    );
  if (!Number.isInteger(vrp.asn) || vrp.asn < 0 || vrp.asn > 0xffffffff)
    throw new BgpRibError("BAD_VRP", `asn ${vrp.asn} is not a 32-bit AS number`, {
      field: "asn",
    });
  return p;
}

/**
 * An IPv4 prefix in text as address × 64 + length, or -1 if the text is not one (IPv6, bad
 * input: left to the full parser, which says what is wrong).
 */
function ipv4Text(t: string): number {
  const slash = t.indexOf("/");
  if (slash <= 0 || t.length - slash < 2 || t.length - slash > 3) return -1;
  let len = 0;
  for (let i = slash + 1; i < t.length; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    len = len * 10 + c;
  }
  if (len > 32) return -1;
  const a = fastIpv4(t.slice(0, slash));
  return a < 0 ? -1 : a * 64 + len;
}

/** A VRP bucket's key: the IPv4 address, or the IPv6 words as text. */
function keyOf(p: IpPrefix): number | string {
  // IPv4: the significant bits as a number (small integers for the usual lengths).
  if (p.family === 4) return p.length === 0 ? 0 : p.words[0] >>> (32 - p.length);
  return p.words.join(",");
}

function formatLoose(p: IpPrefix): string {
  try {
    return formatPrefix(p);
  } catch {
    return String(p);
  }
}

function checkedIpPrefix(p: IpPrefix): IpPrefix {
  const max = p.family === 4 ? 32 : p.family === 6 ? 128 : -1;
  if (max < 0 || !Number.isInteger(p.length) || p.length < 0 || p.length > max)
    throw new BgpRibError("BAD_PREFIX", "bad family or length");
  const words = maskWords(p.words, p.length);
  if (words.some((w, i) => w !== (p.words[i] ?? 0) >>> 0))
    throw new BgpRibError("BAD_PREFIX", "host bits set");
  return { family: p.family, length: p.length, words };
}

function toIpPrefix(prefix: string | Prefix | IpPrefix): IpPrefix {
  if (typeof prefix === "string") return parsePrefix(prefix, true);
  if ("family" in prefix) return prefix;
  if (prefix.afi === 1) {
    const a = fastIpv4(prefix.address);
    if (a < 0 || prefix.length > 32)
      throw new BgpRibError(
        "BAD_PREFIX",
        `invalid IPv4 prefix ${prefix.address}/${prefix.length}`,
        {
          field: "prefix",
        },
      );
    return { family: 4, length: prefix.length, words: maskWords([a, 0, 0, 0], prefix.length) };
  }
  if (prefix.length > 128)
    throw new BgpRibError("BAD_PREFIX", `invalid IPv6 prefix length ${prefix.length}`, {
      field: "prefix",
    });
  return {
    family: 6,
    length: prefix.length,
    words: maskWords(parseIpv6(prefix.address), prefix.length),
  };
}

/**
 * Matches routes whose origin validation state ({@link RoaTable.validate} of the prefix and
 * {@link originAs} of the AS_PATH) is one of `states`. The table is read at each call: after it
 * changes, re-run the import policies (`Rib.setPolicies`) to revalidate the routes held.
 *
 * @example
 * ```ts
 * const roas = new RoaTable([{ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 }]);
 * const isInvalid = matchOriginValidity(roas, "invalid");
 * isInvalid({ prefix: { afi: 1, address: "192.0.2.0", length: 24 },
 *   attributes: { asPath: [{ type: "AS_SEQUENCE", asns: [64501] }] },
 *   peer: { address: "198.51.100.1", asn: 64501, kind: "ebgp" } }); // true
 * ```
 */
export function matchOriginValidity(
  table: RoaTable,
  states: OriginValidity | readonly OriginValidity[],
  options: OriginOptions = {},
): Match {
  const want = validityStates(states, ["valid", "invalid", "not-found"], "validation state");
  return Object.assign(
    (route: PolicyRoute) =>
      want.has(table.validate(route.prefix, originAs(route.attributes.asPath, options))),
    { prefixIndependent: false },
  );
}

/**
 * The usual import policy of Route Origin Validation: reject RPKI-invalid routes, accept the rest
 * unchanged (RFC 6811 §5 leaves the action to local policy; this is what BIRD's `roa_check(...) =
 * ROA_INVALID then reject` or FRR's `match rpki invalid` + deny express). Compose with
 * {@link chain} for more.
 *
 * @example
 * ```ts
 * const roas = new RoaTable([{ prefix: "192.0.2.0/24", maxLength: 24, asn: 64496 }]);
 * const importPolicy = rejectInvalidOrigins(roas);
 * ```
 */
export function rejectInvalidOrigins(table: RoaTable, options: OriginOptions = {}): Policy {
  return when(matchOriginValidity(table, "invalid", options), rejectAll, acceptAll);
}

/**
 * Reads VRPs from the JSON a relying party writes — rpki-client (`-j`), Routinator
 * (`--format json`/`jsonext`), StayRTR/GoRTR: an object with a `roas` array of
 * `{ prefix, maxLength, asn }`, the ASN a number or `"AS<n>"`; other members are ignored.
 * Errors are {@link BgpRibError}s naming the entry and member (`roas[12].maxLength`) or, for
 * malformed JSON, the byte offset.
 *
 * @example
 * ```ts
 * const vrps = parseVrpJson('{"roas":[{"prefix":"192.0.2.0/24","maxLength":24,"asn":"AS64496"}]}');
 * new RoaTable(vrps).size; // 1
 * ```
 */
export function parseVrpJson(text: string): Vrp[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    throw new BgpRibError(
      "BAD_VRP_JSON",
      `malformed JSON at offset ${at}: ${(e as Error).message}`,
      { offset: at },
      { cause: e },
    );
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { roas?: unknown }).roas))
    throw new BgpRibError("BAD_VRP_JSON", "expected an object with a roas array", {
      field: "roas",
    });
  const roas = (doc as { roas: unknown[] }).roas;
  const out: Vrp[] = [];
  for (let i = 0; i < roas.length; i++) {
    const r = roas[i];
    const field = `roas[${i}]`;
    if (typeof r !== "object" || r === null || Array.isArray(r))
      throw new BgpRibError("BAD_VRP_JSON", `${field} is not an object`, { field });
    const o = r as Record<string, unknown>;
    if (typeof o.prefix !== "string")
      throw new BgpRibError("BAD_VRP_JSON", `${field}.prefix must be a string`, {
        field: `${field}.prefix`,
      });
    let asn = o.asn;
    if (typeof asn === "string" && /^(AS)?\d{1,10}$/i.test(asn))
      asn = Number(asn.replace(/^AS/i, ""));
    if (typeof asn !== "number")
      throw new BgpRibError("BAD_VRP_JSON", `${field}.asn must be a number or "AS<n>"`, {
        field: `${field}.asn`,
      });
    const maxLength = o.maxLength ?? Number(o.prefix.split("/")[1]);
    if (typeof maxLength !== "number")
      throw new BgpRibError("BAD_VRP_JSON", `${field}.maxLength must be a number`, {
        field: `${field}.maxLength`,
      });
    const vrp: Vrp = { prefix: o.prefix, maxLength, asn };
    try {
      checkVrp(vrp);
    } catch (e) {
      if (!BgpRibError.isInstance(e)) throw e;
      throw new BgpRibError(
        "BAD_VRP_JSON",
        `${field}: ${e.message}`,
        { field: `${field}.${e.where.field ?? "prefix"}` },
        { cause: e },
      );
    }
    out.push(vrp);
  }
  return out;
}

/**
 * The offset of the first JSON syntax error in `text` (which JSON.parse refused; Node 20's
 * messages do not say where): a recursive-descent scan of RFC 8259's grammar, run only on failure.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (at = i): never => {
    throw at;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail();
      i++;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) fail(i + k);
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m === null || m[0].length === 0) fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    // Deeper than this only a pathological document nests: its offset is where the scan stopped.
    if (depth > 2000) fail();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else number();
  };
  try {
    value(0);
    ws();
    return Math.min(i, text.length);
  } catch (at) {
    return typeof at === "number" ? at : 0;
  }
}
