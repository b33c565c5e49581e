import { BgpSpeakerError } from "./errors";
import type { SessionGraft } from "./router";

/** The tag of a byte string in {@link sessionGraftToJson}'s output. */
const BYTES = "$base64";

/**
 * A {@link SessionGraft} as a JSON-safe value, to carry it to another process or host (byte
 * strings — the RIB snapshot, unprocessed input, capability values — as `{"$base64": "…"}`).
 * {@link sessionGraftFromJson} reads it back.
 *
 * @example
 * ```ts
 * import { sessionGraftFromJson, sessionGraftToJson, type SessionGraft } from "@dyninfra/bgp-speaker";
 * const carry = (g: SessionGraft): SessionGraft =>
 *   sessionGraftFromJson(JSON.parse(JSON.stringify(sessionGraftToJson(g))));
 * ```
 */
export function sessionGraftToJson(graft: SessionGraft): unknown {
  const walk = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return { [BYTES]: Buffer.from(v).toString("base64") };
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "bigint")
      throw new BgpSpeakerError("BAD_GRAFT", "a session graft holds no bigint", { field: "graft" });
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(graft);
}

/**
 * Reads {@link sessionGraftToJson}'s value back into a {@link SessionGraft}; a value that is not
 * one is a `BAD_GRAFT` error naming the field.
 *
 * @example
 * ```ts
 * import { sessionGraftFromJson } from "@dyninfra/bgp-speaker";
 * try {
 *   sessionGraftFromJson({ neighbor: {} });
 * } catch (e) {
 *   console.log((e as Error).message); // session graft: field session missing or not an object
 * }
 * ```
 */
export function sessionGraftFromJson(value: unknown): SessionGraft {
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === BYTES) {
        const b = o[BYTES];
        if (typeof b !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b.length % 4 !== 0)
          throw new BgpSpeakerError("BAD_GRAFT", `session graft: ${path} is not base64`, {
            field: path,
          });
        return new Uint8Array(Buffer.from(b, "base64"));
      }
      return Object.fromEntries(keys.map((k) => [k, walk(o[k], path === "" ? k : `${path}.${k}`)]));
    }
    return v;
  };
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new BgpSpeakerError("BAD_GRAFT", "session graft: not an object", { field: "graft" });
  const g = walk(value, "") as Record<string, unknown>;
  for (const k of ["neighbor", "session"] as const)
    if (
      g[k] === null ||
      typeof g[k] !== "object" ||
      Array.isArray(g[k]) ||
      g[k] instanceof Uint8Array
    )
      throw new BgpSpeakerError("BAD_GRAFT", `session graft: field ${k} missing or not an object`, {
        field: k,
      });
  if (!(g.rib instanceof Uint8Array))
    throw new BgpSpeakerError("BAD_GRAFT", "session graft: field rib is not a byte string", {
      field: "rib",
    });
  const session = g.session as Record<string, unknown>;
  if (!(session.unprocessedInbound instanceof Uint8Array))
    throw new BgpSpeakerError(
      "BAD_GRAFT",
      "session graft: field session.unprocessedInbound is not a byte string",
      { field: "session.unprocessedInbound" },
    );
  return g as unknown as SessionGraft;
}
