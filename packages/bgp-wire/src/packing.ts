import { encodeMessage, HEADER_LENGTH } from "./codec";
import { BgpWireError } from "./errors";
import { encodeAttributesBytes } from "./internal/attributes";
import { encodePrefix, prefixWireSize } from "./internal/nlri";
import { ByteWriter } from "./internal/writer";
import type { UpdateMessage } from "./messages";
import type { PathAttributes } from "./path-attributes";
import type { Prefix } from "./prefix";
import type { SessionContext } from "./session-context";
import { hasAddPath, maxMessageLength } from "./session-context";

/**
 * Splits prefixes into groups whose encoded sizes fit `capacity(groupBytes)`, filling each group
 * largest-size-first so every group but the last has no room left for any remaining prefix.
 */
function pack(
  prefixes: readonly Prefix[],
  addPath: boolean,
  fits: (bytes: number) => boolean,
): Prefix[][] {
  const bySize = new Map<number, Prefix[]>();
  for (const p of prefixes) {
    const s = prefixWireSize(p, addPath);
    let list = bySize.get(s);
    if (list === undefined) {
      list = [];
      bySize.set(s, list);
    }
    list.push(p);
  }
  const sizes = [...bySize.keys()].sort((a, b) => b - a);
  const cursor = new Map<number, number>(sizes.map((s) => [s, 0]));
  let remaining = prefixes.length;
  const groups: Prefix[][] = [];
  while (remaining > 0) {
    const group: Prefix[] = [];
    let bytes = 0;
    for (const s of sizes) {
      const list = bySize.get(s)!;
      let i = cursor.get(s)!;
      while (i < list.length && fits(bytes + s)) {
        group.push(list[i]!);
        bytes += s;
        i++;
      }
      remaining -= i - cursor.get(s)!;
      cursor.set(s, i);
    }
    if (group.length === 0) {
      throw new BgpWireError(
        "MESSAGE_TOO_LONG",
        "path attributes leave no room for a single prefix",
        {
          field: "pathAttributes",
        },
      );
    }
    groups.push(group);
  }
  return groups;
}

/** Size of an attribute with a value of `len` octets (Extended Length above 255). */
const attrSize = (len: number): number => (len > 255 ? 4 : 3) + len;

/**
 * Encodes announcements of `prefixes` sharing one attribute set into as few UPDATE messages as
 * fit the context's maximum message size (4096, or 65535 with Extended Message): every UPDATE
 * but the last has no room for any prefix left over. IPv4 prefixes travel in the NLRI field
 * (unless `attributes.mpReachNlri` is for AFI 1, RFC 8950); IPv6 prefixes travel in
 * MP_REACH_NLRI, whose AFI/SAFI and next hop(s) come from `attributes.mpReachNlri` (its `nlri`
 * is ignored). Throws {@link BgpWireError} when IPv6 prefixes lack an MP_REACH_NLRI template or
 * the attributes alone exceed the maximum.
 *
 * @example
 * ```ts
 * import { encodeAnnouncements, parsePrefix, sessionContext } from "@dyninfra/bgp-wire";
 * const prefixes = Array.from({ length: 2000 }, (_, i) => parsePrefix(`10.${i >> 8}.${i & 255}.0/24`));
 * const updates = encodeAnnouncements(
 *   { origin: "IGP", asPath: [{ type: "AS_SEQUENCE", asns: [64500] }], nextHop: "192.0.2.1" },
 *   prefixes,
 *   sessionContext({ fourOctetAs: true }),
 * );
 * updates.length; // 2 (4-octet prefixes, 4096-octet messages)
 * ```
 */
