import { acceptAll, Rib } from "@dyninfra/bgp-rib";
import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, IBGP, ingest } from "./common";
let full = readBgp4mpUpdates(FULL)[0]!;
const A = ingest(full, false).rib;
full = { ...full, updates: [] };
const times = new Map<string, number>(); const counts = new Map<string, number>();
const wrap = (o: any, name: string) => { const f = o[name]; o[name] = function (...a: any[]) { const t = performance.now(); try { return f.apply(this, a); } finally { times.set(name, (times.get(name) ?? 0) + performance.now() - t); counts.set(name, (counts.get(name) ?? 0) + 1); } }; };
for (let i = 0; i < 4; i++) {
  times.clear();
  const B = new Rib({ asn: 64500, bgpIdentifier: "10.0.0.9", fib: false });
  B.addPeer({ ...IBGP, address: "10.0.0.3", bgpIdentifier: "10.0.0.3" });
  B.peerUp("10.0.0.3");
  const snap = A.exportSession("206.220.231.55");
  (A as any).peer("206.220.231.55").journal = undefined;
  const P = Object.getPrototypeOf(B);
  if (i >= 2) { for (const n of ["readRoutes", "process", "flush", "computePost"]) wrap(B, n); for (const n of ["peek", "intern"]) wrap((B as any).store, n); }
  const t1 = performance.now();
  B.importSession(snap, { importPolicy: acceptAll, exportPolicy: acceptAll });
  const t2 = performance.now();
  console.log("import", (t2 - t1).toFixed(0), [...times].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", "), [...counts].join(" "));
}
