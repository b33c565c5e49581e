import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BgpSpeakerError } from "./errors";

// Run by tcp-repair.py once the connection is restored (as descriptor 4): hands it to the
// process that started the script over the IPC channel Node.js set up (descriptor 3), and exits.
const ADOPT = `const s = new (require("node:net").Socket)({ fd: 4 });
process.send("restored", s, (e) => process.exit(e ? 1 : 0));`;

/**
 * Restores a TCP connection in this process from a Linux `TCP_REPAIR` snapshot (the JSON that
 * `tcp-repair.py dump` of `@dyninfra/tcp-state-transfer` writes) and resolves with it as a
 * `Socket`: runs `python3 <helper> restore`, which recreates the connection in this network
 * namespace (the local address must exist here) and passes it back over an IPC channel. Root
 * (CAP_NET_ADMIN) is needed; a failure is a `TCP_RESTORE` error with the script's message.
 *
 * @example
 * ```ts
 * import { restoreConnection } from "@dyninfra/bgp-speaker";
 * const resume = async (helper: string, snapshot: unknown) =>
 *   (await restoreConnection(helper, snapshot)).remoteAddress;
 * ```
 */
export function restoreConnection(helper: string, snapshot: unknown): Promise<Socket> {
  const dir = mkdtempSync(join(tmpdir(), "dyninfra-tcp-restore-"));
  const file = join(dir, "tcp.json");
  writeFileSync(file, JSON.stringify(snapshot), { mode: 0o600 });
  const child = spawn(
    "python3",
    [helper, "restore", file, "--fd", "4", "--", process.execPath, "-e", ADOPT],
    { stdio: ["ignore", "ignore", "pipe", "ipc"] },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise<Socket>((resolve, reject) => {
    let socket: Socket | undefined;
    child.on("message", (m, handle) => {
      if (m === "restored" && handle instanceof Socket) socket = handle;
    });
    child.on("error", (e) => {
      rmSync(dir, { recursive: true, force: true });
      reject(
        new BgpSpeakerError("TCP_RESTORE", `cannot run ${helper}: ${e.message}`, {
          field: "tcpRepair",
        }),
      );
    });
    // "close": after the IPC channel too, so the message (if any) has arrived.
    child.on("close", (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (socket !== undefined) resolve(socket);
      else
        reject(
          new BgpSpeakerError(
            "TCP_RESTORE",
            `restoring the connection failed (exit ${code}): ${stderr.trim() || "no connection handed over"}`,
            { field: "tcp" },
          ),
        );
    });
  });
}

/**
 * Takes this process's TCP connection `socket` out of Linux `TCP_REPAIR` mode (`python3 <helper>
 * thaw`), after `tcp-repair.py dump` froze it for a migration that was then abandoned: the kernel
 * sends a window probe and the socket works again (harmless when it was not frozen). Root
 * (CAP_NET_ADMIN) is needed; a failure is a `TCP_THAW` error with the script's message.
 *
 * @example
 * ```ts
 * import type { Socket } from "node:net";
 * import { thawConnection } from "@dyninfra/bgp-speaker";
 * const rollBack = (helper: string, s: Socket) => thawConnection(helper, s);
 * ```
 */
export function thawConnection(helper: string, socket: Socket): Promise<void> {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (localAddress === undefined || remoteAddress === undefined)
    return Promise.reject(
      new BgpSpeakerError("TCP_THAW", "the socket is not connected", { field: "tcp" }),
    );
  const ep = (a: string, p: number | undefined) => `${a.includes(":") ? `[${a}]` : a}:${p}`;
  const child = spawn(
    "python3",
    [
      ...[helper, "thaw", "--pid", String(process.pid)],
      ...["--local", ep(localAddress, localPort), "--remote", ep(remoteAddress, remotePort)],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  return new Promise<void>((resolve, reject) => {
    child.on("error", (e) =>
      reject(
        new BgpSpeakerError("TCP_THAW", `cannot run ${helper}: ${e.message}`, {
          field: "tcpRepair",
        }),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new BgpSpeakerError(
            "TCP_THAW",
            `thawing the connection failed (exit ${code}): ${stderr.trim()}`,
            { field: "tcp" },
          ),
        );
    });
  });
}
