// The RPKI-to-Router protocol's PDUs (RFC 8210 §5 for version 1, RFC 6810 §5 for version 0):
// encoder, decoder, and a framer for the TCP byte stream.
import { BgpWireError } from "./errors";
import { ipv4PrefixText, ipv6PrefixText, parseIpv4, parseIpv6 } from "./internal/ip";

/**
 * An RTR protocol version: 0 (RFC 6810) or 1 (RFC 8210).
 *
 * @example
 * ```ts
 * import type { RtrVersion } from "@dyninfra/bgp-wire";
 * const v: RtrVersion = 1;
 * ```
 */
export type RtrVersion = 0 | 1;

/**
 * RTR PDU Type codes (IANA "rpki-rtr-pdu"; RFC 6810 §5, RFC 8210 §5). Type 5 was never assigned;
 * Router Key (9) exists in version 1 only.
 *
 * @example
 * ```ts
 * import { RTR_PDU_TYPE } from "@dyninfra/bgp-wire";
 * RTR_PDU_TYPE.END_OF_DATA; // 7
 * ```
 */
export const RTR_PDU_TYPE = {
  SERIAL_NOTIFY: 0,
  SERIAL_QUERY: 1,
  RESET_QUERY: 2,
  CACHE_RESPONSE: 3,
  IPV4_PREFIX: 4,
  IPV6_PREFIX: 6,
  END_OF_DATA: 7,
  CACHE_RESET: 8,
  ROUTER_KEY: 9,
  ERROR_REPORT: 10,
} as const;

/**
 * RTR Error Report codes (IANA "rpki-rtr-error"; RFC 6810 §5.10, RFC 8210 §5.11).
 *
 * @example
 * ```ts
 * import { RTR_ERROR_CODE } from "@dyninfra/bgp-wire";
 * RTR_ERROR_CODE.UNSUPPORTED_PROTOCOL_VERSION; // 4
 * ```
 */
export const RTR_ERROR_CODE = {
  CORRUPT_DATA: 0,
  INTERNAL_ERROR: 1,
  NO_DATA_AVAILABLE: 2,
  INVALID_REQUEST: 3,
  UNSUPPORTED_PROTOCOL_VERSION: 4,
  UNSUPPORTED_PDU_TYPE: 5,
  WITHDRAWAL_OF_UNKNOWN_RECORD: 6,
  DUPLICATE_ANNOUNCEMENT_RECEIVED: 7,
  UNEXPECTED_PROTOCOL_VERSION: 8,
} as const;

/**
 * The largest PDU the decoders accept by default (and the encoder makes): 65,536 octets. The RFCs
 * set no limit below 2^32 - 1; real PDUs are at most a few hundred octets (a Router Key with its
 * SPKI, an Error Report with text), so a larger declared length is taken for corrupt framing.
 *
 * @example
 * ```ts
 * import { RTR_MAX_PDU_LENGTH, RtrStreamDecoder } from "@dyninfra/bgp-wire";
 * new RtrStreamDecoder({ maxPduLength: 4 * RTR_MAX_PDU_LENGTH });
 * ```
 */
export const RTR_MAX_PDU_LENGTH: number = 65536;

/**
 * One RTR PDU, as plain data. `version` is the PDU's Protocol Version field.
 *
 * - `serial-notify`, `serial-query`, `cache-response`, `end-of-data`: `sessionId` is the 16-bit
 *   Session ID; `serial` the 32-bit Serial Number.
 * - `prefix`: an IPv4 Prefix (type 4) or IPv6 Prefix (type 6) PDU; the family follows from the
 *   text. `prefix` is `"address/length"`, the address as a dotted quad or in RFC 5952 form, host
 *   bits zero; `announce` is bit 0 of the Flags (false: withdrawal); `maxLength` the Max Length;
 *   `asn` the AS number.
 * - `end-of-data`: version 1 carries `refresh`, `retry` and `expire` (seconds; RFC 8210 §6
 *   allows 1–86400, 1–7200 and 600–172800 — decoded as received, the client clamps); version 0
 *   has none of them.
 * - `router-key` (version 1 only): `ski` the 20-octet Subject Key Identifier, `spki` the Subject
 *   Public Key Info (DER, not parsed).
 * - `error-report`: `errorCode` (see {@link RTR_ERROR_CODE}), `pdu` the erroneous PDU (may be
 *   empty), `text` the diagnostic text (UTF-8 on the wire, may be empty).
 *
 * @example
 * ```ts
 * import type { RtrPdu } from "@dyninfra/bgp-wire";
 * const vrp: RtrPdu = {
 *   type: "prefix", version: 1, announce: true, prefix: "192.0.2.0/24", maxLength: 24, asn: 64500,
 * };
 * ```
 */
