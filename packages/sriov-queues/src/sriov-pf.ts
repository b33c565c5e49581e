import { SriovQueuesError } from "./errors";

/** Linux errno names the SR-IOV sysfs attributes and the ixgbe callbacks return. */
export type Errno =
  | "EINVAL"
  | "ERANGE"
  | "EBUSY"
  | "ENOENT"
  | "EPERM"
  | "ENOSPC"
  | "EADDRINUSE"
  | "EPROTONOSUPPORT"
  | "EOPNOTSUPP";

/** An expected kernel outcome: success with a value, or the errno a `write(2)` would return. */
export type SysfsResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errno: Errno; readonly message: string };

/** A PCI function address (domain:bus:device.function). */
export interface PciAddress {
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
}

/**
 * The PF driver as `sriov_numvfs_store` sees it: a name and, when the driver supports
 * configuration through sysfs, its `sriov_configure` callback. The callback returns the number
 * of VFs it enabled (≥ 0) or an errno.
 */
export interface SriovPfDriver {
  readonly name: string;
  readonly maxVfs?: number;
  readonly sriovConfigure?: (numVfs: number) => number | Errno;
}

/** An SR-IOV physical function: the SR-IOV extended capability plus the kernel's view of it. */
export interface SriovPf {
  readonly address: PciAddress;
  /** TotalVFs from the SR-IOV capability. */
  readonly totalVfs: number;
  /** Limit set by the driver with `pci_sriov_set_totalvfs` (0 = none). */
  readonly driverMaxVfs: number;
  /** NumVFs currently enabled (the `sriov_numvfs` attribute). */
  readonly numVfs: number;
  /** First VF Offset field of the capability. */
  readonly firstVfOffset: number;
  /** VF Stride field of the capability. */
  readonly vfStride: number;
  /** VF Device ID field of the capability. */
  readonly vfDeviceId: number;
  /** The bound driver, or null when no driver is bound. */
  readonly driver: SriovPfDriver | null;
}

/** Options of {@link createSriovPf}; defaults are those of an Intel 82599 port 0 (lspci: "Total VFs: 64 … VF offset: 128, stride: 2, Device ID: 10ed"). */
export interface SriovPfOptions {
  readonly address?: PciAddress;
  readonly totalVfs?: number;
  readonly firstVfOffset?: number;
  readonly vfStride?: number;
  readonly vfDeviceId?: number;
  readonly driver?: SriovPfDriver | null;
}

/**
 * Creates a PF with SR-IOV disabled. Binding a driver with `maxVfs` models the driver calling
 * `pci_sriov_set_totalvfs` at probe time (ixgbe limits the 82599 to 63).
 *
 * @example
 * ```ts
 * const pf = createSriovPf({ driver: ixgbeDriver() });
 * readSriovAttribute(pf, "sriov_totalvfs"); // "63\n"
 * ```
 */
export function createSriovPf(options: SriovPfOptions = {}): SriovPf {
  const totalVfs = options.totalVfs ?? 64;
  const driver = options.driver === undefined ? null : options.driver;
  const address = options.address ?? { domain: 0, bus: 0x3b, device: 0, function: 0 };
  checkAddress(address);
  if (!Number.isInteger(totalVfs) || totalVfs < 0 || totalVfs > 0xffff) {
    throw new SriovQueuesError("BAD_CAPABILITY", `TotalVFs out of range: ${totalVfs}`, {
      field: "totalVfs",
    });
  }
  const firstVfOffset = options.firstVfOffset ?? 128;
  const vfStride = options.vfStride ?? 2;
  for (const [field, v] of [
    ["firstVfOffset", firstVfOffset],
    ["vfStride", vfStride],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new SriovQueuesError("BAD_CAPABILITY", `${field} out of range: ${v}`, { field });
    }
  }
  let driverMaxVfs = 0;
  if (driver?.maxVfs !== undefined) {
    // pci_sriov_set_totalvfs: refuses a limit above TotalVFs (-EINVAL); the driver then keeps TotalVFs.
    if (driver.maxVfs <= totalVfs) driverMaxVfs = driver.maxVfs;
  }
  return {
    address,
    totalVfs,
    driverMaxVfs,
    numVfs: 0,
    firstVfOffset,
    vfStride,
    vfDeviceId: options.vfDeviceId ?? 0x10ed,
    driver,
  };
}

function checkAddress(a: PciAddress): void {
  const ok =
    Number.isInteger(a.domain) &&
    a.domain >= 0 &&
    a.domain <= 0xffff &&
    Number.isInteger(a.bus) &&
    a.bus >= 0 &&
    a.bus <= 0xff &&
    Number.isInteger(a.device) &&
    a.device >= 0 &&
    a.device <= 0x1f &&
    Number.isInteger(a.function) &&
    a.function >= 0 &&
    a.function <= 7;
  if (!ok) {
    throw new SriovQueuesError("BAD_PCI_ADDRESS", `bad PCI address ${JSON.stringify(a)}`, {
      field: "address",
    });
  }
}

