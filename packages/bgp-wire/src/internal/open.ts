// OPEN message body and capabilities (RFC 4271 §4.2, RFC 5492, RFC 9072).
import type { Capability } from "../capabilities";
import { BgpWireError } from "../errors";
import type { OpenMessage, OptionalParameter } from "../messages";
import { ipv4Text, parseIpv4 } from "./ip";
import type { ByteWriter } from "./writer";

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}
function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Decodes one capability value; malformed values of known codes are kept as UNKNOWN. */
export function decodeCapability(code: number, v: Uint8Array): Capability {
  const n = v.length;
  switch (code) {
    case 1:
      if (n === 4 && v[2] === 0) return { type: "MULTIPROTOCOL", afi: u16(v, 0), safi: v[3]! };
      break;
    case 2:
      if (n === 0) return { type: "ROUTE_REFRESH" };
      break;
    case 70:
      if (n === 0) return { type: "ENHANCED_ROUTE_REFRESH" };
      break;
    case 6:
      if (n === 0) return { type: "EXTENDED_MESSAGE" };
      break;
    case 65:
      if (n === 4) return { type: "FOUR_OCTET_AS", asn: u32(v, 0) };
      break;
    case 9:
      if (n === 1) return { type: "BGP_ROLE", role: v[0]! };
      break;
    case 69: {
      if (n === 0 || n % 4 !== 0) break;
      const families: { afi: number; safi: number; sendReceive: 1 | 2 | 3 }[] = [];
      let ok = true;
      for (let i = 0; i < n; i += 4) {
        const sr = v[i + 3]!;
        if (sr < 1 || sr > 3) ok = false;
        families.push({ afi: u16(v, i), safi: v[i + 2]!, sendReceive: sr as 1 | 2 | 3 });
      }
      if (ok) return { type: "ADD_PATH", families };
      break;
    }
    case 64: {
      if (n < 2 || (n - 2) % 4 !== 0) break;
      const families: { afi: number; safi: number; flags: number }[] = [];
      for (let i = 2; i < n; i += 4)
        families.push({ afi: u16(v, i), safi: v[i + 2]!, flags: v[i + 3]! });
      return {
        type: "GRACEFUL_RESTART",
        restartFlags: v[0]! >> 4,
        restartTime: u16(v, 0) & 0x0fff,
        families,
      };
    }
    case 71: {
      // RFC 9494 §3: 7-octet tuples (AFI, SAFI, Flags, 24-bit Long-Lived Stale Time).
      if (n % 7 !== 0) break;
      const families: { afi: number; safi: number; flags: number; staleTime: number }[] = [];
      for (let i = 0; i < n; i += 7)
        families.push({
          afi: u16(v, i),
          safi: v[i + 2]!,
          flags: v[i + 3]!,
          staleTime: (v[i + 4]! << 16) | (v[i + 5]! << 8) | v[i + 6]!,
        });
      return { type: "LONG_LIVED_GRACEFUL_RESTART", families };
    }
    case 5: {
      if (n === 0 || n % 6 !== 0) break;
      const entries: { afi: number; safi: number; nextHopAfi: number }[] = [];
      for (let i = 0; i < n; i += 6) {
        entries.push({ afi: u16(v, i), safi: u16(v, i + 2), nextHopAfi: u16(v, i + 4) });
      }
      return { type: "EXTENDED_NEXT_HOP", entries };
    }
  }
  return { type: "UNKNOWN", code, value: v.slice() };
}

function bad(msg: string, offset: number, field: string): never {
  throw new BgpWireError("MALFORMED_OPEN", msg, { offset, field });
}

/** Decodes an OPEN body in buf[start, end); offsets reported relative to `base`. */
export function decodeOpenBody(
  buf: Uint8Array,
  start: number,
  end: number,
  base: number,
): OpenMessage {
  if (end - start < 10) bad("OPEN shorter than 29 octets", start - base, "length");
  const version = buf[start]!;
  const myAutonomousSystem = u16(buf, start + 1);
  const holdTime = u16(buf, start + 3);
  const bgpIdentifier = ipv4Text(buf, start + 5);
  let optLen = buf[start + 9]!;
  let p = start + 10;
  let extended = false;
  // RFC 9072 §2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255.
  if (optLen === 255 && p < end && buf[p] === 255) {
    if (p + 3 > end) bad("truncated Extended Opt. Parm. Length", p - base, "optionalParameters");
    extended = true;
    optLen = u16(buf, p + 1);
    p += 3;
  }
  if (p + optLen !== end) {
    bad(
      `Optional Parameters Length ${optLen} disagrees with message length`,
      start + 9 - base,
      "optionalParameters",
    );
  }
  const optionalParameters: OptionalParameter[] = [];
  while (p < end) {
    const hdr = extended ? 3 : 2;
    if (p + hdr > end) bad("truncated optional parameter", p - base, "optionalParameters");
    const ptype = buf[p]!;
    const plen = extended ? u16(buf, p + 1) : buf[p + 1]!;
    const vs = p + hdr;
    const ve = vs + plen;
    if (ve > end) bad("optional parameter overruns the message", p - base, "optionalParameters");
    if (ptype === 2) {
      const capabilities: Capability[] = [];
      let q = vs;
      let ok = true;
      while (q < ve) {
        if (q + 2 > ve) {
          ok = false;
          break;
        }
        const code = buf[q]!;
        const clen = buf[q + 1]!;
        if (q + 2 + clen > ve) {
          ok = false;
          break;
        }
        capabilities.push(decodeCapability(code, buf.subarray(q + 2, q + 2 + clen)));
        q += 2 + clen;
      }
      if (!ok) bad("capability overruns its optional parameter", q - base, "capabilities");
      optionalParameters.push({ type: "CAPABILITIES", capabilities });
    } else {
      optionalParameters.push({ type: "UNKNOWN", parameterType: ptype, value: buf.slice(vs, ve) });
    }
    p = ve;
  }
  const m: OpenMessage = {
    type: "OPEN",
    version,
    myAutonomousSystem,
    holdTime,
    bgpIdentifier,
    optionalParameters,
  };
  return extended ? { ...m, extendedOptionalParameters: true } : m;
}