export type RtrPdu =
  | { type: "serial-notify"; version: RtrVersion; sessionId: number; serial: number }
  | { type: "serial-query"; version: RtrVersion; sessionId: number; serial: number }
  | { type: "reset-query"; version: RtrVersion }
  | { type: "cache-response"; version: RtrVersion; sessionId: number }
  | {
      type: "prefix";
      version: RtrVersion;
      announce: boolean;
      prefix: string;
      maxLength: number;
      asn: number;
    }
  | {
      type: "end-of-data";
      version: RtrVersion;
      sessionId: number;
      serial: number;
      refresh?: number;
      retry?: number;
      expire?: number;
    }
  | { type: "cache-reset"; version: RtrVersion }
  | {
      type: "router-key";
      version: RtrVersion;
      announce: boolean;
      ski: Uint8Array;
      asn: number;
      spki: Uint8Array;
    }
  | {
      type: "error-report";
      version: RtrVersion;
      errorCode: number;
      pdu: Uint8Array;
      text: string;
    };

const rtrMarker = Symbol.for("@dyninfra/bgp-wire/rtr-decode-error");

/**
 * What the RTR decoders throw ({@link decodeRtrPdu}, {@link rtrPduLength},
 * {@link RtrStreamDecoder}): a {@link BgpWireError} (`code` one of `RTR_TRUNCATED`,
 * `RTR_BAD_LENGTH`, `RTR_BAD_VERSION`, `RTR_UNKNOWN_PDU`, `RTR_BAD_PREFIX`, `RTR_BAD_FIELD`;
 * `where.offset` and `where.field` say where) with what a router or cache needs to answer with
 * an Error Report (RFC 8210 §5.11): the error code to send and a copy of the offending PDU.
 * Do not answer when the offending PDU is itself an Error Report (`pdu[1] === 10`, RFC 8210 §5.11).
 *
 * @example
 * ```ts
 * import { decodeRtrPdu, encodeRtrPdu, RtrDecodeError } from "@dyninfra/bgp-wire";
 * try {
 *   decodeRtrPdu(new Uint8Array([2, 2, 0, 0, 0, 0, 0, 8])); // version 2
 * } catch (e) {
 *   if (RtrDecodeError.isInstance(e)) {
 *     const reply = encodeRtrPdu({
 *       type: "error-report", version: 1, errorCode: e.rtrErrorCode, pdu: e.pdu, text: e.message,
 *     });
 *   }
 * }
 * ```
 */
export class RtrDecodeError extends BgpWireError {
  /** The {@link RTR_ERROR_CODE} to send back: CORRUPT_DATA, UNSUPPORTED_PROTOCOL_VERSION or UNSUPPORTED_PDU_TYPE. */
  readonly rtrErrorCode: number;
  /** A copy of the offending PDU: up to its declared length, or as much of it as there was. */
  readonly pdu: Uint8Array;
  /**
   * From {@link RtrStreamDecoder.push}: the whole PDUs the chunk completed before the bad one, in
   * order (they are not returned, the call throws) — an End of Data among them ends an update the
   * cache sent in full. Empty from {@link decodeRtrPdu}.
   */
  readonly pdus: readonly RtrPdu[] = [];
  /** @internal Realm-safe brand checked by `isInstance`. */
  readonly [rtrMarker] = true;

  constructor(
    code: string,
    message: string,
    where: { offset: number; field: string },
    rtrErrorCode: number,
    pdu: Uint8Array,
  ) {
    super(code, message, where);
    this.name = "RtrDecodeError";
    this.rtrErrorCode = rtrErrorCode;
    this.pdu = pdu;
  }

  /** True for RTR decode errors of this package, also across copies of the package (realm-safe). */
  static override isInstance(value: unknown): value is RtrDecodeError {
    return (
      BgpWireError.isInstance(value) &&
      (value as unknown as Record<symbol, unknown>)[rtrMarker] === true
    );
  }
}

// --- byte helpers --------------------------------------------------------------------------

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();
const EMPTY = new Uint8Array(0);

const PDU_NAME: readonly string[] = [
  "Serial Notify",
  "Serial Query",
  "Reset Query",
  "Cache Response",
  "IPv4 Prefix",
  "type 5",
  "IPv6 Prefix",
  "End of Data",
  "Cache Reset",
  "Router Key",
  "Error Report",
];

