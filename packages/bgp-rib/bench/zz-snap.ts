import { writeHeapSnapshot } from "node:v8";
import { readBgp4mpUpdates } from "../test/mrt";
import { FULL, ingest } from "./common";
let full = readBgp4mpUpdates(FULL)[0]!;
const rib = ingest(full, false).rib;
full = { ...full, updates: [] };
(globalThis as any).keep = rib;
console.log(writeHeapSnapshot("/tmp/rib.heapsnapshot"));