/**
 * `pci_sriov_get_totalvfs`: the driver's limit when it set one, TotalVFs otherwise.
 *
 * @example
 * ```ts
 * sriovTotalVfs(createSriovPf()); // 64
 * ```
 */
export function sriovTotalVfs(pf: SriovPf): number {
  return pf.driverMaxVfs !== 0 ? pf.driverMaxVfs : pf.totalVfs;
}

/** The read-only and read-write sysfs attributes of an SR-IOV PF. */
export type SriovAttribute =
  | "sriov_totalvfs"
  | "sriov_numvfs"
  | "sriov_offset"
  | "sriov_stride"
  | "sriov_vf_device";

/**
 * Reads an attribute exactly as `cat /sys/bus/pci/devices/…/<attr>` prints it (decimal, newline;
 * `sriov_vf_device` in hex without prefix).
 *
 * @example
 * ```ts
 * readSriovAttribute(createSriovPf(), "sriov_vf_device"); // "10ed\n"
 * ```
 */
export function readSriovAttribute(pf: SriovPf, attribute: SriovAttribute): string {
  switch (attribute) {
    case "sriov_totalvfs":
      return `${sriovTotalVfs(pf)}\n`;
    case "sriov_numvfs":
      return `${pf.numVfs}\n`;
    case "sriov_offset":
      return `${pf.firstVfOffset}\n`;
    case "sriov_stride":
      return `${pf.vfStride}\n`;
    case "sriov_vf_device":
      return `${pf.vfDeviceId.toString(16)}\n`;
  }
}

/**
 * The kernel's `kstrtou16(buf, 0, &v)`: optional `+`, base prefix (`0x` hex, leading `0` octal,
 * decimal otherwise), at most one trailing newline. Returns EINVAL for anything else and ERANGE
 * for values above 65535.
 *
 * @example
 * ```ts
 * kstrtou16("0x10\n"); // { ok: true, value: 16 }
 * kstrtou16("-1");     // { ok: false, errno: "EINVAL", … }
 * ```
 */
export function kstrtou16(text: string): SysfsResult<number> {
  let s = text;
  if (s.startsWith("+")) s = s.slice(1);
  if (s.endsWith("\n")) s = s.slice(0, -1);
  let radix = 10;
  let digits = s;
  if (/^0[xX]/.test(s) && /^[0-9a-fA-F]$/.test(s[2] ?? "")) {
    radix = 16;
    digits = s.slice(2);
  } else if (s.startsWith("0") && s.length > 1) {
    radix = 8;
    digits = s.slice(1);
  }
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) {
    return { ok: false, errno: "EINVAL", message: `not a number: ${JSON.stringify(text)}` };
  }
  let value = 0;
  for (const ch of digits) {
    value = value * radix + Number.parseInt(ch, radix);
    if (value > 0xffff) {
      return {
        ok: false,
        errno: "ERANGE",
        message: `does not fit in u16: ${JSON.stringify(text)}`,
      };
    }
  }
  return { ok: true, value };
}

/**
 * `echo N > sriov_numvfs`, step by step as `sriov_numvfs_store` in drivers/pci/iov.c:
 * parse (EINVAL/ERANGE) → above `sriov_totalvfs` (ERANGE) → unchanged (no-op success) → no
 * driver or no `sriov_configure` (ENOENT) → 0 disables → VFs already enabled (EBUSY: "Disable
 * before enabling") → the driver's callback (its errno, or the number it enabled).
 *
 * @example
 * ```ts
 * let pf = createSriovPf({ driver: ixgbeDriver() });
 * const r = writeSriovNumvfs(pf, "8\n");
 * if (r.ok) pf = r.value; // pf.numVfs === 8
 * writeSriovNumvfs(pf, "4"); // { ok: false, errno: "EBUSY", … }
 * ```
 */
export function writeSriovNumvfs(pf: SriovPf, text: string): SysfsResult<SriovPf> {
  const parsed = kstrtou16(text);
  if (!parsed.ok) return parsed;
  const numVfs = parsed.value;
  if (numVfs > sriovTotalVfs(pf)) {
    return {
      ok: false,
      errno: "ERANGE",
      message: `${numVfs} exceeds sriov_totalvfs ${sriovTotalVfs(pf)}`,
    };
  }
  if (numVfs === pf.numVfs) return { ok: true, value: pf };
  const configure = pf.driver?.sriovConfigure;
  if (configure === undefined) {
    return {
      ok: false,
      errno: "ENOENT",
      message: "Driver does not support SRIOV configuration via sysfs",
    };
  }
  if (numVfs !== 0 && pf.numVfs !== 0) {
    return {
      ok: false,
      errno: "EBUSY",
      message: `${pf.numVfs} VFs already enabled. Disable before enabling ${numVfs} VFs`,
    };
  }
  const ret = configure(numVfs);
  if (typeof ret === "string") return { ok: false, errno: ret, message: `sriov_configure: ${ret}` };
  return { ok: true, value: { ...pf, numVfs: numVfs === 0 ? 0 : ret } };
}

