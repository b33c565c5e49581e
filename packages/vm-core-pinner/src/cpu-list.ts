import { VmCorePinnerError } from "./errors";

/** Options of {@link parseCpuList}. */
export interface ParseCpuListOptions {
  /**
   * Width of the bitmap (`nmaskbits` in the kernel): the number of CPU ids the list may name.
   * `N` and `all` stand for `nbits - 1` and `0-(nbits-1)`. Default 8192 (`CONFIG_NR_CPUS` maximum).
   */
  readonly nbits?: number;
}

const DEFAULT_NBITS = 8192;
const UINT_MAX = 0xffffffff;

function isSpace(c: string): boolean {
  // Kernel isspace(): space, \t, \n, \v, \f, \r.
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}
function endOfStr(c: string | undefined): boolean {
  return c === undefined || c === "\n" || c === "\0";
}
function endOfRegionSep(c: string | undefined): boolean {
  return c !== undefined && (isSpace(c) || c === ",");
}
function endOfRegion(c: string | undefined): boolean {
  return endOfStr(c) || endOfRegionSep(c);
}

interface Region {
  start: number;
  end: number;
  off: number;
  groupLen: number;
}

/**
 * Parse a CPU list in the Linux kernel's list format (`bitmap_parselist()` in lib/bitmap-str.c),
 * as used by `isolcpus=`, `nohz_full=`, cpuset `cpuset.cpus` and sysfs `*_list` files.
 *
 * Grammar, as the kernel accepts it: comma- or whitespace-separated regions, each `A`, `A-B`, or
 * `A-B:used/group` (from every `group` CPUs of the range, the first `used` are set); `N` stands for
 * the last CPU (`nbits - 1`); `all` (any case) stands for `0-N`. Errors follow the kernel's:
 * `EINVAL` (bad format or character), `ERANGE` (CPU id ≥ nbits), `EOVERFLOW` (number above 2^32-1).
 *
 * @returns the CPU ids, ascending, without duplicates.
 * @throws {@link VmCorePinnerError} with code `CPULIST_EINVAL`, `CPULIST_ERANGE` or
 *   `CPULIST_EOVERFLOW` and the character offset of the offending region.
 * @example
 * ```ts
 * parseCpuList("0-3,8-11:2/4"); // [0, 1, 2, 3, 8, 9]
 * parseCpuList("0-N", { nbits: 4 }); // [0, 1, 2, 3]
 * ```
 */
export function parseCpuList(text: string, options: ParseCpuListOptions = {}): number[] {
  const nbits = options.nbits ?? DEFAULT_NBITS;
  if (!Number.isInteger(nbits) || nbits < 1) {
    throw new VmCorePinnerError(
      "CPULIST_EINVAL",
      `nbits must be a positive integer, got ${nbits}`,
      {
        field: "nbits",
      },
    );
  }
  const lastbit = nbits - 1;
  const bits = new Uint8Array(nbits);
  let i = 0;
  const fail = (code: string, what: string, at: number): never => {
    throw new VmCorePinnerError(
      `CPULIST_${code}`,
      `invalid cpu list ${JSON.stringify(text)}: ${what}`,
      {
        offset: at,
      },
    );
  };
  const getNum = (): number => {
    const at = i;
    if (text[i] === "N") {
      i++;
      return lastbit;
    }
    let v = 0;
    let digits = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      if (v > UINT_MAX) fail("EOVERFLOW", "number too large", at);
      digits++;
      i++;
    }
    if (digits === 0) fail("EINVAL", `expected a number at offset ${at}`, at);
    return v;
  };
  for (;;) {
    // bitmap_find_region(): skip separators; stop at end of string or newline.
    while (endOfRegionSep(text[i])) i++;
    if (endOfStr(text[i])) break;
    const regionAt = i;
    const r: Region = { start: 0, end: 0, off: 0, groupLen: 0 };
    let pattern = false;
    if (text.slice(i, i + 3).toLowerCase() === "all") {
      r.start = 0;
      r.end = lastbit;
      i += 3;
    } else {
      r.start = getNum();
      if (endOfRegion(text[i])) {
        r.end = r.start;
      } else {
        if (text[i] !== "-") fail("EINVAL", `unexpected ${JSON.stringify(text[i])}`, i);
        i++;
        r.end = getNum();
      }
    }
    if (!endOfRegion(text[i])) {
      if (text[i] !== ":") fail("EINVAL", `unexpected ${JSON.stringify(text[i])}`, i);
      i++;
      r.off = getNum();
      if (text[i] !== "/") fail("EINVAL", `expected "/" at offset ${i}`, i);
      i++;
      r.groupLen = getNum();
      pattern = true;
    }
    if (!pattern) {
      r.off = r.end + 1;
      r.groupLen = r.end + 1;
    }
    // bitmap_check_region()
    if (r.start > r.end || r.groupLen === 0 || r.off > r.groupLen) {
      fail("EINVAL", "empty or malformed region", regionAt);
    }
    if (r.end >= nbits) fail("ERANGE", `cpu ${r.end} is not below nbits ${nbits}`, regionAt);
    for (let s = r.start; s <= r.end; s += r.groupLen) {
      const n = Math.min(r.end - s + 1, r.off);
      for (let k = 0; k < n; k++) bits[s + k] = 1;
    }
    // After a region the kernel expects a separator or the end (checked by the next find_region).
    if (!endOfRegion(text[i])) fail("EINVAL", `unexpected ${JSON.stringify(text[i])}`, i);
  }
  const out: number[] = [];
  for (let b = 0; b < nbits; b++) if (bits[b] === 1) out.push(b);
  return out;
}

