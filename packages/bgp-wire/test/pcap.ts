// Test helper: BGP messages out of pcap/pcapng captures (Ethernet, Linux SLL, BSD loopback,
// raw IP; IPv4/IPv6; TCP reassembled per flow by sequence number). Not part of the package.
import { readFileSync } from "node:fs";

export interface CapturedMessage {
  readonly flow: string;
  readonly bytes: Uint8Array;
}

function packets(file: Uint8Array): { linkType: number; data: Uint8Array }[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: { linkType: number; data: Uint8Array }[] = [];
  const magic = v.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    // pcapng
    let le = v.getUint32(8, true) === 0x1a2b3c4d;
    const linkTypes: number[] = [];
    let p = 0;
    while (p + 12 <= file.length) {
      const type = v.getUint32(p, le);
      if (type === 0x0a0d0d0a) le = v.getUint32(p + 8, true) === 0x1a2b3c4d;
      const len = v.getUint32(p + 4, le);
      if (type === 1) linkTypes.push(v.getUint16(p + 8, le));
      if (type === 6) {
        const iface = v.getUint32(p + 8, le);
        const capLen = v.getUint32(p + 20, le);
        out.push({ linkType: linkTypes[iface] ?? 1, data: file.subarray(p + 28, p + 28 + capLen) });
      }
      if (len < 12) break;
      p += len;
    }
    return out;
  }
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const linkType = v.getUint32(20, le);
  let p = 24;
  while (p + 16 <= file.length) {
    const capLen = v.getUint32(p + 8, le);
    out.push({ linkType, data: file.subarray(p + 16, p + 16 + capLen) });
    p += 16 + capLen;
  }
  return out;
}

function ipPayload(linkType: number, d: Uint8Array): Uint8Array | undefined {
  let off: number;
  let ethType: number;
  if (linkType === 1) {
    off = 14;
    ethType = (d[12]! << 8) | d[13]!;
    while (ethType === 0x8100) {
      ethType = (d[off + 2]! << 8) | d[off + 3]!;
      off += 4;
    }
    if (ethType !== 0x0800 && ethType !== 0x86dd) return undefined;
  } else if (linkType === 104) {
    // Cisco HDLC: address, control, protocol; MPLS label stack skipped to its bottom entry.
    off = 4;
    if (((d[2]! << 8) | d[3]!) === 0x8847) {
      while (off + 4 <= d.length && (d[off + 2]! & 1) === 0) off += 4;
      off += 4;
    }
  } else if (linkType === 113) off = 16;
  else if (linkType === 0 || linkType === 108) off = 4;
  else if (linkType === 101 || linkType === 12) off = 0;
  else return undefined;
  return d.subarray(off);
}

/** All BGP messages in a capture, per TCP flow in sequence order. */
export function bgpMessagesFromCapture(path: string, port = 179): CapturedMessage[] {
  const file = new Uint8Array(readFileSync(path));
  const flows = new Map<string, Map<number, Uint8Array>>();
  const order: string[] = [];
  for (const { linkType, data } of packets(file)) {
    const ip = ipPayload(linkType, data);
    if (ip === undefined || ip.length < 20) continue;
    const version = ip[0]! >> 4;
    let tcp: Uint8Array;
    let src: string;
    let dst: string;
    if (version === 4) {
      if (ip[9] !== 6) continue;
      const ihl = (ip[0]! & 15) * 4;
      const total = (ip[2]! << 8) | ip[3]!;
      tcp = ip.subarray(ihl, Math.min(total, ip.length));
      src = ip.subarray(12, 16).join(".");
      dst = ip.subarray(16, 20).join(".");
    } else if (version === 6) {
      if (ip[6] !== 6) continue;
      const plen = (ip[4]! << 8) | ip[5]!;
      tcp = ip.subarray(40, 40 + plen);
      src = Buffer.from(ip.subarray(8, 24)).toString("hex");
      dst = Buffer.from(ip.subarray(24, 40)).toString("hex");
    } else continue;
    const sport = (tcp[0]! << 8) | tcp[1]!;
    const dport = (tcp[2]! << 8) | tcp[3]!;
    if (sport !== port && dport !== port) continue;
    const seq = ((tcp[4]! << 24) | (tcp[5]! << 16) | (tcp[6]! << 8) | tcp[7]!) >>> 0;
    const payload = tcp.subarray((tcp[12]! >> 4) * 4);
    if (payload.length === 0) continue;
    const flow = `${src}:${sport}>${dst}:${dport}`;
    let segs = flows.get(flow);
    if (segs === undefined) {
      segs = new Map();
      flows.set(flow, segs);
      order.push(flow);
    }
    if (!segs.has(seq)) segs.set(seq, payload);
  }
  const out: CapturedMessage[] = [];
  for (const flow of order) {
    const segs = [...flows.get(flow)!.entries()].sort((a, b) => a[0] - b[0]);
    const chunks: Uint8Array[] = [];
    let next = segs[0]![0];
    for (const [seq, data] of segs) {
      if (seq < next) {
        const skip = next - seq;
        if (skip >= data.length) continue;
        chunks.push(data.subarray(skip));
        next += data.length - skip;
      } else {
        chunks.push(data);
        next = seq + data.length;
      }
    }
    const stream = Buffer.concat(chunks);
    let p = 0;
    // Skip to the first marker (captures may start mid-stream).
    while (p + 19 <= stream.length) {
      let marker = true;
      for (let i = 0; i < 16; i++) if (stream[p + i] !== 0xff) marker = false;
      if (!marker) {
        p++;
        continue;
      }
      const len = (stream[p + 16]! << 8) | stream[p + 17]!;
      if (len < 19 || p + len > stream.length) break;
      out.push({ flow, bytes: new Uint8Array(stream.subarray(p, p + len)) });
      p += len;
    }
  }
  return out;
}
