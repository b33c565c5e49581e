// Route Origin Validation in dyninfra-bgpd with a real neighbour: BIRD (AS64501) announces 500
// real prefixes to D, whose neighbour has importPolicy "reject-invalid" and whose VRPs come from
// a file in rpki-client's JSON format — read by D itself ("rpki": {"vrps"}), or served by a real
// RPKI cache, StayRTR, that D follows over the RTR protocol ("rpki": {"rtr"}, RFC 8210). D must
// accept exactly the valid and not-found routes; after the file changes (POST /rpki/reload; with
// RTR, StayRTR's Serial Notify and an incremental update) it revalidates them with the session
// untouched.
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bird500BesideD, dyninfraD, dyninfraNeighbor, startDyninfra } from "./daemons";
import { isRoot, Lab, waitFor, which } from "./lab";
import { tablePresent } from "./routes";

const ready = isRoot && which("ip") && which("bird") && which("birdc") && tablePresent;
if (!ready)
  console.warn("interop RPKI: skipped — needs root, iproute2, BIRD and ../shared/data/bgp");
const stayrtr = which("stayrtr");
if (ready && !stayrtr) console.warn("interop RPKI over RTR: skipped — needs stayrtr");

describe.runIf(ready)(
  "interop: Route Origin Validation in dyninfra-bgpd, BIRD as neighbour",
  () => {
    // A lab (namespaces, daemons) per case.
    const labs: Lab[] = [];
    afterAll(async () => {
      for (const l of labs) await l.cleanup();
    });

    it.each([
      ["a file", "file"],
      ["StayRTR over RTR", "rtr"],
    ] as const)(
      "from %s: accepts valid and not-found routes only, and revalidates on a change",
      async (_, source) => {
        if (source === "rtr" && !stayrtr) return;
        const lab = new Lab();
        labs.push(lab);
        const { prefixes, nsD, birdc } = await bird500BesideD(lab);
        const vrps = join(lab.dir, "vrps.json");
        // Written beside and renamed: StayRTR re-reads the file every second and must never see
        // half of it.
        const write = (roas: { prefix: string; maxLength: number; asn: number }[]) => {
          writeFileSync(
            `${vrps}.tmp`,
            JSON.stringify({
              metadata: { buildtime: new Date().toISOString(), roas: roas.length },
              roas: roas.map((r) => ({ ...r, ta: "lab" })),
            }),
          );
          renameSync(`${vrps}.tmp`, vrps);
        };
        const len = (p: string) => Number(p.split("/")[1]);
        // VRPs for prefixes 300–499 with AS64501, for 200–299 with AS 1, none for 0–199 (the table
        // is sorted by address: a VRP covers the more-specifics that follow its prefix too).
        const covering = (p: string) => `${p.split(".")[0]}.0.0.0/8`;
        // What D should accept, by RFC 6811 §2 read plainly (linear scan; a table sorted by address
        // has more-specifics right after their covering prefix, so a VRP of one covers the others):
        // every prefix that no VRP covers, or that one covers with AS64501 and a long enough maxLength.
        const num = (p: string) =>
          p
            .split("/")[0]!
            .split(".")
            .reduce((a, o) => a * 256 + Number(o), 0);
        const covers = (v: string, p: string) =>
          len(v) <= len(p) &&
          Math.floor(num(v) / 2 ** (32 - len(v))) === Math.floor(num(p) / 2 ** (32 - len(v)));
        type Roa = { prefix: string; maxLength: number; asn: number };
        const state = (roas: readonly Roa[], p: string) => {
          const c = roas.filter((v) => covers(v.prefix, p));
          if (c.length === 0) return "not-found";
          return c.some((v) => v.asn === 64501 && len(p) <= v.maxLength) ? "valid" : "invalid";
        };
        const accepted = (roas: readonly Roa[]) =>
          prefixes.filter((p) => state(roas, p) !== "invalid");
        /** Each of the three states occurs (the case is not degenerate). */
        const allStates = (roas: readonly Roa[]) =>
          new Set(prefixes.map((p) => state(roas, p))).size === 3;
        const first = [
          ...prefixes.slice(300).map((prefix) => ({ prefix, maxLength: len(prefix), asn: 64501 })),
          ...prefixes.slice(200, 300).map((prefix) => ({ prefix, maxLength: len(prefix), asn: 1 })),
        ];
        write(first);
        if (source === "rtr") {
          // StayRTR in D's namespace, on its loopback, re-reading the file every second.
          lab.spawn(nsD, "stayrtr", "stayrtr", [
            "-cache",
            vrps,
            "-bind",
            "127.0.0.1:8282",
            "-metrics.addr",
            "",
            "-checktime=false",
            "-refresh",
            "1",
          ]);
          await waitFor("StayRTR", async () => /Server started/.test(lab.log("stayrtr")), 15_000);
        }
        const d = await startDyninfra(lab, nsD, `dyninfra-d-${source}`, {
          ...dyninfraD([
            dyninfraNeighbor("bird", "192.0.2.2", 64501, "192.0.2.1", {
              importPolicy: "reject-invalid",
            }),
          ]),
          rpki: source === "file" ? { vrps } : { rtr: { host: "127.0.0.1", port: 8282, retry: 1 } },
        });
        type Rpki = {
          vrps: number;
          rtr: { updates: number; serial: number; version: number } | null;
        };
        const rpki = async () => (await d.get("/rpki")) as Rpki;
        const locRib = async () =>
          ((await d.get("/stats")) as { locRibRoutes: number }).locRibRoutes;
        /** D's decision for prefix p: "best", or why BIRD's route was rejected. */
        const decision = async (p: string) => {
          const e = (await d.get(`/routes/${encodeURIComponent(p)}`)) as {
            candidates: unknown[];
            rejected: { reason: string }[];
          };
          return e.candidates.length > 0 ? "best" : (e.rejected[0]?.reason ?? "none");
        };
        if (source === "file")
          expect(await d.get("/rpki")).toEqual({ vrps: 300, file: vrps, rtr: null });
        else {
          // Routes arrive before the cache's data too (accepted as not-found, then revalidated):
          // D's decisions are checked once its VRPs are in.
          await waitFor("D's VRPs from StayRTR", async () => (await rpki()).vrps === 300, 30_000);
          expect((await rpki()).rtr).toMatchObject({ updates: 1, version: 1 });
        }
        await waitFor(
          "D's routes",
          async () => (await locRib()) === accepted(first).length,
          60_000,
        );
        // Per prefix, not only the count (a rejected route is kept, with its reason: revalidable).
        const want1 = new Set(accepted(first));
        for (const p of prefixes)
          expect([p, await decision(p)]).toEqual([p, want1.has(p) ? "best" : "import-policy"]);
        expect(allStates(first)).toBe(true);

        // Now VRPs with AS64501 for 200–449 and, for the /8s of 450–499, VRPs for AS 1 (their
        // routes invalid unless a VRP of their own matches).
        const firstOctets = new Set(prefixes.slice(450).map(covering));
        const second = [
          ...[...firstOctets].map((prefix) => ({ prefix, maxLength: 8, asn: 1 })),
          ...prefixes
            .slice(200, 450)
            .map((prefix) => ({ prefix, maxLength: len(prefix), asn: 64501 })),
        ];
        write(second);
        if (source === "file") {
          const reload = (await d.post("/rpki/reload", {})) as Record<string, number>;
          expect(reload).toMatchObject({ vrps: firstOctets.size + 250 });
        } else {
          const serial = (await rpki()).rtr!.serial;
          await waitFor(
            "StayRTR's update",
            async () => (await rpki()).rtr!.serial !== serial,
            30_000,
          );
          expect(await rpki()).toMatchObject({ vrps: firstOctets.size + 250, rtr: { updates: 2 } });
          // The daemon's log reaches its file through a pipe, after the control interface has
          // already answered with the new serial.
          await waitFor(
            "the incremental update in D's log",
            async () =>
              /incremental update from the RTR cache/.test(lab.log(`dyninfra-d-${source}`)),
            10_000,
            100,
          );
          expect(lab.log(`dyninfra-d-${source}`)).toMatch(/incremental update from the RTR cache/);
        }
        await waitFor(
          "D to revalidate",
          async () => (await locRib()) === accepted(second).length,
          30_000,
        );
        const want2 = new Set(accepted(second));
        for (const p of prefixes)
          expect([p, await decision(p)]).toEqual([p, want2.has(p) ? "best" : "import-policy"]);
        expect(allStates(second)).toBe(true);
        expect([...want2].filter((p) => !want1.has(p)).length).toBeGreaterThan(0);
        expect([...want1].filter((p) => !want2.has(p)).length).toBeGreaterThan(0);
        // The session stayed up throughout: BIRD's protocol never left Established.
        expect(await birdc("show", "protocols", "d")).toMatch(/Established/);
        const sessions = (await d.get("/sessions")) as { name: string; state: string }[];
        expect(sessions.find((s) => s.name === "bird")?.state).toBe("Established");
      },
    );
  },
);
