import { Session } from "node:inspector/promises";
import { writeFileSync, mkdirSync } from "node:fs";
import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { IBGP, N, router, FULL } from "./common";
const s = new Session(); s.connect();
const chunks = [...bgp4mpUpdateChunks(FULL, 64)];
await s.post("HeapProfiler.enable");
await s.post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: false, includeObjectsCollectedByMinorGC: false });
const rib = new Rib({ ...router, fib: true });
let started = false;
for (const chunk of chunks) {
  if (!started) { const p = chunk[0]!; rib.addPeer(N(p.peer, p.peerAs)); rib.peerUp(p.peer); rib.addPeer(IBGP); rib.peerUp(IBGP.address); started = true; }
  for (const e of chunk) rib.update(e.peer, e.update);
}
(globalThis as any).keep = rib;
const { profile } = await s.post("HeapProfiler.stopSampling");
mkdirSync("/tmp/heapl", { recursive: true });
writeFileSync("/tmp/heapl/a.heapprofile", JSON.stringify(profile));
