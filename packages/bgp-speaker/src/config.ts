import { isIP } from "node:net";
import {
  type AspaValidity,
  BGP_ROLES,
  formatIpv6,
  isLinkLocal,
  type OriginValidity,
  type PrefixListEntry,
  parseIpv6,
  RoaTable,
  withoutZone,
} from "@dyninfra/bgp-rib";
import { parsePrefix } from "@dyninfra/bgp-wire";
import { BMP_MONITORING, type BmpMonitoring } from "./bmp";
import { BgpSpeakerError } from "./errors";
import { mrtFileName, mrtFileNameVaries } from "./mrt-dump";
import {
  BUILT_IN_POLICIES,
  compilePolicy,
  type PolicyDefinitions,
  type PolicyMatchSpec,
  type PolicySetSpec,
  type PolicyTerm,
} from "./policy-config";
import type { NeighborSpec, OriginateSpec, RouterSpec } from "./router";

type Json = unknown;

function fail(field: string, why: string): never {
  throw new BgpSpeakerError("BAD_CONFIG", `configuration: ${field} ${why}`, { field });
}

function obj(v: Json, field: string): Record<string, Json> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field, "must be an object");
  return v as Record<string, Json>;
}

function int(v: Json, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    fail(field, `must be an integer in ${min}..${max} (got ${JSON.stringify(v)})`);
  return v;
}

function bool(v: Json, field: string): boolean {
  return typeof v === "boolean" ? v : fail(field, "must be true or false");
}

/** A VRF/Table Name (RFC 9069 §5.2.1): 1 to 255 octets of UTF-8. */
function tableName(v: Json, field: string): string {
  const s = str(v, field);
  if (new TextEncoder().encode(s).length > 255) fail(field, "must be at most 255 octets of UTF-8");
  return s;
}

function str(v: Json, field: string): string {
  if (typeof v !== "string" || v.length === 0) fail(field, "must be a non-empty string");
  return v;
}

function ipv4(v: Json, field: string): string {
  const s = str(v, field);
  if (isIP(s) !== 4) fail(field, `must be an IPv4 address (got ${JSON.stringify(s)})`);
  return s;
}

function ip(v: Json, field: string): string {
  const s = str(v, field);
  if (isIP(s) === 0) fail(field, `must be an IP address (got ${JSON.stringify(s)})`);
  return s;
}

/**
 * A neighbour's address: an IP address; a link-local IPv6 one (fe80::/10) with its interface as
 * zone (`fe80::2%eth1`), as the kernel names the connection's source — without one, neither the
 * connection nor the routes over it could say which link.
 */
function neighborAddress(v: Json, field: string): string {
  const s = ip(v, field);
  if (isLinkLocal(s) && !s.includes("%"))
    fail(field, `a link-local address needs its interface, as in "${s}%eth0"`);
  if (!s.includes(":")) return s;
  // IPv6 in the form the kernel gives a connection's source (RFC 5952: lower case, zeros
  // compressed), so that an incoming connection finds its neighbour; the zone kept.
  const bare = withoutZone(s);
  return `${formatIpv6(parseIpv6(bare))}${s.slice(bare.length)}`;
}

function optional<T>(
  o: Record<string, Json>,
  key: string,
  f: (v: Json, field: string) => T,
  field: string,
) {
  return o[key] === undefined ? {} : { [key]: f(o[key], `${field}.${key}`) };
}

const POLICY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * An export policy: `"accept"`, `"reject"` or the name of one of `policies` (checked once they
 * are parsed, see {@link checkPolicyNames}).
 */
function policy(v: Json, field: string): string {
  if (typeof v !== "string" || !POLICY_NAME.test(v))
    fail(field, 'must be "accept", "reject" or the name of one of policies');
  return v as string;
}

/** An import policy: {@link policy}'s, or Route Origin Validation (`"reject-invalid"`). */
function importPolicy(v: Json, field: string): string {
  if (typeof v !== "string" || !POLICY_NAME.test(v))
    fail(field, 'must be "accept", "reject", "reject-invalid" or the name of one of policies');
  return v as string;
}