/** Options of the ixgbe PF driver model. */
export interface IxgbeDriverOptions {
  /** Traffic classes configured with DCB (1, 4 or 8); default 1. */
  readonly numTcs?: 1 | 4 | 8;
  /** Pools the PF itself uses: 1 plus offloaded macvlans; default 1. */
  readonly pfPools?: number;
  /** VFs currently assigned to guests (disable then fails with EPERM); default false. */
  readonly vfsAssigned?: boolean;
}

/** IXGBE_MAX_VF_FUNCTIONS for the 82599: 64 pools. */
export const IXGBE_MAX_VF_FUNCTIONS = 64;
/** IXGBE_MAX_VFS_DRV_LIMIT: ixgbe limits `sriov_totalvfs` to 63 (one pool stays with the PF). */
export const IXGBE_MAX_VFS_DRV_LIMIT = IXGBE_MAX_VF_FUNCTIONS - 1;

/**
 * The ixgbe PF driver: `pci_sriov_set_totalvfs(63)` at probe and `ixgbe_pci_sriov_configure`,
 * which refuses (EPERM) more VFs than the pool budget allows — 64, 32 or 16 pools for 1, 4 or
 * 8 traffic classes, minus the PF's own pools — and refuses to disable VFs assigned to guests.
 *
 * @example
 * ```ts
 * const pf = createSriovPf({ driver: ixgbeDriver({ numTcs: 4 }) });
 * writeSriovNumvfs(pf, "32"); // { ok: false, errno: "EPERM", … } — 4 TCs leave 31 VF pools
 * ```
 */
export function ixgbeDriver(options: IxgbeDriverOptions = {}): SriovPfDriver {
  const numTcs = options.numTcs ?? 1;
  const pfPools = options.pfPools ?? 1;
  const limit = numTcs > 4 ? 16 : numTcs > 1 ? 32 : IXGBE_MAX_VF_FUNCTIONS;
  return {
    name: "ixgbe",
    maxVfs: IXGBE_MAX_VFS_DRV_LIMIT,
    sriovConfigure: (numVfs) => {
      if (numVfs === 0) return options.vfsAssigned ? "EPERM" : 0;
      if (numVfs > limit - pfPools) return "EPERM";
      return numVfs;
    },
  };
}

/**
 * Routing ID (bus << 8 | devfn) of VF `index` (0-based): PF routing ID + First VF Offset +
 * index × VF Stride (PCIe SR-IOV §3.3.10–11; `pci_iov_virtfn_bus`/`_devfn`). Throws
 * `VF_OUT_OF_RANGE` for an index not below NumVFs and `BUS_OVERFLOW` past bus 255.
 *
 * @example
 * ```ts
 * const pf = { ...createSriovPf(), numVfs: 4 };
 * formatPciAddress(vfAddress(pf, 1)); // "0000:3b:10.2"
 * ```
 */
export function vfRoutingId(pf: SriovPf, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= pf.numVfs) {
    throw new SriovQueuesError("VF_OUT_OF_RANGE", `VF ${index} not enabled (NumVFs ${pf.numVfs})`, {
      field: "vf",
    });
  }
  const rid =
    (pf.address.bus << 8) +
    ((pf.address.device << 3) | pf.address.function) +
    pf.firstVfOffset +
    index * pf.vfStride;
  if (rid > 0xffff) {
    throw new SriovQueuesError("BUS_OVERFLOW", `VF ${index} routing ID beyond bus 255`, {
      field: "vf",
    });
  }
  return rid;
}

/** PCI address of VF `index` (same domain as the PF). @example formatPciAddress(vfAddress({ ...createSriovPf(), numVfs: 1 }, 0)) // "0000:3b:10.0" */
export function vfAddress(pf: SriovPf, index: number): PciAddress {
  const rid = vfRoutingId(pf, index);
  return {
    domain: pf.address.domain,
    bus: rid >> 8,
    device: (rid >> 3) & 0x1f,
    function: rid & 7,
  };
}

/** Formats `dddd:bb:dd.f` as sysfs and lspci -D do. @example formatPciAddress({ domain: 0, bus: 0x3b, device: 0x10, function: 2 }) // "0000:3b:10.2" */
export function formatPciAddress(a: PciAddress): string {
  const h = (v: number, n: number) => v.toString(16).padStart(n, "0");
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.device, 2)}.${a.function}`;
}

/** Parses `dddd:bb:dd.f` (or `bb:dd.f`, domain 0). Throws `BAD_PCI_ADDRESS`. @example parsePciAddress("0000:3b:10.2").device // 16 */
export function parsePciAddress(text: string): PciAddress {
  const m = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(text);
  if (m === null) {
    throw new SriovQueuesError("BAD_PCI_ADDRESS", `not a PCI address: ${JSON.stringify(text)}`, {
      field: "address",
    });
  }
  const a = {
    domain: Number.parseInt(m[1] ?? "0", 16),
    bus: Number.parseInt(m[2]!, 16),
    device: Number.parseInt(m[3]!, 16),
    function: Number.parseInt(m[4]!, 10),
  };
  checkAddress(a);
  return a;
}
