import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { FULL, IBGP, N, router } from "./common";
const size = Number(process.argv[2] ?? 2048);
for (let r = 0; r < 2; r++) {
  const rib = new Rib({ ...router, fib: true });
  let started = false;
  for (const chunk of bgp4mpUpdateChunks(FULL, size)) {
    if (!started) { const p = chunk[0]!; rib.addPeer(N(p.peer, p.peerAs)); rib.peerUp(p.peer); rib.addPeer(IBGP); rib.peerUp(IBGP.address); started = true; }
    for (const e of chunk) rib.update(e.peer, e.update);
  }
  console.log("run");
}