function writeCapability(w: ByteWriter, c: Capability): void {
  const start = w.pos;
  w.u8(0);
  const lenAt = w.reserve(1);
  const vs = w.pos;
  switch (c.type) {
    case "MULTIPROTOCOL":
      w.setU8(start, 1);
      w.u16(c.afi);
      w.u8(0);
      w.u8(c.safi);
      break;
    case "ROUTE_REFRESH":
      w.setU8(start, 2);
      break;
    case "ENHANCED_ROUTE_REFRESH":
      w.setU8(start, 70);
      break;
    case "EXTENDED_MESSAGE":
      w.setU8(start, 6);
      break;
    case "FOUR_OCTET_AS":
      w.setU8(start, 65);
      w.u32(c.asn);
      break;
    case "BGP_ROLE":
      w.setU8(start, 9);
      w.u8(c.role);
      break;
    case "ADD_PATH":
      w.setU8(start, 69);
      for (const f of c.families) {
        w.u16(f.afi);
        w.u8(f.safi);
        w.u8(f.sendReceive);
      }
      break;
    case "GRACEFUL_RESTART":
      w.setU8(start, 64);
      w.u16(((c.restartFlags & 0xf) << 12) | (c.restartTime & 0x0fff));
      for (const f of c.families) {
        w.u16(f.afi);
        w.u8(f.safi);
        w.u8(f.flags);
      }
      break;
    case "LONG_LIVED_GRACEFUL_RESTART":
      w.setU8(start, 71);
      for (const f of c.families) {
        if (!Number.isInteger(f.staleTime) || f.staleTime < 0 || f.staleTime > 0xffffff)
          throw new BgpWireError(
            "INVALID_CAPABILITY",
            `Long-Lived Stale Time ${f.staleTime} out of range (0..16777215)`,
            { field: "capabilities.staleTime" },
          );
        w.u16(f.afi);
        w.u8(f.safi);
        w.u8(f.flags);
        w.u8(f.staleTime >>> 16);
        w.u16(f.staleTime & 0xffff);
      }
      break;
    case "EXTENDED_NEXT_HOP":
      w.setU8(start, 5);
      for (const e of c.entries) {
        w.u16(e.afi);
        w.u16(e.safi);
        w.u16(e.nextHopAfi);
      }
      break;
    case "UNKNOWN":
      w.setU8(start, c.code);
      w.bytes(c.value);
      break;
  }
  const len = w.pos - vs;
  if (len > 255) {
    throw new BgpWireError("INVALID_CAPABILITY", `capability value of ${len} octets (max 255)`, {
      field: "capabilities",
    });
  }
  w.setU8(lenAt, len);
}

/** Writes an OPEN body (after the header). */
export function encodeOpenBody(w: ByteWriter, m: OpenMessage): void {
  w.u8(m.version);
  w.u16(m.myAutonomousSystem);
  w.u16(m.holdTime);
  const id = new Uint8Array(4);
  if (!parseIpv4(m.bgpIdentifier, id, 0)) {
    throw new BgpWireError("INVALID_OPEN", `invalid BGP Identifier "${m.bgpIdentifier}"`, {
      field: "bgpIdentifier",
    });
  }
  w.bytes(id);
  // Encode parameters with 2-octet lengths first, then decide the form (RFC 9072 §2).
  const encodeParams = (extended: boolean): number => {
    const s = w.pos;
    for (const p of m.optionalParameters) {
      w.u8(p.type === "CAPABILITIES" ? 2 : p.parameterType);
      const lenAt = w.reserve(extended ? 2 : 1);
      const vs = w.pos;
      if (p.type === "CAPABILITIES") for (const c of p.capabilities) writeCapability(w, c);
      else w.bytes(p.value);
      const len = w.pos - vs;
      if (extended) w.setU16(lenAt, len);
      else if (len > 255) return -1;
      else w.setU8(lenAt, len);
    }
    return w.pos - s;
  };
  const lenAt = w.pos;
  w.u8(0);
  let extended = m.extendedOptionalParameters === true;
  if (!extended) {
    const total = encodeParams(false);
    if (total < 0 || total > 254) {
      // Does not fit the classic form: fall back to RFC 9072.
      w.pos = lenAt + 1;
      extended = true;
    } else {
      w.setU8(lenAt, total);
      return;
    }
  }
  w.setU8(lenAt, 255);
  w.u8(255);
  const extLenAt = w.reserve(2);
  const total = encodeParams(true);
  w.setU16(extLenAt, total);
}
