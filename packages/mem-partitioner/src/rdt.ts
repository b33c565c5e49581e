import { MemPartitionerError } from "./errors";
import {
  formatSchemata,
  parseSchemata,
  type SchemaFormat,
  type SchemataLine,
} from "./resctrl-schemata";

// Intel RDT (SDM Vol. 3B §18.19 "Intel Resource Director Technology Allocation Features") and
// AMD PQoS as exposed by Linux resctrl: /sys/fs/resctrl/info/<resource>/{cbm_mask, min_cbm_bits,
// num_closids, shareable_bits, sparse_masks, min_bandwidth, bandwidth_gran, delay_linear}.

/** A cache allocation (CAT) resource: `info/L3` or `info/L2`. */
export interface CacheResource {
  readonly kind: "cache";
  /** `L3` or `L2`. */
  readonly name: string;
  /** `cbm_mask`: all valid CBM bits (e.g. 0xfffff for a 20-way L3). */
  readonly cbmMask: number;
  /** `min_cbm_bits`: fewest consecutive bits a CBM may have. */
  readonly minCbmBits: number;
  /** `num_closids`. */
  readonly numClosids: number;
  /** `shareable_bits`: ways other agents (e.g. I/O) may use. Default 0. */
  readonly shareableBits?: number;
  /** `sparse_masks`: non-contiguous CBMs allowed (AMD; Intel when CPUID.10H.1:ECX[3]). Default false. */
  readonly sparseMasks?: boolean;
  /**
   * CDP supported but not enabled: the kernel then widens the schemata name column by 4 so the
   * table keeps its shape across mounts. Default false.
   */
  readonly cdpCapable?: boolean;
  /** Cache ids of the control domains, increasing. */
  readonly domains: readonly number[];
  /** Bytes of one cache instance (for libvirt `<cachetune>` sizes). */
  readonly cacheSize?: number;
}

/** A memory bandwidth allocation resource: `info/MB` (MBA) or `info/SMBA`. */
export interface BandwidthResource {
  readonly kind: "bandwidth";
  /** `MB` or `SMBA`. */
  readonly name: string;
  /** `min_bandwidth`. */
  readonly minBandwidth: number;
  /** `bandwidth_gran`: values are rounded up to a multiple of this. */
  readonly bandwidthGran: number;
  /** Maximum value (100 percent on Intel; 2048 on AMD, in 1/8 GB/s). */
  readonly maxBandwidth: number;
  /** `delay_linear`. Default true. */
  readonly delayLinear?: boolean;
  /** Intel needs a linear delay scale ("No support for non-linear MB domains"). Default false. */
  readonly archNeedsLinear?: boolean;
  /** MBA software controller (`mba_MBps` mount option): values in MBps, unchecked. Default false. */
  readonly mbaSc?: boolean;
  readonly numClosids: number;
  readonly domains: readonly number[];
}

/** Either RDT resource. */
export type RdtResource = CacheResource | BandwidthResource;

/** Expected outcome of a resctrl operation: the kernel's `info/last_cmd_status` on failure. */
export type ResctrlResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly lastCmdStatus: string } };

function bad<T>(lastCmdStatus: string): ResctrlResult<T> {
  return { ok: false, error: { lastCmdStatus } };
}

function cbmLen(mask: number): number {
  return mask === 0 ? 0 : Math.floor(Math.log2(mask)) + 1;
}

function popcount(v: number): number {
  let n = 0;
  let x = v;
  while (x > 0) {
    n += x % 2;
    x = Math.floor(x / 2);
  }
  return n;
}

/**
 * Checks a capacity bitmask as the kernel's `cbm_validate`: within `cbm_mask`, non-zero when
 * `min_cbm_bits` > 0, one run of consecutive 1s unless sparse masks are supported, and at least
 * `min_cbm_bits` bits in the first run.
 *
 * @example
 * ```ts
 * const l3: CacheResource = { kind: "cache", name: "L3", cbmMask: 0xfffff, minCbmBits: 1, numClosids: 16, domains: [0] };
 * console.log(validateCbm(0xf0f, l3)); // { ok: false, error: { lastCmdStatus: "The mask f0f has non-consecutive 1-bits" } }
 * ```
 */
