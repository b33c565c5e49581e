import { BgpSpeakerError } from "./errors";
import type { SessionGraft, SessionHandover } from "./router";

/** The tag of a byte string in the JSON forms below. */
const BYTES = "$base64";

/** A value with its byte strings as `{"$base64": "…"}` (JSON-safe). */
function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return { [BYTES]: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === "bigint")
    throw new BgpSpeakerError("BAD_GRAFT", "a session graft holds no bigint", { field: "graft" });
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]));
  return v;
}

/** {@link toJsonValue} undone; `path` names the field in errors. */
function fromJsonValue(v: unknown, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => fromJsonValue(x, `${path}[${i}]`));
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
    return Object.fromEntries(
      keys.map((k) => [k, fromJsonValue(o[k], path === "" ? k : `${path}.${k}`)]),
    );
  }
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);

/** The value read back, with `neighbor` and `session` (and its unprocessed input) checked. */
function readSession(value: unknown, what: string): Record<string, unknown> {
  if (!isObject(value))
    throw new BgpSpeakerError("BAD_GRAFT", `${what}: not an object`, { field: "graft" });
  const g = fromJsonValue(value, "") as Record<string, unknown>;
  for (const k of ["neighbor", "session"] as const)
    if (!isObject(g[k]))
      throw new BgpSpeakerError("BAD_GRAFT", `${what}: field ${k} missing or not an object`, {
        field: k,
      });
  if (!((g.session as Record<string, unknown>).unprocessedInbound instanceof Uint8Array))
    throw new BgpSpeakerError(
      "BAD_GRAFT",
      `${what}: field session.unprocessedInbound is not a byte string`,
      { field: "session.unprocessedInbound" },
    );
  return g;
}

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
  return toJsonValue(graft);
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
  const g = readSession(value, "session graft");
  if (!(g.rib instanceof Uint8Array))
    throw new BgpSpeakerError("BAD_GRAFT", "session graft: field rib is not a byte string", {
      field: "rib",
    });
  return g as unknown as SessionGraft;
}

/**
 * A {@link SessionHandover} (the freeze of a two-phase graft: paused session and the old RIB's
 * journal since the snapshot) as a JSON-safe value, as {@link sessionGraftToJson} does.
 *
 * @example
 * ```ts
 * import { sessionHandoverToJson, type SessionHandover } from "@dyninfra/bgp-speaker";
 * const text = (h: SessionHandover) => JSON.stringify(sessionHandoverToJson(h));
 * ```
 */
export function sessionHandoverToJson(handover: SessionHandover): unknown {
  return toJsonValue(handover);
}

/**
 * Reads {@link sessionHandoverToJson}'s value back; a value that is not one is a `BAD_GRAFT`
 * error naming the field.
 *
 * @example
 * ```ts
 * import { sessionHandoverFromJson } from "@dyninfra/bgp-speaker";
 * try {
 *   sessionHandoverFromJson({ neighbor: {}, session: {} });
 * } catch (e) {
 *   console.log((e as Error).message); // session handover: field session.unprocessedInbound …
 * }
 * ```
 */
export function sessionHandoverFromJson(value: unknown): SessionHandover {
  const h = readSession(value, "session handover");
  if (!Array.isArray(h.journal))
    throw new BgpSpeakerError("BAD_GRAFT", "session handover: field journal is not a list", {
      field: "journal",
    });
  return h as unknown as SessionHandover;
}
