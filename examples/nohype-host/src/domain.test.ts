import { describe, expect, it } from "vitest";
import { loadTenants, realHostConfig } from "./data";
import { domainXml, semanticCheck, vmUuid } from "./domain";
import { NoHypeHost } from "./host";

const tenants = loadTenants();

function running(): NoHypeHost {
  const host = new NoHypeHost(realHostConfig(tenants));
  for (const t of tenants) host.start(t);
  return host;
}

describe("libvirt domain XML", () => {
  it("passes the semantic checks for every tenant", () => {
    const host = running();
    for (const vm of host.running())
      expect(semanticCheck(host, vm, domainXml(host, vm))).toEqual([]);
  });

  it("pins each vCPU to its own host CPU and the emulator to housekeeping", () => {
    const host = running();
    const vm = host.vm("db-b")!;
    const xml = domainXml(host, vm);
    for (const [i, cpu] of vm.cores.vcpuPins.entries())
      expect(xml).toContain(`<vcpupin vcpu='${i}' cpuset='${cpu}'/>`);
    expect(xml).toContain("<emulatorpin cpuset='0-1,12-13'/>");
    expect(xml).toContain("<vcpu placement='static'>6</vcpu>");
    expect(xml).toContain("<memory mode='strict' nodeset='0'/>");
    expect(xml).toContain("<page size='2' unit='MiB' nodeset='0'/>");
    expect(xml).toContain("<locked/>");
    expect(xml).toContain("<driver intremap='on' caching_mode='on'/>");
    // VF 1 of the PF at 07:00.0: RID 0x0700 + 128 + 2 = 0x0782 → 07:10.2
    expect(xml).toContain("bus='0x07' slot='0x10' function='0x2'");
    expect(xml).toContain("<tag id='100'/>");
    // 6 ways of a 12 MiB 16-way L3 = 4.5 MiB
    expect(xml).toContain("<cache id='0' level='3' type='both' size='4608' unit='KiB'/>");
  });

  it("semantic checks catch what the schema cannot", () => {
    const host = running();
    const a = host.vm("web-a")!;
    const b = host.vm("db-b")!;
    const xml = domainXml(host, a);
    const check = (x: string) => semanticCheck(host, a, x).map((p) => p.message);
    expect(check(xml.replace("<vcpupin vcpu='3'", "<vcpupin vcpu='7'"))).toContainEqual(
      expect.stringMatching(/outside 0\.\.3/),
    );
    expect(
      check(
        xml.replace(
          /<vcpupin vcpu='0' cpuset='\d+'\/>/,
          `<vcpupin vcpu='0' cpuset='${b.cores.cpus[0]}'/>`,
        ),
      ),
    ).toContainEqual(expect.stringMatching(/of another VM/));
    expect(
      check(xml.replace(/<vcpupin vcpu='0' cpuset='\d+'\/>/, "<vcpupin vcpu='0' cpuset='99'/>")),
    ).toContainEqual(expect.stringMatching(/not on the host/));
    expect(
      check(
        xml.replace("<memory mode='strict' nodeset='0'/>", "<memory mode='strict' nodeset='1'/>"),
      ),
    ).toContainEqual(expect.stringMatching(/numatune nodeset 1/));
    expect(
      check(
        xml.replace(
          "<emulatorpin cpuset='0-1,12-13'/>",
          `<emulatorpin cpuset='${a.cores.cpus[0]}'/>`,
        ),
      ),
    ).toContainEqual(expect.stringMatching(/emulatorpin on non-housekeeping/));
  });

  it("gives stable RFC 9562 version-5-shaped UUIDs", () => {
    expect(vmUuid("web-a")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(vmUuid("web-a")).toBe(vmUuid("web-a"));
    expect(vmUuid("web-a")).not.toBe(vmUuid("db-b"));
  });
});
