// The real kernel's TCP_REPAIR (linux/tcp-repair.py) against the package's model of it, in network
// namespaces: a server (N), a client on host A, later on host B, and a switch S (a Linux bridge
// standing in for the optical circuit switch) between them. A live connection, with unread bytes
// in its receive queue and unacknowledged bytes in its send queue, is frozen and dumped on A,
// moved, and restored on B; the server must see one connection and every byte in order. The
// kernel's snapshot must be one the model accepts, and snapshots the model refuses (with the
// errno it names) the kernel must refuse with that errno too.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isRoot, Lab, macOf, run, waitFor, which } from "../../../../scripts/interop-support";
import {
  snapshotFromJson,
  snapshotToJson,
  type TcpRepairSnapshot,
  validateSnapshot,
} from "../../src/index";

const HELPER = resolve(import.meta.dirname, "../../linux/tcp-repair.py");
const ready = isRoot && which("ip") && which("python3");
if (!ready) console.warn("interop TCP_REPAIR: skipped — needs root, iproute2 and python3");

const ERRNO_TEXT = { EINVAL: "Invalid argument", EFBIG: "File too large", EPERM: "" } as const;

/** Runs `python3 -c code` in a namespace (output to the lab's log `name`); resolves on exit. */
function python(lab: Lab, ns: string, name: string, code: string): Promise<number | null> {
  const p = lab.spawn(ns, name, "python3", ["-u", "-c", code]);
  return new Promise((done) => p.on("exit", (c) => done(c)));
}

/** The addresses of N and of the client (A, later B) per address family. */
const ADDR = {
  4: { n: "192.0.2.2", a: "192.0.2.1", len: 24 },
  6: { n: "2001:db8::2", a: "2001:db8::1", len: 64 },
} as const;

/**
 * The namespaces of a migration: server N, hosts A and B, and a switch S (a Linux bridge standing
 * in for the optical circuit switch) with N's and A's ports attached, B's (`toB.b`) not yet. With
 * `cidrs` the links get those addresses (B A's); without, none.
 */
async function circuit(lab: Lab, tag: string, cidrs?: { n: string; a: string }) {
  const nsN = await lab.ns(`n${tag}`);
  const nsS = await lab.ns(`s${tag}`);
  const nsA = await lab.ns(`a${tag}`);
  const nsB = await lab.ns(`b${tag}`);
  const ipS = (...args: string[]) => run("ip", ["-n", nsS, ...args]);
  await ipS("link", "add", "br0", "type", "bridge");
  await ipS("link", "set", "br0", "up");
  const toN = await lab.link(nsN, cidrs?.n ?? "", nsS, "");
  const toA = await lab.link(nsA, cidrs?.a ?? "", nsS, "");
  const toB = await lab.link(nsB, cidrs?.a ?? "", nsS, "");
  for (const p of [toN.b, toA.b]) await ipS("link", "set", p, "master", "br0");
  return { nsN, nsS, nsA, nsB, ipS, toN, toA, toB };
}

/** Resolves once something listens on TCP `port` in namespace `ns`. */
const listening = (ns: string, port: number) =>
  waitFor(
    `a listener on port ${port}`,
    async () => (await run("ip", ["netns", "exec", ns, "ss", "-ltnH"])).includes(`:${port}`),
    10_000,
    100,
  );

const SERVER = (n: string) => `
import socket
s = socket.socket(socket.AF_INET6 if ":" in "${n}" else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("${n}", 1790)); s.listen(4)
c, a = s.accept()
print("accepted", a[0])
f = c.makefile("rb"); n = 0
for line in f:
    n += 1
    print("got", line.strip().decode())
    c.sendall(f"ack {n} {line.strip().decode()}\\n".encode())
print("closed after", n)
`;

// On A: one exchange read; the second answer left unread (receive queue); a third line written
// while the circuit is dark (send queue, unacknowledged); then it waits to be dumped.
const CLIENT_A = (n: string, a: string) => `
import os, socket, time
c = socket.create_connection(("${n}", 1790), source_address=("${a}", 0))
print("port", c.getsockname()[1])
f = c.makefile("rb")
c.sendall(b"A0\\n"); print("A read", f.readline().strip().decode())
c.sendall(b"A1\\n"); time.sleep(0.5)
while not os.path.exists(os.environ["DARK"]): time.sleep(0.05)
c.sendall(b"A2\\n"); print("A wrote A2")
time.sleep(60)
`;

