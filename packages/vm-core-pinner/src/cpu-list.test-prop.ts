import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { formatCpuList, parseCpuList, parseCpuMask } from "./cpu-list";
import { VmCorePinnerError } from "./errors";
import { arbitraryCpuSet } from "./testing";

test.prop([arbitraryCpuSet({ maxCpu: 512, maxSize: 128 })])("parse(format(set)) = set", (set) => {
  expect(parseCpuList(formatCpuList(set))).toEqual(set);
});

test.prop([arbitraryCpuSet({ maxCpu: 512, maxSize: 128 })])(
  "format is canonical: format(parse(s)) = s for s = format(set)",
  (set) => {
    const s = formatCpuList(set);
    expect(formatCpuList(parseCpuList(s))).toBe(s);
  },
);

test.prop([arbitraryCpuSet({ maxCpu: 128 }), arbitraryCpuSet({ maxCpu: 128 })])(
  "the canonical string is injective",
  (a, b) => {
    expect(formatCpuList(a) === formatCpuList(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
  },
);

test.prop([arbitraryCpuSet({ maxCpu: 256 })])("hex masks name the same CPUs as lists", (set) => {
  const words: string[] = [];
  for (let w = 0; w < 8; w++) {
    let v = 0;
    for (const c of set) if (c >> 5 === w) v |= 1 << (c & 31);
    words.unshift((v >>> 0).toString(16).padStart(8, "0"));
  }
  expect(parseCpuMask(words.join(","))).toEqual(set);
});

test.prop([fc.string({ unit: fc.constantFrom(..."0123456789-,:/Nal \n\tx") })])(
  "arbitrary text either parses to sorted distinct CPUs or throws the package error",
  (s) => {
    try {
      const r = parseCpuList(s, { nbits: 64 });
      expect([...r].sort((a, b) => a - b)).toEqual(r);
      expect(new Set(r).size).toBe(r.length);
      for (const c of r) expect(c).toBeLessThan(64);
    } catch (e) {
      expect(VmCorePinnerError.isInstance(e)).toBe(true);
    }
  },
);
