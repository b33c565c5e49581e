import { readFileSync } from "node:fs";
import path from "node:path";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { FIXTURES } from "../test/references";
import { BgpWireError } from "./errors";
import type { MrtRecord } from "./mrt";
import { decodeMrt } from "./mrt-reader";
import { encodeMrt, encodeRibEntryAttributes, type MrtWriteRecord } from "./mrt-writer";
import { arbitraryMrtWriteRecords } from "./testing";

/** What a decoded record must reproduce of the record written. */
function essence(r: MrtRecord | MrtWriteRecord): unknown {
  const { header, ...rest } = r as {
    header: { timestamp: number; microseconds?: number };
  } & Record<string, unknown>;
  const out: Record<string, unknown> = {
    ...rest,
    timestamp: header.timestamp,
    microseconds: header.microseconds,
  };
  delete out.rawAttributes;
  delete out.rawMessage;
  delete out.errors;
  delete out.afi_;
  if (r.kind === "RIB") {
    out.entries = r.entries.map(({ rawAttributes: _, ...e }) => e);
    out.safi = r.safi ?? 1;
    delete out.afi;
  }
  if (r.kind === "BGP4MP_MESSAGE") out.local = r.local === true;
  return out;
}

test.prop([arbitraryMrtWriteRecords()], { numRuns: 100 })(
  "decodeMrt(encodeMrt(records)) = records",
  (records) => {
    const decoded = [...decodeMrt(encodeMrt(records))];
    expect(decoded.map(essence)).toEqual(records.map(essence));
  },
);

test.prop([arbitraryMrtWriteRecords()], { numRuns: 100 })(
  "RIB entries given encodeRibEntryAttributes(attributes) as rawAttributes encode to the same bytes",
  (records) => {
    const raw = records.map((r) =>
      r.kind === "RIB"
        ? {
            ...r,
            entries: r.entries.map((e) => ({
              ...e,
              rawAttributes: encodeRibEntryAttributes(e.attributes),
            })),
          }
        : r,
    );
    expect(encodeMrt(raw)).toEqual(encodeMrt(records));
  },
);

const REAL = [
  "t2mune-mrtparse/samples/quagga_bgp",
  "t2mune-mrtparse/samples/bird6-mrtdump_rib",
  "t2mune-mrtparse/samples/openbgpd_rib_table",
].map((f) => new Uint8Array(readFileSync(path.join(FIXTURES, f))));

test.prop(
  [
    fc.constantFrom(...REAL),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
  ],
  { numRuns: 300 },
)(
  "mutated real MRT files: the reader yields records and never throws (strict: only BgpWireError)",
  (file, flips) => {
    const b = file.slice();
    for (const [at, v] of flips) b[at % b.length] = v;
    for (const r of decodeMrt(b)) expect(r.kind).toBeTypeOf("string");
    try {
      for (const _ of decodeMrt(b, { strict: true }));
    } catch (e) {
      expect(BgpWireError.isInstance(e)).toBe(true);
    }
  },
);

test.prop([fc.uint8Array({ maxLength: 400 })], { numRuns: 300 })(
  "arbitrary bytes: the reader never throws",
  (b) => {
    for (const r of decodeMrt(b)) expect(r.kind).toBeTypeOf("string");
  },
);

test.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 5_000, max: 12_000 })], {
  numRuns: 5,
})(
  "records with equal attribute bytes share one frozen set, past the cache's sampling windows (4,096 lookups); intern: false shares none",
  (kinds, n) => {
    const sets = Array.from({ length: kinds }, (_, i) => ({
      origin: "IGP" as const,
      asPath: [{ type: "AS_SEQUENCE" as const, asns: [64500 + i] }],
      nextHop: "192.0.2.1",
    }));
    const records: MrtWriteRecord[] = [
      {
        kind: "PEER_INDEX_TABLE",
        header: { timestamp: 0 },
        collectorBgpId: "192.0.2.9",
        viewName: "",
        peers: [{ peerType: 2, peerBgpId: "192.0.2.1", peerAddress: "192.0.2.1", peerAs: 64500 }],
      },
      ...Array.from(
        { length: n },
        (_, i): MrtWriteRecord => ({
          kind: "RIB",
          header: { timestamp: 0 },
          sequenceNumber: i,
          prefix: { afi: 1, address: `10.${(i >> 8) & 255}.${i & 255}.0`, length: 24 },
          entries: [{ peerIndex: 0, originatedTime: 0, attributes: sets[i % kinds]! }],
        }),
      ),
    ];
    const bytes = encodeMrt(records);
    const attrs = (intern: boolean) =>
      [...decodeMrt(bytes, { intern })].flatMap((r) =>
        r.kind === "RIB" ? r.entries.map((e) => e.attributes) : [],
      );
    const shared = attrs(true);
    expect(shared).toHaveLength(n);
    expect(new Set(shared).size).toBe(kinds);
    expect(shared.every((a) => Object.isFrozen(a))).toBe(true);
    expect(shared).toEqual(shared.map((_, i) => sets[i % kinds]));
    const own = attrs(false);
    expect(new Set(own).size).toBe(n);
    expect(own.some((a) => Object.isFrozen(a))).toBe(false);
  },
);
