import { describe, expect, it } from "vitest";
import { TCP_INIT_CWND, TcpEndpoint } from "./endpoint";
import { TcpStateTransferError } from "./errors";
import { TCP_ACK, TCP_RST, TCP_SYN, type TcpSegment } from "./segment";
import { TcpSimulation } from "./simulation";

const enc = (n: number, salt = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + salt) & 0xff);

/** Exchanges segments between two bare endpoints until both are silent. */
function exchange(
  a: TcpEndpoint,
  b: TcpEndpoint,
  now = 0,
  drop?: (s: TcpSegment) => boolean,
): TcpSegment[] {
  const seen: TcpSegment[] = [];
  for (let i = 0; i < 100; i++) {
    const fromA = a.takeSegments();
    const fromB = b.takeSegments();
    if (fromA.length === 0 && fromB.length === 0) break;
    for (const s of fromA) {
      seen.push(s);
      if (!drop?.(s)) b.receive(s, now);
    }
    for (const s of fromB) {
      seen.push(s);
      if (!drop?.(s)) a.receive(s, now);
    }
  }
  return seen;
}

function pair(
  opts: { iss?: number; bBuffer?: number; ts?: boolean } = {},
): [TcpEndpoint, TcpEndpoint] {
  const a = new TcpEndpoint({
    localPort: 40000,
    remotePort: 179,
    iss: opts.iss ?? 100,
    timestamps: opts.ts,
  });
  const b = new TcpEndpoint({
    localPort: 179,
    remotePort: 40000,
    iss: 5000,
    receiveBufferSize: opts.bBuffer,
    timestamps: opts.ts,
  });
  b.listen();
  a.connect(0);
  return [a, b];
}

describe("three-way handshake (RFC 9293 §3.5)", () => {
  it("negotiates MSS, window scale, SACK-permitted and timestamps", () => {
    const [a, b] = pair();
    const segs = exchange(a, b);
    expect(a.state).toBe("ESTABLISHED");
    expect(b.state).toBe("ESTABLISHED");
    const [syn, synAck, ack] = segs;
    expect(syn!.flags).toBe(TCP_SYN);
    expect(syn!.seq).toBe(100);
    expect(syn).toMatchObject({ mss: 1460, wscale: 7, sackPermitted: true, tsecr: 0 });
    expect(synAck!.flags).toBe(TCP_SYN | TCP_ACK);
    expect(synAck!.ack).toBe(101);
    expect(ack!.flags & TCP_ACK).toBeTruthy();
    expect(ack!.ack).toBe(5001);
    const i = a.info;
    expect(i).toMatchObject({ wscaleOk: true, sackOk: true, timestampsOk: true, sndWscale: 7 });
    // 1460 minus the 12 bytes of the Timestamps option.
    expect(i.sndMss).toBe(1448);
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    expect(syn!.window).toBeLessThanOrEqual(0xffff);
    expect(i.cwnd).toBe(TCP_INIT_CWND * 1448);
  });

  it("falls back without options the peer did not offer", () => {
    const a = new TcpEndpoint({
      localPort: 1,
      remotePort: 2,
      iss: 1,
      windowScale: false,
      sackPermitted: false,
    });
    const b = new TcpEndpoint({ localPort: 2, remotePort: 1, iss: 2, timestamps: false });
    b.listen();
    a.connect(0);
    exchange(a, b);
    expect(a.info).toMatchObject({
      wscaleOk: false,
      sackOk: false,
      timestampsOk: false,
      sndMss: 1460,
    });
    expect(b.info).toMatchObject({ wscaleOk: false, sackOk: false, timestampsOk: false });
  });

  it("answers a segment to a CLOSED port with RST (RFC 9293 §3.10.7.1)", () => {
    const c = new TcpEndpoint({ localPort: 1, remotePort: 2, iss: 1 });
    c.receive(
      {
        srcPort: 2,
        dstPort: 1,
        seq: 10,
        ack: 77,
        flags: TCP_ACK,
        window: 0,
        payload: new Uint8Array(0),
      },
      0,
    );
    const [rst] = c.takeSegments();
    expect(rst!.flags).toBe(TCP_RST);
    expect(rst!.seq).toBe(77);
  });
});

