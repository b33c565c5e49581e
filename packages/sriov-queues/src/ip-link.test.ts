import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SriovQueuesError } from "./errors";
import {
  applyVfSettings,
  formatIpLinkSetVf,
  formatVfShowLine,
  parseIpLinkSetVf,
  parseIpLinkShowVfs,
  parseVfShowLine,
  vfShowLine,
} from "./ip-link";
import { parseMac } from "./mac";
import { Ixgbe82599Switch } from "./nic-switch";

const fixture = (name: string) =>
  readFileSync(path.resolve(import.meta.dirname, "../fixtures", name), "utf8");

describe("ip link show: VF lines (real output)", () => {
  it("reads the iproute2 ≥ 4.15 link/ether format and prints it back byte for byte", () => {
    const text = fixture("ip-link-show-link-format.txt");
    const vfs = parseIpLinkShowVfs(text);
    expect(vfs.map((v) => v.vf)).toEqual([0, 1, 2, 3]);
    expect(vfs[0]).toEqual({
      vf: 0,
      format: "link",
      linkType: "ether",
      mac: "92:9e:4a:62:b3:8b",
      broadcast: "ff:ff:ff:ff:ff:ff",
      vlans: [],
      spoofchk: true,
      linkState: "auto",
      trust: false,
      queryRss: false,
    });
    const lines = text.split("\n").filter((l) => /^\s*vf /.test(l));
    expect(vfs.map(formatVfShowLine)).toEqual(lines);
  });

  it("reads the legacy MAC format with a port VLAN", () => {
    const text = fixture("ip-link-show-legacy-format.txt");
    const vfs = parseIpLinkShowVfs(text);
    expect(vfs).toHaveLength(4);
    expect(vfs[3]).toMatchObject({
      vf: 3,
      format: "legacy",
      mac: "fa:16:3e:00:a3:01",
      vlans: [{ vlan: 1000, qos: 0 }],
    });
    const lines = text.split("\n").filter((l) => /^\s*vf /.test(l));
    expect(vfs.map((v) => formatVfShowLine(v).trimStart())).toEqual(
      lines.map((l) => l.trimStart()),
    );
  });

  it("reads tx rate and max_tx_rate", () => {
    const vfs = parseIpLinkShowVfs(fixture("ip-link-show-legacy-rate.txt"));
    expect(vfs[0]).toMatchObject({ txRate: 500, maxTxRate: 500, spoofchk: true, trust: false });
    expect(formatVfShowLine(vfs[0]!)).toBe(
      "    vf 0 MAC 46:26:70:2b:ff:b7, tx rate 500 (Mbps), max_tx_rate 500Mbps, spoof checking on, link-state auto, trust off",
    );
  });

  it("reads the VF counters of ip -s link show", () => {
    const vfs = parseIpLinkShowVfs(fixture("ip-link-show-stats.txt"));
    expect(vfs.map((v) => v.mac)).toEqual(["92:be:3c:24:4a:7d"]);
    expect(vfs[0]!.stats).toEqual({
      rxBytes: 519160,
      rxPackets: 6565,
      multicast: 0,
      broadcast: 6565,
      rxDropped: 0,
      txBytes: 0,
      txPackets: 0,
      txDropped: 0,
    });
    expect(() =>
      parseIpLinkShowVfs(
        "    vf 0 MAC 00:00:00:00:00:00\n    RX: bytes  packets  mcast   bcast \n    1.2M 3 0 0\n",
      ),
    ).toThrowError(/plain counters/);
  });

  it("reports the column of an unknown field", () => {
    try {
      parseVfShowLine("    vf 0 MAC 00:00:00:00:00:00, spoof checking maybe", 7);
      expect.unreachable();
    } catch (e) {
      expect(SriovQueuesError.isInstance(e)).toBe(true);
      if (SriovQueuesError.isInstance(e))
        expect(e.where).toEqual({ offset: 32, line: 7, field: "field" });
    }
    expect(() => parseVfShowLine("    vf x MAC 00")).toThrowError(/not an ip-link VF line/);
  });

  it("prints what the NIC model holds as ixgbe would report it", () => {
    const nic = new Ixgbe82599Switch({ numVfs: 2, pfMac: parseMac("00:1b:21:00:00:01") });
    nic.setVfMac(1, parseMac("fa:16:3e:00:a3:01"));
    nic.setVfVlan(1, 1000);
    expect(formatVfShowLine(vfShowLine(nic, 1, "legacy"))).toBe(
      "    vf 1 MAC fa:16:3e:00:a3:01, vlan 1000, spoof checking on, link-state auto, trust off, query_rss off",
    );
    expect(formatVfShowLine(vfShowLine(nic, 0, "link"))).toBe(
      "    vf 0     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, spoof checking on, link-state auto, trust off, query_rss off",
    );
  });
});

