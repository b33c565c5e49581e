import { describe, expect, it } from "vitest";
import { loadTenants } from "./data";
import { NohypeHostError } from "./errors";
import { parseTenantsJson } from "./tenants";

describe("tenants file", () => {
  it("reads the bundled tenants", () => {
    const t = loadTenants();
    expect(t.map((x) => x.name)).toEqual(["web-a", "db-b", "batch-c", "cache-d"]);
    expect(t[1]!.nics.map((n) => n.vlan)).toEqual([100, 200]);
  });

  it("fills defaults", () => {
    const [t] = parseTenantsJson('{"tenants":[{"name":"a","vcpus":2,"memoryMiB":1024}]}');
    expect(t).toMatchObject({ pageSize: "4K", l3Ways: 1, memBandwidthPercent: 10, nics: [] });
  });

  it.each([
    ['{"tenants":[{"name":"a","vcpus":0,"memoryMiB":1}]}', "tenants[0].vcpus"],
    ['{"tenants":[{"name":"a","vcpus":1,"memoryMiB":3,"pageSize":"2M"}]}', "tenants[0].memoryMiB"],
    ['{"tenants":[{"name":"a","vcpus":1,"memoryMiB":2,"pageSize":"3M"}]}', "tenants[0].pageSize"],
    [
      '{"tenants":[{"name":"a","vcpus":1,"memoryMiB":2,"nics":[{"mac":"01:00:5e:00:00:01","vlan":1,"maxTxRateMbps":100}]}]}',
      "tenants[0].nics[0].mac",
    ],
    [
      '{"tenants":[{"name":"a","vcpus":1,"memoryMiB":2,"nics":[{"mac":"02:00:00:00:00:01","vlan":4095,"maxTxRateMbps":100}]}]}',
      "tenants[0].nics[0].vlan",
    ],
    [
      '{"tenants":[{"name":"a","vcpus":1,"memoryMiB":2},{"name":"a","vcpus":1,"memoryMiB":2}]}',
      "tenants[1].name",
    ],
    ['{"tenant":[]}', "tenants"],
  ])("refuses %s at %s", (text, field) => {
    try {
      parseTenantsJson(text);
      expect.unreachable();
    } catch (e) {
      expect(NohypeHostError.isInstance(e)).toBe(true);
      expect((e as NohypeHostError).where.field).toBe(field);
    }
  });

  it("says where malformed JSON breaks", () => {
    try {
      parseTenantsJson('{\n  "tenants": [\n    {,\n');
      expect.unreachable();
    } catch (e) {
      expect((e as NohypeHostError).code).toBe("BAD_JSON");
      expect((e as NohypeHostError).where.line).toBe(3);
    }
  });
});
