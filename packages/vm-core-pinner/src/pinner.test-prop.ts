import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  fixtures,
  nohypeData,
  sharedHwlocXml,
  sharedPresent,
  sharedSysfsTarballs,
} from "../test/data";
import { parseHwlocSynthetic } from "./hwloc-synthetic";
import { parseHwlocXml } from "./hwloc-xml";
import { parseLibvirtCapabilities } from "./libvirt-capabilities";
import { CorePinner, type PinPolicy } from "./pinner";
import { loadSysfsDirectory, loadSysfsTarball, parseSysfsDump } from "./sysfs";
import { arbitraryTopology } from "./testing";
import type { Topology } from "./topology";

// Every real topology: bundled fixtures always, the shared data when present.
function realTopologies(): [string, Topology][] {
  const out: [string, Topology][] = [];
  for (const f of readdirSync(fixtures)) {
    const p = path.join(fixtures, f);
    if (f.endsWith(".xml") && f.startsWith("host-capabilities"))
      out.push([f, parseLibvirtCapabilities(readFileSync(p, "utf8"))]);
    else if (f.endsWith(".xml")) out.push([f, parseHwlocXml(readFileSync(p, "utf8"))]);
    else if (f.endsWith(".tar.bz2")) out.push([f, loadSysfsTarball(readFileSync(p))]);
    else if (f.endsWith(".txt")) out.push([f, parseSysfsDump(readFileSync(p, "utf8"))]);
  }
  for (const f of sharedHwlocXml())
    out.push([path.basename(f), parseHwlocXml(readFileSync(f, "utf8"))]);
  for (const { tarball } of sharedSysfsTarballs())
    out.push([path.basename(tarball), loadSysfsTarball(readFileSync(tarball))]);
  if (sharedPresent) {
    const sysfsDir = path.join(nohypeData, "sysfs");
    for (const f of existsSync(sysfsDir) ? readdirSync(sysfsDir).sort() : [])
      if (f.endsWith(".txt"))
        out.push([`shared ${f}`, parseSysfsDump(readFileSync(path.join(sysfsDir, f), "utf8"))]);
    const caps = path.join(nohypeData, "libvirt", "host-capabilities-sample-2s8c2t.xml");
    out.push([
      `libvirt ${path.basename(caps)}`,
      parseLibvirtCapabilities(readFileSync(caps, "utf8")),
    ]);
  }
  // This machine, when it has a readable sysfs.
  if (existsSync("/sys/devices/system/cpu/online"))
    out.push(["live /sys", loadSysfsDirectory("/")]);
  return out;
}
const topologies = realTopologies();
const policies: PinPolicy[] = [
  "kubelet-static",
  "nova-prefer",
  "nova-isolate",
  "nova-require",
  "nohype",
];

interface Model {
  live: Set<string>;
}
type Real = { pinner: CorePinner; topology: Topology };

/** The invariants that must hold after every step. */
function checkInvariants(r: Real) {
  const seen = new Map<number, string>();
  const reserved = new Set(r.pinner.reserved);
  for (const a of r.pinner.allocations()) {
    for (const c of a.cpus) expect(a.owned).toContain(c);
    for (const c of a.owned) {
      expect(seen.has(c)).toBe(false); // no CPU in two VMs
      seen.set(c, a.vm);
      expect(reserved.has(c)).toBe(false);
    }
  }
  if (r.pinner.policy === "nohype") {
    // No core (hence no SMT sibling) is shared: every core is wholly one VM's, the host's, or free.
    for (const core of r.topology.cores) {
      const owners = new Set(
        core.pus.map((p) => seen.get(p) ?? (reserved.has(p) ? "host" : "free")),
      );
      if (owners.has("host"))
        expect([...owners].every((o) => o === "host" || o === "free")).toBe(true);
      const vms = [...owners].filter((o) => o !== "host" && o !== "free");
      expect(vms.length).toBeLessThanOrEqual(1);
      if (vms.length === 1) expect(owners.size).toBe(1);
    }
    // An L3- / NUMA-exclusive VM shares its caches / nodes with no other VM.
    const allocs = r.pinner.allocations();
    for (const a of allocs) {
      for (const b of allocs) {
        if (a.vm === b.vm) continue;
        if (a.l3Exclusive) expect(a.l3Caches.filter((l) => b.l3Caches.includes(l))).toEqual([]);
        if (a.numaExclusive) expect(a.numaNodes.filter((n) => b.numaNodes.includes(n))).toEqual([]);
      }
    }
  }
}

