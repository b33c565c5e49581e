import { describe, expect, it } from "vitest";
import {
  createSriovPf,
  formatPciAddress,
  ixgbeDriver,
  kstrtou16,
  parsePciAddress,
  readSriovAttribute,
  type SriovPf,
  vfAddress,
  vfRoutingId,
  writeSriovNumvfs,
} from "./sriov-pf";

function must(pf: SriovPf, text: string): SriovPf {
  const r = writeSriovNumvfs(pf, text);
  if (!r.ok) throw new Error(`${text}: ${r.errno}`);
  return r.value;
}

describe("kstrtou16 (lib/kstrtox.c semantics)", () => {
  it.each([
    ["8", 8],
    ["8\n", 8],
    ["+8", 8],
    ["0x3f", 63],
    ["0X3F\n", 63],
    ["010", 8],
    ["0", 0],
    ["65535", 65535],
  ])("accepts %j as %d", (text, value) => {
    expect(kstrtou16(text)).toEqual({ ok: true, value });
  });
  it.each(["", "\n", "-1", "abc", "8 ", " 8", "8\n\n", "08", "0x", "1e3"])(
    "rejects %j with EINVAL",
    (text) => {
      const r = kstrtou16(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errno).toBe("EINVAL");
    },
  );
  it("rejects values above 65535 with ERANGE", () => {
    const r = kstrtou16("65536");
    expect(r.ok ? "ok" : r.errno).toBe("ERANGE");
  });
});

describe("sriov_numvfs_store (drivers/pci/iov.c)", () => {
  it("ixgbe limits sriov_totalvfs to 63 although the 82599 capability says 64", () => {
    const pf = createSriovPf({ driver: ixgbeDriver() });
    expect(pf.totalVfs).toBe(64);
    expect(readSriovAttribute(pf, "sriov_totalvfs")).toBe("63\n");
    expect(readSriovAttribute(pf, "sriov_offset")).toBe("128\n");
    expect(readSriovAttribute(pf, "sriov_stride")).toBe("2\n");
    expect(readSriovAttribute(pf, "sriov_vf_device")).toBe("10ed\n");
  });

  it("walks the state machine: ERANGE, enable, EBUSY, no-op, disable, re-enable", () => {
    let pf = createSriovPf({ driver: ixgbeDriver() });
    const tooMany = writeSriovNumvfs(pf, "64");
    expect(tooMany.ok ? "ok" : tooMany.errno).toBe("ERANGE");
    pf = must(pf, "8\n");
    expect(readSriovAttribute(pf, "sriov_numvfs")).toBe("8\n");
    const busy = writeSriovNumvfs(pf, "4");
    expect(busy.ok).toBe(false);
    if (!busy.ok) {
      expect(busy.errno).toBe("EBUSY");
      expect(busy.message).toBe("8 VFs already enabled. Disable before enabling 4 VFs");
    }
    expect(must(pf, "8")).toBe(pf); // same value: nothing happens, success
    pf = must(pf, "0");
    expect(pf.numVfs).toBe(0);
    pf = must(pf, "4");
    expect(pf.numVfs).toBe(4);
  });

  it("parse errors come before every other check", () => {
    const pf = createSriovPf({ driver: null });
    const r = writeSriovNumvfs(pf, "x");
    expect(r.ok ? "ok" : r.errno).toBe("EINVAL");
  });

  it("ENOENT without a driver or without sriov_configure; still ERANGE first", () => {
    const none = createSriovPf({ driver: null });
    const r1 = writeSriovNumvfs(none, "1");
    expect(r1.ok ? "ok" : r1.errno).toBe("ENOENT");
    const r2 = writeSriovNumvfs(none, "65");
    expect(r2.ok ? "ok" : r2.errno).toBe("ERANGE");
    const noCb = createSriovPf({ driver: { name: "igbvf-like" } });
    const r3 = writeSriovNumvfs(noCb, "1");
    expect(r3.ok ? "ok" : r3.errno).toBe("ENOENT");
    // Writing the current value (0) succeeds even without a driver: the no-op check comes first.
    expect(writeSriovNumvfs(none, "0").ok).toBe(true);
  });

  it("ixgbe refuses more VFs than the pools left by the traffic classes (EPERM)", () => {
    const pf4 = createSriovPf({ driver: ixgbeDriver({ numTcs: 4 }) });
    expect(writeSriovNumvfs(pf4, "31").ok).toBe(true);
    const r = writeSriovNumvfs(pf4, "32");
    expect(r.ok ? "ok" : r.errno).toBe("EPERM");
    const pf8 = createSriovPf({ driver: ixgbeDriver({ numTcs: 8 }) });
    expect(writeSriovNumvfs(pf8, "15").ok).toBe(true);
    expect(writeSriovNumvfs(pf8, "16").ok).toBe(false);
    const withMacvlans = createSriovPf({ driver: ixgbeDriver({ pfPools: 4 }) });
    expect(writeSriovNumvfs(withMacvlans, "61").ok).toBe(false);
    expect(writeSriovNumvfs(withMacvlans, "60").ok).toBe(true);
  });

  it("ixgbe refuses to disable VFs assigned to guests", () => {
    const pf = must(createSriovPf({ driver: ixgbeDriver({ vfsAssigned: true }) }), "2");
    const r = writeSriovNumvfs(pf, "0");
    expect(r.ok ? "ok" : r.errno).toBe("EPERM");
  });
});

describe("VF routing IDs (First VF Offset + n × VF Stride)", () => {
  it("82599 port 0 at 3b:00.0 puts VFs at 3b:10.0, 3b:10.2, …", () => {
    const pf = must(createSriovPf({ driver: ixgbeDriver() }), "63");
    expect(formatPciAddress(vfAddress(pf, 0))).toBe("0000:3b:10.0");
    expect(formatPciAddress(vfAddress(pf, 1))).toBe("0000:3b:10.2");
    expect(formatPciAddress(vfAddress(pf, 3))).toBe("0000:3b:10.6");
    expect(formatPciAddress(vfAddress(pf, 62))).toBe("0000:3b:1f.4");
    expect(vfRoutingId(pf, 0)).toBe(0x3b80);
  });

  it("port 1 (function 1) interleaves: 82:00.1 → 82:10.1 (as lspci shows for an 82576)", () => {
    const pf = must(
      createSriovPf({ address: parsePciAddress("0000:82:00.1"), driver: ixgbeDriver() }),
      "1",
    );
    expect(formatPciAddress(vfAddress(pf, 0))).toBe("0000:82:10.1");
  });

  it("an offset beyond the bus moves VFs to the next bus, and past bus 255 is an error", () => {
    const pf = must(
      createSriovPf({
        firstVfOffset: 0x180,
        driver: ixgbeDriver(),
        address: parsePciAddress("05:00.0"),
      }),
      "2",
    );
    expect(formatPciAddress(vfAddress(pf, 1))).toBe("0000:06:10.2");
    const high = must(
      createSriovPf({
        firstVfOffset: 0x180,
        driver: ixgbeDriver(),
        address: parsePciAddress("ff:00.0"),
      }),
      "1",
    );
    expect(() => vfRoutingId(high, 0)).toThrowError(/beyond bus 255/);
    expect(() => vfRoutingId(pf, 2)).toThrowError(/not enabled/);
  });

  it("rejects malformed PCI addresses", () => {
    expect(() => parsePciAddress("3b:20.0")).toThrowError(/bad PCI address/);
    expect(() => parsePciAddress("3b:00.8")).toThrowError(/not a PCI address/);
  });
});
