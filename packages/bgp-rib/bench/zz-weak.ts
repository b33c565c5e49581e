import { Rib } from "@dyninfra/bgp-rib";
import { bgp4mpUpdateChunks } from "../test/mrt";
import { FULL, IBGP, N, router } from "./common";
const rib = new Rib({ ...router, fib: true });
let started = false; let k = 0;
const refs: WeakRef<object>[] = []; const dref: WeakRef<object>[] = [];
for (const chunk of bgp4mpUpdateChunks(FULL, 64)) {
  if (!started) { const p = chunk[0]!; rib.addPeer(N(p.peer, p.peerAs)); rib.peerUp(p.peer); rib.addPeer(IBGP); rib.peerUp(IBGP.address); started = true; }
  for (const e of chunk) { const cs = rib.update(e.peer, e.update); if (k++ % 1000 === 0 && k > 20000) { refs.push(new WeakRef(cs)); const d = cs.adjRibOut.get(IBGP.address); if (d) dref.push(new WeakRef(d)); } }
  if (k > 40000) break;
}
await new Promise((r) => setTimeout(r, 10));
let junk: any[] = [];
for (let i = 0; i < 3e5; i++) junk.push({ a: i, b: [i] }); junk = [];
for (let i = 0; i < 3e5; i++) junk.push({ a: i, b: [i] }); junk = [];
await new Promise((r) => setTimeout(r, 10));
console.log("changesets alive", refs.filter((r) => r.deref() !== undefined).length, "of", refs.length, "deltas alive", dref.filter((r) => r.deref() !== undefined).length, "of", dref.length);
