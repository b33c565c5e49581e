import fc from "fast-check";
import type { TcpStateTransferErrorWhere } from "./errors";
import { formatIp } from "./internal/ip";
import { TCP_SNAPSHOT_VERSION, type TcpRepairSnapshot } from "./snapshot";
import type { TcpState } from "./state";

/** Arbitrary error locations, for property tests of code that reports `@dyninfra/tcp-state-transfer` errors. */
export function arbitraryTcpStateTransferErrorWhere(): fc.Arbitrary<TcpStateTransferErrorWhere> {
  return fc.record(
    { offset: fc.nat(), line: fc.integer({ min: 1, max: 1_000_000 }), field: fc.string() },
    { requiredKeys: [] },
  );
}

/**
 * Sequence numbers biased toward the wrap at 2^32 (so tests cross it often).
 *
 * @example
 * ```ts
 * fc.sample(arbitrarySequenceNumber(), 3);
 * ```
 */
export function arbitrarySequenceNumber(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 0, max: 0xffff_ffff }),
    fc.integer({ min: 0xffff_0000, max: 0xffff_ffff }),
    fc.integer({ min: 0, max: 0xffff }),
  );
}

const SNAPSHOT_STATES: readonly TcpState[] = [
  "ESTABLISHED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "CLOSE-WAIT",
  "CLOSING",
  "LAST-ACK",
];

/**
 * Snapshots that satisfy every rule `validateSnapshot` checks (the kernel's TCP_REPAIR_WINDOW and
 * TCP_REPAIR_OPTIONS rules and the layout's consistency), with queues up to `maxQueue` bytes.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryTcpRepairSnapshot(), (s) => isValidSnapshot(s)));
 * ```
 */
export function arbitraryTcpRepairSnapshot(maxQueue = 4096): fc.Arbitrary<TcpRepairSnapshot> {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join("."));
  // IPv6 text in the RFC 5952 canonical form, as the package formats addresses it reads; zero
  // words often, so that "::" compression is exercised.
  const v6 = fc
    .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((ws) => formatIp(new Uint8Array(ws.flatMap((w) => [w >> 8, w & 0xff]))));
  const addrs = fc.oneof(fc.tuple(v4, v4), fc.tuple(v6, v6));
  return fc
    .record({
      state: fc.constantFrom(...SNAPSHOT_STATES),
      addrs,
      src_port: fc.integer({ min: 0, max: 0xffff }),
      dst_port: fc.integer({ min: 0, max: 0xffff }),
      inq_seq: arbitrarySequenceNumber(),
      inq: fc.uint8Array({ maxLength: maxQueue }),
      outq_seq: arbitrarySequenceNumber(),
      outq: fc.uint8Array({ maxLength: maxQueue }),
      unsentFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      opt_mask: fc.integer({ min: 0, max: 7 }),
      snd_wscale: fc.integer({ min: 0, max: 14 }),
      rcv_wscale: fc.integer({ min: 0, max: 14 }),
      mss_clamp: fc.integer({ min: 48, max: 65535 }),
      timestamp: fc.integer({ min: 0, max: 0xffff_ffff }),
      snd_wnd: fc.integer({ min: 0, max: 0x3fff_ffff }),
      extraMax: fc.integer({ min: 0, max: 0x3fff_ffff }),
      rcv_wnd: fc.integer({ min: 0, max: 0x3fff_ffff }),
      wl1Back: fc.integer({ min: 0, max: 0x3fff_ffff }),
      wupBack: fc.integer({ min: 0, max: 0x3fff_ffff }),
    })
    .map((r): TcpRepairSnapshot => {
      const outq = r.state === "FIN-WAIT-2" ? new Uint8Array(0) : r.outq;
      const fin = r.state === "CLOSE-WAIT" || r.state === "CLOSING" || r.state === "LAST-ACK";
      // With a received FIN the kernel's rcv_wup may include it: rcv_wup ≤ inq_seq + 1.
      const rcvNxt = fin ? (r.inq_seq + 1) >>> 0 : r.inq_seq;
      const wup = (rcvNxt - Math.min(r.wupBack, 1 << 30)) >>> 0;
      return {
        version: TCP_SNAPSHOT_VERSION,
        state: r.state,
        src_addr: r.addrs[0],
        src_port: r.src_port,
        dst_addr: r.addrs[1],
        dst_port: r.dst_port,
        inq_seq: r.inq_seq,
        inq_len: r.inq.length,
        outq_seq: r.outq_seq,
        outq_len: outq.length,
        unsq_len: Math.floor(outq.length * r.unsentFraction),
        opt_mask: r.opt_mask,
        snd_wscale: r.snd_wscale,
        rcv_wscale: r.rcv_wscale,
        mss_clamp: r.mss_clamp,
        timestamp: r.timestamp,
        snd_wl1: (r.inq_seq + r.rcv_wnd - r.wl1Back) >>> 0,
        snd_wnd: r.snd_wnd,
        max_window: Math.min(0xffff_ffff, r.snd_wnd + r.extraMax),
        rcv_wnd: r.rcv_wnd,
        rcv_wup: wup,
        inq: r.inq,
        outq,
      };
    });
}
