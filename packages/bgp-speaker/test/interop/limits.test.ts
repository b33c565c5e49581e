// Maximum-prefix limits against FRR 8.4: FRR's `maximum-prefix` closing the session on dyninfra
// D with Cease / Maximum Number of Prefixes Reached — whose RFC 4486 §4 data (AFI, SAFI, limit)
// D must read — and D's own limit closing the session on FRR, which must see that Cease.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dyninfraD, dyninfraNeighbor, frr, frrBesideD, startDyninfra } from "./daemons";
import { isRoot, Lab, run, waitFor, which } from "./lab";
import { loadTable, tablePresent } from "./routes";

const frrd = frr();
const ready = isRoot && which("ip") && tablePresent && frrd.available;
if (!ready)
  console.warn(
    "interop maximum-prefix: skipped — needs root, iproute2, FRR and ../shared/data/bgp",
  );

/** D with FRR as its neighbour "frr" (`extra`: its settings), originating `originate`. */
const dSpec = (extra: object, originate: string[] = []) =>
  dyninfraD([dyninfraNeighbor("frr", "192.0.2.2", 64501, "192.0.2.1", extra)], originate);

describe.runIf(ready)("interop: maximum-prefix with FRR (RFC 4486 §4)", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("FRR's limit of 5 closes the session on D, which reads the family and limit FRR sends", async () => {
    const table = loadTable().map((r) => r.prefix);
    // FRR allows D 5 prefixes and sends it 300; D allows FRR 200.
    const nsD = await frrBesideD(lab, frrd, { maxPrefix: 5 }, table.slice(0, 300));
    // 1. D sends 10 prefixes: FRR's limit of 5 ends the session.
    await startDyninfra(
      lab,
      nsD,
      "dyninfra-d",
      dSpec(
        {},
        Array.from({ length: 10 }, (_, i) => `100.64.${i}.0/24`),
      ),
    );
    await waitFor(
      "FRR's Cease in D's log",
      async () => /NOTIFICATION received: 6\/1 /.test(lab.log("dyninfra-d")),
      30_000,
      200,
    );
    expect(lab.log("dyninfra-d")).toMatch(
      /NOTIFICATION received: 6\/1 Cease \/ Maximum Number of Prefixes Reached \(AFI 1 SAFI 1, limit 5\)/,
    );
  });

  it("D's limit of 200 ends FRR's session of 300 routes with Cease / Maximum Number of Prefixes Reached", async () => {
    const nsD = `dyn${lab.id}d`;
    // D again, with its own limit and nothing to send (FRR's limit is not reached).
    await run("pkill", ["-f", join(lab.dir, "dyninfra-d.json")]).catch(() => "");
    await startDyninfra(lab, nsD, "dyninfra-d2", dSpec({ maxPrefixes: { limit: 200 } }));
    // FRR keeps a session it closed for its limit down until cleared.
    await run("vtysh", ["--vty_socket", lab.dir, "-d", "bgpd", "-c", "clear bgp 192.0.2.1"]);
    await waitFor(
      "D's Cease in its log",
      async () => /NOTIFICATION sent: 6\/1 /.test(lab.log("dyninfra-d2")),
      60_000,
      200,
    );
    expect(lab.log("dyninfra-d2")).toMatch(
      /NOTIFICATION sent: 6\/1 Cease \/ Maximum Number of Prefixes Reached \(AFI 1 SAFI 1, limit 200\)/,
    );
    const j = JSON.parse(
      await run("vtysh", [
        ...["--vty_socket", lab.dir, "-d", "bgpd", "-c"],
        "show bgp neighbors 192.0.2.1 json",
      ]),
    ) as Record<string, { lastNotificationReason?: string; lastResetDueTo?: string }>;
    const n = j["192.0.2.1"];
    expect(`${n?.lastNotificationReason} ${n?.lastResetDueTo}`).toMatch(
      /Maximum Number of Prefixes Reached/i,
    );
  });
});