class AllocateCmd implements fc.Command<Model, Real> {
  constructor(
    readonly vm: string,
    readonly vcpus: number,
  ) {}
  check(m: Readonly<Model>) {
    return !m.live.has(this.vm);
  }
  run(m: Model, r: Real) {
    const freeBefore = new Set(r.pinner.freeCpus());
    const res = r.pinner.allocate(this.vm, this.vcpus);
    if (res.ok) {
      m.live.add(this.vm);
      for (const c of res.allocation.owned) expect(freeBefore.has(c)).toBe(true); // allocation ⊆ free
      expect(res.allocation.cpus.length).toBe(this.vcpus);
    } else {
      expect(res.refusal.message.length).toBeGreaterThan(0);
    }
    checkInvariants(r);
  }
  toString() {
    return `allocate(${this.vm}, ${this.vcpus})`;
  }
}
class FreeCmd implements fc.Command<Model, Real> {
  constructor(readonly vm: string) {}
  check(m: Readonly<Model>) {
    return m.live.has(this.vm);
  }
  run(m: Model, r: Real) {
    const a = r.pinner.free(this.vm);
    expect(a?.vm).toBe(this.vm);
    m.live.delete(this.vm);
    const free = new Set(r.pinner.freeCpus());
    for (const c of a?.owned ?? []) expect(free.has(c)).toBe(true);
    checkInvariants(r);
  }
  toString() {
    return `free(${this.vm})`;
  }
}

const vmName = fc.constantFrom("a", "b", "c", "d", "e", "f");
const commands = (maxVcpus: number) =>
  fc.commands(
    [
      fc
        .tuple(vmName, fc.integer({ min: 1, max: maxVcpus }))
        .map(([vm, n]) => new AllocateCmd(vm, n)),
      vmName.map((vm) => new FreeCmd(vm)),
    ],
    { maxCommands: 12 },
  );

function reservedFor(t: Topology, policy: PinPolicy): number[] {
  // Keep the first core for the host, as an operator would.
  return policy === "nova-prefer" ? [] : [...(t.cores[0]?.pus ?? [])];
}

// Each policy with its defaults, plus the options that change placement.
const configs: { policy: PinPolicy; options: string[] }[] = [
  ...policies.map((policy) => ({ policy, options: [] })),
  { policy: "nohype", options: ["l3-exclusive"] },
  { policy: "nohype", options: ["numa-exclusive", "smt-idle"] },
  { policy: "kubelet-static", options: ["full-pcpus-only"] },
  { policy: "kubelet-static", options: ["distribute-cpus-across-numa"] },
];

describe("model-based: allocate/free on every real topology and policy", () => {
  for (const [name, t] of topologies) {
    for (const { policy, options } of configs) {
      const maxVcpus = Math.max(1, Math.min(16, Math.floor(t.cpus.length / 2)));
      const label = options.length > 0 ? `${policy} ${options.join(",")}` : policy;
      test.prop([commands(maxVcpus)], { numRuns: 4 })(`${name} / ${label}`, (cmds) => {
        const real: Real = {
          pinner: new CorePinner(t, { policy, options, reserved: reservedFor(t, policy) }),
          topology: t,
        };
        fc.modelRun(() => ({ model: { live: new Set<string>() }, real }), cmds);
      });
    }
  }
});

const policyArb = fc.constantFrom<PinPolicy>(...policies);
const requestsArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 });

test.prop([arbitraryTopology(), policyArb, requestsArb, fc.integer({ min: 1, max: 8 })], {
  numRuns: 60,
})("free restores the previous state exactly", (t, policy, requests, extra) => {
  const p = new CorePinner(t, { policy, reserved: reservedFor(t, policy) });
  for (const [i, n] of requests.entries()) p.allocate(`vm${i}`, n);
  const before = p.snapshot();
  const r = p.allocate("probe", extra);
  if (r.ok) expect(p.snapshot()).not.toEqual(before);
  p.free("probe");
  expect(p.snapshot()).toEqual(before);
});