export function validateCbm(mask: number, r: CacheResource): ResctrlResult<number> {
  const len = cbmLen(r.cbmMask);
  if (!Number.isSafeInteger(mask) || mask < 0) return bad("Mask out of range");
  if ((r.minCbmBits > 0 && mask === 0) || mask > 2 ** len - 1) return bad("Mask out of range");
  const bits = mask.toString(2).split("").reverse();
  let first = bits.indexOf("1");
  if (first < 0) first = len;
  let zero = first;
  while (zero < len && bits[zero] === "1") zero++;
  if (!r.sparseMasks && bits.indexOf("1", zero) >= 0) {
    return bad(`The mask ${mask.toString(16)} has non-consecutive 1-bits`);
  }
  if (zero - first < r.minCbmBits) return bad(`Need at least ${r.minCbmBits} bits in the mask`);
  return { ok: true, value: mask };
}

/**
 * True when `mask` passes {@link validateCbm}.
 *
 * @example
 * ```ts
 * const l3: CacheResource = { kind: "cache", name: "L3", cbmMask: 0xff, minCbmBits: 1, numClosids: 8, domains: [0] };
 * console.log(isValidCbm(0x3c, l3), isValidCbm(0x5, l3)); // true false
 * ```
 */
export function isValidCbm(mask: number, r: CacheResource): boolean {
  return validateCbm(mask, r).ok;
}

/**
 * Checks and rounds a bandwidth value as the kernel's `bw_validate`: in
 * [min_bandwidth, max], rounded up to a multiple of `bandwidth_gran` (unchecked under the MBA
 * software controller).
 *
 * @example
 * ```ts
 * const mb: BandwidthResource = { kind: "bandwidth", name: "MB", minBandwidth: 10, bandwidthGran: 10, maxBandwidth: 100, numClosids: 8, domains: [0] };
 * console.log(validateBandwidth(15, mb)); // { ok: true, value: 20 }
 * ```
 */
export function validateBandwidth(value: number, r: BandwidthResource): ResctrlResult<number> {
  if ((r.delayLinear ?? true) === false && r.archNeedsLinear) {
    return bad("No support for non-linear MB domains");
  }
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff_ffff) {
    return bad(`Invalid MB value ${value}`);
  }
  if (r.mbaSc) return { ok: true, value };
  if (value < r.minBandwidth || value > r.maxBandwidth) {
    return bad(`MB value ${value} out of range [${r.minBandwidth},${r.maxBandwidth}]`);
  }
  return { ok: true, value: Math.ceil(value / r.bandwidthGran) * r.bandwidthGran };
}

/** A resource group's mode (`/sys/fs/resctrl/<group>/mode`). */
export type ResctrlMode = "shareable" | "exclusive";

interface Group {
  closid: number;
  mode: ResctrlMode;
  // resource name → domain id → control value
  ctrl: Map<string, Map<number, number>>;
}

/** Kernel's `cbm_ensure_valid`: keep only the lowest run of consecutive 1s. */
function ensureValid(v: number, len: number): number {
  if (v === 0) return 0;
  let first = 0;
  while (first < len && Math.floor(v / 2 ** first) % 2 === 0) first++;
  let zero = first;
  while (zero < len && Math.floor(v / 2 ** zero) % 2 === 1) zero++;
  return v % 2 ** zero;
}

/**
 * The name of the default resource group (the resctrl root directory).
 *
 * @example
 * ```ts
 * console.log(new ResctrlFilesystem(resources).readSchemata(DEFAULT_GROUP));
 * ```
 */
export const DEFAULT_GROUP = "";

/**
 * A model of a mounted resctrl filesystem on one host: control groups with CLOSIDs, their
 * schemata, modes and the kernel's validation — what `mkdir`, `rmdir`, writing `schemata` and
 * `mode`, and reading `schemata` and `info/L3/bit_usage` do, with the kernel's own
 * `last_cmd_status` text on failure. Writes are all-or-nothing, as the kernel stages them.
 *
 * @example
 * ```ts
 * const fs = new ResctrlFilesystem([
 *   { kind: "cache", name: "L3", cbmMask: 0xfffff, minCbmBits: 1, numClosids: 16, domains: [0, 1] },
 * ]);
 * fs.mkdir("vm1");
 * console.log(fs.writeSchemata("vm1", "L3:0=f;1=f\n")); // { ok: true, value: undefined }
 * console.log(fs.readSchemata("vm1")); // "L3:0=f;1=f\n"
 * ```
 */
