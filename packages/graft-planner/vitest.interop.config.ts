import { defineConfig } from "vitest/config";

// `pnpm test:interop`: cross-checks that need external tools (cbc), which are then required.
const conditions = ["@dyninfra/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["src/**/*.interop.test.ts"],
    env: { GRAFT_PLANNER_INTEROP: "1" },
    testTimeout: 120_000,
    // Under CI a skipped test means a missing prerequisite: the run fails (see the reporter).
    reporters: ["default", "../../scripts/no-skip-reporter.mjs"],
  },
});
