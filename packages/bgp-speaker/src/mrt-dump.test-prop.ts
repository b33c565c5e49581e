// Property of MRT update log rotation: over any run of a session (routes announced and
// withdrawn, time passing, logrotate reopening the file), a rotating log loses, duplicates and
// reorders nothing — its files, read in name order, hold byte for byte what one log without
// rotation on the same router holds — puts every record in the file of the period its time falls
// in, and has exactly one file per period from the first to the last, idle ones included.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMrt } from "@dyninfra/bgp-wire";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { MrtUpdateLog } from "./mrt-dump";
import { advance, flush, pair, tmp } from "./mrt-dump.test-support";

type Step =
  | { kind: "announce"; n: number }
  | { kind: "withdraw"; n: number }
  | { kind: "wait"; ms: number }
  | { kind: "reopen" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("announce" as const), n: fc.nat(15) }),
  fc.record({ kind: fc.constant("withdraw" as const), n: fc.nat(15) }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 200_000 }) }),
  fc.record({ kind: fc.constant("reopen" as const) }),
);

test.prop([fc.constantFrom(60, 300, 3600), fc.array(step, { maxLength: 25 })], { numRuns: 40 })(
  "rotation keeps every record once, in order, in its period's file",
  async (interval, steps) => {
    const dir = tmp();
    let plain: MrtUpdateLog | undefined;
    const { r1, log, clock } = pair(
      ["198.18.100.0/24"],
      join(dir, "r.%Y%m%d.%H%M%S"),
      false,
      { interval },
      (r2, clock) => {
        plain = new MrtUpdateLog(r2, join(dir, "plain.mrt"), { clock });
      },
    );
    const start = Math.floor(clock.now() / (interval * 1000)) * interval;
    await flush();
    for (const s of steps) {
      if (s.kind === "announce") r1.originate([{ prefix: `198.18.${s.n}.0/24` }]);
      else if (s.kind === "withdraw") r1.withdraw([`198.18.${s.n}.0/24`]);
      else if (s.kind === "wait") await advance(clock, s.ms);
      else log.reopen();
      await flush();
    }
    log.close();
    plain!.close();
    const end = Math.floor(clock.now() / (interval * 1000)) * interval;
    const names = readdirSync(dir)
      .filter((f) => f.startsWith("r."))
      .sort();
    expect(names).toHaveLength((end - start) / interval + 1);
    expect(log.files).toBe(names.length + steps.filter((s) => s.kind === "reopen").length);
    const bytes = names.map((f) => new Uint8Array(readFileSync(join(dir, f))));
    expect(Buffer.concat(bytes).equals(readFileSync(join(dir, "plain.mrt")))).toBe(true);
    let records = 0;
    names.forEach((_, i) => {
      const from = start + i * interval;
      for (const r of decodeMrt(bytes[i]!)) {
        records++;
        expect(r.header.timestamp).toBeGreaterThanOrEqual(from);
        expect(r.header.timestamp).toBeLessThan(from + interval);
      }
    });
    expect(records).toBe(log.records);
    expect(records).toBe(plain!.records);
  },
);
