// Test support for the MRT output tests (not part of the package): two routers on a memory pipe
// and a ManualClock, the second logging what the first sends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { ManualClock } from "./clock";
import { MrtUpdateLog, type MrtUpdateLogOptions } from "./mrt-dump";
import type { Router } from "./router";
import { flush, routerPair } from "./test-support";

export { flush };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
export const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mrt-dump-"));
  dirs.push(d);
  return d;
};

/**
 * r1 (AS 64501, 192.0.2.2) sends r2 (AS 64500, 192.0.2.1) `prefixes`; r2 logs to `file` (an
 * {@link MrtUpdateLog} with `options`).
 */
export function pair(
  prefixes: string[],
  file: string,
  all = false,
  options: Omit<MrtUpdateLogOptions, "all"> = {},
  /** Runs before the sessions start (to attach more listeners to r2). */
  beforeStart?: (r2: Router, clock: ManualClock) => void,
) {
  const clock = new ManualClock(1_700_000_000_000);
  let log: MrtUpdateLog | undefined;
  const { r1, r2 } = routerPair({
    originate: prefixes.map((prefix) => ({ prefix })),
    clock,
    beforeStart: (_, r2) => {
      log = new MrtUpdateLog(r2, file, { all, now: () => clock.now(), clock, ...options });
      beforeStart?.(r2, clock);
    },
  });
  return { r1, r2, log: log!, clock };
}

/** Moves a ManualClock on by `ms` in 10 s steps, letting the sessions' messages through. */
export async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 10_000) {
    clock.advance(Math.min(left, 10_000));
    await flush();
  }
}
