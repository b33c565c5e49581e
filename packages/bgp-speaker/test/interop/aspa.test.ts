// ASPA verification in dyninfra-bgpd with BIRD 2 as a customer: BIRD leaks one route (its export
// filter puts AS64510 — whose ASPA names another provider — behind its own AS); D, reading the
// ASPAs from a relying party's JSON file at start, drops the leak and keeps the other route, and
// takes the leak back once the file no longer holds that ASPA (POST /aspa/reload).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bird, birdBesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, waitFor, which } from "./lab";

const ready = isRoot && which("ip") && bird().available;
if (!ready) console.warn("interop ASPA: skipped — needs root, iproute2 and BIRD");

const LEAK = "100.64.0.0/16";
const GOOD = "192.0.2.128/25";

describe.runIf(ready)("interop: ASPA verification with BIRD as a customer", () => {
  const lab = new Lab();
  afterAll(() => lab.cleanup());

  it("drops BIRD's leak while the ASPAs say so, keeps its own route", async () => {
    const { nsD } = await birdBesideD(lab, { s4: [GOOD, LEAK] }, [
      "hold time 30;",
      `ipv4 { import all; export filter { if net = ${LEAK} then bgp_path.prepend(64510); accept; }; };`,
    ]);
    const file = join(lab.dir, "rpki-client.json");
    const aspas = (list: object[]) =>
      writeFileSync(file, JSON.stringify({ roas: [], aspas: list }));
    // 64510 buys transit from 65002 only: reaching us through BIRD (64501) it is a leak.
    aspas([{ customer_asid: 64510, providers: [65002] }]);
    const d = await startDyninfra(lab, nsD, "dyninfra-d", {
      ...dyninfraD([
        dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", {
          role: "provider", // BIRD is our customer: upstream verification
          importPolicy: "reject-aspa-invalid",
        }),
      ]),
      aspa: file,
    });
    const loc = async () =>
      ((await d.get("/routes")) as { prefix: string }[]).map((r) => r.prefix).sort();
    // Both received (the Adj-RIB-In before policy), one accepted.
    const received = async () =>
      (
        (await d.get("/sessions")) as {
          prefixesReceived: { ipv4: number; accepted: { ipv4: number } };
        }[]
      )[0]!.prefixesReceived;
    await waitFor("BIRD's two routes in D", async () => (await received()).ipv4 === 2, 30_000, 200);
    expect((await received()).accepted.ipv4).toBe(1);
    expect(await loc()).toEqual([GOOD]);
    expect(lab.log("dyninfra-d")).toMatch(/ASPA: 1 ASPAs from /);
    aspas([]);
    expect(await d.post("/aspa/reload", {})).toEqual({ aspas: 0, locRibChanges: 1 });
    expect(await loc()).toEqual([LEAK, GOOD].sort());
  });
});
