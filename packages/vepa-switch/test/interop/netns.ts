// One network namespace for the kernel side of the interop test, plus the raw-frame probe
// (probe.py, run inside it). The namespace — and with it every link created in it — is removed by
// cleanup(), which the tests call in afterAll, also when a test or the setup fails.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function which(cmd: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => existsSync(join(d, cmd)));
}

export const isRoot = process.getuid?.() === 0;

export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const PROBE = join(dirname(fileURLToPath(import.meta.url)), "probe.py");

/** What one interface saw of the probe frame: copies received and copies it transmitted. */
export interface Seen {
  readonly in: number;
  readonly out: number;
  /** Set when the interface is down (it cannot receive). */
  readonly down?: boolean;
}

export class Netns {
  /** Unique per test process, e.g. `dynvepa12345`. */
  readonly name = `dynvepa${process.pid}`;
  private created = false;

  async create(): Promise<void> {
    await run("ip", ["netns", "add", this.name]);
    this.created = true;
    await this.ip("link", "set", "lo", "up");
  }

  /** `ip -n NS ARGS…` */
  ip(...args: string[]): Promise<string> {
    return run("ip", ["-n", this.name, ...args]);
  }

  /** Runs a command inside the namespace. */
  exec(cmd: string, ...args: string[]): Promise<string> {
    return run("ip", ["netns", "exec", this.name, cmd, ...args]);
  }

  /**
   * Sends one frame (EtherType 0x88b5, random nonce) out of `send` and returns, for every
   * interface in `listen`, how many copies it received / transmitted within `waitS` seconds.
   */
  async probe(options: {
    send: string;
    dst: string;
    src: string;
    listen: readonly string[];
    waitS?: number;
  }): Promise<Record<string, Seen>> {
    const out = await this.exec(
      "python3",
      PROBE,
      "--send",
      options.send,
      "--dst",
      options.dst,
      "--src",
      options.src,
      "--listen",
      options.listen.join(","),
      "--wait",
      String(options.waitS ?? 0.3),
    );
    return (JSON.parse(out) as { seen: Record<string, Seen> }).seen;
  }

  async cleanup(): Promise<void> {
    if (!this.created) return;
    // Kill anything still running inside (a probe interrupted mid-run), then drop the namespace.
    const pids = await run("ip", ["netns", "pids", this.name]).catch(() => "");
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
    await run("ip", ["netns", "del", this.name]);
    this.created = false;
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
