import { Rib } from "@dyninfra/bgp-rib";
import { readTableDump } from "../test/mrt";
import { IBGP, N, RIS, router } from "./common";

const peers = readTableDump(RIS);
for (let round = 0; round < 3; round++) {
  const rib = new Rib({ ...router, decision: { deterministicMed: true } });
  for (const p of peers) rib.addPeer(N(p.peer, p.peerAs));
  rib.addPeer(IBGP);
  for (const a of rib.peerAddresses()) rib.peerUp(a);
  const t0 = performance.now();
  for (const p of peers) for (const u of p.updates) rib.update(p.peer, u);
  console.log((performance.now() - t0).toFixed(0));
}
