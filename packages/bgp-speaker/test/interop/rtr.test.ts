// The RTR client (RFC 8210) against a real RPKI cache: StayRTR from Debian, serving a relying
// party's JSON file on loopback. The client must hold exactly the file's VRPs after the first
// End of Data; after the file changes, StayRTR's Serial Notify must bring exactly the difference
// as an incremental update; a StayRTR of protocol version 0 (RFC 6810) must be met in version 0.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RtrClient, type RtrClientOptions } from "../../src/rtr-client";
import type { RtrUpdate, RtrVrp } from "../../src/rtr-session";
import { rng, waitFor, which } from "./lab";

const ready = which("stayrtr");
if (!ready) console.warn("interop RTR: skipped — needs stayrtr (Debian package stayrtr)");

const key = (v: RtrVrp): string => `${v.prefix} ${v.maxLength} ${v.asn}`;

/** `n` distinct VRPs in canonical text, IPv4 and IPv6, nested, AS 0 among the origins. */
function generate(n: number, seed: number): Map<string, RtrVrp> {
  const r = rng(seed);
  const out = new Map<string, RtrVrp>();
  const asns = [0, 64496, 64497, 64498, 65001, 4200000000];
  while (out.size < n) {
    let v: RtrVrp;
    if (r() < 0.7) {
      const len = 8 + Math.floor(r() * 17);
      const a = Math.floor(r() * 2 ** 32);
      const m = len === 0 ? 0 : (a >>> (32 - len)) << (32 - len);
      const addr = [m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join(".");
      v = {
        prefix: `${addr}/${len}`,
        maxLength: Math.min(32, len + Math.floor(r() * 9)),
        asn: asns[Math.floor(r() * asns.length)]!,
      };
    } else {
      const g = 1 + Math.floor(r() * 0xfffe);
      const long = r() < 0.5;
      const prefix = long
        ? `2001:db8:${g.toString(16)}::/48`
        : `2a0${Math.floor(r() * 10)}:${g.toString(16)}::/32`;
      const len = long ? 48 : 32;
      v = {
        prefix,
        maxLength: len + Math.floor(r() * 17),
        asn: asns[Math.floor(r() * asns.length)]!,
      };
    }
    out.set(key(v), v);
  }
  return out;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

describe.runIf(ready)("interop: RTR client against StayRTR", () => {
  const dir = mkdtempSync(join(tmpdir(), "dyninfra-rtr-"));
  const procs: ChildProcess[] = [];
  const clients: RtrClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.stop();
    for (const p of procs) p.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (file: string, vrps: Iterable<RtrVrp>) => {
    const roas = [...vrps].map((v) => ({
      prefix: v.prefix,
      maxLength: v.maxLength,
      asn: `AS${v.asn}`,
      ta: "lab",
    }));
    // Written beside and renamed: StayRTR re-reads the file every second and must never see half.
    writeFileSync(
      `${file}.tmp`,
      JSON.stringify({
        metadata: { buildtime: new Date().toISOString(), roas: roas.length },
        roas,
      }),
    );
    renameSync(`${file}.tmp`, file);
  };

  /**
   * StayRTR on loopback serving `file` (re-read every second), of protocol `version`; with `tls`,
   * over TLS only, with that certificate and key.
   */
  async function stayrtr(
    file: string,
    version?: number,
    tls?: { cert: string; key: string },
  ): Promise<{ port: number; log: () => string }> {
    const port = await freePort();
    let log = "";
    const p = spawn(
      "stayrtr",
      [
        "-cache",
        file,
        ...(tls === undefined
          ? ["-bind", `127.0.0.1:${port}`]
          : [
              "-bind",
              "",
              "-tls.bind",
              `127.0.0.1:${port}`,
              "-tls.cert",
              tls.cert,
              "-tls.key",
              tls.key,
            ]),
        "-metrics.addr",
        "",
        "-checktime=false",
        "-refresh",
        "1",
        ...(version !== undefined ? ["-protocol", String(version)] : []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    procs.push(p);
    p.stdout!.on("data", (b) => (log += b));
    p.stderr!.on("data", (b) => (log += b));
    // Listening (with TLS it logs no "Server started"): a TCP connection is accepted.
    const listening = () =>
      new Promise<boolean>((resolve) => {
        const t = connect(port, "127.0.0.1");
        t.once("connect", () => {
          t.destroy();
          resolve(true);
        });
        t.once("error", () => resolve(false));
      });
    await waitFor("StayRTR to start", listening, 15_000);
    return { port, log: () => log };
  }

  function client(
    port: number,
    tls?: RtrClientOptions["tls"],
  ): { c: RtrClient; updates: RtrUpdate[] } {
    const c = new RtrClient({ host: "127.0.0.1", port, retry: 1, ...(tls ? { tls } : {}) });
    const updates: RtrUpdate[] = [];
    c.on("update", (u) => updates.push(u));
    clients.push(c);
    c.start();
    return { c, updates };
  }

  it("loads StayRTR's VRPs and follows a change of its file incrementally (version 1)", async () => {
    const file = join(dir, "vrps.json");
    const first = generate(3000, 11);
    write(file, first.values());
    const cache = await stayrtr(file);
    const { c, updates } = client(cache.port);
    await waitFor("the first End of Data", async () => updates.length >= 1, 20_000);
    expect(updates[0]!.reset).toBe(true);
    expect(new Set(c.vrps().map(key))).toEqual(new Set(first.keys()));
    const s1 = c.status();
    // StayRTR speaks version 2 (draft 8210bis) by default and meets a version 1 router in 1.
    expect(s1).toMatchObject({
      version: 1,
      vrps: 3000,
      state: "idle",
      refresh: 3600,
      retry: 600,
      expire: 7200,
    });
    expect(first.size).toBe(3000);

    // 500 withdrawn, 400 new (some of them are other origins for kept prefixes).
    const r = rng(12);
    const all = [...first.values()];
    const removed = new Map<string, RtrVrp>();
    while (removed.size < 500) {
      const v = all[Math.floor(r() * all.length)]!;
      removed.set(key(v), v);
    }
    const added = new Map<string, RtrVrp>();
    for (const [k, v] of generate(6000, 13)) if (!first.has(k) && added.size < 400) added.set(k, v);
    const second = new Map(first);
    for (const k of removed.keys()) second.delete(k);
    for (const [k, v] of added) second.set(k, v);
    write(file, second.values());
    await waitFor("the notified update", async () => updates.length >= 2, 20_000);
    const u = updates[1]!;
    expect(u.reset).toBe(false);
    expect(u.sessionId).toBe(s1.sessionId);
    expect(u.serial).toBe(((s1.serial ?? 0) + 1) >>> 0);
    expect(new Set(u.announced.map(key))).toEqual(new Set(added.keys()));
    expect(new Set(u.withdrawn.map(key))).toEqual(new Set(removed.keys()));
    expect(new Set(c.vrps().map(key))).toEqual(new Set(second.keys()));
  });

  it("meets a StayRTR of version 0 (RFC 6810) in version 0", async () => {
    const file = join(dir, "vrps0.json");
    const vrps = generate(500, 21);
    write(file, vrps.values());
    const cache = await stayrtr(file, 0);
    const { c, updates } = client(cache.port);
    await waitFor("the End of Data", async () => updates.length >= 1, 20_000);
    expect(c.status()).toMatchObject({ version: 0, vrps: 500, state: "idle" });
    expect(new Set(c.vrps().map(key))).toEqual(new Set(vrps.keys()));
  });

  it("loads StayRTR's VRPs over TLS (RFC 6810 §7.2), verifying its certificate; refuses it with another CA", async () => {
    const tlsDir = join(import.meta.dirname, "../fixtures/tls");
    const file = join(dir, "vrps-tls.json");
    const vrps = generate(800, 31);
    write(file, vrps.values());
    const cache = await stayrtr(file, undefined, {
      cert: join(tlsDir, "cache.pem"),
      key: join(tlsDir, "cache.key"),
    });
    const { c, updates } = client(cache.port, { ca: readFileSync(join(tlsDir, "ca.pem"), "utf8") });
    await waitFor("the End of Data over TLS", async () => updates.length >= 1, 20_000);
    expect(c.status()).toMatchObject({ tls: true, vrps: 800, state: "idle" });
    expect(new Set(c.vrps().map(key))).toEqual(new Set(vrps.keys()));
    // The same cache with a CA that did not sign its certificate: refused, no data.
    const wrong = client(cache.port, { ca: readFileSync(join(tlsDir, "other-ca.pem"), "utf8") });
    const gone: string[] = [];
    wrong.c.on("disconnected", (why) => gone.push(why));
    await waitFor("the refusal", async () => gone.length >= 1, 20_000);
    expect(gone[0]).toMatch(/certificate/);
    expect(wrong.c.hasData).toBe(false);
  });
});
