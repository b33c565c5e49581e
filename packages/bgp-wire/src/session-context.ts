import type { AfiSafi } from "./afi-safi";
import type { OpenMessage } from "./messages";
import { openCapabilities } from "./messages";

/**
 * What the decoder and encoder need to know about the session a message travels on — an explicit
 * value, never global state. Decoding depends on it: AS numbers in AS_PATH/AGGREGATOR are 2 or 4
 * octets (RFC 6793), NLRI carry a Path Identifier for the families where ADD-PATH was negotiated
 * in this direction (RFC 7911), and the maximum message size is 4096 or 65535 (RFC 8654).
 *
 * @example
 * ```ts
 * import type { SessionContext } from "@dyninfra/bgp-wire";
 * const ctx: SessionContext = { fourOctetAs: true, addPath: [{ afi: 1, safi: 1 }], extendedMessage: false };
 * ```
 */
export interface SessionContext {
  /** Both speakers announced the 4-octet AS capability (RFC 6793). */
  readonly fourOctetAs: boolean;
  /** Families whose NLRI carry Path Identifiers in the direction being decoded/encoded. */
  readonly addPath: readonly AfiSafi[];
  /** Both speakers announced the Extended Message capability (RFC 8654): 65535-octet messages. */
  readonly extendedMessage: boolean;
}

/**
 * The context of a session that negotiated nothing: 2-octet AS, no ADD-PATH, 4096-octet messages.
 *
 * @example
 * ```ts
 * import { DEFAULT_SESSION_CONTEXT } from "@dyninfra/bgp-wire";
 * DEFAULT_SESSION_CONTEXT.fourOctetAs; // false
 * ```
 */
export const DEFAULT_SESSION_CONTEXT: SessionContext = Object.freeze({
  fourOctetAs: false,
  addPath: Object.freeze([]) as readonly AfiSafi[],
  extendedMessage: false,
});

/**
 * A session context with defaults for what is not given.
 *
 * @example
 * ```ts
 * import { sessionContext } from "@dyninfra/bgp-wire";
 * const ctx = sessionContext({ fourOctetAs: true });
 * ```
 */
export function sessionContext(options: Partial<SessionContext> = {}): SessionContext {
  return {
    fourOctetAs: options.fourOctetAs ?? false,
    addPath: options.addPath ?? [],
    extendedMessage: options.extendedMessage ?? false,
  };
}

/**
 * True when NLRI of (afi, safi) carry a Path Identifier in this context.
 *
 * @example
 * ```ts
 * import { hasAddPath, sessionContext } from "@dyninfra/bgp-wire";
 * hasAddPath(sessionContext({ addPath: [{ afi: 2, safi: 1 }] }), 2, 1); // true
 * ```
 */
export function hasAddPath(ctx: SessionContext, afi: number, safi: number): boolean {
  const list = ctx.addPath;
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    if (f.afi === afi && f.safi === safi) return true;
  }
  return false;
}

/**
 * The maximum BGP message length in this context: 65535 with Extended Message, else 4096.
 *
 * @example
 * ```ts
 * import { maxMessageLength, sessionContext } from "@dyninfra/bgp-wire";
 * maxMessageLength(sessionContext({ extendedMessage: true })); // 65535
 * ```
 */
export function maxMessageLength(ctx: SessionContext): 4096 | 65535 {
  return ctx.extendedMessage ? 65535 : 4096;
}

/**
 * The session contexts negotiated by two OPEN messages (RFC 6793 §4, RFC 7911 §5, RFC 8654 §3):
 * `receive` is for decoding what the remote speaker sends, `send` for encoding what the local
 * speaker sends. ADD-PATH applies to what the sender announced "send" and the receiver "receive".
 *
 * @example
 * ```ts
 * import { negotiateSessionContext } from "@dyninfra/bgp-wire";
 * const open = {
 *   type: "OPEN", version: 4, myAutonomousSystem: 64500, holdTime: 90, bgpIdentifier: "192.0.2.1",
 *   optionalParameters: [{ type: "CAPABILITIES", capabilities: [{ type: "FOUR_OCTET_AS", asn: 64500 }] }],
 * } as const;
 * negotiateSessionContext(open, open).receive.fourOctetAs; // true
 * ```
 */
export function negotiateSessionContext(
  local: OpenMessage,
  remote: OpenMessage,
): { readonly receive: SessionContext; readonly send: SessionContext } {
  const lc = openCapabilities(local);
  const rc = openCapabilities(remote);
  const fourOctetAs =
    lc.some((c) => c.type === "FOUR_OCTET_AS") && rc.some((c) => c.type === "FOUR_OCTET_AS");
  const extendedMessage =
    lc.some((c) => c.type === "EXTENDED_MESSAGE") && rc.some((c) => c.type === "EXTENDED_MESSAGE");
  const addPathOf = (caps: typeof lc): Map<number, number> => {
    const m = new Map<number, number>();
    for (const c of caps) {
      if (c.type !== "ADD_PATH") continue;
      for (const f of c.families) m.set(f.afi * 256 + f.safi, f.sendReceive);
    }
    return m;
  };
  const la = addPathOf(lc);
  const ra = addPathOf(rc);
  const receive: AfiSafi[] = [];
  const send: AfiSafi[] = [];
  for (const [key, l] of la) {
    const r = ra.get(key);
    if (r === undefined) continue;
    const fam = { afi: Math.floor(key / 256), safi: key % 256 };
    if (l & 1 && r & 2) receive.push(fam);
    if (l & 2 && r & 1) send.push(fam);
  }
  return {
    receive: { fourOctetAs, addPath: receive, extendedMessage },
    send: { fourOctetAs, addPath: send, extendedMessage },
  };
}
