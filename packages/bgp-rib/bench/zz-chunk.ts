import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { cpuMs, FULL, IBGP, N, router } from "./common";
for (const size of [2048, 256, 64, 2048, 256, 64]) {
  const rib = new Rib({ ...router, fib: true });
  let ms = 0, cpu = 0, started = false;
  for (const chunk of bgp4mpUpdateChunks(FULL, size)) {
    if (!started) { const p = chunk[0]!; rib.addPeer(N(p.peer, p.peerAs)); rib.peerUp(p.peer); rib.addPeer(IBGP); rib.peerUp(IBGP.address); started = true; }
    const t0 = performance.now(); const c0 = cpuMs();
    for (const e of chunk) rib.update(e.peer, e.update);
    ms += performance.now() - t0; cpu += cpuMs() - c0;
  }
  console.log(size, ms.toFixed(0), cpu.toFixed(0));
}