const MATCH_KEYS = [
  "prefixList",
  "asPath",
  "asPathLength",
  "community",
  "largeCommunity",
  "rpki",
  "aspa",
];
const SET_KEYS = [
  "localPref",
  "med",
  "nextHop",
  "prepend",
  "addCommunities",
  "deleteCommunities",
  "addLargeCommunities",
  "deleteLargeCommunities",
];

function strings(v: Json, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) fail(field, "must be a non-empty list of strings");
  return v.map((x, i) => str(x, `${field}[${i}]`));
}

/** One term of a policy (see {@link PolicyTerm}). */
function policyTerm(v: Json, f: string): PolicyTerm {
  const t = obj(v, f);
  for (const k of Object.keys(t))
    if (k !== "match" && k !== "set" && k !== "action") fail(`${f}.${k}`, "is not a known setting");
  const action = t.action;
  if (action !== "accept" && action !== "reject" && action !== "next")
    fail(`${f}.action`, 'must be "accept", "reject" or "next"');
  if (action === "reject" && t.set !== undefined)
    fail(`${f}.set`, "has no effect: the term rejects the route");
  const match = (x: Json, g: string): PolicyMatchSpec => {
    const m = obj(x, g);
    for (const k of Object.keys(m))
      if (!MATCH_KEYS.includes(k)) fail(`${g}.${k}`, "is not a known match");
    const prefixList = (y: Json, h: string): PrefixListEntry[] => {
      if (!Array.isArray(y) || y.length === 0) fail(h, "must be a non-empty list");
      return y.map((e, i) => {
        const g2 = `${h}[${i}]`;
        const x2 = obj(e, g2);
        for (const k of Object.keys(x2))
          if (!["prefix", "ge", "le", "action"].includes(k))
            fail(`${g2}.${k}`, "is not a known setting");
        const prefix = str(x2.prefix, `${g2}.prefix`);
        try {
          parsePrefix(prefix);
        } catch {
          fail(`${g2}.prefix`, `must be a prefix (got ${JSON.stringify(prefix)})`);
        }
        if (x2.action !== undefined && x2.action !== "permit" && x2.action !== "deny")
          fail(`${g2}.action`, 'must be "permit" or "deny"');
        return {
          prefix,
          ...(x2.ge !== undefined ? { ge: int(x2.ge, `${g2}.ge`, 0, 128) } : {}),
          ...(x2.le !== undefined ? { le: int(x2.le, `${g2}.le`, 0, 128) } : {}),
          ...(x2.action !== undefined ? { action: x2.action as "permit" | "deny" } : {}),
        };
      });
    };
    /** One of `allowed`, or a non-empty list of them. */
    const states =
      <T extends string>(allowed: readonly T[]) =>
      (y: Json, h: string): T | T[] => {
        const names = allowed.map((a) => `"${a}"`);
        const one = (z: Json, k: string): T =>
          allowed.includes(z as T)
            ? (z as T)
            : fail(k, `must be ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`);
        if (!Array.isArray(y)) return one(y, h);
        if (y.length === 0) fail(h, "must name at least one state");
        return y.map((z, i) => one(z, `${h}[${i}]`));
      };
    return {
      ...optional(m, "prefixList", prefixList, g),
      ...optional(m, "asPath", str, g),
      ...optional(
        m,
        "asPathLength",
        (y, h) => {
          const l = obj(y, h);
          for (const k of Object.keys(l))
            if (k !== "min" && k !== "max") fail(`${h}.${k}`, "is not a known setting");
          if (l.min === undefined && l.max === undefined) fail(h, "needs min, max or both");
          const min = l.min === undefined ? undefined : int(l.min, `${h}.min`, 0, 0xffff);
          const max = l.max === undefined ? undefined : int(l.max, `${h}.max`, 0, 0xffff);
          if (min !== undefined && max !== undefined && min > max) fail(h, "has min above max");
          return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
        },
        g,
      ),
      ...optional(m, "community", str, g),
      ...optional(m, "largeCommunity", str, g),
      ...optional(m, "rpki", states<OriginValidity>(["valid", "invalid", "not-found"]), g),
      ...optional(m, "aspa", states<AspaValidity>(["valid", "invalid", "unknown"]), g),
    };
  };
  const set = (x: Json, g: string): PolicySetSpec => {
    const m = obj(x, g);
    for (const k of Object.keys(m))
      if (!SET_KEYS.includes(k)) fail(`${g}.${k}`, "is not a known setting");
    return {
      ...optional(m, "localPref", (y, h) => int(y, h, 0, 0xffffffff), g),
      ...optional(m, "med", (y, h) => int(y, h, 0, 0xffffffff), g),
      ...optional(m, "nextHop", (y, h) => (y === "self" ? "self" : ip(y, h)), g),
      ...optional(m, "prepend", (y, h) => int(y, h, 1, 10), g),
      ...optional(m, "addCommunities", strings, g),
      ...optional(m, "deleteCommunities", strings, g),
      ...optional(m, "addLargeCommunities", strings, g),
      ...optional(m, "deleteLargeCommunities", strings, g),
    };
  };
  return {
    ...optional(t, "match", match, f),
    ...optional(t, "set", set, f),
    action,
  } as PolicyTerm;
}

