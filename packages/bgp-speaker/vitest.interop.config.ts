import { defineConfig } from "vitest/config";

// Interop tests: real daemons (GoBGP, BIRD, FRR) in network namespaces. Root only; run by
// `pnpm test:interop` (CI installs the daemons first). One file at a time: they share port 179.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/interop/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 400_000,
    hookTimeout: 120_000,
    // Under CI a skipped test means a missing prerequisite: the run fails (see the reporter).
    reporters: ["default", "../../scripts/no-skip-reporter.mjs"],
  },
});
