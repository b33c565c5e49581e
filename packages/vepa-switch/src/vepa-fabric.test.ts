import { describe, expect, it } from "vitest";
import { parseMac } from "./mac";
import { type EmbeddedSwitch, MacvlanPort } from "./macvlan";
import { VepaFabric } from "./vepa-fabric";

const m = (i: number) => 0x0200_0000_0000 + i;
const BC = parseMac("ff:ff:ff:ff:ff:ff");

function fabric(hairpin: boolean) {
  const f = new VepaFabric();
  f.addHost("h1", { lowerMac: parseMac("00:1b:21:00:00:01"), hairpin });
  f.addHost("h2", { lowerMac: parseMac("00:1b:21:00:00:02"), hairpin });
  f.addStation("s1");
  f.attach("h1", { name: "vm1", mac: m(1), mode: "vepa" });
  f.attach("h1", { name: "vm2", mac: m(2), mode: "vepa" });
  f.attach("h2", { name: "vm3", mac: m(3), mode: "vepa" });
  return f;
}

describe("VEPA through an external bridge", () => {
  it("VM-to-VM unicast on one host is reflected by a hairpin port, exactly once", () => {
    const f = fabric(true);
    const first = f.send("h1/vm1", { dst: m(2), src: m(1) }, 0); // unknown: flooded
    expect(first.filter((d) => d.endpoint === "h1/vm2")).toEqual([
      { endpoint: "h1/vm2", frame: { dst: m(2), src: m(1) }, hops: ["h1", "bridge", "h1"] },
    ]);
    f.send("h1/vm2", { dst: m(1), src: m(2) }, 1); // vm2 learned on the uplink
    expect(f.send("h1/vm1", { dst: m(2), src: m(1) }, 2).map((d) => d.endpoint)).toEqual([
      "h1/vm2",
    ]);
  });
  it("without reflective relay it never arrives", () => {
    const f = fabric(false);
    expect(f.send("h1/vm1", { dst: m(2), src: m(1) }, 0).some((d) => d.endpoint === "h1/vm2")).toBe(
      false,
    );
    f.send("h1/vm2", { dst: m(1), src: m(2) }, 1);
    expect(f.send("h1/vm1", { dst: m(2), src: m(1) }, 2)).toEqual([]);
  });
  it("a reflected broadcast reaches every other port once and never its sender", () => {
    const f = fabric(true);
    f.attach("h1", { name: "br1", mac: m(4), mode: "bridge" });
    f.attach("h1", { name: "pr1", mac: m(5), mode: "private" });
    const ds = f
      .send("h1/vm1", { dst: BC, src: m(1) }, 0)
      .map((d) => d.endpoint)
      .sort();
    expect(ds).toEqual(["h1", "h1/br1", "h1/vm2", "h2", "h2/vm3", "s1"]);
  });
  it("a bridge-mode port's broadcast: bridge peers locally, VEPA peers via the reflection", () => {
    const f = fabric(true);
    f.attach("h1", { name: "br1", mac: m(4), mode: "bridge" });
    f.attach("h1", { name: "br2", mac: m(6), mode: "bridge" });
    const ds = f.send("h1/br1", { dst: BC, src: m(4) }, 0);
    expect(ds.map((d) => `${d.endpoint}@${d.hops.length}`).sort()).toEqual(
      ["h1/br2@1", "h1/vm1@3", "h1/vm2@3", "h1@3", "h2/vm3@3", "h2@3", "s1@2"].sort(),
    );
  });
  it("VLAN devices keep VMs of different VLANs apart", () => {
    const f = new VepaFabric();
    const trunk = [{ vid: 1, pvid: true, untagged: true }, { vid: 10 }, { vid: 20 }];
    f.addHost("h1", { lowerMac: parseMac("00:1b:21:00:00:01"), vlans: trunk });
    f.attach("h1", { name: "a", mac: m(1), mode: "vepa", vlan: 10 });
    f.attach("h1", { name: "b", mac: m(2), mode: "vepa", vlan: 10 });
    f.attach("h1", { name: "c", mac: m(3), mode: "vepa", vlan: 20 });
    const ds = f.send("h1/a", { dst: BC, src: m(1) }, 0);
    expect(ds.map((d) => d.endpoint).sort()).toEqual(["h1.10", "h1/b"]);
    expect(ds.find((d) => d.endpoint === "h1/b")?.frame.vlan).toBeUndefined(); // untagged on the VLAN device
    expect(f.locate("h1/c")).toEqual({ host: "h1", port: "c", vlan: 20 });
  });
  it("stations reach VMs and unknown endpoints are errors", () => {
    const f = fabric(true);
    expect(f.send("s1", { dst: m(3), src: m(9) }, 0).map((d) => d.endpoint)).toContain("h2/vm3");
    expect(() => f.send("h9/x", { dst: m(3), src: m(9) }, 0)).toThrowError(/no host/);
    expect(() => f.addStation("h1")).toThrowError(/in use/);
  });
  it("accepts any embedded switch through the factory (e.g. an SR-IOV NIC adapter)", () => {
    const seen: number[] = [];
    const f = new VepaFabric();
    f.addHost("h1", {
      lowerMac: parseMac("00:1b:21:00:00:01"),
      embeddedSwitch: (lowerMac, vlan): EmbeddedSwitch => {
        seen.push(vlan);
        return new MacvlanPort({ lowerMac });
      },
      vlans: [{ vid: 1, pvid: true, untagged: true }, { vid: 7 }],
    });
    f.attach("h1", { name: "a", mac: m(1), mode: "vepa", vlan: 7 });
    f.attach("h1", { name: "b", mac: m(2), mode: "vepa", vlan: 7 });
    expect(seen).toEqual([0, 7]);
    expect(f.send("h1/a", { dst: m(2), src: m(1) }, 0).map((d) => d.endpoint)).toContain("h1/b");
  });
  it("rejects malformed frames with its own error", () => {
    const f = fabric(true);
    expect(() => f.send("h1/vm1", { dst: Number.NaN, src: m(1) }, 0)).toThrowError(/48-bit/);
    expect(() => f.send("s1", { dst: m(1), src: m(2), vlan: 4096 }, 0)).toThrowError(/outside/);
  });
});