/**
 * Named policies as the configuration's `policies` holds them (see {@link PolicyTerm}), each
 * checked field by field and compiled once (errors: `BAD_CONFIG`, naming `field.NAME[i]…`).
 * `asn`: the router's AS. What `PUT /policies` of the control interface takes.
 *
 * @example
 * ```ts
 * import { parsePolicies } from "@dyninfra/bgp-speaker";
 * parsePolicies({ "from-peers": [{ set: { localPref: 90 }, action: "accept" }] }, 64500);
 * ```
 */
export function parsePolicies(v: unknown, asn: number, field = "policies"): PolicyDefinitions {
  return policies(v, field, asn);
}

/** `policies`: named lists of terms, each compiled once here so that its errors name the field. */
function policies(v: Json, field: string, asn: number): PolicyDefinitions {
  const o = obj(v, field);
  // No prototype: a policy may be called "constructor" or "__proto__" like any other.
  const out: Record<string, PolicyTerm[]> = Object.create(null);
  for (const [name, terms] of Object.entries(o)) {
    const f = `${field}.${name}`;
    if (!POLICY_NAME.test(name)) fail(f, "is not a policy name (1–64 letters, digits, _ . -)");
    if (BUILT_IN_POLICIES.includes(name)) fail(f, "redefines a built-in policy");
    if (!Array.isArray(terms) || terms.length === 0) fail(f, "must be a non-empty list of terms");
    out[name] = terms.map((t, i) => policyTerm(t, `${f}[${i}]`));
    compilePolicy(out[name], { asn, roas: new RoaTable([]), field: f });
  }
  return out;
}

/**
 * Every neighbour's policies are built-ins or defined in `policies`; an export policy does not
 * match on RPKI validity.
 */
function checkPolicyNames(spec: RouterSpec): void {
  const defs = spec.policies ?? {};
  spec.neighbors.forEach((n, i) => {
    for (const [key, name] of [
      ["importPolicy", n.importPolicy],
      ["exportPolicy", n.exportPolicy],
    ] as const) {
      if (name === undefined) continue;
      const builtIn = key === "importPolicy" ? BUILT_IN_POLICIES : ["accept", "reject"];
      if (builtIn.includes(name)) continue;
      const terms = Object.hasOwn(defs, name) ? defs[name] : undefined;
      if (terms === undefined)
        fail(
          `neighbors[${i}].${key}`,
          `names no policy: ${JSON.stringify(name)} is neither ${builtIn.map((b) => `"${b}"`).join(", ")} nor defined in policies`,
        );
      for (const what of ["rpki", "aspa"] as const)
        if (key === "exportPolicy" && terms.some((t) => t.match?.[what] !== undefined))
          fail(
            `neighbors[${i}].${key}`,
            `names ${JSON.stringify(name)}, which matches on ${what}: only import policies may`,
          );
    }
  });
}

