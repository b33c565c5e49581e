import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cachetuneXml, memoryBackingXml, memorytuneXml, memoryXml, numatuneXml } from "./libvirt";
import { PAGE_1G, PAGE_2M, PAGE_4K, type PageSize, uniformHostMemoryMap } from "./memory-map";
import { MemoryPartitioner, type NumaMode } from "./partitioner";
import type { CacheResource } from "./rdt";

// Validates emitted XML with libvirt's own RelaxNG schemas (shared data: Debian libvirt0 9.0.0)
// through xmllint, as virt-xml-validate does. Optional: needs the data and xmllint.
const schemas = path.resolve(
  __dirname,
  "../../../../shared/data/nohype/libvirt/schemas-debian-libvirt0-9.0.0",
);
let xmllint = false;
try {
  execFileSync("xmllint", ["--version"], { stdio: "ignore" });
  xmllint = true;
} catch {
  xmllint = false;
}
const ready = xmllint && existsSync(path.join(schemas, "domain.rng"));
if (!ready)
  console.warn("[mem-partitioner] xmllint or libvirt schemas absent: RelaxNG validation skipped");

const sample = readFileSync(path.resolve(__dirname, "../fixtures/nohype-guest-sample.xml"), "utf8");

function replaceElement(xml: string, tag: string, replacement: string): string {
  const lines = xml.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith(`<${tag}`));
  const end = lines.findIndex(
    (l, i) => i >= start && (l.includes(`</${tag}>`) || (i === start && l.endsWith("/>"))),
  );
  return [...lines.slice(0, start), replacement.replace(/\n$/, ""), ...lines.slice(end + 1)].join(
    "\n",
  );
}

function validate(xml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "mem-partitioner-rng-"));
  try {
    const f = path.join(dir, "domain.xml");
    writeFileSync(f, xml);
    return execFileSync("xmllint", ["--noout", "--relaxng", "domain.rng", f], {
      cwd: schemas,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    return `INVALID: ${String((e as { stderr?: string }).stderr ?? e)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(ready)("emitted XML validates against libvirt's domain.rng", () => {
  const l3: CacheResource = {
    kind: "cache",
    name: "L3",
    cbmMask: 0x7ff,
    minCbmBits: 1,
    numClosids: 16,
    domains: [0, 1],
    cacheSize: 22 * 2 ** 20,
  };
  it.each([
    [PAGE_1G, "strict", [0]],
    [PAGE_2M, "interleave", [0, 1]],
    [PAGE_4K, "preferred", [1]],
  ] as const)(
    "%d-byte pages, %s on %j",
    (pageSize: PageSize, mode: NumaMode, nodeset: readonly number[]) => {
      const host = uniformHostMemoryMap({ nodes: 2, bytesPerNode: 16 * 2 ** 30 });
      const r = new MemoryPartitioner(host).allocate({
        name: "vm",
        size: 8 * 2 ** 30,
        pageSize,
        mode,
        nodeset,
      });
      if (!r.ok) throw new Error(r.error.message);
      let xml = sample;
      xml = replaceElement(xml, "memory", memoryXml(r.value));
      xml = replaceElement(
        xml,
        "currentMemory",
        memoryXml(r.value).replace(/memory/g, "currentMemory"),
      );
      xml = replaceElement(
        xml,
        "memoryBacking",
        memoryBackingXml(r.value, { source: "memfd", access: "private" }),
      );
      xml = replaceElement(xml, "numatune", numatuneXml(r.value));
      xml = replaceElement(
        xml,
        "cachetune",
        cachetuneXml(
          [0, 1, 2, 3],
          [
            { resource: l3, id: 0, cbm: 0x700, type: "code" },
            { resource: l3, id: 0, cbm: 0x0f0, type: "data" },
          ],
        ),
      );
      xml = replaceElement(
        xml,
        "memorytune",
        memorytuneXml(
          [0, 1, 2, 3],
          [
            { id: 0, bandwidth: 40 },
            { id: 1, bandwidth: 70 },
          ],
        ),
      );
      expect(validate(xml)).not.toMatch(/INVALID|fails to validate/);
    },
  );

  it("the checker itself rejects a broken memoryBacking", () => {
    const xml = replaceElement(
      sample,
      "memoryBacking",
      "  <memoryBacking><allocation mode='sometimes'/></memoryBacking>\n",
    );
    expect(validate(xml)).toMatch(/INVALID/);
  });
});
