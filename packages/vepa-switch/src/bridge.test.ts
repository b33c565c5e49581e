import { describe, expect, it } from "vitest";
import { Bridge, type BridgeVerdict } from "./bridge";
import { parseMac } from "./mac";

const A = parseMac("02:00:00:00:00:0a");
const B = parseMac("02:00:00:00:00:0b");
const BC = parseMac("ff:ff:ff:ff:ff:ff");
const ports = (v: BridgeVerdict) =>
  v.kind === "dropped" ? v.reason : v.deliveries.map((d) => d.port);

describe("802.1Q bridge forwarding", () => {
  it("floods unknown unicast, learns, then forwards to one port", () => {
    const br = new Bridge();
    for (const n of ["p0", "p1", "p2"]) br.addPort({ name: n });
    expect(ports(br.receive(0, { dst: B, src: A }, 0))).toEqual([1, 2]);
    expect(ports(br.receive(1, { dst: A, src: B }, 1))).toEqual([0]);
    expect(ports(br.receive(0, { dst: B, src: A }, 2))).toEqual([1]);
  });

  it("never sends a frame back out of its ingress port unless the port hairpins", () => {
    const br = new Bridge();
    const up = br.addPort({ name: "uplink" });
    br.addPort({ name: "other" });
    br.receive(up, { dst: BC, src: B }, 0); // B learned on the uplink
    expect(ports(br.receive(up, { dst: B, src: A }, 1))).toBe("same-port");
    expect(ports(br.receive(up, { dst: BC, src: A }, 1))).toEqual([1]);
    br.setHairpin(up, true);
    expect(ports(br.receive(up, { dst: B, src: A }, 2))).toEqual([0]);
    expect(ports(br.receive(up, { dst: BC, src: A }, 2))).toEqual([0, 1]);
  });

  it("classifies by PVID / tag, filters egress by membership, tags or strips on egress", () => {
    const br = new Bridge();
    const access10 = br.addPort({ name: "a10", vlans: [{ vid: 10, pvid: true, untagged: true }] });
    const access20 = br.addPort({ name: "a20", vlans: [{ vid: 20, pvid: true, untagged: true }] });
    const trunk = br.addPort({ name: "trunk", vlans: [{ vid: 10 }, { vid: 20 }] });
    const v = br.receive(access10, { dst: BC, src: A }, 0);
    expect(v.kind !== "dropped" && v.deliveries).toEqual([
      { port: trunk, frame: { dst: BC, src: A, vlan: 10 } },
    ]);
    const w = br.receive(trunk, { dst: BC, src: B, vlan: 20, pcp: 5 }, 0);
    expect(w.kind !== "dropped" && w.deliveries).toEqual([
      { port: access20, frame: { dst: BC, src: B } },
    ]);
    expect(ports(br.receive(trunk, { dst: BC, src: B }, 0))).toBe("ingress-vlan"); // no PVID on the trunk
    expect(ports(br.receive(trunk, { dst: BC, src: B, vlan: 30 }, 0))).toBe("ingress-vlan");
    // Priority-tagged frames take the PVID.
    expect(ports(br.receive(access10, { dst: BC, src: A, vlan: 0 }, 0))).toEqual([trunk]);
  });

  it("without vlan_filtering all ports share one FDB and frames pass unchanged", () => {
    const br = new Bridge({ vlanFiltering: false });
    br.addPort({ name: "p0" });
    br.addPort({ name: "p1" });
    const v = br.receive(0, { dst: BC, src: A, vlan: 77 }, 0);
    expect(v.kind !== "dropped" && v.deliveries).toEqual([
      { port: 1, frame: { dst: BC, src: A, vlan: 77 } },
    ]);
    expect(br.fdb.lookup(A, 0, 0)).toBe(0);
  });

  it("respects isolation, flood flags and STP states", () => {
    const br = new Bridge();
    br.addPort({ name: "i0", isolated: true });
    br.addPort({ name: "i1", isolated: true });
    br.addPort({ name: "n", flood: false });
    br.addPort({ name: "m", mcastFlood: false, bcastFlood: false });
    expect(ports(br.receive(0, { dst: B, src: A }, 0))).toEqual([3]); // unknown unicast
    expect(ports(br.receive(0, { dst: BC, src: A }, 0))).toEqual([2]);
    expect(ports(br.receive(2, { dst: BC, src: B }, 0))).toEqual([0, 1]);
    br.setState(3, "learning");
    expect(ports(br.receive(3, { dst: A, src: parseMac("02:00:00:00:00:0c") }, 0))).toBe(
      "port-state",
    );
    expect(br.fdb.lookup(parseMac("02:00:00:00:00:0c"), 1, 0)).toBe(3); // but it learned
    br.setState(3, "blocking");
    expect(br.fdb.lookup(parseMac("02:00:00:00:00:0c"), 1, 0)).toBe(-1); // flushed
    expect(ports(br.receive(3, { dst: A, src: B }, 0))).toBe("port-state");
  });

  it("with ageing_time 0 the bridge floods every unicast, like a hub", () => {
    const br = new Bridge({ ageingTime: 0 });
    for (const name of ["p0", "p1", "p2"]) br.addPort({ name });
    br.receive(1, { dst: BC, src: B }, 0);
    expect(ports(br.receive(0, { dst: B, src: A }, 0))).toEqual([1, 2]);
    expect(br.forwardUnicast(0, A, B, -1, 1)).toBe(-2);
  });

  it("fast path agrees with receive", () => {
    const br = new Bridge();
    br.addPort({ name: "p0" });
    br.addPort({ name: "p1" });
    expect(br.forwardUnicast(0, A, B, -1, 0)).toBe(-2);
    expect(br.forwardUnicast(1, B, A, -1, 0)).toBe(0);
    expect(br.forwardUnicast(1, B, B, -1, 0)).toBe(-1); // B is on p1: same port, no hairpin
    expect(br.forwardUnicast(0, A, B, 99, 0)).toBe(-1); // VLAN 99 not a member
    // A port in the learning state learns but forwards nothing, on both paths.
    const C = parseMac("02:00:00:00:00:0c");
    const D = parseMac("02:00:00:00:00:0d");
    br.setState(1, "learning");
    expect(br.forwardUnicast(1, C, A, -1, 0)).toBe(-1);
    expect(ports(br.receive(1, { dst: A, src: D }, 0))).toBe("port-state");
    expect([br.fdb.lookup(C, 1, 0), br.fdb.lookup(D, 1, 0)]).toEqual([1, 1]);
    br.setState(1, "blocking");
    expect(br.forwardUnicast(1, B, A, -1, 0)).toBe(-1);
  });
});
