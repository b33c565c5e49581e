import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import type { EmbeddedPortMode } from "./macvlan";
import { arbitraryEmbeddedPortMode } from "./testing";
import { VepaFabric } from "./vepa-fabric";

const BC = 0xffff_ffff_ffff;
const m = (i: number) => 0x0200_0000_0000 + i;

interface Vm {
  host: string;
  name: string;
  mac: number;
  mode: EmbeddedPortMode;
}

/** Two hosts (h0 hairpin configurable, h1), a station, and VMs of random modes (passthru alone on its host). */
const scenario = fc.record({
  hairpin: fc.boolean(),
  h0Extra: fc.array(fc.constantFrom<EmbeddedPortMode>("private", "vepa", "bridge"), {
    maxLength: 4,
  }),
  h1Modes: fc.oneof(
    fc.constant<EmbeddedPortMode[]>(["passthru"]),
    fc.array(fc.constantFrom<EmbeddedPortMode>("private", "vepa", "bridge"), { maxLength: 3 }),
  ),
  warmup: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 12 }),
});

function build(s: { hairpin: boolean; h0Extra: EmbeddedPortMode[]; h1Modes: EmbeddedPortMode[] }) {
  const f = new VepaFabric();
  f.addHost("h0", { lowerMac: 0x001b_2100_0000, hairpin: s.hairpin });
  f.addHost("h1", { lowerMac: 0x001b_2100_0001 });
  f.addStation("s0");
  const vms: Vm[] = [];
  const add = (host: string, mode: EmbeddedPortMode) => {
    const mac = mode === "passthru" ? 0x001b_2100_0001 : m(vms.length + 1);
    const vm = { host, name: `vm${vms.length}`, mac, mode };
    expect(f.attach(host, { name: vm.name, mac, mode }).ok).toBe(true);
    vms.push(vm);
  };
  add("h0", "vepa");
  add("h0", "vepa");
  for (const mode of s.h0Extra) add("h0", mode);
  for (const mode of s.h1Modes) add("h1", mode);
  return { f, vms };
}

function warm(f: VepaFabric, vms: Vm[], warmup: [number, number, boolean][]) {
  let t = 0;
  for (const [a, b, bcast] of warmup) {
    const from = vms[a % vms.length]!;
    const to = vms[b % vms.length]!;
    f.send(`${from.host}/${from.name}`, { dst: bcast ? BC : to.mac, src: from.mac }, t++);
  }
  return t;
}

test.prop([scenario])(
  "unicast between two VEPA ports crosses the uplink: delivered exactly once with hairpin, never without",
  (s) => {
    const { f, vms } = build(s);
    const now = warm(f, vms, s.warmup);
    const ds = f.send("h0/vm0", { dst: vms[1]!.mac, src: vms[0]!.mac, payload: "x" }, now);
    const atVm1 = ds.filter((d) => d.endpoint === "h0/vm1");
    expect(atVm1.length).toBe(s.hairpin ? 1 : 0);
    for (const d of atVm1) expect(d.hops).toEqual(["h0", "bridge", "h0"]);
    expect(ds.some((d) => d.endpoint === "h0/vm0")).toBe(false);
  },
);

test.prop([scenario, fc.nat()])(
  "a reflected broadcast never returns to a VEPA/bridge sender; every other eligible port gets exactly one copy",
  (s, pick) => {
    const { f, vms } = build({ ...s, hairpin: true });
    const now = warm(f, vms, s.warmup);
    const senders = vms.filter(
      (v) => v.host === "h0" && (v.mode === "vepa" || v.mode === "bridge"),
    );
    const sender = senders[pick % senders.length]!;
    const ds = f.send(`h0/${sender.name}`, { dst: BC, src: sender.mac }, now);
    const count = new Map<string, number>();
    for (const d of ds) count.set(d.endpoint, (count.get(d.endpoint) ?? 0) + 1);
    // Independent eligibility, from macvlan.c's rules.
    for (const vm of vms) {
      const ep = `${vm.host}/${vm.name}`;
      let eligible: boolean;
      if (vm === sender) eligible = false;
      else if (vm.host !== "h0")
        eligible = true; // unknown source there: every mode
      else if (sender.mode === "vepa") eligible = vm.mode === "vepa" || vm.mode === "bridge";
      else eligible = vm.mode === "vepa" || vm.mode === "bridge"; // bridge peers locally, VEPA peers by reflection
      expect([ep, count.get(ep) ?? 0]).toEqual([ep, eligible ? 1 : 0]);
    }
    expect(count.get("s0")).toBe(1);
  },
);

test.prop([
  fc.array(
    fc.tuple(
      arbitraryEmbeddedPortMode().filter((x) => x !== "passthru"),
      fc.constantFrom(10, 20),
    ),
    {
      minLength: 2,
      maxLength: 6,
    },
  ),
  fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 20 }),
])("VLANs isolate: nothing sent in one VLAN reaches a port of another", (ports, traffic) => {
  const f = new VepaFabric();
  const trunk = [{ vid: 1, pvid: true, untagged: true }, { vid: 10 }, { vid: 20 }];
  f.addHost("h0", { lowerMac: 0x001b_2100_0000, vlans: trunk });
  f.addHost("h1", { lowerMac: 0x001b_2100_0001, vlans: trunk });
  f.addStation("s10", { vlans: [{ vid: 10, pvid: true, untagged: true }] });
  const vms = ports.map(([mode, vlan], i) => {
    const host = `h${i % 2}`;
    f.attach(host, { name: `p${i}`, mac: m(i + 1), mode, vlan });
    return { ep: `${host}/p${i}`, mac: m(i + 1), vlan };
  });
  const vlanOf = new Map<string, number>(vms.map((v) => [v.ep, v.vlan]));
  vlanOf.set("s10", 10);
  vlanOf.set("h0.10", 10).set("h1.10", 10).set("h0.20", 20).set("h1.20", 20);
  let t = 0;
  for (const [a, b, bcast] of traffic) {
    const from = vms[a % vms.length]!;
    const to = vms[b % vms.length]!;
    for (const d of f.send(from.ep, { dst: bcast ? BC : to.mac, src: from.mac }, t++)) {
      expect([d.endpoint, vlanOf.get(d.endpoint)]).toEqual([d.endpoint, from.vlan]);
    }
  }
});
