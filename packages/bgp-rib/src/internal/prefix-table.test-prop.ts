import { fc, test } from "@fast-check/vitest";
import { expect, it } from "vitest";
import { PrefixTable } from "./prefix-table";

const mask = (a: number, len: number): number =>
  len === 0 ? 0 : (a & ((0xffffffff << (32 - len)) >>> 0)) >>> 0;

/** The model: one index per distinct (masked address, length), in first-insertion order. */
function check(keys: [number, number][], t: PrefixTable): void {
  const model = new Map<string, number>();
  for (const [a0, len] of keys) {
    const a = mask(a0, len);
    const k = `${a}/${len}`;
    const known = model.get(k);
    // A lookup without create finds exactly what was inserted before.
    expect(t.index4(a, len, false)).toBe(known ?? -1);
    const i = t.index4(a, len, true);
    if (known === undefined) {
      expect(i).toBe(model.size);
      model.set(k, i);
    } else expect(i).toBe(known);
    expect(t.addr[i]).toBe(a);
    expect(t.length[i]).toBe(len);
  }
  expect(t.count).toBe(model.size);
  for (const [k, i] of model) {
    const [a, len] = k.split("/").map(Number) as [number, number];
    expect(t.index4(a, len, false)).toBe(i);
  }
}

test.prop(
  [
    fc.array(fc.tuple(fc.oneof(fc.nat(15), fc.nat(0xffffffff)), fc.integer({ min: 0, max: 32 })), {
      maxLength: 300,
    }),
  ],
  { numRuns: 200 },
)("IPv4 prefix → index: dense, stable, one per prefix (model: a Map)", (keys) => {
  check(keys, new PrefixTable());
});

it("keeps every index through many rehashes (150k prefixes, clustered and random)", () => {
  let x = 12345;
  const rnd = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  const keys: [number, number][] = [];
  for (let i = 0; i < 100_000; i++) keys.push([(0x0a000000 + i * 256) >>> 0, 24]);
  for (let i = 0; i < 50_000; i++) keys.push([rnd(), 8 + (rnd() % 25)]);
  for (let i = 0; i < 20_000; i++) keys.push(keys[rnd() % keys.length]!);
  check(keys, new PrefixTable());
});

it("IPv6 prefixes stay out of the IPv4 slots through rehashes", () => {
  const t = new PrefixTable();
  const v6 = [32, 48, 64].map((length) => t.index({ afi: 2, address: "2001:db8::", length }, true));
  const keys: [number, number][] = [];
  for (let i = 0; i < 60_000; i++) keys.push([(0x0b000000 + i * 256) >>> 0, 24]);
  for (const [a, len] of keys) t.index4(a, len, true);
  // Their indices hold address 0 and their length: as IPv4 keys they must not be found.
  for (const len of [32, 48, 64]) expect(t.index4(0, Math.min(len, 32), false)).toBe(-1);
  expect(
    [32, 48, 64].map((length) => t.index({ afi: 2, address: "2001:db8::", length }, false)),
  ).toEqual(v6);
  expect(t.index4(0x0b000100, 24, false)).toBe(4);
});
