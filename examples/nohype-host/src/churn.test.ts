import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { interruptRemapEntry } from "@dyninfra/iommu-model";
import { describe, expect, it } from "vitest";
import { runChurn } from "./churn";
import {
  DATA_DIR,
  HOST_DMAR,
  hostConfigFrom,
  LARGEST_HWLOC,
  loadTenants,
  realHostConfig,
} from "./data";
import { NoHypeHost } from "./host";

const present = existsSync(LARGEST_HWLOC);
if (!present)
  console.warn(
    `nohype-host: ${LARGEST_HWLOC} is absent (shared data not beside the repo); churn on the largest topology skipped`,
  );

const vlans = [10, 20, 30];

describe.runIf(present)(
  "churn on the largest real topology (192em64t-12gr2n8c2t, 384 CPUs)",
  () => {
    it("keeps every invariant through 1000 random start/stop events", () => {
      const host = new NoHypeHost(
        hostConfigFrom(
          readFileSync(LARGEST_HWLOC, "utf8"),
          readFileSync(resolve(DATA_DIR, HOST_DMAR)),
          {
            name: "big",
            switchVlans: vlans,
          },
        ),
      );
      expect(host.topology.cpus).toHaveLength(384);
      const first: unknown[] = [];
      const r = runChurn(host, {
        events: 1000,
        seed: 7,
        vlans,
        onViolation: (e, v) => {
          if (first.length === 0) first.push({ e, v });
        },
      });
      expect(first).toEqual([]);
      expect(r.violations).toBe(0);
      expect(r.starts).toBeGreaterThan(300);
      expect(r.stops).toBeGreaterThan(200);
      expect(r.maxRunning).toBeGreaterThan(20);
      // Stop everything: the host returns to its boot state (but the VF bus's context table).
      for (const vm of host.running()) host.stop(vm.tenant.name);
      expect(host.pinner.freeCpus()).toHaveLength(384 - host.housekeeping.length);
      expect(host.freeVfCount()).toBe(63);
    }, 120_000);
  },
);

describe("churn on the bundled host", () => {
  it("keeps every invariant through 300 events, full table walks every 25", () => {
    const tenants = loadTenants();
    const cfg = realHostConfig(tenants);
    const host = new NoHypeHost({ ...cfg, switchVlans: [...cfg.switchVlans, ...vlans] });
    const r = runChurn(host, { events: 300, seed: 3, vlans, fullCheckEvery: 25 });
    expect(r.violations).toBe(0);
    // The small host fills up: refusals are clean values, not errors.
    expect(Object.keys(r.refusals).length).toBeGreaterThan(0);
  }, 180_000);
});

describe("runChurn", () => {
  it("runs the host-wide checks after every event (a planted stray IRTE is reported at each)", () => {
    const tenants = loadTenants();
    const cfg = realHostConfig(tenants);
    const host = new NoHypeHost({ ...cfg, switchVlans: [...cfg.switchVlans, ...vlans] });
    // An entry no VM owns, beyond the ones the churn hands out: a present IRTE that verifies a
    // requester id of no VF (0x0008, 00:01.0) must be reported after every single event.
    host.vtd.setIrte(
      host.vtd.interruptRemapEntries - 1,
      interruptRemapEntry({ vector: 0x30, destinationId: 2, sourceId: 0x0008 }),
    );
    const seen: number[] = [];
    const r = runChurn(host, {
      events: 40,
      seed: 11,
      vlans,
      onViolation: (e, v) => {
        expect(v.map((x) => x.invariant)).toContain("interrupts-confined");
        seen.push(e);
      },
    });
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(r.violations).toBeGreaterThanOrEqual(40);
    expect(r.starts + r.stops + Object.values(r.refusals).reduce((a, b) => a + b, 0)).toBe(40);
  });
});