describe("data transfer", () => {
  it("carries bytes across the sequence-number wrap", () => {
    const [a, b] = pair({ iss: 0xffff_f000 });
    exchange(a, b);
    const data = enc(50_000);
    a.write(data, 0);
    exchange(a, b);
    expect(b.read(0)).toEqual(data);
    expect(a.info.sndUna).toBe((0xffff_f000 + 1 + 50_000) >>> 0);
    expect(a.info.sndUna).toBeLessThan(0xffff_f000);
  });

  it("copies what is written: a Node Buffer or Uint8Array changed after write does not change the stream", () => {
    const [a, b] = pair();
    exchange(a, b);
    const small = Buffer.from(enc(100, 1)); // Buffer#slice is a view, not a copy
    const large = Buffer.from(enc(20_000, 2));
    const plain = enc(3_000, 3);
    const expected = Buffer.concat([small, large, plain]);
    a.write(small, 0);
    a.write(large, 0);
    a.write(plain, 0);
    small.fill(0xaa);
    large.fill(0xbb);
    plain.fill(0xcc);
    exchange(a, b);
    expect(Buffer.from(b.read(0))).toEqual(expected);
  });

  it("delivers many small writes (BGP-sized messages) in order and whole", () => {
    const sim = new TcpSimulation({ seed: 3, aToB: { delayUs: 500, loss: 0.02, jitterUs: 100 } });
    sim.connect();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 2_000; i++) {
      const m = enc(19 + ((i * 37) % 600), i);
      sent.push(m.slice());
      sim.write("a", m);
      m.fill(0); // the simulator holds its own copy
      if (i % 50 === 0) sim.runFor(2_000);
    }
    const got: Uint8Array[] = [];
    for (let i = 0; i < 200 && !sim.quiet(); i++) {
      sim.runFor(100_000);
      got.push(sim.read("b"));
    }
    got.push(sim.read("b"));
    expect(Buffer.concat(got)).toEqual(Buffer.concat(sent));
  });

  it("closes the window when the reader does not read, probes, and resumes (§3.8.6.1)", () => {
    const sim = new TcpSimulation({ b: { receiveBufferSize: 8192, windowScale: 0 } });
    sim.connect();
    const data = enc(40_000);
    sim.write("a", data);
    sim.runFor(2_000_000);
    expect(sim.endpoint("b").readable).toBe(8192);
    expect(sim.endpoint("a").info.sndWnd).toBe(0);
    const got: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      got.push(sim.read("b"));
      sim.runFor(50_000);
    }
    got.push(sim.read("b"));
    expect(Buffer.concat(got)).toEqual(Buffer.from(data));
  });

  it("avoids the silly window syndrome on both sides (RFC 9293 §3.8.6.2)", () => {
    const sim = new TcpSimulation({ b: { receiveBufferSize: 64 * 1024 } });
    sim.connect();
    const sizes: number[] = [];
    sim.onSegment = (to, s) => {
      if (to === "b" && s.payload.length > 0) sizes.push(s.payload.length);
    };
    // The reader drains in small bites, so the window keeps opening by a few bytes at a time.
    let got = 0;
    sim.onEvent = (side) => {
      if (side === "b") got += sim.socket("b").read(300).length;
    };
    const data = enc(300_000);
    sim.write("a", data);
    for (let i = 0; i < 10_000 && got < 300_000; i++) {
      sim.runFor(5_000);
      got += sim.socket("b").read(300).length;
    }
    const mss = sim.endpoint("a").info.sndMss;
    const small = sizes.filter((n) => n < mss);
    // Sub-MSS segments only at half the largest window, at the tail, or after the override timeout.
    expect(small.length).toBeLessThan(sizes.length / 10);
    expect(got).toBe(300_000);
  });

  it("reassembles out-of-order segments and reports SACK blocks (RFC 2018)", () => {
    const sim = new TcpSimulation();
    sim.connect();
    const sacks: number[] = [];
    sim.onSegment = (to, s) => {
      if (to === "a" && s.sack) sacks.push(s.sack.length);
    };
    sim.aToB.dropNext(1);
    sim.write("a", enc(20 * 1448));
    sim.runFor(1_000_000);
    expect(sacks.length).toBeGreaterThan(0);
    expect(sim.read("b")).toEqual(enc(20 * 1448));
    expect(sim.endpoint("a").info.fastRetransmits).toBe(1);
    expect(sim.endpoint("a").info.timeouts).toBe(0);
  });

  it("recovers a lone lost segment by retransmission timeout", () => {
    const sim = new TcpSimulation();
    sim.connect();
    sim.aToB.dropNext(1);
    sim.write("a", enc(100));
    sim.runFor(3_000_000);
    expect(sim.read("b")).toEqual(enc(100));
    expect(sim.endpoint("a").info.timeouts).toBe(1);
  });
});