/**
 * True when {@link parseCpuList} accepts `text`.
 *
 * @example
 * ```ts
 * isValidCpuList("0-3"); // true
 * isValidCpuList("3-0"); // false
 * ```
 */
export function isValidCpuList(text: string, options: ParseCpuListOptions = {}): boolean {
  try {
    parseCpuList(text, options);
    return true;
  } catch (e) {
    if (VmCorePinnerError.isInstance(e)) return false;
    throw e;
  }
}

/**
 * Print CPU ids in the kernel's canonical list format (`%*pbl`, `bitmap_print_to_pagebuf()`):
 * ascending, runs of two or more consecutive ids as `first-last`, joined by commas. The empty
 * set prints as the empty string.
 *
 * @throws {@link VmCorePinnerError} `CPULIST_EINVAL` for a negative or non-integer id.
 * @example
 * ```ts
 * formatCpuList([19, 2, 3, 18]); // "2-3,18-19"
 * ```
 */
export function formatCpuList(cpus: Iterable<number>): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  for (const c of sorted) {
    if (!Number.isSafeInteger(c) || c < 0) {
      throw new VmCorePinnerError("CPULIST_EINVAL", `not a CPU id: ${c}`, { field: "cpus" });
    }
  }
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as number;
    let last = first;
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) {
      i++;
      last = sorted[i] as number;
    }
    parts.push(first === last ? `${first}` : `${first}-${last}`);
    i++;
  }
  return parts.join(",");
}

/**
 * Parse a kernel hexadecimal CPU mask (`cpumap`, `thread_siblings`, `shared_cpu_map`,
 * hwloc's `cpuset="0x..."` attributes): 32-bit words, most significant first, separated by commas.
 * hwloc's `0xf...f,` infinite prefix and empty words (`0x1,,0x2`) are accepted.
 *
 * @throws {@link VmCorePinnerError} `CPUMASK_EINVAL` with the offset of a bad character.
 * @example
 * ```ts
 * parseCpuMask("00000000,00001111"); // [0, 4, 8, 12]
 * parseCpuMask("0x00000003,0x0"); // [32, 33]
 * ```
 */
export function parseCpuMask(text: string): number[] {
  const words = text.trim().split(",");
  const out: number[] = [];
  let offset = 0;
  const n = words.length;
  for (let w = 0; w < n; w++) {
    let word = (words[w] as string).trim();
    const wordAt = offset;
    offset += (words[w] as string).length + 1;
    if (word.startsWith("0x") || word.startsWith("0X")) word = word.slice(2);
    // hwloc writes an infinitely-set prefix as "0xf...f": it names no CPU that exists.
    if (word === "" || word === "f...f") continue;
    if (!/^[0-9a-fA-F]+$/.test(word) || word.length > 8) {
      // hwloc may print a single long word without commas in old files; accept long words too.
      if (!/^[0-9a-fA-F]+$/.test(word)) {
        throw new VmCorePinnerError("CPUMASK_EINVAL", `invalid cpu mask ${JSON.stringify(text)}`, {
          offset: wordAt,
        });
      }
    }
    // Bit position of the least significant bit of this word.
    const base = (n - 1 - w) * 32;
    for (let d = 0; d < word.length; d++) {
      const nibble = Number.parseInt(word[word.length - 1 - d] as string, 16);
      for (let b = 0; b < 4; b++) if ((nibble >> b) & 1) out.push(base + d * 4 + b);
    }
  }
  return out.sort((a, b) => a - b);
}
