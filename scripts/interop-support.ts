// What the interop tests of several packages share (test code only, never published): finding
// tools, running commands, waiting for a condition.
import type { ChildProcess } from "node:child_process";
import { execFile, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether `cmd` is on the PATH. */
export function which(cmd: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => existsSync(join(d, cmd)));
}

/** A small deterministic PRNG (mulberry32): a generated interop case is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether the tests run as root (network namespaces need it). */
export const isRoot = process.getuid?.() === 0;

/** Runs a command; resolves with its stdout, rejects with its stderr in the message. */
export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Polls `check` every `intervalMs` until it returns true, or throws once `timeoutMs` has passed
 * (naming `what` and the last error `check` threw, if any).
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Polls `read` every `intervalMs` in the background, keeping the lowest value seen (a read that
 * fails is skipped); `stop` ends the watch and resolves with that value.
 */
export function watchLowest(
  read: () => Promise<number>,
  intervalMs = 100,
): { stop(): Promise<number> } {
  let lowest = Number.POSITIVE_INFINITY;
  let watching = true;
  const loop = (async () => {
    while (watching) {
      lowest = Math.min(lowest, await read().catch(() => lowest));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      watching = false;
      await loop;
      return lowest;
    },
  };
}

// A lab of network namespaces joined by veth pairs, with processes started inside them. Every
// namespace and process is removed by cleanup(), also when a test fails.
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
/** The MAC address of interface `dev` in namespace `ns`. */
export async function macOf(ns: string, dev: string): Promise<string> {
  const m = /link\/ether ([0-9a-f:]+)/.exec(await run("ip", ["-n", ns, "link", "show", dev]));
  if (m === null) throw new Error(`no MAC address for ${dev} in ${ns}`);
  return m[1]!;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}