export class ResctrlFilesystem {
  /** The resources, in the kernel's enumeration order (L3, L2, MB, SMBA). */
  readonly resources: readonly RdtResource[];
  private readonly groups_ = new Map<string, Group>();
  private readonly numClosids: number;
  private readonly nameWidth: number;
  private readonly formats: Record<string, SchemaFormat>;

  constructor(resources: readonly RdtResource[]) {
    if (resources.length === 0) {
      throw new MemPartitionerError("BAD_RESOURCE", "resctrl needs at least one resource");
    }
    const names = new Set<string>();
    resources.forEach((r, i) => {
      if (names.has(r.name)) {
        throw new MemPartitionerError("BAD_RESOURCE", `resource ${r.name} twice`, {
          field: `resources[${i}]`,
        });
      }
      names.add(r.name);
      if (!Number.isInteger(r.numClosids) || r.numClosids < 1) {
        throw new MemPartitionerError("BAD_RESOURCE", `num_closids of ${r.name} must be ≥ 1`, {
          field: `resources[${i}].numClosids`,
        });
      }
      if (r.kind === "cache") {
        const len = cbmLen(r.cbmMask);
        if (
          !Number.isSafeInteger(r.cbmMask) ||
          r.cbmMask !== 2 ** len - 1 ||
          len === 0 ||
          len > 32
        ) {
          throw new MemPartitionerError("BAD_RESOURCE", `cbm_mask of ${r.name} must be 2^n − 1`, {
            field: `resources[${i}].cbmMask`,
          });
        }
      }
    });
    this.resources = resources;
    this.numClosids = Math.min(...resources.map((r) => r.numClosids));
    this.formats = Object.fromEntries(
      resources.map((r) => [r.name, r.kind === "cache" ? "bitmap" : "range"]),
    );
    // schemata_list_add: widest name, +4 when CDP is supported but not enabled.
    this.nameWidth = Math.max(
      ...resources.map((r) => r.name.length + (r.kind === "cache" && r.cdpCapable ? 4 : 0)),
    );
    const root: Group = { closid: 0, mode: "shareable", ctrl: new Map() };
    for (const r of resources) {
      const m = new Map<number, number>();
      for (const d of r.domains) m.set(d, r.kind === "cache" ? r.cbmMask : defaultBw(r));
      root.ctrl.set(r.name, m);
    }
    this.groups_.set(DEFAULT_GROUP, root);
  }

  /** Group names, the default group (`""`) first, then by CLOSID. */
  groups(): readonly string[] {
    return [...this.groups_.entries()].sort((a, b) => a[1].closid - b[1].closid).map(([n]) => n);
  }

  /** CLOSID of a group, or undefined. */
  closid(group: string): number | undefined {
    return this.groups_.get(group)?.closid;
  }

  /** Mode of a group, or undefined. */
  mode(group: string): ResctrlMode | undefined {
    return this.groups_.get(group)?.mode;
  }

  /** Current control value of a group for a resource and domain. */
  control(group: string, resource: string, domain: number): number | undefined {
    return this.groups_.get(group)?.ctrl.get(resource)?.get(domain);
  }

  /**
   * `mkdir /sys/fs/resctrl/<group>`: allocates the lowest free CLOSID and initial controls as
   * `rdtgroup_init_alloc` does (CBM: shareable bits, shareable groups' bits and unused bits, cut to
   * the first run; bandwidth: maximum).
   */
  mkdir(group: string): ResctrlResult<number> {
    if (group === DEFAULT_GROUP || this.groups_.has(group) || group.includes("/")) {
      throw new MemPartitionerError("BAD_GROUP", `cannot create group '${group}'`, {
        field: "group",
      });
    }
    const used = new Set([...this.groups_.values()].map((g) => g.closid));
    let closid = 0;
    while (used.has(closid)) closid++;
    if (closid >= this.numClosids) return bad("Out of CLOSIDs");
    const g: Group = { closid, mode: "shareable", ctrl: new Map() };
    for (const r of this.resources) {
      const m = new Map<number, number>();
      for (const d of r.domains) {
        if (r.kind === "bandwidth") {
          m.set(d, defaultBw(r));
          continue;
        }
        const len = cbmLen(r.cbmMask);
        let newCtrl = r.shareableBits ?? 0;
        let usedB = r.shareableBits ?? 0;
        for (const other of this.groups_.values()) {
          const v = other.ctrl.get(r.name)!.get(d)!;
          usedB = orBits(usedB, v);
          if (other.mode === "shareable") newCtrl = orBits(newCtrl, v);
        }
        const unused = andNotBits(r.cbmMask, usedB);
        newCtrl = ensureValid(orBits(newCtrl, unused), len);
        if (popcount(newCtrl) < r.minCbmBits) return bad(`No space on ${r.name}:${d}`);
        m.set(d, newCtrl);
      }
      g.ctrl.set(r.name, m);
    }
    this.groups_.set(group, g);
    return { ok: true, value: closid };
  }

