import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { FULL, IBGP, N, router } from "./common";

for (let r = 0; r < 4; r++) {
  const rib = new Rib({ ...router, fib: true });
  let ms = 0,
    started = false;
  for (const chunk of bgp4mpUpdateChunks(FULL, 2048)) {
    if (!started) {
      const p = chunk[0]!;
      rib.addPeer(N(p.peer, p.peerAs));
      rib.peerUp(p.peer);
      rib.addPeer(IBGP);
      rib.peerUp(IBGP.address);
      started = true;
    }
    const t0 = performance.now();
    for (const e of chunk) rib.update(e.peer, e.update);
    ms += performance.now() - t0;
  }
  console.log("streamed", ms.toFixed(0));
}
