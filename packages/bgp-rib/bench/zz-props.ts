import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, ingest } from "./common";
let full = readBgp4mpUpdates(FULL)[0]!;
const A = ingest(full, false).rib;
const st = (A as any).store; const h = new Map<number, number>();
for (let i = 0; i < st.capacity; i++) { const a = st.attrs[i]; if (a) { const n = Object.keys(a).length; h.set(n, (h.get(n) ?? 0) + 1); } }
console.log([...h].sort((a, b) => a[0] - b[0]));