// --- encoding ------------------------------------------------------------------------------

function encodeError(code: string, message: string, field: string): never {
  throw new BgpWireError(code, message, { field });
}

function checkUint(value: number, max: number, field: string, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    encodeError("RTR_BAD_FIELD", `${what} ${value} is not an integer in 0..${max}`, field);
  }
  return value;
}

function header(type: number, version: number, field16: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  b[0] = version;
  b[1] = type;
  put16(b, 2, field16);
  put32(b, 4, length);
  return b;
}

/** Parses RTR prefix text into 4 or 16 bytes and its length; throws RTR_BAD_PREFIX. */
function parseRtrPrefix(text: string): { bytes: Uint8Array; length: number } {
  const bad = (why: string, field = "prefix"): never =>
    encodeError("RTR_BAD_PREFIX", `prefix "${text}": ${why}`, field);
  if (typeof text !== "string") bad("not a string");
  const slash = text.indexOf("/");
  if (slash === -1) bad("missing /length");
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) bad("bad length", "prefixLength");
  const length = Number(lenText);
  const addr = text.slice(0, slash);
  const v6 = addr.includes(":");
  const bytes = new Uint8Array(v6 ? 16 : 4);
  if (!(v6 ? parseIpv6(addr, bytes, 0) : parseIpv4(addr, bytes, 0))) {
    bad(v6 ? "bad IPv6 address" : "bad IPv4 address");
  }
  const bits = bytes.length * 8;
  if (length > bits) bad(`length ${length} > ${bits}`, "prefixLength");
  if (hostBitsAt(bytes, 0, bytes.length, length) !== -1) {
    bad(`host bits set beyond /${length}`);
  }
  return { bytes, length };
}

/** Index (from `off`) of the first of `n` bytes with a bit set past `length` bits, or -1. */
function hostBitsAt(b: Uint8Array, off: number, n: number, length: number): number {
  for (let i = length >>> 3; i < n; i++) {
    const keep = length - i * 8; // bits of byte i inside the prefix (< 8 here)
    const mask = keep <= 0 ? 0xff : 0xff >>> keep;
    if ((b[off + i]! & mask) !== 0) return i;
  }
  return -1;
}

/**
 * Encodes one RTR PDU, byte for byte as RFC 8210 §5 (version 1) / RFC 6810 §5 (version 0) lay it
 * out: big-endian, zero and reserved fields (and the Flags bits other than bit 0) written as 0.
 * Throws {@link BgpWireError} on a value that does not fit its field (`RTR_BAD_FIELD`), a bad or
 * non-canonical prefix — host bits set, Max Length below the length or past 32/128
 * (`RTR_BAD_PREFIX`), a version other than 0/1 (`RTR_BAD_VERSION`), a Router Key in version 0
 * (`RTR_UNKNOWN_PDU`), an End of Data whose intervals do not match its version (all three in
 * version 1, none in version 0: `RTR_BAD_FIELD`), a SKI that is not 20 octets, text with a lone
 * surrogate, or a PDU longer than {@link RTR_MAX_PDU_LENGTH} (`RTR_BAD_LENGTH`).
 *
 * @example
 * ```ts
 * import { encodeRtrPdu } from "@dyninfra/bgp-wire";
 * encodeRtrPdu({ type: "reset-query", version: 1 }); // Uint8Array [1, 2, 0, 0, 0, 0, 0, 8]
 * encodeRtrPdu({
 *   type: "prefix", version: 1, announce: true, prefix: "192.0.2.0/24", maxLength: 24, asn: 64500,
 * }).length; // 20
 * ```
 */
