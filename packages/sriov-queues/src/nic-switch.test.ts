import { describe, expect, it } from "vitest";
import { parseMac } from "./mac";
import { IXGBE_VLVF_ENTRIES, Ixgbe82599Switch, ixgbeMtaVector, VMOLR_MPE } from "./nic-switch";

const PF = parseMac("00:1b:21:00:00:01");
const VF0 = parseMac("02:00:00:00:00:10");
const VF1 = parseMac("02:00:00:00:00:11");
const EXT = parseMac("02:aa:00:00:00:01");
const BCAST = parseMac("ff:ff:ff:ff:ff:ff");

function nic(numVfs = 4, extra: Partial<ConstructorParameters<typeof Ixgbe82599Switch>[0]> = {}) {
  const n = new Ixgbe82599Switch({ numVfs, pfMac: PF, ...extra });
  expect(n.setVfMac(0, VF0).ok).toBe(true);
  expect(n.setVfMac(1, VF1).ok).toBe(true);
  return n;
}

describe("Rx classifier: destination MAC + VLAN → pool → queue", () => {
  it("unicast lands in the owner's pool; RSS picks the queue inside it", () => {
    const n = nic(4); // 5 pools → 32 × 4
    for (const h of [0, 1, 2, 3, 7]) {
      const rx = n.receive({ dst: VF1, src: EXT, rssHash: h });
      expect(rx.ok && rx.deliveries.map((d) => [d.vf, d.queue])).toEqual([[1, 4 + (h & 3)]]);
      expect(n.classifyQueue(VF1, -1, h)).toBe(4 + (h & 3));
    }
    const pf = n.receive({ dst: PF, src: EXT, rssHash: 3 });
    expect(pf.ok && pf.deliveries[0]!.vf).toBeNull();
    expect(pf.ok && pf.deliveries[0]!.queue).toBe(4 * 4 + 3);
  });

  it("unknown unicast is dropped unless the PF is promiscuous", () => {
    expect(nic().receive({ dst: EXT, src: VF0 })).toEqual({ ok: false, reason: "no-mac-filter" });
    const p = nic(4, { pfPromiscuous: true }).receive({ dst: EXT, src: VF0 });
    expect(p.ok && p.deliveries[0]!.pool).toBe(4);
  });

  it("tagged frames need the VLAN in the VFTA and the pool in its VLVF entry", () => {
    const n = nic();
    expect(n.receive({ dst: VF0, src: EXT, vlan: 100 })).toEqual({
      ok: false,
      reason: "vlan-filter",
    });
    expect(n.vfAddVlan(1, 100).ok).toBe(true);
    expect(n.receive({ dst: VF0, src: EXT, vlan: 100 })).toEqual({
      ok: false,
      reason: "vlan-filter",
    });
    expect(n.vfAddVlan(0, 100).ok).toBe(true);
    expect(n.receive({ dst: VF0, src: EXT, vlan: 100 }).ok).toBe(true);
    expect(n.classifyQueue(VF0, 100, 0)).toBe(0);
    // Priority-tagged (VID 0) counts as untagged.
    expect(n.receive({ dst: VF0, src: EXT, vlan: 0 }).ok).toBe(true);
  });

  it("broadcast is replicated once to every pool with BAM in the VLAN", () => {
    const n = nic(4);
    const rx = n.receive({ dst: BCAST, src: EXT });
    expect(rx.ok && rx.deliveries.map((d) => d.pool)).toEqual([0, 1, 2, 3, 4]);
    expect(n.vfSetXcastMode(2, "none")).toEqual({ ok: true, value: "none" });
    const rx2 = n.receive({ dst: BCAST, src: EXT });
    expect(rx2.ok && rx2.deliveries.map((d) => d.pool)).toEqual([0, 1, 3, 4]);
    n.setVfVlan(3, 7);
    const rx3 = n.receive({ dst: BCAST, src: EXT, vlan: 7 });
    expect(rx3.ok && rx3.deliveries.map((d) => [d.pool, d.strippedVlan])).toEqual([[3, 7]]);
  });

  it("multicast follows ROMPE and the shared MTA, so hash neighbours leak (as on the 82599)", () => {
    const n = nic(4);
    const group = parseMac("01:00:5e:00:00:fb");
    const twin = parseMac("01:00:5e:11:00:fb"); // same bits 47:36 → same MTA bit
    expect(ixgbeMtaVector(group)).toBe(ixgbeMtaVector(twin));
    expect(n.receive({ dst: group, src: EXT })).toEqual({ ok: false, reason: "no-pool-accepts" });
    n.vfSetMulticast(1, [group]);
    const rx = n.receive({ dst: twin, src: EXT });
    expect(rx.ok && rx.deliveries.map((d) => d.pool)).toEqual([1, 4]); // VF1 and the PF (ROMPE)
    expect(n.vfSetXcastMode(0, "allmulti")).toEqual({ ok: true, value: "multi" }); // untrusted
    n.setVfTrust(0, true);
    expect(n.vfSetXcastMode(0, "allmulti")).toEqual({ ok: true, value: "allmulti" });
    const all = n.receive({ dst: parseMac("01:00:5e:7f:00:01"), src: EXT });
    expect(all.ok && all.deliveries.map((d) => d.pool)).toEqual([0]);
    expect(n.vfSetXcastMode(0, "promisc").ok).toBe(false);
    n.setVfTrust(0, false);
    expect(n.receive({ dst: parseMac("01:00:5e:7f:00:01"), src: EXT }).ok).toBe(false);
    expect(VMOLR_MPE).toBe(0x1000_0000);
  });
});