describe("RTT estimation (RFC 6298)", () => {
  it("computes SRTT, RTTVAR and RTO as §2.2–2.3 prescribe", () => {
    // Independent reference of RFC 6298 with G = 1 ms, K = 4 and a lower bound of 1 ms.
    const ref = (samples: number[]): number => {
      let srtt = 0;
      let rttvar = 0;
      samples.forEach((r, i) => {
        if (i === 0) {
          srtt = r;
          rttvar = r / 2;
        } else {
          rttvar = (1 - 1 / 4) * rttvar + (1 / 4) * Math.abs(srtt - r);
          srtt = (1 - 1 / 8) * srtt + (1 / 8) * r;
        }
      });
      return Math.max(1000, srtt + Math.max(1000, 4 * rttvar));
    };
    const sim = new TcpSimulation({
      aToB: { delayUs: 30_000 },
      bToA: { delayUs: 30_000 },
      a: { timestamps: false, rtoMinUs: 1000 },
      b: { timestamps: false },
    });
    sim.connect();
    // Samples: the SYN (60 ms), then one timed segment (60 ms).
    sim.write("a", enc(10));
    sim.runFor(200_000);
    expect(sim.endpoint("a").info.srttUs).toBe(60_000);
    expect(sim.endpoint("a").info.rtoUs).toBe(ref([60_000, 60_000]));
  });

  it("doubles the RTO on every timeout (§5.5) and recovers", () => {
    const sim = new TcpSimulation();
    sim.connect(); // one 2 ms RTT sample: RTO = max(200 ms, 2 ms + 4 · 1 ms) = 200 ms
    expect(sim.endpoint("a").info.rtoUs).toBe(200_000);
    let arrival = 0;
    sim.onSegment = (to, seg) => {
      if (to === "b" && seg.payload.length > 0 && arrival === 0) arrival = sim.now;
    };
    sim.aToB.dropNext(3);
    const t0 = sim.now;
    sim.write("a", enc(100));
    sim.runFor(5_000_000);
    // Sent at t0, resent at +200 ms, +600 ms (400 ms later), +1400 ms (800 ms later); 1 ms link.
    expect(arrival - t0).toBe(200_000 + 400_000 + 800_000 + 1_000);
    expect(sim.endpoint("a").info.timeouts).toBe(3);
    expect(sim.read("b")).toEqual(enc(100));
  });

  it("starts with RTO = 1 s (§2.1)", () => {
    expect(new TcpEndpoint({ localPort: 1, remotePort: 2, iss: 0 }).info.rtoUs).toBe(1_000_000);
  });
});

describe("closing (RFC 9293 §3.6)", () => {
  it("walks FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT on the active side and CLOSE-WAIT, LAST-ACK on the passive", () => {
    const sim = new TcpSimulation({ a: { mslUs: 1_000_000 } });
    sim.connect();
    sim.socket("a").close();
    expect(sim.endpoint("a").state).toBe("FIN-WAIT-1");
    sim.runFor(1_500);
    expect(sim.endpoint("b").state).toBe("CLOSE-WAIT");
    sim.runFor(1_000);
    expect(sim.endpoint("a").state).toBe("FIN-WAIT-2");
    sim.socket("b").close();
    expect(sim.endpoint("b").state).toBe("LAST-ACK");
    sim.runFor(1_500);
    expect(sim.endpoint("a").state).toBe("TIME-WAIT");
    sim.runFor(1_000);
    expect(sim.endpoint("b").state).toBe("CLOSED");
    sim.runFor(2_000_000);
    expect(sim.endpoint("a").state).toBe("CLOSED");
    expect(sim.endpoint("a").info.closedReason).toBe("closed");
  });

  it("goes through CLOSING on a simultaneous close", () => {
    const sim = new TcpSimulation();
    sim.connect();
    sim.socket("a").close();
    sim.socket("b").close();
    sim.runFor(1_500);
    expect(sim.endpoint("a").state).toBe("CLOSING");
    sim.runFor(1_000);
    expect(sim.endpoint("a").state).toBe("TIME-WAIT");
    expect(sim.endpoint("b").state).toBe("TIME-WAIT");
  });

  it("refuses writes after close", () => {
    const sim = new TcpSimulation();
    sim.connect();
    sim.socket("a").close();
    expect(() => sim.endpoint("a").write(enc(1), sim.now)).toThrow(TcpStateTransferError);
  });
});

describe("resets and PAWS", () => {
  it("resets only on an RST at exactly RCV.NXT (RFC 5961 §3.2)", () => {
    const [a, b] = pair();
    exchange(a, b);
    const base = { srcPort: 179, dstPort: 40000, ack: 0, window: 0, payload: new Uint8Array(0) };
    a.receive({ ...base, seq: (a.info.rcvNxt + 10) >>> 0, flags: TCP_RST }, 0);
    expect(a.state).toBe("ESTABLISHED");
    expect(a.takeSegments()[0]!.flags).toBe(TCP_ACK); // challenge ACK
    a.receive({ ...base, seq: a.info.rcvNxt, flags: TCP_RST }, 0);
    expect(a.state).toBe("CLOSED");
    expect(a.info.closedReason).toBe("reset");
  });

  it("drops a segment whose TSval is older than TS.Recent (RFC 7323 §5)", () => {
    const [a, b] = pair();
    exchange(a, b, 5_000_000);
    b.write(enc(10), 6_000_000);
    const [seg] = b.takeSegments();
    a.receive({ ...seg!, tsval: (seg!.tsval! - 2000) >>> 0 }, 6_000_000);
    expect(a.readable).toBe(0);
    a.receive(seg!, 6_000_000);
    expect(a.readable).toBe(10);
  });
});
