import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { FULL, IBGP, N, router } from "./common";
const mode = process.argv[2];
for (let r = 0; r < 2; r++) {
  const rib = new Rib({ ...router, fib: mode !== "nofib" });
  let started = false;
  for (const chunk of bgp4mpUpdateChunks(FULL, 64)) {
    if (!started) { const p = chunk[0]!; rib.addPeer(N(p.peer, p.peerAs)); rib.peerUp(p.peer); if (mode !== "noibgp") { rib.addPeer(IBGP); rib.peerUp(IBGP.address); } started = true; }
    if (mode !== "norib") for (const e of chunk) rib.update(e.peer, e.update);
  }
}