describe("ip link set DEV vf N …", () => {
  it("parses every setting of ip-link(8)", () => {
    const c = parseIpLinkSetVf(
      "ip link set dev enp3s0f0 vf 2 mac 02:00:00:00:00:02 vlan 100 qos 3 proto 802.1Q rate 300 max_tx_rate 400 min_tx_rate 0 spoofchk off query_rss on trust on state disable",
    );
    expect(c).toEqual({
      dev: "enp3s0f0",
      vf: 2,
      settings: {
        mac: parseMac("02:00:00:00:00:02"),
        vlans: [{ vlan: 100, qos: 3, proto: "802.1Q" }],
        rate: 300,
        maxTxRate: 400,
        minTxRate: 0,
        spoofchk: false,
        queryRss: true,
        trust: true,
        state: "disable",
      },
    });
  });

  it("accepts iproute2 abbreviations and the form without `dev`", () => {
    const c = parseIpLinkSetVf([
      "link",
      "set",
      "eth0",
      "vf",
      "0",
      "sp",
      "on",
      "st",
      "auto",
      "t",
      "off",
    ]);
    expect(c.settings).toEqual({ spoofchk: true, state: "auto", trust: false });
  });

  it("generates commands that read back identically", () => {
    const cmd = {
      dev: "eth1",
      vf: 7,
      settings: { vlans: [{ vlan: 5, qos: 0, proto: "802.1ad" as const }], trust: true },
    };
    const argv = formatIpLinkSetVf(cmd);
    expect(argv.join(" ")).toBe("link set dev eth1 vf 7 vlan 5 proto 802.1ad trust on");
    expect(parseIpLinkSetVf(argv)).toEqual(cmd);
  });

  it.each([
    ["ip link set eth0 vf 0", "at least one"],
    ["ip link set eth0 vf 0 vlan 4096", 'invalid "vlan"'],
    ["ip link set eth0 vf 0 mac 00:11", "invalid mac"],
    ["ip link set eth0 vf 0 spoofchk yes", "on or off"],
    ["ip link set eth0 vf 0 state up", "auto, enable or disable"],
    ["ip link set eth0 vf 0 colour red", "unknown vf setting"],
    ["ip link set eth0 vf -1 trust on", 'invalid "vf"'],
    ["ip addr set eth0 vf 0 trust on", 'expected "link"'],
  ])("rejects %j", (command, message) => {
    expect(() => parseIpLinkSetVf(command)).toThrowError(message);
  });

  it("applies settings through the ndo paths and stops at the first errno", () => {
    const nic = new Ixgbe82599Switch({ numVfs: 2, pfMac: parseMac("00:1b:21:00:00:01") });
    const ok = applyVfSettings(
      nic,
      0,
      parseIpLinkSetVf(
        "ip link set eth0 vf 0 mac 02:00:00:00:00:05 vlan 10 qos 2 max_tx_rate 500 trust on",
      ).settings,
    );
    expect(ok.ok).toBe(true);
    expect(nic.vfInfo(0)).toMatchObject({ vlan: 10, qos: 2, maxTxRate: 500, trust: true });
    const bad = applyVfSettings(
      nic,
      0,
      parseIpLinkSetVf("ip link set eth0 vf 0 vlan 10 proto 802.1ad").settings,
    );
    expect(bad).toMatchObject({ ok: false, errno: "EPROTONOSUPPORT" });
    const legacy = applyVfSettings(
      nic,
      1,
      parseIpLinkSetVf("ip link set eth0 vf 1 rate 250").settings,
    );
    expect(legacy.ok && nic.vfInfo(1).maxTxRate).toBe(250);
  });
});
