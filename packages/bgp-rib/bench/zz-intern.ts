import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, ingest } from "./common";
import { AttributeStore } from "../src/internal/attribute-store";
import { attributesHash } from "../src/internal/attribute-hash";
import { readAttributes, Reader, Writer, writeAttributes } from "../src/internal/codec";
let full = readBgp4mpUpdates(FULL)[0]!;
const A = ingest(full, false).rib;
full = { ...full, updates: [] };
const st = (A as any).store;
const sets: any[] = [];
for (let i = 0; i < st.capacity; i++) { const a = st.attrs[i]; if (a && a.localPref === undefined) sets.push(a); }
const w = new Writer(); for (const a of sets) writeAttributes(w, a);
const bytes = w.done();
console.log("sets", sets.length, "bytes", bytes.length);
for (let r = 0; r < 4; r++) {
  let t = performance.now();
  const r0 = new Reader(bytes); const dec: any[] = []; for (let i = 0; i < sets.length; i++) dec.push(readAttributes(r0));
  const tDec = performance.now() - t;
  t = performance.now(); let h = 0; for (const a of dec) h ^= attributesHash(a); const tHash = performance.now() - t;
  const s2 = new AttributeStore();
  t = performance.now(); for (const a of dec) s2.intern(a); const tIntern = performance.now() - t;
  t = performance.now(); for (const a of dec) s2.intern(a); const tHit = performance.now() - t;
  const s3 = new AttributeStore();
  t = performance.now(); for (const a of dec) s3.intern({ ...a, localPref: 100 }); const tDerived = performance.now() - t;
  console.log(`decode ${tDec.toFixed(0)} hash ${tHash.toFixed(0)} intern-new ${tIntern.toFixed(0)} intern-hit ${tHit.toFixed(0)} intern-spread-new ${tDerived.toFixed(0)} ms`);
}