export function encodeAnnouncements(
  attributes: PathAttributes,
  prefixes: readonly Prefix[],
  ctx: SessionContext,
): Uint8Array[] {
  const max = maxMessageLength(ctx);
  const { mpReachNlri: template, mpUnreachNlri: _u, ...base } = attributes;
  const mpFamilyAfi = template?.afi;
  const classic = prefixes.filter((p) => p.afi === 1 && mpFamilyAfi !== 1);
  const viaMp = prefixes.filter((p) => !(p.afi === 1 && mpFamilyAfi !== 1));
  const out: Uint8Array[] = [];
  if (classic.length > 0) {
    // The attributes are encoded once and copied into every UPDATE (RFC 4271 §4.3 layout:
    // header, Withdrawn Routes Length 0, Total Path Attribute Length, attributes, NLRI).
    const attrBytes = encodeAttributesBytes(base, ctx);
    const fixed = HEADER_LENGTH + 4 + attrBytes.length;
    const ap = hasAddPath(ctx, 1, 1);
    for (const g of pack(classic, ap, (b) => fixed + b <= max)) {
      let nlriLen = 0;
      for (const p of g) nlriLen += prefixWireSize(p, ap);
      const w = new ByteWriter(fixed + nlriLen);
      for (let i = 0; i < 16; i++) w.u8(0xff);
      w.u16(fixed + nlriLen);
      w.u8(2); // UPDATE
      w.u16(0);
      w.u16(attrBytes.length);
      w.bytes(attrBytes);
      for (const p of g) encodePrefix(w, p, ap);
      out.push(w.pos === w.buf.length ? w.buf : w.result());
    }
  }
  if (viaMp.length > 0) {
    if (template === undefined) {
      throw new BgpWireError(
        "MISSING_MP_REACH_NLRI",
        "IPv6 prefixes need attributes.mpReachNlri (AFI/SAFI, next hop)",
        {
          field: "mpReachNlri",
        },
      );
    }
    for (const p of viaMp) {
      if (p.afi !== template.afi) {
        throw new BgpWireError(
          "MIXED_FAMILIES",
          `prefix of AFI ${p.afi} with MP_REACH_NLRI of AFI ${template.afi}`,
          {
            field: "prefixes",
          },
        );
      }
    }
    const attrLen = encodeAttributesBytes(base, ctx).length;
    const nhLen = template.nextHop.reduce((n, h) => n + (h.includes(":") ? 16 : 4), 0);
    const fixedValue = 3 + 1 + nhLen + 1;
    const fixed = HEADER_LENGTH + 4 + attrLen;
    const ap = hasAddPath(ctx, template.afi, template.safi);
    for (const g of pack(viaMp, ap, (b) => fixed + attrSize(fixedValue + b) <= max)) {
      const m: UpdateMessage = {
        type: "UPDATE",
        withdrawnRoutes: [],
        pathAttributes: {
          ...base,
          mpReachNlri: {
            afi: template.afi,
            safi: template.safi,
            nextHop: template.nextHop,
            nlri: g,
          },
        },
        nlri: [],
      };
      out.push(encodeMessage(m, ctx));
    }
  }
  return out;
}

/**
 * Encodes withdrawals of `prefixes` into as few UPDATE messages as fit the context's maximum
 * message size: IPv4 unicast in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI (SAFI `safi`,
 * default unicast).
 *
 * @example
 * ```ts
 * import { encodeWithdrawals, parsePrefix, sessionContext } from "@dyninfra/bgp-wire";
 * encodeWithdrawals([parsePrefix("10.0.0.0/8"), parsePrefix("2001:db8::/32")], sessionContext()).length; // 2
 * ```
 */
export function encodeWithdrawals(
  prefixes: readonly Prefix[],
  ctx: SessionContext,
  options: { readonly safi?: number } = {},
): Uint8Array[] {
  const max = maxMessageLength(ctx);
  const safi = options.safi ?? 1;
  const out: Uint8Array[] = [];
  const v4 = prefixes.filter((p) => p.afi === 1 && safi === 1);
  const mp = prefixes.filter((p) => !(p.afi === 1 && safi === 1));
  if (v4.length > 0) {
    for (const g of pack(v4, hasAddPath(ctx, 1, 1), (b) => HEADER_LENGTH + 4 + b <= max)) {
      out.push(
        encodeMessage({ type: "UPDATE", withdrawnRoutes: g, pathAttributes: {}, nlri: [] }, ctx),
      );
    }
  }
  for (const afi of [1, 2] as const) {
    const fam = mp.filter((p) => p.afi === afi);
    if (fam.length === 0) continue;
    for (const g of pack(
      fam,
      hasAddPath(ctx, afi, safi),
      (b) => HEADER_LENGTH + 4 + attrSize(3 + b) <= max,
    )) {
      out.push(
        encodeMessage(
          {
            type: "UPDATE",
            withdrawnRoutes: [],
            pathAttributes: { mpUnreachNlri: { afi, safi, withdrawnRoutes: g } },
            nlri: [],
          },
          ctx,
        ),
      );
    }
  }
  return out;
}
