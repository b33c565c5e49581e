import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { acceptAll, Rib } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, IBGP, ingest } from "./common";
let full = readBgp4mpUpdates(FULL)[0]!;
const A = ingest(full, false).rib;
full = { ...full, updates: [] };
const prof = process.argv[2] === "prof";
const s = new Session(); s.connect();
if (prof) { await s.post("Profiler.enable"); await s.post("Profiler.start"); }
for (let i = 0; i < 3; i++) {
  const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9", fib: false });
  B.addPeer({ ...IBGP, address: "10.0.0.3", bgpIdentifier: "10.0.0.3" });
  B.peerUp("10.0.0.3");
  const t0 = performance.now();
  const snap = A.exportSession("206.220.231.55");
  const t1 = performance.now();
  B.importSession(snap, { importPolicy: acceptAll, exportPolicy: acceptAll });
  const t2 = performance.now();
  console.log("export", (t1 - t0).toFixed(0), "import", (t2 - t1).toFixed(0));
  (A as any).peer("206.220.231.55").journal = undefined;
}
if (prof) { const { profile } = await s.post("Profiler.stop"); writeFileSync("/tmp/profg/g.cpuprofile", JSON.stringify(profile)); }
