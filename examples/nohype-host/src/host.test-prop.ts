import { formatMac } from "@dyninfra/sriov-queues";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { checkHost } from "./checks";
import { loadTenants, realHostConfig } from "./data";
import { NoHypeHost } from "./host";
import type { Tenant } from "./tenants";

const cfg = realHostConfig(loadTenants());
const vlans = cfg.switchVlans;

interface Model {
  running: Set<string>;
}

const arbTenant = (name: string): fc.Arbitrary<Tenant> =>
  fc
    .record({
      name: fc.constant(name),
      vcpus: fc.integer({ min: 1, max: 8 }),
      memoryMiB: fc.integer({ min: 1, max: 24 }).map((n) => n * 256),
      pageSize: fc.constantFrom<"4K" | "2M">("2M", "2M", "4K"),
      l3Ways: fc.integer({ min: 1, max: 6 }),
      memBandwidthPercent: fc.constantFrom(10, 20, 30, 50),
      nics: fc.array(
        fc.record({
          mac: fc.integer({ min: 1, max: 0xffff }).map((n) => formatMac(0x0200_0000_0000 + n)),
          vlan: fc.constantFrom(...vlans),
          qos: fc.integer({ min: 0, max: 7 }),
          maxTxRateMbps: fc.constantFrom(100, 1000, 5000),
        }),
        { maxLength: 2 },
      ),
    })
    .map((t) => (t.pageSize === "4K" ? { ...t, memoryMiB: Math.min(t.memoryMiB, 256) } : t));

class StartCmd implements fc.Command<Model, NoHypeHost> {
  constructor(readonly tenant: Tenant) {}
  check(): boolean {
    return true;
  }
  run(m: Model, host: NoHypeHost): void {
    const before = host.fingerprint();
    const r = host.start(this.tenant);
    if (r.ok) {
      expect(m.running.has(this.tenant.name)).toBe(false);
      m.running.add(this.tenant.name);
    } else {
      // A refusal (duplicate name, no room, MAC in use, …) leaks nothing.
      expect(host.fingerprint()).toBe(before);
    }
    expect([...host.running().map((v) => v.tenant.name)].sort()).toEqual([...m.running].sort());
    expect(checkHost(host, { dmaSamples: 8 })).toEqual([]);
  }
  toString(): string {
    return `start(${this.tenant.name}: ${this.tenant.vcpus} vCPU, ${this.tenant.memoryMiB} MiB ${this.tenant.pageSize}, ${this.tenant.nics.length} NICs)`;
  }
}

class StopCmd implements fc.Command<Model, NoHypeHost> {
  constructor(readonly name: string) {}
  check(): boolean {
    return true;
  }
  run(m: Model, host: NoHypeHost): void {
    expect(host.stop(this.name)).toBe(m.running.has(this.name));
    m.running.delete(this.name);
    expect(checkHost(host, { dmaSamples: 8 })).toEqual([]);
  }
  toString(): string {
    return `stop(${this.name})`;
  }
}

const names = ["a", "b", "c", "d", "e", "f"];
const commands = [
  fc
    .constantFrom(...names)
    .chain(arbTenant)
    .map((t) => new StartCmd(t)),
  fc.constantFrom(...names).map((n) => new StopCmd(n)),
];

test.prop([fc.commands(commands, { maxCommands: 14 })], { numRuns: 25 })(
  "any start/stop sequence keeps every host invariant, and stopping all restores the boot state",
  (cmds) => {
    const host = new NoHypeHost(cfg);
    const boot = JSON.parse(host.fingerprint());
    fc.modelRun(() => ({ model: { running: new Set<string>() }, real: host }), cmds);
    for (const vm of host.running()) host.stop(vm.tenant.name);
    const end = JSON.parse(host.fingerprint());
    for (const k of ["domains", "tableFrames"]) {
      delete end[k];
      delete boot[k];
    }
    expect(end).toEqual(boot);
  },
  60_000,
);
