import {
  EventScheduler,
  migrateConnection,
  TcpEndpoint,
  type TcpSegment,
  TcpSocket,
} from "@dyninfra/tcp-state-transfer";
import { describe, expect, it } from "vitest";
import { OpticalLinkError } from "./errors";
import { OpticalFabric, OpticalLink } from "./fabric";
import { OpticalCircuitSwitch } from "./switch";

function setup(switchingTimeUs = 25_000) {
  const clock = new EventScheduler();
  const ocs = new OpticalCircuitSwitch({
    clock,
    ingressPorts: [1, 16],
    egressPorts: [17, 32],
    switchingTimeUs,
  });
  const fabric = new OpticalFabric<string>(ocs, { fiberDelayUs: 5 });
  const got: Record<string, string[]> = { N: [], A: [], B: [] };
  fabric.attach({ name: "N", txPort: 1, rxPort: 17 }, (f) => got.N!.push(f));
  fabric.attach({ name: "A", txPort: 2, rxPort: 18 }, (f) => got.A!.push(f));
  fabric.attach({ name: "B", txPort: 3, rxPort: 19 }, (f) => got.B!.push(f));
  return { clock, ocs, fabric, got };
}

describe("OpticalFabric and OpticalLink", () => {
  it("carries frames both ways over a duplex circuit after it lights up", () => {
    const { clock, fabric, got } = setup();
    const link = new OpticalLink(fabric, "N", "A");
    expect(link.connect().ok).toBe(true);
    expect(link.up).toBe(false);
    link.send("N", "early"); // reaches the switch at 5 µs: dark
    clock.runUntil(25_000);
    expect(link.up).toBe(true);
    link.send("N", "hello A");
    link.send("A", "hello N");
    clock.runUntil(26_000);
    expect(got).toEqual({ N: ["hello N"], A: ["hello A"], B: [] });
    expect(fabric.stats("N")).toMatchObject({ sent: 2, lostDark: 1, received: 1 });
  });

  it("regrafts atomically: frames during the dark interval are lost and counted, then B answers", () => {
    const { clock, fabric, got } = setup(10_000);
    const link = new OpticalLink(fabric, "N", "A");
    link.connect();
    clock.runUntil(10_000);
    const events: string[] = [];
    fabric.onFrame = (e) => events.push(`${e.frame}:${e.fate}`);
    for (let t = 10_000; t < 40_000; t += 1_000) clock.at(t, () => link.send("N", `n${t}`));
    clock.at(15_000, () => {
      expect(link.regraft("B").ok).toBe(true);
    });
    clock.runUntil(50_000);
    // Sent at 10…14 ms reach A; 15…24 ms are dark (they reach the switch 5 µs after sending);
    // from 25 ms on they reach B.
    expect(got.A).toEqual(["n10000", "n11000", "n12000", "n13000", "n14000"]);
    expect(got.B).toEqual(Array.from({ length: 15 }, (_, i) => `n${25_000 + 1_000 * i}`));
    expect(fabric.stats("N")).toMatchObject({ sent: 30, lostDark: 10, lostNoCircuit: 0 });
    expect(events.filter((e) => e.endsWith(":dark")).length).toBe(10);
    expect(link.far).toBe("B");
    expect(fabric.peerOf("A")).toBeUndefined();
  });

  it("refuses misuse with the package error", () => {
    const { fabric } = setup();
    expect(() => fabric.attach({ name: "A", txPort: 4, rxPort: 20 }, () => {})).toThrow(
      OpticalLinkError,
    );
    expect(() => fabric.attach({ name: "C", txPort: 1, rxPort: 20 }, () => {})).toThrow(/cabled/);
    expect(() => fabric.attach({ name: "C", txPort: 20, rxPort: 21 }, () => {})).toThrow(/ingress/);
    expect(() => fabric.send("Z", "x")).toThrow(OpticalLinkError);
    expect(() => fabric.moveDuplex("N", "A", "B")).toThrow(/not connected/);
  });
});