export function encodeRtrPdu(pdu: RtrPdu): Uint8Array {
  const version = pdu.version;
  if (version !== 0 && version !== 1) {
    encodeError("RTR_BAD_VERSION", `protocol version ${String(version)} is not 0 or 1`, "version");
  }
  switch (pdu.type) {
    case "serial-notify":
    case "serial-query": {
      const b = header(
        pdu.type === "serial-notify" ? 0 : 1,
        version,
        checkUint(pdu.sessionId, 0xffff, "sessionId", "Session ID"),
        12,
      );
      put32(b, 8, checkUint(pdu.serial, 0xffffffff, "serial", "Serial Number"));
      return b;
    }
    case "reset-query":
      return header(2, version, 0, 8);
    case "cache-response":
      return header(3, version, checkUint(pdu.sessionId, 0xffff, "sessionId", "Session ID"), 8);
    case "prefix": {
      const { bytes, length } = parseRtrPrefix(pdu.prefix);
      const v6 = bytes.length === 16;
      const bits = v6 ? 128 : 32;
      const max = pdu.maxLength;
      if (!Number.isInteger(max) || max < length || max > bits) {
        encodeError(
          "RTR_BAD_PREFIX",
          `Max Length ${max} of ${pdu.prefix} is not in ${length}..${bits}`,
          "maxLength",
        );
      }
      const b = header(v6 ? 6 : 4, version, 0, v6 ? 32 : 20);
      b[8] = pdu.announce ? 1 : 0;
      b[9] = length;
      b[10] = max;
      b.set(bytes, 12);
      put32(b, v6 ? 28 : 16, checkUint(pdu.asn, 0xffffffff, "asn", "AS number"));
      return b;
    }
    case "end-of-data": {
      const session = checkUint(pdu.sessionId, 0xffff, "sessionId", "Session ID");
      const serial = checkUint(pdu.serial, 0xffffffff, "serial", "Serial Number");
      const { refresh, retry, expire } = pdu;
      if (version === 0) {
        if (refresh !== undefined || retry !== undefined || expire !== undefined) {
          encodeError(
            "RTR_BAD_FIELD",
            "a version 0 End of Data has no Refresh, Retry or Expire Interval (RFC 6810 §5.8)",
            refresh !== undefined ? "refresh" : retry !== undefined ? "retry" : "expire",
          );
        }
        const b = header(7, 0, session, 12);
        put32(b, 8, serial);
        return b;
      }
      if (refresh === undefined || retry === undefined || expire === undefined) {
        encodeError(
          "RTR_BAD_FIELD",
          "a version 1 End of Data needs Refresh, Retry and Expire Intervals (RFC 8210 §5.8)",
          refresh === undefined ? "refresh" : retry === undefined ? "retry" : "expire",
        );
      }
      const b = header(7, 1, session, 24);
      put32(b, 8, serial);
      put32(b, 12, checkUint(refresh, 0xffffffff, "refresh", "Refresh Interval"));
      put32(b, 16, checkUint(retry, 0xffffffff, "retry", "Retry Interval"));
      put32(b, 20, checkUint(expire, 0xffffffff, "expire", "Expire Interval"));
      return b;
    }
    case "cache-reset":
      return header(8, version, 0, 8);
    case "router-key": {
      if (version === 0) {
        encodeError("RTR_UNKNOWN_PDU", "Router Key PDUs exist in version 1 only", "type");
      }
      if (!(pdu.ski instanceof Uint8Array) || pdu.ski.length !== 20) {
        encodeError(
          "RTR_BAD_FIELD",
          `Subject Key Identifier is ${pdu.ski?.length} octets, not 20`,
          "ski",
        );
      }
      const asn = checkUint(pdu.asn, 0xffffffff, "asn", "AS number");
      const total = 32 + pdu.spki.length;
      if (total > RTR_MAX_PDU_LENGTH) {
        encodeError("RTR_BAD_LENGTH", `Router Key PDU of ${total} octets is too long`, "length");
      }
      // The 16-bit header field is Flags (bit 0: announce) and a zero octet.
      const b = header(9, 1, pdu.announce ? 0x0100 : 0, total);
      b.set(pdu.ski, 8);
      put32(b, 28, asn);
      b.set(pdu.spki, 32);
      return b;
    }
    case "error-report": {
      const code = checkUint(pdu.errorCode, 0xffff, "errorCode", "Error Code");
      if (/[\uD800-\uDFFF]/u.test(pdu.text)) {
        encodeError("RTR_BAD_FIELD", "error text has a lone surrogate (not UTF-8)", "errorText");
      }
      const text = UTF8_ENCODER.encode(pdu.text);
      const inner = pdu.pdu;
      const total = 16 + inner.length + text.length;
      if (total > RTR_MAX_PDU_LENGTH) {
        encodeError("RTR_BAD_LENGTH", `Error Report of ${total} octets is too long`, "length");
      }
      const b = header(10, version, code, total);
      put32(b, 8, inner.length);
      b.set(inner, 12);
      put32(b, 12 + inner.length, text.length);
      b.set(text, 16 + inner.length);
      return b;
    }
    default: {
      const t = (pdu as { type?: unknown }).type;
      return encodeError("RTR_UNKNOWN_PDU", `unknown RTR PDU type ${String(t)}`, "type");
    }
  }
}

// --- decoding ------------------------------------------------------------------------------

