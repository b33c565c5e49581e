import { EventScheduler } from "@dyninfra/tcp-state-transfer";
import { describe, expect, it } from "vitest";
import { OpticalLinkError } from "./errors";
import { OpticalCircuitSwitch, unwrapSwitchResult } from "./switch";

function nxm(switchingTimeUs = 25_000) {
  const clock = new EventScheduler();
  const ocs = new OpticalCircuitSwitch({
    clock,
    ingressPorts: [1, 16],
    egressPorts: [17, 32],
    switchingTimeUs,
  });
  return { clock, ocs };
}

describe("OpticalCircuitSwitch", () => {
  it("creates a pair that is dark for the switching time, then carries light", () => {
    const { clock, ocs } = nxm();
    expect(ocs.connect(1, 17)).toEqual({ ok: true, liveAt: 25_000 });
    const out: number[] = [];
    expect(ocs.pass(1, 0, (e) => out.push(e))).toBe("dark");
    clock.runUntil(24_999);
    expect(ocs.liveEgress(1)).toBeUndefined();
    expect(ocs.pass(1, 0, (e) => out.push(e))).toBe("dark");
    clock.runUntil(25_000);
    expect(ocs.liveEgress(1)).toBe(17);
    expect(ocs.pass(1, 0, (e) => out.push(e))).toBe("delivered");
    expect(ocs.pass(2, 0, (e) => out.push(e))).toBe("no-circuit");
    expect(out).toEqual([17]);
    expect(ocs.stats).toEqual({
      transactions: 1,
      framesOffered: 4,
      framesDelivered: 1,
      framesLostDark: 2,
      framesLostNoCircuit: 1,
    });
  });

  it("never puts a port in two pairs", () => {
    const { ocs } = nxm();
    ocs.connect(1, 17);
    expect(ocs.connect(2, 17)).toMatchObject({
      ok: false,
      error: { code: "PORT_IN_USE", port: 17 },
    });
    expect(ocs.connect(1, 18)).toMatchObject({
      ok: false,
      error: { code: "PORT_IN_USE", port: 1 },
    });
    expect(ocs.connect(17, 2)).toMatchObject({ ok: false, error: { code: "NOT_INGRESS_PORT" } });
    expect(ocs.connect(2, 3)).toMatchObject({ ok: false, error: { code: "NOT_EGRESS_PORT" } });
    expect(ocs.connect(2, 99)).toMatchObject({ ok: false, error: { code: "INVALID_PORT" } });
    expect(ocs.crossConnects().map((c) => [c.ingress, c.egress])).toEqual([[1, 17]]);
  });

  it("on an any-to-any switch a port is either an ingress or an egress, never both", () => {
    const ocs = new OpticalCircuitSwitch({ clock: new EventScheduler(), ports: 8 });
    expect(ocs.connect(1, 2).ok).toBe(true);
    expect(ocs.connect(2, 3)).toMatchObject({ ok: false, error: { code: "PORT_IN_USE", port: 2 } });
    expect(ocs.connect(3, 3)).toMatchObject({ ok: false, error: { code: "SAME_PORT" } });
    expect(ocs.connect(3, 1)).toMatchObject({ ok: false, error: { code: "PORT_IN_USE", port: 1 } });
  });

  it("moves atomically: the old egress is freed and the new pair is dark", () => {
    const { clock, ocs } = nxm();
    ocs.connect(1, 17);
    ocs.connect(2, 18);
    clock.runUntil(30_000);
    // Refused move changes nothing.
    expect(ocs.move(1, 18)).toMatchObject({ ok: false, error: { code: "PORT_IN_USE", port: 18 } });
    expect(ocs.liveEgress(1)).toBe(17);
    expect(ocs.move(1, 19)).toEqual({ ok: true, liveAt: 55_000 });
    expect(ocs.inUse(17)).toBe(false);
    expect(ocs.configuredEgress(1)).toBe(19);
    expect(ocs.liveEgress(1)).toBeUndefined();
    clock.runUntil(55_000);
    expect(ocs.liveEgress(1)).toBe(19);
  });

  it("swaps two pairs in one transaction", () => {
    const { ocs } = nxm();
    ocs.connect(1, 17);
    ocs.connect(2, 18);
    const r = ocs.apply({
      disconnect: [1, 2],
      connect: [
        { ingress: 1, egress: 18 },
        { ingress: 2, egress: 17 },
      ],
    });
    expect(r.ok).toBe(true);
    expect(ocs.crossConnects().map((c) => [c.ingress, c.egress])).toEqual([
      [1, 18],
      [2, 17],
    ]);
    expect(ocs.apply({ disconnect: [3] })).toMatchObject({
      ok: false,
      error: { code: "NO_SUCH_CROSS_CONNECT" },
    });
  });

  it("loses a frame still passing when its circuit is reconfigured", () => {
    const { clock, ocs } = nxm(1_000);
    ocs.connect(1, 17);
    clock.runUntil(2_000);
    const out: number[] = [];
    const lost: string[] = [];
    ocs.pass(
      1,
      10,
      (e) => out.push(e),
      (f) => lost.push(f),
    );
    clock.runUntil(2_005);
    ocs.move(1, 18);
    clock.runUntil(10_000);
    expect(out).toEqual([]);
    expect(lost).toEqual(["dark"]);
  });

  it("rejects bad configuration with the package error", () => {
    const clock = new EventScheduler();
    expect(() => new OpticalCircuitSwitch({ clock, ports: 0 })).toThrow(OpticalLinkError);
    expect(
      () => new OpticalCircuitSwitch({ clock, ingressPorts: [1, 8], egressPorts: [8, 16] }),
    ).toThrow(/overlap/);
    expect(() => new OpticalCircuitSwitch({ clock, switchingTimeUs: -1 })).toThrow(
      OpticalLinkError,
    );
    const ocs = new OpticalCircuitSwitch({ clock, ports: 4 });
    expect(() => unwrapSwitchResult(ocs.disconnect(1))).toThrow(OpticalLinkError);
  });
});
