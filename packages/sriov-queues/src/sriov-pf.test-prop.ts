import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import {
  createSriovPf,
  ixgbeDriver,
  kstrtou16,
  type SriovPf,
  vfRoutingId,
  writeSriovNumvfs,
} from "./sriov-pf";

interface Model {
  numVfs: number;
}
interface Real {
  pf: SriovPf;
}

/** echo N > sriov_numvfs, checked against the iov.c decision table. */
class Write implements fc.Command<Model, Real> {
  constructor(readonly n: number) {}
  check = () => true;
  run(m: Model, r: Real) {
    const res = writeSriovNumvfs(r.pf, `${this.n}\n`);
    let expected: string;
    if (this.n > 63) expected = "ERANGE";
    else if (this.n === m.numVfs) expected = "ok";
    else if (this.n !== 0 && m.numVfs !== 0) expected = "EBUSY";
    else expected = "ok";
    expect(res.ok ? "ok" : res.errno).toBe(expected);
    if (res.ok) {
      r.pf = res.value;
      m.numVfs = this.n;
    }
    expect(r.pf.numVfs).toBe(m.numVfs);
  }
  toString = () => `write(${this.n})`;
}

test.prop([
  fc.commands([fc.integer({ min: 0, max: 70 }).map((n) => new Write(n))], {
    maxCommands: 40,
    size: "large",
  }),
])("model-based: sriov_numvfs follows the kernel state machine", (cmds) => {
  fc.modelRun(
    () => ({ model: { numVfs: 0 }, real: { pf: createSriovPf({ driver: ixgbeDriver() }) } }),
    cmds,
  );
});

test.prop([fc.string()])(
  "kstrtou16 never throws and only accepts what Number() agrees with",
  (s) => {
    const r = kstrtou16(s);
    if (r.ok) {
      expect(r.value).toBeGreaterThanOrEqual(0);
      expect(r.value).toBeLessThanOrEqual(0xffff);
    } else expect(["EINVAL", "ERANGE"]).toContain(r.errno);
  },
);

test.prop([fc.integer({ min: 0, max: 0xffff })])("decimal, hex and octal spellings agree", (n) => {
  expect(kstrtou16(`${n}`)).toEqual({ ok: true, value: n });
  expect(kstrtou16(`0x${n.toString(16)}\n`)).toEqual({ ok: true, value: n });
  expect(kstrtou16(`0${n.toString(8)}`)).toEqual({ ok: true, value: n });
});

test.prop([
  fc.integer({ min: 1, max: 63 }),
  fc.integer({ min: 0, max: 0x3f }),
  fc.integer({ min: 1, max: 4 }),
])(
  "VF routing IDs are distinct, increasing by the stride, and never the PF's",
  (numVfs, bus, stride) => {
    const r = writeSriovNumvfs(
      createSriovPf({
        driver: ixgbeDriver(),
        vfStride: stride,
        address: { domain: 0, bus, device: 0, function: 0 },
      }),
      `${numVfs}`,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ids = Array.from({ length: numVfs }, (_, i) => vfRoutingId(r.value, i));
    expect(new Set(ids).size).toBe(numVfs);
    ids.forEach((id, i) => {
      expect(id).toBe((bus << 8) + 128 + i * stride);
      expect(id).not.toBe(bus << 8);
    });
  },
);