/** PDU lengths by type for version 1 / version 0; -1: unknown type; 0: variable (checked apart). */
const FIXED_V1 = [12, 12, 8, 8, 20, -1, 32, 24, 8, 0, 0];
const FIXED_V0 = [12, 12, 8, 8, 20, -1, 32, 12, 8, -1, 0];

/**
 * Throws an RtrDecodeError for the PDU at `off` (stream offset `base`): `pos` is where in `b`, the
 * copy takes what of the PDU is there (up to its declared length, within `end` and `max`).
 */
function fail(
  b: Uint8Array,
  off: number,
  end: number,
  base: number,
  max: number,
  code: string,
  message: string,
  pos: number,
  field: string,
  rtrErrorCode: number = RTR_ERROR_CODE.CORRUPT_DATA,
): never {
  let copy = end - off;
  if (copy >= 8) {
    const declared = u32(b, off + 4);
    copy = Math.min(copy, Math.max(8, Math.min(declared, max)));
  }
  throw new RtrDecodeError(
    code,
    message,
    { offset: base + (pos - off), field },
    rtrErrorCode,
    b.slice(off, off + copy),
  );
}

/**
 * Checks the 8-octet header at `off` (present: `end - off >= 8`) and returns the declared length:
 * version, type (Router Key only in version 1), length within 8..`max` and right for the type.
 */
function checkHeader(b: Uint8Array, off: number, end: number, max: number, base: number): number {
  const version = b[off]!;
  const type = b[off + 1]!;
  const length = u32(b, off + 4);
  if (version > 1) {
    fail(
      b,
      off,
      end,
      base,
      max,
      "RTR_BAD_VERSION",
      `RTR protocol version ${version} is not supported (0 and 1 are)`,
      off,
      "version",
      RTR_ERROR_CODE.UNSUPPORTED_PROTOCOL_VERSION,
    );
  }
  const want = (version === 1 ? FIXED_V1 : FIXED_V0)[type] ?? -1;
  if (want === -1) {
    fail(
      b,
      off,
      end,
      base,
      max,
      "RTR_UNKNOWN_PDU",
      type === 9
        ? "Router Key PDU (type 9) in protocol version 0, which has none"
        : `unknown RTR PDU type ${type}`,
      off + 1,
      "type",
      RTR_ERROR_CODE.UNSUPPORTED_PDU_TYPE,
    );
  }
  if (length < 8 || length > max) {
    fail(
      b,
      off,
      end,
      base,
      max,
      "RTR_BAD_LENGTH",
      `${PDU_NAME[type]} PDU length ${length} is not in 8..${max}`,
      off + 4,
      "length",
    );
  }
  if (want !== 0 ? length !== want : length < (type === 9 ? 32 : 16)) {
    fail(
      b,
      off,
      end,
      base,
      max,
      "RTR_BAD_LENGTH",
      want !== 0
        ? `version ${version} ${PDU_NAME[type]} PDU length ${length}, must be ${want}`
        : `${PDU_NAME[type]} PDU length ${length} < ${type === 9 ? 32 : 16}`,
      off + 4,
      "length",
    );
  }
  return length;
}

type PrefixFields = Extract<RtrPdu, { type: "prefix" }>;

/**
 * Makes the decoded prefix PDUs: a constructor whose `prototype` is `Object.prototype`, so what it
 * makes is a plain object, the same as an object literal's (same prototype, same property order).
 * Made by `new` rather than from a literal because V8 may pretenure a literal's allocation site:
 * seeing most of a chunk's PDUs survive a scavenge (they are all held in the array `push`
 * returns), it can decide to allocate every later PDU in the old generation, and decoding a large
 * answer then runs at less than half the speed, depending on when the first scavenges fell.
 */
const PrefixPdu = function PrefixPdu(
  this: PrefixFields,
  version: RtrVersion,
  announce: boolean,
  prefix: string,
  maxLength: number,
  asn: number,
) {
  this.type = "prefix";
  this.version = version;
  this.announce = announce;
  this.prefix = prefix;
  this.maxLength = maxLength;
  this.asn = asn;
} as unknown as new (
  version: RtrVersion,
  announce: boolean,
  prefix: string,
  maxLength: number,
  asn: number,
) => PrefixFields;
PrefixPdu.prototype = Object.prototype;

