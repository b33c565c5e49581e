// One network namespace for the kernel side of the interop test, plus the raw-frame probe
// (probe.py, run inside it). The namespace — and with it every link created in it — is removed by
// cleanup(), which the tests call in afterAll, also when a test or the setup fails.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isRoot, run, waitFor, which } from "../../../../scripts/interop-support";

export { isRoot, run, waitFor, which };

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