describe("port VLAN (VMVIR) and Tx anti-spoofing", () => {
  it("inserts the port VLAN with the QoS as PCP and strips it on receive", () => {
    const n = nic();
    expect(n.setVfVlan(0, 100, 5).ok).toBe(true);
    const tx = n.transmit(0, { dst: EXT, src: VF0 });
    expect(tx.ok && tx.wire).toEqual({ dst: EXT, src: VF0, vlan: 100, pcp: 5 });
    const rx = n.receive({ dst: VF0, src: EXT, vlan: 100, pcp: 5 });
    expect(rx.ok && rx.deliveries[0]).toMatchObject({
      vf: 0,
      strippedVlan: 100,
      frame: { dst: VF0, src: EXT },
    });
    expect(rx.ok && rx.deliveries[0]!.frame.vlan).toBeUndefined();
    // Untagged frames no longer reach the VF; the VF may not choose VLANs itself.
    expect(n.receive({ dst: VF0, src: EXT }).ok).toBe(false);
    expect(n.vfAddVlan(0, 200)).toMatchObject({ ok: false, errno: "EPERM" });
    expect(n.transmit(0, { dst: EXT, src: VF0, vlan: 100 })).toMatchObject({
      ok: false,
      reason: "vlan-spoof",
    });
    expect(n.setVfVlan(0, 0, 0).ok).toBe(true);
    expect(n.receive({ dst: VF0, src: EXT }).ok).toBe(true);
  });

  it("checks arguments like ixgbe_ndo_set_vf_vlan", () => {
    const n = nic();
    expect(n.setVfVlan(0, 4096)).toMatchObject({ errno: "EINVAL" });
    expect(n.setVfVlan(0, 10, 8)).toMatchObject({ errno: "EINVAL" });
    expect(n.setVfVlan(0, 10, 0, "802.1ad")).toMatchObject({ errno: "EPROTONOSUPPORT" });
    expect(n.setVfVlan(9, 10)).toMatchObject({ errno: "EINVAL" });
  });

  it("drops a foreign source MAC or VLAN with spoofchk on, passes it with spoofchk off", () => {
    const n = nic();
    expect(n.transmit(0, { dst: EXT, src: VF1 })).toMatchObject({ ok: false, reason: "mac-spoof" });
    expect(n.transmit(0, { dst: EXT, src: VF0, vlan: 55 })).toMatchObject({
      ok: false,
      reason: "vlan-spoof",
    });
    n.setVfSpoofchk(0, false);
    expect(n.transmit(0, { dst: EXT, src: VF1 }).ok).toBe(true);
    expect(n.transmit(0, { dst: EXT, src: VF0, vlan: 55 }).ok).toBe(true);
  });

  it("a VF's extra MAC filters are legitimate sources", () => {
    const n = nic();
    const own = parseMac("02:00:00:00:00:12");
    const extra = parseMac("02:00:00:00:01:12");
    expect(n.vfSetMacAddr(2, own).ok).toBe(true); // the VF chose its MAC: no PF lock
    expect(n.vfAddMacFilter(2, extra).ok).toBe(true);
    expect(n.transmit(2, { dst: EXT, src: extra }).ok).toBe(true);
    expect(n.receive({ dst: extra, src: EXT })).toMatchObject({
      ok: true,
      deliveries: [{ vf: 2 }],
    });
  });
});

