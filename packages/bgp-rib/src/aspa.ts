import type { AsPath } from "@dyninfra/bgp-wire";
import { BgpRibError } from "./errors";
import type { BgpRole } from "./peer";
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
 * What an AS_PATH hop is under the ASPAs known (draft-ietf-sidrops-aspa-verification §5): for a
 * customer AS and the AS after it on the path, `provider+` when the customer's ASPA lists that AS
 * as a provider, `not-provider+` when it has an ASPA that does not, `no-attestation` when it has
 * none.
 */
export type AspaHop = "provider+" | "not-provider+" | "no-attestation";

/** The outcome of ASPA-based AS_PATH verification. */
export type AspaValidity = "valid" | "invalid" | "unknown";

/**
 * Which procedure verifies a route: `upstream` for routes from a customer, a lateral peer or a
 * route server (client), `downstream` for routes from a provider.
 */
export type AspaDirection = "upstream" | "downstream";

/**
 * Validated ASPA payloads: for each customer AS, its set of provider ASes (an ASPA is one record
 * per customer; setting it again replaces it). Lookups are O(1).
 *
 * @example
 * ```ts
 * const t = new AspaTable();
 * t.set(64496, [64497, 64498]);
 * t.hop(64496, 64497); // "provider+"
 * t.hop(64496, 64499); // "not-provider+"
 * t.hop(64499, 64496); // "no-attestation"
 * ```
 */
export class AspaTable {
  private readonly providers = new Map<number, Set<number>>();

  /** Number of customer ASes with an ASPA. */
  get size(): number {
    return this.providers.size;
  }

  /**
   * Sets (or replaces) the ASPA of `customer`: its providers (AS 0 alone — "no provider", as for
   * a transit-free AS — is an ASPA that authorizes none).
   *
   * @throws {@link BgpRibError} `BAD_ASPA` for an AS number outside 0..2^32−1.
   */
  set(customer: number, providers: Iterable<number>): void {
    checkAsn(customer, "customer");
    const set = new Set<number>();
    for (const p of providers) {
      checkAsn(p, "providers");
      if (p !== 0) set.add(p);
    }
    this.providers.set(customer, set);
  }

  /** Removes every ASPA. */
  clear(): void {
    this.providers.clear();
  }

  /** Each customer AS with its providers. */
  *entries(): IterableIterator<[customer: number, providers: ReadonlySet<number>]> {
    yield* this.providers;
  }

  /** Removes the ASPA of `customer`; whether there was one. */
  delete(customer: number): boolean {
    return this.providers.delete(customer);
  }

  /** The providers of `customer`, or `undefined` without an ASPA. */
  get(customer: number): ReadonlySet<number> | undefined {
    return this.providers.get(customer);
  }

  /** The hop from `customer` to `next` (see {@link AspaHop}). */
  hop(customer: number, next: number): AspaHop {
    const p = this.providers.get(customer);
    if (p === undefined) return "no-attestation";
    return p.has(next) ? "provider+" : "not-provider+";
  }
}

function checkAsn(asn: number, field: string): void {
  if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff)
    throw new BgpRibError("BAD_ASPA", `AS number ${asn} is not an integer in 0..2^32-1`, {
      field,
    });
}

/**
 * Verifies an AS_PATH against ASPAs (draft-ietf-sidrops-aspa-verification §6): the path is
 * de-duplicated (prepends collapsed); an AS_SET (or an empty path) makes it `invalid`, as does a
 * leftmost AS other than `neighborAs` when given (leave it out for a route server, which does not
 * add its AS). Upstream (from a customer, peer or route server): every hop from the origin up must
 * be customer → provider — `invalid` if some hop is `not-provider+`, `unknown` if some is
 * `no-attestation`. Downstream (from a provider): the path may go up from the origin, then down
 * to us; with the longest up-ramp (from the origin) and down-ramp (from the neighbour) not ruled
 * out by a `not-provider+` hop, `invalid` if they do not cover the path together, `unknown` if
 * those made of `provider+` hops only do not. AS_CONFED segments are not verified (left out).
 *
 * @example
 * ```ts
 * const t = new AspaTable();
 * t.set(64496, [64497]);
 * t.set(64497, [0]);
 * const path = [{ type: "AS_SEQUENCE" as const, asns: [64497, 64496] }];
 * verifyAspa(path, t, "upstream"); // "valid"
 * verifyAspa([{ type: "AS_SEQUENCE", asns: [64498, 64496] }], t, "upstream"); // "invalid"
 * ```
 */
export function verifyAspa(
  path: AsPath,
  table: AspaTable,
  direction: AspaDirection,
  neighborAs?: number,
): AspaValidity {
  // The path origin first: as[0] is AS(1) of the draft, as[n-1] the neighbour.
  const as: number[] = [];
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i]!;
    if (seg.type === "AS_CONFED_SEQUENCE" || seg.type === "AS_CONFED_SET") continue;
    if (seg.type === "AS_SET") return "invalid";
    for (let k = seg.asns.length - 1; k >= 0; k--) {
      const x = seg.asns[k]!;
      if (as.length === 0 || as[as.length - 1] !== x) as.push(x);
    }
  }
  const n = as.length;
  if (n === 0) return "invalid";
  if (neighborAs !== undefined && as[n - 1] !== neighborAs) return "invalid";
  // Up-ramps from the origin: hops as[j] → as[j+1].
  let maxUp = 1;
  while (maxUp < n && table.hop(as[maxUp - 1]!, as[maxUp]!) !== "not-provider+") maxUp++;
  let minUp = 1;
  while (minUp < n && table.hop(as[minUp - 1]!, as[minUp]!) === "provider+") minUp++;
  if (direction === "upstream") {
    if (maxUp < n) return "invalid";
    return minUp < n ? "unknown" : "valid";
  }
  // Down-ramps from the neighbour: hops as[j] → as[j−1], read from the neighbour's end.
  let maxDown = 1;
  while (maxDown < n && table.hop(as[n - maxDown]!, as[n - maxDown - 1]!) !== "not-provider+")
    maxDown++;
  let minDown = 1;
  while (minDown < n && table.hop(as[n - minDown]!, as[n - minDown - 1]!) === "provider+")
    minDown++;
  if (maxUp + maxDown < n) return "invalid";
  return minUp + minDown < n ? "unknown" : "valid";
}

