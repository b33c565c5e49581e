import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { type EmbeddedPortMode, MacvlanPort } from "./macvlan";

const LOWER = 0x001b_2100_0001;

interface P {
  name: string;
  mac: number;
  mode: EmbeddedPortMode;
  up: boolean;
}
type Model = { ports: P[] };
type Cmd = fc.Command<Model, MacvlanPort>;

const busy = (m: Model, mac: number, except?: P) =>
  mac === LOWER || m.ports.some((p) => p !== except && p.up && p.mac === mac);

/** After every step, unicast and broadcast reception must agree with the model. */
function checkDelivery(m: Model, r: MacvlanPort): void {
  const passthru = m.ports[0]?.mode === "passthru";
  for (const p of m.ports) {
    const got = r.receive({ dst: p.mac, src: 0x0400_0000_0001 });
    if (passthru) expect(got.deliveries.map((d) => d.port)).toEqual(p.up ? [p.name] : []);
    else if (p.up)
      expect(got).toEqual({
        deliveries: [{ port: p.name, frame: got.deliveries[0]?.frame }],
        toLowerdev: false,
      });
  }
  const bc = r.receive({ dst: 0xffff_ffff_ffff, src: 0x0400_0000_0001 });
  expect(bc.deliveries.map((d) => d.port).sort()).toEqual(
    m.ports
      .filter((p) => p.up)
      .map((p) => p.name)
      .sort(),
  );
}

class Add implements Cmd {
  constructor(
    readonly name: string,
    readonly mac: number,
    readonly mode: EmbeddedPortMode,
    readonly up: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: MacvlanPort) {
    const res = r.add({ name: this.name, mac: this.mac, mode: this.mode, up: this.up });
    const mac = this.mode === "passthru" ? LOWER : this.mac;
    let expected = "ok";
    if (m.ports.some((p) => p.name === this.name)) expected = "EEXIST";
    else if (m.ports[0]?.mode === "passthru") expected = "EINVAL";
    else if (this.mode === "passthru" && m.ports.length > 0) expected = "EINVAL";
    else if (this.mode !== "passthru" && this.up && busy(m, mac)) expected = "EADDRINUSE";
    expect(res.ok ? "ok" : res.errno).toBe(expected);
    if (res.ok) m.ports.push({ name: this.name, mac, mode: this.mode, up: this.up });
    checkDelivery(m, r);
  }
  toString = () => `add(${this.name}, ${this.mac % 256}, ${this.mode}, ${this.up})`;
}

class SetUp implements Cmd {
  constructor(
    readonly name: string,
    readonly up: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: MacvlanPort) {
    const res = r.setUp(this.name, this.up);
    const p = m.ports.find((x) => x.name === this.name);
    let expected = "ok";
    if (p === undefined) expected = "ENODEV";
    else if (p.up !== this.up && this.up && p.mode !== "passthru" && busy(m, p.mac, p))
      expected = "EADDRINUSE";
    expect(res.ok ? "ok" : res.errno).toBe(expected);
    if (res.ok && p) p.up = this.up;
    checkDelivery(m, r);
  }
  toString = () => `setUp(${this.name}, ${this.up})`;
}

class Remove implements Cmd {
  constructor(readonly name: string) {}
  check = () => true;
  run(m: Model, r: MacvlanPort) {
    const i = m.ports.findIndex((x) => x.name === this.name);
    expect(r.remove(this.name).ok).toBe(i >= 0);
    if (i >= 0) m.ports.splice(i, 1);
    checkDelivery(m, r);
  }
  toString = () => `remove(${this.name})`;
}

class SetMode implements Cmd {
  constructor(
    readonly name: string,
    readonly mode: EmbeddedPortMode,
  ) {}
  check = () => true;
  run(m: Model, r: MacvlanPort) {
    const p = m.ports.find((x) => x.name === this.name);
    const res = r.setMode(this.name, this.mode);
    let expected = "ok";
    if (p === undefined) expected = "ENODEV";
    else if ((p.mode === "passthru") !== (this.mode === "passthru")) expected = "EINVAL";
    expect(res.ok ? "ok" : res.errno).toBe(expected);
    if (res.ok && p) p.mode = this.mode;
    checkDelivery(m, r);
  }
  toString = () => `setMode(${this.name}, ${this.mode})`;
}

const name = fc.constantFrom("a", "b", "c", "d", "e");
const mac = fc.integer({ min: 1, max: 4 }).map((i) => 0x0200_0000_0000 + i);
const mode = fc.constantFrom<EmbeddedPortMode>("private", "vepa", "bridge", "passthru");

test.prop(
  [
    fc.commands(
      [
        fc
          .tuple(name, fc.oneof(mac, fc.constant(LOWER)), mode, fc.boolean())
          .map(([n, a, o, u]) => new Add(n, a, o, u)),
        fc.tuple(name, fc.boolean()).map(([n, u]) => new SetUp(n, u)),
        name.map((n) => new Remove(n)),
        fc.tuple(name, mode).map(([n, o]) => new SetMode(n, o)),
      ],
      { maxCommands: 40, size: "large" },
    ),
  ],
  { numRuns: 150 },
)(
  "model-based: macvlan port configuration (passthru, EADDRINUSE, up/down) and delivery",
  (cmds) => {
    fc.modelRun(() => ({ model: { ports: [] }, real: new MacvlanPort({ lowerMac: LOWER }) }), cmds);
  },
);
