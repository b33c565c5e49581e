// RFC 9687's Send Hold Timer against BIRD 2: BIRD is frozen (SIGSTOP) — its socket is no longer
// read, so once the kernel buffers are full the TCP window stays closed — while dyninfra D sends
// it a real table. D must close the session with Send Hold Timer Expired after its SendHoldTime
// (5 s here), well before its Hold Timer (30 s) would: the session is the "zombie" the RFC is for.
// (Without the Send Hold Timer the same run ends with D's Hold Timer: 4/0 after 30 s.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bird, birdBesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, waitFor, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const ready = isRoot && which("ip") && tablePresent && bird().available;
if (!ready)
  console.warn(
    "interop Send Hold Timer: skipped — needs root, iproute2, BIRD and ../shared/data/bgp",
  );

const sessions = async (d: { get(p: string): Promise<unknown> }) =>
  (await d.get("/sessions")) as { name: string; state: string }[];

describe.runIf(ready)("interop: the Send Hold Timer (RFC 9687) with a frozen BIRD", () => {
  const lab = new Lab();
  let birdPid = 0;
  afterAll(async () => {
    if (birdPid > 0) {
      try {
        process.kill(birdPid, "SIGCONT");
      } catch {}
    }
    await lab.cleanup();
  });

  it("closes the session on a neighbour that stopped reading, with NOTIFICATION 8/0, after the SendHoldTime", async () => {
    const { nsD } = await birdBesideD(lab, {}, [
      "hold time 30;",
      "ipv4 { import all; export none; };",
    ]);
    const d = await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dyninfraD([dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", { sendHoldTime: 5 })]),
    );
    await waitFor(
      "the session with BIRD",
      async () => (await sessions(d)).find((s) => s.name === "bird")?.state === "Established",
      30_000,
      200,
    );
    birdPid = Number(readFileSync(join(lab.dir, "bird.pid"), "utf8").trim());
    process.kill(birdPid, "SIGSTOP");
    // Real prefixes, each with attributes of its own (an UPDATE each): ~9 MB, more than the
    // socket buffers of both ends hold.
    const routes = loadTable()
      .slice(0, 150_000)
      .map((r, i) => ({
        prefix: r.prefix,
        communities: [`64500:${i & 0xffff}`, `64501:${i >> 16}`],
      }));
    const stalledAt = Date.now();
    await d.post("/routes", routes);
    await waitFor(
      "Send Hold Timer Expired in D's log",
      async () => /NOTIFICATION sent: 8\/0 /.test(lab.log("dyninfra-d")),
      60_000,
      200,
    );
    const after = (Date.now() - stalledAt) / 1000;
    expect(lab.log("dyninfra-d")).toMatch(/NOTIFICATION sent: 8\/0 Send Hold Timer Expired/);
    // Not before the SendHoldTime, and before the Hold Timer (30 s) could have ended it.
    expect(after).toBeGreaterThanOrEqual(5);
    expect(after).toBeLessThan(30);
    expect(lab.log("dyninfra-d")).not.toMatch(/NOTIFICATION sent: 4\/0/);
    expect((await sessions(d)).find((s) => s.name === "bird")?.state).not.toBe("Established");
    process.kill(birdPid, "SIGCONT");
  });
});