// On B, with the restored socket as descriptor 3: what A left unread first, then the answer to
// A's last line (retransmitted from the restored send queue), then one exchange of its own.
const CLIENT_B = `
import socket
c = socket.socket(fileno=3); c.settimeout(10); f = c.makefile("rb")
print("B read", f.readline().strip().decode())
print("B read", f.readline().strip().decode())
c.sendall(b"B0\\n"); print("B read", f.readline().strip().decode())
c.close()
`;

describe.runIf(ready)("interop: Linux TCP_REPAIR (tcp-repair.py) against the model", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());
  let dumped: TcpRepairSnapshot | undefined;

  it.each([4, 6] as const)(
    "moves a live connection, queues included, to another host (IPv%i); the server sees one connection, every byte in order",
    async (family) => {
      const read = (name: string) => lab.log(`${name}${family}`);
      const { n, a, len } = ADDR[family];
      const { nsN, nsA, nsB, ipS, toN, toA, toB } = await circuit(lab, String(family));
      for (const [ns, dev, addr] of [
        [nsN, toN.a, n],
        [nsA, toA.a, a],
        [nsB, toB.a, a],
      ] as const)
        await run("ip", ["-n", ns, "addr", "add", `${addr}/${len}`, "dev", dev, "nodad"]);
      // B's port keeps its own MAC address, and B knows N's already (it will not ask, which would
      // have told N in passing): only the restore's announcement (a gratuitous ARP, an unsolicited
      // Neighbor Advertisement) moves N's cache entry for the client's address from A's MAC to B's
      // before N's own probing (tens of seconds) would.
      const macB = await macOf(nsB, toB.a);
      expect(macB).not.toBe(await macOf(nsA, toA.a));
      await run("ip", [
        ...["-n", nsB, "neigh", "replace", n],
        ...["lladdr", await macOf(nsN, toN.a), "dev", toB.a, "nud", "permanent"],
      ]);
      for (const p of [toN.b, toA.b]) await ipS("link", "set", p, "master", "br0");

      const server = python(lab, nsN, `server${family}`, SERVER(n));
      await listening(nsN, 1790);
      const dark = join(lab.dir, `dark${family}`);
      const clientA = python(
        lab,
        nsA,
        `a${family}`,
        `import os; os.environ["DARK"] = ${JSON.stringify(dark)}\n${CLIENT_A(n, a)}`,
      );
      await waitFor(
        "A's first exchange",
        async () => read("a").includes("A read ack 1 A0"),
        10_000,
        50,
      );
      await new Promise((r) => setTimeout(r, 700)); // A1's answer is in A's receive queue
      // The circuit goes dark; A writes A2, which stays unacknowledged in its send queue.
      await ipS("link", "set", toA.b, "nomaster");
      await ipS("link", "set", toA.b, "down");
      writeFileSync(dark, "");
      await waitFor("A to write A2", async () => read("a").includes("A wrote A2"), 10_000, 50);
      const port = /port (\d+)/.exec(read("a"))![1]!;
      const pid = (await run("ip", ["netns", "pids", nsA])).split(/\s+/).filter(Boolean)[0]!;
      const file = join(lab.dir, `tcp${family}.json`);
      await run("python3", [
        ...[HELPER, "dump", "--pid", pid, "--local", `[${a}]:${port}`],
        ...["--remote", `[${n}]:1790`, "--out", file],
      ]);
      const snap = snapshotFromJson(JSON.parse(readFileSync(file, "utf8")));
      if (family === 4) dumped = snap;
      expect(snap.src_addr).toBe(a);
      // The model accepts what the kernel gave, queues as the scenario left them.
      expect(validateSnapshot(snap)).toEqual({ ok: true });
      expect(Buffer.from(snap.inq).toString()).toBe("ack 2 A1\n");
      expect(Buffer.from(snap.outq).toString()).toBe("A2\n");
      expect(snap.unsq_len).toBe(0); // sent (into the dark), not acknowledged
      expect(snap.state).toBe("ESTABLISHED");
      process.kill(Number(pid), "SIGKILL"); // its socket is frozen: the close sends nothing
      await clientA;
      // The circuit now goes to B's port; B restores the connection and carries on.
      await ipS("link", "set", toB.b, "master", "br0");
      const restored = lab.spawn(nsB, `b${family}`, "python3", [
        HELPER,
        "restore",
        file,
        "--",
        ...["python3", "-u", "-c", CLIENT_B],
      ]);
      const clientB = await new Promise<number | null>((done) => restored.on("exit", done));
      expect(read("b")).toBe("B read ack 2 A1\nB read ack 3 A2\nB read ack 4 B0\n");
      expect(clientB).toBe(0);
      expect(await run("ip", ["-n", nsN, "neigh", "show", a])).toContain(macB);
      await server;
      expect(read("server")).toBe(
        `accepted ${a}\ngot A0\ngot A1\ngot A2\ngot B0\nclosed after 4\n`,
      );
    },
  );

  it("thaws a dumped connection in place (a migration abandoned): the owner carries on, the server sees one connection", async () => {
    const read = (name: string) => lab.log(name);
    const { nsN, nsA, ipS, toA } = await circuit(lab, "3", {
      n: "192.0.2.2/24",
      a: "192.0.2.1/24",
    });
    const server = python(lab, nsN, "server3", SERVER(ADDR[4].n));
    await listening(nsN, 1790);
    const go = join(lab.dir, "thawed");
    // A: one exchange; then, told to, another on the same socket (which was frozen meanwhile).
    const clientA = python(
      lab,
      nsA,
      "a3",
      `import os, socket, time
c = socket.create_connection(("192.0.2.2", 1790), source_address=("192.0.2.1", 0)); c.settimeout(10)
print("port", c.getsockname()[1], flush=True)
f = c.makefile("rb")
c.sendall(b"A0\\n"); print("A read", f.readline().strip().decode(), flush=True)
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.05)
c.sendall(b"A1\\n"); print("A read", f.readline().strip().decode(), flush=True)
c.close()
`,
    );
    await waitFor("A's first exchange", async () => read("a3").includes("ack 1 A0"), 10_000, 50);
    const port = /port (\d+)/.exec(read("a3"))![1]!;
    const pid = (await run("ip", ["netns", "pids", nsA])).split(/\s+/).filter(Boolean)[0]!;
    const ends = ["--pid", pid, "--local", `192.0.2.1:${port}`, "--remote", "192.0.2.2:1790"];
    await ipS("link", "set", toA.b, "nomaster"); // dark
    await run("python3", [HELPER, "dump", ...ends, "--out", join(lab.dir, "tcp3.json")]);
    await run("python3", [HELPER, "thaw", ...ends]);
    await ipS("link", "set", toA.b, "master", "br0");
    writeFileSync(go, "");
    expect(await clientA).toBe(0);
    expect(read("a3")).toBe(`port ${port}\nA read ack 1 A0\nA read ack 2 A1\n`);
    await server;
    expect(read("server3")).toBe("accepted 192.0.2.1\ngot A0\ngot A1\nclosed after 2\n");
  });

  it("keeps the unsent part of the send queue unsent (the peer's window was closed at the freeze)", async () => {
    const read = (name: string) => lab.log(name);
    const { nsN, nsA, nsB, ipS, toA, toB } = await circuit(lab, "2", {
      n: "192.0.2.2/24",
      a: "192.0.2.1/24",
    });
    const go = join(lab.dir, "go");
    // N: a small receive buffer, not read until told: A's writes fill it, its window closes and
    // the rest stays unsent in A's send queue. Then it reads to the end and checks the bytes.
    const server = python(
      lab,
      nsN,
      "server2",
      `import os, socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("192.0.2.2", 1791)); s.listen(1)
c, _ = s.accept(); print("accepted")
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.05)
data = b""
while True:
    chunk = c.recv(65536)
    if not chunk: break
    data += chunk
want = bytes(i % 251 for i in range(len(data)))
print("received", len(data), "in order" if data == want else "CORRUPT")
c.sendall(f"total {len(data)}\\n".encode()); c.close()
`,
    );
    await listening(nsN, 1791);
    // A writes a pattern (byte i is i mod 251) until its send buffer is full.
    const clientA = python(
      lab,
      nsA,
      "a2",
      `import socket, time
c = socket.create_connection(("192.0.2.2", 1791), source_address=("192.0.2.1", 0))
print("port", c.getsockname()[1]); c.setblocking(False)
n = 0
pattern = bytes(i % 251 for i in range(251 * 64))
while True:
    try:
        k = c.send(pattern[n % 251 : n % 251 + 4096])
    except BlockingIOError:
        time.sleep(0.5)
        try: k = c.send(pattern[n % 251 : n % 251 + 4096])
        except BlockingIOError: break
    n += k
print("wrote", n, flush=True)
time.sleep(60)
`,
    );
    await waitFor("A to fill its buffers", async () => read("a2").includes("wrote"), 20_000, 50);
    const wrote = Number(/wrote (\d+)/.exec(read("a2"))![1]);
    const port = /port (\d+)/.exec(read("a2"))![1]!;
    const pid = (await run("ip", ["netns", "pids", nsA])).split(/\s+/).filter(Boolean)[0]!;
    const file = join(lab.dir, "tcp2.json");
    await run("python3", [
      ...[HELPER, "dump", "--pid", pid, "--local", `192.0.2.1:${port}`],
      ...["--remote", "192.0.2.2:1791", "--out", file],
    ]);
    const snap = snapshotFromJson(JSON.parse(readFileSync(file, "utf8")));
    expect(validateSnapshot(snap)).toEqual({ ok: true });
    expect(snap.unsq_len).toBeGreaterThan(0);
    expect(snap.unsq_len).toBeLessThanOrEqual(snap.outq_len); // what was sent is acknowledged
    process.kill(Number(pid), "SIGKILL");
    await clientA;
    await ipS("link", "set", toA.b, "nomaster");
    await ipS("link", "set", toB.b, "master", "br0");
    // B: how much of its restored send queue is unsent (SIOCOUTQNSD) while N's window is still
    // closed; then N reads, B closes its side and reads N's total.
    const restored = lab.spawn(nsB, "b2", "python3", [
      ...[HELPER, "restore", file, "--"],
      ...["python3", "-u", "-c"],
      `import fcntl, os, socket, struct
c = socket.socket(fileno=3); c.settimeout(20)
print("unsent", struct.unpack("i", fcntl.ioctl(3, 0x894B, b"\\0" * 4))[0])
open(${JSON.stringify(go)}, "w").close()
c.shutdown(socket.SHUT_WR)
print(c.makefile("rb").readline().strip().decode())
`,
    ]);
    const clientB = await new Promise<number | null>((done) => restored.on("exit", done));
    expect(clientB).toBe(0);
    // The model's restore: the first outq_len − unsq_len bytes as sent, the rest unsent.
    expect(read("b2")).toBe(`unsent ${snap.unsq_len}\ntotal ${wrote}\n`);
    await server;
    expect(read("server2")).toBe(`accepted\nreceived ${wrote} in order\n`);
  });

  it("refuses, as the kernel does, the snapshots the model refuses (same errno)", async () => {
    expect(dumped).toBeDefined();
    const ns = await lab.ns("x");
    // The local address on a link to nowhere: a restore in repair mode sends no packet.
    await run("ip", ["-n", ns, "link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    await run("ip", ["-n", ns, "addr", "add", "192.0.2.1/24", "dev", "x0"]);
    await run("ip", ["-n", ns, "link", "set", "x0", "up"]);
    const s = dumped!;
    const cases: [string, TcpRepairSnapshot][] = [
      ["as dumped", s],
      ["max_window below snd_wnd", { ...s, max_window: s.snd_wnd - 1 }],
      ["rcv_wup after rcv_nxt", { ...s, rcv_wup: (s.inq_seq + 1) >>> 0 }],
      ["snd_wl1 after rcv_nxt + rcv_wnd", { ...s, snd_wl1: (s.inq_seq + s.rcv_wnd + 1) >>> 0 }],
      ["window scale 15", { ...s, snd_wscale: 15 }],
    ];
    for (const [what, snap] of cases) {
      const file = join(lab.dir, "case.json");
      writeFileSync(file, JSON.stringify(snapshotToJson(snap)));
      const model = validateSnapshot(snap);
      expect({ what, modelOk: model.ok }).toEqual({ what, modelOk: what === "as dumped" });
      const kernel = await run("ip", [
        "netns",
        "exec",
        ns,
        "python3",
        HELPER,
        "restore",
        file,
        "--",
        "true",
      ]).then(
        () => ({ ok: true as const }),
        (e: Error) => ({ ok: false as const, message: e.message }),
      );
      expect({ what, ok: kernel.ok }).toEqual({ what, ok: model.ok });
      if (!model.ok && !kernel.ok) expect(kernel.message).toContain(ERRNO_TEXT[model.error.errno]);
    }
  });
});
