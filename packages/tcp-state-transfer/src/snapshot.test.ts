import { describe, expect, it } from "vitest";
import { restoreEndpoint, TCP_INIT_CWND } from "./endpoint";
import { TcpStateTransferError } from "./errors";
import { TcpSimulation } from "./simulation";
import { assertValidSnapshot, type TcpRepairSnapshot, validateSnapshot } from "./snapshot";
import { decodeSnapshot, encodeSnapshot, snapshotFromJson, snapshotToJson } from "./snapshot-codec";

const base: TcpRepairSnapshot = {
  version: 1,
  state: "ESTABLISHED",
  src_addr: "192.0.2.1",
  src_port: 179,
  dst_addr: "192.0.2.2",
  dst_port: 40000,
  inq_seq: 1000,
  inq_len: 3,
  outq_seq: 5000,
  outq_len: 4,
  unsq_len: 1,
  opt_mask: 7,
  snd_wscale: 7,
  rcv_wscale: 7,
  mss_clamp: 1460,
  timestamp: 123456,
  snd_wl1: 990,
  snd_wnd: 65536,
  max_window: 65536,
  rcv_wnd: 65536,
  rcv_wup: 1000,
  inq: Uint8Array.of(1, 2, 3),
  outq: Uint8Array.of(4, 5, 6, 7),
};

describe("validateSnapshot: the kernel's TCP_REPAIR rules", () => {
  it("accepts a consistent snapshot", () => {
    expect(validateSnapshot(base)).toEqual({ ok: true });
  });
  it.each([
    [{ max_window: 100, snd_wnd: 101 }, "MAX_WINDOW_BELOW_SND_WND", "EINVAL"],
    [{ snd_wl1: 1000 + 65536 + 1 }, "SND_WL1_AFTER_RCV_WINDOW", "EINVAL"],
    [{ rcv_wup: 1001 }, "RCV_WUP_AFTER_RCV_NXT", "EINVAL"],
    [{ snd_wscale: 15 }, "WSCALE_TOO_LARGE", "EFBIG"],
    [{ rcv_wscale: 15 }, "WSCALE_TOO_LARGE", "EFBIG"],
    [{ unsq_len: 5 }, "UNSENT_EXCEEDS_QUEUE", "EINVAL"],
    [{ inq_len: 4 }, "QUEUE_LENGTH_MISMATCH", "EINVAL"],
    [{ state: "TIME-WAIT" }, "UNSUPPORTED_STATE", "EPERM"],
    [{ state: "FIN-WAIT-2" }, "INCONSISTENT_FIN_STATE", "EINVAL"],
    [{ opt_mask: 8 }, "UNSUPPORTED_OPTION", "EINVAL"],
    [{ version: 2 }, "UNSUPPORTED_VERSION", "EINVAL"],
    [{ inq_seq: -1 }, "BAD_FIELD", "EINVAL"],
  ] as const)("refuses %o with %s (%s)", (patch, code, errno) => {
    const r = validateSnapshot({ ...base, ...patch } as TcpRepairSnapshot);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.errno).toBe(errno);
    }
    expect(() => restoreEndpoint({ ...base, ...patch } as TcpRepairSnapshot, { now: 0 })).toThrow(
      TcpStateTransferError,
    );
  });
  it("compares across the sequence wrap", () => {
    // rcv_nxt just past the wrap, rcv_wup just before it: rcv_wup is before rcv_nxt.
    expect(
      validateSnapshot({ ...base, inq_seq: 5, rcv_wup: 0xffff_fff0, snd_wl1: 0xffff_fff0 }).ok,
    ).toBe(true);
    expect(validateSnapshot({ ...base, inq_seq: 0xffff_fff0, rcv_wup: 5 }).ok).toBe(false);
  });
  it("applies libsoccr's FIN adjustment when the peer's FIN was received", () => {
    // rcv_wup counts the FIN (rcv_nxt + 1): valid in CLOSE-WAIT, not in ESTABLISHED.
    const s = { ...base, rcv_wup: 1001 };
    expect(validateSnapshot({ ...s, state: "CLOSE-WAIT" }).ok).toBe(true);
    expect(validateSnapshot(s).ok).toBe(false);
  });
  it("throws the package error naming the field", () => {
    try {
      assertValidSnapshot({ ...base, max_window: 1 });
      expect.unreachable();
    } catch (e) {
      expect(TcpStateTransferError.isInstance(e)).toBe(true);
      expect((e as TcpStateTransferError).code).toBe("MAX_WINDOW_BELOW_SND_WND");
      expect((e as TcpStateTransferError).where.field).toBe("max_window");
    }
  });
});

