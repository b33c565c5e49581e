import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { Bridge } from "./bridge";
import { VepaSwitchError } from "./errors";
import { arbitraryFrame } from "./testing";

const step = fc.tuple(
  fc.integer({ min: 0, max: 3 }),
  arbitraryFrame(),
  fc.integer({ min: 0, max: 50 }),
);

function bridge(hairpin: boolean[]): Bridge {
  const br = new Bridge({ maxLearned: 6 });
  // Two access ports in VLAN 10, one in VLAN 20, one trunk carrying both.
  br.addPort({
    name: "a10",
    vlans: [{ vid: 10, pvid: true, untagged: true }],
    hairpin: hairpin[0]!,
  });
  br.addPort({
    name: "b10",
    vlans: [{ vid: 10, pvid: true, untagged: true }],
    hairpin: hairpin[1]!,
  });
  br.addPort({
    name: "c20",
    vlans: [{ vid: 20, pvid: true, untagged: true }],
    hairpin: hairpin[2]!,
  });
  br.addPort({ name: "trunk", vlans: [{ vid: 10 }, { vid: 20 }], hairpin: hairpin[3]! });
  return br;
}
const vlanOfAccess = [10, 10, 20];

test.prop([
  fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  fc.array(step, { maxLength: 60 }),
])(
  "no frame returns by its ingress port without hairpin; at most one copy per port; VLANs isolate; FDB bounded",
  (hairpin, steps) => {
    const br = bridge(hairpin);
    let now = 0;
    for (const [inPort, frame, dt] of steps) {
      now += dt;
      const v = br.receive(inPort, frame, now);
      expect(br.fdb.learnedCount).toBeLessThanOrEqual(6);
      if (v.kind === "dropped") continue;
      const out = v.deliveries.map((d) => d.port);
      expect(new Set(out).size).toBe(out.length);
      if (!hairpin[inPort]) expect(out).not.toContain(inPort);
      // The frame's VLAN: the access port's VLAN, or the trunk frame's tag.
      const vid = inPort < 3 ? vlanOfAccess[inPort]! : frame.vlan!;
      for (const d of v.deliveries) {
        if (d.port < 3) {
          expect(vlanOfAccess[d.port]).toBe(vid);
          expect(d.frame.vlan).toBeUndefined();
        } else expect(d.frame.vlan).toBe(vid);
      }
    }
  },
);

const portState = fc.constantFrom("forwarding", "forwarding", "learning", "blocking" as const);

test.prop([fc.array(step, { maxLength: 60 }), fc.array(portState, { minLength: 4, maxLength: 4 })])(
  "the fast path agrees with receive for unicast, and learns the same (any port state)",
  (steps, states) => {
    const a = bridge([true, false, false, true]);
    const b = bridge([true, false, false, true]);
    states.forEach((st, i) => {
      a.setState(i, st);
      b.setState(i, st);
    });
    let now = 0;
    for (const [inPort, frame, dt] of steps) {
      now += dt;
      const v = a.receive(inPort, frame, now);
      const fast = b.forwardUnicast(inPort, frame.src, frame.dst, frame.vlan ?? -1, now);
      if (v.kind === "forwarded") expect(fast).toBe(v.deliveries[0]!.port);
      else if (v.kind === "flooded") expect(fast).toBe(-2);
      else expect(fast).toBe(-1);
    }
    expect(b.fdb.entries()).toEqual(a.fdb.entries());
  },
);

const anyNumber = fc.oneof(
  fc.integer({ min: -5, max: 0xffff_ffff_ffff + 5 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2 ** 53),
);

test.prop([
  fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.record({
        dst: anyNumber,
        src: anyNumber,
        vlan: fc.option(fc.oneof(fc.integer({ min: -2, max: 5000 }), fc.constant(0.5)), {
          nil: undefined,
        }),
      }),
    ),
    { maxLength: 30 },
  ),
])(
  "garbage frames: a verdict or VepaSwitchError, never a foreign exception; the fast path never throws",
  (steps) => {
    const br = bridge([true, false, false, true]);
    for (const [port, frame] of steps) {
      try {
        br.receive(port, frame, 1);
      } catch (e) {
        expect(VepaSwitchError.isInstance(e)).toBe(true);
      }
      expect(typeof br.forwardUnicast(port, frame.src, frame.dst, frame.vlan ?? -1, 1)).toBe(
        "number",
      );
    }
    expect(br.fdb.learnedCount).toBeLessThanOrEqual(6);
  },
);
