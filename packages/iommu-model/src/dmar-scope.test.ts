import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeDmar } from "./dmar";
import { findDrhd, findRmrrs, platformCapabilities, proximityDomainOf } from "./dmar-scope";

const fixture = (name: string) =>
  decodeDmar(readFileSync(path.resolve(__dirname, "../fixtures", name)));

describe("device → remapping unit, RMRR and proximity domain (real tables)", () => {
  const latitude = fixture("Notebook_Dell_Latitude_9420_8A77983183EB.dmar.bin");

  it("the iGPU 00:02.0 has its own unit and an RMRR (Dell Latitude 9420 as iasl shows it)", () => {
    expect(findDrhd(latitude, { segment: 0, sourceId: 0x0010 })?.registerBaseAddress).toBe(
      0xfed90000n,
    );
    expect(findDrhd(latitude, { segment: 0, sourceId: 0x0028 })?.registerBaseAddress).toBe(
      0xfed92000n,
    );
    const rmrr = findRmrrs(latitude, { segment: 0, sourceId: 0x0010 });
    expect(rmrr.map((r) => [r.baseAddress, r.limitAddress])).toEqual([[0x6c000000n, 0x707fffffn]]);
    expect(findRmrrs(latitude, { segment: 0, sourceId: 0x0028 })).toEqual([]);
  });

  it("other devices fall to the INCLUDE_PCI_ALL unit; bridge scopes cover their bus range", () => {
    expect(findDrhd(latitude, { segment: 0, sourceId: 0x00a0 })?.registerBaseAddress).toBe(
      0xfed91000n,
    );
    expect(findDrhd(latitude, { segment: 0, sourceId: 0x0500 })?.registerBaseAddress).toBe(
      0xfed91000n,
    );
    const buses = (s: { path: readonly { device: number; function: number }[] }) =>
      s.path[0]?.device === 7 && s.path[0]?.function === 0 ? ([1, 0x2b] as const) : undefined;
    expect(findDrhd(latitude, { segment: 0, sourceId: 0x0500 }, buses)?.registerBaseAddress).toBe(
      0xfed84000n,
    );
    expect(findDrhd(latitude, { segment: 0, sourceId: 0x0038 })?.registerBaseAddress).toBe(
      0xfed84000n,
    );
    expect(findDrhd(latitude, { segment: 1, sourceId: 0x0010 })).toBeUndefined();
  });

  it("RHSA proximity domains and header capabilities (Supermicro X10DAi)", () => {
    const x10 = fixture("Desktop_Supermicro_X10DAi_4A64A6094FE3.dmar.bin");
    expect(proximityDomainOf(x10, 0xfbffc000n)).toBe(1);
    expect(proximityDomainOf(x10, 0xf3ffc000n)).toBe(0);
    expect(proximityDomainOf(x10, 0xf3ffd000n)).toBeUndefined();
    expect(platformCapabilities(x10)).toEqual({ hostAddressWidth: 46, interruptRemapping: true });
    expect(platformCapabilities(latitude)).toEqual({
      hostAddressWidth: 39,
      interruptRemapping: true,
    });
  });
});