describe("trust and administratively set MACs", () => {
  it("an untrusted VF cannot replace a PF-set MAC or add filters; a trusted one can", () => {
    const n = nic();
    const other = parseMac("02:00:00:00:00:99");
    expect(n.vfSetMacAddr(0, other)).toMatchObject({ ok: false, errno: "EPERM" });
    expect(n.vfAddMacFilter(0, other)).toMatchObject({ ok: false, errno: "EPERM" });
    n.setVfTrust(0, true);
    expect(n.vfSetMacAddr(0, other).ok).toBe(true);
    expect(n.vfInfo(0).mac).toBe(other);
    // A VF whose MAC the PF never set picks its own.
    expect(n.vfSetMacAddr(2, parseMac("02:00:00:00:00:12")).ok).toBe(true);
  });
  it("a MAC belongs to one pool only", () => {
    const n = nic();
    expect(n.setVfMac(2, VF0)).toMatchObject({ ok: false, errno: "EADDRINUSE" });
    expect(n.setVfMac(2, PF)).toMatchObject({ ok: false, errno: "EADDRINUSE" });
    expect(n.setVfMac(2, parseMac("01:00:5e:00:00:01"))).toMatchObject({ errno: "EINVAL" });
  });
});

describe("capacities", () => {
  it("VLVF holds 64 VLANs; the 65th is refused (ENOSPC)", () => {
    const n = nic();
    for (let v = 1; v <= IXGBE_VLVF_ENTRIES; v++) expect(n.vfAddVlan(0, v).ok).toBe(true);
    expect(n.vfAddVlan(1, 65)).toMatchObject({ ok: false, errno: "ENOSPC" });
    expect(n.vfAddVlan(1, 64).ok).toBe(true); // an existing VLAN only sets a pool bit
    expect(n.setVfVlan(2, 3000)).toMatchObject({ ok: false, errno: "ENOSPC" });
    expect(n.filterUsage().vlvf).toBe(64);
    n.vfRemoveVlan(0, 1);
    expect(n.vfAddVlan(1, 65).ok).toBe(true);
  });
  it("VF MAC filters share 128 − (15 + 1 + numVfs) RAR entries", () => {
    const n = nic(4);
    n.setVfTrust(0, true);
    const budget = 128 - (15 + 1 + 4);
    for (let i = 0; i < budget; i++)
      expect(n.vfAddMacFilter(0, 0x0600_0000_0000 + i).ok).toBe(true);
    expect(n.vfAddMacFilter(0, 0x0600_0000_1000)).toMatchObject({ ok: false, errno: "ENOSPC" });
    expect(n.filterUsage().rar).toBe(1 + 2 + budget);
    n.vfClearMacFilters(0);
    expect(n.filterUsage()).toMatchObject({ rar: 3, vfMacvlans: 0 });
  });
});

