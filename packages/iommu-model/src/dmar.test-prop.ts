import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { acpiChecksum, decodeDmar, encodeDmar } from "./dmar";
import { dumpDmar } from "./dmar-dump";
import { dmarFromJson, dmarToJson } from "./dmar-json";
import { IommuModelError } from "./errors";
import { arbitraryDmarTable } from "./testing";

const fixtures = path.resolve(__dirname, "../fixtures");
const realTables = readdirSync(fixtures)
  .filter((f) => f.endsWith(".dmar.bin"))
  .map((f) => new Uint8Array(readFileSync(path.join(fixtures, f))));

function onlyPackageErrors(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!IommuModelError.isInstance(e)) throw e;
  }
}

test.prop([arbitraryDmarTable()])("decode(encode(t)) = t with the checksum recomputed", (t) => {
  const bytes = encodeDmar(t);
  const back = decodeDmar(bytes);
  expect(back).toEqual({ ...t, checksum: bytes[9] });
  expect(acpiChecksum(bytes)).toBe(bytes[9]);
});

test.prop([arbitraryDmarTable()])("encode(decode(b)) = b for every encoded table", (t) => {
  const bytes = encodeDmar(t);
  expect(Buffer.from(encodeDmar(decodeDmar(bytes))).equals(Buffer.from(bytes))).toBe(true);
});

test.prop([arbitraryDmarTable()])("the JSON form round-trips and the dump never throws", (t) => {
  const json = JSON.parse(JSON.stringify(dmarToJson(t)));
  expect(dmarFromJson(json)).toEqual(t);
  expect(dumpDmar(t).split("\n")[0]).toContain('"DMAR"');
});

test.prop([fc.uint8Array({ maxLength: 200 })])(
  "arbitrary bytes only ever throw IommuModelError",
  (bytes) => {
    onlyPackageErrors(() => decodeDmar(bytes, { verifyChecksum: false }));
    onlyPackageErrors(() => decodeDmar(bytes));
  },
);

test.prop(
  [
    fc.constantFrom(...realTables),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
    fc.nat(),
  ],
  { numRuns: 300 },
)(
  "mutated real tables decode or throw IommuModelError, and what decodes re-encodes",
  (orig, edits, fix, cut) => {
    const bytes = orig.slice(0, cut % 3 === 0 ? orig.length - (cut % 17) : orig.length);
    for (const [at, v] of edits) bytes[at % bytes.length] = v;
    if (fix) bytes[9] = acpiChecksum(bytes);
    onlyPackageErrors(() => {
      const t = decodeDmar(bytes, { verifyChecksum: false });
      dumpDmar(t);
      const again = decodeDmar(encodeDmar(t, { keepChecksum: true }), { verifyChecksum: false });
      expect(again).toEqual(t);
    });
  },
);

test.prop([fc.jsonValue()])(
  "dmarFromJson on arbitrary JSON only throws IommuModelError",
  (json) => {
    onlyPackageErrors(() => encodeDmar(dmarFromJson(json)));
  },
);
