import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { poolQueues } from "./ixgbe-layout";
import { IXGBE_VLVF_ENTRIES, Ixgbe82599Switch } from "./nic-switch";
import { arbitraryEthernetFrame, arbitraryUnicastMac } from "./testing";

const PF = 0x001b_2100_0001;
const NUM_VFS = 6;

/** Reference model: who owns which MAC, which VLANs each pool joined, port VLANs, spoofchk, link. */
interface Model {
  owner: Map<number, number>;
  vfMac: number[];
  vlans: Set<number>[];
  portVlan: number[];
  spoof: boolean[];
  linkDisabled: boolean[];
}

type Real = Ixgbe82599Switch;
type Cmd = fc.Command<Model, Real>;

const pool = fc.integer({ min: 0, max: NUM_VFS - 1 });
const vid = fc.constantFrom(1, 2, 3, 100, 4094);
const mac = arbitraryUnicastMac(12);

function accepts(m: Model, p: number, vlan: number | undefined): boolean {
  if (p < NUM_VFS && m.linkDisabled[p]) return false;
  if (vlan === undefined) return p >= NUM_VFS || m.portVlan[p] === 0;
  return m.vlans[p]!.has(vlan);
}

class SetMac implements Cmd {
  constructor(
    readonly vf: number,
    readonly mac: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    const res = r.setVfMac(this.vf, this.mac);
    const o = m.owner.get(this.mac);
    if (o !== undefined && o !== this.vf) {
      expect(res).toMatchObject({ ok: false, errno: "EADDRINUSE" });
      return;
    }
    expect(res.ok).toBe(true);
    m.owner.delete(m.vfMac[this.vf]!);
    m.owner.set(this.mac, this.vf);
    m.vfMac[this.vf] = this.mac;
  }
  toString = () => `setVfMac(${this.vf}, ${this.mac.toString(16)})`;
}

class AddFilter implements Cmd {
  constructor(
    readonly vf: number,
    readonly mac: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    r.setVfTrust(this.vf, true);
    const res = r.vfAddMacFilter(this.vf, this.mac);
    const o = m.owner.get(this.mac);
    if (o !== undefined && o !== this.vf)
      expect(res).toMatchObject({ ok: false, errno: "EADDRINUSE" });
    else {
      expect(res.ok).toBe(true);
      m.owner.set(this.mac, this.vf);
    }
  }
  toString = () => `vfAddMacFilter(${this.vf}, ${this.mac.toString(16)})`;
}

class AddVlan implements Cmd {
  constructor(
    readonly vf: number,
    readonly vid: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    const res = r.vfAddVlan(this.vf, this.vid);
    if (m.portVlan[this.vf] !== 0) return void expect(res).toMatchObject({ errno: "EPERM" });
    expect(res.ok).toBe(true);
    m.vlans[this.vf]!.add(this.vid);
  }
  toString = () => `vfAddVlan(${this.vf}, ${this.vid})`;
}

class PortVlan implements Cmd {
  constructor(
    readonly vf: number,
    readonly vid: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    expect(r.setVfVlan(this.vf, this.vid, 0).ok).toBe(true);
    // A port VLAN replaces the VF's own VLANs; removing it (ixgbe_disable_port_vlan) removes
    // only the port VLAN, so with none set the VF's own VLAN filters stay.
    if (this.vid !== 0) m.vlans[this.vf] = new Set([this.vid]);
    else if (m.portVlan[this.vf] !== 0) m.vlans[this.vf] = new Set();
    m.portVlan[this.vf] = this.vid;
  }
  toString = () => `setVfVlan(${this.vf}, ${this.vid})`;
}

class Spoof implements Cmd {
  constructor(
    readonly vf: number,
    readonly on: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    r.setVfSpoofchk(this.vf, this.on);
    m.spoof[this.vf] = this.on;
  }
  toString = () => `spoofchk(${this.vf}, ${this.on})`;
}

class Link implements Cmd {
  constructor(
    readonly vf: number,
    readonly disabled: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    r.setVfLinkState(this.vf, this.disabled ? "disable" : "auto");
    m.linkDisabled[this.vf] = this.disabled;
  }
  toString = () => `link(${this.vf}, ${this.disabled ? "disable" : "auto"})`;
}