/** The top-level settings of a router's JSON configuration. */
const ROUTER_KEYS = new Set([
  "asn",
  "bgpIdentifier",
  "localAddress",
  "localIpv6Address",
  "rfc8212",
  "rejectAsSets",
  "fib",
  "decision",
  "neighbors",
  "originate",
  "mrt",
  "listen",
  "control",
  "kernel",
  "mrtDump",
  "bmp",
  "rpki",
  "aspa",
  "policies",
]);

const NEIGHBOR_KEYS = new Set([
  "name",
  "address",
  "asn",
  "passive",
  "port",
  "localAddress",
  "holdTime",
  "sendHoldTime",
  "connectRetryTime",
  "idleHoldTime",
  "delayOpen",
  "capabilities",
  "staleRoutesTime",
  "longLivedStaleTime",
  "endOfRib",
  "routeReflectorClient",
  "nextHopSelf",
  "role",
  "strictRole",
  "maxPrefixes",
  "importPolicy",
  "exportPolicy",
  "gracefulShutdown",
  "allowAsIn",
  "removePrivateAs",
  "asOverride",
  "routeServerClient",
]);

/** `longLivedStaleTime`: `{ min?, max? }`, seconds in 24 bits, min ≤ max. */
function staleTimeBounds(v: Json, field: string): { min?: number; max?: number } {
  const o = obj(v, field);
  for (const k of Object.keys(o))
    if (k !== "min" && k !== "max") fail(`${field}.${k}`, "is not a known setting");
  const min = o.min === undefined ? undefined : int(o.min, `${field}.min`, 0, 0xffffff);
  const max = o.max === undefined ? undefined : int(o.max, `${field}.max`, 0, 0xffffff);
  if (min !== undefined && max !== undefined && min > max)
    fail(`${field}.min`, `must not exceed max (${max})`);
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

/** Checks the settings of `capabilities` that the speaker reads; the rest passes through. */
function capabilities(v: Json, field: string): never {
  const o = obj(v, field);
  const gr = o.gracefulRestart;
  if (gr !== undefined && gr !== false) {
    const g = obj(gr, `${field}.gracefulRestart`);
    // RFC 4724 §3: Restart Time is a 12-bit field.
    int(g.restartTime, `${field}.gracefulRestart.restartTime`, 0, 4095);
    for (const k of ["restartState", "notification", "hardAdministrativeReset"])
      if (g[k] !== undefined && typeof g[k] !== "boolean")
        fail(`${field}.gracefulRestart.${k}`, "must be true or false");
  }
  const ll = o.longLivedGracefulRestart;
  if (ll !== undefined && ll !== false) {
    const g = obj(ll, `${field}.longLivedGracefulRestart`);
    // RFC 9494 §3: the Long-Lived Stale Time is a 24-bit field.
    int(g.staleTime, `${field}.longLivedGracefulRestart.staleTime`, 0, 0xffffff);
    if (g.families !== undefined) {
      if (!Array.isArray(g.families))
        fail(`${field}.longLivedGracefulRestart.families`, "must be a list");
      g.families.forEach((e, i) => {
        const f = `${field}.longLivedGracefulRestart.families[${i}]`;
        const x = obj(e, f);
        int(x.afi, `${f}.afi`, 1, 65535);
        int(x.safi, `${f}.safi`, 1, 255);
        if (typeof x.forwardingState !== "boolean")
          fail(`${f}.forwardingState`, "must be true or false");
        if (x.staleTime !== undefined) int(x.staleTime, `${f}.staleTime`, 0, 0xffffff);
      });
    }
    if (gr === false)
      fail(
        `${field}.longLivedGracefulRestart`,
        "needs gracefulRestart: it is announced beside it (RFC 9494 §3.1)",
      );
  }
  if (o.extendedNextHop !== undefined && typeof o.extendedNextHop !== "boolean")
    fail(`${field}.extendedNextHop`, "must be true or false");
  const ap = o.addPath;
  if (ap !== undefined) {
    if (!Array.isArray(ap)) fail(`${field}.addPath`, "must be a list");
    ap.forEach((e, i) => {
      const f = `${field}.addPath[${i}]`;
      const x = obj(e, f);
      int(x.afi, `${f}.afi`, 1, 65535);
      int(x.safi, `${f}.safi`, 1, 255);
      int(x.sendReceive, `${f}.sendReceive`, 1, 3);
    });
  }
  return o as never;
}

function neighbor(v: Json, field: string): NeighborSpec {
  const o = obj(v, field);
  for (const k of Object.keys(o))
    if (!NEIGHBOR_KEYS.has(k)) fail(`${field}.${k}`, "is not a known setting");
  const hold = (x: Json, f: string) => {
    const h = int(x, f, 0, 65535);
    if (h === 1 || h === 2) fail(f, "must be 0 or at least 3 (RFC 4271 §4.2)");
    return h;
  };
  return {
    name: str(o.name, `${field}.name`),
    address: neighborAddress(o.address, `${field}.address`),
    asn: int(o.asn, `${field}.asn`, 1, 0xffffffff),
    ...optional(o, "passive", bool, field),
    ...optional(o, "port", (x, f) => int(x, f, 1, 65535), field),
    ...optional(o, "localAddress", ip, field),
    ...optional(o, "holdTime", hold, field),
    ...optional(o, "sendHoldTime", (x, f) => int(x, f, 0, 65535), field),
    ...optional(o, "connectRetryTime", (x, f) => int(x, f, 1, 65535), field),
    ...optional(o, "idleHoldTime", (x, f) => int(x, f, 0, 65535), field),
    ...optional(o, "delayOpen", bool, field),
    ...optional(o, "capabilities", capabilities, field),
    ...optional(o, "staleRoutesTime", (x, f) => int(x, f, 1, 65535), field),
    ...optional(o, "longLivedStaleTime", staleTimeBounds, field),
    ...optional(o, "endOfRib", bool, field),
    ...optional(o, "routeReflectorClient", bool, field),
    ...optional(o, "gracefulShutdown", bool, field),
    ...optional(o, "allowAsIn", (x, f) => int(x, f, 1, 10), field),
    ...optional(
      o,
      "removePrivateAs",
      (x, f) => (x === "remove" || x === "replace" ? x : fail(f, 'must be "remove" or "replace"')),
      field,
    ),
    ...optional(o, "asOverride", bool, field),
    ...optional(o, "routeServerClient", bool, field),
    ...optional(o, "nextHopSelf", bool, field),
    ...optional(
      o,
      "role",
      (x, f) =>
        typeof x === "string" && (BGP_ROLES as readonly string[]).includes(x)
          ? x
          : fail(f, "must be provider, rs, rs-client, customer or peer (RFC 9234)"),
      field,
    ),
    ...optional(o, "strictRole", bool, field),
    ...optional(
      o,
      "maxPrefixes",
      (x, f) => {
        const m = obj(x, f);
        for (const k of Object.keys(m))
          if (!["limit", "count", "warningOnly", "restartAfter"].includes(k))
            fail(`${f}.${k}`, "is not a known setting");
        return {
          limit: int(m.limit, `${f}.limit`, 0, 0xffffffff),
          ...optional(
            m,
            "count",
            (y, g) =>
              y === "received" || y === "accepted"
                ? y
                : fail(g, 'must be "received" or "accepted"'),
            f,
          ),
          ...optional(m, "warningOnly", bool, f),
          ...optional(m, "restartAfter", (y, g) => int(y, g, 1, 65535), f),
        };
      },
      field,
    ),
    ...optional(o, "importPolicy", importPolicy, field),
    ...optional(o, "exportPolicy", policy, field),
  } as NeighborSpec;
}

function originate(v: Json, field: string): OriginateSpec {
  const o = obj(v, field);
  const prefix = str(o.prefix, `${field}.prefix`);
  try {
    parsePrefix(prefix);
  } catch {
    fail(`${field}.prefix`, `is not a prefix (got ${JSON.stringify(prefix)})`);
  }
  const list = (x: Json, f: string) => {
    if (!Array.isArray(x)) fail(f, "must be an array");
    return x.map((e, i) => str(e, `${f}[${i}]`));
  };
  return {
    prefix,
    ...optional(o, "nextHop", ip, field),
    ...optional(
      o,
      "asPath",
      (x, f) => {
        if (!Array.isArray(x)) fail(f, "must be an array of AS numbers");
        return x.map((e, i) => int(e, `${f}[${i}]`, 0, 0xffffffff));
      },
      field,
    ),
    ...optional(
      o,
      "origin",
      (x, f) =>
        x === "IGP" || x === "EGP" || x === "INCOMPLETE"
          ? x
          : fail(f, "must be IGP, EGP or INCOMPLETE"),
      field,
    ),
    ...optional(o, "med", (x, f) => int(x, f, 0, 0xffffffff), field),
    ...optional(o, "localPref", (x, f) => int(x, f, 0, 0xffffffff), field),
    ...optional(o, "communities", list, field),
    ...optional(o, "largeCommunities", list, field),
  } as OriginateSpec;
}

/**
 * Validates a router's JSON configuration and returns it typed. Every problem is a
 * {@link BgpSpeakerError} with code `BAD_CONFIG` naming the field (e.g. `neighbors[1].asn`).
 *
 * @example
 * ```ts
 * import { parseRouterSpec } from "@dyninfra/bgp-speaker";
 * const spec = parseRouterSpec(JSON.parse('{"asn":64500,"bgpIdentifier":"192.0.2.1","neighbors":[]}'));
 * ```
 */
export function parseRouterSpec(json: unknown): RouterSpec {
  const o = obj(json, "config");
  for (const k of Object.keys(o))
    if (!ROUTER_KEYS.has(k)) fail(k, "is not a known setting of the router");
  const neighbors = o.neighbors;
  if (!Array.isArray(neighbors)) fail("neighbors", "must be an array");
  const spec: RouterSpec = {
    asn: int(o.asn, "asn", 1, 0xffffffff),
    bgpIdentifier: ipv4(o.bgpIdentifier, "bgpIdentifier"),
    ...optional(o, "localAddress", ipv4, "config"),
    ...optional(o, "localIpv6Address", ip, "config"),
    ...optional(o, "rfc8212", bool, "config"),
    ...optional(o, "rejectAsSets", bool, "config"),
    ...optional(o, "fib", bool, "config"),
    ...optional(
      o,
      "decision",
      (x, f) => {
        const d = obj(x, f);
        const known = [
          "alwaysCompareMed",
          "deterministicMed",
          "ignoreAsPathLength",
          "preferOlder",
          "medMissingAsWorst",
          "multipathRelax",
        ];
        // Multipath limits (routes to forward over, the best included; 1: the best only).
        const limits = ["maximumPaths", "maximumPathsIbgp"];
        for (const [k, v] of Object.entries(d)) {
          if (limits.includes(k)) int(v, `${f}.${k}`, 1, 256);
          else if (!known.includes(k)) fail(`${f}.${k}`, "is not a known decision option");
          else if (typeof v !== "boolean") fail(`${f}.${k}`, "must be true or false");
        }
        return d;
      },
      "config",
    ),
    neighbors: neighbors.map((n, i) => neighbor(n, `neighbors[${i}]`)),
    ...optional(o, "aspa", str, "config"),
    ...(o.policies !== undefined
      ? { policies: policies(o.policies, "policies", int(o.asn, "asn", 1, 0xffffffff)) }
      : {}),
    ...(o.originate !== undefined
      ? {
          originate: Array.isArray(o.originate)
            ? o.originate.map((r, i) => originate(r, `originate[${i}]`))
            : fail("originate", "must be an array"),
        }
      : {}),
    ...(o.mrt !== undefined
      ? {
          mrt: Array.isArray(o.mrt)
            ? o.mrt.map((m, i) => {
                const f = `mrt[${i}]`;
                const e = obj(m, f);
                for (const k of Object.keys(e))
                  if (k !== "file" && k !== "peerAddress")
                    fail(`${f}.${k}`, "is not a known setting");
                return {
                  file: str(e.file, `${f}.file`),
                  ...(e.peerAddress !== undefined
                    ? { peerAddress: ip(e.peerAddress, `${f}.peerAddress`) }
                    : {}),
                };
              })
            : fail("mrt", "must be an array"),
        }
      : {}),
    ...optional(
      o,
      "listen",
      (x, f) => {
        const l = obj(x, f);
        return { host: ip(l.host, `${f}.host`), port: int(l.port, `${f}.port`, 0, 65535) };
      },
      "config",
    ),
    ...optional(
      o,
      "control",
      (x, f) => {
        const c = obj(x, f);
        if (c.socket !== undefined) return { socket: str(c.socket, `${f}.socket`) };
        return {
          ...(c.host !== undefined ? { host: ip(c.host, `${f}.host`) } : {}),
          port: int(c.port, `${f}.port`, 0, 65535),
        };
      },
      "config",
    ),
    ...optional(
      o,
      "bmp",
      (x, f) => {
        const b = obj(x, f);
        for (const key of Object.keys(b))
          if (
            ![
              "host",
              "port",
              "sysName",
              "sysDescr",
              "statisticsInterval",
              "monitoring",
              "tableName",
            ].includes(key)
          )
            fail(`${f}.${key}`, "is not a known setting");
        const monitoring = (v: Json, g: string): BmpMonitoring[] => {
          if (!Array.isArray(v) || v.length === 0)
            fail(
              g,
              `must be a non-empty list of ${BMP_MONITORING.map((m) => `"${m}"`).join(", ")}`,
            );
          return v.map((m, i) => {
            if (!BMP_MONITORING.includes(m as BmpMonitoring))
              fail(
                `${g}[${i}]`,
                `must be one of ${BMP_MONITORING.map((x) => `"${x}"`).join(", ")} (got ${JSON.stringify(m)})`,
              );
            if (v.indexOf(m) !== i) fail(`${g}[${i}]`, `repeats ${JSON.stringify(m)}`);
            return m as BmpMonitoring;
          });
        };
        return {
          host: ip(b.host, `${f}.host`),
          port: int(b.port, `${f}.port`, 1, 65535),
          ...(b.sysName !== undefined ? { sysName: str(b.sysName, `${f}.sysName`) } : {}),
          ...(b.sysDescr !== undefined ? { sysDescr: str(b.sysDescr, `${f}.sysDescr`) } : {}),
          ...(b.statisticsInterval !== undefined
            ? { statisticsInterval: int(b.statisticsInterval, `${f}.statisticsInterval`, 1, 86400) }
            : {}),
          ...(b.monitoring !== undefined
            ? { monitoring: monitoring(b.monitoring, `${f}.monitoring`) }
            : {}),
          ...(b.tableName !== undefined
            ? { tableName: tableName(b.tableName, `${f}.tableName`) }
            : {}),
        };
      },
      "config",
    ),
    ...optional(
      o,
      "rpki",
      (x, f) => {
        const r = obj(x, f);
        for (const key of Object.keys(r))
          if (key !== "vrps" && key !== "rtr") fail(`${f}.${key}`, "is not a known setting");
        if ((r.vrps === undefined) === (r.rtr === undefined))
          fail(f, 'needs one source of VRPs: "vrps" (a file) or "rtr" (an RPKI cache)');
        if (r.vrps !== undefined) return { vrps: str(r.vrps, `${f}.vrps`) };
        const cache = (x: Json, g: string) => {
          const t = obj(x, g);
          for (const key of Object.keys(t))
            if (!["host", "port", "version", "retry", "preference", "tls"].includes(key))
              fail(`${g}.${key}`, "is not a known setting");
          const tls = (x: Json, h: string) => {
            const o = obj(x, h);
            for (const key of Object.keys(o))
              if (!["ca", "cert", "key", "serverName"].includes(key))
                fail(`${h}.${key}`, "is not a known setting");
            if ((o.cert === undefined) !== (o.key === undefined))
              fail(h, '"cert" and "key" go together');
            const out: { ca?: string; cert?: string; key?: string; serverName?: string } = {};
            for (const key of ["ca", "cert", "key", "serverName"] as const)
              if (o[key] !== undefined) out[key] = str(o[key], `${h}.${key}`);
            return out;
          };
          return {
            host: ip(t.host, `${g}.host`),
            port: int(t.port, `${g}.port`, 1, 65535),
            ...(t.version !== undefined
              ? { version: int(t.version, `${g}.version`, 0, 1) as 0 | 1 }
              : {}),
            ...(t.retry !== undefined ? { retry: int(t.retry, `${g}.retry`, 1, 7200) } : {}),
            ...(t.preference !== undefined
              ? { preference: int(t.preference, `${g}.preference`, 0, 255) }
              : {}),
            ...(t.tls !== undefined ? { tls: tls(t.tls, `${g}.tls`) } : {}),
          };
        };
        if (!Array.isArray(r.rtr)) return { rtr: cache(r.rtr, `${f}.rtr`) };
        if (r.rtr.length === 0) fail(`${f}.rtr`, "lists no cache");
        return { rtr: r.rtr.map((x, i) => cache(x, `${f}.rtr[${i}]`)) };
      },
      "config",
    ),
    ...optional(
      o,
      "mrtDump",
      (x, f) => {
        const m = obj(x, f);
        const known = ["updates", "all", "interval", "rib", "ribInterval"];
        for (const key of Object.keys(m))
          if (!known.includes(key)) fail(`${f}.${key}`, "is not a known setting");
        if (m.updates === undefined && m.rib === undefined)
          fail(
            f,
            `names no output: give ${f}.updates (an UPDATE log), ${f}.rib (RIB dumps) or both`,
          );
        for (const [key, needs] of [
          ["all", "updates"],
          ["interval", "updates"],
          ["ribInterval", "rib"],
          ["rib", "ribInterval"],
        ] as const)
          if (m[key] !== undefined && m[needs] === undefined)
            fail(`${f}.${key}`, `needs ${f}.${needs}`);
        const pattern = (v: Json, field: string, interval: Json) => {
          const s = str(v, field);
          try {
            mrtFileName(s, 0, field);
          } catch (e) {
            const at = (e as BgpSpeakerError).where?.offset;
            throw new BgpSpeakerError(
              "BAD_CONFIG",
              `configuration: ${field} ${(e as Error).message.replace(/ \(at [^)]*\)$/, "")}`,
              { field, ...(at === undefined ? {} : { offset: at }) },
            );
          }
          if (interval !== undefined && !mrtFileNameVaries(s))
            fail(
              field,
              "has no time conversion (%Y, %m, %d, %H, %M, %S, %s…): every period would use one file",
            );
          return s;
        };
        return {
          ...(m.updates === undefined
            ? {}
            : { updates: pattern(m.updates, `${f}.updates`, m.interval) }),
          ...optional(m, "all", bool, f),
          ...optional(m, "interval", (v, g) => int(v, g, 1, 0xffffffff), f),
          ...(m.rib === undefined ? {} : { rib: pattern(m.rib, `${f}.rib`, m.ribInterval) }),
          ...optional(m, "ribInterval", (v, g) => int(v, g, 1, 0xffffffff), f),
        };
      },
      "config",
    ),
    ...optional(
      o,
      "kernel",
      (x, f) => {
        const k = obj(x, f);
        const name = (v: unknown, g: string) =>
          typeof v === "number"
            ? int(v, g, 0, 2 ** 32 - 1)
            : /^[A-Za-z0-9_.-]+$/.test(str(v, g))
              ? (v as string)
              : fail(g, "must be a number or a name");
        for (const key of Object.keys(k))
          if (key !== "table" && key !== "protocol" && key !== "metric")
            fail(`${f}.${key}`, "is not a known setting");
        return {
          ...(k.table !== undefined ? { table: name(k.table, `${f}.table`) } : {}),
          ...(k.protocol !== undefined ? { protocol: name(k.protocol, `${f}.protocol`) } : {}),
          ...(k.metric !== undefined
            ? { metric: int(k.metric, `${f}.metric`, 0, 2 ** 32 - 1) }
            : {}),
        };
      },
      "config",
    ),
  } as RouterSpec;
  const names = new Set<string>();
  spec.neighbors.forEach((n, i) => {
    if (names.has(n.name)) fail(`neighbors[${i}].name`, `duplicates ${JSON.stringify(n.name)}`);
    names.add(n.name);
  });
  checkPolicyNames(spec);
  return spec;
}