describe("link state and rate limiting", () => {
  it("disable stops Rx and Tx; auto follows the PF link; enable ignores it", () => {
    const n = nic();
    n.setVfLinkState(0, "disable");
    expect(n.receive({ dst: VF0, src: EXT })).toEqual({ ok: false, reason: "link-down" });
    expect(n.transmit(0, { dst: EXT, src: VF0 })).toMatchObject({ ok: false, reason: "link-down" });
    n.setVfLinkState(0, "auto");
    n.setVfLinkState(1, "enable");
    n.setLinkUp(false);
    expect(n.receive({ dst: VF0, src: EXT }).ok).toBe(false);
    expect(n.receive({ dst: VF1, src: EXT }).ok).toBe(true);
    expect(n.vfInfo(1).linkState).toBe("enable");
  });

  it("max_tx_rate validates like ixgbe and meters frames at the rate-factor rate", () => {
    const n = nic(4, { rateBurstBytes: 3000 });
    expect(n.setVfRate(0, 10)).toMatchObject({ ok: false, errno: "EINVAL" });
    expect(n.setVfRate(0, 100, 50)).toMatchObject({ ok: false, errno: "EINVAL" });
    expect(n.setVfRate(0, 100).ok).toBe(true); // 100 Mb/s = 12.5 MB/s
    expect(n.rttbcnrc(0)).toBe((0x8000_0000 | (100 << 14)) >>> 0);
    expect(n.transmit(0, { dst: EXT, src: VF0, length: 1500 }, 0n).ok).toBe(true);
    expect(n.transmit(0, { dst: EXT, src: VF0, length: 1500 }, 0n).ok).toBe(true);
    const third = n.transmit(0, { dst: EXT, src: VF0, length: 1500 }, 0n);
    expect(third).toMatchObject({ ok: false, reason: "rate-limited", retryAfterNs: 120_000n });
    expect(n.transmit(0, { dst: EXT, src: VF0, length: 1500 }, 120_000n).ok).toBe(true);
    expect(n.vfInfo(0).maxTxRate).toBe(100);
    n.setLinkUp(false);
    expect(n.setVfRate(1, 100)).toMatchObject({ ok: false, errno: "EINVAL" });
  });
});

describe("embedded switch: VEB loopback vs VEPA", () => {
  it("a reflected group frame never returns to the VF that sent it (ixgbevf source pruning)", () => {
    const n = nic(4, { bridgeMode: "vepa" });
    const tx = n.transmit(0, { dst: BCAST, src: VF0 });
    expect(tx.ok && tx.wire).toEqual({ dst: BCAST, src: VF0 });
    const back = n.receive({ dst: BCAST, src: VF0 }); // the switch hairpins it
    expect(back.ok && back.deliveries.map((d) => d.pool)).toEqual([1, 2, 3, 4]);
  });
  it("VEB loops VF-to-VF unicast back internally; VEPA sends it to the wire", () => {
    const veb = nic(4, { bridgeMode: "veb" });
    const t = veb.transmit(0, { dst: VF1, src: VF0 });
    expect(t.ok && t.wire).toBeNull();
    expect(t.ok && t.local.map((d) => d.vf)).toEqual([1]);
    // A local MAC in a VLAN the destination pool has not joined is not switched locally.
    const other = veb.transmit(1, { dst: VF0, src: VF1, vlan: 30 });
    expect(other).toMatchObject({ ok: false, reason: "vlan-spoof" });
    veb.vfAddVlan(1, 30);
    const out = veb.transmit(1, { dst: VF0, src: VF1, vlan: 30 });
    expect(out.ok && out.wire).toEqual({ dst: VF0, src: VF1, vlan: 30 });
    const vepa = nic(4, { bridgeMode: "vepa" });
    const u = vepa.transmit(0, { dst: VF1, src: VF0 });
    expect(u.ok && u.wire).toEqual({ dst: VF1, src: VF0 });
    expect(u.ok && u.local).toEqual([]);
  });
  it("VEB replicates broadcast locally except to the sender, and sends it out", () => {
    const t = nic(4).transmit(0, { dst: BCAST, src: VF0 });
    expect(t.ok && t.wire).not.toBeNull();
    expect(t.ok && t.local.map((d) => d.pool)).toEqual([1, 2, 3, 4]);
  });
});