class Receive implements Cmd {
  constructor(
    readonly dst: number,
    readonly vlan: number | undefined,
    readonly hash: number,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    const res = r.receive({
      dst: this.dst,
      src: 0x0400_0000_0001,
      vlan: this.vlan,
      rssHash: this.hash,
    });
    const owner = this.dst === PF ? NUM_VFS : m.owner.get(this.dst);
    const expected = owner !== undefined && accepts(m, owner, this.vlan) ? owner : undefined;
    if (expected === undefined) return void expect(res.ok).toBe(false);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    // (MAC, VLAN) selects exactly one pool, and the queue lies inside that pool.
    expect(res.deliveries.map((d) => d.pool)).toEqual([expected]);
    const q = poolQueues(r.layout, expected);
    const d = res.deliveries[0]!;
    expect(d.queue >= q.first && d.queue < q.first + q.count).toBe(true);
    expect(r.classifyQueue(this.dst, this.vlan ?? -1, this.hash)).toBe(d.queue);
  }
  toString = () => `receive(${this.dst.toString(16)}, ${this.vlan})`;
}

class Transmit implements Cmd {
  constructor(
    readonly vf: number,
    readonly src: number,
    readonly vlan: number | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real) {
    const res = r.transmit(this.vf, { dst: 0x0400_0000_0001, src: this.src, vlan: this.vlan });
    if (m.linkDisabled[this.vf])
      return void expect(res).toMatchObject({ ok: false, reason: "link-down" });
    if (!m.spoof[this.vf]) return void expect(res.ok).toBe(true);
    const ownMac = m.owner.get(this.src) === this.vf;
    const vlanOk =
      m.portVlan[this.vf] !== 0
        ? this.vlan === undefined
        : this.vlan === undefined || m.vlans[this.vf]!.has(this.vlan);
    // Anti-spoofing: nothing leaves with a foreign source MAC or VLAN.
    expect(res.ok).toBe(ownMac && vlanOk);
    if (res.ok && res.wire !== null && m.portVlan[this.vf] !== 0)
      expect(res.wire.vlan).toBe(m.portVlan[this.vf]);
  }
  toString = () => `transmit(${this.vf}, ${this.src.toString(16)}, ${this.vlan})`;
}

const commands = [
  fc.tuple(pool, mac).map(([p, x]) => new SetMac(p, x)),
  fc.tuple(pool, mac).map(([p, x]) => new AddFilter(p, x)),
  fc.tuple(pool, vid).map(([p, v]) => new AddVlan(p, v)),
  fc.tuple(pool, fc.constantFrom(0, 2, 100)).map(([p, v]) => new PortVlan(p, v)),
  fc.tuple(pool, fc.boolean()).map(([p, b]) => new Spoof(p, b)),
  fc.tuple(pool, fc.boolean()).map(([p, b]) => new Link(p, b)),
  fc
    .tuple(fc.oneof(mac, fc.constant(PF)), fc.option(vid, { nil: undefined }), fc.nat())
    .map(([d, v, h]) => new Receive(d, v, h)),
  fc.tuple(pool, mac, fc.option(vid, { nil: undefined })).map(([p, s, v]) => new Transmit(p, s, v)),
];

test.prop([fc.commands(commands, { maxCommands: 60, size: "large" })], { numRuns: 150 })(
  "model-based: classifier and anti-spoofing agree with a reference model",
  (cmds) => {
    fc.modelRun(
      () => ({
        model: {
          owner: new Map(),
          vfMac: Array(NUM_VFS).fill(0),
          vlans: Array.from({ length: NUM_VFS + 1 }, () => new Set<number>()),
          portVlan: Array(NUM_VFS).fill(0),
          spoof: Array(NUM_VFS).fill(true),
          linkDisabled: Array(NUM_VFS).fill(false),
        },
        real: new Ixgbe82599Switch({ numVfs: NUM_VFS, pfMac: PF }),
      }),
      cmds,
    );
  },
);

