import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, ingest } from "./common";
import { attributesHash } from "../src/internal/attribute-hash";
let full = readBgp4mpUpdates(FULL)[0]!;
const A = ingest(full, false).rib;
const st = (A as any).store;
const sets: any[] = [];
for (let i = 0; i < st.capacity; i++) { const a = st.attrs[i]; if (a) sets.push(a); }
const K = ["origin","asPath","nextHop","multiExitDisc","localPref","atomicAggregate","aggregator","communities","originatorId","clusterList","mpReachNlri","extendedCommunities","as4Path","as4Aggregator","largeCommunities","unknown"];
const fullShape = sets.map((a) => { const o: any = {}; for (const k of K) o[k] = a[k]; return o; });
const shapes = new Set(sets.map((a) => Object.keys(a).join(","))); console.log("sets", sets.length, "key orders", shapes.size);
for (let r = 0; r < 5; r++) for (const [n, arr] of [["stored", sets], ["full", fullShape]] as const) {
  const t = performance.now(); let h = 0; for (let i = 0; i < arr.length; i++) h ^= attributesHash(arr[i]); console.log(n, (performance.now() - t).toFixed(1), "ms", h);
}