  /** `rmdir`: frees the group's CLOSID. False for an unknown group or the default group. */
  rmdir(group: string): boolean {
    if (group === DEFAULT_GROUP) return false;
    return this.groups_.delete(group);
  }

  /** Writes `/sys/fs/resctrl/<group>/mode` (`rdtgroup_mode_write`). */
  setMode(group: string, mode: ResctrlMode): ResctrlResult<void> {
    const g = this.group(group);
    if (g.mode === mode) return { ok: true, value: undefined };
    if (mode === "exclusive") {
      let hasCache = false;
      for (const r of this.resources) {
        if (r.kind !== "cache") continue;
        hasCache = true;
        for (const d of r.domains) {
          if (this.overlaps(r, d, g.ctrl.get(r.name)!.get(d)!, g.closid, false)) {
            return bad("Schemata overlaps");
          }
        }
      }
      if (!hasCache) return bad("Cannot be exclusive without CAT/CDP");
    }
    g.mode = mode;
    return { ok: true, value: undefined };
  }

  /**
   * Writes `/sys/fs/resctrl/<group>/schemata`. On success every line is applied (bandwidth rounded
   * up to the granularity); on failure nothing changes and the error carries the kernel's text.
   */
  writeSchemata(group: string, text: string): ResctrlResult<void> {
    const g = this.group(group);
    let lines: readonly SchemataLine[];
    try {
      lines = parseSchemata(text, { formats: this.formats }).lines;
    } catch (e) {
      if (MemPartitionerError.isInstance(e)) return bad(e.message.replace(/ \(at .*\)$/, ""));
      throw e;
    }
    const staged = new Map<string, Map<number, number>>();
    for (const line of lines) {
      const r = this.resources.find((x) => x.name === line.resource)!;
      const st = staged.get(r.name) ?? new Map<number, number>();
      staged.set(r.name, st);
      for (const dom of line.domains) {
        // parse_line: an id with no matching domain is -EINVAL without a message.
        if (!r.domains.includes(dom.id)) return bad("");
        if (r.kind === "bandwidth") {
          const v = validateBandwidth(dom.value, r);
          if (!v.ok) return v;
          st.set(dom.id, v.value);
          continue;
        }
        const v = validateCbm(dom.value, r);
        if (!v.ok) return v;
        if (this.overlaps(r, dom.id, v.value, g.closid, true))
          return bad("Overlaps with exclusive group");
        if (g.mode === "exclusive" && this.overlaps(r, dom.id, v.value, g.closid, false)) {
          return bad("Overlaps with other group");
        }
        st.set(dom.id, v.value);
      }
    }
    for (const [name, m] of staged) {
      const cur = g.ctrl.get(name)!;
      for (const [d, v] of m) cur.set(d, v);
    }
    return { ok: true, value: undefined };
  }

  /** Reads `/sys/fs/resctrl/<group>/schemata` in the kernel's format. */
  readSchemata(group: string): string {
    const g = this.group(group);
    // list_add() puts each new schema at the head: the file lists them in reverse enumeration order.
    const lines = [...this.resources].reverse().map((r) => ({
      resource: r.name,
      domains: r.domains.map((d) => ({ id: d, value: g.ctrl.get(r.name)!.get(d)! })),
    }));
    return formatSchemata({ lines }, { nameWidth: this.nameWidth, formats: this.formats });
  }

