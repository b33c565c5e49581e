import type { SessionContext } from "@dyninfra/bgp-wire";

/**
 * UPDATE messages already encoded for a part of an Adj-RIB-Out delta, per session encoding: the
 * neighbours of one RIB update group are handed the same delta objects, so their UPDATEs are
 * encoded once and the same bytes written to each (nobody writes into them).
 */
const ENCODED = new WeakMap<object, Map<string, Uint8Array[]>>();

export function encodedOnce(part: object, key: string, encode: () => Uint8Array[]): Uint8Array[] {
  let byKey = ENCODED.get(part);
  if (byKey === undefined) {
    byKey = new Map();
    ENCODED.set(part, byKey);
  }
  let msgs = byKey.get(key);
  if (msgs === undefined) {
    msgs = encode();
    byKey.set(key, msgs);
  }
  return msgs;
}

/** What UPDATE encoding depends on in a session context, as text. */
export function encodingKey(ctx: SessionContext): string {
  let k = `${ctx.fourOctetAs ? 4 : 2}|${ctx.extendedMessage ? "x" : "-"}`;
  for (const f of ctx.addPath) k += `|${f.afi}/${f.safi}`;
  return k;
}

/** Appends every message (no spread: the lists can be long). */
export function pushAll(out: Uint8Array[], msgs: readonly Uint8Array[]): void {
  for (let i = 0; i < msgs.length; i++) out.push(msgs[i]!);
}
