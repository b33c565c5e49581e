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
import { isRoot, Lab, run, waitFor, which } from "../../../../scripts/interop-support";
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

const SERVER = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 1790)); s.listen(4)
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
const CLIENT_A = `
import os, socket, time
c = socket.create_connection(("192.0.2.2", 1790), source_address=("192.0.2.1", 0))
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
c = socket.socket(fileno=3); f = c.makefile("rb")
print("B read", f.readline().strip().decode())
print("B read", f.readline().strip().decode())
c.sendall(b"B0\\n"); print("B read", f.readline().strip().decode())
c.close()
`;

describe.runIf(ready)("interop: Linux TCP_REPAIR (tcp-repair.py) against the model", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());
  let dumped: TcpRepairSnapshot | undefined;

  it("moves a live connection, queues included, to another host; the server sees one connection, every byte in order", async () => {
    const read = (name: string) => lab.log(name);
    const nsN = await lab.ns("n");
    const nsS = await lab.ns("s");
    const nsA = await lab.ns("a");
    const nsB = await lab.ns("b");
    const ipS = (...a: string[]) => run("ip", ["-n", nsS, ...a]);
    await ipS("link", "add", "br0", "type", "bridge");
    await ipS("link", "set", "br0", "up");
    const toN = await lab.link(nsN, "192.0.2.2/24", nsS, "");
    const toA = await lab.link(nsA, "192.0.2.1/24", nsS, "");
    const toB = await lab.link(nsB, "192.0.2.1/24", nsS, "");
    const mac = /link\/ether ([0-9a-f:]+)/.exec(
      await run("ip", ["-n", nsA, "link", "show", toA.a]),
    )![1]!;
    await run("ip", ["-n", nsB, "link", "set", toB.a, "address", mac]);
    for (const p of [toN.b, toA.b]) await ipS("link", "set", p, "master", "br0");

    const server = python(lab, nsN, "server", SERVER);
    await waitFor(
      "the server",
      async () => (await run("ip", ["netns", "exec", nsN, "ss", "-ltnH"])).includes("1790"),
      10_000,
      100,
    );
    const dark = join(lab.dir, "dark");
    const clientA = python(
      lab,
      nsA,
      "a",
      `import os; os.environ["DARK"] = ${JSON.stringify(dark)}\n${CLIENT_A}`,
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
    const file = join(lab.dir, "tcp.json");
    await run("python3", [
      HELPER,
      "dump",
      "--pid",
      pid,
      "--local",
      `192.0.2.1:${port}`,
      "--remote",
      "192.0.2.2:1790",
      "--out",
      file,
    ]);
    const snap = snapshotFromJson(JSON.parse(readFileSync(file, "utf8")));
    dumped = snap;
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
    const restored = lab.spawn(nsB, "b", "python3", [
      HELPER,
      "restore",
      file,
      "--",
      ...["python3", "-u", "-c", CLIENT_B],
    ]);
    const clientB = await new Promise<number | null>((done) => restored.on("exit", done));
    expect(read("b")).toBe("B read ack 2 A1\nB read ack 3 A2\nB read ack 4 B0\n");
    expect(clientB).toBe(0);
    await server;
    expect(read("server")).toBe(
      "accepted 192.0.2.1\ngot A0\ngot A1\ngot A2\ngot B0\nclosed after 4\n",
    );
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
