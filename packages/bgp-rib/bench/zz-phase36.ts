import { Rib } from "@dyninfra/bgp-rib";
import { readTableDump } from "../test/mrt";
import { IBGP, N, RIS, router } from "./common";
const peers = readTableDump(RIS);
const times = new Map<string, number>();
const wrap = (o: any, name: string) => { const f = o[name]; o[name] = function (...a: any[]) { const t = performance.now(); try { return f.apply(this, a); } finally { times.set(name, (times.get(name) ?? 0) + performance.now() - t); } }; };
for (let round = 0; round < 4; round++) {
  times.clear();
  const rib = new Rib({ ...router, decision: { deterministicMed: true } });
  for (const p of peers) rib.addPeer(N(p.peer, p.peerAs));
  rib.addPeer(IBGP);
  for (const a of rib.peerAddresses()) rib.peerUp(a);
  if (round >= 2) for (const n of ["apply", "process", "exportChanged", "flush", "updateFib", "computeBest"]) wrap(rib, n);
  let batches = 0;
  const t0 = performance.now();
  for (const p of peers) for (const u of p.updates) { rib.update(p.peer, u); batches++; }
  console.log((performance.now() - t0).toFixed(0), "ms", batches, "batches", [...times].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", "));
}
