// `pnpm fuzz [cases]`: mutation fuzzing of the BGP message, MRT and RTR decoders (default
// 1,000,000 cases; bench/fuzz-cases.ts). Fails (exit 1) if a decoder throws anything but
// BgpWireError (RtrDecodeError for the RTR decoders); a hang shows as a stuck run.
import { runFuzz } from "./fuzz-cases";

const cases = Number(process.argv[2] ?? 1_000_000);
const start = Date.now();
const r = runFuzz(cases);
for (const e of r.examples) console.error(`foreign exception in ${e}`);
const s = (Date.now() - start) / 1000;
console.log(
  `fuzz: ${r.cases} mutated cases (${r.messageSeeds} message seeds, ${r.recordSeeds} MRT seeds, ${r.rtrSeeds} RTR seeds) in ${s.toFixed(1)} s, ${r.failures} failures`,
);
process.exit(r.failures > 0 ? 1 : 0);
