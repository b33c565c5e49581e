import { acceptAll, Rib } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, IBGP, ingest, now } from "./common";
const full = readBgp4mpUpdates(FULL)[0]!;
const A = ingest(full, false).rib;
(full as { updates: unknown }).updates = [];
const o = { importPolicy: acceptAll, exportPolicy: acceptAll };
const n = +(process.argv[2] ?? 8);
for (let i = 0; i < n; i++) {
  const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9", fib: false });
  B.addPeer({ ...IBGP, address: "10.0.0.3", bgpIdentifier: "10.0.0.3" });
  B.peerUp("10.0.0.3");
  (globalThis as any).gc?.();
  const t0 = now();
  const s = A.exportSession(full.peer);
  const t1 = now();
  B.importSession(s, o);
  const t2 = now();
  console.error(`graft ${i}: export ${(t1 - t0).toFixed(0)} import ${(t2 - t1).toFixed(0)} total ${(t2 - t0).toFixed(0)}`);
}
