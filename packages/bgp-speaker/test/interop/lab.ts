// The lab of the interop tests (namespaces, veth pairs, processes inside them): shared with other
// packages' interop tests in scripts/interop-support.ts.
export {
  isRoot,
  Lab,
  macOf,
  readJson,
  rng,
  run,
  waitFor,
  watchLowest,
  which,
} from "../../../../scripts/interop-support";
