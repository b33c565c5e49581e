import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { FULL, IBGP, N, router, now } from "./common";
const mode = process.argv[2] ?? "update";
const chunks = [...bgp4mpUpdateChunks(FULL, 512)];
function run() {
  const rib = new Rib({ ...router, fib: true });
  const p = chunks[0]![0]!;
  rib.addPeer(N(p.peer, p.peerAs)); rib.peerUp(p.peer); rib.addPeer(IBGP); rib.peerUp(IBGP.address);
  const t0 = now();
  for (const chunk of chunks) {
    const ups = chunk.map((e) => e.update);
    if (mode === "update") for (const u of ups) rib.update(p.peer, u); else rib.updateMany(p.peer, ups);
  }
  return now() - t0;
}
for (let i = 0; i < 6; i++) console.error(`run ${i} ${run().toFixed(0)} ms`);