/** Decodes the PDU of `length` octets at `off` whose header checkHeader accepted. */
function decodeBody(b: Uint8Array, off: number, length: number, max: number, base: number): RtrPdu {
  const version = b[off] as RtrVersion;
  const type = b[off + 1]!;
  const end = off + length;
  switch (type) {
    case 4: {
      const plen = b[off + 9]!;
      const mlen = b[off + 10]!;
      if (plen > 32 || mlen < plen || mlen > 32) prefixError(b, off, end, base, max, 32);
      const a = u32(b, off + 12);
      if (plen < 32 && (a & (0xffffffff >>> plen)) !== 0) prefixError(b, off, end, base, max, 32);
      const announce = (b[off + 8]! & 1) === 1;
      return new PrefixPdu(
        version,
        announce,
        ipv4PrefixText(b, off + 12, plen),
        mlen,
        u32(b, off + 16),
      );
    }
    case 6: {
      const plen = b[off + 9]!;
      const mlen = b[off + 10]!;
      if (plen > 128 || mlen < plen || mlen > 128 || hostBitsAt(b, off + 12, 16, plen) !== -1) {
        prefixError(b, off, end, base, max, 128);
      }
      const announce = (b[off + 8]! & 1) === 1;
      return new PrefixPdu(
        version,
        announce,
        ipv6PrefixText(b, off + 12, plen),
        mlen,
        u32(b, off + 28),
      );
    }
    case 0:
    case 1:
      return {
        type: type === 0 ? "serial-notify" : "serial-query",
        version,
        sessionId: u16(b, off + 2),
        serial: u32(b, off + 8),
      };
    case 2:
      return { type: "reset-query", version };
    case 3:
      return { type: "cache-response", version, sessionId: u16(b, off + 2) };
    case 7:
      return version === 1
        ? {
            type: "end-of-data",
            version,
            sessionId: u16(b, off + 2),
            serial: u32(b, off + 8),
            refresh: u32(b, off + 12),
            retry: u32(b, off + 16),
            expire: u32(b, off + 20),
          }
        : { type: "end-of-data", version, sessionId: u16(b, off + 2), serial: u32(b, off + 8) };
    case 8:
      return { type: "cache-reset", version };
    case 9:
      return {
        type: "router-key",
        version,
        announce: (b[off + 2]! & 1) === 1,
        ski: b.slice(off + 8, off + 28),
        asn: u32(b, off + 28),
        spki: b.slice(off + 32, end),
      };
    default: {
      // 10, Error Report: Length of Encapsulated PDU, the PDU, Length of Error Text, the text.
      const inner = u32(b, off + 8);
      if (inner > length - 16) {
        fail(
          b,
          off,
          end,
          base,
          max,
          "RTR_BAD_FIELD",
          `Length of Encapsulated PDU ${inner} overruns the ${length}-octet Error Report`,
          off + 8,
          "encapsulatedPdu.length",
        );
      }
      const tpos = off + 12 + inner;
      const tlen = u32(b, tpos);
      if (tlen !== length - 16 - inner) {
        fail(
          b,
          off,
          end,
          base,
          max,
          "RTR_BAD_FIELD",
          `Length of Error Text ${tlen}: the Error Report has ${length - 16 - inner} octets left for it`,
          tpos,
          "errorText.length",
        );
      }
      let text = "";
      if (tlen > 0) {
        try {
          text = UTF8.decode(b.subarray(tpos + 4, end));
        } catch {
          fail(
            b,
            off,
            end,
            base,
            max,
            "RTR_BAD_FIELD",
            "error text is not valid UTF-8",
            tpos + 4,
            "errorText",
          );
        }
      }
      return {
        type: "error-report",
        version,
        errorCode: u16(b, off + 2),
        pdu: b.slice(off + 12, tpos),
        text,
      };
    }
  }
}

/** Throws the RTR_BAD_PREFIX error of the prefix PDU at `off`, naming the first bad field. */
function prefixError(
  b: Uint8Array,
  off: number,
  end: number,
  base: number,
  max: number,
  bits: number,
): never {
  const plen = b[off + 9]!;
  const mlen = b[off + 10]!;
  const name = bits === 32 ? "IPv4 Prefix" : "IPv6 Prefix";
  if (plen > bits) {
    fail(
      b,
      off,
      end,
      base,
      max,
      "RTR_BAD_PREFIX",
      `${name}: Prefix Length ${plen} > ${bits}`,
      off + 9,
      "prefixLength",
    );
  }
  if (mlen < plen || mlen > bits) {
    fail(
      b,
      off,
      end,
      base,
      max,
      "RTR_BAD_PREFIX",
      `${name}: Max Length ${mlen} is not in ${plen}..${bits} (RFC 8210 §5.6)`,
      off + 10,
      "maxLength",
    );
  }
  const at = hostBitsAt(b, off + 12, bits / 8, plen);
  return fail(
    b,
    off,
    end,
    base,
    max,
    "RTR_BAD_PREFIX",
    `${name}: host bits set beyond /${plen}`,
    off + 12 + Math.max(at, 0),
    "prefix",
  );
}

