import { PAGE_1G, PAGE_2M, PAGE_4K, type PageSize } from "@dyninfra/mem-partitioner";
import { isValidUnicastMac, parseMac } from "@dyninfra/sriov-queues";
import { NohypeHostError } from "./errors";
import { parseYaml } from "./yaml";

/** One NIC of a tenant: a VF with a MAC, a port VLAN (with 802.1p priority) and a Tx rate cap. */
export interface TenantNic {
  /** Unicast MAC, `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  /** Port VLAN (1..4094) the NIC inserts and strips. */
  readonly vlan: number;
  /** 802.1p priority of the port VLAN (0..7). */
  readonly qos: number;
  /** `max_tx_rate` in Mb/s (ixgbe: more than 10, at most the link speed). */
  readonly maxTxRateMbps: number;
}

/** A tenant's VM as the operator describes it (`data/tenants.json` or `data/tenants.yaml`). */
export interface Tenant {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** Backing page size of guest memory. */
  readonly pageSize: "4K" | "2M" | "1G";
  /** L3 ways (Intel CAT) reserved for the VM on each L3 its cores use; default 1. */
  readonly l3Ways: number;
  /** Memory bandwidth share (Intel MBA, percent) on each node its cores use; default 10. */
  readonly memBandwidthPercent: number;
  readonly nics: readonly TenantNic[];
}

/** Bytes of a tenant page size. @example pageSizeBytes("2M") // 2097152 */
export function pageSizeBytes(p: Tenant["pageSize"]): PageSize {
  return p === "4K" ? PAGE_4K : p === "2M" ? PAGE_2M : PAGE_1G;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new NohypeHostError("BAD_TENANT", `${field} must be an integer in ${min}..${max}`, {
      field,
    });
  return v;
}

/**
 * Validates one tenant object (from JSON) and fills defaults.
 *
 * @throws {@link NohypeHostError} `BAD_TENANT` naming the field.
 * @example
 * ```ts
 * parseTenant({ name: "a", vcpus: 2, memoryMiB: 1024, pageSize: "2M", nics: [] }, "tenants[0]");
 * ```
 */
export function parseTenant(raw: unknown, at: string): Tenant {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new NohypeHostError("BAD_TENANT", "a tenant must be an object", { field: at });
  const o = raw as Record<string, unknown>;
  const name = o.name;
  if (typeof name !== "string" || !NAME.test(name))
    throw new NohypeHostError("BAD_TENANT", "name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,47}", {
      field: `${at}.name`,
    });
  const pageSize = o.pageSize ?? "4K";
  if (pageSize !== "4K" && pageSize !== "2M" && pageSize !== "1G")
    throw new NohypeHostError("BAD_TENANT", "pageSize must be 4K, 2M or 1G", {
      field: `${at}.pageSize`,
    });
  const memoryMiB = int(o.memoryMiB, `${at}.memoryMiB`, 1, 2 ** 30);
  if ((memoryMiB * 2 ** 20) % pageSizeBytes(pageSize) !== 0)
    throw new NohypeHostError(
      "BAD_TENANT",
      `memoryMiB must be a multiple of the ${pageSize} page`,
      {
        field: `${at}.memoryMiB`,
      },
    );
  const nicsRaw = o.nics ?? [];
  if (!Array.isArray(nicsRaw))
    throw new NohypeHostError("BAD_TENANT", "nics must be an array", { field: `${at}.nics` });
  const nics = nicsRaw.map((n: unknown, i): TenantNic => {
    const f = `${at}.nics[${i}]`;
    if (typeof n !== "object" || n === null)
      throw new NohypeHostError("BAD_TENANT", "a NIC must be an object", { field: f });
    const r = n as Record<string, unknown>;
    let mac: number;
    try {
      mac = parseMac(String(r.mac));
    } catch {
      throw new NohypeHostError("BAD_TENANT", "mac must be aa:bb:cc:dd:ee:ff", {
        field: `${f}.mac`,
      });
    }
    if (!isValidUnicastMac(mac))
      throw new NohypeHostError("BAD_TENANT", "mac must be a unicast address", {
        field: `${f}.mac`,
      });
    return {
      mac: String(r.mac).toLowerCase(),
      vlan: int(r.vlan, `${f}.vlan`, 1, 4094),
      qos: int(r.qos ?? 0, `${f}.qos`, 0, 7),
      maxTxRateMbps: int(r.maxTxRateMbps, `${f}.maxTxRateMbps`, 11, 100_000),
    };
  });
  return {
    name,
    vcpus: int(o.vcpus, `${at}.vcpus`, 1, 4096),
    memoryMiB,
    pageSize,
    l3Ways: int(o.l3Ways ?? 1, `${at}.l3Ways`, 1, 32),
    memBandwidthPercent: int(o.memBandwidthPercent ?? 10, `${at}.memBandwidthPercent`, 1, 100),
    nics,
  };
}

/**
 * Parses a tenants file: `{ "tenants": [ … ] }`. Names must be unique.
 *
 * @throws {@link NohypeHostError} `BAD_JSON` (with line) or `BAD_TENANT` (with field).
 * @example
 * ```ts
 * parseTenantsJson('{"tenants":[{"name":"a","vcpus":2,"memoryMiB":1024,"nics":[]}]}')[0]?.pageSize; // "4K"
 * ```
 */
export function parseTenantsJson(text: string): Tenant[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec(String(e))?.[1];
    const offset = pos === undefined ? undefined : Number(pos);
    const line = offset === undefined ? undefined : text.slice(0, offset).split("\n").length;
    throw new NohypeHostError(
      "BAD_JSON",
      "tenants file is not JSON",
      { ...(offset !== undefined ? { offset } : {}), ...(line !== undefined ? { line } : {}) },
      { cause: e },
    );
  }
  return tenantsOf(doc);
}

/**
 * Parses a tenants file in YAML (the subset {@link parseYaml} reads): a `tenants:` sequence of
 * the same objects as in the JSON form. Names must be unique.
 *
 * @throws {@link NohypeHostError} `BAD_YAML` (with line) or `BAD_TENANT` (with field).
 * @example
 * ```ts
 * parseTenantsYaml("tenants:\n  - name: a\n    vcpus: 2\n    memoryMiB: 1024\n")[0]?.vcpus; // 2
 * ```
 */
export function parseTenantsYaml(text: string): Tenant[] {
  return tenantsOf(parseYaml(text));
}

/**
 * Parses a tenants file by its name: `.yaml`/`.yml` as YAML, anything else as JSON.
 *
 * @example
 * ```ts
 * parseTenantsFile(readFileSync("tenants.yaml", "utf8"), "tenants.yaml");
 * ```
 */
export function parseTenantsFile(text: string, path: string): Tenant[] {
  return /\.ya?ml$/i.test(path) ? parseTenantsYaml(text) : parseTenantsJson(text);
}

function tenantsOf(doc: unknown): Tenant[] {
  const list = (doc as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(list))
    throw new NohypeHostError("BAD_TENANT", "expected { tenants: [ … ] }", { field: "tenants" });
  const out = list.map((t, i) => parseTenant(t, `tenants[${i}]`));
  const seen = new Set<string>();
  out.forEach((t, i) => {
    if (seen.has(t.name))
      throw new NohypeHostError("BAD_TENANT", `tenant ${t.name} listed twice`, {
        field: `tenants[${i}].name`,
      });
    seen.add(t.name);
  });
  return out;
}
