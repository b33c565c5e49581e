import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TcpStateTransferError } from "./errors";
import { TCP_ACK, TCP_SYN } from "./segment";
import { decodeTcpSegment, encodeTcpSegment, tcpChecksum } from "./segment-codec";

const pkgDir = path.resolve(__dirname, "..");
const dataDir = path.resolve(pkgDir, "../../../shared/data");
const pmacct = path.join(dataDir, "bgp/netgauze/assets/pcaps/pmacct-tests");
const present = (() => {
  try {
    return statSync(pmacct).isDirectory();
  } catch {
    return false;
  }
})();
if (!present) console.warn(`shared data absent (${pmacct}): the extended pcap test is skipped`);

interface TcpPacket {
  src: string;
  dst: string;
  tcp: Uint8Array;
}

/** A minimal, independent pcap reader (libpcap format, Ethernet, IPv4/IPv6, VLAN tags). */
function tcpPackets(file: Uint8Array): TcpPacket[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && dv.getUint32(0, false) !== 0xa1b2c3d4 && dv.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error("not a pcap file");
  }
  const link = dv.getUint32(20, le);
  const out: TcpPacket[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const caplen = dv.getUint32(o + 8, le);
    const frame = file.subarray(o + 16, o + 16 + caplen);
    o += 16 + caplen;
    let p = link === 1 ? 12 : link === 113 ? 14 : -1;
    if (p < 0) continue;
    let type = (frame[p]! << 8) | frame[p + 1]!;
    p += 2;
    while (type === 0x8100 || type === 0x88a8) {
      type = (frame[p + 2]! << 8) | frame[p + 3]!;
      p += 4;
    }
    if (type === 0x0800 && frame[p + 9] === 6) {
      const ihl = (frame[p]! & 15) * 4;
      const total = (frame[p + 2]! << 8) | frame[p + 3]!;
      out.push({
        src: Array.from(frame.subarray(p + 12, p + 16)).join("."),
        dst: Array.from(frame.subarray(p + 16, p + 20)).join("."),
        tcp: frame.subarray(p + ihl, p + total),
      });
    } else if (type === 0x86dd && frame[p + 6] === 6) {
      const plen = (frame[p + 4]! << 8) | frame[p + 5]!;
      const hex = (a: Uint8Array): string =>
        Array.from({ length: 8 }, (_, i) => ((a[2 * i]! << 8) | a[2 * i + 1]!).toString(16)).join(
          ":",
        );
      out.push({
        src: hex(frame.subarray(p + 8, p + 24)),
        dst: hex(frame.subarray(p + 24, p + 40)),
        tcp: frame.subarray(p + 40, p + 40 + plen),
      });
    }
  }
  return out;
}

function checkCapture(file: Uint8Array): number {
  const packets = tcpPackets(file);
  for (const pkt of packets) {
    // The checksum a real stack wrote verifies (sums to zero over the pseudo-header).
    expect(tcpChecksum(pkt.tcp, pkt.src, pkt.dst)).toBe(0);
    const d = decodeTcpSegment(pkt.tcp);
    // Re-encoding with the carried options reproduces the bytes, checksum included.
    const again = encodeTcpSegment(d.segment, {
      rawOptions: d.rawOptions,
      urgentPointer: d.urgentPointer,
      srcAddr: pkt.src,
      dstAddr: pkt.dst,
    });
    expect(Buffer.from(again).equals(Buffer.from(pkt.tcp))).toBe(true);
  }
  return packets.length;
}

describe("TCP segment wire format (RFC 9293 §3.1)", () => {
  it("decodes, checksums and re-encodes a real BGP capture byte for byte (fixture)", () => {
    const file = new Uint8Array(
      readFileSync(path.join(pkgDir, "fixtures/pmacct-301-bgp-cisco.pcap")),
    );
    const n = checkCapture(file);
    expect(n).toBe(5); // MANIFEST: "pcap, 5 packets" (tshark)
    const first = decodeTcpSegment(tcpPackets(file)[0]!.tcp).segment;
    // Read off the capture with a hex dump: 0x0014 → 0x00b3 (BGP, port 179), SYN, window 8192.
    expect(first).toMatchObject({
      srcPort: 20,
      dstPort: 179,
      seq: 1,
      flags: TCP_SYN,
      window: 8192,
    });
    // Its payload starts with the 16-byte BGP marker.
    expect(Array.from(first.payload.subarray(0, 16))).toEqual(new Array(16).fill(255));
  });

  describe.runIf(present)("every pmacct-tests capture in the shared data", () => {
    it("checksums and round-trips every TCP segment", () => {
      let total = 0;
      for (const dir of readdirSync(pmacct)) {
        const full = path.join(pmacct, dir);
        if (!statSync(full).isDirectory()) continue;
        for (const f of readdirSync(full).filter((x) => x.endsWith(".pcap"))) {
          total += checkCapture(new Uint8Array(readFileSync(path.join(full, f))));
        }
      }
      expect(total).toBeGreaterThan(50);
    });
  });

  it("lays out options as Linux does (independent byte layout)", () => {
    const syn = encodeTcpSegment({
      srcPort: 40000,
      dstPort: 179,
      seq: 1,
      ack: 0,
      flags: TCP_SYN,
      window: 64240,
      payload: new Uint8Array(0),
      mss: 1460,
      sackPermitted: true,
      tsval: 0x01020304,
      tsecr: 0,
      wscale: 7,
    });
    expect(syn.length).toBe(40);
    expect(syn[12]).toBe(10 << 4);
    expect(Array.from(syn.subarray(20))).toEqual([
      2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7,
    ]);
  });

  it("computes the RFC 1071 checksum for IPv4 (independent reference)", () => {
    const seg = encodeTcpSegment(
      {
        srcPort: 1,
        dstPort: 2,
        seq: 3,
        ack: 4,
        flags: TCP_ACK,
        window: 5,
        payload: Uint8Array.of(9, 8, 7),
      },
      { srcAddr: "10.0.0.1", dstAddr: "10.0.0.2" },
    );
    // Reference: one's-complement sum of 16-bit words, pseudo-header first.
    const words = [0x0a00, 0x0001, 0x0a00, 0x0002, 0x0006, seg.length];
    for (let i = 0; i < seg.length; i += 2) {
      words.push(i === 16 ? 0 : (seg[i]! << 8) | (seg[i + 1] ?? 0));
    }
    let sum = words.reduce((a, b) => a + b, 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect((seg[16]! << 8) | seg[17]!).toBe(~sum & 0xffff);
  });

  it("says where a malformed header is wrong", () => {
    const at = (b: Uint8Array): [string, number | undefined] => {
      try {
        decodeTcpSegment(b);
        return ["ok", undefined];
      } catch (e) {
        const err = e as TcpStateTransferError;
        expect(TcpStateTransferError.isInstance(err)).toBe(true);
        return [err.code, err.where.offset];
      }
    };
    const h = new Uint8Array(24);
    h[12] = 6 << 4;
    expect(at(h.subarray(0, 10))).toEqual(["TRUNCATED", 10]);
    h[12] = 4 << 4;
    expect(at(h)).toEqual(["BAD_DATA_OFFSET", 12]);
    h[12] = 7 << 4;
    expect(at(h)).toEqual(["TRUNCATED", 24]);
    h[12] = 6 << 4;
    h.set([2, 3, 0, 0], 20);
    expect(at(h)).toEqual(["BAD_OPTION", 21]);
    h.set([1, 1, 1, 8], 20);
    expect(at(h)).toEqual(["BAD_OPTION", 24]);
  });
});