/**
 * The length the RTR PDU at `offset` declares in its header, or -1 when fewer than 8 octets are
 * there — for framing a TCP stream. Throws {@link RtrDecodeError} (`RTR_BAD_LENGTH`, field
 * `length`) when the declared length is below 8 or above `maxLength`. Checks nothing else
 * ({@link decodeRtrPdu} does).
 *
 * @example
 * ```ts
 * import { encodeRtrPdu, rtrPduLength } from "@dyninfra/bgp-wire";
 * rtrPduLength(encodeRtrPdu({ type: "cache-reset", version: 1 })); // 8
 * rtrPduLength(new Uint8Array([1, 2, 0])); // -1
 * ```
 */
export function rtrPduLength(
  bytes: Uint8Array,
  offset = 0,
  maxLength: number = RTR_MAX_PDU_LENGTH,
): number {
  checkOffset(bytes, offset);
  if (bytes.length - offset < 8) return -1;
  const length = u32(bytes, offset + 4);
  if (length < 8 || length > maxLength) {
    fail(
      bytes,
      offset,
      bytes.length,
      offset,
      maxLength,
      "RTR_BAD_LENGTH",
      `RTR PDU length ${length} is not in 8..${maxLength}`,
      offset + 4,
      "length",
    );
  }
  return length;
}

function checkOffset(bytes: Uint8Array, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new BgpWireError(
      "RTR_BAD_FIELD",
      `offset ${offset} is outside the ${bytes.length} input octets`,
      { field: "offset" },
    );
  }
}

/**
 * Decodes the RTR PDU at `offset` of `bytes` and returns it with its length (octets taken).
 * Checks, in this order: 8 header octets present (`RTR_TRUNCATED`, field `header`), Protocol
 * Version 0 or 1 (`RTR_BAD_VERSION`), a known PDU Type — Router Key only in version 1
 * (`RTR_UNKNOWN_PDU`), the Length within 8..{@link RTR_MAX_PDU_LENGTH} and right for the type and
 * version (`RTR_BAD_LENGTH`), all of it present (`RTR_TRUNCATED`, field `length`), then the fields:
 * prefix and Max Length within 32/128, Max Length not below the prefix length, no host bits
 * (`RTR_BAD_PREFIX`), the Error Report's inner lengths adding up to its Length and its text UTF-8
 * (`RTR_BAD_FIELD`). Errors are {@link RtrDecodeError}s whose `where.offset` is the absolute
 * offset in `bytes`.
 *
 * Zero fields are not checked (RFC 8210 §5.1: ignored on receipt): the 16-bit field of Reset
 * Query, Cache Reset and the prefix PDUs, the zero octet of the prefix and Router Key PDUs, and
 * the Flags bits other than bit 0 (announce). The Refresh, Retry and Expire Intervals are returned
 * as received, also outside RFC 8210 §6's ranges.
 *
 * @example
 * ```ts
 * import { decodeRtrPdu } from "@dyninfra/bgp-wire";
 * const bytes = Uint8Array.from([1, 4, 0, 0, 0, 0, 0, 20, 1, 24, 24, 0, 192, 0, 2, 0, 0, 0, 0xfb, 0xf4]);
 * decodeRtrPdu(bytes);
 * // { pdu: { type: "prefix", version: 1, announce: true, prefix: "192.0.2.0/24", maxLength: 24, asn: 64500 }, length: 20 }
 * ```
 */
export function decodeRtrPdu(bytes: Uint8Array, offset = 0): { pdu: RtrPdu; length: number } {
  checkOffset(bytes, offset);
  const end = bytes.length;
  const max = RTR_MAX_PDU_LENGTH;
  if (end - offset < 8) {
    fail(
      bytes,
      offset,
      end,
      offset,
      max,
      "RTR_TRUNCATED",
      `${end - offset} octets, an RTR PDU header has 8`,
      offset,
      "header",
    );
  }
  const length = checkHeader(bytes, offset, end, max, offset);
  if (end - offset < length) {
    fail(
      bytes,
      offset,
      end,
      offset,
      max,
      "RTR_TRUNCATED",
      `the PDU declares ${length} octets, ${end - offset} are there`,
      offset + 4,
      "length",
    );
  }
  return { pdu: decodeBody(bytes, offset, length, max, offset), length };
}

