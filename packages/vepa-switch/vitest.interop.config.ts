import { defineConfig } from "vitest/config";

// Interop tests: the model against the real kernel (macvlan, Linux bridge) in a network namespace.
// Root only; run by `pnpm test:interop`. Not part of `pnpm test` (vitest.config.ts excludes them).
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/interop/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Under CI a skipped test means a missing prerequisite: the run fails (see the reporter).
    reporters: ["default", "../../scripts/no-skip-reporter.mjs"],
  },
});
