import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { arbitraryContextEntry, arbitraryInterruptRemapEntry } from "./testing";
import {
  decodeContextEntry,
  decodeIrte,
  decodeRootEntry,
  decodeSecondLevelEntry,
  encodeContextEntry,
  encodeIrte,
  encodeRootEntry,
  encodeSecondLevelEntry,
} from "./vtd-entries";

const page = fc.integer({ min: 0, max: 2 ** 40 - 1 }).map((p) => p * 4096);

test.prop([arbitraryContextEntry()])("context entries round-trip", (e) => {
  expect(decodeContextEntry(encodeContextEntry(e))).toEqual(e);
});

test.prop([arbitraryInterruptRemapEntry()])("IRTEs round-trip", (e) => {
  expect(decodeIrte(encodeIrte(e))).toEqual(e);
});

test.prop([fc.boolean(), page])("root entries round-trip", (present, contextTablePointer) => {
  expect(decodeRootEntry(encodeRootEntry({ present, contextTablePointer }))).toEqual({
    present,
    contextTablePointer,
  });
});

test.prop([fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), page])(
  "second-level entries round-trip",
  (read, write, pageSize, snoop, address) => {
    const e = { read, write, pageSize, snoop, address };
    expect(decodeSecondLevelEntry(encodeSecondLevelEntry(e))).toEqual(e);
  },
);

test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 })])(
  "decoding any 16 bytes re-encodes the defined bits",
  (b) => {
    const irte = decodeIrte(b);
    const again = encodeIrte(irte);
    // Reserved bits (14:12, 31:24, 127:84) are dropped; every defined bit survives.
    const mask = [0xff, 0x8f, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0];
    expect(Array.from(again)).toEqual(Array.from(b, (x, i) => x & mask[i]!));
    expect(decodeContextEntry(encodeContextEntry(decodeContextEntry(b)))).toEqual(
      decodeContextEntry(b),
    );
  },
);