/**
 * Frames an RTR TCP byte stream into PDUs: feed it what the socket reads, in any cut, and
 * `push` returns the PDUs the chunk completes (decoded as {@link decodeRtrPdu} does, the limit
 * being `maxPduLength`, default {@link RTR_MAX_PDU_LENGTH}). A header is checked as soon as its 8
 * octets are in, so a bad version, type or length is reported without waiting for the rest.
 * Errors are {@link RtrDecodeError}s whose `where.offset` counts from the start of the stream;
 * the PDUs the failing chunk completed before the bad one come with the error (its `pdus`;
 * `consumed` says where they end), so that none is lost, and the decoder stays failed: every
 * later `push` throws the same error. Returned PDUs share no memory with the chunks (`ski`,
 * `spki` and `pdu` are copies).
 *
 * @example
 * ```ts
 * import { encodeRtrPdu, RtrStreamDecoder } from "@dyninfra/bgp-wire";
 * const d = new RtrStreamDecoder();
 * const bytes = encodeRtrPdu({ type: "cache-response", version: 1, sessionId: 7 });
 * d.push(bytes.subarray(0, 5)); // []
 * d.push(bytes.subarray(5)); // [{ type: "cache-response", version: 1, sessionId: 7 }]
 * [d.buffered, d.consumed]; // [0, 8]
 * ```
 */
export class RtrStreamDecoder {
  readonly #max: number;
  /** The start of an incomplete PDU, `#pendingLength` octets of it. */
  #pending: Uint8Array = EMPTY;
  #pendingLength = 0;
  #consumed = 0;
  #failed: RtrDecodeError | undefined;

  constructor(options: { maxPduLength?: number } = {}) {
    const max = options.maxPduLength ?? RTR_MAX_PDU_LENGTH;
    if (!Number.isInteger(max) || max < 8 || max > 0xffffffff) {
      throw new BgpWireError(
        "RTR_BAD_FIELD",
        `maxPduLength ${max} is not an integer in 8..2^32-1`,
        {
          field: "maxPduLength",
        },
      );
    }
    this.#max = max;
  }

  /** Octets received and held, not yet a whole PDU. */
  get buffered(): number {
    return this.#pendingLength;
  }

  /** Octets of the stream taken by the PDUs returned so far (the stream offset of the next one). */
  get consumed(): number {
    return this.#consumed;
  }

  /** Takes the next chunk of the stream; returns the PDUs it completes, in order. */
  push(chunk: Uint8Array): RtrPdu[] {
    if (this.#failed !== undefined) throw this.#failed;
    const out: RtrPdu[] = [];
    try {
      return this.#push(chunk, out);
    } catch (e) {
      if (RtrDecodeError.isInstance(e)) {
        (e as { pdus: readonly RtrPdu[] }).pdus = out;
        this.#failed = e;
      }
      throw e;
    }
  }

  #push(chunk: Uint8Array, out: RtrPdu[]): RtrPdu[] {
    const max = this.#max;
    const n = chunk.length;
    const chunkBase = this.#consumed + this.#pendingLength; // stream offset of chunk[0]
    let p = 0;
    if (this.#pendingLength > 0) {
      if (this.#pendingLength < 8) {
        const take = Math.min(8 - this.#pendingLength, n);
        this.#append(chunk, 0, take);
        p = take;
        if (this.#pendingLength < 8) return out;
      }
      const declared = u32(this.#pending, 4);
      const whole = declared < 8 || declared > max ? 8 : declared;
      const take = Math.min(Math.max(whole - this.#pendingLength, 0), n - p);
      this.#append(chunk, p, take);
      p += take;
      const pending = this.#pending;
      const length = checkHeader(pending, 0, this.#pendingLength, max, this.#consumed);
      if (this.#pendingLength < length) return out;
      out.push(decodeBody(pending, 0, length, max, this.#consumed));
      this.#consumed += length;
      this.#pendingLength = 0;
    }
    while (n - p >= 8) {
      const length = checkHeader(chunk, p, n, max, chunkBase + p);
      if (n - p < length) break;
      out.push(decodeBody(chunk, p, length, max, chunkBase + p));
      p += length;
      this.#consumed += length;
    }
    if (p < n) this.#append(chunk, p, n - p);
    return out;
  }

  #append(chunk: Uint8Array, from: number, count: number): void {
    if (count <= 0) return;
    const need = this.#pendingLength + count;
    if (need > this.#pending.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.#pending.length, 64));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(chunk.subarray(from, from + count), this.#pendingLength);
    this.#pendingLength = need;
  }
}
