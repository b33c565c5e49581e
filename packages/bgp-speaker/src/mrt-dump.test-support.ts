// Test support for the MRT output tests (not part of the package): two routers on a memory pipe
// and a ManualClock, the second logging what the first sends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { ManualClock } from "./clock";
import { MrtUpdateLog, type MrtUpdateLogOptions } from "./mrt-dump";
import { memoryPipe } from "./pipe";
import { Router } from "./router";

export const flush = async (rounds = 10) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

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
  const neighbor = (name: string, address: string, asn: number) => ({
    name,
    address,
    asn,
    passive: true,
    importPolicy: "accept" as const,
    exportPolicy: "accept" as const,
  });
  const r1 = new Router(
    {
      asn: 64501,
      bgpIdentifier: "192.0.2.2",
      localAddress: "192.0.2.2",
      neighbors: [neighbor("r2", "192.0.2.1", 64500)],
      originate: prefixes.map((prefix) => ({ prefix })),
    },
    { clock },
  );
  const r2 = new Router(
    {
      asn: 64500,
      bgpIdentifier: "192.0.2.1",
      localAddress: "192.0.2.1",
      neighbors: [neighbor("r1", "192.0.2.2", 64501)],
    },
    { clock },
  );
  const log = new MrtUpdateLog(r2, file, { all, now: () => clock.now(), clock, ...options });
  beforeStart?.(r2, clock);
  r1.start();
  r2.start();
  const [x, y] = memoryPipe();
  r1.accept("r2", x);
  r2.accept("r1", y);
  return { r1, r2, log, clock };
}

/** Moves a ManualClock on by `ms` in 10 s steps, letting the sessions' messages through. */
export async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 10_000) {
    clock.advance(Math.min(left, 10_000));
    await flush();
  }
}