test.prop([fc.integer({ min: 0, max: 63 }), fc.constantFrom(1 as const, 4 as const, 8 as const)])(
  "queues of different pools never overlap and stay within the 128 queues",
  (numVfs, numTcs) => {
    const max = numTcs === 8 ? 15 : numTcs === 4 ? 31 : 63;
    fc.pre(numVfs <= max);
    const n = new Ixgbe82599Switch({ numVfs, pfMac: PF, numTcs });
    const seen = new Set<number>();
    for (let p = 0; p < n.layout.poolsInUse; p++) {
      const { first, count } = poolQueues(n.layout, p);
      for (let q = first; q < first + count; q++) {
        expect(seen.has(q)).toBe(false);
        expect(q).toBeLessThan(128);
        seen.add(q);
      }
    }
    expect(n.layout.poolMode * n.layout.queuesPerPool).toBe(128);
  },
);

test.prop([
  fc.array(fc.tuple(pool, fc.integer({ min: 1, max: 4094 })), { maxLength: 120 }),
  fc.array(fc.tuple(pool, mac), { maxLength: 60 }),
])(
  "capacities hold: ≤ 64 VLVF entries, ≤ 128 RAR entries, refusals only when full",
  (vlanOps, macOps) => {
    const n = new Ixgbe82599Switch({ numVfs: NUM_VFS, pfMac: PF });
    const vids = new Set<number>();
    for (const [p, v] of vlanOps) {
      const id = ((v + p * 7) % 4094) + 1; // spread over many VLAN IDs
      const res = n.vfAddVlan(p, id);
      if (res.ok) vids.add(id);
      else expect(res.errno === "ENOSPC" && vids.size === IXGBE_VLVF_ENTRIES).toBe(true);
    }
    for (const [p, x] of macOps) {
      n.setVfTrust(p, true);
      n.vfAddMacFilter(p, x);
    }
    const u = n.filterUsage();
    expect(u.vlvf).toBe(vids.size);
    expect(u.vlvf).toBeLessThanOrEqual(IXGBE_VLVF_ENTRIES);
    expect(u.rar).toBeLessThanOrEqual(128);
    expect(u.vfMacvlans).toBeLessThanOrEqual(u.vfMacvlanBudget);
  },
);

test.prop([fc.array(arbitraryEthernetFrame(), { maxLength: 40 })])(
  "broadcast and multicast reach each accepting pool exactly once",
  (frames) => {
    const n = new Ixgbe82599Switch({ numVfs: NUM_VFS, pfMac: PF });
    n.vfSetMulticast(1, [0x0100_5e00_0001]);
    n.vfAddVlan(2, 100);
    for (const f of frames) {
      const res = n.receive(f);
      if (!res.ok) continue;
      const pools = res.deliveries.map((d) => d.pool);
      expect(new Set(pools).size).toBe(pools.length);
    }
  },
);

const anyNumber = fc.oneof(
  fc.integer({ min: -5, max: 0xffff_ffff_ffff + 5 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5, 2 ** 53),
);

test.prop([
  fc.array(
    fc.record({
      dst: anyNumber,
      src: anyNumber,
      vlan: fc.option(fc.oneof(fc.integer({ min: -3, max: 5000 }), fc.constant(Number.NaN)), {
        nil: undefined,
      }),
      length: fc.option(fc.integer({ min: -10, max: 100_000 }), { nil: undefined }),
      rssHash: fc.option(anyNumber, { nil: undefined }),
    }),
    { maxLength: 30 },
  ),
  fc.integer({ min: -2, max: NUM_VFS + 2 }),
])("garbage frames never crash the data path with a foreign exception", (frames, vf) => {
  const n = new Ixgbe82599Switch({ numVfs: NUM_VFS, pfMac: PF, bridgeMode: "veb" });
  n.setVfMac(0, 0x0200_0000_0001);
  n.setVfRate(0, 100);
  for (const f of frames) {
    const r = n.receive(f);
    expect(typeof r.ok).toBe("boolean");
    n.classifyQueue(f.dst, f.vlan ?? -1, f.rssHash ?? 0);
    try {
      n.transmit(vf, f, 0n);
    } catch (e) {
      expect((e as { code?: string }).code).toBe("VF_OUT_OF_RANGE");
    }
  }
});
