import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTenants, realHostConfig } from "../src/data";
import { runDemo } from "../src/demo";

// CI installs libvirt-clients (virt-xml-validate) and libxml2-utils (xmllint) for this test.
describe("virt-xml-validate", () => {
  it("accepts every domain XML the demo emits", () => {
    const tenants = loadTenants();
    const r = runDemo(realHostConfig(tenants), tenants);
    const xmls = Object.entries(r.files).filter(([n]) => n.endsWith(".xml"));
    expect(xmls.length).toBe(tenants.length);
    const dir = mkdtempSync(join(tmpdir(), "nohype-xml-"));
    try {
      for (const [name, text] of xmls) {
        const path = join(dir, name);
        writeFileSync(path, text);
        const v = spawnSync("virt-xml-validate", [path, "domain"], { encoding: "utf8" });
        expect(v.error, "virt-xml-validate must be installed (libvirt-clients)").toBeUndefined();
        expect(`${v.stdout}${v.stderr}`.trim()).toBe(`${path} validates`);
        expect(v.status).toBe(0);
      }
      // The validator must be able to fail: a pin without its vcpu attribute is not a domain.
      const broken = join(dir, "broken.xml");
      writeFileSync(broken, xmls[0]![1].replace("<vcpupin vcpu='0'", "<vcpupin"));
      expect(spawnSync("virt-xml-validate", [broken, "domain"]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