describe("Router Grafting through the switch (with @dyninfra/tcp-state-transfer)", () => {
  it("moves a live TCP session and its link from router A to router B: stream intact, never reset", () => {
    const clock = new EventScheduler();
    const ocs = new OpticalCircuitSwitch({
      clock,
      ingressPorts: [1, 16],
      egressPorts: [17, 32],
      switchingTimeUs: 5_000,
    });
    const fabric = new OpticalFabric<TcpSegment>(ocs, {
      fiberDelayUs: 500,
      frameBytes: (s) => 54 + s.payload.length,
    });
    const link = new OpticalLink(fabric, "N", "A");
    const n = new TcpSocket(
      new TcpEndpoint({
        localPort: 179,
        remotePort: 50000,
        iss: 0xffff_ff00,
        localAddress: "198.51.100.2",
        remoteAddress: "198.51.100.1",
      }),
      clock,
      (s) => link.send("N", s),
    );
    let routerSocket = new TcpSocket(
      new TcpEndpoint({
        localPort: 50000,
        remotePort: 179,
        iss: 7,
        localAddress: "198.51.100.1",
        remoteAddress: "198.51.100.2",
      }),
      clock,
      (s) => link.send(link.far, s),
    );
    fabric.attach({ name: "N", txPort: 1, rxPort: 17 }, (s) => n.deliver(s));
    fabric.attach({ name: "A", txPort: 2, rxPort: 18 }, (s) => routerSocket.deliver(s));
    fabric.attach({ name: "B", txPort: 3, rxPort: 19 }, () => {});
    link.connect();
    clock.runUntil(5_000);
    n.listen();
    routerSocket.connect();
    clock.runFor(20_000);
    expect(n.endpoint.state).toBe("ESTABLISHED");

    // The router streams 1 KiB "UPDATEs" every 2 ms; N reads everything.
    let written = 0;
    let writing = true;
    const sent: number[] = [];
    const tick = (): void => {
      if (written >= 200 * 1024) return;
      if (writing) {
        const m = Uint8Array.from({ length: 1024 }, (_, i) => (written + i) % 251);
        routerSocket.write(m);
        written += 1024;
        sent.push(clock.now);
      }
      clock.after(2_000, tick);
    };
    tick();
    const received: number[] = [];
    n.onEvent = () => {
      for (const b of n.read()) received.push(b);
    };
    clock.runFor(100_000);

    const m = migrateConnection(
      {
        socket: routerSocket,
        stopWrites: () => {
          writing = false;
        },
        detach: () => {
          // The link moves at the freeze; frames in flight and in the dark interval are lost.
          expect(link.regraft("B").ok).toBe(true);
          return 0;
        },
        attach: (endpoint) => {
          routerSocket = new TcpSocket(endpoint, clock, (s) => link.send("B", s));
          fabric.setReceiver("B", (s) => routerSocket.deliver(s));
          return routerSocket;
        },
        resumeWrites: () => {
          writing = true;
        },
      },
      // Resume after the 5 ms dark interval.
      { quiesce: true, transferUs: 6_000 },
    );
    clock.runFor(5_000_000);
    expect(m.done).toBe(true);
    expect(m.report.quiesceTimedOut).toBe(false);
    expect(routerSocket.endpoint.state).toBe("ESTABLISHED");
    expect(n.endpoint.state).toBe("ESTABLISHED");
    expect(n.endpoint.info.closedReason).toBeUndefined();
    expect(received.length).toBe(written);
    expect(received.every((b, i) => b === i % 251)).toBe(true);
    // The quiesce left nothing in flight, so no timeout was needed on the new router.
    expect(routerSocket.endpoint.info.timeouts).toBe(0);
    expect(fabric.stats("B").sent).toBeGreaterThan(0);
  });
});