  /**
   * `info/<cache>/bit_usage`: per domain, one character per CBM bit from the most significant:
   * `0` unused, `H` hardware only (shareable_bits), `X` hardware and software, `S` software
   * shareable, `E` exclusive.
   */
  bitUsage(resource: string): string {
    const r = this.resources.find((x) => x.name === resource);
    if (r === undefined || r.kind !== "cache") {
      throw new MemPartitionerError("BAD_RESOURCE", `no cache resource ${resource}`, {
        field: "resource",
      });
    }
    const len = cbmLen(r.cbmMask);
    const doms = r.domains.map((d) => {
      let s = "";
      for (let bit = len - 1; bit >= 0; bit--) {
        const hw = Math.floor((r.shareableBits ?? 0) / 2 ** bit) % 2 === 1;
        let sw = false;
        let excl = false;
        for (const g of this.groups_.values()) {
          if (Math.floor(g.ctrl.get(r.name)!.get(d)! / 2 ** bit) % 2 === 1) {
            if (g.mode === "exclusive") excl = true;
            else sw = true;
          }
        }
        s += excl ? "E" : hw && sw ? "X" : hw ? "H" : sw ? "S" : "0";
      }
      return `${d}=${s}`;
    });
    return `${doms.join(";")}\n`;
  }

  private group(name: string): Group {
    const g = this.groups_.get(name);
    if (g === undefined) {
      throw new MemPartitionerError("NO_GROUP", `no resource group '${name}'`, { field: "group" });
    }
    return g;
  }

  // rdtgroup_cbm_overlaps: with exclusive=false, any overlap with shareable_bits or another group;
  // with exclusive=true, only overlap with an exclusive group.
  private overlaps(
    r: CacheResource,
    d: number,
    cbm: number,
    closid: number,
    exclusive: boolean,
  ): boolean {
    if (!exclusive && andBits(cbm, r.shareableBits ?? 0) !== 0) return true;
    for (const g of this.groups_.values()) {
      if (g.closid === closid) continue;
      if (andBits(cbm, g.ctrl.get(r.name)!.get(d)!) !== 0) {
        if (exclusive) {
          if (g.mode === "exclusive") return true;
          continue;
        }
        return true;
      }
    }
    return false;
  }
}

function defaultBw(r: BandwidthResource): number {
  // MBA_MAX_MBPS = U32_MAX under the software controller, else the default control (max).
  return r.mbaSc ? 0xffff_ffff : r.maxBandwidth;
}

// CBMs are ≤ 32 bits: do bitwise operations unsigned.
function andBits(a: number, b: number): number {
  return (a & b) >>> 0;
}
function orBits(a: number, b: number): number {
  return (a | b) >>> 0;
}
function andNotBits(a: number, b: number): number {
  return (a & ~b) >>> 0;
}

/**
 * The CBM of `ways` consecutive ways starting at way `first` (bit `first` is the lowest).
 *
 * @example
 * ```ts
 * console.log(contiguousCbm(4, 8).toString(16)); // "f0"
 * ```
 */
export function contiguousCbm(first: number, ways: number): number {
  if (
    !Number.isInteger(first) ||
    !Number.isInteger(ways) ||
    first < 0 ||
    ways < 1 ||
    first + ways > 32
  ) {
    throw new MemPartitionerError(
      "BAD_CBM",
      `ways ${first}..${first + ways - 1} do not fit 32 bits`,
      {
        field: "ways",
      },
    );
  }
  return ((2 ** ways - 1) * 2 ** first) >>> 0;
}

/**
 * Splits a cache's ways into disjoint contiguous CBMs, one per VM, each of `ways[i]` ways
 * (≥ min_cbm_bits), from the highest ways down, leaving the low ways for the host — the NoHype
 * layout where no two VMs share an LLC way.
 *
 * @example
 * ```ts
 * const l3: CacheResource = { kind: "cache", name: "L3", cbmMask: 0x7ff, minCbmBits: 2, numClosids: 16, domains: [0] };
 * console.log(partitionCacheWays(l3, [4, 4])); // { ok: true, value: [1920, 120] } (0x780, 0x78)
 * ```
 */
export function partitionCacheWays(
  r: CacheResource,
  ways: readonly number[],
): ResctrlResult<number[]> {
  const len = cbmLen(r.cbmMask);
  let top = len;
  const out: number[] = [];
  for (const w of ways) {
    if (!Number.isInteger(w) || w < 1) {
      throw new MemPartitionerError("BAD_CBM", `way count ${w} must be a positive integer`, {
        field: "ways",
      });
    }
    if (w < r.minCbmBits) return bad(`Need at least ${r.minCbmBits} bits in the mask`);
    if (top - w < 0) return bad(`${r.name} has ${len} ways; the requests need more`);
    top -= w;
    out.push(contiguousCbm(top, w));
  }
  if (ways.length + 1 > r.numClosids) return bad("Out of CLOSIDs");
  return { ok: true, value: out };
}

const UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
};

/**
 * The RDT resources a libvirt host advertises in its capabilities (`virsh capabilities`):
 * `<cache><bank … size unit><control granularity [min] unit type maxAllocs/>` becomes one CAT
 * resource per cache level and type (`L3`, or `L3CODE`/`L3DATA` with CDP) whose CBM length is
 * size / granularity and `min_cbm_bits` min / granularity; `<memory_bandwidth><node><control
 * granularity min maxAllocs/>` becomes the `MB` resource (percent, max 100).
 *
 * @throws {@link MemPartitionerError} `BAD_CAPABILITIES` for a size that is not a whole number of
 * granules or an unknown unit.
 * @example
 * ```ts
 * const [l3, mb] = rdtResourcesFromCapabilities(readFileSync("caps.xml", "utf8"));
 * console.log(l3); // { kind: "cache", name: "L3", cbmMask: 0x7ff, cacheSize: 23068672, … }
 * ```
 */
export function rdtResourcesFromCapabilities(xml: string): RdtResource[] {
  const attr = (tag: string, name: string): string | undefined =>
    new RegExp(`\\s${name}=['"]([^'"]*)['"]`).exec(tag)?.[1];
  const bytes = (value: string | undefined, unit: string | undefined, field: string): number => {
    const f = UNIT_BYTES[unit ?? "KiB"];
    const v = Number(value);
    if (f === undefined || !Number.isFinite(v) || v < 0) {
      throw new MemPartitionerError("BAD_CAPABILITIES", `bad size ${value} ${unit}`, { field });
    }
    return v * f;
  };
  const caches = new Map<string, CacheResource>();
  const cacheBody = /<cache>([\s\S]*?)<\/cache>/.exec(xml)?.[1] ?? "";
  for (const b of cacheBody.matchAll(/(<bank\s[^>]*>)([\s\S]*?)<\/bank>/g)) {
    const bank = b[1]!;
    const control = /<control\s[^>]*>/.exec(b[2]!)?.[0];
    if (control === undefined) continue; // a cache without CAT
    const id = Number(attr(bank, "id"));
    const level = attr(bank, "level");
    const size = bytes(attr(bank, "size"), attr(bank, "unit"), `bank ${id}`);
    const gran = bytes(attr(control, "granularity"), attr(control, "unit"), `bank ${id}/control`);
    const min = attr(control, "min");
    const type = attr(control, "type") ?? "both";
    const len = size / gran;
    if (!Number.isInteger(len) || len < 1 || len > 32) {
      throw new MemPartitionerError("BAD_CAPABILITIES", `bank ${id}: size is not 1–32 granules`, {
        field: `bank ${id}`,
      });
    }
    const name = `L${level}${type === "code" ? "CODE" : type === "data" ? "DATA" : ""}`;
    const prev = caches.get(name);
    caches.set(name, {
      kind: "cache",
      name,
      cbmMask: 2 ** len - 1,
      minCbmBits:
        min === undefined ? 1 : Math.ceil(bytes(min, attr(control, "unit"), `bank ${id}`) / gran),
      numClosids: Number(attr(control, "maxAllocs") ?? 1),
      domains: [...(prev?.domains ?? []), id].sort((x, y) => x - y),
      cacheSize: size,
      // CODE/DATA banks mean CDP is enabled: names already carry the suffix.
      cdpCapable: false,
    });
  }
  const out: RdtResource[] = [...caches.values()];
  const mbBody = /<memory_bandwidth>([\s\S]*?)<\/memory_bandwidth>/.exec(xml)?.[1];
  if (mbBody !== undefined) {
    const nodes = [...mbBody.matchAll(/(<node\s[^>]*>)([\s\S]*?)<\/node>/g)];
    const controls = nodes.map((n) => /<control\s[^>]*>/.exec(n[2]!)?.[0] ?? "");
    if (nodes.length > 0) {
      const c = controls[0]!;
      out.push({
        kind: "bandwidth",
        name: "MB",
        minBandwidth: Number(attr(c, "min") ?? 0),
        bandwidthGran: Number(attr(c, "granularity") ?? 1),
        maxBandwidth: 100,
        delayLinear: true,
        numClosids: Number(attr(c, "maxAllocs") ?? 1),
        domains: nodes.map((n) => Number(attr(n[1]!, "id"))).sort((x, y) => x - y),
      });
    }
  }
  return out;
}