describe("snapshot of a live connection", () => {
  it("carries rcv_nxt, write_seq, the queues and the windows; restore starts fresh timers", () => {
    const sim = new TcpSimulation({
      a: { tsOffset: 0 },
      aToB: { delayUs: 5_000 },
      bToA: { delayUs: 5_000 },
    });
    sim.connect();
    sim.write("b", Uint8Array.of(9, 9, 9));
    sim.runFor(20_000);
    // 3 unread bytes at a; 3000 bytes in flight from a.
    const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    sim.write("a", data);
    sim.runFor(1_000);
    const a = sim.endpoint("a");
    a.freeze();
    const i = a.info;
    const s = a.snapshot(sim.now);
    expect(s.state).toBe("ESTABLISHED");
    expect(s.inq_seq).toBe(i.rcvNxt);
    expect(s.inq).toEqual(Uint8Array.of(9, 9, 9));
    expect(s.outq_seq).toBe(i.writeSeq);
    expect(s.outq_len).toBe(3000);
    expect(s.outq).toEqual(data);
    expect(s.unsq_len).toBe(0);
    expect(s.opt_mask).toBe(7);
    expect([s.snd_wl1, s.snd_wnd, s.max_window, s.rcv_wnd, s.rcv_wup]).toEqual([
      i.sndWl1,
      i.sndWnd,
      i.maxWindow,
      i.rcvWnd,
      i.rcvWup,
    ]);
    expect(s.timestamp).toBe(Math.floor(sim.now / 1000));
    expect(validateSnapshot(s).ok).toBe(true);

    const r = restoreEndpoint(s, { now: sim.now + 3_000 });
    expect(r.repair).toBe(true);
    expect(r.info.rtoUs).toBe(1_000_000);
    expect(r.info.srttUs).toBeUndefined();
    expect(r.info.cwnd).toBe(TCP_INIT_CWND * 1448);
    expect(r.info.sndUna).toBe(i.sndUna);
    expect(r.info.sndNxt).toBe(i.sndMax);
    // The timestamp clock continues from the dump, frozen during the transfer.
    expect(r.snapshot(sim.now + 3_000).timestamp).toBe(s.timestamp);
    expect(r.snapshot(sim.now + 10_000).timestamp).toBe(s.timestamp + 7);
  });

  it("leaves the peer's FIN out of inq_seq in CLOSE-WAIT", () => {
    const sim = new TcpSimulation();
    sim.connect();
    sim.socket("b").close();
    sim.runFor(10_000);
    const a = sim.endpoint("a");
    expect(a.state).toBe("CLOSE-WAIT");
    const s = a.snapshot(sim.now);
    expect(s.inq_seq).toBe((a.info.rcvNxt - 1) >>> 0);
    const r = restoreEndpoint(s, { now: sim.now });
    expect(r.info.rcvNxt).toBe(a.info.rcvNxt);
    expect(r.peerClosed).toBe(true);
  });
});

describe("binary form", () => {
  it("lays out the fields as documented (independent encoder)", () => {
    const bytes: number[] = [
      0x54, 0x43, 0x50, 0x52, 1, 1, 4, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0, 179, 0x9c, 0x40,
    ];
    const u32 = (v: number): void => {
      bytes.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    };
    [1000, 3, 5000, 4, 1, 7, 7, 7, 1460, 123456, 990, 65536, 65536, 65536, 1000].forEach(u32);
    bytes.push(1, 2, 3, 4, 5, 6, 7);
    expect(Array.from(encodeSnapshot(base))).toEqual(bytes);
    expect(decodeSnapshot(Uint8Array.from(bytes))).toEqual(base);
  });
  it("carries IPv6 addresses in RFC 5952 form", () => {
    const s = { ...base, src_addr: "2001:db8::1", dst_addr: "2001:db8:0:0:1:0:0:2" };
    const d = decodeSnapshot(encodeSnapshot(s));
    expect(d.src_addr).toBe("2001:db8::1");
    expect(d.dst_addr).toBe("2001:db8::1:0:0:2");
  });
  it("reports where a damaged snapshot is wrong", () => {
    const ok = encodeSnapshot(base);
    const at = (b: Uint8Array): [string, number | undefined] => {
      try {
        decodeSnapshot(b);
        return ["none", undefined];
      } catch (e) {
        const err = e as TcpStateTransferError;
        return [err.code, err.where.offset];
      }
    };
    expect(at(ok.subarray(0, 3))).toEqual(["TRUNCATED", 0]);
    const badMagic = ok.slice();
    badMagic[0] = 0;
    expect(at(badMagic)).toEqual(["BAD_MAGIC", 0]);
    const badState = ok.slice();
    badState[5] = 99;
    expect(at(badState)).toEqual(["BAD_STATE", 5]);
    expect(at(Uint8Array.from([...ok, 0]))).toEqual(["TRAILING_BYTES", ok.length]);
    expect(at(ok.subarray(0, ok.length - 1))).toEqual(["TRUNCATED", ok.length - 1]);
  });
});

describe("JSON form", () => {
  it("round-trips through text with base64 queues", () => {
    const text = JSON.stringify(snapshotToJson(base));
    expect(JSON.parse(text).inq).toBe("AQID");
    expect(snapshotFromJson(text)).toEqual(base);
  });
  it("names the offending field", () => {
    const j = { ...snapshotToJson(base), snd_wnd: -1 };
    expect(() => snapshotFromJson(j)).toThrow(/snd_wnd/);
    expect(() => snapshotFromJson({ ...snapshotToJson(base), inq: "***" })).toThrow(/base64/);
    expect(() => snapshotFromJson("{")).toThrow(TcpStateTransferError);
    expect(() => snapshotFromJson({ ...snapshotToJson(base), state: "OPEN" })).toThrow(/state/);
  });
});
