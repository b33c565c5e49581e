import { describe, expect, it } from "vitest";
import { parseMac } from "./mac";
import { type EmbeddedPortMode, MacvlanPort } from "./macvlan";

const LOWER = parseMac("00:1b:21:00:00:01");
const EXT = parseMac("02:ee:00:00:00:01");
const BC = parseMac("ff:ff:ff:ff:ff:ff");
const mac = (i: number) => 0x0200_0000_0000 + i;

function port(modes: EmbeddedPortMode[]): MacvlanPort {
  const p = new MacvlanPort({ lowerMac: LOWER });
  modes.forEach((mode, i) => {
    expect(p.add({ name: `v${i}`, mac: mac(i), mode }).ok).toBe(true);
  });
  return p;
}
const names = (ds: { port: string }[]) => ds.map((d) => d.port);

describe("macvlan_queue_xmit", () => {
  it("bridge mode: unicast to another bridge port stays local; to a VEPA port it goes out", () => {
    const p = port(["bridge", "bridge", "vepa"]);
    expect(p.transmit("v0", { dst: mac(1), src: mac(0) })).toEqual({
      local: [{ port: "v1", frame: { dst: mac(1), src: mac(0) } }],
      wire: null,
    });
    expect(p.transmit("v0", { dst: mac(2), src: mac(0) }).wire).not.toBeNull();
  });
  it("bridge mode: group frames go to the other bridge ports and to the wire", () => {
    const p = port(["bridge", "bridge", "vepa", "private"]);
    const t = p.transmit("v0", { dst: BC, src: mac(0) });
    expect(names(t.local)).toEqual(["v1"]);
    expect(t.wire).not.toBeNull();
  });
  it("VEPA and private send everything to the wire", () => {
    const p = port(["vepa", "vepa", "private"]);
    expect(p.transmit("v0", { dst: mac(1), src: mac(0) })).toMatchObject({
      local: [],
      wire: { dst: mac(1) },
    });
    expect(p.transmit("v2", { dst: mac(1), src: mac(2) })).toMatchObject({
      local: [],
      wire: { dst: mac(1) },
    });
  });
});

describe("macvlan_handle_frame / macvlan_process_broadcast", () => {
  it("group frame from outside: every mode, and the lower device", () => {
    const p = port(["private", "vepa", "bridge"]);
    const r = p.receive({ dst: BC, src: EXT });
    expect(names(r.deliveries)).toEqual(["v0", "v1", "v2"]);
    expect(r.toLowerdev).toBe(true);
  });
  it("reflected from a VEPA port: VEPA and bridge ports except the source", () => {
    const p = port(["vepa", "vepa", "bridge", "private"]);
    expect(names(p.receive({ dst: BC, src: mac(0) }).deliveries)).toEqual(["v1", "v2"]);
  });
  it("reflected from a bridge port: VEPA ports only (bridge ports saw it on the way out)", () => {
    const p = port(["bridge", "vepa", "bridge", "private"]);
    expect(names(p.receive({ dst: BC, src: mac(0) }).deliveries)).toEqual(["v1"]);
  });
  it("reflected from a private port: back to that port only, not to the lower device", () => {
    const p = port(["private", "vepa", "private"]);
    expect(p.receive({ dst: BC, src: mac(0) })).toEqual({
      deliveries: [{ port: "v0", frame: { dst: BC, src: mac(0) } }],
      toLowerdev: false,
    });
  });
  it("multicast honours each port's filter; broadcast always passes", () => {
    const p = port(["vepa", "vepa"]);
    const g = parseMac("01:00:5e:00:00:fb");
    expect(p.receive({ dst: g, src: EXT }).deliveries).toEqual([]);
    p.setMulticast("v1", [g]);
    expect(names(p.receive({ dst: g, src: EXT }).deliveries)).toEqual(["v1"]);
    p.setMulticast("v0", [], true);
    expect(names(p.receive({ dst: g, src: EXT }).deliveries)).toEqual(["v0", "v1"]);
  });
  it("unicast goes to the owner of the destination, else to the lower device", () => {
    const p = port(["private", "vepa"]);
    expect(p.receive({ dst: mac(0), src: mac(1) })).toMatchObject({
      deliveries: [{ port: "v0" }],
      toLowerdev: false,
    });
    expect(p.receive({ dst: EXT, src: mac(1) })).toEqual({ deliveries: [], toLowerdev: true });
    expect(p.receiveUnicastIndex(mac(1))).toBe(1);
  });
  it("down ports leave the address hash", () => {
    const p = port(["vepa", "vepa"]);
    p.setUp("v1", false);
    expect(p.receive({ dst: mac(1), src: EXT }).toLowerdev).toBe(true);
    expect(names(p.receive({ dst: BC, src: EXT }).deliveries)).toEqual(["v0"]);
    expect(p.transmit("v1", { dst: EXT, src: mac(1) }).wire).toBeNull();
  });
});

describe("passthru and configuration errors", () => {
  it("passthru owns the device, inherits its MAC and receives every unicast", () => {
    const p = new MacvlanPort({ lowerMac: LOWER });
    expect(p.add({ name: "pt", mode: "passthru" }).ok).toBe(true);
    expect(p.info("pt")?.mac).toBe(LOWER);
    expect(p.add({ name: "x", mac: mac(9), mode: "vepa" })).toMatchObject({
      ok: false,
      errno: "EINVAL",
    });
    expect(p.receive({ dst: mac(42), src: EXT })).toMatchObject({
      deliveries: [{ port: "pt" }],
      toLowerdev: false,
    });
    // Its own group frames reflected back come to it ("forward to original port").
    expect(p.receive({ dst: BC, src: LOWER })).toMatchObject({
      deliveries: [{ port: "pt" }],
      toLowerdev: false,
    });
    expect(p.setMode("pt", "vepa")).toMatchObject({ ok: false, errno: "EINVAL" });
  });
  it("passthru needs an unused device; MACs must be free (EADDRINUSE)", () => {
    const p = port(["vepa"]);
    expect(p.add({ name: "pt", mode: "passthru" })).toMatchObject({ errno: "EINVAL" });
    expect(p.add({ name: "dup", mac: mac(0), mode: "vepa" })).toMatchObject({
      errno: "EADDRINUSE",
    });
    expect(p.add({ name: "low", mac: LOWER, mode: "vepa" })).toMatchObject({ errno: "EADDRINUSE" });
    expect(p.add({ name: "v0", mac: mac(5), mode: "vepa" })).toMatchObject({ errno: "EEXIST" });
    expect(p.setMode("v0", "bridge").ok).toBe(true);
    expect(p.remove("v0").ok).toBe(true);
    expect(p.remove("v0")).toMatchObject({ errno: "ENODEV" });
  });
});
