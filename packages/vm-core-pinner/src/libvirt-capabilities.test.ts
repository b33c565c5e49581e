import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures } from "../test/data";
import { parseCpuList } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { parseLibvirtCapabilities } from "./libvirt-capabilities";

describe("parseLibvirtCapabilities", () => {
  const xml = readFileSync(path.join(fixtures, "host-capabilities-sample-2s8c2t.xml"), "utf8");
  it("reads cells, sockets, siblings and L3 banks", () => {
    const t = parseLibvirtCapabilities(xml);
    expect(t.cpus).toHaveLength(32);
    expect(t.numaNodes.map((n) => [n.osIndex, n.cpus.length, n.memoryBytes])).toEqual([
      [0, 16, 67108864 * 1024],
      [1, 16, 67108864 * 1024],
    ]);
    expect(t.packages).toHaveLength(2);
    expect(t.l3Caches.map((c) => [c.cpus.length, c.sizeBytes])).toEqual([
      [16, 22 * 1024 * 1024],
      [16, 22 * 1024 * 1024],
    ]);
    // Every core is exactly the `siblings` list the XML gives for its CPUs.
    for (const m of xml.matchAll(/<cpu id='(\d+)'[^>]*siblings='([^']+)'/g)) {
      const core = t.cores.find((c) => c.pus.includes(Number(m[1])));
      expect(core?.pus).toEqual(parseCpuList(m[2] as string));
    }
    // core_id 0 appears in both sockets: still two different cores.
    expect(t.cores.filter((c) => c.coreId === 0)).toHaveLength(2);
  });
  it("treats CPUs without socket_id as offline and cells without CPUs as CPU-less", () => {
    const t = parseLibvirtCapabilities(
      `<capabilities><host><topology><cells num='2'>
        <cell id='0'><memory unit='KiB'>1024</memory><cpus num='3'>
          <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>
          <cpu id='1' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>
          <cpu id='2'/>
        </cpus></cell>
        <cell id='1'><memory unit='KiB'>2048</memory></cell>
      </cells></topology></host></capabilities>`,
    );
    expect(t.offlineCpus).toEqual([2]);
    expect(t.numaNodes[1]?.cpus).toEqual([]);
    expect(t.numaNodes[1]?.memoryBytes).toBe(2048 * 1024);
  });
  it("errors name the line and element", () => {
    try {
      parseLibvirtCapabilities(
        "<capabilities>\n<host>\n<topology>\n<cells>\n<cell id='x'/>\n</cells>\n</topology>\n</host>\n</capabilities>",
      );
      expect.unreachable();
    } catch (e) {
      expect((e as VmCorePinnerError).code).toBe("LIBVIRT_XML_INVALID");
      expect((e as VmCorePinnerError).where.line).toBe(5);
      expect((e as VmCorePinnerError).where.field).toBe("id");
    }
    expect(() => parseLibvirtCapabilities("<capabilities><host/></capabilities>")).toThrow(
      VmCorePinnerError,
    );
  });
});
