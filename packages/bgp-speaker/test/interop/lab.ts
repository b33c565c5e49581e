// A lab of network namespaces joined by veth pairs, with processes started inside them. Every
// namespace and process is removed by cleanup(), also when a test fails.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRoot, run, waitFor, which } from "../../../../scripts/interop-support";

export { isRoot, run, waitFor, which };

export class Lab {
  readonly id = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
  readonly dir = mkdtempSync(join(tmpdir(), "dyninfra-interop-"));
  private readonly namespaces: string[] = [];
  private readonly links: string[] = [];
  private readonly procs: { name: string; proc: ChildProcess }[] = [];
  private linkCount = 0;

  /** Creates a namespace with its loopback up. */
  async ns(name: string): Promise<string> {
    const ns = `dyn${this.id}${name}`;
    await run("ip", ["netns", "add", ns]);
    this.namespaces.push(ns);
    await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    return ns;
  }

  /**
   * Joins two namespaces with a veth pair and addresses (CIDR, or "" for none) on each end;
   * returns the names of the two ends.
   */
  async link(
    nsA: string,
    cidrA: string,
    nsB: string,
    cidrB: string,
  ): Promise<{ a: string; b: string }> {
    const n = this.linkCount++;
    const a = `dv${this.id}${n}a`.slice(0, 15);
    const b = `dv${this.id}${n}b`.slice(0, 15);
    await run("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
    this.links.push(a);
    await run("ip", ["link", "set", a, "netns", nsA]);
    await run("ip", ["link", "set", b, "netns", nsB]);
    if (cidrA !== "") await run("ip", ["-n", nsA, "addr", "add", cidrA, "dev", a]);
    if (cidrB !== "") await run("ip", ["-n", nsB, "addr", "add", cidrB, "dev", b]);
    await run("ip", ["-n", nsA, "link", "set", a, "up"]);
    await run("ip", ["-n", nsB, "link", "set", b, "up"]);
    return { a, b };
  }

  /** Runs a command inside a namespace and returns its output. */
  exec(ns: string, cmd: string, args: readonly string[], timeoutMs?: number): Promise<string> {
    return run("ip", ["netns", "exec", ns, cmd, ...args], timeoutMs);
  }

  /** Starts a long-running process inside a namespace, its output going to a log file. */
  spawn(
    ns: string,
    name: string,
    cmd: string,
    args: readonly string[],
    cwd?: string,
  ): ChildProcess {
    const log = createWriteStream(this.logPath(name));
    const proc = spawn("ip", ["netns", "exec", ns, cmd, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(cwd !== undefined ? { cwd } : {}),
    });
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
    this.procs.push({ name, proc });
    return proc;
  }

  logPath(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  log(name: string): string {
    return existsSync(this.logPath(name)) ? readFileSync(this.logPath(name), "utf8") : "";
  }

  async cleanup(): Promise<void> {
    for (const { proc } of this.procs) if (proc.exitCode === null) proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    for (const { proc } of this.procs) if (proc.exitCode === null) proc.kill("SIGKILL");
    // Daemons may have forked: kill whatever still runs inside our namespaces.
    for (const ns of this.namespaces) {
      const pids = await run("ip", ["netns", "pids", ns]).catch(() => "");
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {}
      }
    }
    for (const ns of this.namespaces) await run("ip", ["netns", "del", ns]).catch(() => "");
    this.namespaces.length = 0;
  }
}

/** Reads a file written by the lab as JSON. */
export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}