/**
 * The verification procedure for routes from a neighbour we have BGP Role `role` towards (RFC
 * 9234): `downstream` when we are its customer (it is our provider), `upstream` otherwise.
 *
 * @example
 * ```ts
 * aspaDirection("customer"); // "downstream"
 * aspaDirection("provider"); // "upstream"
 * ```
 */
export function aspaDirection(role: BgpRole): AspaDirection {
  return role === "customer" ? "downstream" : "upstream";
}

/**
 * Reads ASPAs from a relying party's JSON output — rpki-client's `-j` (`"aspas": [{
 * "customer_asid": 64496, "providers": [64497, …] }]`), which StayRTR reads too — into a table.
 *
 * @throws {@link BgpRibError} `BAD_ASPA` naming the entry and field of what is wrong.
 *
 * @example
 * ```ts
 * const t = parseAspaJson('{"aspas":[{"customer_asid":64496,"providers":[64497]}]}');
 * t.hop(64496, 64497); // "provider+"
 * ```
 */
export function parseAspaJson(text: string, into: AspaTable = new AspaTable()): AspaTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BgpRibError(
      "BAD_ASPA",
      `not JSON: ${(e as Error).message}`,
      { field: "aspas" },
      { cause: e },
    );
  }
  const list = (doc as { aspas?: unknown } | null)?.aspas;
  if (!Array.isArray(list)) throw new BgpRibError("BAD_ASPA", "no aspas list", { field: "aspas" });
  list.forEach((e: unknown, i) => {
    const o = e as { customer_asid?: unknown; providers?: unknown } | null;
    const asn = (v: unknown, field: string): number => {
      const x = typeof v === "string" && /^(AS)?\d+$/i.test(v) ? Number(v.replace(/^AS/i, "")) : v;
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0xffffffff)
        throw new BgpRibError("BAD_ASPA", `aspas[${i}].${field}: not an AS number`, {
          field: `aspas[${i}].${field}`,
        });
      return x;
    };
    const customer = asn(o?.customer_asid, "customer_asid");
    if (!Array.isArray(o?.providers))
      throw new BgpRibError("BAD_ASPA", `aspas[${i}].providers: not a list`, {
        field: `aspas[${i}].providers`,
      });
    into.set(
      customer,
      o.providers.map((p: unknown, k: number) => asn(p, `providers[${k}]`)),
    );
  });
  return into;
}

/**
 * The ASPA validity of an imported route, by the neighbour's BGP Role (see
 * {@link aspaDirection}; the leftmost AS must be the neighbour's unless the neighbour is a route
 * server, our role `rs-client`). A neighbour without a configured role cannot be verified:
 * `undefined`.
 *
 * @example
 * ```ts
 * const t = new AspaTable();
 * routeAspaValidity({ prefix: { afi: 1, address: "192.0.2.0", length: 24 },
 *   attributes: { asPath: [{ type: "AS_SEQUENCE", asns: [64501] }] },
 *   peer: { address: "198.51.100.1", asn: 64501, kind: "ebgp", role: "provider" } }, t); // "valid"
 * ```
 */
export function routeAspaValidity(route: PolicyRoute, table: AspaTable): AspaValidity | undefined {
  const role = route.peer.role;
  if (role === undefined) return undefined;
  return verifyAspa(
    route.attributes.asPath ?? [],
    table,
    aspaDirection(role),
    role === "rs-client" ? undefined : route.peer.asn,
  );
}

/**
 * A match on the ASPA validity of imported routes (see {@link routeAspaValidity}); routes from
 * neighbours without a role never match. The table is read at each call: after it changes, the
 * routes already decided are decided again by `Rib.setPolicies` with the same policies.
 *
 * @throws {@link BgpRibError} `BAD_VALIDITY` for an unknown state.
 *
 * @example
 * ```ts
 * const isInvalid = matchAspaValidity(new AspaTable(), "invalid");
 * ```
 */
export function matchAspaValidity(
  table: AspaTable,
  states: AspaValidity | readonly AspaValidity[],
): Match {
  const want = validityStates(states, ["valid", "invalid", "unknown"], "ASPA validity");
  return Object.assign(
    (route: PolicyRoute) => {
      const v = routeAspaValidity(route, table);
      return v !== undefined && want.has(v);
    },
    // Not cached by attribute set: the table may change between batches.
    { prefixIndependent: false },
  );
}

/**
 * The import policy of ASPA-based route leak and path verification: reject ASPA-invalid routes,
 * accept the rest unchanged. Compose with {@link chain} for more (e.g. after
 * `rejectInvalidOrigins`).
 *
 * @example
 * ```ts
 * const importPolicy = rejectAspaInvalid(new AspaTable());
 * ```
 */
export function rejectAspaInvalid(table: AspaTable): Policy {
  return when(matchAspaValidity(table, "invalid"), rejectAll, acceptAll);
}