test.prop(
  [
    arbitraryTopology(),
    policyArb,
    requestsArb,
    fc.subarray(["l3-exclusive", "numa-exclusive", "smt-idle"]),
  ],
  { numRuns: 40 },
)(
  "deterministic: the same requests give the same allocations",
  (t, policy, requests, nohypeOptions) => {
    const options = policy === "nohype" ? nohypeOptions : [];
    const run = () => {
      const p = new CorePinner(t, { policy, options, reserved: reservedFor(t, policy) });
      return requests.map((n, i) => p.allocate(`vm${i}`, n));
    };
    expect(run()).toEqual(run());
  },
);

test.prop(
  [arbitraryTopology(), requestsArb, fc.subarray(["l3-exclusive", "numa-exclusive", "smt-idle"])],
  { numRuns: 40 },
)(
  "NoHype never shares a core, and exclusive VMs never share an L3 or NUMA node",
  (t, requests, options) => {
    const p = new CorePinner(t, {
      policy: "nohype",
      options,
      reserved: [...(t.cores[0]?.pus ?? [])],
    });
    for (const [i, n] of requests.entries()) p.allocate(`vm${i}`, n);
    checkInvariants({ pinner: p, topology: t });
    const allocs = p.allocations();
    for (const a of allocs) {
      for (const b of allocs) {
        if (a.vm === b.vm) continue;
        if (a.l3Exclusive) expect(a.l3Caches.filter((l) => b.l3Caches.includes(l))).toEqual([]);
        if (a.numaExclusive) expect(a.numaNodes.filter((n) => b.numaNodes.includes(n))).toEqual([]);
      }
    }
  },
);

test.prop([fc.constantFrom("pack:2 numa:4 core:32 pu:2", "pack:1 numa:4 l3:2 core:4 pu:2")], {
  numRuns: 2,
})("a full host: NoHype fills every whole non-housekeeping core", (spec) => {
  const t = parseHwlocSynthetic(spec);
  const p = new CorePinner(t, { policy: "nohype", reserved: [...(t.cores[0]?.pus ?? [])] });
  let i = 0;
  while (p.allocate(`vm${i}`, 2).ok) i++;
  expect(i).toBe(t.cores.length - 1);
  expect(p.fragmentation().freeCores).toBe(0);
});

test.prop(
  [
    arbitraryTopology(),
    fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 8 })), { maxLength: 10 }),
    fc.boolean(),
  ],
  {
    numRuns: 60,
  },
)("NoHype fast path (domain counters) and general path place identically", (t, ops, smtIdle) => {
  // cpuKind 0 filters nothing on these homogeneous machines but forces the general path.
  const fast = new CorePinner(t, { policy: "nohype", reserved: [...(t.cores[0]?.pus ?? [])] });
  const slow = new CorePinner(t, { policy: "nohype", reserved: [...(t.cores[0]?.pus ?? [])] });
  let n = 0;
  for (const [isFree, vcpus] of ops) {
    const live = fast.allocations();
    if (isFree && live.length > 0) {
      const vm = (live[vcpus % live.length] as { vm: string }).vm;
      expect(fast.free(vm)).toEqual(slow.free(vm));
      continue;
    }
    const vm = `vm${n++}`;
    expect(fast.allocate(vm, { vcpus, smtIdle })).toEqual(
      slow.allocate(vm, { vcpus, smtIdle, cpuKind: 0 }),
    );
  }
  expect(fast.snapshot()).toEqual(slow.snapshot());
  expect(fast.fragmentation()).toEqual(slow.fragmentation());
});

describe("on every real topology and policy: deterministic, and free restores the state", () => {
  for (const [name, t] of topologies) {
    for (const policy of policies) {
      const max = Math.max(1, Math.min(8, Math.floor(t.cpus.length / 2)));
      test.prop(
        [
          fc.array(fc.integer({ min: 1, max }), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 1, max }),
        ],
        {
          numRuns: 3,
        },
      )(`${name} / ${policy}`, (requests, probe) => {
        const run = () => {
          const p = new CorePinner(t, { policy, reserved: reservedFor(t, policy) });
          const results = requests.map((n, i) => p.allocate(`vm${i}`, n));
          return { p, results };
        };
        const a = run();
        const b = run();
        expect(a.results).toEqual(b.results);
        const before = a.p.snapshot();
        a.p.allocate("probe", probe);
        a.p.free("probe");
        expect(a.p.snapshot()).toEqual(before);
      });
    }
  }
});
